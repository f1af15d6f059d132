//! Damaged and hostile captures give typed errors after every good record, never a panic.

mod common;

use common::*;
use swyx_pcap::{CaptureError, CaptureReader, ReaderOptions};

/// A legacy pcap with five records, and the file offsets where each record ends.
fn pcap_sample() -> (Vec<u8>, Vec<usize>) {
    let mut w = PcapWriter::with_format(false, false, 65_535, 1);
    let mut ends = Vec::new();
    for i in 0..5u8 {
        w.packet(
            100 + u32::from(i),
            0,
            40,
            &payload(i, 10 + 7 * usize::from(i)),
        );
        ends.push(w.bytes.len());
    }
    (w.bytes, ends)
}

/// A pcapng with five packets among other blocks: the start of every block, whether it holds
/// a packet, and the file length.
fn pcapng_sample() -> (Vec<u8>, Vec<(usize, bool)>) {
    let mut w = PcapngWriter::new();
    let mut blocks = vec![(w.shb(false), false)];
    blocks.push((w.idb(1, 0, Some(9), None), false));
    blocks.push((w.epb(0, 1, 10, &payload(1, 10)), true));
    blocks.push((w.other(5, &[0; 12]), false));
    blocks.push((w.epb(0, 2, 13, &payload(2, 13)), true));
    blocks.push((w.spb(5, &payload(3, 5)), true));
    blocks.push((w.shb(true), false));
    blocks.push((w.idb(101, 0, None, None), false));
    blocks.push((w.epb(0, 3, 1, &payload(4, 1)), true));
    blocks.push((w.epb(0, 4, 30, &payload(5, 30)), true));
    (w.bytes, blocks)
}

#[test]
fn empty_file_is_empty() {
    let (records, end) = read_all(&[]);
    assert!(records.is_empty());
    assert!(matches!(end, Err(CaptureError::Empty)));
}

#[test]
fn header_only_pcap_reads_zero_records() {
    let w = PcapWriter::with_format(true, true, 65_535, 1);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert!(records.is_empty());
}

#[test]
fn header_only_pcapng_reads_zero_records() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert!(records.is_empty());
    w.idb(1, 0, None, None);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert!(records.is_empty());
}

#[test]
fn wrong_magic_is_bad_magic() {
    let (records, end) = read_all(b"GET / HTTP/1.1\r\n\r\n");
    assert!(records.is_empty());
    match end {
        Err(CaptureError::BadMagic { offset: 0, found }) => assert_eq!(&found, b"GET "),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read_all(b"hi").1,
        Err(CaptureError::BadMagic { offset: 0, .. })
    ));
    // The first bytes of a real magic number are a truncated file, not a foreign one.
    assert!(matches!(
        read_all(&[0xd4, 0xc3]).1,
        Err(CaptureError::Truncated {
            offset: 0,
            needed: 4,
            available: 2,
            ..
        })
    ));
}

#[test]
fn legacy_record_length_ffffffff_is_block_too_large() {
    let mut w = PcapWriter::with_format(false, false, 65_535, 1);
    w.packet(1, 0, 4, &[1, 2, 3, 4]);
    w.packet(2, 0, 4, &[5, 6, 7, 8]);
    let bad = w.bytes.len() as u64;
    w.record_header(3, 0, u32::MAX, u32::MAX);
    w.bytes.extend_from_slice(&[0; 100]);
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 2);
    match end {
        Err(CaptureError::BlockTooLarge {
            offset,
            record: 2,
            length,
            max,
        }) => {
            assert_eq!(offset, bad);
            assert_eq!(length, 16 + u64::from(u32::MAX));
            assert_eq!(max, 16 * 1024 * 1024);
        }
        other => panic!("{other:?}"),
    }
}

/// Documented behaviour: a record longer than the snapshot length (or than its original
/// length) is accepted while it fits within `max_block`.
#[test]
fn legacy_captured_length_above_snaplen_is_accepted() {
    let mut w = PcapWriter::with_format(false, false, 64, 1);
    w.packet(1, 0, 200, &payload(1, 200));
    w.packet(2, 0, 10, &payload(2, 50)); // captured length above the original length
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].data, payload(1, 200));
    assert_eq!(records[1].data, payload(2, 50));
    assert_eq!(records[1].original_len, 10);
    // Beyond max_block it is refused.
    let options = ReaderOptions {
        initial_buffer: 64,
        max_block: 128,
    };
    let (records, end) = read_all_with(&w.bytes, options);
    assert!(records.is_empty());
    assert!(matches!(
        end,
        Err(CaptureError::BlockTooLarge {
            offset: 24,
            record: 0,
            length: 216,
            max: 128
        })
    ));
}

#[test]
fn pcapng_block_length_not_multiple_of_4_is_corrupt() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.epb(0, 1, 4, &[1, 2, 3, 4]);
    let bad = w.epb(0, 2, 4, &[5, 6, 7, 8]);
    w.patch32(bad + 4, 47);
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 1);
    match end {
        Err(CaptureError::Corrupt {
            offset, record: 1, ..
        }) => assert_eq!(offset, bad as u64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pcapng_block_length_below_minimum_is_corrupt() {
    for len in [0u32, 8, 28] {
        let mut w = PcapngWriter::new();
        w.shb(false);
        w.idb(1, 0, None, None);
        let bad = w.epb(0, 2, 4, &[5, 6, 7, 8]);
        w.patch32(bad + 4, len);
        let (records, end) = read_all(&w.bytes);
        assert!(records.is_empty());
        assert!(
            matches!(end, Err(CaptureError::Corrupt { offset, record: 0, .. }) if offset == bad as u64),
            "{len}: {end:?}"
        );
    }
}

#[test]
fn pcapng_block_length_above_cap_is_block_too_large() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.epb(0, 1, 4, &[1, 2, 3, 4]);
    let bad = w.epb(0, 2, 4, &[5, 6, 7, 8]);
    w.patch32(bad + 4, 0xFFFF_FFFC);
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 1);
    assert!(
        matches!(end, Err(CaptureError::BlockTooLarge { offset, record: 1, length: 0xFFFF_FFFC, .. }) if offset == bad as u64),
        "{end:?}"
    );
}

#[test]
fn pcapng_first_section_header_too_large_or_misaligned() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.patch32(4, 0x7FFF_FFF0);
    assert!(matches!(
        read_all(&w.bytes).1,
        Err(CaptureError::BlockTooLarge {
            offset: 0,
            record: 0,
            ..
        })
    ));
    w.patch32(4, 30);
    assert!(matches!(
        read_all(&w.bytes).1,
        Err(CaptureError::Corrupt {
            offset: 0,
            record: 0,
            ..
        })
    ));
}

#[test]
fn pcapng_block_length_past_end_is_truncated() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.epb(0, 1, 4, &[1, 2, 3, 4]);
    let bad = w.epb(0, 2, 4, &[5, 6, 7, 8]);
    w.patch32(bad + 4, 1000);
    let available = (w.bytes.len() - bad) as u64;
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 1);
    match end {
        Err(CaptureError::Truncated {
            offset,
            record: 1,
            needed: 1000,
            available: a,
        }) => {
            assert_eq!(offset, bad as u64);
            assert_eq!(a, available);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn pcapng_trailer_mismatch_is_corrupt() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    let bad = w.epb(0, 2, 4, &[5, 6, 7, 8]);
    let end_of_block = w.bytes.len();
    w.patch32(end_of_block - 4, 36);
    let (records, end) = read_all(&w.bytes);
    assert!(records.is_empty());
    assert!(
        matches!(end, Err(CaptureError::Corrupt { offset, record: 0, .. }) if offset == bad as u64),
        "{end:?}"
    );
}

#[test]
fn pcapng_epb_captured_length_beyond_block_is_corrupt() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    let bad = w.epb(0, 2, 4, &[5, 6, 7, 8]);
    w.patch32(bad + 20, 400);
    let (records, end) = read_all(&w.bytes);
    assert!(records.is_empty());
    assert!(
        matches!(end, Err(CaptureError::Corrupt { offset, record: 0, .. }) if offset == bad as u64),
        "{end:?}"
    );
}

#[test]
fn pcapng_bad_byte_order_magic_is_corrupt() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.bytes[8] = 0;
    assert!(matches!(
        read_all(&w.bytes).1,
        Err(CaptureError::Corrupt { offset: 0, .. })
    ));
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.epb(0, 2, 4, &[5, 6, 7, 8]);
    let second = w.shb(false);
    w.bytes[second + 8] = 0;
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 1);
    assert!(
        matches!(end, Err(CaptureError::Corrupt { offset, record: 1, .. }) if offset == second as u64),
        "{end:?}"
    );
}

#[test]
fn pcapng_epb_with_undeclared_interface_is_unknown_interface() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.epb(0, 1, 4, &[1, 2, 3, 4]);
    let bad = w.epb(3, 2, 4, &[5, 6, 7, 8]);
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 1);
    match end {
        Err(CaptureError::UnknownInterface {
            offset,
            record: 1,
            interface: 3,
        }) => assert_eq!(offset, bad as u64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn pcapng_spb_without_interface_is_unknown_interface() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.spb(4, &[1, 2, 3, 4]);
    assert!(matches!(
        read_all(&w.bytes).1,
        Err(CaptureError::UnknownInterface {
            record: 0,
            interface: 0,
            ..
        })
    ));
}

#[test]
fn pcapng_second_section_resets_interfaces() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.idb(101, 0, None, None);
    w.epb(1, 1, 4, &[1, 2, 3, 4]);
    w.shb(false);
    w.idb(113, 0, None, None);
    w.epb(0, 2, 4, &[5, 6, 7, 8]);
    let bad = w.epb(1, 3, 4, &[9, 10, 11, 12]);
    let (records, end) = read_all(&w.bytes);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].link_type, 101);
    assert_eq!(records[1].link_type, 113);
    match end {
        Err(CaptureError::UnknownInterface {
            offset,
            record: 2,
            interface: 1,
        }) => assert_eq!(offset, bad as u64),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_last_record_pcap() {
    let (bytes, ends) = pcap_sample();
    let cut = &bytes[..bytes.len() - 3];
    let (records, end) = read_all(cut);
    assert_eq!(records.len(), 4);
    let start = ends[3] as u64;
    match end {
        Err(CaptureError::Truncated {
            offset,
            record: 4,
            needed,
            available,
        }) => {
            assert_eq!(offset, start);
            assert_eq!(needed, (bytes.len() as u64) - start);
            assert_eq!(available, needed - 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_last_record_pcapng() {
    let (bytes, blocks) = pcapng_sample();
    let (records, end) = read_all(&bytes[..bytes.len() - 1]);
    assert_eq!(records.len(), 4);
    let last = blocks.last().unwrap().0 as u64;
    assert!(
        matches!(end, Err(CaptureError::Truncated { offset, record: 4, .. }) if offset == last),
        "{end:?}"
    );
}

/// Checks the outcome of reading a capture cut at `cut`, given the record boundaries.
///
/// `blocks` lists (start, holds a packet) for every record or block after the file header,
/// which ends at `header_end`.
fn check_cut(
    name: &str,
    bytes: &[u8],
    cut: usize,
    header_end: usize,
    blocks: &[(usize, bool)],
    expected: &[Owned],
    options: ReaderOptions,
) {
    let (records, end) = read_all_with(&bytes[..cut], options);
    if cut == 0 {
        assert!(
            matches!(end, Err(CaptureError::Empty)),
            "{name} {cut}: {end:?}"
        );
        return;
    }
    if cut < header_end {
        assert!(
            matches!(
                end,
                Err(CaptureError::Truncated {
                    offset: 0,
                    record: 0,
                    ..
                })
            ),
            "{name} {cut}: {end:?}"
        );
        return;
    }
    // Packets whose block ends at or before the cut are complete.
    let mut complete = 0;
    let mut boundary = cut == header_end;
    let mut broken_block = None;
    for (i, &(start, packet)) in blocks.iter().enumerate() {
        let block_end = blocks.get(i + 1).map_or(bytes.len(), |b| b.0);
        if block_end <= cut {
            complete += usize::from(packet);
            boundary |= block_end == cut;
        } else if start < cut {
            broken_block = Some(start);
        }
    }
    assert_eq!(records.as_slice(), &expected[..complete], "{name} {cut}");
    if boundary {
        assert!(end.is_ok(), "{name} {cut}: {end:?}");
    } else {
        let start = broken_block.expect("cut inside a block") as u64;
        match end {
            Err(CaptureError::Truncated {
                offset,
                record,
                needed,
                available,
            }) => {
                assert_eq!(offset, start, "{name} {cut}");
                assert_eq!(record, complete as u64, "{name} {cut}");
                assert_eq!(available, cut as u64 - start, "{name} {cut}");
                assert!(needed > available, "{name} {cut}");
            }
            other => panic!("{name} {cut}: {other:?}"),
        }
    }
}

#[test]
fn truncation_at_every_offset_pcap() {
    let (bytes, ends) = pcap_sample();
    let (expected, end) = read_all(&bytes);
    end.unwrap();
    assert_eq!(expected.len(), 5);
    let mut blocks = vec![(24, true)];
    blocks.extend(ends[..4].iter().map(|&e| (e, true)));
    for options in [ReaderOptions::default(), small(32), small(40)] {
        for cut in 0..=bytes.len() {
            check_cut("pcap", &bytes, cut, 24, &blocks, &expected, options);
        }
    }
}

#[test]
fn truncation_at_every_offset_pcapng() {
    let (bytes, blocks) = pcapng_sample();
    let (expected, end) = read_all(&bytes);
    end.unwrap();
    assert_eq!(expected.len(), 5);
    let header_end = blocks[1].0;
    for options in [ReaderOptions::default(), small(32), small(52)] {
        for cut in 0..=bytes.len() {
            check_cut(
                "pcapng",
                &bytes,
                cut,
                header_end,
                &blocks[1..],
                &expected,
                options,
            );
        }
    }
}

#[test]
fn read_error_is_io_with_offset() {
    let (bytes, ends) = pcap_sample();
    let good = ends[1] + 5;
    let (records, end) = read_all_from(CaptureReader::with_options(
        FailAfter { data: &bytes, good },
        small(32),
    ));
    assert_eq!(records.len(), 2);
    match end {
        Err(CaptureError::Io {
            offset,
            record: 2,
            source,
        }) => {
            assert_eq!(offset, good as u64);
            assert_eq!(source.kind(), std::io::ErrorKind::PermissionDenied);
            assert_eq!(source.to_string(), "disk on fire");
        }
        other => panic!("{other:?}"),
    }
    // A failure while reading the file header.
    let (_, end) = read_all_from(CaptureReader::new(FailAfter {
        data: &bytes,
        good: 10,
    }));
    assert!(
        matches!(end, Err(CaptureError::Io { offset: 10, .. })),
        "{end:?}"
    );
}

#[test]
fn errors_read_as_sentences() {
    let e = CaptureError::Truncated {
        offset: 1234,
        record: 7,
        needed: 100,
        available: 20,
    };
    let text = e.to_string();
    assert!(text.contains("1234") && text.contains("record 7"), "{text}");
    assert_eq!(e.offset(), 1234);
    assert_eq!(e.record(), 7);
    let e = CaptureError::BadMagic {
        offset: 0,
        found: *b"GET ",
    };
    assert!(e.to_string().contains("47 45 54 20"));
}

#[test]
fn mutated_captures_never_panic_or_hang() {
    let mut rng = Lcg(0x5157_5741_5245);
    let (pcap, _) = pcap_sample();
    let (pcapng, _) = pcapng_sample();
    for round in 0..3000 {
        let base = if round % 2 == 0 { &pcap } else { &pcapng };
        let mut bytes = base.clone();
        rng.damage(&mut bytes);
        let initial_buffer = [1, 32, 64, 4096][(rng.next() % 4) as usize];
        let options = ReaderOptions {
            initial_buffer,
            max_block: [64, 256, 1 << 20][(rng.next() % 3) as usize],
        };
        let (_, end) = read_all_with(&bytes, options);
        if let Err(e) = end {
            // Display and the accessors must not panic either.
            let _ = (e.to_string(), e.offset(), e.record());
        }
    }
    for _ in 0..500 {
        let len = (rng.next() % 200) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if len >= 4 && rng.next() % 2 == 0 {
            let magic: &[u8] = if rng.next() % 2 == 0 {
                &[0x0a, 0x0d, 0x0d, 0x0a]
            } else {
                &[0xd4, 0xc3, 0xb2, 0xa1]
            };
            bytes[..4].copy_from_slice(magic);
        }
        let _ = read_all_with(&bytes, small(32));
    }
}
