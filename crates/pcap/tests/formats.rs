//! Every supported format, byte order and timestamp resolution reads back exactly.

mod common;

use common::*;
use swyx_pcap::{CaptureReader, Format, Timestamp};

fn legacy_round_trip(big_endian: bool, nanosecond: bool) {
    let mut w = PcapWriter::with_format(big_endian, nanosecond, 65_535, 113);
    let frac_max = if nanosecond { 999_999_999 } else { 999_999 };
    let packets = [
        (1_700_000_000u32, 0u32, 60u32, payload(1, 60)),
        (1_700_000_001, 123_456, 1514, payload(2, 1514)),
        (1_700_000_002, frac_max, 9000, payload(3, 96)),
        (0, 1, 0, Vec::new()),
        (u32::MAX, 7, 3, payload(4, 3)),
    ];
    let mut expected = Vec::new();
    for (i, (secs, frac, orig, data)) in packets.iter().enumerate() {
        w.packet(*secs, *frac, *orig, data);
        expected.push(Owned::new(
            i as u64,
            w.timestamp(*secs, *frac),
            113,
            0,
            *orig,
            data,
        ));
    }
    let reader = CaptureReader::new(w.bytes.as_slice()).unwrap();
    assert_eq!(
        reader.format(),
        Format::Pcap {
            big_endian,
            nanosecond
        }
    );
    assert_eq!(reader.bytes_consumed(), 24);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert_eq!(records, expected);
    // The same through a reader that trickles one byte at a time, with interruptions.
    let (records, end) = read_all_from(CaptureReader::with_options(
        Trickle {
            data: &w.bytes,
            interrupt: false,
        },
        small(32),
    ));
    end.unwrap();
    assert_eq!(records, expected);
}

#[test]
fn legacy_little_endian_microseconds() {
    legacy_round_trip(false, false);
}

#[test]
fn legacy_little_endian_nanoseconds() {
    legacy_round_trip(false, true);
}

#[test]
fn legacy_big_endian_microseconds() {
    legacy_round_trip(true, false);
}

#[test]
fn legacy_big_endian_nanoseconds() {
    legacy_round_trip(true, true);
}

#[test]
fn legacy_out_of_range_fraction_carries_into_seconds() {
    let mut w = PcapWriter::with_format(false, false, 65_535, 1);
    w.packet(10, 1_500_000, 4, &[1, 2, 3, 4]);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert_eq!(records[0].timestamp, Some(ts(11, 500_000_000)));
}

#[test]
fn legacy_link_type_keeps_low_16_bits() {
    // Upper bits of the link-type field carry FCS information.
    let mut w = PcapWriter::with_format(false, false, 65_535, 0x0400_0000 | 1);
    w.packet(1, 2, 1, &[9]);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert_eq!(records[0].link_type, 1);
}

#[test]
fn legacy_modified_format_is_read() {
    let mut bytes = Vec::new();
    for v in [0xa1b2_cd34u32, 0x0004_0002, 0, 0, 65_535, 1] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    // 24-byte record header: ts, ts, incl, orig, ifindex, protocol/pkt_type/pad.
    for v in [5u32, 6, 3, 3, 2, 0] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.extend_from_slice(&[7, 8, 9]);
    let (records, end) = read_all(&bytes);
    end.unwrap();
    assert_eq!(
        records,
        vec![Owned::new(0, ts(5, 6000), 1, 0, 3, &[7, 8, 9])]
    );
}

#[test]
fn legacy_modified_format_is_read_in_both_byte_orders() {
    for big_endian in [false, true] {
        let put = |bytes: &mut Vec<u8>, v: u32| {
            bytes.extend_from_slice(&if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            })
        };
        let mut bytes = Vec::new();
        for v in [0xa1b2_cd34u32, 0x0004_0002, 0, 0, 65_535, 113] {
            put(&mut bytes, v);
        }
        let mut expected = Vec::new();
        for (i, data) in [payload(1, 60), Vec::new(), payload(2, 1514)]
            .iter()
            .enumerate()
        {
            let secs = 1_700_000_000 + i as u32;
            // 24-byte record header: ts, ts, incl, orig, ifindex, protocol/pkt_type/pad.
            for v in [secs, 250_000, data.len() as u32, 1514, 2, 0x0800_0400] {
                put(&mut bytes, v);
            }
            bytes.extend_from_slice(data);
            expected.push(Owned::new(
                i as u64,
                ts(u64::from(secs), 250_000_000),
                113,
                0,
                1514,
                data,
            ));
        }
        let reader = CaptureReader::new(bytes.as_slice()).unwrap();
        assert_eq!(
            reader.format(),
            Format::Pcap {
                big_endian,
                nanosecond: false
            }
        );
        let (records, end) = read_all(&bytes);
        end.unwrap();
        assert_eq!(records, expected, "big-endian: {big_endian}");
        let (records, end) = read_all_from(CaptureReader::with_options(
            Trickle {
                data: &bytes,
                interrupt: true,
            },
            small(32),
        ));
        end.unwrap();
        assert_eq!(records, expected, "trickled, big-endian: {big_endian}");
        // Cut inside the last record's data: the others, then the error at its offset.
        let cut = bytes.len() - 100;
        let (records, end) = read_all(&bytes[..cut]);
        assert_eq!(records, expected[..2]);
        let last = 24 + 24 + 60 + 24;
        assert!(
            matches!(end, Err(swyx_pcap::CaptureError::Truncated { offset, record: 2, .. }) if offset == last),
            "{end:?}"
        );
    }
}

#[test]
fn simple_packet_blocks_have_no_timestamp() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 0, None, None);
    w.spb(4, &payload(1, 4));
    w.epb(0, 1_700_000_000_000_000, 4, &payload(2, 4));
    w.spb(4, &payload(3, 4));
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    let times: Vec<_> = records.iter().map(|r| r.timestamp).collect();
    assert_eq!(times, [None, Some(ts(1_700_000_000, 0)), None]);
}

/// Builds a two-section pcapng and the records expected from it.
fn pcapng_sample(first_big_endian: bool, second_big_endian: bool) -> (Vec<u8>, Vec<Owned>) {
    let mut w = PcapngWriter::new();
    let mut expected = Vec::new();
    let push = |expected: &mut Vec<Owned>, t: Option<Timestamp>, lt, iface, orig, data: &[u8]| {
        let index = expected.len() as u64;
        expected.push(Owned::new(index, t, lt, iface, orig, data));
    };
    w.shb(first_big_endian);
    w.idb(1, 65_535, None, None); // interface 0: Ethernet, microseconds by default
    w.idb(101, 0, Some(9), None); // interface 1: raw IP, nanoseconds
    w.other(4, &[0, 0, 0, 0]); // empty name resolution block
    w.epb(0, 1_700_000_000_123_456, 60, &payload(1, 60));
    push(
        &mut expected,
        Some(ts(1_700_000_000, 123_456_000)),
        1,
        0,
        60,
        &payload(1, 60),
    );
    w.epb(1, 1_700_000_000_123_456_789, 1500, &payload(2, 41));
    push(
        &mut expected,
        Some(ts(1_700_000_000, 123_456_789)),
        101,
        1,
        1500,
        &payload(2, 41),
    );
    w.other(0x0000_0BAD, &[0x12, 0x34, 0x56, 0x78, 1, 2, 3]); // custom block
    w.other(0x7777_0001, &[0xAA; 10]); // unknown block
    w.spb(5, &payload(3, 5));
    push(&mut expected, None, 1, 0, 5, &payload(3, 5));
    w.pb(1, 2_000_000_000_500_000_000, 7, &payload(4, 7));
    push(
        &mut expected,
        Some(ts(2_000_000_000, 500_000_000)),
        101,
        1,
        7,
        &payload(4, 7),
    );
    // Second section: its own byte order and interfaces.
    w.shb(second_big_endian);
    w.idb(113, 128, Some(0x80 | 10), Some(100)); // 2^-10 s ticks, +100 s
    w.epb(0, 1536, 200, &payload(5, 128));
    push(
        &mut expected,
        Some(ts(101, 500_000_000)),
        113,
        0,
        200,
        &payload(5, 128),
    );
    w.spb(300, &payload(6, 300)); // captured length capped by snaplen 128
    push(&mut expected, None, 113, 0, 300, &payload(6, 128));
    w.spb(2, &payload(7, 4)); // captured length capped by the original length
    push(&mut expected, None, 113, 0, 2, &payload(7, 2));
    (w.bytes, expected)
}

fn pcapng_round_trip(first_big_endian: bool, second_big_endian: bool) {
    let (bytes, expected) = pcapng_sample(first_big_endian, second_big_endian);
    let reader = CaptureReader::new(bytes.as_slice()).unwrap();
    assert_eq!(reader.format(), Format::PcapNg);
    let (records, end) = read_all(&bytes);
    end.unwrap();
    assert_eq!(records, expected);
    let (records, end) = read_all_from(CaptureReader::with_options(
        Trickle {
            data: &bytes,
            interrupt: true,
        },
        small(32),
    ));
    end.unwrap();
    assert_eq!(records, expected);
}

#[test]
fn pcapng_little_endian() {
    pcapng_round_trip(false, false);
}

#[test]
fn pcapng_big_endian() {
    pcapng_round_trip(true, true);
}

#[test]
fn pcapng_sections_of_different_byte_orders() {
    pcapng_round_trip(false, true);
    pcapng_round_trip(true, false);
}

#[test]
fn pcapng_two_interfaces_link_types_and_resolutions() {
    let mut w = PcapngWriter::new();
    w.shb(false);
    w.idb(1, 65_535, Some(6), None);
    w.idb(101, 65_535, Some(9), None);
    w.epb(1, 1_600_000_000_000_000_001, 20, &payload(1, 20));
    w.epb(0, 1_600_000_000_000_001, 30, &payload(2, 30));
    w.epb(1, 5, 20, &payload(3, 20));
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert_eq!(
        records,
        vec![
            Owned::new(0, ts(1_600_000_000, 1), 101, 1, 20, &payload(1, 20)),
            Owned::new(1, ts(1_600_000_000, 1_000), 1, 0, 30, &payload(2, 30)),
            Owned::new(2, ts(0, 5), 101, 1, 20, &payload(3, 20)),
        ]
    );
}

#[test]
fn pcapng_big_endian_tsoffset() {
    let mut w = PcapngWriter::new();
    w.shb(true);
    w.idb(1, 0, None, Some(-10));
    w.epb(0, 15_000_000, 1, &[1]);
    let (records, end) = read_all(&w.bytes);
    end.unwrap();
    assert_eq!(records[0].timestamp, Some(ts(5, 0)));
}

#[test]
fn progress_counters() {
    let (bytes, expected) = pcapng_sample(false, false);
    let mut reader = CaptureReader::new(bytes.as_slice()).unwrap();
    let mut last = reader.bytes_consumed();
    while let Some(record) = reader.next_record().unwrap() {
        let index = record.index;
        assert!(reader.bytes_consumed() > last);
        last = reader.bytes_consumed();
        assert_eq!(reader.records_read(), index + 1);
    }
    assert_eq!(reader.bytes_consumed(), bytes.len() as u64);
    assert_eq!(reader.records_read(), expected.len() as u64);
}

#[test]
fn open_reads_a_file() {
    let mut w = PcapWriter::with_format(false, false, 65_535, 1);
    w.packet(1, 2, 3, &[1, 2, 3]);
    let path = std::env::temp_dir().join(format!("swyx-pcap-open-{}.pcap", std::process::id()));
    std::fs::write(&path, &w.bytes).unwrap();
    let mut reader = CaptureReader::open(&path).unwrap();
    assert_eq!(reader.next_record().unwrap().unwrap().data, &[1, 2, 3]);
    assert!(reader.next_record().unwrap().is_none());
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        CaptureReader::open(&path),
        Err(swyx_pcap::CaptureError::Io { offset: 0, .. })
    ));
}

#[test]
fn reader_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<CaptureReader<std::fs::File>>();
    assert_send::<swyx_pcap::CaptureError>();
}

#[test]
fn oversized_initial_buffer_is_capped_by_max_block() {
    let mut w = PcapWriter::with_format(false, false, 65_535, 1);
    w.packet(1, 2, 3, &[1, 2, 3]);
    let options = swyx_pcap::ReaderOptions {
        initial_buffer: usize::MAX,
        max_block: 4096,
    };
    let mut reader = CaptureReader::with_options(w.bytes.as_slice(), options).unwrap();
    assert_eq!(reader.buffer_capacity(), 4096);
    assert_eq!(reader.next_record().unwrap().unwrap().data, &[1, 2, 3]);
}
