//! Classification throughput on a shuffled mix of SwyxWare traffic, beside the baselines a
//! user would otherwise write: etherparse's slicing alone, and etherparse plus a linear scan
//! of the matrix rows.
//!
//! `cargo bench --bench classify` prints packets/s for each; the ratios are in the README.

use criterion::{criterion_group, Criterion, Throughput};
use std::hint::black_box;
use swyx_classify::{classify, classify_reference, Classifier, Label, Matrix, Packet, Transport};
use swyx_matrix::Row;
use swyx_testkit::mix::{back_to_back, bench_mix};

/// Slices `frame` with etherparse into the classifier's [`Packet`].
fn etherparse_packet(frame: &[u8]) -> Option<Packet<'_>> {
    let sliced = etherparse::SlicedPacket::from_ethernet(frame).ok()?;
    let (transport, src_port, dst_port, payload) = match sliced.transport? {
        etherparse::TransportSlice::Udp(udp) => (
            Transport::Udp,
            udp.source_port(),
            udp.destination_port(),
            udp.payload(),
        ),
        etherparse::TransportSlice::Tcp(tcp) => (
            Transport::Tcp,
            tcp.source_port(),
            tcp.destination_port(),
            tcp.payload(),
        ),
        _ => return None,
    };
    Some(Packet::new(transport, src_port, dst_port, payload))
}

/// What a user without this crate would write to get the same answers: slice with
/// etherparse, then scan every matrix row for both ports and apply the resolution rules to
/// what covers them ([`classify_reference`]).
fn naive_scan(matrix: &Matrix, frame: &[u8]) -> Option<Label> {
    let packet = etherparse_packet(frame)?;
    classify_reference(matrix, &packet).label()
}

/// A cruder baseline: the first row covering the destination or source port, no payload
/// check. Cheaper than the rules, and often wrong (5060 is SIP for six components).
fn first_covering_row(rows: &[Row], frame: &[u8]) -> Option<usize> {
    let packet = etherparse_packet(frame)?;
    for port in [packet.dst_port, packet.src_port] {
        for (index, row) in rows.iter().enumerate() {
            if row.has_transport(packet.transport) && row.ranges.iter().any(|r| r.contains(port)) {
                return Some(index);
            }
        }
    }
    None
}

fn classify_mix(c: &mut Criterion) {
    let owned = bench_mix();
    assert!(owned.len() >= 1000);
    let bytes: usize = owned.iter().map(Vec::len).sum();
    // Back to back in one buffer, as a capture reader hands them out.
    let (buffer, ranges) = back_to_back(&owned);
    let frames: Vec<&[u8]> = ranges.into_iter().map(|range| &buffer[range]).collect();
    let matrix = Matrix::swyxware_2013();
    // The naive baseline does the same job: it must give the same answers.
    for frame in &frames {
        assert_eq!(classify(frame).label(), naive_scan(&matrix, frame));
    }

    let mut group = c.benchmark_group("mix");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("classify", |b| {
        b.iter(|| {
            let mut labelled = 0usize;
            for frame in &frames {
                labelled += usize::from(classify(black_box(frame)).label().is_some());
            }
            labelled
        })
    });
    // The floor under `classify`: the same decoding, lookups and result, with a one-row table
    // that no port of the mix hits, so no signature and no resolution runs.
    let floor_table = swyx_classify::OwnedPortTable::build(
        &Matrix::parse("matrix floor\ncomponent swyx_server\nrow A | SIP | sip | udp | 1 | |\n")
            .expect("a one-row matrix"),
    )
    .expect("a one-row table");
    let floor = Classifier::new(floor_table.table());
    group.bench_function("classify_one_row_table", |b| {
        b.iter(|| {
            let mut decoded = 0usize;
            for frame in &frames {
                decoded += usize::from(floor.classify(black_box(frame)).packet.is_some());
            }
            decoded
        })
    });
    group.bench_function("etherparse_slice_only", |b| {
        b.iter(|| {
            let mut sliced = 0usize;
            for frame in &frames {
                sliced +=
                    usize::from(etherparse::SlicedPacket::from_ethernet(black_box(frame)).is_ok());
            }
            sliced
        })
    });
    group.bench_function("naive_matrix_scan", |b| {
        b.iter(|| {
            let mut labelled = 0usize;
            for frame in &frames {
                labelled += usize::from(naive_scan(&matrix, black_box(frame)).is_some());
            }
            labelled
        })
    });
    group.bench_function("first_covering_row", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for frame in &frames {
                found += usize::from(first_covering_row(&matrix.rows, black_box(frame)).is_some());
            }
            found
        })
    });
    group.finish();

    let mut group = c.benchmark_group("mix_bytes");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("classify", |b| {
        b.iter(|| {
            frames
                .iter()
                .filter(|frame| classify(black_box(frame)).label().is_some())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, classify_mix);

fn main() {
    let started = std::time::SystemTime::now();
    benches();
    Criterion::default().configure_from_args().final_summary();
    swyx_testkit::bench::report_ratios(
        "mix",
        &[
            ("classify", "etherparse_slice_only", 2.0),
            ("classify", "naive_matrix_scan", 5.0),
            ("classify", "first_covering_row", 0.0),
            ("classify_one_row_table", "etherparse_slice_only", 0.0),
        ],
        started,
    );
}
