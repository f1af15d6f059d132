//! Every link type and encapsulation the classifier reads, and truncation at every length.

use swyx_classify::{
    classify, classify_ip, classify_link, Component, Evidence, Label, LinkType, Reason, Transport,
};
use swyx_testkit::{payload, Addresses, FrameSpec};

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
