//! The flow-level rules of the crate docs, each on packets built in code.

use swyx_classify::{classify, Component, Label, Reason};
use swyx_flow::{Config, DecidedBy, EndReason, FlowEvidence, FlowReason, Tracker, Verdict};
use swyx_testkit::{payload, Collect, FrameSpec};

const PC: [u8; 4] = [10, 1, 1, 20];
const SERVER: [u8; 4] = [10, 1, 1, 10];
const OTHER: [u8; 4] = [192, 0, 2, 7];

/// `frames` through a tracker with `config`, one every `step_ms`.
fn track_with(config: Config, frames: &[Vec<u8>], step_ms: u64) -> Collect {
    Collect::track(config, frames, step_ms * 1_000_000)
}

fn track(frames: &[Vec<u8>]) -> Collect {
    track_with(Config::default(), frames, 20)
}

fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, flags: u8, body: Vec<u8>) -> Vec<u8> {
    let mut spec = FrameSpec::tcp(src, dst, sport, dport, body);
    spec.tcp_flags = flags;
    spec.ethernet()
}

fn udp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, body: Vec<u8>) -> Vec<u8> {
    FrameSpec::udp(src, dst, sport, dport, body).ethernet()
}

const SYN: u8 = 0x02;
const SYN_ACK: u8 = 0x12;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;
const FIN_ACK: u8 = 0x11;
const RST: u8 = 0x04;

/// A TCP connection PC:50123 -> SERVER:`port`: handshake, `request` and `reply`, a second
/// request segment, both FINs and the last ACK.
fn connection(port: u16, request: Vec<u8>, reply: Vec<u8>) -> Vec<Vec<u8>> {
    vec![
        tcp(PC, SERVER, 50123, port, SYN, vec![]),
        tcp(SERVER, PC, port, 50123, SYN_ACK, vec![]),
        tcp(PC, SERVER, 50123, port, ACK, vec![]),
        tcp(PC, SERVER, 50123, port, PSH_ACK, request),
        tcp(SERVER, PC, port, 50123, PSH_ACK, reply),
        tcp(
            PC,
            SERVER,
            50123,
            port,
            PSH_ACK,
            b"more of the same message".to_vec(),
        ),
        tcp(PC, SERVER, 50123, port, FIN_ACK, vec![]),
        tcp(SERVER, PC, port, 50123, FIN_ACK, vec![]),
        tcp(PC, SERVER, 50123, port, ACK, vec![]),
    ]
}

fn label(verdict: &Verdict) -> Option<Label> {
    verdict.label()
}

#[test]
fn http_on_the_sip_port_after_a_handshake_is_not_sip() {
    let frames = connection(
        5060,
        payload::http_get(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
    );
    // Alone, every segment is SIP by its port.
    assert!(frames
        .iter()
        .all(|f| classify(f).label() == Some(Label::Sip)));
    let out = track(&frames);
    for packet in &out.packets {
        assert_eq!(
            packet.verdict,
            Verdict::Unclassified(FlowReason::Packet(Reason::PayloadContradicts)),
            "packet {}",
            packet.index
        );
    }
    assert_eq!(out.flows.len(), 1);
    assert_eq!(
        out.flows[0].verdict.reason(),
        Some(FlowReason::Packet(Reason::PayloadContradicts))
    );
    assert_eq!(out.flows[0].end, EndReason::Fin);
}

#[test]
fn sip_over_tcp_labels_its_handshake_and_continuations_from_the_first_message() {
    let frames = connection(5060, payload::sip_invite(), payload::sip_ok());
    let out = track(&frames);
    for packet in &out.packets {
        let labelled = packet.verdict.labelled().expect("labelled");
        assert_eq!(
            (labelled.label, labelled.component),
            (Label::Sip, Component::SwyxServer)
        );
        assert_eq!(
            labelled.evidence,
            FlowEvidence::Confirmed,
            "packet {}",
            packet.index
        );
    }
    // The handshake and the continuation carry the flow's label; the messages decide.
    let by: Vec<DecidedBy> = out
        .packets
        .iter()
        .map(|p| p.verdict.labelled().unwrap().decided_by)
        .collect();
    assert_eq!(by[0], DecidedBy::Flow);
    assert_eq!(by[3], DecidedBy::Packet);
    assert_eq!(by[5], DecidedBy::Flow);
    let flow = &out.flows[0];
    assert_eq!((flow.client.port, flow.server.port), (50123, 5060));
    assert_eq!((flow.to_server.packets, flow.to_client.packets), (6, 3));
}

#[test]
fn without_the_handshake_a_tcp_segment_never_contradicts() {
    // A capture that starts mid-connection: the first segment seen may be mid-message.
    let frames = connection(
        5060,
        payload::http_get(),
        b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
    );
    let out = track(&frames[3..]);
    assert!(out.packets.iter().all(|p| {
        p.verdict
            .labelled()
            .is_some_and(|l| l.label == Label::Sip && l.evidence == FlowEvidence::PortOnly)
    }));
}

/// RTP from SERVER:`sport` to PC:`dport`, `count` packets with sequence numbers from `seq`.
fn rtp_stream(sport: u16, dport: u16, seq: u16, count: u16) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            udp(
                SERVER,
                PC,
                sport,
                dport,
                payload::rtp(seq + i, 160 * u32::from(i)),
            )
        })
        .collect()
}

#[test]
fn one_rtp_looking_datagram_on_broad_rows_is_undecided() {
    // A DNS reply whose first bytes parse as RTP v2 (86 ed 81 80), 53 -> 40000: only
    // SwyxConnect 172x's broad 32768-49151 covers it.
    let mut dns = vec![0x86, 0xed, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
    dns.extend_from_slice(&[
        7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0,
    ]);
    dns.extend_from_slice(&[
        0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
    ]);
    let frame = udp(OTHER, PC, 53, 40000, dns);
    assert_eq!(
        classify(&frame).label(),
        Some(Label::Rtp),
        "stateless: a false positive"
    );
    let out = track(&[frame]);
    assert_eq!(
        out.packets[0].verdict,
        Verdict::Unclassified(FlowReason::Undecided)
    );
    assert_eq!(
        out.flows[0].verdict,
        Verdict::Unclassified(FlowReason::Undecided)
    );
}

#[test]
fn agreeing_rtp_on_broad_rows_labels_the_flow_and_every_packet_held_for_it() {
    // 20000 -> 40000: SwyxDect 800's 16384-32767 and SwyxConnect 172x's 32768-49151, both broad.
    let frames = rtp_stream(20000, 40000, 100, 10);
    let out = track(&frames);
    for packet in &out.packets {
        let labelled = packet.verdict.labelled().expect("labelled");
        assert_eq!(labelled.label, Label::Rtp);
        assert_eq!(labelled.evidence, FlowEvidence::Confirmed);
    }
    assert_eq!(
        out.packets[0].verdict.labelled().unwrap().decided_by,
        DecidedBy::Flow
    );
    assert_eq!(
        out.flows[0].verdict.labelled().unwrap().decided_by,
        DecidedBy::Flow
    );
}

#[test]
fn a_repeated_sequence_number_is_no_stream() {
    // QUIC short headers keep their connection id where RTP has its SSRC and sequence number.
    let frames: Vec<Vec<u8>> = (0..6)
        .map(|_| udp(OTHER, PC, 20000, 40000, payload::rtp(7, 0)))
        .collect();
    let out = track(&frames);
    assert!(out
        .packets
        .iter()
        .all(|p| p.verdict == Verdict::Unclassified(FlowReason::Undecided)));
}

#[test]
fn an_rtp_streams_odd_datagram_keeps_its_own_verdict_and_the_flow_its_label() {
    // 51000 is the SwyxServer's RTP range (narrow). A datagram that is not RTP contradicts the
    // row: it is no RTP packet, but one alone does not end the stream's label.
    let mut frames = rtp_stream(51000, 50100, 1, 5);
    frames.insert(3, udp(SERVER, PC, 51000, 50100, payload::dns_query()));
    let out = track(&frames);
    assert_eq!(
        out.packets[3].verdict,
        Verdict::Unclassified(FlowReason::Packet(Reason::PayloadContradicts))
    );
    for i in [0, 1, 2, 4, 5] {
        assert_eq!(
            label(&out.packets[i].verdict),
            Some(Label::Rtp),
            "packet {i}"
        );
    }
    assert_eq!(out.flows.len(), 1);
    assert_eq!(out.flows[0].verdict.label(), Some(Label::Rtp));
}

#[test]
fn one_rtp_looking_datagram_on_a_narrow_rtp_range_is_undecided_too() {
    // RTP's signature is a few header bits: on narrow media ranges too, one datagram that
    // looks like RTP (a DNS reply from 53 to 50123) is no stream.
    let frame = udp(OTHER, PC, 53, 50123, payload::rtp(1, 0));
    let out = track(&[frame]);
    assert_eq!(
        out.packets[0].verdict,
        Verdict::Unclassified(FlowReason::Undecided)
    );
}

#[test]
fn rtp_then_t38_on_one_five_tuple_is_two_spans() {
    // 52000-52499 carries RTP and T.38 (narrow): a fax switch after a re-INVITE.
    let mut frames = rtp_stream(52010, 4000, 1, 6);
    frames.extend((0..10).map(|i| udp(SERVER, PC, 52010, 4000, payload::udptl(i))));
    let out = track(&frames);
    for packet in &out.packets[..6] {
        assert_eq!(label(&packet.verdict), Some(Label::Rtp));
    }
    for packet in &out.packets[6..] {
        assert_eq!(
            label(&packet.verdict),
            Some(Label::T38),
            "packet {}",
            packet.index
        );
    }
    assert_eq!(out.flows.len(), 2, "{:#?}", out.flows);
    let (rtp, t38) = (&out.flows[0], &out.flows[1]);
    assert_eq!(
        (rtp.id, rtp.span, rtp.end),
        (t38.id, 0, EndReason::LabelChanged)
    );
    assert_eq!((t38.span, t38.end), (1, EndReason::EndOfCapture));
    assert_eq!(rtp.verdict.label(), Some(Label::Rtp));
    assert_eq!(t38.verdict.label(), Some(Label::T38));
    assert_eq!(rtp.to_server.packets + rtp.to_client.packets, 6);
    assert_eq!(t38.to_server.packets + t38.to_client.packets, 10);
}

#[test]
fn a_labelled_stream_that_stops_matching_ends_its_span() {
    // RTP on a broad range, then datagrams that are none of its labels.
    let mut frames = rtp_stream(20000, 40000, 1, 5);
    frames.extend((0..6).map(|i| udp(SERVER, PC, 20000, 40000, payload::noise(40, i))));
    let out = track(&frames);
    for packet in &out.packets[5..] {
        assert_eq!(label(&packet.verdict), None, "packet {}", packet.index);
    }
    assert_eq!(out.flows[0].end, EndReason::LabelChanged);
    assert_eq!(
        out.flows[0].to_server.packets + out.flows[0].to_client.packets,
        5
    );
    assert_eq!(
        out.flows[1].to_server.packets + out.flows[1].to_client.packets,
        6
    );
}

#[test]
fn a_held_packet_is_released_unclassified_at_the_bound_and_order_is_kept() {
    let mut config = Config::default();
    config.hold_packets = 4;
    // One RTP-looking datagram on broad rows, then other traffic that is decided at once.
    let mut frames = vec![udp(OTHER, PC, 20000, 40000, payload::rtp(1, 0))];
    frames.extend(rtp_stream(51000, 50100, 1, 8));
    let out = track_with(config, &frames, 1);
    assert_eq!(
        out.packets[0].verdict,
        Verdict::Unclassified(FlowReason::Undecided)
    );
    assert!(out.packets[1..]
        .iter()
        .all(|p| label(&p.verdict) == Some(Label::Rtp)));
}

#[test]
fn a_packet_is_held_at_most_the_capture_time_bound() {
    let mut config = Config::default();
    config.hold_ns = 50_000_000;
    let mut tracker = Tracker::new(swyx_classify::Classifier::swyxware_2013(), config);
    let mut out = Collect::default();
    let held = udp(OTHER, PC, 20000, 40000, payload::rtp(1, 0));
    tracker.push(0, 0, 60, &classify(&held), &mut out);
    let other = udp(PC, SERVER, 5070, 5060, payload::sip_register());
    tracker.push(1, 10_000_000, 60, &classify(&other), &mut out);
    assert!(out.packets.is_empty(), "held within the bound");
    tracker.push(2, 100_000_000, 60, &classify(&other), &mut out);
    assert_eq!(out.packets.len(), 3, "released past it, in order");
}

#[test]
fn flows_end_on_rst_and_on_idle() {
    let mut frames = vec![
        tcp(PC, SERVER, 50200, 9094, SYN, vec![]),
        tcp(SERVER, PC, 9094, 50200, RST | ACK, vec![]),
    ];
    frames.push(udp(PC, SERVER, 5070, 5060, payload::sip_register()));
    let mut tracker = Tracker::swyxware_2013();
    let mut out = Collect::default();
    for (i, frame) in frames.iter().enumerate() {
        tracker.push(i as u64, 0, 60, &classify(frame), &mut out);
    }
    // Ten minutes later: both are over (RST after the close delay, UDP after 60 s idle).
    let late = udp(OTHER, PC, 123, 123, payload::ntp_client());
    tracker.push(3, 600_000_000_000, 60, &classify(&late), &mut out);
    let ends: Vec<EndReason> = out.flows.iter().map(|f| f.end).collect();
    assert_eq!(ends, [EndReason::Rst, EndReason::Idle]);
    // The refused connection on the CDS port carried no byte: its port alone labels nothing.
    assert_eq!(out.flows[0].verdict.label(), None);
    assert_eq!(
        out.flows[0].verdict.reason().map(|r| r.id()),
        Some("no_payload")
    );
    assert!(out.packets[..2]
        .iter()
        .all(|p| p.verdict.reason().map(|r| r.id()) == Some("no_payload")));
    tracker.finish(&mut out);
    assert_eq!(out.flows[2].end, EndReason::EndOfCapture);
}

#[test]
fn a_budget_evicts_the_longest_idle_flows_and_loses_nothing() {
    let mut config = Config::default();
    config.memory_budget = 4 << 20;
    config.hold_packets = 1024;
    let mut tracker = Tracker::new(swyx_classify::Classifier::swyxware_2013(), config);
    let max_flows = tracker.stats().max_flows;
    let mut out = Collect::default();
    let flows = max_flows as u64 * 3;
    for i in 0..flows {
        let port = 1024 + (i % 60000) as u16;
        let host = [10, 9, (i / 60000) as u8, 1];
        let frame = udp(host, SERVER, port, 51000, payload::rtp(1, 0));
        tracker.push(i, i * 1000, 60, &classify(&frame), &mut out);
        assert!(
            tracker.stats().memory <= config.memory_budget,
            "at flow {i}"
        );
    }
    // The flow evicted last comes back: a new row, marked.
    let back = flows - max_flows as u64 - 1;
    let frame = udp(
        [10, 9, (back / 60000) as u8, 1],
        SERVER,
        1024 + (back % 60000) as u16,
        51000,
        payload::rtp(2, 160),
    );
    tracker.push(flows, flows * 1000, 60, &classify(&frame), &mut out);
    tracker.finish(&mut out);
    assert_eq!(out.packets.len() as u64, flows + 1);
    assert_eq!(out.flows.len() as u64, flows + 1, "every flow reported");
    let evicted = out
        .flows
        .iter()
        .filter(|f| f.end == EndReason::Evicted)
        .count();
    assert!(evicted as u64 >= flows - max_flows as u64);
    let again = out
        .flows
        .iter()
        .find(|f| f.first_index == flows)
        .expect("the comeback");
    assert!(again.after_eviction);
    assert!(!out.flows[0].after_eviction);
}

#[test]
fn both_directions_are_one_flow() {
    let frames = vec![
        udp(PC, SERVER, 5070, 5060, payload::sip_invite()),
        udp(SERVER, PC, 5060, 5070, payload::sip_ok()),
    ];
    let out = track(&frames);
    assert_eq!(out.flows.len(), 1);
    assert_eq!(out.packets[0].flow, out.packets[1].flow);
    let flow = &out.flows[0];
    assert_eq!(
        (
            flow.client.port,
            flow.to_server.packets,
            flow.to_client.packets
        ),
        (5070, 1, 1)
    );
}

#[test]
fn a_handshake_on_no_row_goes_out_with_its_first_segment_not_at_the_bound() {
    // HTTP to port 80: the client's ephemeral port is only on SwyxDect 800's broad rows.
    let frames = [
        tcp(PC, OTHER, 50123, 80, SYN, vec![]),
        tcp(OTHER, PC, 80, 50123, SYN_ACK, vec![]),
        tcp(PC, OTHER, 50123, 80, ACK, vec![]),
        tcp(PC, OTHER, 50123, 80, PSH_ACK, payload::http_get()),
    ];
    let mut tracker = Tracker::swyxware_2013();
    let mut out = Collect::default();
    for (i, frame) in frames.iter().enumerate() {
        tracker.push(
            i as u64,
            i as u64 * 1_000_000,
            60,
            &classify(frame),
            &mut out,
        );
    }
    assert_eq!(out.packets.len(), 4, "out with the first segment, in order");
    assert_eq!(tracker.stats().released_undecided, 0);
}

#[test]
fn a_flow_its_first_message_refuted_stays_unclassified() {
    // HTTP to the SIP port, then a SIP-looking reply: the flow stays refuted.
    let mut frames = connection(5060, payload::http_get(), payload::sip_ok());
    frames.truncate(5);
    let out = track(&frames);
    assert_eq!(out.flows.len(), 1);
    assert_eq!(
        out.flows[0].verdict.reason(),
        Some(FlowReason::Packet(Reason::PayloadContradicts))
    );
    // The reply keeps what its own payload says.
    assert_eq!(label(&out.packets[4].verdict), Some(Label::Sip));
    assert!(out.packets[..4]
        .iter()
        .all(|p| p.verdict.reason() == Some(FlowReason::Packet(Reason::PayloadContradicts))));
}

#[test]
fn empty_datagrams_of_a_labelled_stream_carry_its_label() {
    let mut frames = rtp_stream(20000, 40000, 1, 5);
    frames.extend((0..4).map(|_| udp(PC, SERVER, 40000, 20000, vec![])));
    frames.extend(rtp_stream(20000, 40000, 6, 5));
    let out = track(&frames);
    assert!(out
        .packets
        .iter()
        .all(|p| label(&p.verdict) == Some(Label::Rtp)));
    assert_eq!(out.flows.len(), 1, "{:#?}", out.flows);
}

#[test]
fn packets_forced_out_undecided_are_not_claimed_by_a_later_decision() {
    // RTP-looking datagrams that never agree (sequence steps of 100), held to the 1 s bound,
    // then a stream that agrees: the first span stays unlabelled.
    let mut frames: Vec<Vec<u8>> = (0..100u16)
        .map(|i| {
            udp(
                SERVER,
                PC,
                20000,
                40000,
                payload::rtp(i * 100, u32::from(i) * 160),
            )
        })
        .collect();
    frames.extend(rtp_stream(20000, 40000, 20_000, 3));
    let out = track(&frames);
    let last = out.flows.last().expect("rows");
    assert_eq!(last.verdict.label(), Some(Label::Rtp));
    let labelled = out
        .packets
        .iter()
        .filter(|p| p.verdict.label() == Some(Label::Rtp))
        .count() as u64;
    let claimed: u64 = out
        .flows
        .iter()
        .filter(|f| f.verdict.label() == Some(Label::Rtp))
        .map(|f| f.to_server.packets + f.to_client.packets)
        .sum();
    assert!(
        claimed <= labelled + 1,
        "{claimed} claimed, {labelled} labelled"
    );
}

/// `frame` (Ethernet, IPv4, no options) split into two fragments of identification `id` at
/// `at` bytes of its IP payload (a multiple of 8).
fn fragments(frame: &[u8], id: u16, at: usize) -> [Vec<u8>; 2] {
    let (ethernet, ip) = frame.split_at(14);
    let (header, body) = ip.split_at(20);
    let piece = |offset: usize, part: &[u8], more: bool| {
        let mut h = header.to_vec();
        h[2..4].copy_from_slice(&((20 + part.len()) as u16).to_be_bytes());
        h[4..6].copy_from_slice(&id.to_be_bytes());
        let flags = (offset / 8) as u16 | if more { 0x2000 } else { 0 };
        h[6..8].copy_from_slice(&flags.to_be_bytes());
        [ethernet, &h[..], part].concat()
    };
    [piece(0, &body[..at], true), piece(at, &body[at..], false)]
}

#[test]
fn a_later_fragment_carries_its_first_fragments_label() {
    let invite = udp(PC, SERVER, 5070, 5060, payload::sip_invite());
    let [first, second] = fragments(&invite, 0x4242, 256);
    assert_eq!(classify(&second).reason(), Some(Reason::NonFirstFragment));
    let link = swyx_classify::LinkType::Ethernet;
    let mut tracker = Tracker::swyxware_2013();
    let mut out = Collect::default();
    for (i, frame) in [&first, &second].into_iter().enumerate() {
        let fragment = swyx_classify::fragment_of(link, frame);
        assert!(fragment.is_some());
        tracker.push_fragment(i as u64, i as u64, 60, &classify(frame), fragment, &mut out);
    }
    tracker.finish(&mut out);
    assert_eq!(label(&out.packets[1].verdict), Some(Label::Sip));
    assert_eq!(out.packets[1].flow, out.packets[0].flow);
    assert_eq!(out.flows.len(), 1);
    assert_eq!(out.flows[0].to_server.packets, 2);
    // Without its first fragment, a later one is what it is alone.
    let mut tracker = Tracker::swyxware_2013();
    let mut out = Collect::default();
    let fragment = swyx_classify::fragment_of(link, &second);
    tracker.push_fragment(0, 0, 60, &classify(&second), fragment, &mut out);
    tracker.finish(&mut out);
    assert_eq!(
        out.packets[0].verdict,
        Verdict::Unclassified(FlowReason::Packet(Reason::NonFirstFragment))
    );
}

/// A STUN binding request (RFC 5389), as ICE sends on a media 5-tuple.
fn stun_binding_request() -> Vec<u8> {
    let mut message = vec![0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42];
    message.extend_from_slice(&[7; 12]); // transaction id
    message.extend_from_slice(&[0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff]); // PRIORITY
    message
}

#[test]
fn media_in_a_flow_that_carried_stun_is_another_applications() {
    // An ICE client on SwyxIt!'s range: connectivity checks, then RTP on the same 5-tuple.
    let mut frames = vec![udp(PC, OTHER, 50100, 3480, stun_binding_request())];
    frames.extend((0..6).map(|i| udp(PC, OTHER, 50100, 3480, payload::rtp(i, u32::from(i) * 160))));
    let out = track(&frames);
    for packet in &out.packets[1..] {
        assert_eq!(
            packet.verdict,
            Verdict::Unclassified(FlowReason::IceMedia),
            "packet {}",
            packet.index
        );
    }
    // The same RTP without the STUN is SwyxIt!'s range's RTP; and with the rule off, too.
    let plain = track(&frames[1..]);
    assert!(plain
        .packets
        .iter()
        .all(|p| p.verdict.label() == Some(Label::Rtp)));
    let mut config = Config::default();
    config.stun_marks_other_media = false;
    let off = track_with(config, &frames, 20);
    assert!(off.packets[2..]
        .iter()
        .all(|p| p.verdict.label() == Some(Label::Rtp)));
    // Something STUN-like that is not (a wrong length) marks nothing.
    let mut not_stun = stun_binding_request();
    not_stun[3] = 0x0c;
    frames[0] = udp(PC, OTHER, 50100, 3480, not_stun);
    assert!(track(&frames).packets[2..]
        .iter()
        .all(|p| p.verdict.label() == Some(Label::Rtp)));
}

#[test]
fn host_roles_break_the_ties_the_matrix_leaves_for_media() {
    const FAX: [u8; 4] = [10, 1, 1, 12];
    const GATE: [u8; 4] = [10, 1, 1, 11];
    // The SwyxServer's SIP to the FaxServer (TCP 61000): the FaxServer's host is known as the
    // FaxServer from then on.
    let invite = payload::sip_invite();
    let mut frames = vec![
        tcp(SERVER, FAX, 50300, 61000, SYN, vec![]),
        tcp(FAX, SERVER, 61000, 50300, SYN_ACK, vec![]),
        tcp(SERVER, FAX, 50300, 61000, PSH_ACK, invite),
    ];
    // Then the fax's media from 5010, which the SwyxPhone L4xx's 5000-5020 (narrower than the
    // FaxServer's 2000-8000) takes by the matrix alone.
    frames.extend((0..6).map(|i| udp(FAX, GATE, 5010, 52010, payload::rtp(i, u32::from(i) * 160))));
    let out = track(&frames);
    assert_eq!(
        out.packets[2].verdict.component(),
        Some(Component::SwyxFaxServer)
    );
    for packet in &out.packets[3..] {
        let labelled = packet.verdict.labelled().expect("rtp");
        assert_eq!(
            (labelled.label, labelled.component, labelled.peer),
            (
                Label::Rtp,
                Component::SwyxFaxServer,
                Some(Component::SwyxGate)
            ),
            "packet {}",
            packet.index
        );
    }
    // The rule off, or the media alone: the matrix's choice.
    let mut config = Config::default();
    config.roles_break_ties = false;
    let off = track_with(config, &frames, 20);
    assert_eq!(
        off.packets.last().unwrap().verdict.component(),
        Some(Component::SwyxPhoneL4xx)
    );
    let alone = track(&frames[3..]);
    assert_eq!(
        alone.packets.last().unwrap().verdict.component(),
        Some(Component::SwyxPhoneL4xx)
    );
}
