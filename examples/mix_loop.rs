//! The `classify` bench's frames in a plain loop, for profilers and instruction counters that
//! want one process doing one thing (criterion's own work would blur their counts).
//!
//! ```text
//! cargo run --release --example mix_loop -- classify 10000     # ns per packet
//! valgrind --tool=cachegrind --cache-sim=no --branch-sim=yes \
//!     target/release/examples/mix_loop classify 300            # then 100: the difference
//! ```
//!
//! Modes: `classify` (the default table), `floor` (a one-row table no port of the mix hits:
//! header decoding and lookups only), `etherparse` (`SlicedPacket::from_ethernet` alone),
//! `tracker` (the `flow` bench's 100,000 packets of 10,000 flows through the flow tracker, a
//! pass being those 100,000 packets; `mix_loop tracker PASSES FLOWS` for ten packets of each
//! of FLOWS flows), `sip` (the `signalling` bench's SIP messages, their SDP
//! included, through the tracker's SIP reader, a pass being the four messages).
//! Instructions per packet are the difference between two runs' counts divided by the
//! difference of their passes times 2,040 frames: the set-up cancels out.

use std::hint::black_box;
use std::process::ExitCode;
use swyx_classify::{classify, Classifier, Matrix, OwnedPortTable};
use swyx_flow::signalling::sip::{parse_message, Framing, Parse};
use swyx_flow::{Config, FlowRecord, PacketVerdict, Sink, Tracker};
use swyx_testkit::mix::{back_to_back, bench_mix, flow_mix, sip_messages};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, passes, flows) = match args.as_slice() {
        [mode, passes] | [mode, passes, _] => {
            let flows = args
                .get(2)
                .map_or(Ok(10_000), |flows| flows.parse::<usize>());
            match (passes.parse::<usize>(), flows) {
                (Ok(passes), Ok(flows)) if flows > 0 => (mode.as_str(), passes, flows),
                _ => {
                    eprintln!("mix_loop: PASSES and FLOWS are positive numbers: {args:?}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => {
            eprintln!("usage: mix_loop classify|floor|etherparse|tracker|sip PASSES [FLOWS]");
            return ExitCode::from(2);
        }
    };
    let owned = bench_mix();
    // Back to back in one buffer, as a capture reader hands them out.
    let (buffer, ranges) = back_to_back(&owned);
    let frames: Vec<&[u8]> = ranges.into_iter().map(|range| &buffer[range]).collect();
    let floor_table =
        Matrix::parse("matrix floor\ncomponent swyx_server\nrow A | SIP | sip | udp | 1 | |\n")
            .ok()
            .and_then(|matrix| OwnedPortTable::build(&matrix).ok());
    let Some(floor_table) = floor_table else {
        eprintln!("mix_loop: the one-row table does not build");
        return ExitCode::FAILURE;
    };
    let floor = Classifier::new(floor_table.table());
    if mode == "tracker" {
        return tracker_loop(passes, flows);
    }
    if mode == "sip" {
        return sip_loop(passes);
    }
    let started = std::time::Instant::now();
    let count = match mode {
        "classify" => run(passes, &frames, |f| classify(f).label().is_some()),
        "floor" => run(passes, &frames, |f| floor.classify(f).packet.is_some()),
        "etherparse" => run(passes, &frames, |f| {
            etherparse::SlicedPacket::from_ethernet(f).is_ok()
        }),
        other => {
            eprintln!("mix_loop: unknown mode {other:?} (classify, floor, etherparse)");
            return ExitCode::from(2);
        }
    };
    let elapsed = started.elapsed();
    let packets = passes * frames.len();
    println!(
        "{mode}: {packets} packets ({count} counted), {:.2} ns per packet",
        elapsed.as_nanos() as f64 / packets.max(1) as f64
    );
    ExitCode::SUCCESS
}

/// The flow bench's frames through a tracker, `passes` times: ten packets for each of `flows`
/// flows (the bench's 100,000 packets of 10,000 flows by default).
fn tracker_loop(passes: usize, flows: usize) -> ExitCode {
    #[derive(Default)]
    struct Count(u64);
    impl Sink for Count {
        fn packet(&mut self, packet: &PacketVerdict) {
            self.0 += u64::from(packet.verdict.label().is_some());
        }
        fn flow(&mut self, _: &FlowRecord) {}
    }
    let (buffer, ranges) = back_to_back(&flow_mix(flows.saturating_mul(10), flows));
    let frames: Vec<&[u8]> = ranges.into_iter().map(|r| &buffer[r]).collect();
    let mut tracker = Tracker::new(Classifier::swyxware_2013(), Config::default());
    let mut count = Count::default();
    let started = std::time::Instant::now();
    for _ in 0..passes {
        for (i, frame) in frames.iter().enumerate() {
            let result = classify(black_box(frame));
            tracker.push(
                i as u64,
                i as u64 * 10_000,
                frame.len() as u32,
                &result,
                &mut count,
            );
        }
        tracker.finish(&mut count);
    }
    let packets = passes * frames.len();
    println!(
        "tracker: {packets} packets ({} labelled), {:.2} ns per packet",
        count.0,
        started.elapsed().as_nanos() as f64 / packets.max(1) as f64
    );
    ExitCode::SUCCESS
}

/// The `signalling` bench's SIP messages through the SIP and SDP readers, `passes` times.
fn sip_loop(passes: usize) -> ExitCode {
    let messages = sip_messages();
    let mut media = 0;
    let started = std::time::Instant::now();
    for _ in 0..passes {
        for message in &messages {
            if let Parse::Complete(message, _) =
                parse_message(black_box(message), Framing::Datagram)
            {
                media += message.sdp().map_or(0, |sdp| sdp.media().len());
            }
        }
    }
    let count = passes * messages.len();
    println!(
        "sip: {count} messages ({media} media), {:.2} ns per message",
        started.elapsed().as_nanos() as f64 / count.max(1) as f64
    );
    ExitCode::SUCCESS
}

/// Runs `check` over every frame `passes` times; how many times it said yes.
#[inline(never)]
fn run(passes: usize, frames: &[&[u8]], check: impl Fn(&[u8]) -> bool) -> usize {
    let mut count = 0;
    for _ in 0..passes {
        for frame in frames {
            count += usize::from(check(black_box(frame)));
        }
    }
    count
}
