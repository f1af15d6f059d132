//! The batch reader hands out the records and errors of the streaming reader, whatever the
//! batch size: on well-formed captures of both formats, cut at every offset, damaged at
//! random, and with a failing source.

mod common;

use std::io::Read;

use common::*;
use swyx_pcap::{BatchReader, CaptureError, CaptureReader, ReaderOptions, RecordBatch};

/// Batch sizes (bytes, packets) from below one record to the whole file.
const SIZES: [(usize, usize); 6] = [
    (1, 1000),
    (40, 1000),
    (100, 1000),
    (4096, 1000),
    (1 << 20, 1000),
    (1 << 20, 2),
];

/// Reads every record in batches of about `bytes`, as [`read_all_from`] does one by one.
fn read_batches<R: Read>(
    reader: Result<BatchReader<R>, CaptureError>,
    (bytes, most): (usize, usize),
) -> (Vec<Owned>, Result<(), CaptureError>) {
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Err(e)),
    };
    let mut batch = RecordBatch::new();
    let mut records = Vec::new();
    let outcome = loop {
        assert!(records.len() < 10_000_000, "reader does not terminate");
        let result = reader.fill(&mut batch, bytes, most);
        assert!(batch.len() <= most.max(1));
        assert_eq!(batch.len(), batch.records().len());
        for r in batch.records() {
            assert_eq!(r.index, records.len() as u64);
            let inside = batch.bytes().as_ptr_range();
            assert!(inside.contains(&r.data.as_ptr()) || r.data.is_empty());
            records.push(Owned::new(
                r.index,
                r.timestamp,
                r.link_type,
                r.interface,
                r.original_len,
                r.data,
            ));
        }
        match result {
            Ok(true) => assert!(!batch.is_empty(), "a batch that goes on holds a record"),
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert_eq!(reader.records_read(), records.len() as u64);
    for _ in 0..3 {
        assert!(matches!(reader.fill(&mut batch, bytes, most), Ok(false)));
        assert!(batch.is_empty());
    }
    (records, outcome)
}

/// The streaming reader's records and end, and the same from batches of every size.
fn check_same(bytes: &[u8], options: ReaderOptions) {
    let (expected, end) = read_all_with(bytes, options);
    let end = end.map_err(|e| format!("{e:?}"));
    for size in SIZES {
        let (records, got_end) = read_batches(BatchReader::with_options(bytes, options), size);
        assert_eq!(records, expected, "batches of {size:?}");
        assert_eq!(
            got_end.map_err(|e| format!("{e:?}")),
            end,
            "batches of {size:?}"
        );
    }
}

fn pcap_sample(big_endian: bool, nanosecond: bool) -> Vec<u8> {
    let mut w = PcapWriter::with_format(big_endian, nanosecond, 65_535, 1);
    for i in 0..7u8 {
        w.packet(
            100 + u32::from(i),
            7,
            60,
            &payload(i, 10 + 13 * usize::from(i)),
        );
    }
    w.bytes
}

fn pcapng_sample() -> Vec<u8> {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, Some(9), None);
    w.epb(0, 1, 10, &payload(1, 10));
    w.other(5, &[0; 12]);
    w.epb(0, 2, 13, &payload(2, 13));
    w.spb(5, &payload(3, 5));
    w.shb(true);
    w.idb(101, 0, None, None);
    w.epb(0, 3, 1, &payload(4, 1));
    w.epb(0, 4, 300, &payload(5, 300));
    w.bytes
}

#[test]
fn whole_captures_read_alike() {
    for (big, nano) in [(false, false), (false, true), (true, false), (true, true)] {
        check_same(&pcap_sample(big, nano), ReaderOptions::default());
    }
    check_same(&pcapng_sample(), ReaderOptions::default());
}

#[test]
fn captures_cut_at_every_offset_read_alike() {
    for bytes in [pcap_sample(false, false), pcapng_sample()] {
        for cut in 0..=bytes.len() {
            check_same(&bytes[..cut], ReaderOptions::default());
        }
    }
}

#[test]
fn records_over_the_limit_read_alike() {
    let options = ReaderOptions {
        initial_buffer: 64,
        max_block: 128,
    };
    check_same(&pcap_sample(false, false), options);
    check_same(&pcapng_sample(), options);
}

#[test]
fn a_failing_source_gives_the_records_before_then_the_same_error() {
    let bytes = pcap_sample(false, false);
    for good in (0..bytes.len()).step_by(7) {
        let (expected, end) = read_all_from(CaptureReader::new(FailAfter { data: &bytes, good }));
        for size in SIZES {
            let (records, got) =
                read_batches(BatchReader::new(FailAfter { data: &bytes, good }), size);
            assert_eq!(records, expected, "good {good}, batches of {size:?}");
            assert_eq!(
                format!("{got:?}"),
                format!("{end:?}"),
                "good {good}, batches of {size:?}"
            );
        }
    }
}

/// Tiny deterministic generator, so the test needs no extra crates.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn damaged_captures_read_alike() {
    let mut rng = Lcg(0x4241_5443_4845);
    let samples = [
        pcap_sample(false, false),
        pcap_sample(true, true),
        pcapng_sample(),
    ];
    for round in 0..1500 {
        let mut bytes = samples[round % samples.len()].clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() as usize) % bytes.len();
            bytes[at] = match rng.next() % 4 {
                0 => 0xFF,
                1 => 0,
                _ => rng.next() as u8,
            };
        }
        if rng.next() % 4 == 0 {
            let cut = (rng.next() as usize) % bytes.len();
            bytes.truncate(cut);
        }
        let options = ReaderOptions {
            initial_buffer: 64,
            max_block: [64, 256, 1 << 20][(rng.next() % 3) as usize],
        };
        check_same(&bytes, options);
    }
}
