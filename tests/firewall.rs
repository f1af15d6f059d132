//! `swyxpcap --firewall`: the rules the port matrix asks of each component, held against the
//! SwyxWare 2013 document itself.
//!
//! [`DOCUMENT`] is the document's every table and row, typed here cell by cell from the
//! document (not from the matrix file); the test reads the cells as a person would (the
//! footnote on "Undetermined, outgoing*", "destination N", "UDP + TCP") and looks for each
//! row in the tool's JSON output for its component.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::run;

/// The standard output of a run that must succeed.
fn output_of(args: &[&str]) -> String {
    let output = run(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// One table of the document: its heading, the component id the tool gives it, and its rows
/// as the document writes them: Classification, Protocol, Typ, Port, Configurable via.
type Table = (&'static str, &'static str, &'static [[&'static str; 5]]);

/// "FAQ: Which Ports are used by SwyxWare 2013?", every table and row, in its order.
#[rustfmt::skip]
const DOCUMENT: &[Table] = &[
    (
        "SwyxServer",
        "swyx_server",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "UDP + TCP", "5060, wellknown", ""],
            ["Audio", "RTP", "UDP", "51000 - 51499", "Registry: RTPFirstPort, RTPLastPort"],
            ["Master/Standby", "KeepAlive", "TCP", "65010", "Registry: StandbyPort"],
            ["IntersitePresence", "CDS", "TCP", "9093", ""],
        ],
    ),
    (
        "ConfigDataStore-Service (CDS)",
        "config_data_store",
        &[["Configuration", "CDS", "TCP", "9094, 9095 (SDC)", ""]],
    ),
    (
        "SwyxGate",
        "swyx_gate",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "TCP", "5064", "Registry: LowerBoundSipPort, UpperBoundSipPort"],
            ["Audio/Fax", "RTP + T.38", "UDP", "52000 - 52499", ""],
        ],
    ),
    (
        "LinkManager",
        "link_manager",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl (lokaler EP)", "SIP", "UDP + TCP", "65001", "Registry: TcpPortOfLocalSipEndpoint"],
            ["CallControl (remote EP)", "SIP", "UDP + TCP", "65002", "Registry: TcpPortOfRemoteSipEndpoint"],
            ["Audio/Fax", "RTP + T.38", "UDP", "55000 – 56000", "Registry: LowerBoundMediaPortUdp, UpperBoundMediaPortUdp"],
        ],
    ),
    (
        "ConferenceManager",
        "conference_manager",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "TCP", "5062", "Registry: LowerBoundSipPort, UpperBoundSipPort"],
            ["Audio", "RTP", "UDP", "56000 – 57000", "Registry: LowerBoundMediaPortUdp, UpperBoundMediaPortUdp"],
        ],
    ),
    (
        "PhoneManager",
        "phone_manager",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "CorNet TC", "TCP, TLS", "4060, 4061", ""],
            ["CallControl", "H.323", "TCP, TLS", "1300, 1720, 1721", ""],
            ["CallControl", "SIP", "UDP + TCP", "65007", "SipCallSignalingPort"],
            ["Configuration", "DLS", "TCP", "18443", ""],
        ],
    ),
    (
        "SwyxFaxServer",
        "swyx_fax_server",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "TCP", "61000", "Registry: LowerBoundSipPort, UpperBoundSipPort"],
            ["Fax", "RTP + T.38", "UDP", "2000 - 8000", ""],
        ],
    ),
    (
        "SwyxFax PrinterGateway",
        "swyx_fax_printer_gateway",
        &[["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""]],
    ),
    (
        "MobileExtensionManager (MEM)",
        "mobile_extension_manager",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "UDP + TCP", "5070 – 5170", "Registry: SipListenerPort"],
            ["Audio", "RTP", "UDP", "50000 – 50999", "Registry: PortrangeBegin, PortrangeEnd"],
        ],
    ),
    (
        "SwyxCTI+",
        "swyx_cti_plus",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "UDP + TCP", "65009", "Registry: SipCallSignalingPort"],
            ["Audio", "RTP", "UDP", "60000 - 60100", ""],
        ],
    ),
    (
        "SwyxIt!/SwyxFaxClient",
        "swyx_it",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["CallControl", "SIP", "UDP + TCP", "5070 – 5170", "Registry: SIPListenerPort"],
            ["Audio/Video", "RTP", "UDP", "50000 – 50999", "Registry: PortrangeBegin, PortrangeEnd"],
            ["VisualContacts", "LDAP", "TCP + UDP", "Sourceport undetermined, destination 712", ""],
        ],
    ),
    (
        "SwyxWare Administration",
        "swyx_ware_administration",
        &[
            ["Configuration", "CDS", "TCP", "Undetermined, outgoing*", ""],
            ["FW-Check", "FTP", "TCP", "Sourceport Undetermined", ""],
        ],
    ),
    (
        "SwyxPhone L4xx; L5xx; L6xx",
        "swyx_phone_l4xx",
        &[
            ["CallControl", "CorNet", "TCP, TLS", "4060, 4061", ""],
            ["CallControl", "H.323/H.225", "TCP, TLS", "1300, 1720, 1721", ""],
            ["Configuration", "HTTP", "TCP, TLS", "8085", ""],
            ["Audio", "RTP", "UDP", "5000-5020 (meist 5012/13)", ""],
            ["FW-Update", "FTP", "TCP", "Sourceport undetermined, destination 21", ""],
            ["Time", "NTP", "UDP", "Sourceport undetermined, destination 123", ""],
        ],
    ),
    (
        "SwyxPhone S315",
        "swyx_phone_s315",
        &[
            ["CallControl", "SIP", "UDP + TCP", "5060", "WebInterface"],
            ["Audio", "RTP", "UDP", "5000 – 5009, 5060", "WebInterface"],
        ],
    ),
    (
        "SwyxDect 500",
        "swyx_dect_500",
        &[
            ["CallControl", "SIP", "UDP + TCP", "5060", "WebInterface"],
            ["Audio", "RTP", "UDP", "50004 - 50044", "WebInterface"],
        ],
    ),
    (
        "SwyxDect 800",
        "swyx_dect_800",
        &[
            ["CallControl", "H.323/RAS/SIP", "UDP", "2048 – 65535", ""],
            ["CallControl", "H.323/H.225/SIP", "TCP", "2048 – 65535", ""],
            ["Audio", "RTP", "UDP", "16384 – 32767", "WebInterface"],
        ],
    ),
    (
        "SwyxConnect (172x)",
        "swyx_connect_172x",
        &[
            ["CallControl", "SIP", "UDP + TCP", "5060", ""],
            ["Audio/Fax/General", "RTP + T.38", "UDP", "32768 – 49151", ""],
            ["General", "", "TCP", "3072 – 19455", ""],
            ["Masquerading", "", "UDP + TCP", "53248 – 57343", ""],
        ],
    ),
    (
        "SwyxConnect (6xxx)",
        "swyx_connect_6xxx",
        &[
            ["CallControl", "SIP", "UDP + TCP", "5060, 5061, 5080, 5081", "Refer to manual for details"],
            ["Audio/Fax/General", "RTP + T.38", "UDP", "6000 – (6000+(channels-1)*10)", "BaseUDPPort Refer to manual for details"],
        ],
    ),
    (
        "MediaPack (MP-1xy)",
        "media_pack",
        &[
            ["CallControl", "SIP", "UDP + TCP", "5060, 5061", "LocalSIPPort, Refer to manual for details"],
            ["Audio/Fax/General", "RTP + T.38", "UDP", "6000 – (6000+10*(device channels))", "BaseUDPPort Refer to manual for details"],
        ],
    ),
];

/// A port bound as the document gives it: a number, or a formula of the channel count.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Port(u16),
    Channels(fn(u32) -> u32),
}

impl Bound {
    fn matches(self, port: u16) -> bool {
        match self {
            Bound::Port(p) => p == port,
            // Some channel count (1 to 1000) gives the port.
            Bound::Channels(formula) => (1..=1000).any(|c| formula(c) == u32::from(port)),
        }
    }
}

/// What a row asks, read from the document's cells.
#[derive(Debug)]
struct Expected {
    outbound: bool,
    transports: Vec<&'static str>,
    /// `None` where the document gives no port ("FW-Check ... Sourceport Undetermined").
    ports: Option<Vec<(Bound, Bound)>>,
    tls: bool,
}

fn bound(text: &str) -> Bound {
    match text.trim() {
        "(6000+(channels-1)*10)" => Bound::Channels(|c| 6000 + (c - 1) * 10),
        "(6000+10*(device channels))" => Bound::Channels(|c| 6000 + 10 * c),
        number => Bound::Port(number.parse().unwrap_or_else(|_| panic!("port `{number}`"))),
    }
}

/// Reads a row's Typ and Port cells as the document means them.
fn expected(typ: &'static str, port: &'static str) -> Expected {
    let transports = match typ {
        "UDP" => vec!["udp"],
        "TCP" | "TCP, TLS" => vec!["tcp"],
        "UDP + TCP" | "TCP + UDP" => vec!["udp", "tcp"],
        other => panic!("transport `{other}`"),
    };
    let tls = typ.contains("TLS");
    let lower = port.to_lowercase();
    if port == "Undetermined, outgoing*" {
        // The footnote: "only outgoing traffic from a random port towards the CDS
        // 'well-known' ports 9094 and 9095 (SDC)".
        let ports = [9094, 9095].map(|p| (Bound::Port(p), Bound::Port(p)));
        return Expected {
            outbound: true,
            transports,
            ports: Some(ports.to_vec()),
            tls,
        };
    }
    if let Some(destination) = lower.strip_prefix("sourceport undetermined, destination ") {
        let p = bound(destination);
        return Expected {
            outbound: true,
            transports,
            ports: Some(vec![(p, p)]),
            tls,
        };
    }
    if lower == "sourceport undetermined" {
        return Expected {
            outbound: true,
            transports,
            ports: None,
            tls,
        };
    }
    let mut ports = Vec::new();
    for item in port.split(", ") {
        // "(SDC)", "(meist 5012/13)": remarks, not ports; "wellknown" too.
        let item = match item.split_once(" (") {
            Some((head, remark)) if !remark.contains('+') => head,
            _ => item,
        };
        if item == "wellknown" {
            continue;
        }
        let range = item
            .split_once(" – ")
            .or_else(|| item.split_once(" - "))
            .or_else(|| item.split_once('-'));
        ports.push(match range {
            Some((low, high)) => (bound(low), bound(high)),
            None => (bound(item), bound(item)),
        });
    }
    Expected {
        outbound: false,
        transports,
        ports: Some(ports),
        tls,
    }
}

fn pairs(value: &Value) -> Vec<(u16, u16)> {
    let pair = |p: &Value| {
        let bound = |i: usize| {
            p.get(i)
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
        };
        (bound(0).expect("low bound"), bound(1).expect("high bound"))
    };
    value
        .as_array()
        .expect("a list of pairs")
        .iter()
        .map(pair)
        .collect()
}

fn json_rules(args: &[&str]) -> Vec<Value> {
    output_of(args)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn field<'v>(rule: &'v Value, name: &str) -> &'v str {
    rule.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Whether `rule` is the rule of the document's `row` for `transport`.
fn is_rule_of(rule: &Value, row: &[&str; 5], expected: &Expected, transport: &str) -> bool {
    let [classification, protocol, _, _, configurable_via] = row;
    let direction = if expected.outbound {
        "outbound"
    } else {
        "inbound"
    };
    let ports = pairs(&rule["ports"]);
    field(rule, "basis") == "row"
        && field(rule, "direction") == direction
        && field(rule, "transport") == transport
        && field(rule, "classification") == *classification
        && field(rule, "protocol") == *protocol
        && field(rule, "configurable_via") == *configurable_via
        && expected.ports.as_ref().is_none_or(|wanted| {
            wanted.len() == ports.len()
                && wanted
                    .iter()
                    .zip(&ports)
                    .all(|((low, high), &(l, h))| low.matches(l) && high.matches(h))
        })
}

fn is_media(row: &[&str; 5]) -> bool {
    row[1].contains("RTP") || row[1].contains("T.38")
}

#[test]
fn every_row_of_the_document_is_a_rule_of_its_component() {
    let mut media_ranges: Vec<(u16, u16)> = Vec::new();
    let mut total = 0;
    for &(heading, id, rows) in DOCUMENT {
        let mut rules = json_rules(&["--firewall", "--component", id, "--format", "json"]);
        total += rules.len();
        assert!(
            rules.iter().all(|r| field(r, "component") == id),
            "{heading}"
        );
        let mut media_rows = 0;
        for row in rows {
            let expected = expected(row[2], row[3]);
            for transport in &expected.transports {
                let found = rules
                    .iter()
                    .position(|rule| is_rule_of(rule, row, &expected, transport));
                let Some(index) = found else {
                    panic!(
                        "{heading}: no {transport} rule for {row:?} ({expected:?}) in {rules:#?}"
                    );
                };
                let rule = rules.remove(index);
                let tls = pairs(&rule["tls_ports"]);
                // "TCP, TLS" rows speak TLS on some of their ports (the document does not
                // say which); a "TCP" row may too (DLS on 18443, the matrix says).
                assert!(!expected.tls || !tls.is_empty(), "{heading}: {row:?}");
                assert!(tls.iter().all(|p| pairs(&rule["ports"]).contains(p)));
                if is_media(row) {
                    media_ranges.extend(pairs(&rule["ports"]));
                }
            }
            if is_media(row) {
                media_rows += 1;
            }
        }
        // What is left: the media note's outbound rules, one per media row (all UDP).
        assert_eq!(
            rules.len(),
            media_rows,
            "{heading}: rules no row explains: {rules:#?}"
        );
        for rule in &rules {
            assert_eq!(field(rule, "basis"), "media_note");
            assert_eq!(
                (field(rule, "direction"), field(rule, "transport")),
                ("outbound", "udp")
            );
        }
    }
    // The media note's rules reach the media ports of every component of the document.
    let everything = json_rules(&["--firewall", "--format", "json"]);
    assert_eq!(everything.len(), total);
    let notes: Vec<&Value> = everything
        .iter()
        .filter(|r| field(r, "basis") == "media_note")
        .collect();
    assert!(!notes.is_empty());
    for note in notes {
        let ports = pairs(&note["ports"]);
        for &(low, high) in &media_ranges {
            assert!(
                ports.iter().any(|&(l, h)| l <= low && high <= h),
                "{low}-{high} outside {ports:?}"
            );
        }
    }
}

#[test]
fn the_transcription_reads_the_cells_as_the_document_means_them() {
    let cds = expected("TCP", "Undetermined, outgoing*");
    assert!(cds.outbound && cds.transports == ["tcp"]);
    let ldap = expected("TCP + UDP", "Sourceport undetermined, destination 712");
    assert!(ldap.outbound && ldap.transports.len() == 2);
    let phone = expected("UDP", "5000-5020 (meist 5012/13)");
    let ports = phone.ports.unwrap_or_default();
    assert!(!phone.outbound && ports.len() == 1 && ports[0].1.matches(5020));
    let sdc = expected("TCP", "9094, 9095 (SDC)")
        .ports
        .unwrap_or_default();
    assert!(sdc.len() == 2 && sdc[1].0.matches(9095));
    let gateway = expected("UDP", "6000 – (6000+(channels-1)*10)")
        .ports
        .unwrap_or_default();
    assert!(
        gateway[0].1.matches(6290) && gateway[0].1.matches(6000) && !gateway[0].1.matches(6001)
    );
    let rows: usize = DOCUMENT.iter().map(|(_, _, rows)| rows.len()).sum();
    assert_eq!((DOCUMENT.len(), rows), (19, 58));
}

#[test]
fn the_table_is_the_default_format() {
    let text = output_of(&["--firewall", "--component", "swyx_server"]);
    assert!(text.starts_with("SwyxWare 2013: what the firewall must let through"));
    assert!(text.contains("SwyxServer (swyx_server)"));
    assert!(text.contains("Registry: RTPFirstPort, RTPLastPort"));
    assert!(!text.contains("(swyx_gate)"));
    assert!(text.contains("audio and fax go directly between the two connected clients"));
}

/// `nft -c -f` on `text`: `Ok(())` when nft accepts it, `Err(reason)` when it cannot check
/// here (no nft, or no privilege for the kernel's part of the check). A syntax error fails
/// the test.
fn nft_check(name: &str, text: &str) -> Result<(), String> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.nft"));
    std::fs::write(&path, text).expect("write the ruleset");
    let path = path.to_str().expect("UTF-8 path").to_owned();
    // Debian puts nft in /usr/sbin, which a user's PATH may lack.
    let Some((nft, plain)) = ["nft", "/usr/sbin/nft"].into_iter().find_map(|nft| {
        let output = Command::new(nft).args(["-c", "-f", &path]).output();
        output.ok().map(|output| (nft, output))
    }) else {
        return Err("nft is not installed".into());
    };
    let unprivileged = |output: &Output| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        !output.status.success()
            && stderr.contains("Operation not permitted")
            && !stderr.contains("syntax error")
    };
    let output = if unprivileged(&plain) {
        // An unprivileged user may still check in a network namespace of its own.
        match Command::new("unshare")
            .args(["--user", "--map-root-user", "--net", nft, "-c", "-f", &path])
            .output()
        {
            Ok(output) if output.status.success() || !unprivileged(&output) => output,
            _ => return Err("nft -c needs CAP_NET_ADMIN, and no namespace gives it here".into()),
        }
    } else {
        plain
    };
    assert!(
        output.status.success(),
        "nft -c -f rejects the {name} ruleset:\n{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

#[test]
fn nft_accepts_the_ruleset() {
    let all = output_of(&["--firewall", "--format", "nft"]);
    let one = output_of(&[
        "--firewall",
        "--component",
        "config_data_store",
        "--format",
        "nft",
    ]);
    for (name, text) in [("all-components", &all), ("config-data-store", &one)] {
        assert!(text.contains("table inet swyxware {"));
        if let Err(reason) = nft_check(name, text) {
            eprintln!("nft_accepts_the_ruleset: not checked with nft: {reason}");
            return;
        }
    }
}

#[test]
fn nft_check_fails_on_a_syntax_error() {
    let broken = "table inet swyxware {\n\tchain x {\n\t\ttcp dport { 1, } acept\n\t}\n}\n";
    let result = std::panic::catch_unwind(|| nft_check("broken", broken));
    match result {
        Ok(Err(reason)) => eprintln!("nft_check_fails_on_a_syntax_error: skipped: {reason}"),
        Ok(Ok(())) => panic!("nft accepted a broken ruleset"),
        Err(_) => {}
    }
}

/// Whether `list` is `'N'` or `'N-M'` items (N <= M, 1..=65535) joined by commas.
fn is_port_list(list: &str) -> bool {
    !list.is_empty()
        && list.split(',').all(|item| {
            let Some(inner) = item.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')) else {
                return false;
            };
            let port = |text: &str| text.parse::<u16>().ok().filter(|&p| p > 0);
            match inner.split_once('-') {
                Some((low, high)) => port(low).zip(port(high)).is_some_and(|(l, h)| l <= h),
                None => port(inner).is_some(),
            }
        })
}

/// The value of `-Name` in `line`: the word after it (a quoted string may hold spaces; the
/// port lists hold none).
fn parameter<'l>(line: &'l str, name: &str) -> Option<&'l str> {
    let start = line.find(&format!(" -{name} "))? + name.len() + 3;
    line[start..].split(' ').next()
}

#[test]
fn windows_commands_have_the_shape_of_new_netfirewallrule() {
    let text = output_of(&["--firewall", "--format", "windows"]);
    let rules = json_rules(&["--firewall", "--format", "json"]);
    let commands: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(commands.len(), rules.len());
    for (line, rule) in commands.iter().zip(&rules) {
        assert!(
            line.starts_with("New-NetFirewallRule -DisplayName '"),
            "{line}"
        );
        // Single-quoted strings: every quote pairs up once doubled quotes are taken out.
        assert_eq!(
            line.replace("''", "").matches('\'').count() % 2,
            0,
            "{line}"
        );
        assert!(!line.contains('"'), "{line}");
        let (direction, port) = match field(rule, "direction") {
            "inbound" => ("Inbound", "LocalPort"),
            _ => ("Outbound", "RemotePort"),
        };
        assert_eq!(parameter(line, "Direction"), Some(direction), "{line}");
        let protocol = field(rule, "transport").to_uppercase();
        assert_eq!(
            parameter(line, "Protocol"),
            Some(protocol.as_str()),
            "{line}"
        );
        assert_eq!(parameter(line, "Action"), Some("Allow"), "{line}");
        let other = if port == "LocalPort" {
            "RemotePort"
        } else {
            "LocalPort"
        };
        assert!(parameter(line, other).is_none(), "{line}");
        let list = parameter(line, port).unwrap_or_default();
        assert!(is_port_list(list), "{line}");
        let wanted: Vec<String> = pairs(&rule["ports"])
            .into_iter()
            .map(|(l, h)| {
                if l == h {
                    format!("'{l}'")
                } else {
                    format!("'{l}-{h}'")
                }
            })
            .collect();
        assert_eq!(list, wanted.join(","), "{line}");
    }
    assert!(is_port_list("'5000-5020','5060'"));
    assert!(!is_port_list("'5020-5000'") && !is_port_list("5060") && !is_port_list("'0'"));
}

#[test]
fn firewall_usage_errors_exit_2() {
    for args in [
        &["--firewall", "--component", "bogus"][..],
        &["--format", "nft"],
        &["--format", "windows", "captures/swyx-office.pcap"],
        &["--firewall", "--format", "nft", "captures/swyx-office.pcap"],
        &["--firewall", "--format", "csv", "captures/swyx-office.pcap"],
        &[
            "--firewall",
            "--component",
            "swyx_it",
            "captures/swyx-office.pcap",
        ],
        &["--hosts", "--format", "windows"],
        &["--hosts", "--firewall"],
        &["--hosts", "--flows"],
        &["--firewall", "--format", "csv"],
        &["--component", "swyx_it"],
        &["--firewall", "--packets"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    let unknown = run(&["--firewall", "--component", "bogus"]);
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("swyx_server") && stderr.contains("media_pack"),
        "{stderr}"
    );
    let files = run(&["--firewall", "--format", "nft", "captures/swyx-office.pcap"]);
    assert!(String::from_utf8_lossy(&files.stderr).contains("give no files"));
    // `powershell` names the Windows format too.
    let text = output_of(&[
        "--firewall",
        "--component",
        "swyx_it",
        "--format",
        "powershell",
    ]);
    assert!(text.lines().any(|l| l.starts_with("New-NetFirewallRule ")));
}
