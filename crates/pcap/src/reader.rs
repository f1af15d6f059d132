//! The streaming capture reader.

use std::io::{self, Read};
use std::ops::Range;

use pcap_parser::pcapng::{Block, InterfaceDescriptionBlock, OptionCode};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};

use crate::error::CaptureError;
use crate::framing::{
    self, BlockInfo, Frame, FrameError, EPB_TYPE, IDB_TYPE, PB_TYPE, PCAP_FILE_HEADER_LEN,
    PCAP_MODIFIED_RECORD_HEADER_LEN, PCAP_RECORD_HEADER_LEN, SHB_TYPE, SPB_TYPE,
};
use crate::record::{Format, Record, Timestamp};
use crate::source::{read_exact_or_eof, read_full, ErrorSlot, Source};
use crate::time::{legacy_timestamp, Resolution};

/// The record header of standard legacy pcap (the old "modified" format has 24 bytes).
const LEGACY_RECORD_HEADER: usize = 16;

/// Smallest buffer the reader works with, whatever [`ReaderOptions::initial_buffer`] says.
pub const MIN_BUFFER: usize = 32;

/// Most interfaces one pcapng section may declare; more is reported as corrupt, so that the
/// interface table cannot grow with the file size.
pub const MAX_INTERFACES: usize = 1 << 16;

/// Buffer sizes of a [`CaptureReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderOptions {
    /// Initial buffer size in bytes (default 64 KiB). Raised to [`MIN_BUFFER`] if smaller, and
    /// lowered to `max_block` if larger (but never below [`MIN_BUFFER`]).
    pub initial_buffer: usize,
    /// Largest record or block accepted, in bytes, headers included (default 16 MiB). The
    /// buffer doubles from `initial_buffer` only when a single record or block needs it, and
    /// never beyond this limit; a larger length field gives
    /// [`CaptureError::BlockTooLarge`] without allocating.
    pub max_block: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            initial_buffer: 64 * 1024,
            max_block: 16 * 1024 * 1024,
        }
    }
}

/// Per-interface facts of a pcapng section.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    resolution: Resolution,
    offset_secs: i64,
}

impl Interface {
    fn from_idb(idb: &InterfaceDescriptionBlock<'_>, big_endian: bool) -> Self {
        let mut tsresol = None;
        let mut offset_secs = None;
        for option in &idb.options {
            let Ok(value) = option.as_bytes() else {
                continue;
            };
            if option.code == OptionCode::IfTsresol && tsresol.is_none() {
                tsresol = value.first().copied();
            } else if option.code == OptionCode::IfTsoffset && offset_secs.is_none() {
                // pcap-parser decodes this option as little-endian only; decode it here in
                // the section's byte order.
                if let Some(raw) = value.get(..8).and_then(|v| <[u8; 8]>::try_from(v).ok()) {
                    offset_secs = Some(if big_endian {
                        i64::from_be_bytes(raw)
                    } else {
                        i64::from_le_bytes(raw)
                    });
                }
            }
        }
        Interface {
            link_type: u32::try_from(idb.linktype.0).unwrap_or_default() & 0xFFFF,
            snaplen: idb.snaplen,
            resolution: tsresol.map_or(Resolution::MICROS, Resolution::from_tsresol),
            offset_secs: offset_secs.unwrap_or(0),
        }
    }
}

/// Format-specific reading state.
#[derive(Debug)]
enum State {
    Legacy {
        big_endian: bool,
        nanosecond: bool,
        header_len: usize,
        link_type: u32,
    },
    Ng {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// The pcap-parser streaming reader for the file's format.
enum Inner<R: Read> {
    Legacy(LegacyPcapReader<Source<R>>),
    Ng(PcapNGReader<Source<R>>),
}

impl<R: Read> Inner<R> {
    fn get(&mut self) -> &mut dyn PcapReaderIterator {
        match self {
            Inner::Legacy(r) => r,
            Inner::Ng(r) => r,
        }
    }

    fn get_ref(&self) -> &dyn PcapReaderIterator {
        match self {
            Inner::Legacy(r) => r,
            Inner::Ng(r) => r,
        }
    }
}

/// A standard legacy record found in the buffer: where its data lies, and its header fields.
struct BufferedRecord {
    start: usize,
    end: usize,
    timestamp: Timestamp,
    link_type: u32,
    original_len: u32,
}

/// A packet found in the buffer, described without borrowing it.
struct Found {
    timestamp: Timestamp,
    link_type: u32,
    interface: u32,
    original_len: u32,
    /// Packet bytes within the buffered data.
    range: Range<usize>,
    /// Bytes to consume once the caller is done with the packet.
    block_len: usize,
}

/// Outcome of handling one complete record or block.
enum Step {
    Packet(Found),
    Skipped(usize),
}

/// Streaming reader of legacy pcap and pcapng captures, with memory bounded by its buffer.
///
/// Reads from any [`Read`]; no extra buffering (such as `BufReader`) is needed. The buffer
/// starts at [`ReaderOptions::initial_buffer`] bytes and grows (doubling) only when a single
/// record or block does not fit, up to [`ReaderOptions::max_block`].
///
/// After an error the reader is finished: further calls to [`next_record`](Self::next_record)
/// return `Ok(None)`.
pub struct CaptureReader<R: Read> {
    inner: Inner<R>,
    errors: ErrorSlot,
    state: State,
    format: Format,
    options: ReaderOptions,
    capacity: usize,
    /// File offset of the first byte in the buffer.
    offset: u64,
    /// Bytes of the record last returned, consumed on the next call.
    pending: usize,
    records: u64,
    finished: bool,
}

impl<R: Read> std::fmt::Debug for CaptureReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("format", &self.format)
            .field("bytes_consumed", &self.bytes_consumed())
            .field("records_read", &self.records)
            .field("buffer_capacity", &self.capacity)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl CaptureReader<std::fs::File> {
    /// Opens the capture file at `path` with default options.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, CaptureError> {
        let file = std::fs::File::open(path).map_err(|source| CaptureError::Io {
            offset: 0,
            record: 0,
            source,
        })?;
        Self::new(file)
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads and checks the file header, with default [`ReaderOptions`].
    pub fn new(reader: R) -> Result<Self, CaptureError> {
        Self::with_options(reader, ReaderOptions::default())
    }

    /// Reads and checks the file header (for pcapng the first Section Header Block).
    pub fn with_options(mut reader: R, options: ReaderOptions) -> Result<Self, CaptureError> {
        let options = ReaderOptions {
            initial_buffer: options
                .initial_buffer
                .clamp(MIN_BUFFER, options.max_block.max(MIN_BUFFER)),
            max_block: options.max_block,
        };
        let mut magic = [0u8; 4];
        let got = read_full(&mut reader, &mut magic).map_err(|(n, e)| io_error(n as u64, 0, e))?;
        if got == 0 {
            return Err(CaptureError::Empty);
        }
        if got < magic.len() && !is_magic_prefix(&magic[..got]) {
            return Err(CaptureError::BadMagic {
                offset: 0,
                found: magic,
            });
        }
        if got < magic.len() {
            return Err(truncated(0, 0, magic.len(), got));
        }
        let mut prefix = magic.to_vec();
        let errors = ErrorSlot::default();
        match u32::from_le_bytes(magic) {
            0xA1B2_C3D4 | 0xA1B2_3C4D | 0xD4C3_B2A1 | 0x4D3C_B2A1 | 0xA1B2_CD34 => {
                let big_endian = magic[0] == 0xA1;
                let nanosecond =
                    magic == [0x4D, 0x3C, 0xB2, 0xA1] || magic == [0xA1, 0xB2, 0x3C, 0x4D];
                let header_len = if magic == [0x34, 0xCD, 0xB2, 0xA1] {
                    PCAP_MODIFIED_RECORD_HEADER_LEN
                } else {
                    PCAP_RECORD_HEADER_LEN
                };
                read_exact_or_eof(&mut reader, PCAP_FILE_HEADER_LEN - 4, &mut prefix)
                    .map_err(|(n, e)| io_error(4 + n as u64, 0, e))?;
                if prefix.len() < PCAP_FILE_HEADER_LEN {
                    return Err(truncated(0, 0, PCAP_FILE_HEADER_LEN, prefix.len()));
                }
                let source = Source::new(prefix, reader, errors.clone());
                let mut legacy = LegacyPcapReader::new(options.initial_buffer, source)
                    .map_err(|e| header_error(e, &errors))?;
                let link_type = match legacy.next() {
                    Ok((_, PcapBlockOwned::LegacyHeader(header))) => {
                        u32::try_from(header.network.0 & 0xFFFF).unwrap_or_default()
                    }
                    _ => return Err(corrupt(0, 0, "the pcap file header is malformed")),
                };
                legacy.consume(PCAP_FILE_HEADER_LEN);
                Ok(Self::assemble(
                    Inner::Legacy(legacy),
                    errors,
                    State::Legacy {
                        big_endian,
                        nanosecond,
                        header_len,
                        link_type,
                    },
                    Format::Pcap {
                        big_endian,
                        nanosecond,
                    },
                    options,
                    options.initial_buffer,
                    PCAP_FILE_HEADER_LEN as u64,
                ))
            }
            SHB_TYPE => {
                read_exact_or_eof(&mut reader, 8, &mut prefix)
                    .map_err(|(n, e)| io_error(4 + n as u64, 0, e))?;
                let info = match framing::pcapng_frame(&prefix, false, options.max_block) {
                    Ok(Frame::Block(info)) => info,
                    Ok(Frame::Need(_)) => return Err(truncated(0, 0, 12, prefix.len())),
                    Err(e) => return Err(frame_error(e, 0, 0, options.max_block)),
                };
                read_exact_or_eof(&mut reader, info.len - prefix.len(), &mut prefix)
                    .map_err(|(n, e)| io_error(12 + n as u64, 0, e))?;
                if prefix.len() < info.len {
                    return Err(truncated(0, 0, info.len, prefix.len()));
                }
                framing::check_trailer(&prefix, &info)
                    .map_err(|e| frame_error(e, 0, 0, options.max_block))?;
                let capacity = grown_capacity(options, options.initial_buffer, info.len);
                let source = Source::new(prefix, reader, errors.clone());
                let ng =
                    PcapNGReader::new(capacity, source).map_err(|e| header_error(e, &errors))?;
                Ok(Self::assemble(
                    Inner::Ng(ng),
                    errors,
                    State::Ng {
                        big_endian: info.big_endian,
                        interfaces: Vec::new(),
                    },
                    Format::PcapNg,
                    options,
                    capacity,
                    0,
                ))
            }
            _ => Err(CaptureError::BadMagic {
                offset: 0,
                found: magic,
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        inner: Inner<R>,
        errors: ErrorSlot,
        state: State,
        format: Format,
        options: ReaderOptions,
        capacity: usize,
        offset: u64,
    ) -> Self {
        CaptureReader {
            inner,
            errors,
            state,
            format,
            options,
            capacity,
            offset,
            pending: 0,
            records: 0,
            finished: false,
        }
    }

    /// The container format, as found in the file header.
    pub fn format(&self) -> Format {
        self.format
    }

    /// File offset of the next unread byte (the end of the last record returned), for
    /// progress reporting.
    pub fn bytes_consumed(&self) -> u64 {
        self.offset + self.pending as u64
    }

    /// Number of packet records returned so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Current size of the read buffer in bytes.
    pub fn buffer_capacity(&self) -> usize {
        self.capacity
    }

    /// Returns the next packet record, or `Ok(None)` at a clean end of file.
    ///
    /// The record borrows the reader's buffer, so it must be dropped before the next call.
    /// Every complete record before a defect is returned before the error is; after an error
    /// (or the end) every further call returns `Ok(None)`.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>, CaptureError> {
        // Standard legacy records already in the buffer are handed out straight from their
        // 16-byte header, and consumed all at once when the buffer needs refilling (the reader
        // bench shows the difference); everything else takes the general path below.
        if let Some(fast) = self.buffered_legacy_record() {
            let index = self.records;
            self.records += 1;
            self.pending = fast.end;
            let data = match &self.inner {
                Inner::Legacy(inner) => inner.data().get(fast.start..fast.end),
                Inner::Ng(_) => None,
            };
            return Ok(Some(Record {
                index,
                timestamp: fast.timestamp,
                link_type: fast.link_type,
                interface: 0,
                original_len: fast.original_len,
                data: data.unwrap_or_default(),
            }));
        }
        if self.pending > 0 {
            self.consume(self.pending);
            self.pending = 0;
        }
        if self.finished {
            return Ok(None);
        }
        let found = match self.advance() {
            Ok(Some(found)) => found,
            Ok(None) => {
                self.finished = true;
                return Ok(None);
            }
            Err(e) => {
                self.finished = true;
                return Err(e);
            }
        };
        let index = self.records;
        let Some(data) = self.inner.get_ref().data().get(found.range) else {
            self.finished = true;
            return Err(corrupt(
                self.offset,
                index,
                "the packet data lies outside its block",
            ));
        };
        self.records += 1;
        self.pending = found.block_len;
        Ok(Some(Record {
            index,
            timestamp: found.timestamp,
            link_type: found.link_type,
            interface: found.interface,
            original_len: found.original_len,
            data,
        }))
    }

    /// The next record, when the file is legacy pcap with standard 16-byte record headers and
    /// the whole record is in the buffer after the records handed out but not yet consumed.
    #[inline]
    fn buffered_legacy_record(&self) -> Option<BufferedRecord> {
        let (
            false,
            &State::Legacy {
                big_endian,
                nanosecond,
                header_len: LEGACY_RECORD_HEADER,
                link_type,
            },
            Inner::Legacy(inner),
        ) = (self.finished, &self.state, &self.inner)
        else {
            return None;
        };
        let avail = inner.data().get(self.pending..)?;
        let header = avail.get(..LEGACY_RECORD_HEADER)?;
        let field = |at| framing::read_u32(header, at, big_endian);
        let len = usize::try_from(field(8)?)
            .ok()?
            .checked_add(LEGACY_RECORD_HEADER)
            .filter(|&len| len <= self.options.max_block && len <= avail.len())?;
        Some(BufferedRecord {
            start: self.pending + LEGACY_RECORD_HEADER,
            end: self.pending + len,
            timestamp: legacy_timestamp(field(0)?, field(4)?, nanosecond),
            link_type,
            original_len: field(12)?,
        })
    }

    /// Buffers and handles records or blocks until a packet is found or the file ends.
    fn advance(&mut self) -> Result<Option<Found>, CaptureError> {
        loop {
            let avail = self.inner.get_ref().data();
            let have = avail.len();
            let frame = match &self.state {
                State::Legacy {
                    big_endian,
                    header_len,
                    ..
                } => framing::legacy_frame(avail, *big_endian, *header_len, self.options.max_block),
                State::Ng { big_endian, .. } => {
                    framing::pcapng_frame(avail, *big_endian, self.options.max_block)
                }
            }
            .map_err(|e| frame_error(e, self.offset, self.records, self.options.max_block))?;
            let want = match frame {
                Frame::Block(info) if have >= info.len => {
                    match self.handle_block(info)? {
                        Step::Packet(found) => return Ok(Some(found)),
                        Step::Skipped(len) => self.consume(len),
                    }
                    continue;
                }
                Frame::Block(info) => info.len,
                Frame::Need(needed) => needed,
            };
            let exhausted = self.inner.get_ref().reader_exhausted();
            if exhausted && have == 0 {
                return Ok(None);
            }
            if exhausted {
                return Err(truncated(self.offset, self.records, want, have));
            }
            self.ensure_capacity(want)?;
            self.refill(have)?;
        }
    }

    /// Handles one complete record or block at the head of the buffer.
    fn handle_block(&mut self, info: BlockInfo) -> Result<Step, CaptureError> {
        let (offset, record) = (self.offset, self.records);
        if let State::Legacy {
            big_endian,
            nanosecond,
            header_len: LEGACY_RECORD_HEADER,
            link_type,
        } = self.state
        {
            // A standard legacy record was framed from its 16-byte header already: read the
            // other three fields here rather than parse the record a second time (the reader
            // bench shows the difference).
            let header = self.inner.get_ref().data().get(..LEGACY_RECORD_HEADER);
            let field = |at| header.and_then(|h| framing::read_u32(h, at, big_endian));
            let (Some(ts_sec), Some(ts_frac), Some(original_len)) = (field(0), field(4), field(12))
            else {
                return Err(corrupt(offset, record, "the pcap record header is cut"));
            };
            return Ok(Step::Packet(Found {
                timestamp: legacy_timestamp(ts_sec, ts_frac, nanosecond),
                link_type,
                interface: 0,
                original_len,
                range: LEGACY_RECORD_HEADER..info.len,
                block_len: info.len,
            }));
        }
        let is_ng = matches!(self.state, State::Ng { .. });
        if is_ng {
            let block = self
                .inner
                .get_ref()
                .data()
                .get(..info.len)
                .unwrap_or_default();
            framing::check_trailer(block, &info)
                .map_err(|e| frame_error(e, offset, record, self.options.max_block))?;
            match info.block_type {
                SHB_TYPE | IDB_TYPE | EPB_TYPE | SPB_TYPE => {}
                PB_TYPE => return self.packet_block(info),
                // Name resolution, statistics, custom and unknown blocks carry no packets.
                _ => return Ok(Step::Skipped(info.len)),
            }
        }
        let result = self.inner.get().next();
        match result {
            Ok((len, _)) if len != info.len => Err(corrupt(
                offset,
                record,
                "the parsed size differs from the declared record or block length",
            )),
            Ok((len, PcapBlockOwned::Legacy(block))) => {
                let State::Legacy {
                    nanosecond,
                    header_len,
                    link_type,
                    ..
                } = self.state
                else {
                    return Err(corrupt(offset, record, "unexpected pcap record"));
                };
                let start = header_len;
                let end = start + block.data.len();
                if block.data.len() != block.caplen as usize || end != len {
                    return Err(corrupt(
                        offset,
                        record,
                        "the pcap record length is inconsistent",
                    ));
                }
                Ok(Step::Packet(Found {
                    timestamp: legacy_timestamp(block.ts_sec, block.ts_usec, nanosecond),
                    link_type,
                    interface: 0,
                    original_len: block.origlen,
                    range: start..end,
                    block_len: len,
                }))
            }
            Ok((len, PcapBlockOwned::NG(block))) => {
                let State::Ng {
                    big_endian,
                    interfaces,
                } = &mut self.state
                else {
                    return Err(corrupt(offset, record, "unexpected pcapng block"));
                };
                match block {
                    Block::SectionHeader(_) => {
                        // A new section starts afresh: its own byte order, no interfaces.
                        *big_endian = info.big_endian;
                        interfaces.clear();
                        Ok(Step::Skipped(len))
                    }
                    Block::InterfaceDescription(idb) => {
                        if interfaces.len() >= MAX_INTERFACES {
                            return Err(corrupt(
                                offset,
                                record,
                                "the section declares too many interfaces",
                            ));
                        }
                        interfaces.push(Interface::from_idb(&idb, info.big_endian));
                        Ok(Step::Skipped(len))
                    }
                    Block::EnhancedPacket(epb) => {
                        let iface = lookup(interfaces, epb.if_id, offset, record)?;
                        let caplen = epb.caplen as usize;
                        let end = 28 + caplen;
                        if caplen > epb.data.len() || end + 4 > len {
                            return Err(corrupt(
                                offset,
                                record,
                                "the captured length exceeds the enhanced packet block",
                            ));
                        }
                        Ok(Step::Packet(Found {
                            timestamp: iface.resolution.timestamp(
                                epb.ts_high,
                                epb.ts_low,
                                iface.offset_secs,
                            ),
                            link_type: iface.link_type,
                            interface: epb.if_id,
                            original_len: epb.origlen,
                            range: 28..end,
                            block_len: len,
                        }))
                    }
                    Block::SimplePacket(spb) => {
                        let iface = lookup(interfaces, 0, offset, record)?;
                        let body = len.saturating_sub(16).min(spb.data.len());
                        let mut caplen = body.min(spb.origlen as usize);
                        if iface.snaplen != 0 {
                            caplen = caplen.min(iface.snaplen as usize);
                        }
                        Ok(Step::Packet(Found {
                            timestamp: Timestamp::default(),
                            link_type: iface.link_type,
                            interface: 0,
                            original_len: spb.origlen,
                            range: 12..12 + caplen,
                            block_len: len,
                        }))
                    }
                    _ => Ok(Step::Skipped(len)),
                }
            }
            Ok(_) => Err(corrupt(offset, record, "unexpected block")),
            Err(PcapError::ReadError) => Err(io_error(
                offset + self.inner.get_ref().data().len() as u64,
                record,
                self.errors
                    .take()
                    .unwrap_or_else(|| io::Error::other("read failed")),
            )),
            // The whole record or block is buffered, so any other complaint is about its
            // contents.
            Err(_) => Err(corrupt(offset, record, malformed(info.block_type, is_ng))),
        }
    }

    /// Handles an obsolete pcapng Packet Block, which pcap-parser does not decode.
    fn packet_block(&self, info: BlockInfo) -> Result<Step, CaptureError> {
        let (offset, record) = (self.offset, self.records);
        let State::Ng { interfaces, .. } = &self.state else {
            return Err(corrupt(offset, record, "unexpected pcapng block"));
        };
        let block = self.inner.get_ref().data();
        let be = info.big_endian;
        let field = |at: usize| framing::read_u32(block, at, be).unwrap_or_default();
        // The interface id is the high (first) half of the 32-bit word at offset 8.
        let word = field(8);
        let interface = if be { word >> 16 } else { word & 0xFFFF };
        let iface = lookup(interfaces, interface, offset, record)?;
        let caplen = field(20) as usize;
        if caplen > info.len - 32 {
            return Err(corrupt(
                offset,
                record,
                "the captured length exceeds the packet block",
            ));
        }
        Ok(Step::Packet(Found {
            timestamp: iface
                .resolution
                .timestamp(field(12), field(16), iface.offset_secs),
            link_type: iface.link_type,
            interface,
            original_len: field(24),
            range: 28..28 + caplen,
            block_len: info.len,
        }))
    }

    fn consume(&mut self, len: usize) {
        // Without shifting: pcap-parser's `consume` moves the buffered rest to the front
        // whenever half the buffer is read, again and again for a buffer full of small
        // records. `refill` shifts anyway, and it runs only when the next record does not fit,
        // so less than one record is left to move.
        self.inner.get().consume_noshift(len);
        self.offset += len as u64;
    }

    /// Grows the buffer (doubling) so that `want` bytes fit.
    fn ensure_capacity(&mut self, want: usize) -> Result<(), CaptureError> {
        if want <= self.capacity {
            return Ok(());
        }
        let capacity = grown_capacity(self.options, self.capacity, want);
        if capacity < want {
            return Err(CaptureError::BlockTooLarge {
                offset: self.offset,
                record: self.records,
                length: want as u64,
                max: self.options.max_block as u64,
            });
        }
        self.inner.get().grow(capacity);
        self.capacity = capacity;
        Ok(())
    }

    /// Reads more input; `have` is the number of bytes buffered before.
    fn refill(&mut self, have: usize) -> Result<(), CaptureError> {
        let read_offset = self.offset + have as u64;
        if self.inner.get().refill().is_err() {
            let source = self
                .errors
                .take()
                .unwrap_or_else(|| io::Error::other("read failed"));
            return Err(io_error(read_offset, self.records, source));
        }
        let inner = self.inner.get_ref();
        if inner.data().len() <= have && !inner.reader_exhausted() {
            // Cannot happen while the buffer has room; guards against spinning forever.
            return Err(io_error(
                read_offset,
                self.records,
                io::Error::other("no room left in the read buffer"),
            ));
        }
        Ok(())
    }
}

/// The capacity reached by doubling `from` until `want` fits, capped at the largest buffer the
/// options allow.
fn grown_capacity(options: ReaderOptions, from: usize, want: usize) -> usize {
    let limit = options.max_block.max(options.initial_buffer);
    let mut capacity = from.max(MIN_BUFFER);
    while capacity < want && capacity < limit {
        capacity = capacity.saturating_mul(2);
    }
    capacity.min(limit)
}

fn lookup(
    interfaces: &[Interface],
    interface: u32,
    offset: u64,
    record: u64,
) -> Result<Interface, CaptureError> {
    usize::try_from(interface)
        .ok()
        .and_then(|i| interfaces.get(i))
        .copied()
        .ok_or(CaptureError::UnknownInterface {
            offset,
            record,
            interface,
        })
}

fn malformed(block_type: u32, is_ng: bool) -> &'static str {
    match (is_ng, block_type) {
        (false, _) => "the pcap record is malformed",
        (true, SHB_TYPE) => "the section header block is malformed",
        (true, IDB_TYPE) => "the interface description block is malformed",
        (true, EPB_TYPE) => "the enhanced packet block is malformed",
        (true, SPB_TYPE) => "the simple packet block is malformed",
        (true, _) => "the block is malformed",
    }
}

/// Whether `bytes` could be the start of a pcap or pcapng magic number.
fn is_magic_prefix(bytes: &[u8]) -> bool {
    const MAGICS: [[u8; 4]; 6] = [
        [0xD4, 0xC3, 0xB2, 0xA1],
        [0xA1, 0xB2, 0xC3, 0xD4],
        [0x4D, 0x3C, 0xB2, 0xA1],
        [0xA1, 0xB2, 0x3C, 0x4D],
        [0x34, 0xCD, 0xB2, 0xA1],
        [0x0A, 0x0D, 0x0D, 0x0A],
    ];
    MAGICS.iter().any(|m| m.starts_with(bytes))
}

fn io_error(offset: u64, record: u64, source: io::Error) -> CaptureError {
    CaptureError::Io {
        offset,
        record,
        source,
    }
}

fn truncated(offset: u64, record: u64, needed: usize, available: usize) -> CaptureError {
    CaptureError::Truncated {
        offset,
        record,
        needed: needed as u64,
        available: available as u64,
    }
}

fn corrupt(offset: u64, record: u64, what: &'static str) -> CaptureError {
    CaptureError::Corrupt {
        offset,
        record,
        what,
    }
}

fn frame_error(error: FrameError, offset: u64, record: u64, max: usize) -> CaptureError {
    match error {
        FrameError::Corrupt(what) => corrupt(offset, record, what),
        FrameError::TooLarge(length) => CaptureError::BlockTooLarge {
            offset,
            record,
            length,
            max: max as u64,
        },
    }
}

/// Maps an error of pcap-parser's reader constructors (which parse the file header).
fn header_error(error: PcapError<&'static [u8]>, errors: &ErrorSlot) -> CaptureError {
    match error {
        PcapError::ReadError => io_error(
            0,
            0,
            errors
                .take()
                .unwrap_or_else(|| io::Error::other("read failed")),
        ),
        PcapError::HeaderNotRecognized => corrupt(0, 0, "the file header is not recognised"),
        _ => corrupt(0, 0, "the file header is malformed"),
    }
}
