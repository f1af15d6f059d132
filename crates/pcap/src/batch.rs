//! Reading a batch of records at a time into a buffer the caller owns: the file's bytes are
//! read straight into the batch and its records found where they lie, so that a batch can go
//! to another thread without each record being copied out of the reader's buffer first.

use std::io::{self, Read};
use std::ops::Range;

use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block};

use crate::byte_order::ByteOrder;
use crate::detect::{self, Detected, MAGIC_LEN};
use crate::error::{corrupt, frame_error, io_error, truncated, CaptureError};
use crate::framing::{Frame, Step};
use crate::legacy::{self, FileHeader};
use crate::pcapng::{self, Section};
use crate::reader::{ReaderOptions, State, MIN_BUFFER};
use crate::record::{Format, Record, Timestamp};
use crate::source::read_full;

/// Records of a capture, read [`BatchReader::fill`] by fill: the captured bytes as they lie in
/// the file, and where each packet is.
///
/// Reused from fill to fill, it keeps its buffer (zeroed once, when it grows).
#[derive(Debug, Default)]
pub struct RecordBatch {
    /// The file's bytes; `data[..filled]` were read.
    data: Vec<u8>,
    filled: usize,
    records: Vec<BatchRecord>,
    first_index: u64,
}

/// One packet of a [`RecordBatch`].
#[derive(Debug, Clone)]
struct BatchRecord {
    timestamp: Option<Timestamp>,
    link_type: u32,
    interface: u32,
    original_len: u32,
    data: Range<usize>,
}

impl RecordBatch {
    /// An empty batch.
    pub fn new() -> RecordBatch {
        RecordBatch::default()
    }

    /// Number of packets in the batch.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the batch holds no packet.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The batch's bytes: every record's [`Record::data`] lies within them, so that a caller
    /// can keep a packet's parts as ranges of this slice.
    pub fn bytes(&self) -> &[u8] {
        &self.data[..self.filled]
    }

    /// The packets in file order, numbered as [`CaptureReader`](crate::CaptureReader) numbers
    /// them.
    pub fn records(&self) -> impl ExactSizeIterator<Item = Record<'_>> + '_ {
        let first = self.first_index;
        self.records
            .iter()
            .enumerate()
            .map(move |(i, record)| Record {
                index: first + i as u64,
                timestamp: record.timestamp,
                link_type: record.link_type,
                interface: record.interface,
                original_len: record.original_len,
                data: &self.data[record.data.clone()],
            })
    }

    fn clear(&mut self, first_index: u64) {
        self.filled = 0;
        self.records.clear();
        self.first_index = first_index;
    }

    /// Appends `bytes`, growing the buffer when they do not fit.
    fn append(&mut self, bytes: &[u8]) {
        let end = self.filled + bytes.len();
        self.reserve(end);
        self.data[self.filled..end].copy_from_slice(bytes);
        self.filled = end;
    }

    /// Gives back the memory of a batch grown past four times `target` for a large record.
    fn shrink(&mut self, target: usize) {
        if self.data.len() > 4 * target {
            self.data.truncate(target);
            self.data.shrink_to(target);
        }
    }

    /// Makes room for `len` bytes in all.
    fn reserve(&mut self, len: usize) {
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }
}

/// Streaming reader of legacy pcap and pcapng captures that hands out [`RecordBatch`]es: the
/// same records, numbers, timestamps and errors as [`CaptureReader`](crate::CaptureReader),
/// but each batch's bytes are read into the batch itself, so a batch can be filled on one
/// thread and used on another without copying its records one by one.
///
/// Memory is bounded by the batches the caller keeps: each holds about the bytes it asks for
/// (at most [`ReaderOptions::max_block`]), or one record up to that size where a record is
/// larger, and so at most one packet per 16 bytes; blocks that hold no packet are dropped as
/// they are framed. A batch grown for a large record shrinks back at its next fill.
///
/// ```
/// use swyx_pcap::{BatchReader, RecordBatch};
/// # let mut file = Vec::new();
/// # file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
/// # file.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
/// # file.extend_from_slice(&65535u32.to_le_bytes());
/// # file.extend_from_slice(&1u32.to_le_bytes());
/// # for _ in 0..3 {
/// #     for field in [1u32, 0, 4, 60] { file.extend_from_slice(&field.to_le_bytes()); }
/// #     file.extend_from_slice(&[1, 2, 3, 4]);
/// # }
/// let mut reader = BatchReader::new(&file[..])?;
/// let mut batch = RecordBatch::new();
/// let mut packets = 0;
/// loop {
///     let more = reader.fill(&mut batch, 1 << 20)?;
///     packets += batch.records().count();
///     if !more {
///         break;
///     }
/// }
/// assert_eq!(packets, 3);
/// # Ok::<(), swyx_pcap::CaptureError>(())
/// ```
#[derive(Debug)]
pub struct BatchReader<R: Read> {
    reader: R,
    state: State,
    format: Format,
    options: ReaderOptions,
    /// Bytes read past the last whole record handed out: the next batch starts with them.
    carry: Vec<u8>,
    /// File offset of `carry[0]`.
    offset: u64,
    records: u64,
    /// The reader has no more bytes.
    exhausted: bool,
    /// A read failed: reported once the bytes read before it are framed.
    failed: Option<(u64, io::Error)>,
    finished: bool,
}

impl<R: Read> BatchReader<R> {
    /// Reads and checks the file header, with default [`ReaderOptions`].
    ///
    /// # Errors
    ///
    /// As [`CaptureReader::new`](crate::CaptureReader::new).
    pub fn new(reader: R) -> Result<Self, CaptureError> {
        Self::with_options(reader, ReaderOptions::default())
    }

    /// Reads and checks the file header (for pcapng the first Section Header Block).
    /// `options.initial_buffer` is not used: each batch is as large as [`BatchReader::fill`]
    /// is asked for.
    ///
    /// # Errors
    ///
    /// As [`CaptureReader::with_options`](crate::CaptureReader::with_options).
    pub fn with_options(mut reader: R, options: ReaderOptions) -> Result<Self, CaptureError> {
        let magic = detect::read_magic(&mut reader)?;
        let (state, carry, offset) = match detect::detect(magic) {
            Some(Detected::Pcap {
                order,
                nanosecond,
                record_header_len,
            }) => {
                let header = legacy::read_file_header(&mut reader, magic)?;
                let link_type = order
                    .read_u32(&header, legacy::LINK_TYPE)
                    .unwrap_or_default()
                    & 0xFFFF;
                let file = FileHeader {
                    order,
                    nanosecond,
                    record_header_len,
                    link_type,
                };
                (
                    State::Legacy(file),
                    Vec::new(),
                    legacy::FILE_HEADER_LEN as u64,
                )
            }
            Some(Detected::PcapNg) => {
                let shb = read_section_header(&mut reader, magic, options.max_block)?;
                let order = match pcapng::frame(&shb, ByteOrder::Little, options.max_block) {
                    Ok(Frame::Block(info)) => info.order,
                    _ => ByteOrder::Little,
                };
                // The block stays at the head: the first fill handles it as any later one.
                (State::Ng(Section::new(order)), shb, 0)
            }
            None => {
                return Err(CaptureError::BadMagic {
                    offset: 0,
                    found: magic,
                })
            }
        };
        let format = state.format();
        Ok(BatchReader {
            reader,
            state,
            format,
            options,
            carry,
            offset,
            records: 0,
            exhausted: false,
            failed: None,
            finished: false,
        })
    }

    /// The container format, as found in the file header.
    pub fn format(&self) -> Format {
        self.format
    }

    /// File offset of the bytes framed so far (the end of the last batch's last record, or of
    /// the blocks without packets after it), for progress reporting.
    pub fn bytes_consumed(&self) -> u64 {
        self.offset
    }

    /// Number of packet records handed out so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// Replaces `batch`'s contents with the next records: about `bytes` of the file (at least
    /// one whole record, if one is left; `bytes` is taken between 32 and
    /// [`ReaderOptions::max_block`], and the batch's buffer is that large before the first
    /// read). `Ok(true)` while the file may go on, `Ok(false)` at its clean end (the batch
    /// holds the last records, or none).
    ///
    /// # Errors
    ///
    /// The errors of [`CaptureReader::next_record`](crate::CaptureReader::next_record), at the
    /// same offsets and record numbers. The batch then holds every packet before the defect;
    /// every later call returns `Ok(false)` with an empty batch.
    pub fn fill(&mut self, batch: &mut RecordBatch, bytes: usize) -> Result<bool, CaptureError> {
        let target = bytes.clamp(MIN_BUFFER, self.options.max_block.max(MIN_BUFFER));
        batch.clear(self.records);
        batch.shrink(target);
        if self.finished {
            return Ok(false);
        }
        batch.append(&self.carry);
        self.carry.clear();
        // Start of the bytes not yet framed; the file offset of `batch.data[0]` is `base`.
        let mut base = self.offset;
        let mut at = 0;
        loop {
            let want = match self.frame_records(batch, &mut at, base, target) {
                Ok(Some(want)) => want,
                Ok(None) => return Ok(self.end_batch(batch, at, base)),
                Err(error) => {
                    self.finish(batch, at, base);
                    return Err(error);
                }
            };
            let have = batch.filled - at;
            if let Some((offset, error)) = self.failed.take() {
                self.finish(batch, at, base);
                return Err(io_error(offset, self.records, error));
            }
            if self.exhausted {
                self.finish(batch, at, base);
                if have == 0 {
                    return Ok(false);
                }
                return Err(truncated(base + at as u64, self.records, want, have));
            }
            // Blocks without packets framed so far are of no use to the caller: dropped, so
            // that a long run of them cannot grow the batch.
            if batch.records.is_empty() && at > 0 {
                batch.data.copy_within(at..batch.filled, 0);
                batch.filled -= at;
                base += at as u64;
                at = 0;
            }
            // Read up to the target size, or as far as the next record needs.
            let end = target.max(at + want);
            batch.reserve(end);
            let start = batch.filled;
            match read_full(&mut self.reader, &mut batch.data[start..end]) {
                Ok(n) => {
                    self.exhausted = start + n < end;
                    batch.filled += n;
                }
                // The bytes read before the failure are framed first: their records come
                // before the error, as the streaming reader's do.
                Err((n, error)) => {
                    batch.filled += n;
                    self.failed = Some((base + batch.filled as u64, error));
                }
            }
        }
    }

    /// Frames and lists the whole records from `at` on. `None` when the batch is full (at
    /// least `target` bytes framed); else how many bytes from `at` the next record needs.
    fn frame_records(
        &mut self,
        batch: &mut RecordBatch,
        at: &mut usize,
        base: u64,
        target: usize,
    ) -> Result<Option<usize>, CaptureError> {
        let max = self.options.max_block;
        loop {
            if *at >= target && !batch.records.is_empty() {
                return Ok(None);
            }
            let avail = &batch.data[*at..batch.filled];
            let offset = base + *at as u64;
            // Standard legacy records: one read of the 16-byte header frames and decodes them.
            if let State::Legacy(file) = &self.state {
                if let Some(record) = file.buffered_record(avail, max) {
                    batch.records.push(BatchRecord {
                        timestamp: Some(record.timestamp),
                        link_type: record.link_type,
                        interface: 0,
                        original_len: record.original_len,
                        data: *at + record.start..*at + record.end,
                    });
                    self.records += 1;
                    *at += record.end;
                    continue;
                }
            }
            let frame = match &self.state {
                State::Legacy(file) => file.frame(avail, max),
                State::Ng(section) => pcapng::frame(avail, section.order, max),
            }
            .map_err(|e| frame_error(e, offset, self.records, max))?;
            let info = match frame {
                Frame::Block(info) if avail.len() >= info.len => info,
                Frame::Block(info) => return Ok(Some(info.len)),
                Frame::Need(needed) => return Ok(Some(needed)),
            };
            let block = &avail[..info.len];
            match self.state.handle(block, info, offset, self.records, max)? {
                Step::Packet(found) => {
                    batch.records.push(BatchRecord {
                        timestamp: found.timestamp,
                        link_type: found.link_type,
                        interface: found.interface,
                        original_len: found.original_len,
                        data: *at + found.range.start..*at + found.range.end,
                    });
                    self.records += 1;
                    *at += found.block_len;
                }
                Step::Skipped(len) => *at += len,
            }
        }
    }

    /// Ends the batch after the records framed up to `at`: the bytes after them start the
    /// next batch.
    fn end_batch(&mut self, batch: &mut RecordBatch, at: usize, base: u64) -> bool {
        self.carry.extend_from_slice(&batch.data[at..batch.filled]);
        batch.filled = at;
        self.offset = base + at as u64;
        true
    }

    /// Ends the reading after the records framed up to `at` (the bytes after them, a record
    /// cut short or damaged, are not the batch's).
    fn finish(&mut self, batch: &mut RecordBatch, at: usize, base: u64) {
        batch.filled = at;
        self.offset = base + at as u64;
        self.finished = true;
        self.carry = Vec::new();
    }
}

/// Reads the first Section Header Block of a pcapng file whose type was read as the magic
/// number, and checks it as [`CaptureReader`](crate::CaptureReader) does.
fn read_section_header<R: Read>(
    reader: &mut R,
    magic: [u8; MAGIC_LEN],
    max: usize,
) -> Result<Vec<u8>, CaptureError> {
    let (shb, info) = pcapng::read_first_section(reader, magic, max)?;
    let parsed = match info.order {
        ByteOrder::Little => parse_block_le(&shb),
        ByteOrder::Big => parse_block_be(&shb),
    };
    match parsed {
        Ok((_, Block::SectionHeader(_))) => Ok(shb),
        _ => Err(corrupt(0, 0, "the file header is malformed")),
    }
}
