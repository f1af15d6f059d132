//! Buffer growth, bounded memory, and real captures.

mod common;

use std::path::Path;

use common::*;
use swyx_pcap::{CaptureError, CaptureReader, ReaderOptions};

#[test]
fn small_buffer_grows_for_large_records() {
    let sizes = [10usize, 100, 1000, 5000, 20, 70_000, 3];
    let mut w = PcapWriter::with_format(false, true, 262_144, 1);
    let mut ng = PcapngWriter::new();
    ng.shb(true);
    ng.idb(1, 0, None, None);
    for (i, &size) in sizes.iter().enumerate() {
        w.packet(i as u32, 0, size as u32, &payload(i as u8, size));
        ng.epb(0, i as u64, size as u32, &payload(i as u8, size));
    }
    for bytes in [&w.bytes, &ng.bytes] {
        let mut reader = CaptureReader::with_options(bytes.as_slice(), small(64)).unwrap();
        assert_eq!(reader.buffer_capacity(), 64);
        let mut count = 0;
        while let Some(record) = reader.next_record().unwrap() {
            let i = record.index as usize;
            assert_eq!(record.data, payload(i as u8, sizes[i]).as_slice());
            count += 1;
        }
        assert_eq!(count, sizes.len());
        // 70 000 bytes of data plus headers, doubled up from 64 bytes.
        assert_eq!(reader.buffer_capacity(), 131_072);
    }
}

#[test]
fn record_larger_than_max_block_is_block_too_large() {
    let mut w = PcapWriter::with_format(false, false, 65_535, 1);
    w.packet(1, 0, 100, &payload(1, 100));
    w.packet(2, 0, 5000, &payload(2, 5000));
    let options = ReaderOptions {
        initial_buffer: 64,
        max_block: 4096,
    };
    let mut reader = CaptureReader::with_options(w.bytes.as_slice(), options).unwrap();
    assert_eq!(reader.next_record().unwrap().unwrap().data.len(), 100);
    match reader.next_record() {
        Err(CaptureError::BlockTooLarge {
            offset: 140,
            record: 1,
            length: 5016,
            max: 4096,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(reader.buffer_capacity() <= 4096);
    assert!(matches!(reader.next_record(), Ok(None)));

    let mut ng = PcapngWriter::new();
    ng.shb(false);
    ng.idb(1, 0, None, None);
    let big = ng.epb(0, 1, 5000, &payload(2, 5000));
    let (records, end) = read_all_with(&ng.bytes, options);
    assert!(records.is_empty());
    assert!(
        matches!(end, Err(CaptureError::BlockTooLarge { offset, record: 0, max: 4096, .. }) if offset == big as u64),
        "{end:?}"
    );
}

/// Smallest power-of-two multiple of `initial` that holds `len` bytes.
fn rounded(initial: usize, len: usize) -> usize {
    let mut capacity = initial;
    while capacity < len {
        capacity *= 2;
    }
    capacity
}

#[test]
fn memory_stays_bounded_over_many_records() {
    const RECORDS: usize = 50_000;
    const INITIAL: usize = 64 * 1024;
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, Some(9), None);
    let mut block_lens = Vec::with_capacity(RECORDS);
    for i in 0..RECORDS {
        // Mostly small packets, one jumbo block in the middle.
        let size = if i == RECORDS / 2 {
            100_000
        } else {
            40 + i % 1500
        };
        let start = w.epb(0, i as u64, size as u32, &payload(i as u8, size));
        block_lens.push(w.bytes.len() - start);
    }
    let mut reader = CaptureReader::with_options(
        w.bytes.as_slice(),
        ReaderOptions {
            initial_buffer: INITIAL,
            ..ReaderOptions::default()
        },
    )
    .unwrap();
    let mut largest = 0;
    let mut count = 0;
    while let Some(record) = reader.next_record().unwrap() {
        let i = record.index as usize;
        assert_eq!(
            record.data.len(),
            if i == RECORDS / 2 {
                100_000
            } else {
                40 + i % 1500
            }
        );
        assert_eq!(record.data.first(), Some(&(i as u8)));
        largest = largest.max(block_lens[i]);
        assert!(
            reader.buffer_capacity() <= rounded(INITIAL, largest),
            "record {i}: capacity {} for largest block {largest}",
            reader.buffer_capacity()
        );
        count += 1;
    }
    assert_eq!(count, RECORDS);
    assert_eq!(reader.buffer_capacity(), 128 * 1024);
    assert_eq!(reader.bytes_consumed(), w.bytes.len() as u64);
}

/// Expected facts about a real capture, from the folder's MANIFEST.tsv.
struct Expectation {
    packets: Option<u64>,
    link_types: Vec<u32>,
    cut_by_snaplen: Option<u64>,
}

/// Parses "... (N pkts)" at the end of the contents column, the link types after
/// "pcap:"/"pcapng:" in the link-type column, and "truncated K/N".
fn manifest(dir: &Path) -> Vec<(String, Expectation)> {
    let Ok(text) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        return Vec::new();
    };
    let number_before = |s: &str, suffix: &str| -> Option<u64> {
        let head = s.trim_end().strip_suffix(suffix)?.trim_end();
        let digits = head.rsplit(|c: char| !c.is_ascii_digit()).next()?;
        digits.parse().ok()
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let (file, link, contents) = (cols.first()?, cols.get(5)?, cols.get(6)?);
            let packets = number_before(contents, "pkts)");
            let types = link
                .split(';')
                .next()?
                .split(':')
                .nth(1)?
                .split_whitespace()
                .next()?;
            let link_types = types
                .split('+')
                .filter_map(|t| t.split('(').next()?.parse().ok())
                .collect();
            let cut_by_snaplen = link
                .split("truncated ")
                .nth(1)
                .and_then(|s| s.split('/').next()?.parse().ok());
            Some((
                file.to_string(),
                Expectation {
                    packets,
                    link_types,
                    cut_by_snaplen,
                },
            ))
        })
        .collect()
}

fn capture_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            capture_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("pcap" | "pcapng")
        ) {
            out.push(path);
        }
    }
}

#[test]
fn real_captures_read_to_the_end() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures");
    if !dir.is_dir() {
        eprintln!("note: {} not found; skipping real captures", dir.display());
        return;
    }
    let expectations = manifest(&dir);
    let mut files = Vec::new();
    capture_files(&dir, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no captures in {}", dir.display());
    let mut checked_counts = 0;
    for path in &files {
        let relative = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for options in [ReaderOptions::default(), small(64)] {
            let mut reader =
                CaptureReader::with_options(std::fs::File::open(path).unwrap(), options)
                    .unwrap_or_else(|e| panic!("{relative}: {e}"));
            let mut count = 0u64;
            let mut cut = 0u64;
            let mut link_types = Vec::new();
            loop {
                match reader.next_record() {
                    Ok(Some(record)) => {
                        count += 1;
                        cut +=
                            u64::from((record.data.len() as u64) < u64::from(record.original_len));
                        if !link_types.contains(&record.link_type) {
                            link_types.push(record.link_type);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => panic!("{relative}: {e}"),
                }
            }
            assert!(count > 0, "{relative}: no records");
            let size = std::fs::metadata(path).unwrap().len();
            assert_eq!(reader.bytes_consumed(), size, "{relative}");
            if let Some((_, want)) = expectations.iter().find(|(f, _)| *f == relative) {
                if let Some(packets) = want.packets {
                    assert_eq!(count, packets, "{relative}: packet count");
                    checked_counts += 1;
                }
                assert!(
                    !want.link_types.is_empty(),
                    "{relative}: manifest link types"
                );
                for lt in &link_types {
                    assert!(
                        want.link_types.contains(lt),
                        "{relative}: link type {lt} not in {:?}",
                        want.link_types
                    );
                }
                if let Some(expected_cut) = want.cut_by_snaplen {
                    assert_eq!(cut, expected_cut, "{relative}: records cut by snaplen");
                }
            }
        }
        eprintln!("{relative}: ok");
    }
    if !expectations.is_empty() {
        // Both passes (default and small buffer) check every listed file.
        assert_eq!(
            checked_counts,
            2 * files.len(),
            "manifest lacks packet counts"
        );
    }
}
