//! Every link type and encapsulation the classifier reads, and truncation at every length.

use swyx_classify::{
    classify, classify_ip, classify_link, Component, Evidence, Label, LinkType, Reason, Transport,
};
use swyx_testkit::frame::{self, Gre, GrePayload, DEFAULT_DST_MAC, DEFAULT_SRC_MAC};
use swyx_testkit::{payload, Addresses, Encapsulation, FrameSpec};

const A: [u8; 4] = [10, 1, 1, 20];
const B: [u8; 4] = [10, 1, 1, 10];

/// A spread of packets: every label on its own port, over UDP and TCP.
fn samples() -> Vec<(FrameSpec, Label)> {
    vec![
        (
            FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()),
            Label::Sip,
        ),
        (
            FrameSpec::tcp(A, B, 49500, 5060, payload::sip_ok()),
            Label::Sip,
        ),
        (
            FrameSpec::udp(A, B, 50100, 51000, payload::rtp(1, 160)),
            Label::Rtp,
        ),
        (
            FrameSpec::udp(A, B, 52010, 4000, payload::udptl(5)),
            Label::T38,
        ),
        (
            FrameSpec::tcp(A, B, 1031, 1720, payload::h225_setup()),
            Label::H323,
        ),
        (
            FrameSpec::tcp(A, B, 49712, 9094, payload::cds_request()),
            Label::Configuration,
        ),
        (
            FrameSpec::tcp(A, B, 1030, 4060, vec![1, 2, 3]),
            Label::Cornet,
        ),
        (
            FrameSpec::tcp(A, B, 1032, 18443, payload::tls_client_hello()),
            Label::Dls,
        ),
        (
            FrameSpec::tcp(A, B, 49000, 65010, vec![0; 8]),
            Label::Keepalive,
        ),
        (
            FrameSpec::udp(A, B, 49200, 712, payload::ldap_search()),
            Label::Ldap,
        ),
        (
            FrameSpec::udp(A, B, 1033, 123, payload::ntp_client()),
            Label::Ntp,
        ),
        (
            FrameSpec::tcp(A, B, 1034, 21, payload::ftp_user()),
            Label::Ftp,
        ),
    ]
}

const LINKS: [LinkType; 8] = LinkType::ALL;

#[test]
fn every_link_type_and_ip_version_gives_the_same_label() {
    for (spec, label) in samples() {
        for spec in [spec.clone(), spec.into_ipv6()] {
            let v6 = matches!(spec.addresses, Addresses::V6(..));
            for link in LINKS {
                if (link == LinkType::Ipv4 && v6) || (link == LinkType::Ipv6 && !v6) {
                    continue;
                }
                let frame = spec.link(link);
                let result = classify_link(link, &frame);
                assert_eq!(result.label(), Some(label), "{link:?} v6={v6} {spec:?}");
                let packet = result.packet.unwrap();
                assert_eq!(packet.payload, &spec.payload[..], "{link:?}");
                assert_eq!(
                    (packet.src_port, packet.dst_port),
                    (spec.src_port, spec.dst_port)
                );
                assert_eq!(packet.src_addr.len(), if v6 { 16 } else { 4 });
            }
        }
    }
}

#[test]
fn a_raw_ip_of_the_wrong_version_is_not_ip() {
    let v6 = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite())
        .into_ipv6()
        .ip();
    assert_eq!(
        classify_link(LinkType::Ipv4, &v6).reason(),
        Some(Reason::NotIp)
    );
    let v4 = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ip();
    assert_eq!(
        classify_link(LinkType::Ipv6, &v4).reason(),
        Some(Reason::NotIp)
    );
    assert_eq!(classify_ip(&[0x50; 40]).reason(), Some(Reason::NotIp));
}

#[test]
fn null_loopback_reads_either_byte_order_and_every_ipv6_family() {
    let spec = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
    let ip4 = spec.ip();
    let ip6 = spec.clone().into_ipv6().ip();
    for (family, ip) in [(2u32, &ip4), (10, &ip6), (24, &ip6), (28, &ip6), (30, &ip6)] {
        for header in [family.to_le_bytes(), family.to_be_bytes()] {
            let frame = [&header[..], ip].concat();
            assert_eq!(
                classify_link(LinkType::Null, &frame).label(),
                Some(Label::Sip),
                "family {family}"
            );
        }
        let frame = [&family.to_be_bytes()[..], ip].concat();
        assert_eq!(
            classify_link(LinkType::Loop, &frame).label(),
            Some(Label::Sip),
            "loop family {family}"
        );
    }
    let frame = [&7u32.to_le_bytes()[..], &ip4].concat();
    assert_eq!(
        classify_link(LinkType::Null, &frame).reason(),
        Some(Reason::NotIp)
    );
}

#[test]
fn vlan_qinq_and_stacked_tags() {
    for tags in [
        vec![(0x8100, 100)],
        vec![(0x88a8, 10), (0x8100, 20)],
        vec![(0x8100, 10), (0x8100, 20), (0x8100, 30)],
        vec![(0x9100, 7), (0x8100, 8)],
    ] {
        let mut spec = FrameSpec::udp(A, B, 50100, 51000, payload::rtp(1, 1));
        spec.vlans = tags.clone();
        assert_eq!(
            classify(&spec.ethernet()).label(),
            Some(Label::Rtp),
            "{tags:?}"
        );
        assert_eq!(
            classify(&spec.clone().into_ipv6().ethernet()).label(),
            Some(Label::Rtp),
            "{tags:?}"
        );
    }
    let mut spec = FrameSpec::udp(A, B, 50100, 51000, payload::rtp(1, 1));
    spec.vlans = vec![(0x8100, 1); 9];
    assert_eq!(
        classify(&spec.ethernet()).reason(),
        Some(Reason::NotIp),
        "more tags than any network stacks"
    );
}

#[test]
fn ipv4_options_are_skipped() {
    let mut spec = FrameSpec::tcp(A, B, 1031, 1720, payload::h225_setup());
    spec.ipv4_options = vec![0x94, 0x04, 0x00, 0x00, 0x07, 0x0b, 0x04, 10, 1, 1, 1, 0, 0];
    let frame = spec.ethernet();
    assert_eq!(frame[14] & 0x0f, 9);
    let result = classify(&frame);
    assert_eq!(
        (result.label(), result.evidence()),
        (Some(Label::H323), Some(Evidence::Confirmed))
    );
}

#[test]
fn ipv6_extension_headers_are_followed() {
    let mut spec = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).into_ipv6();
    spec.ipv6_extensions = vec![
        (0, vec![1, 4, 0, 0, 0, 0]),
        (60, vec![1, 4, 0, 0, 0, 0]),
        (43, vec![0, 0, 0, 0, 0, 0]),
    ];
    assert_eq!(classify(&spec.ethernet()).label(), Some(Label::Sip));
    // A first fragment (offset 0, more fragments): ports and the start of the datagram.
    let mut first = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).into_ipv6();
    first.ipv6_extensions = vec![(44, vec![0x00, 0x01, 0, 0, 0, 42])];
    let frame = first.ethernet();
    let result = classify(&frame);
    assert_eq!(
        (result.label(), result.evidence()),
        (Some(Label::Sip), Some(Evidence::Confirmed))
    );
    let mut later = first.clone();
    later.ipv6_extensions = vec![(44, vec![0x05, 0x01, 0, 0, 0, 42])];
    assert_eq!(
        classify(&later.ethernet()).reason(),
        Some(Reason::NonFirstFragment)
    );
    let mut auth = FrameSpec::tcp(A, B, 1031, 1720, payload::h225_setup()).into_ipv6();
    auth.ipv6_extensions = vec![(60, vec![0; 6])];
    assert_eq!(classify(&auth.ethernet()).label(), Some(Label::H323));
}

#[test]
fn ipv4_first_fragment_is_classified_and_never_contradicts() {
    // The first fragment of a 1,600-byte RTP datagram to 5060: the UDP length says 1,608, the
    // fragment holds part of it; RTP is confirmed on the prefix.
    let mut body = payload::rtp(9, 9);
    body.resize(1600, 0xd5);
    let mut spec = FrameSpec::udp(A, B, 40000, 5060, body);
    let full = spec.ip();
    spec.ipv4_fragment = 0x2000;
    let mut fragment = spec.ip();
    fragment.truncate(20 + 1480);
    fragment[2..4].copy_from_slice(&1500u16.to_be_bytes());
    let result = classify_ip(&fragment);
    assert_eq!(result.label(), Some(Label::Rtp));
    assert_eq!(result.packet.unwrap().payload_len, 1600);
    assert!(result.packet.unwrap().is_truncated());
    assert_eq!(classify_ip(&full).label(), Some(Label::Rtp));
    // A non-RTP, non-SIP prefix of a fragmented datagram is port-only, not contradicted.
    let mut noise = FrameSpec::udp(A, B, 40000, 5060, payload::noise(1600, 3));
    noise.ipv4_fragment = 0x2000;
    let mut fragment = noise.ip();
    fragment.truncate(20 + 1480);
    fragment[2..4].copy_from_slice(&1500u16.to_be_bytes());
    let result = classify_ip(&fragment);
    assert_eq!(
        (result.label(), result.evidence()),
        (Some(Label::Sip), Some(Evidence::PortOnly))
    );
}

#[test]
fn ethernet_padding_is_not_payload() {
    let spec = FrameSpec::tcp(A, B, 1030, 4060, vec![]);
    let mut frame = spec.ethernet();
    frame.resize(60, 0xee);
    let result = classify(&frame);
    assert_eq!(result.payload(), &[] as &[u8]);
    assert_eq!(result.label(), Some(Label::Cornet));
    let spec = FrameSpec::udp(A, B, 1033, 123, b"xy".to_vec());
    let mut frame = spec.ethernet();
    frame.resize(60, 0);
    assert_eq!(classify(&frame).payload(), b"xy");
}

#[test]
fn ip_in_ip_is_decapsulated() {
    let inner = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
    let mut outer = FrameSpec::udp([192, 0, 2, 1], [192, 0, 2, 2], 0, 0, vec![]).ip();
    outer.truncate(20);
    outer[9] = 4;
    let set_total = |outer: &mut Vec<u8>, inner_len: usize| {
        outer[2..4].copy_from_slice(&((20 + inner_len) as u16).to_be_bytes())
    };
    set_total(&mut outer, inner.ip().len());
    let packet = [outer.clone(), inner.ip()].concat();
    let result = classify_ip(&packet);
    assert_eq!(result.label(), Some(Label::Sip));
    assert_eq!(result.packet.unwrap().src_addr, &A);
    outer[9] = 41;
    let inner6 = inner.into_ipv6().ip();
    set_total(&mut outer, inner6.len());
    let packet = [outer, inner6].concat();
    assert_eq!(classify_ip(&packet).label(), Some(Label::Sip));
}

#[test]
fn tunnels_are_followed_two_levels_deep_not_three() {
    let inner = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ip();
    // Wraps `packet` in an IPv4 header of protocol 4 (IP-in-IP).
    let wrap = |packet: Vec<u8>| {
        let mut outer = FrameSpec::udp([192, 0, 2, 1], [192, 0, 2, 2], 0, 0, vec![]).ip();
        outer.truncate(20);
        outer[9] = 4;
        outer[2..4].copy_from_slice(&((20 + packet.len()) as u16).to_be_bytes());
        [outer, packet].concat()
    };
    let twice = wrap(wrap(inner));
    assert_eq!(classify_ip(&twice).label(), Some(Label::Sip));
    let thrice = wrap(twice);
    assert_eq!(classify_ip(&thrice).reason(), Some(Reason::NotTcpUdp));
    // Behind Ethernet and a VLAN tag, the same.
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x0a, 0x08, 0x00]);
    frame.extend_from_slice(&wrap(wrap(
        FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ip(),
    )));
    assert_eq!(classify(&frame).label(), Some(Label::Sip));
}

#[test]
fn segmentation_offload_lengths_of_zero_trust_the_capture() {
    let spec = FrameSpec::tcp(A, B, 1031, 1720, payload::h225_setup());
    let mut ip = spec.ip();
    ip[2..4].copy_from_slice(&[0, 0]);
    assert_eq!(classify_ip(&ip).evidence(), Some(Evidence::Confirmed));
}

/// The offset of the transport header in `frame` (for frames built by `FrameSpec`).
fn ports_end(spec: &FrameSpec, link: LinkType) -> usize {
    let frame = spec.link(link);
    let transport = spec.transport_bytes();
    frame.len() - transport.len() + 4
}

#[test]
fn truncation_at_every_length() {
    for (spec, _) in samples() {
        for spec in [spec.clone(), spec.into_ipv6()] {
            for link in [LinkType::Ethernet, LinkType::RawIp, LinkType::LinuxSll2] {
                let frame = spec.link(link);
                let full = classify_link(link, &frame);
                let ports = ports_end(&spec, link);
                for cut in 0..frame.len() {
                    let result = classify_link(link, &frame[..cut]);
                    if cut < ports {
                        assert_eq!(
                            result.reason(),
                            Some(Reason::Truncated),
                            "{link:?} cut {cut} of {}",
                            frame.len()
                        );
                        continue;
                    }
                    let packet = result.packet.expect("ports survive");
                    assert_eq!(
                        (packet.src_port, packet.dst_port),
                        (spec.src_port, spec.dst_port)
                    );
                    assert!(packet.payload.len() <= spec.payload.len());
                    if full.evidence() == Some(Evidence::PortOnly) {
                        assert_eq!(result.label(), full.label(), "{link:?} cut {cut}");
                    }
                    // A payload cut short never contradicts: the packet keeps a label whenever
                    // a narrow row covers one of its ports.
                    if packet.is_truncated() {
                        assert_ne!(
                            result.reason(),
                            Some(Reason::PayloadContradicts),
                            "{link:?} cut {cut}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_sip_request_cut_after_its_first_line_is_still_confirmed() {
    let spec = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
    let frame = spec.ethernet();
    let header = frame.len() - spec.payload.len();
    let first_line = spec.payload.iter().position(|&b| b == b'\n').unwrap() + 1;
    let result = classify(&frame[..header + first_line]);
    assert_eq!(
        (result.label(), result.component(), result.evidence()),
        (
            Some(Label::Sip),
            Some(Component::SwyxServer),
            Some(Evidence::Confirmed)
        )
    );
    let result = classify(&frame[..header + first_line - 2]);
    assert_eq!(
        (result.label(), result.evidence()),
        (Some(Label::Sip), Some(Evidence::PortOnly))
    );
}

#[test]
fn tcp_header_cut_keeps_the_ports() {
    let spec = FrameSpec::tcp(A, B, 1031, 1720, payload::h225_setup());
    let frame = spec.ethernet();
    let result = classify(&frame[..14 + 20 + 10]);
    assert_eq!(result.transport(), Some(Transport::Tcp));
    assert_eq!(
        (result.label(), result.evidence()),
        (Some(Label::H323), Some(Evidence::PortOnly))
    );
}

#[test]
fn offload_frames_cut_short_keep_their_port_only_label() {
    // Found by fuzzing: IPv4 total length 0 (segmentation offload), TCP 5060 -> 4060, payload
    // "\r\n\r\nX". Cut by one byte, the payload read as a whole SIP keep-alive.
    let spec = FrameSpec::tcp(A, B, 5060, 4060, b"\r\n\r\nX".to_vec());
    let mut frame = spec.ethernet();
    frame[14 + 2..14 + 4].copy_from_slice(&[0, 0]);
    let full = classify(&frame);
    assert_eq!(
        (full.label(), full.evidence()),
        (Some(Label::Cornet), Some(Evidence::PortOnly))
    );
    let cut = classify(&frame[..frame.len() - 1]);
    assert_eq!(
        (cut.label(), cut.evidence()),
        (Some(Label::Cornet), Some(Evidence::PortOnly))
    );
    assert!(
        cut.packet.unwrap().is_truncated(),
        "the wire length of an offload frame is unknown"
    );
    // The same with an IPv6 payload length of 0.
    let mut v6 = spec.into_ipv6().ethernet();
    v6[14 + 4..14 + 6].copy_from_slice(&[0, 0]);
    let cut = classify(&v6[..v6.len() - 1]);
    assert_eq!(
        (cut.label(), cut.evidence()),
        (Some(Label::Cornet), Some(Evidence::PortOnly))
    );
}

/// The outer addresses of the tunnels below.
const OUTER_V4: Addresses = Addresses::V4([192, 0, 2, 1], [192, 0, 2, 2]);
const OUTER_V6: Addresses = Addresses::V6(
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
);

fn gre(outer: Addresses, payload: GrePayload) -> Encapsulation {
    Encapsulation::Gre(Gre::new(outer, payload))
}

fn vxlan(outer: Addresses) -> Encapsulation {
    Encapsulation::Vxlan {
        outer,
        src_port: 49152,
        vni: 0x12_3456,
    }
}

/// Every encapsulation the decoder reads, alone and nested (outermost first).
fn encapsulations() -> Vec<(&'static str, Vec<Encapsulation>)> {
    let keyed = |outer, key, sequence, checksum| {
        Encapsulation::Gre(Gre {
            key,
            sequence,
            checksum,
            ..Gre::new(outer, GrePayload::Ip)
        })
    };
    vec![
        ("pppoe", vec![Encapsulation::Pppoe(0x3d6d)]),
        ("mpls-one-label", vec![Encapsulation::Mpls(vec![16])]),
        (
            "mpls-three-labels",
            vec![Encapsulation::Mpls(vec![100, 200, 0xf_ffff])],
        ),
        ("gre-ipv4", vec![gre(OUTER_V4, GrePayload::Ip)]),
        ("gre-ipv6", vec![gre(OUTER_V6, GrePayload::Ip)]),
        ("gre-key", vec![keyed(OUTER_V4, Some(7), None, false)]),
        ("gre-sequence", vec![keyed(OUTER_V6, None, Some(9), false)]),
        (
            "gre-checksum-key-sequence",
            vec![keyed(OUTER_V4, Some(7), Some(9), true)],
        ),
        ("gre-ethernet", vec![gre(OUTER_V4, GrePayload::Ethernet)]),
        ("erspan-1", vec![gre(OUTER_V4, GrePayload::ErspanI)]),
        ("erspan-2", vec![gre(OUTER_V4, GrePayload::ErspanII)]),
        (
            "erspan-3",
            vec![gre(OUTER_V6, GrePayload::ErspanIII { platform: false })],
        ),
        (
            "erspan-3-platform",
            vec![gre(OUTER_V4, GrePayload::ErspanIII { platform: true })],
        ),
        ("vxlan-ipv4", vec![vxlan(OUTER_V4)]),
        ("vxlan-ipv6", vec![vxlan(OUTER_V6)]),
        (
            "pppoe-gre",
            vec![Encapsulation::Pppoe(1), gre(OUTER_V4, GrePayload::Ip)],
        ),
        (
            "mpls-gre-ethernet-pppoe",
            vec![
                Encapsulation::Mpls(vec![30]),
                gre(OUTER_V4, GrePayload::Ethernet),
                Encapsulation::Pppoe(2),
            ],
        ),
        (
            "erspan-2-vxlan",
            vec![gre(OUTER_V4, GrePayload::ErspanII), vxlan(OUTER_V4)],
        ),
        (
            "vxlan-mpls",
            vec![vxlan(OUTER_V6), Encapsulation::Mpls(vec![5, 6])],
        ),
    ]
}

fn encapsulated(spec: &FrameSpec, encapsulations: &[Encapsulation]) -> FrameSpec {
    let mut spec = spec.clone();
    spec.encapsulations = encapsulations.to_vec();
    spec
}

#[test]
fn every_encapsulation_gives_the_inner_packet_and_its_label() {
    for (name, encapsulations) in encapsulations() {
        for (spec, label) in samples() {
            for spec in [spec.clone(), spec.into_ipv6()] {
                let spec = encapsulated(&spec, &encapsulations);
                let frame = spec.ethernet();
                let result = classify(&frame);
                assert_eq!(result.label(), Some(label), "{name} {spec:?}");
                let packet = result.packet.unwrap();
                assert_eq!(packet.payload, &spec.payload[..], "{name}");
                assert_eq!(
                    (packet.transport, packet.src_port, packet.dst_port),
                    (spec.transport, spec.src_port, spec.dst_port),
                    "{name}"
                );
                let (src, dst): (&[u8], &[u8]) = match &spec.addresses {
                    Addresses::V4(src, dst) => (src, dst),
                    Addresses::V6(src, dst) => (src, dst),
                };
                assert_eq!((packet.src_addr, packet.dst_addr), (src, dst), "{name}");
                assert!(!packet.is_truncated(), "{name}");
                // Linux cooked captures announce the outermost EtherType too.
                for link in [LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::RawIp] {
                    if spec.fits_link(link) {
                        let linked = spec.link(link);
                        let linked = classify_link(link, &linked);
                        assert_eq!(linked.packet, Some(packet), "{name} {link:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn pppoe_after_qinq_tags_is_decoded() {
    // As in nDPI's discord_mid_flow.pcap: two 802.1Q tags, then a PPPoE session.
    let mut spec = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
    spec.vlans = vec![(0x8100, 757), (0x8100, 1)];
    spec.encapsulations = vec![Encapsulation::Pppoe(0x3d6d)];
    let frame = spec.ethernet();
    assert_eq!(
        &frame[12..24],
        &[0x81, 0, 0x02, 0xf5, 0x81, 0, 0, 1, 0x88, 0x64, 0x11, 0]
    );
    assert_eq!(classify(&frame).label(), Some(Label::Sip));
    spec.vlans = vec![(0x88a8, 10), (0x8100, 20)];
    assert_eq!(
        classify(&spec.clone().into_ipv6().ethernet()).label(),
        Some(Label::Sip)
    );
}

#[test]
fn pppoe_that_carries_no_ip_is_not_ip() {
    let ip = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ip();
    let eth = |ethertype: u16, body: &[u8]| {
        frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], ethertype, body)
    };
    let session = frame::pppoe_session(1, frame::PPP_IPV4, &ip);
    assert_eq!(classify(&eth(0x8864, &session)).label(), Some(Label::Sip));
    // LCP, IPCP: control protocols.
    for protocol in [0xc021, 0x8021] {
        let session = frame::pppoe_session(1, protocol, &ip);
        assert_eq!(
            classify(&eth(0x8864, &session)).reason(),
            Some(Reason::NotIp),
            "{protocol:#x}"
        );
    }
    // The discovery stage, another version, another code.
    assert_eq!(
        classify(&eth(0x8863, &session)).reason(),
        Some(Reason::NotIp)
    );
    for (at, byte) in [(0, 0x21), (1, 0x09)] {
        let mut other = session.clone();
        other[at] = byte;
        assert_eq!(
            classify(&eth(0x8864, &other)).reason(),
            Some(Reason::NotIp),
            "byte {at} = {byte:#x}"
        );
    }
    // PPP says IPv6, the packet is IPv4.
    let session = frame::pppoe_session(1, frame::PPP_IPV6, &ip);
    assert_eq!(
        classify(&eth(0x8864, &session)).reason(),
        Some(Reason::NotIp)
    );
}

#[test]
fn mpls_stacks_are_followed_to_eight_labels_and_need_ip_after_them() {
    let ip = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ip();
    let ip6 = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite())
        .into_ipv6()
        .ip();
    let eth = |ethertype: u16, body: &[u8]| {
        frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], ethertype, body)
    };
    for ethertype in [0x8847, 0x8848] {
        for labels in 1..=8u32 {
            let labels: Vec<u32> = (1..=labels).collect();
            for ip in [&ip, &ip6] {
                let frame = eth(ethertype, &frame::mpls_stack(&labels, ip));
                assert_eq!(classify(&frame).label(), Some(Label::Sip), "{labels:?}");
            }
        }
    }
    let nine: Vec<u32> = (1..=9).collect();
    assert_eq!(
        classify(&eth(0x8847, &frame::mpls_stack(&nine, &ip))).reason(),
        Some(Reason::NotIp)
    );
    // A pseudowire: control word 0, then Ethernet.
    let inner = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ethernet();
    let pseudowire = [&[0u8; 4][..], &inner].concat();
    assert_eq!(
        classify(&eth(0x8847, &frame::mpls_stack(&[16], &pseudowire))).reason(),
        Some(Reason::NotIp)
    );
    // A stack without a bottom.
    let mut endless = frame::mpls_stack(&[16, 17], &[]);
    endless[6] &= !0x01;
    assert_eq!(
        classify(&eth(0x8847, &endless)).reason(),
        Some(Reason::Truncated)
    );
}

/// An Ethernet frame of IPv4 between the outer addresses, carrying `body` as `protocol`.
fn outer_ipv4(protocol: u8, body: &[u8]) -> Vec<u8> {
    let ip = frame::ipv4_packet([192, 0, 2, 1], [192, 0, 2, 2], protocol, 0, &[], body);
    frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], 0x0800, &ip)
}

#[test]
fn gre_that_is_not_followed_is_not_tcp_udp() {
    let ip = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ip();
    let plain = frame::gre_packet(0x0800, false, None, None, &ip);
    assert_eq!(classify(&outer_ipv4(47, &plain)).label(), Some(Label::Sip));
    // Version 1 (PPTP), RFC 1701 source routes, and a protocol type that is none of ours.
    let mut pptp = plain.clone();
    pptp[1] = 0x01;
    let mut routed = plain.clone();
    routed[0] |= 0x40;
    let ppp = frame::gre_packet(0x880b, false, None, None, &ip);
    for (name, gre) in [("pptp", pptp), ("routed", routed), ("ppp", ppp)] {
        assert_eq!(
            classify(&outer_ipv4(47, &gre)).reason(),
            Some(Reason::NotTcpUdp),
            "{name}"
        );
    }
    // A wrong ERSPAN version.
    let inner = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ethernet();
    let mut erspan = frame::erspan_2_header(1).to_vec();
    erspan[0] = 0x20;
    erspan.extend_from_slice(&inner);
    let gre = frame::gre_packet(0x88be, false, None, Some(1), &erspan);
    assert_eq!(
        classify(&outer_ipv4(47, &gre)).reason(),
        Some(Reason::MalformedHeader)
    );
    let mut erspan = frame::erspan_3_header(1, false);
    erspan[0] = 0x10;
    erspan.extend_from_slice(&inner);
    let gre = frame::gre_packet(0x22eb, false, None, None, &erspan);
    assert_eq!(
        classify(&outer_ipv4(47, &gre)).reason(),
        Some(Reason::MalformedHeader)
    );
    // ERSPAN type III of frame type 2: an IP packet instead of Ethernet.
    let mut erspan = frame::erspan_3_header(1, false);
    erspan[10] = 2 << 2;
    erspan.extend_from_slice(&ip);
    let gre = frame::gre_packet(0x22eb, false, None, None, &erspan);
    assert_eq!(classify(&outer_ipv4(47, &gre)).label(), Some(Label::Sip));
    // ARP bridged over GRE.
    let arp = frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], 0x0806, &[0; 28]);
    let gre = frame::gre_packet(0x6558, false, None, None, &arp);
    assert_eq!(
        classify(&outer_ipv4(47, &gre)).reason(),
        Some(Reason::NotIp)
    );
}

#[test]
fn udp_to_the_vxlan_port_that_is_not_vxlan_is_the_outer_packet() {
    let inner = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()).ethernet();
    let datagram = |payload: &[u8]| outer_ipv4(17, &frame::udp_datagram(40000, 4789, payload));
    let vxlan = [&frame::vxlan_header(5)[..], &inner].concat();
    assert_eq!(classify(&datagram(&vxlan)).label(), Some(Label::Sip));
    let mut no_vni = vxlan.clone();
    no_vni[0] = 0;
    let arp = frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], 0x0806, &[0; 28]);
    let mut wrong_version = vxlan.clone();
    wrong_version[8 + 14] = 0x65;
    for (name, payload) in [
        ("I flag clear", no_vni),
        ("ARP inside", [&frame::vxlan_header(5)[..], &arp].concat()),
        ("IPv4 EtherType, IPv6 header", wrong_version),
        ("short", vec![0x08, 0, 0, 0]),
        ("empty", vec![]),
        ("header only", frame::vxlan_header(5).to_vec()),
        ("RTP", payload::rtp(1, 1)),
    ] {
        let frame = datagram(&payload);
        let packet = classify(&frame).packet.expect(name);
        assert_eq!(
            (packet.src_port, packet.dst_port, packet.payload),
            (40000, 4789, &payload[..]),
            "{name}"
        );
        assert_eq!(packet.src_addr, &[192, 0, 2, 1], "{name}");
    }
    // VXLAN is told by the destination port; TCP to 4789 is TCP.
    let frame = datagram(&vxlan);
    let from = outer_ipv4(17, &frame::udp_datagram(4789, 40000, &vxlan));
    assert_eq!(classify(&from).packet.unwrap().src_port, 4789);
    assert_eq!(classify(&frame).packet.unwrap().dst_port, 5060);
    let mut tcp = FrameSpec::tcp([192, 0, 2, 1], [192, 0, 2, 2], 40000, 4789, vxlan.clone());
    tcp.tcp_flags = 0x18;
    assert_eq!(classify(&tcp.ethernet()).packet.unwrap().dst_port, 4789);
    // Past the VXLAN header the inner packet decides, whatever it holds: ICMP inside is not
    // TCP/UDP.
    let icmp = frame::ipv4_packet(A, B, 1, 0, &[], &[8, 0, 0, 0, 0, 0, 0, 0]);
    let icmp = frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], 0x0800, &icmp);
    let payload = [&frame::vxlan_header(5)[..], &icmp].concat();
    assert_eq!(
        classify(&datagram(&payload)).reason(),
        Some(Reason::NotTcpUdp)
    );
}

#[test]
fn tunnels_of_every_kind_count_towards_one_depth() {
    let spec = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
    let kinds = [
        gre(OUTER_V4, GrePayload::Ip),
        gre(OUTER_V6, GrePayload::Ethernet),
        gre(OUTER_V4, GrePayload::ErspanIII { platform: true }),
        vxlan(OUTER_V4),
    ];
    for outer in &kinds {
        for inner in &kinds {
            let two = encapsulated(&spec, &[outer.clone(), inner.clone()]);
            assert_eq!(classify(&two.ethernet()).label(), Some(Label::Sip));
            for innermost in &kinds {
                let three = encapsulated(&spec, &[outer.clone(), inner.clone(), innermost.clone()]);
                let frame = three.ethernet();
                let result = classify(&frame);
                match innermost {
                    // Not followed: the UDP packet to 4789 it is.
                    Encapsulation::Vxlan { .. } => {
                        assert_eq!(result.packet.unwrap().dst_port, 4789)
                    }
                    _ => assert_eq!(result.reason(), Some(Reason::NotTcpUdp)),
                }
            }
        }
    }
    // IP-in-IP counts with them.
    let ip_in_ip = frame::ipv4_packet([192, 0, 2, 9], [192, 0, 2, 10], 4, 0, &[], &spec.ip());
    for (tunnels, label) in [(1, Some(Label::Sip)), (2, None)] {
        let around = vec![gre(OUTER_V6, GrePayload::Ethernet); tunnels];
        let (ethertype, bytes) = frame::encapsulate(&around, 0x0800, &ip_in_ip);
        let frame = frame::ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], ethertype, &bytes);
        let result = classify(&frame);
        assert_eq!(result.label(), label, "IP-in-IP in {tunnels} GRE");
        if label.is_none() {
            assert_eq!(result.reason(), Some(Reason::NotTcpUdp));
        }
    }
    // PPPoE, MPLS and VLAN tags are not tunnels: they do not count.
    let mut spec = encapsulated(
        &spec,
        &[
            Encapsulation::Pppoe(1),
            gre(OUTER_V4, GrePayload::Ethernet),
            Encapsulation::Mpls(vec![1, 2]),
            vxlan(OUTER_V6),
            Encapsulation::Pppoe(3),
        ],
    );
    spec.vlans = vec![(0x88a8, 1), (0x8100, 2)];
    assert_eq!(classify(&spec.ethernet()).label(), Some(Label::Sip));
}

#[test]
fn encapsulations_cut_at_every_length_give_a_reason_or_the_outer_vxlan_packet() {
    for (name, encapsulations) in encapsulations() {
        for spec in [
            FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()),
            FrameSpec::tcp(A, B, 1031, 1720, payload::h225_setup()).into_ipv6(),
        ] {
            let spec = encapsulated(&spec, &encapsulations);
            let frame = spec.ethernet();
            let ports = ports_end(&spec, LinkType::Ethernet);
            let vxlan = encapsulations
                .iter()
                .any(|e| matches!(e, Encapsulation::Vxlan { .. }));
            for cut in 0..frame.len() {
                let result = classify(&frame[..cut]);
                if cut >= ports {
                    let packet = result.packet.expect("ports survive");
                    assert_eq!(
                        (packet.src_port, packet.dst_port),
                        (spec.src_port, spec.dst_port),
                        "{name} cut {cut}"
                    );
                    continue;
                }
                match result.packet {
                    // Cut in or before the VXLAN header or its Ethernet frame: the outer
                    // datagram, with what is left of its payload.
                    Some(packet) if vxlan => {
                        assert_eq!(packet.dst_port, 4789, "{name} cut {cut}");
                        assert!(packet.is_truncated(), "{name} cut {cut}");
                    }
                    _ => assert_eq!(
                        result.reason(),
                        Some(Reason::Truncated),
                        "{name} cut {cut} of {}",
                        frame.len()
                    ),
                }
            }
        }
    }
}

#[test]
fn hostile_encapsulations_never_panic() {
    // Every byte of every encapsulated frame set to a few values that matter to the headers
    // (flags all set, lengths of 0 and 0xff, version nibbles), and the frame still decodes
    // to a packet or a reason.
    for (name, encapsulations) in encapsulations() {
        let spec = encapsulated(
            &FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()),
            &encapsulations,
        );
        let frame = spec.ethernet();
        let header_len = frame.len() - spec.payload.len();
        for at in 0..header_len {
            for byte in [0x00, 0x01, 0x08, 0x10, 0x40, 0x45, 0x60, 0xff] {
                let mut hostile = frame.clone();
                hostile[at] = byte;
                let result = classify(&hostile);
                if let Some(packet) = result.packet {
                    assert!(packet.payload.len() <= hostile.len(), "{name} {at}");
                } else {
                    assert!(result.reason().is_some(), "{name} {at}");
                }
                let _ = swyx_classify::fragment_of(LinkType::Ethernet, &hostile);
            }
        }
    }
}

#[test]
fn fragments_are_named_through_encapsulations() {
    // A first fragment of a SIP datagram, behind each encapsulation: fragment_of names the
    // inner datagram, classify the inner ports.
    for (name, encapsulations) in encapsulations() {
        let mut spec = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
        spec.ipv4_fragment = 0x2000;
        let spec = encapsulated(&spec, &encapsulations);
        let frame = spec.ethernet();
        let fragment = swyx_classify::fragment_of(LinkType::Ethernet, &frame).expect(name);
        assert_eq!(
            (fragment.src_addr, fragment.dst_addr, fragment.protocol),
            (&A[..], &B[..], 17),
            "{name}"
        );
        assert!(fragment.is_first() && fragment.more, "{name}");
        assert_eq!(classify(&frame).packet.unwrap().dst_port, 5060, "{name}");
        // A later fragment: no ports, but its datagram is named.
        let mut later = FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite());
        later.ipv4_fragment = 185;
        let later = encapsulated(&later, &encapsulations);
        let frame = later.ethernet();
        assert_eq!(
            classify(&frame).reason(),
            Some(Reason::NonFirstFragment),
            "{name}"
        );
        let fragment = swyx_classify::fragment_of(LinkType::Ethernet, &frame).expect(name);
        assert_eq!(
            (fragment.offset, fragment.src_addr),
            (1480, &A[..]),
            "{name}"
        );
        // A whole datagram is no fragment.
        let whole = encapsulated(
            &FrameSpec::udp(A, B, 5070, 5060, payload::sip_invite()),
            &encapsulations,
        );
        assert_eq!(
            swyx_classify::fragment_of(LinkType::Ethernet, &whole.ethernet()),
            None,
            "{name}"
        );
    }
}
