//! The pcap batch tool (`examples/swyxpcap.rs`) and the capture shipped with it.
//!
//! The tool is run as a program: the tests build it with the same cargo and profile (a no-op
//! when it is up to date) and run it from the target directory. Every expected count is
//! computed from the office scenario's own construction (`swyx_testkit::scenario`), never
//! copied from the tool's output.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use swyx_testkit::scenario::{
    office_capture, office_packets, Conversation, Expected, ScenarioPacket,
};
use swyx_traffic::classify::{classify, Component, Label, Outcome, Reason};

const SHIPPED: &str = "captures/swyx-office.pcap";

mod common;
use common::{manifest_dir, run, stderr, stdout, tool};

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
    let file = TempFile::new("truncated.pcap", &capture[..cut]);

    let output = run(&["--format", "json", file.path()]);
    let human = run(&[file.path()]);
    let lines = run(&["--packets", file.path()]);

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
fn mix_capture(name: &str, packets: u64) -> TempFile {
    let mut bytes = Vec::new();
    swyx_testkit::mix::write_mix_capture(&mut bytes, packets).expect("write the mix capture");
    TempFile::new(&format!("{name}.pcap"), &bytes)
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
    let capture = mix_capture("threads", 30_000);
    let file = capture.path();
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
    assert_eq!(summary["packets"], 30_000);
    assert_eq!(summary["first"], "1372928400.000000000");
    assert_eq!(summary["last"], "1372928400.299990000");
}

#[test]
fn truncated_large_capture_counts_every_record_before_the_cut() {
    let copy = mix_capture("truncated-large", 30_000);
    let capture = std::fs::read(&copy.0).expect("read the mix capture");
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
    std::fs::write(&copy.0, &capture[..offset + 20]).expect("write the truncated copy");
    let file = copy.path();

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
    assert_eq!(human.status.code(), Some(1));
    assert!(stdout(&human).contains(&format!("packets   {kept} ")));
    assert!(
        summaries.iter().all(|s| *s == summaries[0]),
        "{summaries:?}"
    );
}

/// A file in the temporary directory, removed when dropped (a failing test's too). Its name
/// is the process's and the file's own number, then `name`: the tests of this file run in
/// threads of one process, and two may write files of the same name at once.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("swyxpcap-{}-{number}-{name}", std::process::id()));
        std::fs::write(&path, bytes).expect("write the temporary capture");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("compress in memory");
    encoder.finish().expect("compress in memory")
}

/// Runs the tool with `input` as its standard input.
fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(tool())
        .args(args)
        .current_dir(manifest_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn swyxpcap");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait");
    writer
        .join()
        .expect("writer")
        .expect("write the standard input");
    output
}

/// The JSON summary of a run, without its timing.
fn summary_of(output: &Output) -> Value {
    let mut summary: Value = serde_json::from_str(stdout(output).trim()).expect("a JSON summary");
    let object = summary.as_object_mut().expect("an object");
    object.remove("elapsed_s");
    object.remove("packets_per_s");
    summary
}

#[test]
fn dash_reads_standard_input() {
    let capture = std::fs::read(manifest_dir().join(SHIPPED)).expect("the shipped capture");
    let from_file = run(&["--packets", SHIPPED]);
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    for input in [capture.clone(), gzip(&capture)] {
        for threads in ["1", "2"] {
            let piped = run_with_stdin(&["--packets", "--threads", threads, "-"], &input);
            assert!(piped.status.success(), "{}", stderr(&piped));
            assert_eq!(stdout(&piped), stdout(&from_file));
        }
    }
    let mut expected = summary_of(&run(&["--format", "json", SHIPPED]));
    expected["file"] = "-".into();
    let piped = run_with_stdin(&["--format", "json", "-"], &capture);
    assert_eq!(summary_of(&piped), expected);

    let empty = run_with_stdin(&["-"], &[]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        stderr(&empty).contains("-: the capture file is empty"),
        "{}",
        stderr(&empty)
    );
}

#[test]
fn gzip_captures_give_what_the_uncompressed_ones_give() {
    let capture = std::fs::read(manifest_dir().join(SHIPPED)).expect("the shipped capture");
    let compressed = TempFile::new("office.pcap.gz", &gzip(&capture));
    for mode in [&["--packets"][..], &["--packets", "--format", "csv"]] {
        let plain = run(&[mode, &[SHIPPED]].concat());
        let unzipped = run(&[mode, &[compressed.path()]].concat());
        assert!(unzipped.status.success(), "{}", stderr(&unzipped));
        assert_eq!(stdout(&unzipped), stdout(&plain), "{mode:?}");
    }
    let mut expected = summary_of(&run(&["--format", "json", SHIPPED]));
    expected["file"] = compressed.path().into();
    expected["format"] = "pcap (little-endian, microsecond timestamps), gzip-compressed".into();
    assert_eq!(
        summary_of(&run(&["--format", "json", compressed.path()])),
        expected
    );

    // A cut compressed file: the packets before the cut, then an error and status 1.
    let cut = TempFile::new(
        "cut.pcap.gz",
        &gzip(&capture)[..compressed_len(&capture) / 2],
    );
    let output = run(&["--format", "json", cut.path()]);
    assert_eq!(output.status.code(), Some(1));
    let summary = summary_of(&output);
    let packets = summary["packets"].as_u64().expect("a count");
    assert!(
        packets > 0 && packets < office_packets().len() as u64,
        "{summary}"
    );
    assert!(stderr(&output).contains(cut.path()), "{}", stderr(&output));
}

fn compressed_len(capture: &[u8]) -> usize {
    gzip(capture).len()
}

#[test]
fn big_endian_modified_pcap_reads_like_the_shipped_capture() {
    // The shipped capture rewritten as the big-endian "modified" format: magic a1 b2 cd 34,
    // every field big-endian, 24-byte record headers.
    let capture = std::fs::read(manifest_dir().join(SHIPPED)).expect("the shipped capture");
    let le = |at: usize| u32::from_le_bytes(capture[at..at + 4].try_into().expect("4 bytes"));
    let mut modified = vec![0xa1, 0xb2, 0xcd, 0x34];
    modified.extend_from_slice(&2u16.to_be_bytes());
    modified.extend_from_slice(&4u16.to_be_bytes());
    for at in [8, 12, 16, 20] {
        modified.extend_from_slice(&le(at).to_be_bytes());
    }
    let mut at = 24;
    while at < capture.len() {
        for field in 0..4 {
            modified.extend_from_slice(&le(at + 4 * field).to_be_bytes());
        }
        modified.extend_from_slice(&[0, 0, 0, 2, 0x08, 0x00, 0, 0]); // ifindex, protocol, type
        let len = le(at + 8) as usize;
        modified.extend_from_slice(&capture[at + 16..at + 16 + len]);
        at += 16 + len;
    }
    let file = TempFile::new("modified-be.pcap", &modified);
    let plain = run(&["--packets", SHIPPED]);
    let output = run(&["--packets", file.path()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), stdout(&plain));
    let summary = summary_of(&run(&["--format", "json", file.path()]));
    assert_eq!(
        summary["format"],
        "pcap (big-endian, microsecond timestamps)"
    );
}

#[test]
fn simple_packet_blocks_stay_out_of_the_capture_times() {
    use swyx_testkit::capture::PcapngWriter;
    let packets = office_packets();
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None); // microseconds
    w.spb(packets[0].frame.len() as u32, &packets[0].frame);
    for packet in &packets[1..packets.len() - 1] {
        w.epb(0, packet.micros, packet.frame.len() as u32, &packet.frame);
    }
    let last = &packets[packets.len() - 1];
    w.spb(last.frame.len() as u32, &last.frame);
    let file = TempFile::new("spb.pcapng", &w.bytes);

    let first_us = packets[1].micros;
    let last_us = packets[packets.len() - 2].micros;
    let time = |us: u64| format!("{}.{:06}000", us / 1_000_000, us % 1_000_000);
    for threads in ["1", "2"] {
        let output = run(&["--format", "json", "--threads", threads, file.path()]);
        assert!(output.status.success(), "{}", stderr(&output));
        let summary = summary_of(&output);
        assert_eq!(summary["packets"], packets.len() as u64);
        assert_eq!(summary["first"], time(first_us));
        assert_eq!(summary["last"], time(last_us));
        let duration = summary["duration_s"].as_f64().expect("a duration");
        assert!(
            (duration - (last_us - first_us) as f64 / 1e6).abs() < 1e-6,
            "{summary}"
        );
    }
    let human = run(&[file.path()]);
    let text = stdout(&human);
    let expected = format!("duration  {:.6} s", (last_us - first_us) as f64 / 1e6);
    assert!(text.contains(&expected), "{text}");

    // Their packets are tracked at the last time known: none before the first packet (0),
    // the packet before them at the end.
    let lines = run(&["--packets", file.path()]);
    let lines: Vec<Value> = stdout(&lines)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines[0]["ts"], "0.000000000");
    assert_eq!(lines[lines.len() - 1]["ts"], time(last_us));

    // Only Simple Packet Blocks: no first or last time, no duration.
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    for packet in &packets[..10] {
        w.spb(packet.frame.len() as u32, &packet.frame);
    }
    let file = TempFile::new("spb-only.pcapng", &w.bytes);
    let summary = summary_of(&run(&["--format", "json", file.path()]));
    assert_eq!(summary["packets"], 10);
    assert!(
        summary["first"].is_null() && summary["last"].is_null(),
        "{summary}"
    );
    assert_eq!(summary["duration_s"], 0.0);
}

#[test]
fn packets_of_several_files_name_their_file() {
    let packets = office_packets();
    let other = TempFile::new(
        "second.pcap",
        &office_capture()[..24 + 16 + packets[0].frame.len() + 16 + packets[1].frame.len()],
    );
    let output = run(&["--packets", SHIPPED, other.path()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), packets.len() + 2);
    for (i, line) in lines[..packets.len()].iter().enumerate() {
        assert_eq!(line["file"], SHIPPED);
        assert_eq!(line["index"], i as u64);
    }
    for (i, line) in lines[packets.len()..].iter().enumerate() {
        assert_eq!(line["file"], other.path());
        assert_eq!(line["index"], i as u64, "the index counts within its file");
    }
    // The file is the last key, the index still the first.
    let first = stdout(&output).lines().next().expect("a line");
    assert!(first.starts_with("{\"index\":0,"), "{first}");
    assert!(
        first.ends_with(&format!(",\"file\":\"{SHIPPED}\"}}")),
        "{first}"
    );

    let csv = run(&["--packets", "--format", "csv", SHIPPED, other.path()]);
    let rows: Vec<&str> = stdout(&csv).lines().collect();
    assert_eq!(
        rows[0],
        format!("{},file", swyx_traffic::report::PacketLine::CSV_HEADER)
    );
    assert_eq!(rows.len(), 1 + packets.len() + 2);
    assert!(rows[1].starts_with("0,") && rows[1].ends_with(&format!(",{SHIPPED}")));
    let last = rows[rows.len() - 1];
    assert!(last.starts_with("1,") && last.ends_with(&format!(",{}", other.path())));
    let columns = rows[0].split(',').count();
    assert!(rows.iter().all(|r| r.split(',').count() == columns));

    // One file: no file field, as before.
    let single = run(&["--packets", "--format", "csv", SHIPPED]);
    assert_eq!(
        stdout(&single).lines().next(),
        Some(swyx_traffic::report::PacketLine::CSV_HEADER)
    );
    assert!(stdout(&run(&["--packets", SHIPPED])).starts_with("{\"index\":0,"));
}

#[test]
fn csv_header_is_written_once_whatever_fails() {
    let missing = "/nonexistent/capture.pcap";
    let headers = [
        (&[][..], "file,label,component,reason,packets,bytes,flows"),
        (&["--flows"][..], swyx_traffic::report::FlowLine::CSV_HEADER),
        (&["--packets"][..], "index,ts,"),
    ];
    for (mode, header) in headers {
        for files in [
            &[missing, SHIPPED][..],
            &[missing, missing],
            &[SHIPPED, missing, "Cargo.toml", SHIPPED],
        ] {
            let output = run(&[mode, &["--format", "csv"], files].concat());
            assert_eq!(output.status.code(), Some(1));
            let text = stdout(&output);
            assert!(text.starts_with(header), "{mode:?} {files:?}:\n{text}");
            let first = text.lines().next().expect("a header");
            assert_eq!(
                text.lines().filter(|l| *l == first).count(),
                1,
                "{mode:?} {files:?}"
            );
        }
    }
    // The human summary: no blank line before the first one written.
    let output = run(&[missing, SHIPPED, missing, SHIPPED]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.starts_with("file      "), "{text}");
    assert_eq!(text.matches("\n\nfile      ").count(), 1, "{text}");
}

#[test]
fn a_failed_write_to_standard_error_does_not_panic() {
    let packets = office_packets();
    let cut = TempFile::new(
        "cut-stderr.pcap",
        &office_capture()[..24 + 16 + packets[0].frame.len() + 7],
    );
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    for args in [
        &[cut.path()][..],
        &["no/such/capture.pcap"],
        &["--packets", "Cargo.toml", SHIPPED],
    ] {
        let output = Command::new(tool())
            .args(args)
            .current_dir(manifest_dir())
            .stderr(full())
            .output()
            .expect("run swyxpcap");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
    }
    // Nothing to report: the status stays 0.
    let output = Command::new(tool())
        .args(["--format", "json", SHIPPED])
        .current_dir(manifest_dir())
        .stderr(full())
        .output()
        .expect("run swyxpcap");
    assert_eq!(output.status.code(), Some(0));
    // Standard output full: reported (where standard error can take it), status 1.
    let output = Command::new(tool())
        .args(["--packets", SHIPPED])
        .current_dir(manifest_dir())
        .stdout(full())
        .output()
        .expect("run swyxpcap");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("writing the output failed"),
        "{}",
        stderr(&output)
    );
    let output = Command::new(tool())
        .args(["--packets", SHIPPED])
        .current_dir(manifest_dir())
        .stdout(full())
        .stderr(full())
        .output()
        .expect("run swyxpcap");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn help_documents_the_fields_and_exit_statuses_and_usage_errors_exit_2() {
    let help = run(&["--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    for field in [
        "Exit status",
        "0  every file was read",
        "1  an input error",
        "2  a usage error",
        "duration_s",
        "bytes_read",
        "decided_by",
        "after_eviction",
        "packets_to_server",
        "Simple Packet Blocks",
        "gzip",
        "standard input",
        "component_addr",
        "not_a_site_host",
        "--set <KEY=VALUE>",
        "--matrix <FILE>",
        "--site <FILE>",
        "--list-params",
    ] {
        assert!(text.contains(field), "--help lacks `{field}`:\n{text}");
    }
    for reason in swyx_traffic::flow::FlowReason::all() {
        assert!(
            text.contains(reason.id()),
            "--help lacks the reason `{}`:\n{text}",
            reason.id()
        );
    }
    let short = run(&["-h"]);
    assert!(
        stdout(&short).contains("2  a usage error"),
        "{}",
        stdout(&short)
    );
    for args in [
        &["--bogus"][..],
        &["--threads", "0"],
        &["--packets", "--flows"],
        &["--format", "xml"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout(&output).is_empty());
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
    }
}

/// The moved-ports site's capture in a file, and the tool's packet lines over it.
fn moved_site_lines(extra: &[&str]) -> (swyx_testkit::moved::MovedSite, Vec<Value>) {
    let site = swyx_testkit::moved::moved_site();
    let capture = TempFile::new("moved.pcap", &site.capture);
    let inventory = TempFile::new("moved.site", swyx_testkit::moved::INVENTORY.as_bytes());
    let mut args: Vec<String> = vec!["--packets".into()];
    for arg in extra {
        args.push(match *arg {
            "SITE" => inventory.path().to_string(),
            other => other.to_string(),
        });
    }
    args.push(capture.path().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(&args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    let lines = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    (site, lines)
}

/// The share of the site's media packets whose component is right (`swyxware_only`: only
/// those with a SwyxWare host at an end).
fn right_share(site: &swyx_testkit::moved::MovedSite, lines: &[Value], swyxware_only: bool) -> f64 {
    let mut right = 0usize;
    let mut total = 0usize;
    for &(index, component) in &site.media {
        if swyxware_only && component.is_none() {
            continue;
        }
        let line = &lines[index as usize];
        let got = line["component"].as_str();
        total += 1;
        match component {
            Some(c) => right += usize::from(got == Some(c.id()) && line["label"] == "rtp"),
            None => right += usize::from(got.is_none() && line["reason"] == "not_a_site_host"),
        }
    }
    right as f64 / total as f64
}

#[test]
fn a_site_with_moved_ports_is_right_with_set_and_with_site() {
    let settings: Vec<String> = swyx_testkit::moved::moved_site()
        .settings
        .iter()
        .flat_map(|(key, value)| ["--set".to_string(), format!("{key}={value}")])
        .collect();
    let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
    // The document's defaults: the moved ranges fall in the SwyxConnect 172x's range.
    let (site, lines) = moved_site_lines(&[]);
    let default_share = right_share(&site, &lines, true);
    assert!(default_share < 0.5, "{default_share}");
    // --set: every SwyxWare host's media has its component.
    let (site, lines) = moved_site_lines(&settings);
    let share = right_share(&site, &lines, true);
    assert!(share >= 0.995, "--set: {share}");
    // The guest's meeting client on SwyxIt!'s old range is still called RTP without a site.
    assert!(right_share(&site, &lines, false) < 0.9);
    // --site as well: the guest's media is no SwyxWare media, and the rest stays right.
    let mut with_site = settings.clone();
    with_site.extend(["--site", "SITE"]);
    let (site, lines) = moved_site_lines(&with_site);
    let share_site = right_share(&site, &lines, false);
    println!(
        "moved-ports site: components right on {default_share:.4} of the SwyxWare media \
         packets with the defaults, {share:.4} with --set; {share_site:.4} of all media with \
         --set --site"
    );
    assert!(share_site >= 0.995, "--set --site: {share_site}");
    // component_addr names the component's own host: the SwyxServer's address for its RTP.
    let server = lines
        .iter()
        .find(|l| l["component"] == "swyx_server")
        .expect("a SwyxServer packet");
    assert_eq!(server["component_addr"], "10.1.1.10");
}

#[test]
fn list_params_names_every_key_its_default_and_rows() {
    let output = run(&["--list-params"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let matrix = swyx_traffic::classify::Matrix::swyxware_2013();
    for (key, value) in &matrix.params {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key.as_str()))
            .unwrap_or_else(|| panic!("--list-params lacks {key}:\n{text}"));
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(value.to_string().as_str()),
            "{line}"
        );
    }
    let moved = run(&["--list-params", "--set", "RTPFirstPort=40000"]);
    let line = stdout(&moved)
        .lines()
        .find(|l| l.trim_start().starts_with("swyx_server.RTPFirstPort"))
        .expect("the key")
        .to_string();
    assert!(line.contains("40000 (default 51000)"), "{line}");
    assert!(line.contains("40000-51499"), "{line}");
}

#[test]
fn set_matrix_and_site_errors_name_the_key_the_file_and_the_line() {
    let bad_site = TempFile::new("bad.site", b"10.1.1.10 swyx_server\n10.1.1.0/33 swyx_it\n");
    let bad_matrix = TempFile::new(
        "bad.matrix",
        b"matrix custom\ncomponent swyx_server\nrow A | SIP | sip | udp | 5060-50 | |\n",
    );
    let site_arg = bad_site.path().to_string();
    let matrix_arg = bad_matrix.path().to_string();
    for (args, expected) in [
        (
            vec!["--set", "Bogus=1"],
            "unknown parameter `Bogus`".to_string(),
        ),
        (
            vec!["--set", "LowerBoundSipPort=5070"],
            "swyx_gate.LowerBoundSipPort, conference_manager.LowerBoundSipPort".to_string(),
        ),
        (
            vec!["--set", "swyx_gate.UpperBoundSipPort=5000"],
            "with swyx_gate.UpperBoundSipPort=5000: range 5064-5000 is empty".to_string(),
        ),
        (
            vec!["--site", &site_arg],
            format!("{site_arg}: site line 2: bad prefix length `33`"),
        ),
        (
            vec!["--matrix", &matrix_arg],
            format!("{matrix_arg}: matrix line 3: range 5060-50"),
        ),
        (
            vec!["--matrix", "/nonexistent.matrix"],
            "cannot read the matrix /nonexistent.matrix".to_string(),
        ),
        (
            vec!["--set", "RTPFirstPort=many"],
            "is not an integer".to_string(),
        ),
        // Every mode reads its options first, even those that read no capture.
        (
            vec!["--firewall", "--site", &site_arg],
            format!("{site_arg}: site line 2"),
        ),
        (
            vec!["--list-params", "--site", &site_arg],
            format!("{site_arg}: site line 2"),
        ),
        (
            vec!["--hosts", "--site", "/nonexistent.site"],
            "cannot read the site".to_string(),
        ),
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}");
        assert!(
            stderr(&output).contains(&expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_matrix_file_replaces_the_shipped_matrix() {
    // A matrix that knows only one row: SIP on 5999.
    let matrix = TempFile::new(
        "one.matrix",
        b"matrix one row\nparam swyx_server.SipPort = 5999\ncomponent swyx_server\n\
          row CallControl | SIP | sip | udp | swyx_server.SipPort | Registry | 5999\n",
    );
    let arg = matrix.path().to_string();
    let output = run(&["--format", "json", "--matrix", &arg, SHIPPED]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = summary_of(&output);
    let labelled = summary["labelled"].as_array().expect("labelled rows");
    assert!(
        labelled.iter().all(|row| row["label"] == "sip"),
        "{labelled:?}"
    );
    // The shipped capture's SIP is on 5060, which this matrix does not know.
    let total: u64 = labelled
        .iter()
        .map(|row| row["packets"].as_u64().unwrap())
        .sum();
    assert!(total < 10, "{total}");
    let moved = run(&[
        "--format",
        "json",
        "--matrix",
        &arg,
        "--set",
        "SipPort=5060",
        SHIPPED,
    ]);
    let summary = summary_of(&moved);
    let sip: u64 = summary["labelled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["packets"].as_u64().unwrap())
        .sum();
    assert!(
        sip > total + 10,
        "{sip} SIP packets on 5060 once SipPort=5060"
    );
}

#[test]
fn firewall_rules_follow_set_and_matrix() {
    let output = run(&[
        "--firewall",
        "--component",
        "swyx_server",
        "--format",
        "json",
        "--set",
        "RTPFirstPort=40000",
        "--set",
        "RTPLastPort=40499",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let audio: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|rule| rule["classification"] == "Audio" && rule["direction"] == "inbound")
        .collect();
    assert_eq!(audio.len(), 1, "{audio:?}");
    assert_eq!(audio[0]["ports"], serde_json::json!([[40000, 40499]]));
    let bad = run(&["--firewall", "--set", "RTPFirstPort=60000"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("RTPFirstPort=60000"),
        "{}",
        stderr(&bad)
    );
}

/// Runs the tool under `script`, whose pseudo-terminal is both its standard output and its
/// standard error, as when a person runs it; `None` where `script` is not installed.
fn run_on_a_terminal(args: &[&str]) -> Option<String> {
    let mut command_line = shell_quote(&tool().display().to_string());
    for arg in args {
        command_line.push(' ');
        command_line.push_str(&shell_quote(arg));
    }
    // Not installed: `script` cannot be started at all.
    let output = Command::new("script")
        .args(["-qec", &command_line, "/dev/null"])
        .current_dir(manifest_dir())
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    // `-e`: script exits with the tool's status.
    assert!(output.status.success(), "{args:?} on a terminal: {text}");
    Some(text)
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[test]
fn the_progress_bar_never_draws_into_lines_on_the_same_terminal() {
    // Over 64 MiB (the bar's threshold) in few packets: 1,100 UDP datagrams of 64,000 bytes.
    let mut writer = swyx_testkit::capture::PcapWriter::new(1);
    let frame =
        swyx_testkit::FrameSpec::udp([10, 1, 1, 20], [10, 1, 1, 10], 40000, 9, vec![0x5a; 64_000])
            .ethernet();
    for i in 0..1_100u64 {
        writer.record(1_700_000_000_000_000 + i * 1000, &frame);
    }
    let capture = TempFile::new("big.pcap", &writer.into_bytes());
    let file = capture.path().to_string();
    // The summary: the bar shows on the terminal (and is cleared, with escape sequences).
    let Some(summary) = run_on_a_terminal(&[&file]) else {
        println!("skipped: `script` (util-linux) is not installed");
        return;
    };
    assert!(
        summary.contains('\u{1b}'),
        "no progress bar on a terminal:\n{summary}"
    );
    // Packet and flow lines to the same terminal: no bar, no escape sequence among them.
    for mode in ["--packets", "--flows"] {
        let lines = run_on_a_terminal(&[mode, &file]).expect("script ran before");
        assert!(
            !lines.contains('\u{1b}'),
            "{mode}: the bar drew into the lines"
        );
        assert!(lines.lines().count() >= 1, "{mode}: {lines}");
    }
}

/// A site built in code for the capture views: its inventory, and a capture of SIP from both
/// PCs to the SwyxServer's 5060, RTP from a PC to the server, remote desktop (TCP 3389, no
/// matrix row of either end) from a PC to the server and to a host outside the site.
mod views {
    use super::*;
    use swyx_testkit::capture::PcapWriter;
    use swyx_testkit::{payload, Addresses, FrameSpec};

    pub const SERVER: [u8; 4] = [10, 7, 0, 10];
    pub const PCS: [[u8; 4]; 2] = [[10, 7, 8, 20], [10, 7, 8, 21]];
    pub const OUTSIDE: [u8; 4] = [203, 0, 113, 5];
    pub const INVENTORY: &str = "10.7.0.10 swyx_server\n10.7.8.0/24 swyx_it\n";
    /// The capture's first second.
    pub const START_S: u64 = 1_700_000_000;

    /// (microseconds since `START_S`, frame).
    pub fn frames() -> Vec<(u64, FrameSpec)> {
        let mut frames = vec![
            (
                0,
                FrameSpec::udp(PCS[0], SERVER, 5070, 5060, payload::sip_invite()),
            ),
            (
                1_000,
                FrameSpec::udp(SERVER, PCS[0], 5060, 5070, payload::sip_ok()),
            ),
            (
                2_000,
                FrameSpec::udp(PCS[1], SERVER, 5071, 5060, payload::sip_register()),
            ),
        ];
        for n in 0..10u16 {
            frames.push((
                100_000 + u64::from(n) * 20_000,
                FrameSpec::udp(
                    PCS[0],
                    SERVER,
                    50100,
                    51010,
                    payload::rtp(n, u32::from(n) * 160),
                ),
            ));
        }
        for n in 0..4u64 {
            let spec = FrameSpec::tcp(PCS[1], SERVER, 49152, 3389, payload::noise(90, n as u8));
            let spec = if n % 2 == 1 { spec.reversed() } else { spec };
            frames.push((1_500_000 + n * 1_000, spec));
            frames.push((
                1_600_000 + n * 1_000,
                FrameSpec::tcp(PCS[0], OUTSIDE, 49153, 3389, payload::noise(70, n as u8)),
            ));
        }
        frames.sort_by_key(|(us, _)| *us);
        frames
    }

    pub fn capture() -> Vec<u8> {
        let mut writer = PcapWriter::new(1);
        for (us, spec) in frames() {
            writer.record(START_S * 1_000_000 + us, &spec.ethernet());
        }
        writer.into_bytes()
    }

    /// The capture and the inventory, written to the temporary directory.
    pub fn files(name: &str) -> (TempFile, TempFile) {
        (
            TempFile::new(&format!("views-{name}.pcap"), &capture()),
            TempFile::new(&format!("views-{name}.site"), INVENTORY.as_bytes()),
        )
    }

    /// Packets and bytes each address sent and received, from the frames.
    pub fn sums() -> BTreeMap<String, [u64; 4]> {
        let mut sums: BTreeMap<String, [u64; 4]> = BTreeMap::new();
        for (_, spec) in frames() {
            let len = spec.ethernet().len() as u64;
            let Addresses::V4(src, dst) = spec.addresses else {
                unreachable!("IPv4 only")
            };
            let sent = sums.entry(ip(src)).or_default();
            sent[0] += 1;
            sent[1] += len;
            let received = sums.entry(ip(dst)).or_default();
            received[2] += 1;
            received[3] += len;
        }
        sums
    }

    pub fn ip(addr: [u8; 4]) -> String {
        std::net::Ipv4Addr::from(addr).to_string()
    }
}

fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(stdout(output).trim()).expect("one JSON object")
}

#[test]
fn firewall_of_a_capture_names_the_services_used() {
    let (capture, site) = views::files("services");
    let (capture, site) = (capture.path().to_string(), site.path().to_string());
    let report = json_of(&run(&[
        "--firewall",
        "--format",
        "json",
        "--site",
        &site,
        &capture,
    ]));
    assert_eq!(report["site_hosts"], "site");
    assert_eq!(report["files"], serde_json::json!([capture]));
    let services = report["services"].as_array().unwrap();
    let find = |label: &str| {
        services
            .iter()
            .find(|s| s["label"] == label)
            .unwrap_or_else(|| panic!("no {label} service in {services:?}"))
    };
    let sip = find("sip");
    assert_eq!(sip["server"], views::ip(views::SERVER));
    assert_eq!(
        (&sip["transport"], &sip["port"]),
        (&"udp".into(), &5060.into())
    );
    assert_eq!(sip["component"], "swyx_server");
    assert_eq!(sip["component_at"], "server");
    assert_eq!(
        sip["clients"],
        serde_json::json!([views::ip(views::PCS[0]), views::ip(views::PCS[1])])
    );
    assert_eq!((&sip["flows"], &sip["packets"]), (&2.into(), &3.into()));
    assert_eq!(sip["first"], format!("{}.000000000", views::START_S));
    let rtp = find("rtp");
    assert_eq!(
        (&rtp["port"], &rtp["component"], &rtp["packets"]),
        (&51010.into(), &"swyx_server".into(), &10.into())
    );
    assert_eq!(services.len(), 2, "{services:?}");
}

#[test]
fn firewall_of_a_capture_lists_the_flows_a_document_built_firewall_blocks() {
    let (capture, site) = views::files("blocked");
    let (capture, site) = (capture.path().to_string(), site.path().to_string());
    let with_site = json_of(&run(&[
        "--firewall",
        "--format",
        "json",
        "--site",
        &site,
        &capture,
    ]));
    let blocked = with_site["blocked"].as_array().unwrap();
    // TCP 3389 between two site hosts; the same to a host outside the site is not judged.
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    let b = &blocked[0];
    assert_eq!(b["client"], views::ip(views::PCS[1]));
    assert_eq!(b["server"], views::ip(views::SERVER));
    assert_eq!((&b["transport"], &b["port"]), (&"tcp".into(), &3389.into()));
    assert_eq!((&b["flows"], &b["packets"]), (&1.into(), &4.into()));
    assert_eq!(b["first"], format!("{}.500000000", views::START_S + 1));
    assert_eq!(b["label"], Value::Null);
    assert_eq!(b["server_components"], serde_json::json!(["swyx_server"]));
    assert_eq!(b["client_components"], serde_json::json!(["swyx_it"]));
    // Without the inventory, the PC is no site host (it acted as no component).
    let without = json_of(&run(&["--firewall", "--format", "json", &capture]));
    assert_eq!(without["site_hosts"], "roles");
    assert_eq!(without["blocked"], serde_json::json!([]));
    let human = run(&["--firewall", "--site", &site, &capture]);
    assert!(human.status.success(), "{}", stderr(&human));
    let text = stdout(&human);
    assert!(
        text.contains("a firewall built from the document would block these): 1"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("10.7.8.21") && l.contains("3389")),
        "{text}"
    );
}

#[test]
fn firewall_of_a_capture_lists_the_rows_never_seen() {
    let (capture, site) = views::files("rows");
    let (capture, site) = (capture.path().to_string(), site.path().to_string());
    let report = json_of(&run(&[
        "--firewall",
        "--format",
        "json",
        "--site",
        &site,
        &capture,
    ]));
    let never = report["never_seen"].as_array().unwrap();
    let listed = |component: &str, transport: &str, labels: &str| {
        never.iter().any(|n| {
            n["component"] == component && n["transport"] == transport && n["labels"] == labels
        })
    };
    assert!(!listed("swyx_server", "udp", "sip"), "a used row");
    assert!(!listed("swyx_server", "udp", "rtp"), "a used row");
    assert!(
        listed("swyx_server", "tcp", "sip"),
        "SIP over TCP was not used"
    );
    assert!(
        listed("swyx_gate", "udp", "rtp+t38"),
        "no SwyxGate in the capture"
    );
    assert_eq!(never.len() as u64 + 2, report["rows"].as_u64().unwrap());
}

#[test]
fn hosts_view_gives_every_address_its_components_packets_and_bytes() {
    let (capture, site) = views::files("hosts");
    let (capture, site) = (capture.path().to_string(), site.path().to_string());
    let output = run(&["--hosts", "--format", "json", "--site", &site, &capture]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let got: BTreeMap<String, [u64; 4]> = rows
        .iter()
        .map(|r| {
            let n = |key: &str| r[key].as_u64().unwrap();
            (
                r["host"].as_str().unwrap().to_owned(),
                [
                    n("packets_sent"),
                    n("bytes_sent"),
                    n("packets_received"),
                    n("bytes_received"),
                ],
            )
        })
        .collect();
    assert_eq!(got, views::sums());
    let row = |addr: [u8; 4]| {
        rows.iter()
            .find(|r| r["host"] == views::ip(addr))
            .expect("a row")
    };
    let server = row(views::SERVER);
    assert_eq!(server["site_component"], "swyx_server");
    assert_eq!(server["components"], serde_json::json!(["swyx_server"]));
    assert_eq!(
        server["offers"],
        serde_json::json!(["sip/udp/5060", "rtp/udp/51010"])
    );
    let pc = row(views::PCS[0]);
    assert_eq!(pc["site_component"], "swyx_it");
    assert_eq!(
        pc["uses"],
        serde_json::json!(["sip/udp/5060", "rtp/udp/51010"])
    );
    assert_eq!(row(views::OUTSIDE)["components"], serde_json::json!([]));
    // Without the inventory, the server's component comes from the matrix (its flows).
    let output = run(&["--hosts", "--format", "json", &capture]);
    let server: Value = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|r| r["host"] == views::ip(views::SERVER))
        .unwrap();
    assert_eq!(server["site_component"], Value::Null);
    assert_eq!(server["components"], serde_json::json!(["swyx_server"]));
}

#[test]
fn hosts_view_covers_every_file_of_the_run_under_one_csv_header() {
    let (file, _) = views::files("hosts-csv");
    let capture = file.path().to_string();
    let output = run(&[
        "--hosts",
        "--format",
        "csv",
        &capture,
        &capture,
        "missing.pcap",
    ]);
    // The missing file is an input error; what was read is still reported.
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("missing.pcap"),
        "{}",
        stderr(&output)
    );
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        swyx_traffic::report::hosts::HostsReport::CSV_HEADER
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("host,")).count(),
        1,
        "{text}"
    );
    let sums = views::sums();
    assert_eq!(lines.len(), 1 + sums.len(), "{text}");
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split(',').collect();
        let expected = sums[fields[0]];
        // Both files count: one row per address, every sum doubled.
        let got: Vec<u64> = fields[7..11].iter().map(|f| f.parse().unwrap()).collect();
        assert_eq!(got, expected.map(|n| 2 * n), "{line}");
    }
    let human = run(&["--hosts", &capture]);
    assert!(human.status.success());
    assert!(stdout(&human).starts_with(&format!("Hosts: {}\n", sums.len())));
}
