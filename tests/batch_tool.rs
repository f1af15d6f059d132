//! The pcap batch tool (`examples/swyxpcap.rs`) and the capture shipped with it.
//!
//! The tool is run as a program: the tests build it with the same cargo and profile (a no-op
//! when it is up to date) and run it from the target directory. Every expected count is
//! computed from the office scenario's own construction (`swyx_testkit::scenario`), never
//! copied from the tool's output.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use swyx_testkit::scenario::{
    office_capture, office_packets, Conversation, Expected, ScenarioPacket,
};
use swyx_traffic::classify::{classify, Component, Label, Outcome, Reason};

const SHIPPED: &str = "captures/swyx-office.pcap";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The tool's binary, built on first use with this test's profile.
fn tool() -> &'static Path {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        // <target>/<profile>/deps/batch_tool-<hash>
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

fn run(args: &[&str]) -> Output {
    Command::new(tool())
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .expect("run swyxpcap")
}

fn stdout(output: &Output) -> &str {
    std::str::from_utf8(&output.stdout).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn expected_of(result: &swyx_traffic::classify::Classification<'_>) -> Expected {
    match result.outcome {
        Outcome::Labelled(d) => Expected::Labelled(d.label, d.component),
        Outcome::Unclassified(r) => Expected::Unclassified(r),
    }
}

/// Packets, bytes and flows per label x component, and per unclassified reason, as the
/// scenario built them.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    labelled: BTreeMap<(String, String), (u64, u64, u64)>,
    unclassified: BTreeMap<String, (u64, u64, u64)>,
    flows: usize,
}

fn tally(packets: &[ScenarioPacket]) -> Tally {
    let mut tally = Tally::default();
    for packet in packets {
        let bytes = packet.frame.len() as u64;
        let entry = match packet.flow_expected {
            Expected::Labelled(label, component) => tally
                .labelled
                .entry((label.id().to_owned(), component.id().to_owned()))
                .or_default(),
            Expected::Unclassified(reason) => tally
                .unclassified
                .entry(reason.id().to_owned())
                .or_default(),
        };
        entry.0 += 1;
        entry.1 += bytes;
    }
    // A flow counts under its first labelled packet; a flow without one under the reason of
    // its first packet.
    let mut flows: HashMap<Conversation, Vec<Expected>> = HashMap::new();
    for packet in packets {
        if let Some(conversation) = packet.conversation {
            flows
                .entry(conversation)
                .or_default()
                .push(packet.flow_expected);
        }
    }
    tally.flows = flows.len();
    for expectations in flows.values() {
        let labelled = expectations
            .iter()
            .find(|e| matches!(e, Expected::Labelled(..)));
        match labelled.unwrap_or(&expectations[0]) {
            Expected::Labelled(label, component) => {
                tally
                    .labelled
                    .get_mut(&(label.id().to_owned(), component.id().to_owned()))
                    .expect("counted")
                    .2 += 1;
            }
            Expected::Unclassified(reason) => {
                tally.unclassified.get_mut(reason.id()).expect("counted").2 += 1
            }
        }
    }
    tally
}

/// The tally of a `--format json` summary.
fn tally_of_summary(summary: &Value) -> Tally {
    let number = |row: &Value, key: &str| {
        row[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {row}"))
    };
    let text = |row: &Value, key: &str| {
        row[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {row}"))
            .to_owned()
    };
    let mut tally = Tally {
        flows: summary["flows"].as_u64().expect("flows") as usize,
        ..Tally::default()
    };
    for row in summary["labelled"].as_array().expect("labelled rows") {
        let counts = (
            number(row, "packets"),
            number(row, "bytes"),
            number(row, "flows"),
        );
        tally
            .labelled
            .insert((text(row, "label"), text(row, "component")), counts);
    }
    for row in summary["unclassified"]
        .as_array()
        .expect("unclassified rows")
    {
        let counts = (
            number(row, "packets"),
            number(row, "bytes"),
            number(row, "flows"),
        );
        tally.unclassified.insert(text(row, "reason"), counts);
    }
    tally
}

#[test]
fn shipped_capture_is_built_by_the_office_scenario() {
    let path = manifest_dir().join(SHIPPED);
    let built = office_capture();
    if std::env::var_os("SWYX_REGENERATE_CAPTURE").is_some() {
        std::fs::write(&path, &built).expect("write the shipped capture");
    }
    let shipped = std::fs::read(&path).expect("the shipped capture");
    assert!(
        shipped == built,
        "{SHIPPED} differs from scenario::office_capture(); regenerate it with \
         SWYX_REGENERATE_CAPTURE=1 cargo test --test batch_tool"
    );
    assert!(
        built.len() < 300 * 1024,
        "the shipped capture stays small: {} bytes",
        built.len()
    );
}

#[test]
fn office_scenario_is_a_realistic_site() {
    let packets = office_packets();
    assert!(
        (1_000..=2_000).contains(&packets.len()),
        "{} packets",
        packets.len()
    );
    assert!(
        packets.windows(2).all(|w| w[0].micros <= w[1].micros),
        "timestamps never go back"
    );
    for label in Label::ALL {
        assert!(
            packets
                .iter()
                .any(|p| matches!(p.expected, Expected::Labelled(l, _) if l == label)),
            "no {label:?} packet"
        );
    }
    for reason in [
        Reason::NotIp,
        Reason::NotTcpUdp,
        Reason::BroadRowWithoutEvidence,
    ] {
        assert!(
            packets
                .iter()
                .any(|p| p.expected == Expected::Unclassified(reason)),
            "no {reason:?} packet"
        );
    }
}

#[test]
fn office_scenario_packets_classify_as_the_rules_say() {
    let mut wrong = Vec::new();
    for (index, packet) in office_packets().iter().enumerate() {
        let got = expected_of(&classify(&packet.frame));
        if got != packet.expected {
            wrong.push(format!(
                "packet {index}: expected {:?}, got {got:?}",
                packet.expected
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn mix_frames_are_distinct_and_cover_every_label() {
    let frames = swyx_testkit::mix::mix_frames(1_000, 7);
    assert_eq!(frames.len(), 1_000);
    let distinct: std::collections::HashSet<&Vec<u8>> = frames.iter().collect();
    assert_eq!(distinct.len(), 1_000);
    for label in Label::ALL {
        assert!(
            frames.iter().any(|f| classify(f).label() == Some(label)),
            "no {label:?} frame"
        );
    }
    assert!(
        frames.iter().any(|f| classify(f).reason().is_some()),
        "some frames are not SwyxWare"
    );
    assert_eq!(
        frames,
        swyx_testkit::mix::mix_frames(1_000, 7),
        "deterministic"
    );
    assert_ne!(
        frames,
        swyx_testkit::mix::mix_frames(1_000, 8),
        "the seed shuffles"
    );
}

#[test]
fn summary_of_the_shipped_capture_counts_what_the_scenario_built() {
    let packets = office_packets();
    let expected = tally(&packets);

    let output = run(&["--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<&str> = stdout(&output).lines().collect();
    assert_eq!(lines.len(), 1, "one summary line per file");
    let summary: Value = serde_json::from_str(lines[0]).expect("JSON summary");
    assert_eq!(summary["packets"], packets.len() as u64);
    assert_eq!(
        summary["bytes"],
        packets.iter().map(|p| p.frame.len() as u64).sum::<u64>()
    );
    assert_eq!(
        summary["format"],
        "pcap (little-endian, microsecond timestamps)"
    );
    assert!(summary["error"].is_null());
    assert_eq!(tally_of_summary(&summary), expected);

    // The human summary names the same rows with the same packet counts.
    let output = run(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains(SHIPPED), "names the file:\n{text}");
    assert!(
        text.contains(&format!("packets   {} ", packets.len())),
        "{text}"
    );
    for ((label, component), (count, bytes, flows)) in &expected.labelled {
        let row = format!("{label} {component} {count} {bytes} {flows}");
        assert!(
            text.lines()
                .any(|line| line.split_whitespace().collect::<Vec<_>>().join(" ") == row),
            "no row `{row}` in:\n{text}"
        );
    }
    for (reason, (count, bytes, flows)) in &expected.unclassified {
        let row = format!("{reason} {count} {bytes} {flows}");
        assert!(
            text.lines()
                .any(|line| line.split_whitespace().collect::<Vec<_>>().join(" ") == row),
            "no row `{row}` in:\n{text}"
        );
    }
}

#[test]
fn summary_csv_has_a_row_per_table_entry() {
    let expected = tally(&office_packets());
    let output = run(&["--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<&str> = stdout(&output).lines().collect();
    assert_eq!(lines[0], "file,label,component,reason,packets,bytes,flows");
    assert_eq!(
        lines.len() - 1,
        expected.labelled.len() + expected.unclassified.len()
    );
    let sip = expected.labelled[&("sip".to_owned(), "swyx_server".to_owned())];
    assert!(lines
        .iter()
        .any(|l| l.ends_with(&format!(",sip,swyx_server,,{},{},{}", sip.0, sip.1, sip.2))));
}

#[test]
fn packets_gives_one_json_line_per_record_in_file_order() {
    let packets = office_packets();
    let output = run(&["--packets", SHIPPED]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), packets.len());
    for (index, (line, packet)) in lines.iter().zip(&packets).enumerate() {
        assert_eq!(line["index"], index as u64);
        assert_eq!(line["len"], packet.frame.len() as u64);
        let (label, component, reason) = match packet.flow_expected {
            Expected::Labelled(l, c) => (Value::from(l.id()), Value::from(c.id()), Value::Null),
            Expected::Unclassified(r) => (Value::Null, Value::Null, Value::from(r.id())),
        };
        assert_eq!(
            (&line["label"], &line["component"], &line["reason"]),
            (&label, &component, &reason),
            "packet {index}"
        );
        let micros = packet.micros;
        assert_eq!(
            line["ts"],
            format!("{}.{:06}000", micros / 1_000_000, micros % 1_000_000)
        );
    }

    // A few packets looked at closely.
    let find =
        |what: &dyn Fn(&ScenarioPacket) -> bool| packets.iter().position(what).expect("present");
    let first_t38 = find(&|p| matches!(p.expected, Expected::Labelled(Label::T38, _)));
    assert_eq!(lines[first_t38]["label"], "t38");
    // Both ends announced theirs: the receiving end of the first packet names the flow.
    assert_eq!(lines[first_t38]["component"], Component::SwyxFaxServer.id());
    assert_eq!(lines[first_t38]["peer"], Component::SwyxGate.id());
    // The fax's SDP announced the port: signalled, and the UDPTL payload matches.
    assert_eq!(lines[first_t38]["evidence"], "signalled");
    assert_eq!(lines[first_t38]["decided_by"], "signalling");
    assert_eq!(
        (&lines[first_t38]["sport"], &lines[first_t38]["dport"]),
        (&Value::from(52_010), &Value::from(4000))
    );
    let first_h323 = find(&|p| matches!(p.expected, Expected::Labelled(Label::H323, _)));
    assert_eq!(lines[first_h323]["label"], "h323");
    // The SYN has no payload: it carries its flow's label, which the first payload segment
    // (TPKT + Q.931) confirmed.
    assert_eq!(lines[first_h323]["evidence"], "confirmed");
    assert_eq!(lines[first_h323]["decided_by"], "flow");
    assert_eq!(lines[first_h323]["dport"], 1720);
    let ipv6 = find(&|p| p.conversation.is_some_and(|c| c.low.0.is_ipv6()));
    assert_eq!(lines[ipv6]["label"], "sip");
    assert_eq!(lines[ipv6]["src"], "2001:db8::a01:114");
    let rtcp = lines
        .iter()
        .position(|l| l["rtcp"] == true)
        .expect("an RTCP packet");
    assert_eq!(lines[rtcp]["label"], "rtp");
    assert_eq!(lines[0]["reason"], "not_ip");
    assert_eq!(lines[0]["label"], Value::Null);
}

#[test]
fn flows_csv_has_a_header_and_a_row_per_flow() {
    let expected = tally(&office_packets());
    let output = run(&["--flows", "--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<&str> = stdout(&output).lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    for column in [
        "label",
        "component",
        "peer",
        "transport",
        "client",
        "client_port",
        "server",
        "server_port",
        "first",
        "last",
    ] {
        assert!(header.contains(&column), "no {column} column in {header:?}");
    }
    assert_eq!(lines.len() - 1, expected.flows);
    assert!(lines.iter().all(|l| l.split(',').count() == header.len()));
    // The T.38 flow: SwyxGate 52010 called the fax server first.
    let t38: Vec<&str> = lines
        .iter()
        .find(|l| l.contains(",t38,"))
        .expect("the fax")
        .split(',')
        .collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect("column");
    assert_eq!(t38[column("client")], "10.1.1.11");
    assert_eq!(t38[column("client_port")], "52010");
    assert_eq!(t38[column("server_port")], "4000");
    assert_eq!(t38[column("packets_to_server")], "100");
    assert_eq!(t38[column("packets_to_client")], "100");
}

#[test]
fn flows_json_sums_to_every_transport_packet() {
    let packets = office_packets();
    let output = run(&["--flows"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut total = 0;
    for line in stdout(&output).lines() {
        let flow: Value = serde_json::from_str(line).expect("a JSON line");
        total += flow["packets_to_server"].as_u64().expect("count")
            + flow["packets_to_client"].as_u64().expect("count");
    }
    assert_eq!(
        total,
        packets.iter().filter(|p| p.conversation.is_some()).count() as u64
    );
}

#[test]
fn truncated_capture_reports_complete_records_then_the_offset() {
    let packets = office_packets();
    let capture = office_capture();
    // Cut in the middle of record `kept`: its header and half of its data survive.
    let kept = packets.len() / 2;
    let offset: usize = 24
        + packets[..kept]
            .iter()
            .map(|p| 16 + p.frame.len())
            .sum::<usize>();
    let cut = offset + 16 + packets[kept].frame.len() / 2;
    let path = std::env::temp_dir().join(format!("swyxpcap-truncated-{}.pcap", std::process::id()));
    std::fs::write(&path, &capture[..cut]).expect("write the truncated copy");

    let output = run(&["--format", "json", path.to_str().expect("UTF-8 path")]);
    let human = run(&[path.to_str().expect("UTF-8 path")]);
    let lines = run(&["--packets", path.to_str().expect("UTF-8 path")]);
    std::fs::remove_file(&path).ok();

    assert_eq!(output.status.code(), Some(1));
    let summary: Value =
        serde_json::from_str(stdout(&output).trim()).expect("the summary is still printed");
    assert_eq!(summary["packets"], kept as u64);
    assert_eq!(
        tally_of_summary(&summary).labelled,
        tally(&packets[..kept]).labelled
    );
    let error = stderr(&output);
    assert!(error.contains(&format!("byte offset {offset}")), "{error}");
    assert!(error.contains(&format!("record {kept}")), "{error}");
    assert!(error.contains("truncated"), "{error}");

    assert_eq!(human.status.code(), Some(1));
    assert!(
        stdout(&human).contains(&format!("packets   {kept} ")),
        "{}",
        stdout(&human)
    );
    assert!(stderr(&human).contains(&format!("byte offset {offset}")));

    assert_eq!(lines.status.code(), Some(1));
    assert_eq!(
        stdout(&lines).lines().count(),
        kept,
        "every complete packet is reported"
    );
}

#[test]
fn unreadable_file_names_the_path() {
    let output = run(&["no/such/capture.pcap"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no/such/capture.pcap"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());

    let output = run(&["Cargo.toml"]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(
        error.contains("Cargo.toml") && error.contains("offset 0"),
        "{error}"
    );
}

#[test]
fn closed_output_pipe_ends_quietly() {
    // Enough lines to fill any pipe buffer.
    let args: Vec<&str> = std::iter::once("--packets")
        .chain(std::iter::repeat_n(SHIPPED, 20))
        .collect();
    let mut child = Command::new(tool())
        .args(&args)
        .current_dir(manifest_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn swyxpcap");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("one line");
    assert!(first.starts_with("{\"index\":0,"));
    // The read end is dropped here.
    let output = child.wait_with_output().expect("wait");
    let error = stderr(&output);
    assert!(!error.contains("panicked"), "{error}");
    assert!(error.is_empty(), "{error}");
    assert!(output.status.success());
}

/// A capture of `packets` frames of the traffic mix, in the temporary directory.
fn mix_capture(name: &str, packets: u64) -> PathBuf {
    let path = std::env::temp_dir().join(format!("swyxpcap-{name}-{}.pcap", std::process::id()));
    let file = std::fs::File::create(&path).expect("create the mix capture");
    swyx_testkit::mix::write_mix_capture(file, packets).expect("write the mix capture");
    path
}

/// The output without what differs from run to run (the analysis time and rate).
fn without_timing(output: &str) -> String {
    output
        .lines()
        .filter(|line| !line.starts_with("analysed "))
        .map(|line| match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(mut object)) => {
                object.remove("elapsed_s");
                object.remove("packets_per_s");
                Value::Object(object).to_string()
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn threads_give_the_same_summary_and_flows_as_one() {
    // About 5.3 MB: several batches, and every flow of the mix (4,096 frames cycled) has
    // packets in each of them, in both directions.
    let path = mix_capture("threads", 30_000);
    let file = path.to_str().expect("UTF-8 path");
    let modes: [&[&str]; 5] = [
        &[],
        &["--format", "json"],
        &["--format", "csv"],
        &["--flows"],
        &["--flows", "--format", "csv"],
    ];
    for mode in modes {
        let sequential = run(&[mode, &["--threads", "1", file]].concat());
        assert!(sequential.status.success(), "{}", stderr(&sequential));
        let expected = without_timing(stdout(&sequential));
        assert!(expected.contains("swyx_server"), "{expected}");
        for threads in ["2", "3", "4"] {
            let parallel = run(&[mode, &["--threads", threads, file]].concat());
            assert!(parallel.status.success(), "{}", stderr(&parallel));
            assert_eq!(
                without_timing(stdout(&parallel)),
                expected,
                "{mode:?} with {threads} threads"
            );
        }
    }
    let summary: Value = serde_json::from_str(stdout(&run(&["--format", "json", file])).trim())
        .expect("a JSON summary");
    std::fs::remove_file(&path).ok();
    assert_eq!(summary["packets"], 30_000);
    assert_eq!(summary["first"], "1372928400.000000000");
    assert_eq!(summary["last"], "1372928400.299990000");
}

#[test]
fn truncated_large_capture_counts_every_record_before_the_cut() {
    let path = mix_capture("truncated-large", 30_000);
    let capture = std::fs::read(&path).expect("read the mix capture");
    // Record offsets, from the records' captured lengths.
    let mut offsets = Vec::new();
    let mut at = 24;
    while at < capture.len() {
        offsets.push(at);
        let caplen = u32::from_le_bytes(capture[at + 8..at + 12].try_into().expect("4 bytes"));
        at += 16 + caplen as usize;
    }
    assert_eq!(offsets.len(), 30_000);
    // Cut inside the data of a record well past the first batches.
    let kept = 25_123;
    let offset = offsets[kept];
    std::fs::write(&path, &capture[..offset + 20]).expect("write the truncated copy");
    let file = path.to_str().expect("UTF-8 path");

    let mut summaries = Vec::new();
    for threads in ["1", "2", "3"] {
        let output = run(&["--format", "json", "--threads", threads, file]);
        assert_eq!(output.status.code(), Some(1), "{threads} threads");
        let error = stderr(&output);
        assert!(error.contains(&format!("byte offset {offset}")), "{error}");
        assert!(error.contains(&format!("record {kept}")), "{error}");
        let summary: Value =
            serde_json::from_str(stdout(&output).trim()).expect("the summary is still printed");
        assert_eq!(summary["packets"], kept as u64, "{threads} threads");
        assert_eq!(summary["bytes_read"], offset as u64, "{threads} threads");
        assert!(summary["error"]
            .as_str()
            .is_some_and(|e| e.contains("truncated")));
        summaries.push(without_timing(stdout(&output)));
    }
    let human = run(&[file]);
    std::fs::remove_file(&path).ok();
    assert_eq!(human.status.code(), Some(1));
    assert!(stdout(&human).contains(&format!("packets   {kept} ")));
    assert!(
        summaries.iter().all(|s| *s == summaries[0]),
        "{summaries:?}"
    );
}
