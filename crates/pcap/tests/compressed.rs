//! gzip-compressed captures read exactly as the uncompressed ones, recognised by their magic
//! number; damage to the compressed stream is an error, not a quiet end.

mod common;

use std::io::Write;

use common::*;
use swyx_pcap::{CaptureError, CaptureReader, Compression, Decompressed, Format};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A legacy pcap capture of `packets` packets of varied sizes.
fn legacy_capture(packets: u32) -> Vec<u8> {
    let mut w = PcapWriter::with_format(true, true, 65_535, 1);
    for i in 0..packets {
        w.packet(
            1_700_000_000 + i,
            i * 7,
            1514,
            &payload(i as u8, 40 + (i as usize * 37) % 1400),
        );
    }
    w.bytes
}

fn pcapng_capture() -> Vec<u8> {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, Some(9), None);
    for i in 0..500u64 {
        w.epb(
            0,
            1_700_000_000_000_000_000 + i * 1_000_000,
            200,
            &payload(i as u8, 200),
        );
    }
    w.shb(true);
    w.idb(101, 0, None, None);
    w.spb(60, &payload(9, 60));
    w.bytes
}

fn read_decompressed(bytes: &[u8]) -> (Vec<Owned>, Result<(), CaptureError>) {
    let input = Decompressed::new(bytes).unwrap();
    read_all_from(CaptureReader::with_options(input, small(64)))
}

#[test]
fn gzip_captures_read_like_the_uncompressed_ones() {
    for plain in [legacy_capture(3_000), pcapng_capture()] {
        let (expected, end) = read_all(&plain);
        end.unwrap();
        assert!(!expected.is_empty());
        let compressed = gzip(&plain);
        assert_eq!(&compressed[..2], &[0x1f, 0x8b]);
        assert_eq!(
            Decompressed::new(compressed.as_slice())
                .unwrap()
                .compression(),
            Compression::Gzip
        );
        let (records, end) = read_decompressed(&compressed);
        end.unwrap();
        assert_eq!(records, expected);
        // The same bytes one at a time, with interruptions.
        let trickled = Decompressed::new(Trickle {
            data: &compressed,
            interrupt: false,
        })
        .unwrap();
        let (records, end) = read_all_from(CaptureReader::with_options(trickled, small(32)));
        end.unwrap();
        assert_eq!(records, expected);
        // An uncompressed capture passes through the same wrapper untouched.
        assert_eq!(
            Decompressed::new(plain.as_slice()).unwrap().compression(),
            Compression::None
        );
        let (records, end) = read_decompressed(&plain);
        end.unwrap();
        assert_eq!(records, expected);
    }
}

#[test]
fn gzip_buffer_stays_bounded_by_the_largest_record() {
    let plain = legacy_capture(20_000); // about 14 MB uncompressed
    let compressed = gzip(&plain);
    let mut reader = CaptureReader::with_options(
        Decompressed::new(compressed.as_slice()).unwrap(),
        small(4096),
    )
    .unwrap();
    assert_eq!(
        reader.format(),
        Format::Pcap {
            big_endian: true,
            nanosecond: true
        }
    );
    let mut count = 0;
    while reader.next_record().unwrap().is_some() {
        count += 1;
    }
    assert_eq!(count, 20_000);
    assert_eq!(reader.bytes_consumed(), plain.len() as u64);
    assert_eq!(reader.buffer_capacity(), 4096);
}

#[test]
fn open_decompresses_a_gzip_file() {
    let plain = pcapng_capture();
    let (expected, _) = read_all(&plain);
    let path =
        std::env::temp_dir().join(format!("swyx-pcap-open-{}.pcapng.gz", std::process::id()));
    std::fs::write(&path, gzip(&plain)).unwrap();
    let (records, end) = read_all_from(CaptureReader::open(&path));
    std::fs::remove_file(&path).unwrap();
    end.unwrap();
    assert_eq!(records, expected);
}

#[test]
fn damaged_gzip_gives_the_records_before_then_an_error() {
    let plain = legacy_capture(3_000);
    let (expected, _) = read_all(&plain);
    let compressed = gzip(&plain);

    // Cut short: every record decompressed before the cut, then an error (never a clean end).
    let (records, end) = read_decompressed(&compressed[..compressed.len() / 2]);
    assert!(!records.is_empty() && records.len() < expected.len());
    assert_eq!(records, expected[..records.len()]);
    assert!(
        matches!(
            end,
            Err(CaptureError::Io { .. } | CaptureError::Truncated { .. })
        ),
        "{end:?}"
    );

    // Only the trailer (CRC and length) missing: the packets are whole, the stream is not.
    let (records, end) = read_decompressed(&compressed[..compressed.len() - 8]);
    assert_eq!(records, expected);
    assert!(matches!(end, Err(CaptureError::Io { .. })), "{end:?}");

    // Garbage in the deflate stream.
    let mut corrupt = compressed.clone();
    for byte in &mut corrupt[100..140] {
        *byte ^= 0x5A;
    }
    let (records, end) = read_decompressed(&corrupt);
    assert!(records.len() < expected.len());
    assert!(end.is_err(), "{end:?}");

    // A gzip header with nothing after it.
    let (records, end) = read_decompressed(&compressed[..10]);
    assert!(records.is_empty());
    assert!(end.is_err(), "{end:?}");
}
