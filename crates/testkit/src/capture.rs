//! Capture files written in memory, for the reader's tests, the fuzz seeds and the shipped
//! capture: [`PcapWriter`] for legacy pcap (either byte order, micro- or nanoseconds),
//! [`PcapngWriter`] for pcapng (any block, byte order per section). Both leave the file in a
//! public `bytes` field, so a test can cut or corrupt it.
//!
//! ```
//! use swyx_testkit::capture::PcapWriter;
//! let mut writer = PcapWriter::new(1); // Ethernet
//! writer.record(1_000_000, &[0; 60]);
//! assert_eq!(writer.into_bytes().len(), 24 + 16 + 60);
//! ```

use swyx_pcap::Timestamp;

/// A legacy pcap writer into a `Vec<u8>`.
#[derive(Debug, Clone)]
pub struct PcapWriter {
    /// The file so far.
    pub bytes: Vec<u8>,
    big_endian: bool,
    nanosecond: bool,
}

impl PcapWriter {
    /// A little-endian, microsecond file with link type `linktype` and snapshot length 262144.
    pub fn new(linktype: u32) -> PcapWriter {
        PcapWriter::with_format(false, false, 262_144, linktype)
    }

    /// A file in the given byte order and timestamp unit.
    pub fn with_format(
        big_endian: bool,
        nanosecond: bool,
        snaplen: u32,
        link_type: u32,
    ) -> PcapWriter {
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

    /// Appends a 16-bit field in the file's byte order.
    pub fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    /// Appends a 32-bit field in the file's byte order.
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

    /// Appends a whole record at `micros` microseconds since the epoch.
    pub fn record(&mut self, micros: u64, data: &[u8]) {
        let frac = (micros % 1_000_000) as u32;
        let frac = if self.nanosecond { frac * 1000 } else { frac };
        self.packet((micros / 1_000_000) as u32, frac, data.len() as u32, data);
    }

    /// The timestamp this writer's `frac` unit stands for.
    pub fn timestamp(&self, secs: u32, frac: u32) -> Timestamp {
        let nanos = if self.nanosecond { frac } else { frac * 1000 };
        Timestamp {
            secs: u64::from(secs),
            nanos,
        }
    }

    /// The file's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// A pcapng writer into a `Vec<u8>`, in the byte order of the last section header written.
#[derive(Debug, Clone, Default)]
pub struct PcapngWriter {
    /// The file so far.
    pub bytes: Vec<u8>,
    big_endian: bool,
}

/// pcapng option code `opt_endofopt`.
pub const OPT_END: u16 = 0;
/// pcapng option code `opt_comment`.
pub const OPT_COMMENT: u16 = 1;
/// pcapng option code `if_name`.
pub const IF_NAME: u16 = 2;
/// pcapng option code `if_tsresol`.
pub const IF_TSRESOL: u16 = 9;
/// pcapng option code `if_tsoffset`.
pub const IF_TSOFFSET: u16 = 14;

impl PcapngWriter {
    /// An empty file: start it with [`shb`](Self::shb).
    pub fn new() -> Self {
        PcapngWriter::default()
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
