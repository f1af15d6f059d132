//! Flows that other flows' signalling announced: SDP media, FTP data connections.

use swyx_classify::{classify, Classifier, Component, Label, Reason};
use swyx_flow::{Config, DecidedBy, FlowEvidence, FlowReason, Tracker};
use swyx_testkit::{payload, Collect, FrameSpec};

const SWYX_SERVER: [u8; 4] = [10, 1, 1, 10];
const SWYX_IT: [u8; 4] = [10, 1, 1, 20];
const GATE: [u8; 4] = [10, 1, 1, 11];
const FAX: [u8; 4] = [10, 1, 1, 12];

fn track(frames: &[Vec<u8>]) -> Collect {
    Collect::track(Config::default(), frames, 20_000_000)
}

fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, body: Vec<u8>) -> Vec<u8> {
    FrameSpec::udp(src, dst, sport, dport, body).ethernet()
}

/// A SIP message of `call_id` with an SDP body announcing `media` lines on `addr`.
fn sip_with_sdp(start: &str, call_id: &str, cseq: &str, addr: [u8; 4], media: &[&str]) -> Vec<u8> {
    let ip = format!("{}.{}.{}.{}", addr[0], addr[1], addr[2], addr[3]);
    let mut body = format!("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n");
    for m in media {
        body.push_str(m);
        body.push_str("\r\n");
    }
    format!(
        "{start}\r\nVia: SIP/2.0/UDP {ip}:5060;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=1\r\n\
         To: <sip:b@x>\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The SwyxServer's INVITE to SwyxGate (UDP 5060) in dialog `call_id`, offering `media`.
fn fax_offer(call_id: &str, cseq: &str, media: &str) -> Vec<u8> {
    let start = "INVITE sip:fax@10.1.1.11 SIP/2.0";
    udp(
        SWYX_SERVER,
        GATE,
        5060,
        5060,
        sip_with_sdp(start, call_id, cseq, SWYX_SERVER, &[media]),
    )
}

fn sip_without_body(start: &str, call_id: &str, cseq: &str) -> Vec<u8> {
    format!(
        "{start}\r\nVia: SIP/2.0/UDP 10.1.1.10:5060;branch=z9hG4bK2\r\nFrom: <sip:a@x>;tag=1\r\n\
         To: <sip:b@x>\r\nCall-ID: {call_id}\r\nCSeq: {cseq}\r\nContent-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn t38_that_sdp_announced_on_broad_rows_is_signalled_t38() {
    // The SwyxServer offers T.38 on 30000 (SwyxDect 800's RTP range: no row has T.38 there).
    let mut frames = vec![fax_offer("fax-1", "2 INVITE", "m=image 30000 udptl t38")];
    for seq in 0..20 {
        frames.push(udp(GATE, SWYX_SERVER, 20000, 30000, payload::udptl(seq)));
    }
    // Alone, UDPTL there is no SwyxWare label.
    assert_eq!(
        classify(&frames[1]).reason(),
        Some(Reason::BroadRowWithoutEvidence)
    );
    let out = track(&frames);
    for packet in &out.packets[1..] {
        let labelled = packet.verdict.labelled().expect("labelled");
        assert_eq!(
            (
                labelled.label,
                labelled.component,
                labelled.evidence,
                labelled.decided_by
            ),
            (
                Label::T38,
                Component::SwyxServer,
                FlowEvidence::Signalled,
                DecidedBy::Signalling
            )
        );
    }
    let fax = out
        .flows
        .iter()
        .find(|f| f.verdict.label() == Some(Label::T38))
        .expect("row");
    assert_eq!(fax.announced_by, out.packets[0].flow);
    assert_eq!(
        fax.call_id.map(|c| c.as_bytes().to_vec()),
        Some(b"fax-1".to_vec())
    );
}

#[test]
fn an_announced_port_whose_packets_are_rtp_carries_rtp() {
    // T.38 offered on 30000, declined; the media there stays G.711 RTP.
    let mut frames = vec![fax_offer("fax-2", "3 INVITE", "m=image 30000 udptl t38")];
    for seq in 0..20 {
        frames.push(udp(
            GATE,
            SWYX_SERVER,
            40000,
            30000,
            payload::rtp(seq, u32::from(seq) * 160),
        ));
    }
    let out = track(&frames);
    assert!(out.packets[1..]
        .iter()
        .all(|p| p.verdict.label() == Some(Label::Rtp)));
    assert_eq!(
        out.packets[1].verdict.labelled().map(|l| l.evidence),
        Some(FlowEvidence::Signalled)
    );
}

#[test]
fn a_port_announced_for_media_whose_packets_are_neither_is_not_labelled() {
    let mut frames = vec![fax_offer("fax-3", "1 INVITE", "m=audio 30000 RTP/AVP 8")];
    frames.push(udp(GATE, SWYX_SERVER, 20000, 30000, payload::dns_query()));
    let out = track(&frames);
    assert_eq!(out.packets[1].verdict.label(), None);
}

#[test]
fn bye_ends_the_dialogs_announcements() {
    let mut frames = vec![
        fax_offer("fax-4", "1 INVITE", "m=image 30000 udptl t38"),
        udp(
            GATE,
            SWYX_SERVER,
            5060,
            5060,
            sip_without_body("BYE sip:x@10.1.1.10 SIP/2.0", "fax-4", "2 BYE"),
        ),
    ];
    for seq in 0..5 {
        frames.push(udp(GATE, SWYX_SERVER, 20000, 30000, payload::udptl(seq)));
    }
    let out = track(&frames);
    assert!(out.packets[2..].iter().all(|p| p.verdict.label().is_none()));
}

#[test]
fn a_later_offer_of_the_same_side_replaces_the_earlier() {
    let mut frames = vec![
        fax_offer("fax-5", "1 INVITE", "m=image 30000 udptl t38"),
        // The re-INVITE moves the fax to 30002.
        fax_offer("fax-5", "2 INVITE", "m=image 30002 udptl t38"),
    ];
    for seq in 0..4 {
        frames.push(udp(GATE, SWYX_SERVER, 20000, 30000, payload::udptl(seq)));
        frames.push(udp(GATE, SWYX_SERVER, 20002, 30002, payload::udptl(seq)));
    }
    let out = track(&frames);
    for packet in &out.packets[2..] {
        let to_new = packet.addressing().expect("UDP").dst.port == 30002;
        assert_eq!(
            packet.verdict.label() == Some(Label::T38),
            to_new,
            "{packet:?}"
        );
    }
}

#[test]
fn a_site_with_moved_rtp_ports_gets_its_components_from_its_own_sdp() {
    // SwyxIt! announces RTP on 40010 and the SwyxServer answers with 42010: both in
    // SwyxConnect 172x's broad 32768-49151 with the default matrix, where the rows alone name
    // SwyxConnect 172x.
    let mut frames = vec![
        udp(
            SWYX_IT,
            SWYX_SERVER,
            5070,
            5060,
            sip_with_sdp(
                "INVITE sip:201@10.1.1.10 SIP/2.0",
                "call-1",
                "1 INVITE",
                SWYX_IT,
                &["m=audio 40010 RTP/AVP 8"],
            ),
        ),
        udp(
            SWYX_SERVER,
            SWYX_IT,
            5060,
            5070,
            sip_with_sdp(
                "SIP/2.0 200 OK",
                "call-1",
                "1 INVITE",
                SWYX_SERVER,
                &["m=audio 42010 RTP/AVP 8"],
            ),
        ),
    ];
    let mut media = 0;
    for seq in 0..500u16 {
        frames.push(udp(
            SWYX_IT,
            SWYX_SERVER,
            40010,
            42010,
            payload::rtp(seq, u32::from(seq) * 160),
        ));
        frames.push(udp(
            SWYX_SERVER,
            SWYX_IT,
            42010,
            40010,
            payload::rtp(seq + 7, u32::from(seq) * 160),
        ));
        media += 2;
    }
    let alone = classify(&frames[2]);
    assert_eq!(alone.component(), Some(Component::SwyxConnect172x));
    // The client's SIP port 5070 is SwyxIt!'s and MobileExtensionManager's alike (identical
    // rows; matrix order names MobileExtensionManager): what the client's port attributes is
    // what its SDP gives its media. Only knowing the host (a site inventory) tells SwyxIt!.
    let client = Component::MobileExtensionManager;
    let out = track(&frames);
    let right = out.packets[2..]
        .iter()
        .filter(|p| {
            let l = p.verdict.labelled();
            l.is_some_and(|l| {
                l.label == Label::Rtp
                    && [Some(l.component), l.peer] == [Some(Component::SwyxServer), Some(client)]
            })
        })
        .count();
    assert!(
        right * 100 >= media * 98,
        "{right} of {media}: {:?}",
        out.packets[2]
    );
}

#[test]
fn a_passive_ftp_data_connection_is_ftp_of_its_control_connection() {
    let admin = [10, 1, 1, 40];
    let server = [192, 0, 2, 21];
    let tcp = |src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, flags: u8, body: &[u8]| {
        let mut spec = FrameSpec::tcp(src, dst, sport, dport, body.to_vec());
        spec.tcp_flags = flags;
        spec.ethernet()
    };
    let frames = vec![
        tcp(admin, server, 50000, 21, 0x02, b""),
        tcp(server, admin, 21, 50000, 0x12, b""),
        tcp(server, admin, 21, 50000, 0x18, b"220 ready\r\n"),
        tcp(admin, server, 50000, 21, 0x18, b"PASV\r\n"),
        tcp(
            server,
            admin,
            21,
            50000,
            0x18,
            b"227 Entering Passive Mode (192,0,2,21,195,80).\r\n",
        ),
        // The data connection to 50000 (195 * 256 + 80).
        tcp(admin, server, 50001, 50000, 0x02, b""),
        tcp(server, admin, 50000, 50001, 0x12, b""),
        tcp(
            server,
            admin,
            50000,
            50001,
            0x18,
            &[0x89, b'P', b'N', b'G', 0, 1, 2, 3],
        ),
    ];
    let out = track(&frames);
    let control = out.packets[0].flow;
    for packet in &out.packets[5..] {
        let labelled = packet.verdict.labelled().expect("labelled");
        assert_eq!(
            (labelled.label, labelled.component, labelled.evidence),
            (
                Label::Ftp,
                Component::SwyxWareAdministration,
                FlowEvidence::Signalled
            )
        );
    }
    let data = out
        .flows
        .iter()
        .find(|f| f.ftp_data)
        .expect("a data connection row");
    assert_eq!(data.announced_by, control);
    assert_eq!(data.verdict.reason(), None::<FlowReason>);
    // FAX and SWYX_IT unused here.
    let _ = (FAX, SWYX_IT);
}

#[test]
fn sip_over_tcp_announces_from_a_message_split_across_segments() {
    let tcp = |src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, flags: u8, body: &[u8]| {
        let mut spec = FrameSpec::tcp(src, dst, sport, dport, body.to_vec());
        spec.tcp_flags = flags;
        spec.ethernet()
    };
    let invite = sip_with_sdp(
        "INVITE sip:fax@10.1.1.11 SIP/2.0",
        "tcp-1",
        "1 INVITE",
        SWYX_SERVER,
        &["m=image 30000 udptl t38"],
    );
    let (head, tail) = invite.split_at(invite.len() / 2);
    let mut frames = vec![
        tcp(SWYX_SERVER, GATE, 50500, 5064, 0x02, b""),
        tcp(GATE, SWYX_SERVER, 5064, 50500, 0x12, b""),
        tcp(SWYX_SERVER, GATE, 50500, 5064, 0x18, head),
        tcp(SWYX_SERVER, GATE, 50500, 5064, 0x18, tail),
    ];
    for seq in 0..5 {
        frames.push(udp(GATE, SWYX_SERVER, 20000, 30000, payload::udptl(seq)));
    }
    let out = track(&frames);
    assert!(out.packets[4..]
        .iter()
        .all(|p| p.verdict.label() == Some(Label::T38)));
}

#[test]
fn a_sip_message_over_the_stream_buffer_is_skipped_and_the_flow_goes_on() {
    let tcp = |flags: u8, body: &[u8]| {
        let mut spec = FrameSpec::tcp(SWYX_SERVER, GATE, 50600, 5064, body.to_vec());
        spec.tcp_flags = flags;
        spec.ethernet()
    };
    let mut config = Config::default();
    config.sip_stream_buffer = 256;
    let huge = format!(
        "INVITE sip:x@10.1.1.11 SIP/2.0\r\nCall-ID: big\r\nCSeq: 1 INVITE\r\nContent-Length: 4000\r\n\r\n{}",
        "a".repeat(200)
    );
    let frames = [
        tcp(0x02, b""),
        tcp(0x18, huge.as_bytes()),
        tcp(0x18, &[b'b'; 300]),
        tcp(0x18, &payload::sip_invite()),
    ];
    let mut tracker = Tracker::new(Classifier::swyxware_2013(), config);
    let mut out = Collect::default();
    for (i, frame) in frames.iter().enumerate() {
        tracker.push(
            i as u64,
            i as u64,
            frame.len() as u32,
            &classify(frame),
            &mut out,
        );
    }
    assert!(tracker.stats().sip_skipped >= 1);
    tracker.finish(&mut out);
    assert_eq!(out.packets.len(), 4);
    assert!(out
        .packets
        .iter()
        .all(|p| p.verdict.label() == Some(Label::Sip)));
}

#[test]
fn hosts_acquire_the_roles_of_their_confirmed_and_announced_flows() {
    let frames = [
        fax_offer("roles-1", "1 INVITE", "m=image 30000 udptl t38"),
        udp(GATE, SWYX_SERVER, 20000, 30000, payload::udptl(1)),
    ];
    let mut tracker = Tracker::swyxware_2013();
    let mut out = Collect::default();
    for (i, frame) in frames.iter().enumerate() {
        tracker.push(i as u64, i as u64, 60, &classify(frame), &mut out);
    }
    tracker.finish(&mut out);
    let roles: std::collections::HashMap<_, _> = tracker.hosts().collect();
    let server = roles[&std::net::IpAddr::from(SWYX_SERVER)];
    assert!(server.contains(Component::SwyxServer));
    assert!(!roles.contains_key(&std::net::IpAddr::from(FAX)));
}
