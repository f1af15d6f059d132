//! Every resolution rule of the crate docs, each with a test that fails if the rule breaks,
//! and every row of the matrix probed with a packet.

use swyx_classify::{
    classify, Classifier, Component, Decision, Evidence, Label, LinkType, Matrix, OwnedPortTable,
    PayloadCheck, Reason, Role, Side, Transport,
};
use swyx_testkit::{payload, FrameSpec};

const A: [u8; 4] = [10, 1, 1, 20];
const B: [u8; 4] = [10, 1, 1, 10];

fn decide(spec: &FrameSpec) -> Result<Decision, Reason> {
    let frame = spec.ethernet();
    let result = classify(&frame);
    match result.decision() {
        Some(decision) => Ok(*decision),
        None => Err(result.reason().unwrap()),
    }
}

fn udp(src_port: u16, dst_port: u16, payload: Vec<u8>) -> Result<Decision, Reason> {
    decide(&FrameSpec::udp(A, B, src_port, dst_port, payload))
}

fn tcp(src_port: u16, dst_port: u16, payload: Vec<u8>) -> Result<Decision, Reason> {
    decide(&FrameSpec::tcp(A, B, src_port, dst_port, payload))
}

fn who(result: Result<Decision, Reason>) -> (Label, Component, Evidence) {
    let d = result.unwrap_or_else(|reason| panic!("unclassified: {reason}"));
    (d.label, d.component, d.evidence)
}

// Rule 1: candidates come from both ports.

#[test]
fn candidates_cover_rows_of_both_ports_destination_first() {
    let frame = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ethernet();
    let classifier = Classifier::swyxware_2013();
    let result = classifier.classify(&frame);
    let candidates: Vec<_> = classifier.candidates(&result).collect();
    let first_source = candidates
        .iter()
        .position(|c| c.side == Side::Source)
        .unwrap();
    assert!(candidates[..first_source]
        .iter()
        .all(|c| c.side == Side::Destination && c.port == 5060));
    assert!(candidates[first_source..]
        .iter()
        .all(|c| c.side == Side::Source && c.port == 5070));
    let components = |side| {
        candidates
            .iter()
            .filter(move |c| c.side == side)
            .map(|c| c.component)
    };
    assert!(components(Side::Destination).any(|c| c == Component::SwyxPhoneS315));
    assert!(components(Side::Source).any(|c| c == Component::SwyxIt));
    assert!(components(Side::Source).any(|c| c == Component::MobileExtensionManager));
    // The S315's RTP row on 5060 is contradicted by a SIP datagram; the SIP rows are confirmed.
    let s315_rtp = candidates
        .iter()
        .find(|c| c.component == Component::SwyxPhoneS315 && c.label == Some(Label::Rtp))
        .unwrap();
    assert_eq!(s315_rtp.check, PayloadCheck::Contradicted);
    assert!(!s315_rtp.counts());
    assert!(candidates
        .iter()
        .filter(|c| c.label == Some(Label::Sip) && !c.range.is_broad())
        .all(|c| c.check == PayloadCheck::Confirmed));
}

#[test]
fn candidates_of_an_undecoded_frame_are_empty() {
    let classifier = Classifier::swyxware_2013();
    let result = classifier.classify(&[0u8; 10]);
    assert_eq!(classifier.candidates(&result).count(), 0);
}

// Rule 2: payload checks. UDP contradicts, TCP only confirms.

#[test]
fn udp_payload_contradicting_sip_leaves_the_s315_rtp_row_on_5060() {
    assert_eq!(
        who(udp(5060, 5060, payload::rtp(1, 160))),
        (Label::Rtp, Component::SwyxPhoneS315, Evidence::Confirmed)
    );
    assert_eq!(
        who(udp(5060, 5060, payload::sip_invite())),
        (Label::Sip, Component::SwyxServer, Evidence::Confirmed)
    );
}

#[test]
fn udp_payload_matching_no_row_is_unclassified() {
    assert_eq!(
        udp(40000, 5060, b"hello".to_vec()).unwrap_err(),
        Reason::PayloadContradicts
    );
    assert_eq!(
        udp(1033, 123, payload::sip_invite()).unwrap_err(),
        Reason::PayloadContradicts
    );
}

#[test]
fn tcp_payload_never_contradicts() {
    assert_eq!(
        who(tcp(1030, 5060, payload::http_get())),
        (Label::Sip, Component::SwyxServer, Evidence::PortOnly)
    );
    assert_eq!(
        who(tcp(1034, 21, b"\x00\x01binary".to_vec())),
        (
            Label::Ftp,
            Component::SwyxWareAdministration,
            Evidence::PortOnly
        )
    );
}

#[test]
fn tcp_payload_confirms() {
    assert_eq!(
        who(tcp(1031, 1720, payload::h225_setup())),
        (Label::H323, Component::PhoneManager, Evidence::Confirmed)
    );
    assert_eq!(
        who(tcp(1034, 21, payload::ftp_user())),
        (
            Label::Ftp,
            Component::SwyxWareAdministration,
            Evidence::Confirmed
        )
    );
    assert_eq!(
        who(tcp(21, 1034, payload::ftp_welcome())).2,
        Evidence::Confirmed
    );
    assert_eq!(
        who(tcp(49200, 712, payload::ldap_search())),
        (Label::Ldap, Component::SwyxIt, Evidence::Confirmed)
    );
}

#[test]
fn empty_payload_is_unknown_so_the_port_decides() {
    assert_eq!(
        who(udp(40000, 5060, vec![])),
        (Label::Sip, Component::SwyxServer, Evidence::PortOnly)
    );
    assert_eq!(
        who(tcp(1030, 4060, vec![])),
        (Label::Cornet, Component::PhoneManager, Evidence::PortOnly)
    );
}

#[test]
fn truncated_udp_payload_does_not_contradict() {
    // An RTP datagram on 5060 cut after 4 bytes: no longer RTP-confirmed, and not a SIP
    // contradiction either, so the first row by matrix order decides on the port.
    let frame = FrameSpec::udp(A, B, 40000, 5060, payload::rtp(1, 160)).ethernet();
    let cut = &frame[..14 + 20 + 8 + 4];
    let result = classify(cut);
    assert_eq!(
        (result.label(), result.evidence()),
        (Some(Label::Sip), Some(Evidence::PortOnly))
    );
    assert!(result.packet.unwrap().is_truncated());
}

#[test]
fn tls_record_confirms_on_tls_ports_only() {
    assert_eq!(
        who(tcp(1032, 18443, payload::tls_client_hello())),
        (Label::Dls, Component::PhoneManager, Evidence::Confirmed)
    );
    assert_eq!(
        who(tcp(1032, 4061, payload::tls_client_hello())).2,
        Evidence::Confirmed
    );
    assert_eq!(
        who(tcp(1032, 1721, payload::tls_client_hello())),
        (Label::H323, Component::PhoneManager, Evidence::Confirmed)
    );
    assert_eq!(
        who(tcp(1032, 8085, payload::tls_client_hello())),
        (
            Label::Configuration,
            Component::SwyxPhoneL4xx,
            Evidence::Confirmed
        )
    );
    assert_eq!(
        who(tcp(1032, 4060, payload::tls_client_hello())).2,
        Evidence::PortOnly
    );
}

#[test]
fn t38_and_rtp_share_rows_and_the_payload_picks_the_label() {
    let fax = udp(52010, 4000, payload::udptl(7)).unwrap();
    assert_eq!(
        (fax.label, fax.component, fax.evidence),
        (Label::T38, Component::SwyxGate, Evidence::Confirmed)
    );
    // The FaxServer's 2000-8000 is broad: broad rows never name a peer.
    assert_eq!(fax.peer, None);
    let voice = udp(52010, 4000, payload::rtp(9, 1440)).unwrap();
    assert_eq!(
        (voice.label, voice.component),
        (Label::Rtp, Component::SwyxGate)
    );
    assert_eq!(
        who(udp(52010, 4000, payload::udptl_indicator(0))).0,
        Label::T38
    );
}

#[test]
fn rtcp_on_an_rtp_range_is_rtp_with_the_rtcp_flag() {
    let d = udp(51001, 50101, payload::rtcp_sender_report()).unwrap();
    assert_eq!(
        (d.label, d.evidence, d.rtcp),
        (Label::Rtp, Evidence::Confirmed, true)
    );
    assert!(!udp(51000, 50100, payload::rtp(1, 1)).unwrap().rtcp);
}

// Rule 3: broad rows count only when confirmed.

#[test]
fn broad_row_without_evidence_leaves_ephemeral_tcp_unclassified() {
    assert_eq!(
        tcp(49152, 443, vec![]).unwrap_err(),
        Reason::BroadRowWithoutEvidence
    );
    assert_eq!(
        tcp(49152, 443, payload::tls_client_hello()).unwrap_err(),
        Reason::BroadRowWithoutEvidence
    );
    assert_eq!(
        udp(4000, 4001, vec![]).unwrap_err(),
        Reason::BroadRowWithoutEvidence
    );
}

#[test]
fn broad_row_counts_when_the_payload_confirms_it() {
    assert_eq!(
        who(tcp(40000, 40001, payload::sip_invite())),
        (Label::Sip, Component::SwyxDect800, Evidence::Confirmed)
    );
    assert_eq!(
        who(udp(20000, 20002, payload::rtp(1, 1))),
        (Label::Rtp, Component::SwyxDect800, Evidence::Confirmed)
    );
    assert_eq!(
        who(udp(3999, 4000, payload::udptl(1))),
        (Label::T38, Component::SwyxFaxServer, Evidence::Confirmed)
    );
    assert_eq!(
        who(udp(33000, 33002, payload::udptl(1))),
        (Label::T38, Component::SwyxConnect172x, Evidence::Confirmed)
    );
}

#[test]
fn broad_rows_never_name_a_peer() {
    // The SIP payload would "confirm" SwyxDect 800's 2048-65535 on the ephemeral port too.
    let d = tcp(50123, 5060, payload::sip_invite()).unwrap();
    assert_eq!((d.component, d.peer), (Component::SwyxServer, None));
    let d = tcp(50123, 1720, payload::h225_setup()).unwrap();
    assert_eq!((d.component, d.peer), (Component::PhoneManager, None));
    // A narrow row on the other port does.
    let d = udp(5070, 5060, payload::sip_invite()).unwrap();
    assert_eq!(d.peer, Some(Component::MobileExtensionManager));
}

#[test]
fn unlabelled_rows_never_decide() {
    // TCP 3072-19455 (172x General) and 53248-57343 (Masquerading) name no protocol.
    assert_eq!(
        tcp(3100, 53300, vec![]).unwrap_err(),
        Reason::BroadRowWithoutEvidence
    );
    let custom = Matrix::parse(
        "matrix t\ncomponent swyx_connect_172x\nrow General | | - | tcp | 3100 | |\n",
    )
    .unwrap();
    let table = OwnedPortTable::build(&custom).unwrap();
    let result =
        Classifier::new(table.table()).classify_transport(Transport::Tcp, 3100, 3100, b"x", 1);
    assert_eq!(result.reason(), Some(Reason::UnlabelledRowsOnly));
}

#[test]
fn unlabelled_narrow_rows_attribute_a_peer() {
    let custom = Matrix::parse(
        "matrix t\ncomponent swyx_server\nrow A | SIP | sip | udp | 5060 | |\ncomponent swyx_connect_172x\nrow G | | - | udp | 7000-7010 | |\n",
    )
    .unwrap();
    let table = OwnedPortTable::build(&custom).unwrap();
    let sip = payload::sip_invite();
    let result = Classifier::new(table.table()).classify_transport(
        Transport::Udp,
        7005,
        5060,
        &sip,
        sip.len(),
    );
    assert_eq!(result.component(), Some(Component::SwyxServer));
    assert_eq!(result.peer(), Some(Component::SwyxConnect172x));
}

// Rule 4: order among the rows left.

#[test]
fn confirmed_beats_a_narrower_unknown_row() {
    // TCP 4060 (CorNet, width 1, no signature) -> 5070 (SIP, width 101, confirmed).
    assert_eq!(
        who(tcp(4060, 5070, payload::sip_invite())),
        (
            Label::Sip,
            Component::MobileExtensionManager,
            Evidence::Confirmed
        )
    );
}

#[test]
fn narrowest_range_wins() {
    assert_eq!(
        who(udp(5005, 40000, payload::rtp(1, 1))).1,
        Component::SwyxPhoneS315
    ); // 5000-5009
    assert_eq!(
        who(udp(5015, 40000, payload::rtp(1, 1))).1,
        Component::SwyxPhoneL4xx
    ); // 5000-5020
    assert_eq!(
        who(udp(50010, 51000, payload::rtp(1, 1))).1,
        Component::SwyxDect500
    ); // 50004-50044
    assert_eq!(
        who(udp(50100, 51000, payload::rtp(1, 1))).1,
        Component::SwyxServer
    ); // 500 < 1000
    let d = udp(51000, 5012, payload::rtp(1, 1)).unwrap();
    assert_eq!(
        (d.component, d.side, d.peer),
        (
            Component::SwyxPhoneL4xx,
            Side::Destination,
            Some(Component::SwyxServer)
        )
    );
}

#[test]
fn listening_rows_beat_connecting_rows() {
    let d = tcp(49712, 9094, payload::cds_request()).unwrap();
    assert_eq!(
        (d.label, d.component, d.role),
        (
            Label::Configuration,
            Component::ConfigDataStore,
            Role::Listens
        )
    );
    let d = tcp(9095, 49712, vec![]).unwrap();
    assert_eq!(
        (d.component, d.side),
        (Component::ConfigDataStore, Side::Source)
    );
}

#[test]
fn destination_side_wins_a_tie() {
    let d = udp(65007, 5060, payload::sip_ok()).unwrap();
    assert_eq!(
        (d.component, d.side, d.peer),
        (
            Component::SwyxServer,
            Side::Destination,
            Some(Component::PhoneManager)
        )
    );
    let d = udp(5060, 65007, payload::sip_ok()).unwrap();
    assert_eq!(
        (d.component, d.side, d.peer),
        (
            Component::PhoneManager,
            Side::Destination,
            Some(Component::SwyxServer)
        )
    );
}

#[test]
fn matrix_order_breaks_the_last_tie() {
    // LinkManager 55000-56000 and ConferenceManager 56000-57000 are both 1001 ports wide.
    assert_eq!(
        who(udp(9, 56000, payload::rtp(1, 1))).1,
        Component::LinkManager
    );
    // MobileExtensionManager's table comes before SwyxIt!'s, with the same ranges.
    assert_eq!(
        who(udp(9, 50500, payload::rtp(1, 1))).1,
        Component::MobileExtensionManager
    );
    assert_eq!(
        who(udp(9, 5071, payload::sip_invite())).1,
        Component::MobileExtensionManager
    );
}

#[test]
fn connecting_rows_put_their_component_on_the_other_side() {
    let request = udp(1033, 123, payload::ntp_client()).unwrap();
    assert_eq!(
        (request.label, request.component, request.role),
        (Label::Ntp, Component::SwyxPhoneL4xx, Role::Connects)
    );
    assert_eq!(
        (request.side, request.component_side()),
        (Side::Destination, Side::Source)
    );
    let reply = udp(123, 1033, payload::ntp_server()).unwrap();
    assert_eq!(
        (reply.side, reply.component_side()),
        (Side::Source, Side::Destination)
    );
    let ldap = udp(49200, 712, payload::ldap_search()).unwrap();
    assert_eq!(
        (ldap.label, ldap.component, ldap.role),
        (Label::Ldap, Component::SwyxIt, Role::Connects)
    );
}

// Rule 5: reasons.

#[test]
fn every_reason_is_reachable() {
    let arp = {
        let mut f = vec![0xff; 12];
        f.extend_from_slice(&[0x08, 0x06]);
        f.extend_from_slice(&[0; 28]);
        f
    };
    assert_eq!(classify(&arp).reason(), Some(Reason::NotIp));
    let mut icmp = FrameSpec::udp(A, B, 1, 1, vec![8, 0, 0, 0]).ethernet();
    icmp[14 + 9] = 1;
    assert_eq!(classify(&icmp).reason(), Some(Reason::NotTcpUdp));
    let mut fragment = FrameSpec::udp(A, B, 5060, 5060, payload::sip_invite());
    fragment.ipv4_fragment = 185; // offset 1480 bytes
    assert_eq!(
        classify(&fragment.ethernet()).reason(),
        Some(Reason::NonFirstFragment)
    );
    let frame = FrameSpec::udp(A, B, 5060, 5060, vec![]).ethernet();
    assert_eq!(
        classify(&frame[..14 + 20 + 3]).reason(),
        Some(Reason::Truncated)
    );
    let mut bad = frame.clone();
    bad[14] = 0x44; // IHL 4
    assert_eq!(classify(&bad).reason(), Some(Reason::MalformedHeader));
    assert_eq!(
        udp(53, 1000, payload::dns_query()).unwrap_err(),
        Reason::NoMatrixRow
    );
    assert_eq!(
        udp(40000, 5060, b"hello".to_vec()).unwrap_err(),
        Reason::PayloadContradicts
    );
    assert_eq!(
        tcp(49152, 443, vec![]).unwrap_err(),
        Reason::BroadRowWithoutEvidence
    );
    // UnlabelledRowsOnly: see unlabelled_rows_never_decide.
}

// Custom tables classify the same way.

#[test]
fn a_custom_table_moves_the_servers_rtp() {
    let matrix = Matrix::parse_with(
        Matrix::SWYXWARE_2013,
        &[("RTPFirstPort", 45000), ("RTPLastPort", 45499)],
    )
    .unwrap();
    let table = OwnedPortTable::build(&matrix).unwrap();
    let classifier = Classifier::new(table.table());
    let frame = FrameSpec::udp(A, B, 45002, 9, payload::rtp(1, 1)).ethernet();
    assert_eq!(
        classifier.classify(&frame).component(),
        Some(Component::SwyxServer)
    );
    // The default table calls the same packet SwyxConnect 172x media (32768-49151, confirmed).
    assert_eq!(
        classify(&frame).component(),
        Some(Component::SwyxConnect172x)
    );
}

// Every row of the matrix, probed.

/// A payload that confirms `label` on `transport`, or one that only a port can label.
fn payload_for(label: Label, transport: Transport, tls: bool) -> Vec<u8> {
    match (label, transport) {
        (Label::Sip, _) => payload::sip_invite(),
        (Label::Rtp, _) => payload::rtp(3, 480),
        (Label::T38, _) => payload::udptl(3),
        (Label::H323, Transport::Tcp) if !tls => payload::h225_setup(),
        (Label::Ldap, _) => payload::ldap_search(),
        (Label::Ntp, _) => payload::ntp_client(),
        (Label::Ftp, _) => payload::ftp_user(),
        _ if tls => payload::tls_client_hello(),
        (Label::Configuration, _) => payload::cds_request(),
        _ => vec![0x00, 0x17, 0x42, 0x99],
    }
}

#[test]
fn every_row_is_probed_at_its_range_bounds() {
    let matrix = Matrix::swyxware_2013();
    let classifier = Classifier::swyxware_2013();
    let mut probes = 0;
    for (index, row) in matrix.rows.iter().enumerate() {
        for transport in [Transport::Udp, Transport::Tcp]
            .into_iter()
            .filter(|&t| row.has_transport(t))
        {
            for range in &row.ranges {
                for port in [
                    range.low,
                    range.low + (range.high - range.low) / 2,
                    range.high,
                ] {
                    // From port 9 (no row), so the probed port is the only source of candidates.
                    for label in row.labels.iter() {
                        let body = payload_for(label, transport, range.tls);
                        let spec = FrameSpec::new(
                            swyx_testkit::Addresses::V4(A, B),
                            transport,
                            9,
                            port,
                            body,
                        );
                        let frame = spec.ethernet();
                        let result = classifier.classify_link(LinkType::Ethernet, &frame);
                        let context = format!(
                            "row {index} ({} {}) {transport} {port} {label:?}",
                            row.component.id(),
                            row.labels
                        );
                        let candidate = classifier
                            .candidates(&result)
                            .find(|c| usize::from(c.row) == index)
                            .unwrap_or_else(|| panic!("{context}: row not among the candidates"));
                        assert_eq!(
                            (candidate.side, candidate.port, candidate.role),
                            (Side::Destination, port, row.role),
                            "{context}"
                        );
                        assert_ne!(candidate.check, PayloadCheck::Contradicted, "{context}");
                        let Some(decision) = result.decision() else {
                            // Only a broad row without evidence may leave the probe unlabelled.
                            assert!(
                                range.is_broad() && candidate.check == PayloadCheck::Unknown,
                                "{context}: {:?}",
                                result.reason()
                            );
                            assert_eq!(
                                result.reason(),
                                Some(Reason::BroadRowWithoutEvidence),
                                "{context}"
                            );
                            probes += 1;
                            continue;
                        };
                        // The label is the row's whenever the payload confirms it or the row is narrow.
                        if candidate.check == PayloadCheck::Confirmed || !range.is_broad() {
                            assert!(
                                row.labels.contains(decision.label)
                                    || decision.evidence == Evidence::Confirmed,
                                "{context}: {decision:?}"
                            );
                        }
                        if candidate.check == PayloadCheck::Confirmed {
                            assert_eq!(decision.label, label, "{context}");
                        }
                        probes += 1;
                    }
                }
            }
        }
    }
    assert!(probes > 150, "{probes}");
}
