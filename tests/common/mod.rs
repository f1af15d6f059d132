//! What the tests that run the batch tool share: building it once, and running it.

#![allow(dead_code)] // each test binary uses its part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The tool's binary, built on first use with this test's profile.
pub fn tool() -> &'static Path {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        // <target>/<profile>/deps/<test>-<hash>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target profile directory");
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--quiet", "--example", "swyxpcap"])
            .current_dir(manifest_dir());
        if profile_dir
            .file_name()
            .is_some_and(|name| name == "release")
        {
            build.arg("--release");
        }
        if let Some(target) = profile_dir.parent() {
            build.env("CARGO_TARGET_DIR", target);
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "building the swyxpcap example failed");
        profile_dir
            .join("examples")
            .join(format!("swyxpcap{}", std::env::consts::EXE_SUFFIX))
    })
}

pub fn run(args: &[&str]) -> Output {
    Command::new(tool())
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("run swyxpcap")
}

pub fn stdout(output: &Output) -> &str {
    std::str::from_utf8(&output.stdout).expect("UTF-8 output")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
