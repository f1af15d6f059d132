//! Reading a capture: `swyx_pcap::CaptureReader` beside plain `pcap_parser::LegacyPcapReader`
//! iteration over the same in-memory bytes (the baseline a user would otherwise write), the
//! reader followed by the classifier, and batches for another thread (records copied out of
//! the streaming reader, against `BatchReader`), in one group with bytes/s throughput.
//!
//! ```text
//! cargo bench --bench reader
//! ```

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError};
use swyx_testkit::mix::write_mix_capture;
use swyx_traffic::classify::{Classifier, LinkType};
use swyx_traffic::pcap::{BatchReader, CaptureReader, Decompressed, RecordBatch};

/// Packets in the benchmarked capture (about 9 MB of the SwyxWare mix).
const PACKETS: u64 = 50_000;

/// Bytes of a batch, as the tool reads them.
const BATCH: usize = 128 * 1024;

fn reader(c: &mut Criterion) {
    let mut capture = Vec::new();
    write_mix_capture(&mut capture, PACKETS).expect("writing to memory");
    let mut group = c.benchmark_group("reader");
    group.throughput(Throughput::Bytes(capture.len() as u64));

    group.bench_function("swyx_pcap::CaptureReader", |b| {
        b.iter(|| {
            let mut reader =
                CaptureReader::new(black_box(capture.as_slice())).expect("valid capture");
            let mut bytes = 0usize;
            while let Some(record) = reader.next_record().expect("valid capture") {
                bytes += record.data.len();
            }
            bytes
        })
    });

    // The same bytes through the gzip-sniffing wrapper the tool and `CaptureReader::open`
    // use: an uncompressed capture should read as fast as without it.
    group.bench_function("swyx_pcap::CaptureReader, through Decompressed", |b| {
        b.iter(|| {
            let input = Decompressed::new(black_box(capture.as_slice())).expect("in memory");
            let mut reader = CaptureReader::new(input).expect("valid capture");
            let mut bytes = 0usize;
            while let Some(record) = reader.next_record().expect("valid capture") {
                bytes += record.data.len();
            }
            bytes
        })
    });

    group.bench_function("pcap_parser::LegacyPcapReader", |b| {
        b.iter(|| {
            let mut reader = LegacyPcapReader::new(64 * 1024, black_box(capture.as_slice()))
                .expect("valid capture");
            let mut bytes = 0usize;
            loop {
                match reader.next() {
                    Ok((offset, block)) => {
                        if let PcapBlockOwned::Legacy(packet) = block {
                            bytes += packet.data.len();
                        }
                        reader.consume(offset);
                    }
                    Err(PcapError::Eof) => break,
                    Err(PcapError::Incomplete(_)) => reader.refill().expect("refill"),
                    Err(error) => panic!("{error:?}"),
                }
            }
            bytes
        })
    });

    group.bench_function("swyx_pcap::CaptureReader + classify", |b| {
        let classifier = Classifier::swyxware_2013();
        b.iter(|| {
            let mut reader =
                CaptureReader::new(black_box(capture.as_slice())).expect("valid capture");
            let mut labelled = 0usize;
            while let Some(record) = reader.next_record().expect("valid capture") {
                let link = LinkType::from_linktype(record.link_type).unwrap_or(LinkType::Ethernet);
                labelled += usize::from(
                    classifier
                        .classify_link(link, record.data)
                        .label()
                        .is_some(),
                );
            }
            labelled
        })
    });

    // Batches of 128 KiB to hand to another thread, as the tool's parallel pipeline makes
    // them: each record copied out of the streaming reader's buffer into a batch (the
    // baseline), or the file read straight into the batch.
    group.bench_function("batches: CaptureReader, records copied", |b| {
        let mut data = Vec::with_capacity(BATCH + 64 * 1024);
        let mut ends = Vec::new();
        b.iter(|| {
            let mut reader =
                CaptureReader::new(black_box(capture.as_slice())).expect("valid capture");
            let mut batches = 0usize;
            loop {
                data.clear();
                ends.clear();
                let mut more = true;
                while data.len() < BATCH {
                    let Some(record) = reader.next_record().expect("valid capture") else {
                        more = false;
                        break;
                    };
                    data.extend_from_slice(record.data);
                    ends.push((record.timestamp, record.original_len, data.len()));
                }
                batches += usize::from(!ends.is_empty());
                if !more {
                    break;
                }
            }
            batches
        })
    });
    group.bench_function("batches: BatchReader", |b| {
        let mut batch = RecordBatch::new();
        b.iter(|| {
            let mut reader =
                BatchReader::new(black_box(capture.as_slice())).expect("valid capture");
            let mut batches = 0usize;
            loop {
                let more = reader.fill(&mut batch, BATCH).expect("valid capture");
                batches += usize::from(!batch.is_empty());
                if !more {
                    break;
                }
            }
            batches
        })
    });
    group.finish();

    // gzip-compressed (flate2's pure-Rust backend), with the compressed size as throughput.
    let compressed = {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&capture).expect("in memory");
        encoder.finish().expect("in memory")
    };
    let mut group = c.benchmark_group("reader_gzip");
    group.throughput(Throughput::Bytes(capture.len() as u64));
    group.bench_function("swyx_pcap::CaptureReader, gzip", |b| {
        b.iter(|| {
            let input = Decompressed::new(black_box(compressed.as_slice())).expect("in memory");
            let mut reader = CaptureReader::new(input).expect("valid capture");
            let mut bytes = 0usize;
            while let Some(record) = reader.next_record().expect("valid capture") {
                bytes += record.data.len();
            }
            bytes
        })
    });
    group.finish();
}

criterion_group!(benches, reader);
criterion_main!(benches);
