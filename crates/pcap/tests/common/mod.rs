//! Reading helpers shared by the integration tests; the capture writers are the test kit's.

#![allow(dead_code)]

use std::io::{self, Read};

use swyx_pcap::{CaptureError, CaptureReader, ReaderOptions, Record, Timestamp};
pub use swyx_testkit::capture::{PcapWriter, PcapngWriter};

/// A record copied out of the reader, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub index: u64,
    pub timestamp: Option<Timestamp>,
    pub link_type: u32,
    pub interface: u32,
    pub original_len: u32,
    pub data: Vec<u8>,
}

impl Owned {
    pub fn new(
        index: u64,
        timestamp: impl Into<Option<Timestamp>>,
        link_type: u32,
        interface: u32,
        original_len: u32,
        data: &[u8],
    ) -> Self {
        Owned {
            index,
            timestamp: timestamp.into(),
            link_type,
            interface,
            original_len,
            data: data.to_vec(),
        }
    }
}

impl Owned {
    /// A copy of `record`.
    pub fn of(record: &Record<'_>) -> Self {
        Owned::new(
            record.index,
            record.timestamp,
            record.link_type,
            record.interface,
            record.original_len,
            record.data,
        )
    }
}

/// Tiny deterministic generator, so the tests need no extra crates.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Overwrites one to four bytes of `bytes`, and one time in four cuts it short.
    pub fn damage(&mut self, bytes: &mut Vec<u8>) {
        for _ in 0..1 + self.next() % 4 {
            let at = (self.next() as usize) % bytes.len();
            bytes[at] = match self.next() % 4 {
                0 => 0xFF,
                1 => 0,
                _ => self.next() as u8,
            };
        }
        if self.next() % 4 == 0 {
            let cut = (self.next() as usize) % bytes.len();
            bytes.truncate(cut);
        }
    }
}

/// Reads every record, returning them and how reading ended (`Ok` for a clean end).
///
/// Also checks that a finished reader stays finished and that no call loops forever.
pub fn read_all_from<R: Read>(
    reader: Result<CaptureReader<R>, CaptureError>,
) -> (Vec<Owned>, Result<(), CaptureError>) {
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Err(e)),
    };
    let mut records = Vec::new();
    let outcome = loop {
        assert!(records.len() < 10_000_000, "reader does not terminate");
        match reader.next_record() {
            Ok(Some(r)) => {
                assert_eq!(r.index, records.len() as u64);
                records.push(Owned::of(&r));
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert_eq!(reader.records_read(), records.len() as u64);
    for _ in 0..3 {
        assert!(matches!(reader.next_record(), Ok(None)));
    }
    (records, outcome)
}

/// Reads `bytes` with the given options.
pub fn read_all_with(
    bytes: &[u8],
    options: ReaderOptions,
) -> (Vec<Owned>, Result<(), CaptureError>) {
    read_all_from(CaptureReader::with_options(bytes, options))
}

/// Reads `bytes` with default options.
pub fn read_all(bytes: &[u8]) -> (Vec<Owned>, Result<(), CaptureError>) {
    read_all_from(CaptureReader::new(bytes))
}

/// Options with a small initial buffer, for exercising growth.
pub fn small(initial_buffer: usize) -> ReaderOptions {
    ReaderOptions {
        initial_buffer,
        ..ReaderOptions::default()
    }
}

pub fn ts(secs: u64, nanos: u32) -> Timestamp {
    Timestamp { secs, nanos }
}

/// Deterministic packet payload of `len` bytes.
pub fn payload(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add(i as u8)).collect()
}

/// A reader handing out at most one byte per call, interrupted every other call.
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub interrupt: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        match (self.data.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.data = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// A reader that fails with `kind` once `good` bytes have been read.
pub struct FailAfter<'a> {
    pub data: &'a [u8],
    pub good: usize,
}

impl Read for FailAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.good == 0 {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "disk on fire",
            ));
        }
        let n = buf.len().min(self.good).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.good -= n;
        Ok(n)
    }
}
