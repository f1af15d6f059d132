//! Properties over generated input: no panic on arbitrary bytes, truncation keeps port-only
//! labels, swapping ports keeps the label, run-time tables agree with a scan of the rows, and
//! header decoding agrees with etherparse.

use proptest::prelude::*;
use swyx_classify::{
    classify, classify_ip, classify_link, classify_reference, Candidate, Classifier, Evidence,
    LinkType, Matrix, OwnedPortTable, Packet, Side, Transport,
};
use swyx_testkit::frame::{self, Gre, GrePayload};
use swyx_testkit::{payload, Addresses, Encapsulation, FrameSpec};

const LINKS: [LinkType; 8] = LinkType::ALL;

/// Ports of the matrix and their neighbours, so generated packets hit rows often.
const INTERESTING: &[u16] = &[
    9, 21, 53, 123, 443, 712, 1300, 1720, 1721, 2000, 2047, 2048, 3072, 4000, 4060, 4061, 5000,
    5005, 5009, 5010, 5012, 5020, 5021, 5060, 5061, 5062, 5064, 5070, 5080, 5081, 5170, 6000, 6240,
    6290, 8000, 8085, 9093, 9094, 9095, 16384, 18443, 19455, 32767, 32768, 49151, 50000, 50004,
    50044, 50999, 51000, 51499, 52000, 52499, 53248, 55000, 56000, 57000, 57343, 60000, 60100,
    61000, 65001, 65002, 65007, 65009, 65010, 65535,
];

fn port() -> impl Strategy<Value = u16> {
    prop_oneof![3 => prop::sample::select(INTERESTING), 1 => any::<u16>()]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![]),
        Just(payload::sip_invite()),
        Just(payload::sip_ok()),
        Just(b"\r\n\r\n".to_vec()),
        any::<(u16, u32)>().prop_map(|(s, t)| payload::rtp(s, t)),
        Just(payload::rtcp_sender_report()),
        any::<u16>().prop_map(payload::udptl),
        any::<u16>().prop_map(payload::udptl_indicator),
        Just(payload::h225_setup()),
        Just(payload::ldap_search()),
        Just(payload::ntp_client()),
        Just(payload::ftp_user()),
        Just(payload::ftp_welcome()),
        Just(payload::tls_client_hello()),
        Just(payload::http_get()),
        Just(payload::dns_query()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn outer_addresses() -> impl Strategy<Value = Addresses> {
    prop_oneof![
        Just(Addresses::V4([192, 0, 2, 1], [192, 0, 2, 2])),
        Just(Addresses::V4([198, 51, 100, 7], [203, 0, 113, 9])),
        Just(
            FrameSpec::udp([192, 0, 2, 1], [192, 0, 2, 2], 0, 0, vec![])
                .into_ipv6()
                .addresses
        ),
    ]
}

fn gre_payload() -> impl Strategy<Value = GrePayload> {
    prop_oneof![
        Just(GrePayload::Ip),
        Just(GrePayload::Ethernet),
        Just(GrePayload::ErspanI),
        Just(GrePayload::ErspanII),
        any::<bool>().prop_map(|platform| GrePayload::ErspanIII { platform }),
    ]
}

fn encapsulation() -> impl Strategy<Value = Encapsulation> {
    prop_oneof![
        any::<u16>().prop_map(Encapsulation::Pppoe),
        prop::collection::vec(0u32..0x10_0000, 1..4).prop_map(Encapsulation::Mpls),
        (
            outer_addresses(),
            any::<bool>(),
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
            gre_payload()
        )
            .prop_map(
                |(outer, checksum, key, sequence, payload)| Encapsulation::Gre(Gre {
                    outer,
                    checksum,
                    key,
                    sequence,
                    payload
                })
            ),
        (outer_addresses(), any::<u16>(), 0u32..0x100_0000).prop_map(|(outer, src_port, vni)| {
            Encapsulation::Vxlan {
                outer,
                src_port,
                vni,
            }
        }),
    ]
}

/// `list` with what cannot nest dropped: PPPoE and MPLS inside what carries only IP, tunnels
/// beyond the decoder's two levels.
fn nestable(list: Vec<Encapsulation>) -> Vec<Encapsulation> {
    let carries_only_ip = |e: &Encapsulation| match e {
        Encapsulation::Pppoe(_) | Encapsulation::Mpls(_) => true,
        Encapsulation::Gre(gre) => gre.payload == GrePayload::Ip,
        Encapsulation::Vxlan { .. } => false,
    };
    let mut out: Vec<Encapsulation> = Vec::new();
    let mut tunnels = 0;
    for e in list {
        let tunnel = matches!(e, Encapsulation::Gre(_) | Encapsulation::Vxlan { .. });
        if (tunnel && tunnels == 2) || (!tunnel && out.last().is_some_and(carries_only_ip)) {
            continue;
        }
        tunnels += usize::from(tunnel);
        out.push(e);
    }
    out
}

fn encapsulations() -> impl Strategy<Value = Vec<Encapsulation>> {
    prop_oneof![
        Just(vec![]),
        prop::collection::vec(encapsulation(), 1..4).prop_map(nestable),
    ]
}

prop_compose! {
    fn frame_spec()(
        udp in any::<bool>(),
        src in port(),
        dst in port(),
        body in body(),
        v6 in any::<bool>(),
        vlans in prop::collection::vec((prop::sample::select(vec![0x8100u16, 0x88a8]), 0u16..4096), 0..3),
        encapsulations in encapsulations(),
    ) -> FrameSpec {
        let transport = if udp { Transport::Udp } else { Transport::Tcp };
        let mut spec = FrameSpec::new(swyx_testkit::Addresses::V4([10, 0, 0, 1], [10, 0, 0, 2]), transport, src, dst, body);
        spec.vlans = vlans;
        spec.encapsulations = encapsulations;
        if v6 { spec.into_ipv6() } else { spec }
    }
}

/// `LINKS[index]`, or Ethernet when that link type cannot carry the spec's outermost
/// encapsulation (PPPoE and MPLS need an EtherType).
fn link_for(spec: &FrameSpec, index: usize) -> LinkType {
    if spec.fits_link(LINKS[index]) {
        LINKS[index]
    } else {
        LinkType::Ethernet
    }
}

/// The best counting candidate of one side.
fn best(candidates: &[Candidate], side: Side) -> Option<Candidate> {
    candidates
        .iter()
        .filter(|c| c.side == side && c.counts())
        .min_by_key(|c| c.rank())
        .copied()
}

/// A candidate's rank without its side and matrix order: what a side tie compares.
fn tie_key(c: &Candidate) -> u64 {
    swyx_matrix::layout::Rank(c.rank()).key_part()
}

#[test]
fn stacked_rows_overflow_the_lanes() {
    // Six rows on one port with unrelated labels: none dominates another.
    let mut text = String::from("matrix stacked\ncomponent swyx_server\n");
    for (i, labels) in ["sip", "rtp", "t38", "ldap", "ntp", "ftp"]
        .iter()
        .enumerate()
    {
        text.push_str(&format!(
            "row R | P | {labels} | udp | 7000-{} | |\n",
            7000 + i
        ));
    }
    let table = OwnedPortTable::build(&Matrix::parse(&text).unwrap()).unwrap();
    assert_eq!(table.table().max_decisive(), 6);
    assert!(!table.table().lanes_hold_all());
    assert!(swyx_classify::SWYXWARE_2013_TABLE.lanes_hold_all());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), link in 0..LINKS.len()) {
        let classifier = Classifier::swyxware_2013();
        let result = classifier.classify_link(LINKS[link], &bytes);
        let _ = classifier.candidates(&result).count();
        let _ = classify(&bytes);
        let _ = classify_ip(&bytes);
    }

    #[test]
    fn mutated_frames_never_panic(spec in frame_spec(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), link in 0..LINKS.len()) {
        let link = link_for(&spec, link);
        let mut frame = spec.link(link);
        for (at, byte) in flips {
            let i = at.index(frame.len());
            frame[i] = byte;
        }
        let classifier = Classifier::swyxware_2013();
        let result = classifier.classify_link(link, &frame);
        let _ = classifier.candidates(&result).count();
        let _ = swyx_classify::fragment_of(link, &frame);
        if let Some(d) = result.decision() {
            let p = result.packet.unwrap();
            prop_assert!(d.range.contains(d.port));
            prop_assert_eq!(d.port, if d.side == Side::Destination { p.dst_port } else { p.src_port });
        }
    }

    #[test]
    fn truncating_a_frame_never_changes_a_port_only_label(spec in frame_spec(), cut in any::<prop::sample::Index>(), link in 0..LINKS.len()) {
        let link = link_for(&spec, link);
        let frame = spec.link(link);
        let full = classify_link(link, &frame);
        let ports_end = frame.len() - spec.transport_bytes().len() + 4;
        let cut = ports_end + cut.index(frame.len() - ports_end + 1);
        let truncated = classify_link(link, &frame[..cut]);
        prop_assert!(truncated.packet.is_some() || link == LinkType::Ipv4 || link == LinkType::Ipv6);
        if full.evidence() == Some(Evidence::PortOnly) {
            prop_assert_eq!(truncated.label(), full.label());
        }
    }

    #[test]
    fn swapping_source_and_destination_keeps_the_label(spec in frame_spec()) {
        let frame = spec.ethernet();
        let classifier = Classifier::swyxware_2013();
        let forward = classifier.classify(&frame);
        let packet = forward.packet.unwrap();
        let backward = classifier.classify_packet(&packet.swapped());
        if forward.label() != backward.label() {
            // Only a tie between the best rows of the two ports, broken by the destination side.
            let candidates: Vec<Candidate> = classifier.candidates(&forward).collect();
            let (dst, src) = (best(&candidates, Side::Destination), best(&candidates, Side::Source));
            let (dst, src) = (dst.expect("labelled both ways"), src.expect("labelled both ways"));
            prop_assert_eq!(tie_key(&dst), tie_key(&src));
            prop_assert_ne!(dst.label, src.label);
            prop_assert_eq!(forward.label(), dst.label);
            prop_assert_eq!(backward.label(), src.label);
        } else {
            prop_assert_eq!(forward.reason(), backward.reason());
        }
    }

    #[test]
    fn run_time_tables_agree_with_a_scan_of_the_rows(
        first in 1000i64..60000, width in 0i64..3000, channels in 1i64..60, media in 1i64..60,
        packets in prop::collection::vec((any::<bool>(), port(), port(), body()), 1..20),
    ) {
        let matrix = Matrix::parse_with(Matrix::SWYXWARE_2013, &[
            ("RTPFirstPort", first), ("RTPLastPort", (first + width).min(65535)),
            ("swyx_connect_6xxx.Channels", channels), ("media_pack.Channels", media),
        ]).unwrap();
        let table = OwnedPortTable::build(&matrix).unwrap();
        let classifier = Classifier::new(table.table());
        for (udp, src_port, dst_port, body) in &packets {
            let transport = if *udp { Transport::Udp } else { Transport::Tcp };
            let packet = Packet::new(transport, *src_port, *dst_port, body);
            prop_assert_eq!(classifier.classify_packet(&packet), classify_reference(&matrix, &packet));
        }
    }

    #[test]
    fn tables_with_more_decisive_entries_than_lanes_agree_with_a_scan_of_the_rows(
        rows in prop::collection::vec(
            (prop::sample::select(vec!["sip", "rtp", "t38", "h323", "ldap", "ntp", "ftp", "-", "sip+rtp", "t38+sip"]),
             prop::sample::select(vec!["udp", "tcp", "udp+tcp"]), any::<bool>(), any::<bool>(), 0u16..40, 0u16..3000),
            5..12),
        packets in prop::collection::vec((any::<bool>(), 6990u16..7010, port(), body()), 1..20),
    ) {
        // Rows stacked on port 7000 with unrelated labels: more decisive entries per port than
        // the lanes hold (the six fixed rows alone are), so the classifier scans the hot
        // entries instead.
        let mut text = String::from("matrix stacked\ncomponent swyx_server\n");
        for labels in ["sip", "rtp", "t38", "ldap", "ntp", "ftp"] {
            text.push_str(&format!("row F | P | {labels} | udp+tcp | 7000 | |\n"));
        }
        for (labels, transport, connects, tls, below, above) in &rows {
            let low = 7000 - below;
            let high = 7000u32 + u32::from(*above);
            text.push_str(&format!(
                "row R | P | {labels} | {transport} | {}{low}-{high}{} | |\n",
                if *connects { "connects " } else { "" },
                if *tls { " tls" } else { "" },
            ));
        }
        let matrix = Matrix::parse(&text).unwrap();
        let table = OwnedPortTable::build(&matrix).unwrap();
        prop_assert!(!table.table().lanes_hold_all());
        let classifier = Classifier::new(table.table());
        for (udp, near, other, body) in &packets {
            for (src_port, dst_port) in [(*near, *other), (*other, *near)] {
                let transport = if *udp { Transport::Udp } else { Transport::Tcp };
                let packet = Packet::new(transport, src_port, dst_port, body);
                prop_assert_eq!(classifier.classify_packet(&packet), classify_reference(&matrix, &packet));
            }
        }
    }

    /// etherparse 0.21 decodes Ethernet, VLAN tags (and MACsec, ARP), IPv4 and IPv6 with their
    /// extension headers, but none of PPPoE, MPLS, IP-in-IP, GRE, ERSPAN or VXLAN: it stops at
    /// their EtherType or IP protocol without a transport layer. So an encapsulated frame is
    /// compared on its inner packet: the bytes flipped are the inner IP packet's, which is
    /// then encapsulated as generated and decoded whole by the classifier, and by etherparse
    /// as a plain Ethernet frame of the same EtherType.
    #[test]
    fn header_decoding_agrees_with_etherparse(spec in frame_spec(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3)) {
        let mut frame = if spec.encapsulations.is_empty() { spec.ethernet() } else { spec.ip() };
        for (at, byte) in flips {
            let i = at.index(frame.len());
            frame[i] = byte;
        }
        let frame = if spec.encapsulations.is_empty() {
            frame
        } else {
            let (ethertype, outer) = frame::encapsulate(&spec.encapsulations, spec.ethertype(), &frame);
            let ours = frame::ethernet_frame(spec.dst_mac, spec.src_mac, &spec.vlans, ethertype, &outer);
            let ours = classify(&ours).packet.map(|p| (p.transport, p.src_port, p.dst_port, p.payload.to_vec()));
            let inner = frame::ethernet_frame(spec.dst_mac, spec.src_mac, &[], spec.ethertype(), &frame);
            let sliced = etherparse::SlicedPacket::from_ethernet(&inner);
            if let Ok(sliced) = &sliced {
                let transport = match &sliced.transport {
                    Some(etherparse::TransportSlice::Udp(udp)) => Some((Transport::Udp, udp.source_port(), udp.destination_port(), udp.payload().to_vec())),
                    Some(etherparse::TransportSlice::Tcp(tcp)) => Some((Transport::Tcp, tcp.source_port(), tcp.destination_port(), tcp.payload().to_vec())),
                    _ => None,
                };
                if let Some(transport) = transport {
                    prop_assert_eq!(ours, Some(transport));
                }
            }
            return Ok(());
        };
        let ours = classify(&frame).packet;
        let Ok(sliced) = etherparse::SlicedPacket::from_ethernet(&frame) else { return Ok(()); };
        let fragmented = match &sliced.net {
            Some(etherparse::NetSlice::Ipv4(ip)) => ip.is_payload_fragmented(),
            Some(etherparse::NetSlice::Ipv6(ip)) => ip.is_payload_fragmented(),
            _ => return Ok(()),
        };
        let (transport, src, dst, payload) = match &sliced.transport {
            Some(etherparse::TransportSlice::Udp(udp)) => (Transport::Udp, udp.source_port(), udp.destination_port(), udp.payload()),
            Some(etherparse::TransportSlice::Tcp(tcp)) => (Transport::Tcp, tcp.source_port(), tcp.destination_port(), tcp.payload()),
            _ => return Ok(()),
        };
        prop_assert!(!fragmented);
        let ours = ours.expect("etherparse found the transport layer");
        prop_assert_eq!((ours.transport, ours.src_port, ours.dst_port), (transport, src, dst));
        prop_assert_eq!(ours.payload, payload);
    }
}
