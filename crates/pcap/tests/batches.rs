//! The batch reader hands out the records and errors of the streaming reader, whatever the
//! batch size: on well-formed captures of both formats, cut at every offset, damaged at
//! random, and with a failing source.

mod common;

use std::io::Read;

use common::*;
use swyx_pcap::{BatchReader, CaptureError, CaptureReader, ReaderOptions, RecordBatch};

/// Batch sizes from below one record to the whole file.
const SIZES: [usize; 5] = [1, 40, 100, 4096, 1 << 20];

/// Reads every record in batches of about `bytes`, as [`read_all_from`] does one by one.
fn read_batches<R: Read>(
    reader: Result<BatchReader<R>, CaptureError>,
    bytes: usize,
    max_block: usize,
) -> (Vec<Owned>, Result<(), CaptureError>) {
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Err(e)),
    };
    let mut batch = RecordBatch::new();
    let mut records = Vec::new();
    let outcome = loop {
        assert!(records.len() < 10_000_000, "reader does not terminate");
        let result = reader.fill(&mut batch, bytes);
        // About `bytes` (at least 32), and one more record or block at most.
        assert!(batch.bytes().len() <= bytes.max(32) + max_block);
        assert_eq!(batch.len(), batch.records().len());
        for r in batch.records() {
            assert_eq!(r.index, records.len() as u64);
            let inside = batch.bytes().as_ptr_range();
            assert!(inside.contains(&r.data.as_ptr()) || r.data.is_empty());
            records.push(Owned::of(&r));
        }
        match result {
            Ok(true) => assert!(!batch.is_empty(), "a batch that goes on holds a record"),
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert_eq!(reader.records_read(), records.len() as u64);
    for _ in 0..3 {
        assert!(matches!(reader.fill(&mut batch, bytes), Ok(false)));
        assert!(batch.is_empty());
    }
    (records, outcome)
}

/// The streaming reader's records and end, and the same from batches of every size.
fn check_same(bytes: &[u8], options: ReaderOptions) {
    let (expected, end) = read_all_with(bytes, options);
    let end = end.map_err(|e| format!("{e:?}"));
    for size in SIZES {
        let (records, got_end) = read_batches(
            BatchReader::with_options(bytes, options),
            size,
            options.max_block,
        );
        assert_eq!(records, expected, "batches of {size}");
        assert_eq!(
            got_end.map_err(|e| format!("{e:?}")),
            end,
            "batches of {size}"
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

/// A "modified" pcap (24-byte record headers) of three records.
fn modified_sample() -> Vec<u8> {
    let mut bytes = Vec::new();
    for v in [0xa1b2_cd34u32, 0x0004_0002, 0, 0, 65_535, 1] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    for (i, len) in [3u32, 0, 17].into_iter().enumerate() {
        for v in [5 + i as u32, 6, len, len + 1, 2, 0] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes.extend_from_slice(&payload(i as u8, len as usize));
    }
    bytes
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
    check_same(&modified_sample(), ReaderOptions::default());
}

/// Hands out a few bytes at a time, and is interrupted every third call.
struct Trickle<'a> {
    data: &'a [u8],
    calls: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        if self.calls % 3 == 0 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.data.len()).min(1 + self.calls % 7);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn short_and_interrupted_reads_read_alike() {
    for bytes in [pcap_sample(true, false), pcapng_sample(), modified_sample()] {
        let (expected, end) = read_all_with(&bytes, ReaderOptions::default());
        for size in SIZES {
            let reader = BatchReader::new(Trickle {
                data: &bytes,
                calls: 0,
            });
            let (records, got) = read_batches(reader, size, 1 << 24);
            assert_eq!(records, expected, "batches of {size}");
            assert_eq!(format!("{got:?}"), format!("{end:?}"), "batches of {size}");
        }
    }
}

#[test]
fn blocks_without_packets_do_not_grow_a_batch() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    for _ in 0..2000 {
        w.other(0x0BAD, &[0; 1000]);
    }
    w.epb(0, 1, 60, &payload(1, 60));
    let mut reader = BatchReader::new(&w.bytes[..]).expect("a capture");
    let mut batch = RecordBatch::new();
    let more = reader.fill(&mut batch, 4096).expect("a capture");
    assert_eq!(batch.len(), 1);
    assert!(
        batch.bytes().len() <= 4096 + 1024,
        "{}",
        batch.bytes().len()
    );
    assert!(!more || reader.fill(&mut batch, 4096).is_ok_and(|more| !more));
    check_same(&w.bytes, ReaderOptions::default());
}

#[test]
fn a_huge_batch_size_is_taken_as_the_largest_record() {
    let bytes = pcap_sample(false, false);
    let options = ReaderOptions {
        initial_buffer: 64,
        max_block: 1 << 16,
    };
    let mut reader = BatchReader::with_options(&bytes[..], options).expect("a capture");
    let mut batch = RecordBatch::new();
    assert!(!reader.fill(&mut batch, usize::MAX).expect("a capture"));
    assert_eq!(batch.len(), 7);
}

#[test]
fn captures_cut_at_every_offset_read_alike() {
    for bytes in [
        pcap_sample(false, false),
        pcapng_sample(),
        modified_sample(),
    ] {
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
            let (records, got) = read_batches(
                BatchReader::new(FailAfter { data: &bytes, good }),
                size,
                1 << 24,
            );
            assert_eq!(records, expected, "good {good}, batches of {size}");
            assert_eq!(
                format!("{got:?}"),
                format!("{end:?}"),
                "good {good}, batches of {size}"
            );
        }
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
        rng.damage(&mut bytes);
        let options = ReaderOptions {
            initial_buffer: 64,
            max_block: [64, 256, 1 << 20][(rng.next() % 3) as usize],
        };
        check_same(&bytes, options);
    }
}
