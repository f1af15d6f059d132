//! Small capture writers and reading helpers shared by the integration tests.

#![allow(dead_code)]

use std::io::{self, Read};

use swyx_pcap::{CaptureError, CaptureReader, ReaderOptions, Timestamp};

/// A record copied out of the reader, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    pub index: u64,
    pub timestamp: Timestamp,
    pub link_type: u32,
    pub interface: u32,
    pub original_len: u32,
    pub data: Vec<u8>,
}

impl Owned {
    pub fn new(
        index: u64,
        timestamp: Timestamp,
        link_type: u32,
        interface: u32,
        original_len: u32,
        data: &[u8],
    ) -> Self {
        Owned {
            index,
            timestamp,
            link_type,
            interface,
            original_len,
            data: data.to_vec(),
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
                records.push(Owned::new(
                    r.index,
                    r.timestamp,
                    r.link_type,
                    r.interface,
                    r.original_len,
                    r.data,
                ));
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

/// Writer of legacy pcap files.
pub struct PcapWriter {
    pub bytes: Vec<u8>,
    big_endian: bool,
    nanosecond: bool,
}

impl PcapWriter {
    pub fn new(big_endian: bool, nanosecond: bool, snaplen: u32, link_type: u32) -> Self {
        let mut w = PcapWriter {
            bytes: Vec::new(),
            big_endian,
            nanosecond,
        };
        w.u32(if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
        w.u16(2);
        w.u16(4);
        w.u32(0);
        w.u32(0);
        w.u32(snaplen);
        w.u32(link_type);
        w
    }

    pub fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    pub fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    /// A record header with arbitrary lengths (no data).
    pub fn record_header(&mut self, secs: u32, frac: u32, incl_len: u32, orig_len: u32) {
        self.u32(secs);
        self.u32(frac);
        self.u32(incl_len);
        self.u32(orig_len);
    }

    /// A complete record; `frac` is in micro- or nanoseconds per the file's magic.
    pub fn packet(&mut self, secs: u32, frac: u32, orig_len: u32, data: &[u8]) -> &mut Self {
        self.record_header(secs, frac, data.len() as u32, orig_len);
        self.bytes.extend_from_slice(data);
        self
    }

    /// The timestamp this writer's `frac` unit stands for.
    pub fn timestamp(&self, secs: u32, frac: u32) -> Timestamp {
        let nanos = if self.nanosecond { frac } else { frac * 1000 };
        ts(u64::from(secs), nanos)
    }
}

/// Writer of pcapng files (byte order chosen per section).
pub struct NgWriter {
    pub bytes: Vec<u8>,
    big_endian: bool,
}

/// pcapng option codes used by the tests.
pub const OPT_END: u16 = 0;
pub const OPT_COMMENT: u16 = 1;
pub const IF_NAME: u16 = 2;
pub const IF_TSRESOL: u16 = 9;
pub const IF_TSOFFSET: u16 = 14;

impl Default for NgWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl NgWriter {
    pub fn new() -> Self {
        NgWriter {
            bytes: Vec::new(),
            big_endian: false,
        }
    }

    fn enc32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn enc16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    /// Encodes options (each padded to 32 bits) followed by opt_endofopt.
    pub fn options(&self, options: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        if options.is_empty() {
            return out;
        }
        for (code, value) in options {
            out.extend_from_slice(&self.enc16(*code));
            out.extend_from_slice(&self.enc16(value.len() as u16));
            out.extend_from_slice(value);
            while out.len() % 4 != 0 {
                out.push(0);
            }
        }
        out.extend_from_slice(&self.enc16(OPT_END));
        out.extend_from_slice(&self.enc16(0));
        out
    }

    /// A block with the given type and body (padded to 32 bits); returns its start offset.
    pub fn block(&mut self, block_type: u32, body: &[u8]) -> usize {
        let start = self.bytes.len();
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        let t = self.enc32(block_type);
        self.bytes.extend_from_slice(&t);
        let l = self.enc32(len);
        self.bytes.extend_from_slice(&l);
        self.bytes.extend_from_slice(body);
        self.bytes.resize(self.bytes.len() + padded - body.len(), 0);
        self.bytes.extend_from_slice(&l);
        start
    }

    /// A Section Header Block starting a section in the given byte order.
    pub fn shb(&mut self, big_endian: bool) -> usize {
        self.big_endian = big_endian;
        let mut body = Vec::new();
        body.extend_from_slice(&self.enc32(0x1A2B_3C4D));
        body.extend_from_slice(&self.enc16(1));
        body.extend_from_slice(&self.enc16(0));
        body.extend_from_slice(&(-1i64).to_le_bytes());
        body.extend_from_slice(&self.options(&[(4, b"swyx-pcap tests".to_vec())]));
        self.block(0x0A0D_0D0A, &body)
    }

    /// An Interface Description Block with optional if_tsresol and if_tsoffset.
    pub fn idb(
        &mut self,
        link_type: u16,
        snaplen: u32,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.enc16(link_type));
        body.extend_from_slice(&self.enc16(0));
        body.extend_from_slice(&self.enc32(snaplen));
        let mut options = vec![(IF_NAME, b"eth0".to_vec())];
        if let Some(r) = tsresol {
            options.push((IF_TSRESOL, vec![r]));
        }
        if let Some(o) = tsoffset {
            let b = if self.big_endian {
                o.to_be_bytes()
            } else {
                o.to_le_bytes()
            };
            options.push((IF_TSOFFSET, b.to_vec()));
        }
        body.extend_from_slice(&self.options(&options));
        self.block(1, &body)
    }

    /// An Enhanced Packet Block; `ticks` is in the interface's resolution units.
    pub fn epb(&mut self, if_id: u32, ticks: u64, orig_len: u32, data: &[u8]) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.enc32(if_id));
        body.extend_from_slice(&self.enc32((ticks >> 32) as u32));
        body.extend_from_slice(&self.enc32(ticks as u32));
        body.extend_from_slice(&self.enc32(data.len() as u32));
        body.extend_from_slice(&self.enc32(orig_len));
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        body.extend_from_slice(&self.options(&[(OPT_COMMENT, b"hello".to_vec())]));
        self.block(6, &body)
    }

    /// A Simple Packet Block.
    pub fn spb(&mut self, orig_len: u32, data: &[u8]) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.enc32(orig_len));
        body.extend_from_slice(data);
        self.block(3, &body)
    }

    /// An obsolete Packet Block.
    pub fn pb(&mut self, if_id: u16, ticks: u64, orig_len: u32, data: &[u8]) -> usize {
        let mut body = Vec::new();
        body.extend_from_slice(&self.enc16(if_id));
        body.extend_from_slice(&self.enc16(0));
        body.extend_from_slice(&self.enc32((ticks >> 32) as u32));
        body.extend_from_slice(&self.enc32(ticks as u32));
        body.extend_from_slice(&self.enc32(data.len() as u32));
        body.extend_from_slice(&self.enc32(orig_len));
        body.extend_from_slice(data);
        self.block(2, &body)
    }

    /// A block of a type this crate does not know (or a name-resolution/statistics block).
    pub fn other(&mut self, block_type: u32, body: &[u8]) -> usize {
        self.block(block_type, body)
    }

    /// Overwrites a 32-bit field in the current section's byte order.
    pub fn patch32(&mut self, at: usize, v: u32) {
        let b = self.enc32(v);
        self.bytes[at..at + 4].copy_from_slice(&b);
    }
}
