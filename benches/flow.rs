//! The flow tracker over 100,000 packets of 10,000 flows, against what a user would write
//! without it: stateless `classify` alone, and `classify` plus a `std::collections::HashMap`
//! keyed by the bidirectional 5-tuple doing the same counting (packets and bytes per flow,
//! the label of its first labelled packet, packets per label); and that counting again with
//! ahash and two-word addresses, the least a flow table costs.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::hint::black_box;

use criterion::{criterion_group, Criterion, Throughput};
use swyx_testkit::mix::{back_to_back, distinct_flow_frame, flow_mix, sip_messages};
use swyx_traffic::classify::{classify, Classifier, Label, Packet};
use swyx_traffic::flow::signalling::sip::{parse_message, Framing, Parse};
use swyx_traffic::flow::{Config, FlowRecord, PacketVerdict, Sink, Tracker};

const PACKETS: usize = 100_000;
const FLOWS: usize = 10_000;
/// Capture time between two packets: 10 µs, so the 100,000 packets span one second.
const STEP_NS: u64 = 10_000;
/// Packets of the scan, each of a flow of its own.
const SCAN_PACKETS: usize = 300_000;

/// Counts packets per label and flows, as the tool's summary does.
#[derive(Default)]
struct Counting {
    labels: [u64; Label::ALL.len() + 1],
    flows: u64,
    bytes: u64,
}

impl Sink for Counting {
    #[inline]
    fn packet(&mut self, packet: &PacketVerdict) {
        self.labels[packet
            .verdict
            .label()
            .map_or(Label::ALL.len(), |l| l as usize)] += 1;
        self.bytes += u64::from(packet.wire_len);
    }
    fn flow(&mut self, _: &FlowRecord) {
        self.flows += 1;
    }
}

/// The std baseline's flow key: transport, then the two ends in order.
type StdKey = (u8, std::net::IpAddr, u16, std::net::IpAddr, u16);

/// What the baseline keeps per flow.
#[derive(Default)]
struct Baseline {
    packets: [u64; 2],
    bytes: [u64; 2],
    label: Option<Label>,
}

fn flow_group(c: &mut Criterion) {
    // Back to back in one buffer, as a capture reader hands them out (and as the classify
    // bench lays its frames): as 100,000 allocations of their own, each frame came round out
    // of cache, and classification alone, waiting on it, took half the baseline's time.
    let (buffer, ranges) = back_to_back(&flow_mix(PACKETS, FLOWS));
    let frames: Vec<&[u8]> = ranges.into_iter().map(|r| &buffer[r]).collect();
    let mut group = c.benchmark_group("flow");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("classify", |b| {
        b.iter(|| {
            let mut labels = [0u64; Label::ALL.len() + 1];
            for frame in &frames {
                labels[classify(black_box(frame))
                    .label()
                    .map_or(Label::ALL.len(), |l| l as usize)] += 1;
            }
            labels
        })
    });
    group.bench_function("classify_std_hashmap", |b| {
        b.iter(|| count_in_map::<_, RandomState>(&frames, std_key))
    });
    // The least a flow table costs: the baseline's counting with ahash and the addresses as
    // two words, the way the tracker keys its flows. A tracker does at least this much per
    // packet (it finds the flow and counts), so it cannot run more times faster than the
    // std baseline than this does; the ratio report prints that bound beside the target.
    group.bench_function("classify_ahash_hashmap", |b| {
        b.iter(|| {
            count_in_map::<_, ahash::RandomState>(&frames, |packet| {
                let (src, dst) = (word(packet.src_addr)?, word(packet.dst_addr)?);
                let forward = (src, packet.src_port) <= (dst, packet.dst_port);
                let (lo, hi) = ends(forward, (src, packet.src_port), (dst, packet.dst_port));
                Some(((lo.0, hi.0, lo.1, hi.1, packet.transport as u8), forward))
            })
        })
    });
    // The tracker as the summary runs it (counts need no capture order), and as `--packets`
    // does (in capture order).
    for (name, ordered) in [("tracker", false), ("tracker_in_capture_order", true)] {
        group.bench_function(name, |b| {
            let mut config = Config::default();
            config.ordered = ordered;
            let mut tracker = Tracker::new(Classifier::swyxware_2013(), config);
            b.iter(|| track(&mut tracker, &frames, 0))
        });
    }
    group.finish();
}

/// A scan: 300,000 packets, each of a flow of its own (a REGISTER, an RTP packet or a SYN),
/// through the tracker with its default memory budget (64 MiB, about 122,000 flows: 178,000
/// flows are evicted a pass, and most flows it reads are not in the cache), against the std
/// `HashMap` counting, which keeps every flow. The tracker is reused across passes: `finish`
/// ends every flow, its allocations stay (a pass's flows come back marked as seen again after
/// an eviction).
fn scan_group(c: &mut Criterion) {
    let owned: Vec<Vec<u8>> = (0..SCAN_PACKETS as u64).map(distinct_flow_frame).collect();
    let (buffer, ranges) = back_to_back(&owned);
    let frames: Vec<&[u8]> = ranges.into_iter().map(|r| &buffer[r]).collect();
    let mut group = c.benchmark_group("flow_scan");
    group.sample_size(10);
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("classify_std_hashmap", |b| {
        b.iter(|| count_in_map::<_, RandomState>(&frames, std_key))
    });
    group.bench_function("tracker", |b| {
        let mut config = Config::default();
        config.ordered = false;
        let mut tracker = Tracker::new(Classifier::swyxware_2013(), config);
        // Each pass later in capture time than the last: the tracker's clock never goes back.
        let mut pass = 0;
        b.iter(|| {
            pass += 1;
            track(&mut tracker, &frames, pass * SCAN_PACKETS as u64 * STEP_NS)
        })
    });
    group.finish();
}

/// One pass of the tracker over `frames` (the first at capture time `start_ns`, then one
/// every `STEP_NS`), ended with `finish`: the labels, flows and bytes counted.
#[inline(always)]
fn track(
    tracker: &mut Tracker<'_>,
    frames: &[&[u8]],
    start_ns: u64,
) -> ([u64; Label::ALL.len() + 1], u64, u64) {
    let mut sink = Counting::default();
    for (i, frame) in frames.iter().enumerate() {
        let result = classify(black_box(frame));
        tracker.push(
            i as u64,
            start_ns + i as u64 * STEP_NS,
            frame.len() as u32,
            &result,
            &mut sink,
        );
    }
    tracker.finish(&mut sink);
    (sink.labels, sink.flows, sink.bytes)
}

/// One pass of a hash-map baseline: every frame classified and counted per label, and per
/// flow (the key `key_of` makes of a packet, and whether its source is the key's first end)
/// packets and bytes by direction and the first label. The labels and the number of flows.
#[inline(always)]
fn count_in_map<K: Hash + Eq, S: BuildHasher + Default>(
    frames: &[&[u8]],
    key_of: impl Fn(&Packet<'_>) -> Option<(K, bool)>,
) -> ([u64; Label::ALL.len() + 1], usize) {
    let mut flows: HashMap<K, Baseline, S> = HashMap::default();
    let mut labels = [0u64; Label::ALL.len() + 1];
    for frame in frames {
        let result = classify(black_box(frame));
        let label = result.label();
        labels[label.map_or(Label::ALL.len(), |l| l as usize)] += 1;
        let Some((key, forward)) = result.packet.as_ref().and_then(&key_of) else {
            continue;
        };
        let flow = flows.entry(key).or_default();
        flow.packets[usize::from(!forward)] += 1;
        flow.bytes[usize::from(!forward)] += frame.len() as u64;
        if flow.label.is_none() {
            flow.label = label;
        }
    }
    (labels, flows.len())
}

/// The std baseline's key: the transport and both ends (`IpAddr`, port) in order, and
/// whether the packet's source is the first end.
fn std_key(packet: &Packet<'_>) -> Option<(StdKey, bool)> {
    let (src, dst) = (packet.src_ip()?, packet.dst_ip()?);
    let forward = (src, packet.src_port) <= (dst, packet.dst_port);
    let (lo, hi) = ends(forward, (src, packet.src_port), (dst, packet.dst_port));
    Some(((packet.transport as u8, lo.0, lo.1, hi.0, hi.1), forward))
}

/// The two ends of a packet in key order: the source's first when `forward`.
fn ends<T>(forward: bool, src: T, dst: T) -> (T, T) {
    if forward {
        (src, dst)
    } else {
        (dst, src)
    }
}

/// An IPv4 or IPv6 address as one word (IPv4 in the top four bytes, as the tracker's keys
/// hold it).
fn word(addr: &[u8]) -> Option<u128> {
    match addr.len() {
        4 => Some(u128::from(u32::from_be_bytes(addr.try_into().ok()?)) << 96),
        16 => Some(u128::from_be_bytes(addr.try_into().ok()?)),
        _ => None,
    }
}

/// SIP messages read as the tracker reads them ([`sip_messages`]).
fn signalling_group(c: &mut Criterion) {
    let messages = sip_messages();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("signalling");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("sip_messages", |b| {
        b.iter(|| {
            let mut media = 0usize;
            for message in &messages {
                if let Parse::Complete(message, _) =
                    parse_message(black_box(message), Framing::Datagram)
                {
                    media += message.sdp().map_or(0, |sdp| sdp.media().len());
                }
            }
            media
        })
    });
    group.finish();
}

criterion_group!(benches, flow_group, scan_group, signalling_group);

fn main() {
    let started = std::time::SystemTime::now();
    benches();
    Criterion::default().configure_from_args().final_summary();
    swyx_testkit::bench::report_ratios(
        "flow",
        &[
            ("tracker", "classify_std_hashmap", 2.0),
            ("classify_ahash_hashmap", "classify_std_hashmap", 0.0),
            ("tracker", "classify_ahash_hashmap", 0.0),
            ("tracker_in_capture_order", "classify_std_hashmap", 0.0),
            ("classify", "tracker", 0.0),
        ],
        started,
    );
    swyx_testkit::bench::report_ratios(
        "flow_scan",
        &[("tracker", "classify_std_hashmap", 0.0)],
        started,
    );
}
