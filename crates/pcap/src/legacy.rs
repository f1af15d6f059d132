//! Legacy pcap records: framing from the record header, and the packet each record holds.
//!
//! A record is a header (16 bytes; 24 in the "modified" format, whose last 8 are skipped) followed by the captured
//! bytes: `ts_sec`, `ts_usec` (or nanoseconds), `incl_len`, `orig_len`, each a `u32` in the
//! file's byte order.

use std::io::Read;

use crate::byte_order::ByteOrder;
use crate::detect::MAGIC_LEN;
use crate::error::{io_error, truncated, CaptureError};
use crate::framing::{BlockInfo, Found, Frame, FrameError};
use crate::record::Timestamp;
use crate::source::read_exact_or_eof;
use crate::time::legacy_timestamp;

/// Size of the legacy pcap file header.
pub(crate) const FILE_HEADER_LEN: usize = 24;
/// Offset of the link-type field in the file header (its low 16 bits are the link type).
pub(crate) const LINK_TYPE: usize = 20;
/// Reads the rest of the file header after its magic number: `magic`, the four bytes that
/// stand for it, followed by the next twenty of the file, or the error naming where the file
/// ends or its reading fails.
pub(crate) fn read_file_header<R: Read>(
    reader: &mut R,
    magic: [u8; MAGIC_LEN],
) -> Result<Vec<u8>, CaptureError> {
    let mut header = magic.to_vec();
    read_exact_or_eof(reader, FILE_HEADER_LEN - MAGIC_LEN, &mut header)
        .map_err(|(n, e)| io_error((MAGIC_LEN + n) as u64, 0, e))?;
    if header.len() < FILE_HEADER_LEN {
        return Err(truncated(0, 0, FILE_HEADER_LEN, header.len()));
    }
    Ok(header)
}

/// Size of a standard legacy pcap record header.
pub(crate) const RECORD_HEADER_LEN: usize = 16;
/// Size of a record header in the "modified" (Kuznetsov) pcap format.
pub(crate) const MODIFIED_RECORD_HEADER_LEN: usize = 24;

/// Offsets of the record header fields shared by both header sizes.
mod field {
    /// Seconds since the epoch.
    pub(super) const TS_SEC: usize = 0;
    /// Micro- or nanoseconds within the second.
    pub(super) const TS_FRACTION: usize = 4;
    /// Bytes captured, following the header.
    pub(super) const INCL_LEN: usize = 8;
    /// Length of the packet on the wire.
    pub(super) const ORIG_LEN: usize = 12;
}

/// What the file header says about every record of a legacy pcap file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileHeader {
    pub(crate) order: ByteOrder,
    pub(crate) nanosecond: bool,
    pub(crate) record_header_len: usize,
    pub(crate) link_type: u32,
}

/// A standard record found whole in the buffer: where its data lies, and its header fields.
pub(crate) struct BufferedRecord {
    /// Data bytes within the buffered bytes handed to [`FileHeader::buffered_record`].
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) timestamp: Timestamp,
    pub(crate) link_type: u32,
    pub(crate) original_len: u32,
}

impl FileHeader {
    /// Whether the records have standard 16-byte headers, which the reader decodes itself.
    #[inline]
    pub(crate) fn is_standard(&self) -> bool {
        self.record_header_len == RECORD_HEADER_LEN
    }

    /// Frames the record at the start of `avail`: `record_header_len` header bytes followed by
    /// `incl_len` data bytes, at most `max` in all.
    pub(crate) fn frame(&self, avail: &[u8], max: usize) -> Result<Frame, FrameError> {
        let header_len = self.record_header_len;
        let Some(incl_len) = self
            .order
            .read_u32(avail, field::INCL_LEN)
            .filter(|_| avail.len() >= header_len)
        else {
            return Ok(Frame::Need(header_len));
        };
        let total = header_len as u64 + u64::from(incl_len);
        match usize::try_from(total) {
            Ok(len) if len <= max => Ok(Frame::Block(BlockInfo {
                len,
                block_type: 0,
                order: self.order,
            })),
            _ => Err(FrameError::TooLarge(total)),
        }
    }

    /// The standard record at the start of `avail`, if it is whole there and at most `max`
    /// bytes long; `None` otherwise (including for the modified format).
    ///
    /// This is the reader's fast path: one read of the 16-byte header frames the record and
    /// gives its fields.
    #[inline]
    pub(crate) fn buffered_record(&self, avail: &[u8], max: usize) -> Option<BufferedRecord> {
        if !self.is_standard() {
            return None;
        }
        let header = avail.get(..RECORD_HEADER_LEN)?;
        let field = |at| self.order.read_u32(header, at);
        let len = usize::try_from(field(field::INCL_LEN)?)
            .ok()?
            .checked_add(RECORD_HEADER_LEN)?;
        // An `if` rather than `Option::filter`: one instruction less per record (cachegrind).
        if len > max || len > avail.len() {
            return None;
        }
        Some(BufferedRecord {
            start: RECORD_HEADER_LEN,
            end: len,
            timestamp: legacy_timestamp(
                field(field::TS_SEC)?,
                field(field::TS_FRACTION)?,
                self.nanosecond,
            ),
            link_type: self.link_type,
            original_len: field(field::ORIG_LEN)?,
        })
    }

    /// The packet of a record framed as `info` at the start of `record`: its header was read
    /// to frame it, so the other fields are read here rather than the record parsed a second
    /// time (the reader bench shows the difference). Both header sizes start with the same
    /// four fields; the modified format's other eight bytes are skipped.
    pub(crate) fn framed_record(
        &self,
        record: &[u8],
        info: BlockInfo,
    ) -> Result<Found, FrameError> {
        let header = record.get(..RECORD_HEADER_LEN);
        let field = |at| header.and_then(|h| self.order.read_u32(h, at));
        let (Some(ts_sec), Some(ts_fraction), Some(original_len)) = (
            field(field::TS_SEC),
            field(field::TS_FRACTION),
            field(field::ORIG_LEN),
        ) else {
            return Err(FrameError::Corrupt("the pcap record header is cut"));
        };
        Ok(Found {
            timestamp: Some(legacy_timestamp(ts_sec, ts_fraction, self.nanosecond)),
            link_type: self.link_type,
            interface: 0,
            original_len,
            range: self.record_header_len..info.len,
            block_len: info.len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn little(record_header_len: usize) -> FileHeader {
        FileHeader {
            order: ByteOrder::Little,
            nanosecond: false,
            record_header_len,
            link_type: 1,
        }
    }

    #[test]
    fn needs_header_then_frames_record() {
        let file = little(RECORD_HEADER_LEN);
        assert_eq!(file.frame(&[0; 15], 100), Ok(Frame::Need(16)));
        let mut hdr = [0u8; 16];
        hdr[8..12].copy_from_slice(&10u32.to_le_bytes());
        assert_eq!(
            file.frame(&hdr, 100),
            Ok(Frame::Block(BlockInfo {
                len: 26,
                block_type: 0,
                order: ByteOrder::Little
            }))
        );
        hdr[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            file.frame(&hdr, 100),
            Err(FrameError::TooLarge(16 + u64::from(u32::MAX)))
        );
    }

    #[test]
    fn buffered_record_only_when_standard_and_whole() {
        let mut record = [0u8; 20];
        record[0..4].copy_from_slice(&7u32.to_le_bytes());
        record[4..8].copy_from_slice(&500_000u32.to_le_bytes());
        record[8..12].copy_from_slice(&4u32.to_le_bytes());
        record[12..16].copy_from_slice(&60u32.to_le_bytes());
        let found = little(RECORD_HEADER_LEN)
            .buffered_record(&record, 100)
            .expect("a whole record");
        assert_eq!((found.start, found.end, found.original_len), (16, 20, 60));
        assert_eq!(found.timestamp, Timestamp::new(7, 500_000_000));
        assert!(little(RECORD_HEADER_LEN)
            .buffered_record(&record[..19], 100)
            .is_none());
        assert!(little(RECORD_HEADER_LEN)
            .buffered_record(&record, 19)
            .is_none());
        assert!(little(MODIFIED_RECORD_HEADER_LEN)
            .buffered_record(&record, 100)
            .is_none());
    }
}
