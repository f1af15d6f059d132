//! The streaming capture reader: opening a file, buffer management, and handing each record or
//! block to the module of its format ([`legacy`](crate::legacy), [`pcapng`](crate::pcapng)).

use std::io::{self, Read};

use pcap_parser::pcapng::{parse_block_be, parse_block_le};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};

use crate::byte_order::ByteOrder;
use crate::decompress::Decompressed;
use crate::detect::{self, Detected, MAGIC_LEN};
use crate::error::{corrupt, frame_error, io_error, truncated, CaptureError};
use crate::framing::{BlockInfo, Found, Frame, FrameError, Step};
use crate::legacy::{self, BufferedRecord, FileHeader};
use crate::pcapng::{self, Section};
use crate::record::{Format, Record};
use crate::source::{ErrorSlot, Source};

/// Smallest buffer the reader works with, whatever [`ReaderOptions::initial_buffer`] says.
pub const MIN_BUFFER: usize = 32;

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

/// Format-specific reading state, of [`CaptureReader`] and [`BatchReader`](crate::BatchReader)
/// alike.
#[derive(Debug)]
pub(crate) enum State {
    Legacy(FileHeader),
    Ng(Section),
}

impl State {
    /// The container format.
    pub(crate) fn format(&self) -> Format {
        match self {
            State::Legacy(file) => Format::Pcap {
                big_endian: file.order.is_big(),
                nanosecond: file.nanosecond,
            },
            State::Ng(_) => Format::PcapNg,
        }
    }

    /// Handles one complete record or block `block`, framed as `info`, at file offset
    /// `offset` after `record` packets.
    pub(crate) fn handle(
        &mut self,
        block: &[u8],
        info: BlockInfo,
        offset: u64,
        record: u64,
        max: usize,
    ) -> Result<Step, CaptureError> {
        let fail = |error: FrameError| frame_error(error, offset, record, max);
        let section = match self {
            State::Legacy(file) => {
                return file
                    .framed_record(block, info)
                    .map(Step::Packet)
                    .map_err(fail)
            }
            State::Ng(section) => section,
        };
        if let Some(step) = section.unparsed(block, info).map_err(fail)? {
            return Ok(step);
        }
        // The whole block is here: pcap-parser parses it in the section's byte order, and any
        // complaint is about its contents.
        let parsed = match info.order {
            ByteOrder::Little => parse_block_le(block),
            ByteOrder::Big => parse_block_be(block),
        };
        match parsed {
            Ok((rest, parsed)) if block.len() - rest.len() == info.len => {
                section.parsed(parsed, info, info.len).map_err(fail)
            }
            Ok(_) => Err(corrupt(
                offset,
                record,
                "the parsed size differs from the declared record or block length",
            )),
            Err(_) => Err(corrupt(offset, record, pcapng::malformed(info.block_type))),
        }
    }
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

impl CaptureReader<Decompressed<std::fs::File>> {
    /// Opens the capture file at `path` with default options; a gzip-compressed file
    /// (`.pcap.gz`, `.pcapng.gz`, told by its magic number, not its name) is decompressed as
    /// it is read.
    ///
    /// # Errors
    ///
    /// [`CaptureError::Io`] when the file cannot be opened or read, and the errors of
    /// [`CaptureReader::with_options`] for its header.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, CaptureError> {
        let io = |source| CaptureError::Io {
            offset: 0,
            record: 0,
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        Self::new(Decompressed::new(file).map_err(io)?)
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads and checks the file header, with default [`ReaderOptions`].
    ///
    /// # Errors
    ///
    /// As [`CaptureReader::with_options`].
    pub fn new(reader: R) -> Result<Self, CaptureError> {
        Self::with_options(reader, ReaderOptions::default())
    }

    /// Reads and checks the file header (for pcapng the first Section Header Block).
    ///
    /// # Errors
    ///
    /// [`CaptureError::Empty`] for an empty input, [`CaptureError::BadMagic`] when it starts
    /// with neither a pcap nor a pcapng magic number, [`CaptureError::Truncated`] or
    /// [`CaptureError::Corrupt`] for a header cut short or inconsistent,
    /// [`CaptureError::BlockTooLarge`] for a Section Header Block over
    /// [`ReaderOptions::max_block`], and [`CaptureError::Io`] when reading fails.
    pub fn with_options(mut reader: R, options: ReaderOptions) -> Result<Self, CaptureError> {
        let options = ReaderOptions {
            initial_buffer: options
                .initial_buffer
                .clamp(MIN_BUFFER, options.max_block.max(MIN_BUFFER)),
            max_block: options.max_block,
        };
        let magic = detect::read_magic(&mut reader)?;
        match detect::detect(magic) {
            Some(Detected::Pcap {
                order,
                nanosecond,
                record_header_len,
            }) => Self::open_legacy(reader, options, order, nanosecond, record_header_len),
            Some(Detected::PcapNg) => Self::open_pcapng(reader, magic, options),
            None => Err(CaptureError::BadMagic {
                offset: 0,
                found: magic,
            }),
        }
    }

    /// Reads the rest of a legacy pcap file header, whose magic number was read already.
    fn open_legacy(
        mut reader: R,
        options: ReaderOptions,
        order: ByteOrder,
        nanosecond: bool,
        record_header_len: usize,
    ) -> Result<Self, CaptureError> {
        // pcap-parser buffers the records and parses the file header; the reader frames and
        // decodes every record itself, so pcap-parser is shown the standard magic of the byte
        // order (it knows the modified format only in little-endian order).
        let prefix = legacy::read_file_header(&mut reader, detect::standard_magic(order))?;
        let errors = ErrorSlot::default();
        let source = Source::new(prefix, reader, errors.clone());
        let mut inner = LegacyPcapReader::new(options.initial_buffer, source)
            .map_err(|e| header_error(e, &errors))?;
        let link_type = match inner.next() {
            Ok((_, PcapBlockOwned::LegacyHeader(header))) => {
                u32::try_from(header.network.0 & 0xFFFF).unwrap_or_default()
            }
            _ => return Err(corrupt(0, 0, "the pcap file header is malformed")),
        };
        inner.consume(legacy::FILE_HEADER_LEN);
        let file = FileHeader {
            order,
            nanosecond,
            record_header_len,
            link_type,
        };
        Ok(Self::assemble(
            Inner::Legacy(inner),
            errors,
            State::Legacy(file),
            options,
            options.initial_buffer,
            legacy::FILE_HEADER_LEN as u64,
        ))
    }

    /// Reads the rest of the first Section Header Block of a pcapng file, whose type was read
    /// already as the magic number.
    fn open_pcapng(
        mut reader: R,
        magic: [u8; MAGIC_LEN],
        options: ReaderOptions,
    ) -> Result<Self, CaptureError> {
        let (prefix, info) = pcapng::read_first_section(&mut reader, magic, options.max_block)?;
        let capacity = grown_capacity(options, options.initial_buffer, info.len);
        let errors = ErrorSlot::default();
        let source = Source::new(prefix, reader, errors.clone());
        let inner = PcapNGReader::new(capacity, source).map_err(|e| header_error(e, &errors))?;
        Ok(Self::assemble(
            Inner::Ng(inner),
            errors,
            State::Ng(Section::new(info.order)),
            options,
            capacity,
            0,
        ))
    }

    fn assemble(
        inner: Inner<R>,
        errors: ErrorSlot,
        state: State,
        options: ReaderOptions,
        capacity: usize,
        offset: u64,
    ) -> Self {
        let format = state.format();
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
                timestamp: Some(fast.timestamp),
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
    /// the whole record is in the buffer after the records handed out but not yet consumed;
    /// its data range is within the buffer.
    #[inline]
    fn buffered_legacy_record(&self) -> Option<BufferedRecord> {
        let (false, State::Legacy(file), Inner::Legacy(inner)) =
            (self.finished, &self.state, &self.inner)
        else {
            return None;
        };
        // Asked before the buffer is, not by `buffered_record` after: reading the reader bench's
        // capture then takes about 1% fewer instructions (cachegrind).
        if !file.is_standard() {
            return None;
        }
        let avail = inner.data().get(self.pending..)?;
        let record = file.buffered_record(avail, self.options.max_block)?;
        Some(BufferedRecord {
            start: self.pending + record.start,
            end: self.pending + record.end,
            ..record
        })
    }

    /// Buffers and handles records or blocks until a packet is found or the file ends.
    fn advance(&mut self) -> Result<Option<Found>, CaptureError> {
        loop {
            let avail = self.inner.get_ref().data();
            let have = avail.len();
            let max = self.options.max_block;
            let frame = match &self.state {
                State::Legacy(file) => file.frame(avail, max),
                State::Ng(section) => pcapng::frame(avail, section.order, max),
            }
            .map_err(|e| frame_error(e, self.offset, self.records, max))?;
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
        let block = self
            .inner
            .get_ref()
            .data()
            .get(..info.len)
            .unwrap_or_default();
        let max = self.options.max_block;
        self.state
            .handle(block, info, self.offset, self.records, max)
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
