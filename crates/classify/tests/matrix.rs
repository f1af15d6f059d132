//! The shipped matrix file against the SwyxWare 2013 port document, the parser's errors, and
//! the compile-time table against tables built at run time.

use swyx_classify::{
    table_by_name, Component, Label, Matrix, MatrixErrorKind, OwnedPortTable, Role, Transport,
    MATRIX_NAMES, SWYXWARE_2013_TABLE,
};
use swyx_matrix::layout::{dominates, HotEntry};

/// Every row of every table of the document, transcribed by hand from
/// `shared/seeds/000_853d6c1448a2674f.txt`, in the document's order:
/// (component, labels, udp, tcp, role, ranges as (low, high, tls)).
#[allow(clippy::type_complexity)]
#[rustfmt::skip]
const SEED_ROWS: &[(&str, &str, bool, bool, Role, &[(u16, u16, bool)])] = {
    use Role::{Connects as C, Listens as L};
    const CDS_OUT: &[(u16, u16, bool)] = &[(9094, 9094, false), (9095, 9095, false)];
    &[
        // SwyxServer
        ("swyx_server", "configuration", false, true, C, CDS_OUT),
        ("swyx_server", "sip", true, true, L, &[(5060, 5060, false)]),
        ("swyx_server", "rtp", true, false, L, &[(51000, 51499, false)]),
        ("swyx_server", "keepalive", false, true, L, &[(65010, 65010, false)]),
        ("swyx_server", "configuration", false, true, L, &[(9093, 9093, false)]),
        // ConfigDataStore
        ("config_data_store", "configuration", false, true, L, CDS_OUT),
        // SwyxGate
        ("swyx_gate", "configuration", false, true, C, CDS_OUT),
        ("swyx_gate", "sip", false, true, L, &[(5064, 5064, false)]),
        ("swyx_gate", "rtp+t38", true, false, L, &[(52000, 52499, false)]),
        // LinkManager
        ("link_manager", "configuration", false, true, C, CDS_OUT),
        ("link_manager", "sip", true, true, L, &[(65001, 65001, false)]),
        ("link_manager", "sip", true, true, L, &[(65002, 65002, false)]),
        ("link_manager", "rtp+t38", true, false, L, &[(55000, 56000, false)]),
        // ConferenceManager
        ("conference_manager", "configuration", false, true, C, CDS_OUT),
        ("conference_manager", "sip", false, true, L, &[(5062, 5062, false)]),
        ("conference_manager", "rtp", true, false, L, &[(56000, 57000, false)]),
        // PhoneManager
        ("phone_manager", "configuration", false, true, C, CDS_OUT),
        ("phone_manager", "cornet", false, true, L, &[(4060, 4060, false), (4061, 4061, true)]),
        ("phone_manager", "h323", false, true, L, &[(1300, 1300, true), (1720, 1720, false), (1721, 1721, true)]),
        ("phone_manager", "sip", true, true, L, &[(65007, 65007, false)]),
        ("phone_manager", "dls", false, true, L, &[(18443, 18443, true)]),
        // SwyxFaxServer
        ("swyx_fax_server", "configuration", false, true, C, CDS_OUT),
        ("swyx_fax_server", "sip", false, true, L, &[(61000, 61000, false)]),
        ("swyx_fax_server", "rtp+t38", true, false, L, &[(2000, 8000, false)]),
        // SwyxFax PrinterGateway
        ("swyx_fax_printer_gateway", "configuration", false, true, C, CDS_OUT),
        // MobileExtensionManager
        ("mobile_extension_manager", "configuration", false, true, C, CDS_OUT),
        ("mobile_extension_manager", "sip", true, true, L, &[(5070, 5170, false)]),
        ("mobile_extension_manager", "rtp", true, false, L, &[(50000, 50999, false)]),
        // SwyxCTI+
        ("swyx_cti_plus", "configuration", false, true, C, CDS_OUT),
        ("swyx_cti_plus", "sip", true, true, L, &[(65009, 65009, false)]),
        ("swyx_cti_plus", "rtp", true, false, L, &[(60000, 60100, false)]),
        // SwyxIt!/SwyxFaxClient
        ("swyx_it", "configuration", false, true, C, CDS_OUT),
        ("swyx_it", "sip", true, true, L, &[(5070, 5170, false)]),
        ("swyx_it", "rtp", true, false, L, &[(50000, 50999, false)]),
        ("swyx_it", "ldap", true, true, C, &[(712, 712, false)]),
        // SwyxWare Administration
        ("swyx_ware_administration", "configuration", false, true, C, CDS_OUT),
        ("swyx_ware_administration", "ftp", false, true, C, &[(21, 21, false)]),
        // SwyxPhone L4xx/L5xx/L6xx
        ("swyx_phone_l4xx", "cornet", false, true, L, &[(4060, 4060, false), (4061, 4061, true)]),
        ("swyx_phone_l4xx", "h323", false, true, L, &[(1300, 1300, true), (1720, 1720, false), (1721, 1721, true)]),
        ("swyx_phone_l4xx", "configuration", false, true, L, &[(8085, 8085, true)]),
        ("swyx_phone_l4xx", "rtp", true, false, L, &[(5000, 5020, false)]),
        ("swyx_phone_l4xx", "ftp", false, true, C, &[(21, 21, false)]),
        ("swyx_phone_l4xx", "ntp", true, false, C, &[(123, 123, false)]),
        // SwyxPhone S315
        ("swyx_phone_s315", "sip", true, true, L, &[(5060, 5060, false)]),
        ("swyx_phone_s315", "rtp", true, false, L, &[(5000, 5009, false), (5060, 5060, false)]),
        // SwyxDect 500
        ("swyx_dect_500", "sip", true, true, L, &[(5060, 5060, false)]),
        ("swyx_dect_500", "rtp", true, false, L, &[(50004, 50044, false)]),
        // SwyxDect 800
        ("swyx_dect_800", "h323+sip", true, false, L, &[(2048, 65535, false)]),
        ("swyx_dect_800", "h323+sip", false, true, L, &[(2048, 65535, false)]),
        ("swyx_dect_800", "rtp", true, false, L, &[(16384, 32767, false)]),
        // SwyxConnect 172x
        ("swyx_connect_172x", "sip", true, true, L, &[(5060, 5060, false)]),
        ("swyx_connect_172x", "rtp+t38", true, false, L, &[(32768, 49151, false)]),
        ("swyx_connect_172x", "-", false, true, L, &[(3072, 19455, false)]),
        ("swyx_connect_172x", "-", true, true, L, &[(53248, 57343, false)]),
        // SwyxConnect 6xxx: 6000 - (6000 + (channels - 1) * 10), 30 channels by default
        ("swyx_connect_6xxx", "sip", true, true, L, &[(5060, 5060, false), (5061, 5061, false), (5080, 5080, false), (5081, 5081, false)]),
        ("swyx_connect_6xxx", "rtp+t38", true, false, L, &[(6000, 6290, false)]),
        // MediaPack: 6000 - (6000 + 10 * channels), 24 channels by default
        ("media_pack", "sip", true, true, L, &[(5060, 5060, false), (5061, 5061, false)]),
        ("media_pack", "rtp+t38", true, false, L, &[(6000, 6240, false)]),
    ]
};

#[test]
fn shipped_matrix_mirrors_every_row_of_the_document() {
    let matrix = Matrix::swyxware_2013();
    assert_eq!(matrix.rows.len(), SEED_ROWS.len(), "row count");
    for (index, (row, expected)) in matrix.rows.iter().zip(SEED_ROWS).enumerate() {
        let (component, labels, udp, tcp, role, ranges) = *expected;
        let context = format!("row {index} (matrix line {})", row.line);
        assert_eq!(row.component.id(), component, "{context}");
        assert_eq!(row.labels.to_string(), labels, "{context}");
        assert_eq!((row.udp, row.tcp), (udp, tcp), "{context}");
        assert_eq!(row.role, role, "{context}");
        let got: Vec<(u16, u16, bool)> =
            row.ranges.iter().map(|r| (r.low, r.high, r.tls)).collect();
        assert_eq!(got, ranges, "{context}");
        assert!(
            !row.seed_ports.is_empty(),
            "{context}: the document's port text is kept"
        );
    }
}

#[test]
fn every_component_has_a_table_in_document_order() {
    let matrix = Matrix::swyxware_2013();
    let mut order: Vec<Component> = matrix.rows.iter().map(|r| r.component).collect();
    order.dedup();
    assert_eq!(order, Component::ALL.to_vec());
}

#[test]
fn configurable_via_keys_are_kept() {
    let matrix = Matrix::swyxware_2013();
    let keys: Vec<&str> = matrix
        .rows
        .iter()
        .map(|r| r.configurable_via.as_str())
        .filter(|k| !k.is_empty())
        .collect();
    for key in [
        "Registry: RTPFirstPort, RTPLastPort",
        "Registry: StandbyPort",
        "Registry: LowerBoundSipPort, UpperBoundSipPort",
        "Registry: TcpPortOfLocalSipEndpoint",
        "Registry: TcpPortOfRemoteSipEndpoint",
        "Registry: LowerBoundMediaPortUdp, UpperBoundMediaPortUdp",
        "SipCallSignalingPort",
        "Registry: SipListenerPort",
        "Registry: PortrangeBegin, PortrangeEnd",
        "Registry: SipCallSignalingPort",
        "Registry: SIPListenerPort",
        "WebInterface",
        "Refer to manual for details",
        "LocalSIPPort, Refer to manual for details",
        "BaseUDPPort Refer to manual for details",
    ] {
        assert!(keys.contains(&key), "missing configurable-via key {key:?}");
    }
}

#[test]
fn parametric_rows_follow_their_formula() {
    let media = |matrix: &Matrix, component: Component| {
        let row = matrix
            .rows
            .iter()
            .find(|r| r.component == component && r.labels.contains(Label::Rtp))
            .expect("media row");
        (row.ranges[0].low, row.ranges[0].high)
    };
    for channels in [1i64, 2, 4, 8, 30, 60] {
        let matrix = Matrix::parse_with(
            Matrix::SWYXWARE_2013,
            &[
                ("swyx_connect_6xxx.Channels", channels),
                ("media_pack.Channels", channels),
            ],
        )
        .expect("valid overrides");
        assert_eq!(
            media(&matrix, Component::SwyxConnect6xxx),
            (6000, (6000 + (channels - 1) * 10) as u16)
        );
        assert_eq!(
            media(&matrix, Component::MediaPack),
            (6000, (6000 + 10 * channels) as u16)
        );
    }
}

#[test]
fn overriding_rtp_first_port_moves_the_servers_rtp_range() {
    let matrix = Matrix::parse_with(
        Matrix::SWYXWARE_2013,
        &[("RTPFirstPort", 40000), ("RTPLastPort", 40999)],
    )
    .unwrap();
    assert_eq!(matrix.param("swyx_server.RTPFirstPort"), Some(40000));
    let row = &matrix.rows[2];
    assert_eq!(
        (row.component, row.ranges[0].low, row.ranges[0].high),
        (Component::SwyxServer, 40000, 40999)
    );
}

#[test]
fn overriding_an_undeclared_parameter_is_an_error() {
    let error = Matrix::parse_with(Matrix::SWYXWARE_2013, &[("RtpFirstPort", 1)]).unwrap_err();
    assert_eq!(
        error.kind,
        MatrixErrorKind::UnknownParam("RtpFirstPort".into())
    );
}

/// The parameters the issue of site configuration names, by the document's keys (and this
/// file's names for the web-interface and manual rows).
const EXPECTED_PARAMS: &[(&str, i64)] = &[
    ("swyx_server.RTPFirstPort", 51000),
    ("swyx_server.RTPLastPort", 51499),
    ("swyx_server.StandbyPort", 65010),
    ("swyx_gate.LowerBoundSipPort", 5064),
    ("swyx_gate.UpperBoundSipPort", 5064),
    ("link_manager.TcpPortOfLocalSipEndpoint", 65001),
    ("link_manager.TcpPortOfRemoteSipEndpoint", 65002),
    ("link_manager.LowerBoundMediaPortUdp", 55000),
    ("link_manager.UpperBoundMediaPortUdp", 56000),
    ("conference_manager.LowerBoundSipPort", 5062),
    ("conference_manager.UpperBoundSipPort", 5062),
    ("conference_manager.LowerBoundMediaPortUdp", 56000),
    ("conference_manager.UpperBoundMediaPortUdp", 57000),
    ("phone_manager.SipCallSignalingPort", 65007),
    ("swyx_fax_server.LowerBoundSipPort", 61000),
    ("swyx_fax_server.UpperBoundSipPort", 61000),
    ("mobile_extension_manager.SipListenerPort", 5070),
    ("mobile_extension_manager.PortrangeBegin", 50000),
    ("mobile_extension_manager.PortrangeEnd", 50999),
    ("swyx_cti_plus.SipCallSignalingPort", 65009),
    ("swyx_it.SIPListenerPort", 5070),
    ("swyx_it.PortrangeBegin", 50000),
    ("swyx_it.PortrangeEnd", 50999),
    ("swyx_phone_s315.SipPort", 5060),
    ("swyx_dect_500.SipPort", 5060),
    ("swyx_connect_6xxx.BaseUDPPort", 6000),
    ("swyx_connect_6xxx.Channels", 30),
    ("media_pack.LocalSIPPort", 5060),
    ("media_pack.BaseUDPPort", 6000),
    ("media_pack.Channels", 24),
];

#[test]
fn every_configurable_row_takes_its_ports_from_its_components_parameters() {
    let matrix = Matrix::swyxware_2013();
    for (name, default) in EXPECTED_PARAMS {
        assert_eq!(matrix.param(name), Some(*default), "parameter {name}");
    }
    for row in &matrix.rows {
        let prefix = format!("{}.", row.component.id());
        let uses_own = matrix.params.iter().any(|(name, _)| {
            name.starts_with(&prefix) && matrix.rows_using(name).any(|r| r == row)
        });
        assert_eq!(
            uses_own,
            !row.configurable_via.is_empty(),
            "matrix line {}: a row is configurable exactly when it uses its component's parameters \
             (configurable via {:?}, ports {:?})",
            row.line,
            row.configurable_via,
            row.ports
        );
    }
    for (name, _) in &matrix.params {
        let (component, _) = name.split_once('.').expect("component.Key");
        let users: Vec<_> = matrix.rows_using(name).collect();
        assert!(!users.is_empty(), "parameter {name} is used");
        assert!(
            users.iter().all(|row| row.component.id() == component),
            "{name}"
        );
    }
}

#[test]
fn every_parameter_moves_the_ports_of_the_rows_using_it() {
    let defaults = Matrix::swyxware_2013();
    for (name, value) in &defaults.params {
        // One down, or one up for a range's last port that equals its first (SwyxGate's
        // 5064-5064): one of the two keeps every range valid.
        let (shifted, moved) = [value - 1, value + 1]
            .into_iter()
            .find_map(|v| {
                Matrix::parse_with(Matrix::SWYXWARE_2013, &[(name.as_str(), v)])
                    .ok()
                    .map(|m| (v, m))
            })
            .unwrap_or_else(|| panic!("{name}: neither one down nor one up is valid"));
        for row in defaults.rows_using(name) {
            let after = &moved
                .rows
                .iter()
                .find(|r| r.line == row.line)
                .expect("same rows")
                .ranges;
            assert_ne!(
                &row.ranges, after,
                "{name}={shifted} moves matrix line {}",
                row.line
            );
        }
        let unused: Vec<_> = defaults
            .rows
            .iter()
            .zip(&moved.rows)
            .filter(|(before, after)| {
                before.ranges != after.ranges && !defaults.rows_using(name).any(|r| r == *before)
            })
            .map(|(before, _)| before.line)
            .collect();
        assert!(
            unused.is_empty(),
            "{name} moved rows that do not use it: {unused:?}"
        );
    }
}

#[test]
fn a_key_without_its_component_names_the_one_parameter_ending_in_it() {
    let matrix = Matrix::parse_with(Matrix::SWYXWARE_2013, &[("StandbyPort", 65020)]).unwrap();
    assert_eq!(matrix.param("swyx_server.StandbyPort"), Some(65020));
    let error =
        Matrix::parse_with(Matrix::SWYXWARE_2013, &[("LowerBoundSipPort", 5070)]).unwrap_err();
    let MatrixErrorKind::AmbiguousParam { key, candidates } = &error.kind else {
        panic!("{error}");
    };
    assert_eq!(key, "LowerBoundSipPort");
    assert_eq!(
        candidates,
        &[
            "swyx_gate.LowerBoundSipPort",
            "conference_manager.LowerBoundSipPort",
            "swyx_fax_server.LowerBoundSipPort"
        ]
    );
    assert!(
        error
            .to_string()
            .contains("swyx_fax_server.LowerBoundSipPort"),
        "{error}"
    );
    // A suffix of a name part is not a key: `Port` names nothing.
    let error = Matrix::parse_with(Matrix::SWYXWARE_2013, &[("Port", 1)]).unwrap_err();
    assert_eq!(error.kind, MatrixErrorKind::UnknownParam("Port".into()));
}

#[test]
fn an_override_that_empties_a_range_is_an_error_naming_it_and_the_row() {
    let error = Matrix::parse_with(
        Matrix::SWYXWARE_2013,
        &[("swyx_gate.UpperBoundSipPort", 5000)],
    )
    .unwrap_err();
    let defaults = Matrix::swyxware_2013();
    let row = defaults
        .rows_using("swyx_gate.UpperBoundSipPort")
        .next()
        .unwrap();
    assert_eq!(error.line, row.line);
    assert!(
        matches!(error.kind, MatrixErrorKind::BadOverride { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "matrix line {}: with swyx_gate.UpperBoundSipPort=5000: range 5064-5000 is empty \
             (low above high)",
            row.line
        )
    );
    for (key, value) in [
        ("swyx_connect_6xxx.Channels", 0),
        ("swyx_server.RTPLastPort", 70000),
        ("swyx_server.RTPFirstPort", -1),
    ] {
        let error = Matrix::parse_with(Matrix::SWYXWARE_2013, &[(key, value)]).unwrap_err();
        assert!(
            error.to_string().contains(&format!("{key}={value}")),
            "{error}"
        );
        assert!(error.line > 0, "{error}");
    }
}

#[test]
fn a_parameter_name_names_a_known_component() {
    let error = Matrix::parse("matrix m\nparam swyx_sever.Port = 1\n").unwrap_err();
    assert_eq!(
        (error.line, error.kind),
        (2, MatrixErrorKind::UnknownComponent("swyx_sever".into()))
    );
}

fn error_of(body: &str) -> (usize, MatrixErrorKind) {
    let text = format!("matrix test\nparam P = 100\ncomponent swyx_server\n{body}\n");
    let error = Matrix::parse(&text).expect_err(body);
    assert!(
        error
            .to_string()
            .starts_with(&format!("matrix line {}: ", error.line))
            || error.line == 0
    );
    (error.line, error.kind)
}

#[test]
fn malformed_rows_are_rejected_with_their_line() {
    type ErrorCheck = fn(&MatrixErrorKind) -> bool;
    let cases: Vec<(&str, ErrorCheck)> = vec![
        ("row A | SIP | sip | udp | 5060 |", |k| {
            matches!(k, MatrixErrorKind::FieldCount { found: 6 })
        }),
        (
            "row A | SIP | sipp | udp | 5060 | |",
            |k| matches!(k, MatrixErrorKind::UnknownLabel(l) if l == "sipp"),
        ),
        ("row A | SIP | sip+sip | udp | 5060 | |", |k| {
            matches!(k, MatrixErrorKind::BadLabels(_))
        }),
        ("row A | SIP | sip+rtp+t38+ntp | udp | 5060 | |", |k| {
            matches!(k, MatrixErrorKind::BadLabels(_))
        }),
        ("row A | SIP | sip | sctp | 5060 | |", |k| {
            matches!(k, MatrixErrorKind::UnknownTransport(_))
        }),
        ("row A | SIP | sip | udp | 70000 | |", |k| {
            matches!(k, MatrixErrorKind::PortOutOfRange(70000))
        }),
        ("row A | SIP | sip | udp | 6000-5000 | |", |k| {
            matches!(
                k,
                MatrixErrorKind::EmptyRange {
                    low: 6000,
                    high: 5000
                }
            )
        }),
        (
            "row A | SIP | sip | udp | Q | |",
            |k| matches!(k, MatrixErrorKind::UnknownParam(p) if p == "Q"),
        ),
        ("row A | SIP | sip | udp | 5060 5061 | |", |k| {
            matches!(k, MatrixErrorKind::BadPorts(_))
        }),
        ("row A | SIP | sip | udp | (P*(P | |", |k| {
            matches!(k, MatrixErrorKind::BadPorts(_))
        }),
        ("row A | SIP | sip | udp | | |", |k| {
            matches!(k, MatrixErrorKind::BadPorts(_))
        }),
        (
            "row A | SIP | sip | udp | (9223372036854775807*2) | |",
            |k| matches!(k, MatrixErrorKind::BadPorts(_)),
        ),
        ("component nobody", |k| {
            matches!(k, MatrixErrorKind::UnknownComponent(_))
        }),
        ("component swyx_server", |k| {
            matches!(k, MatrixErrorKind::DuplicateComponent(_))
        }),
        ("param P = 1", |k| {
            matches!(k, MatrixErrorKind::DuplicateParam(_))
        }),
        ("param Q = x", |k| matches!(k, MatrixErrorKind::BadParam(_))),
        ("rows A", |k| {
            matches!(k, MatrixErrorKind::UnknownDirective(_))
        }),
    ];
    for (body, expected) in cases {
        let (line, kind) = error_of(body);
        assert_eq!(line, 4, "{body}");
        assert!(expected(&kind), "{body}: got {kind:?}");
    }
}

#[test]
fn deeply_nested_expressions_are_rejected_not_overflowing_the_stack() {
    let ports = format!("{}5000{}", "(".repeat(10_000), ")".repeat(10_000));
    let (line, kind) = error_of(&format!("row A | SIP | sip | udp | {ports} | |"));
    assert_eq!(line, 4);
    assert!(
        matches!(kind, MatrixErrorKind::BadPorts(ref why) if why.contains("too deep")),
        "{kind:?}"
    );
}

#[test]
fn file_level_errors() {
    assert_eq!(
        Matrix::parse("").unwrap_err().kind,
        MatrixErrorKind::MatrixLine
    );
    assert_eq!(
        Matrix::parse("component swyx_server\n").unwrap_err().kind,
        MatrixErrorKind::MatrixLine
    );
    assert_eq!(Matrix::parse("matrix a\nmatrix b\n").unwrap_err().line, 2);
    assert_eq!(
        Matrix::parse("matrix a\n").unwrap_err().kind,
        MatrixErrorKind::NoRows
    );
    assert_eq!(
        Matrix::parse("matrix a\nrow A | SIP | sip | udp | 5060 | |\n")
            .unwrap_err()
            .kind,
        MatrixErrorKind::RowBeforeComponent
    );
}

#[test]
fn comments_blank_lines_and_arithmetic_parse() {
    let matrix = Matrix::parse(
        "# header\n\nmatrix t # name\nparam Base = 6000\ncomponent media_pack\n\
         row A | X | rtp+t38 | udp | connects Base-(Base+10*(2+1)-1), 7000 tls | k | s\n",
    )
    .unwrap();
    let row = &matrix.rows[0];
    assert_eq!(row.role, Role::Connects);
    assert_eq!(
        (row.ranges[0].low, row.ranges[0].high, row.ranges[0].tls),
        (6000, 6029, false)
    );
    assert_eq!(
        (row.ranges[1].low, row.ranges[1].high, row.ranges[1].tls),
        (7000, 7000, true)
    );
    assert_eq!(row.line, 6);
}

#[test]
fn compile_time_table_equals_the_run_time_build_of_the_same_file() {
    let owned = OwnedPortTable::build(&Matrix::swyxware_2013()).unwrap();
    assert_eq!(owned.table(), *SWYXWARE_2013_TABLE);
}

#[test]
fn every_matrix_file_has_a_compile_time_table_equal_to_its_run_time_build() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../matrix/data");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "matrix") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let matrix = Matrix::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let owned = OwnedPortTable::build(&matrix).unwrap();
        let generated = table_by_name(&name).unwrap_or_else(|| panic!("no table for {name}"));
        assert_eq!(owned.table(), *generated, "{name}");
        names.push(name);
    }
    names.sort();
    assert_eq!(names, MATRIX_NAMES);
    assert!(names.len() >= 2, "{names:?}");
}

#[test]
fn table_lookup_equals_a_scan_of_the_rows_for_every_port() {
    let custom = Matrix::parse_with(
        Matrix::SWYXWARE_2013,
        &[
            ("RTPFirstPort", 50500),
            ("RTPLastPort", 52100),
            ("swyx_connect_6xxx.Channels", 8),
        ],
    )
    .unwrap();
    for matrix in [Matrix::swyxware_2013(), custom] {
        let table = OwnedPortTable::build(&matrix).unwrap();
        for transport in [Transport::Udp, Transport::Tcp] {
            let entries = swyx_matrix::layout::entries_for(&matrix, transport);
            for port in 0..=u16::MAX {
                let mut expected: Vec<_> = entries
                    .iter()
                    .filter(|e| e.range.contains(port))
                    .copied()
                    .collect();
                expected.sort_by_key(|e| e.order_key());
                assert_eq!(
                    table.table().lookup(transport, port),
                    &expected[..],
                    "{transport} {port}"
                );
                // The decisive entries: those no earlier entry dominates, with their hot
                // fields and the union of the signatures they need.
                let decisive: Vec<_> = expected
                    .iter()
                    .enumerate()
                    .filter(|&(i, e)| !expected[..i].iter().any(|d| dominates(d, e)))
                    .map(|(_, e)| *e)
                    .collect();
                let found = table.table().decisive(transport, port);
                assert_eq!(found.entries, &decisive[..], "{transport} {port}");
                let hot: Vec<HotEntry> = decisive.iter().map(HotEntry::of).collect();
                assert_eq!(found.hot, &hot[..], "{transport} {port}");
                let signed = hot.iter().fold(0, |mask, h| mask | h.signed);
                assert_eq!(found.signed, signed, "{transport} {port}");
                for (h, e) in hot.iter().zip(&decisive) {
                    assert_eq!(h.is_broad(), e.range.is_broad());
                    assert_eq!(
                        h.signed & HotEntry::TLS != 0,
                        e.range.tls && !e.labels.is_empty()
                    );
                    assert_eq!(h.labels, e.labels.mask());
                }
            }
        }
    }
}

#[test]
fn default_table_is_a_flat_port_array_and_a_few_kib_of_sets() {
    // One set id per port and transport, then a few dozen sets of at most a handful of
    // decisive entries each.
    let ports = 2 * 65536 * core::mem::size_of::<u16>();
    let table = SWYXWARE_2013_TABLE;
    assert!(table.set_count() < 256, "{}", table.set_count());
    assert!(
        (1..=8).contains(&table.max_decisive()),
        "{}",
        table.max_decisive()
    );
    let rest = table.size_in_bytes() - ports;
    assert!(rest < 16 * 1024, "{rest}");
    // What the resolution reads of a port: one record, smaller than a cache line.
    assert_eq!(core::mem::size_of::<swyx_matrix::layout::DecisiveSet>(), 56);
}

#[test]
fn the_packed_order_of_every_shipped_table_is_the_one_rank() {
    for name in swyx_classify::MATRIX_NAMES {
        let table = swyx_classify::table_by_name(name).unwrap();
        swyx_testkit::fuzz::check_packed_order(table);
    }
}
