//! Properties of the tracker over generated packet sequences.

use proptest::prelude::*;
use swyx_classify::{classify, Classifier};
use swyx_flow::{Config, Tracker};
use swyx_testkit::{payload, Collect, FrameSpec};

/// One generated packet: which conversation, which direction, what it carries, when.
#[derive(Debug, Clone)]
struct Step {
    conversation: usize,
    reply: bool,
    body: usize,
    flags: usize,
    gap_ms: u64,
}

fn step() -> impl Strategy<Value = Step> {
    (0..6usize, any::<bool>(), 0..8usize, 0..4usize, 0..400u64).prop_map(
        |(conversation, reply, body, flags, gap_ms)| Step {
            conversation,
            reply,
            body,
            flags,
            gap_ms,
        },
    )
}

/// Conversations whose ports have no tie between their two sides' best rows (a swap of the
/// direction cannot change a packet's label on its own).
const CONVERSATIONS: [(bool, u16, u16); 6] = [
    (false, 50123, 51000), // SwyxServer RTP
    (false, 63000, 30000), // broad rows only (SwyxDect 800)
    (true, 50200, 5060),   // SIP over TCP
    (false, 5070, 5060),   // SIP over UDP
    (false, 52010, 4000),  // RTP and T.38
    (true, 50300, 1720),   // H.225
];

fn frame(step: &Step, seq: u16, swap: bool) -> Vec<u8> {
    let (tcp, client_port, server_port) = CONVERSATIONS[step.conversation];
    let host = [10, 0, 0, 1 + step.conversation as u8];
    let server = [10, 0, 1, 1];
    let body = match step.body {
        0 => payload::rtp(seq, u32::from(seq) * 160),
        1 => payload::udptl(seq),
        2 => payload::sip_invite(),
        3 => payload::sip_ok(),
        4 => payload::h225_setup(),
        5 => payload::dns_query(),
        6 => payload::http_get(),
        _ => Vec::new(),
    };
    let reply = step.reply != swap;
    let (src, dst, sport, dport) = if reply {
        (server, host, server_port, client_port)
    } else {
        (host, server, client_port, server_port)
    };
    let mut spec = if tcp {
        let mut spec = FrameSpec::tcp(src, dst, sport, dport, body);
        spec.tcp_flags = [0x02, 0x12, 0x18, 0x11][step.flags];
        spec
    } else {
        FrameSpec::udp(src, dst, sport, dport, body)
    };
    if step.conversation % 2 == 1 {
        spec = spec.into_ipv6();
    }
    spec.ethernet()
}

/// Runs the steps (direction swapped when `swap`), pushing them in `pieces` consecutive runs
/// of the loop with the tracker kept between them.
fn run(steps: &[Step], swap: bool, split: usize, config: Config) -> Collect {
    let mut tracker = Tracker::new(Classifier::swyxware_2013(), config);
    let mut out = Collect::default();
    let frames: Vec<Vec<u8>> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| frame(s, i as u16, swap))
        .collect();
    let mut time = 0;
    let (first, second) = frames.split_at(split.min(frames.len()));
    for (part, offset) in [(first, 0), (second, first.len())] {
        for (i, frame) in part.iter().enumerate() {
            time += steps[offset + i].gap_ms * 1_000_000;
            let index = (offset + i) as u64;
            tracker.push(index, time, frame.len() as u32, &classify(frame), &mut out);
        }
        let _ = tracker.stats();
    }
    tracker.finish(&mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_packet_once_in_order_and_every_flow_counts_its_packets(
        steps in prop::collection::vec(step(), 1..120),
        budget in 0usize..3,
    ) {
        let mut config = Config::default();
        config.memory_budget = [200_000, 1 << 20, 64 << 20][budget];
        config.hold_packets = 16;
        let out = run(&steps, false, steps.len(), config);
        prop_assert_eq!(out.packets.len(), steps.len());
        let mut per_flow = std::collections::BTreeMap::<u64, u64>::new();
        for (i, packet) in out.packets.iter().enumerate() {
            prop_assert_eq!(packet.index, i as u64);
            *per_flow.entry(packet.flow.expect("TCP/UDP").0).or_default() += 1;
        }
        let mut rows = std::collections::BTreeMap::<u64, u64>::new();
        for flow in &out.flows {
            *rows.entry(flow.id.0).or_default() += flow.to_server.packets + flow.to_client.packets;
        }
        prop_assert_eq!(per_flow, rows);
    }

    #[test]
    fn a_capture_fed_in_two_pieces_gives_the_same_rows(
        steps in prop::collection::vec(step(), 1..80),
        split in 0usize..80,
    ) {
        let whole = run(&steps, false, steps.len(), Config::default());
        let pieces = run(&steps, false, split, Config::default());
        prop_assert_eq!(whole.packets, pieces.packets);
        prop_assert_eq!(whole.flows, pieces.flows);
    }

    #[test]
    fn without_capture_order_every_packet_gets_the_same_verdict(
        steps in prop::collection::vec(step(), 1..120),
        hold in 1usize..40,
    ) {
        let mut ordered = Config::default();
        ordered.hold_packets = hold;
        let mut unordered = ordered;
        unordered.ordered = false;
        let a = run(&steps, false, steps.len(), ordered);
        let mut b = run(&steps, false, steps.len(), unordered);
        b.packets.sort_by_key(|p| p.index);
        prop_assert_eq!(a.packets, b.packets);
        prop_assert_eq!(a.flows, b.flows);
    }

    #[test]
    fn swapping_the_direction_of_every_packet_keeps_the_labels(
        steps in prop::collection::vec(step(), 1..80),
    ) {
        let forward = run(&steps, false, steps.len(), Config::default());
        let swapped = run(&steps, true, steps.len(), Config::default());
        let labels = |out: &Collect| -> Vec<_> {
            out.packets.iter().map(|p| (p.verdict.label(), p.verdict.component())).collect()
        };
        prop_assert_eq!(labels(&forward), labels(&swapped));
        let flow_labels = |out: &Collect| -> Vec<_> {
            out.flows.iter().map(|f| (f.id, f.span, f.verdict.label(), f.end)).collect()
        };
        prop_assert_eq!(flow_labels(&forward), flow_labels(&swapped));
    }
}
