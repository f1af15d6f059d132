//! The error type returned while opening or reading a capture.

use std::fmt;
use std::io;

use crate::framing::FrameError;

/// Why a capture could not be opened or read further.
///
/// Every variant that can occur after the file header names the byte `offset` (counted from the
/// start of the file) of the header, record or block that could not be read, and the 0-based
/// `record` number of the packet that could not be delivered, which equals the number of packets
/// delivered before it.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The underlying reader failed.
    Io {
        /// File offset of the first byte that could not be read.
        offset: u64,
        /// Number of packets delivered before the failure.
        record: u64,
        /// The error reported by the reader.
        source: io::Error,
    },
    /// The file is empty (zero bytes).
    Empty,
    /// The file starts with neither a pcap nor a pcapng magic number.
    BadMagic {
        /// Always 0: the magic number is the first thing in the file.
        offset: u64,
        /// The first four bytes of the file (zero-padded when the file is shorter).
        found: [u8; 4],
    },
    /// The file ends inside a file header, record header, record or block.
    Truncated {
        /// File offset where the incomplete header, record or block starts.
        offset: u64,
        /// Number of the packet that could not be read.
        record: u64,
        /// Bytes needed from `offset` on to read the header, record or block.
        needed: u64,
        /// Bytes the file actually holds from `offset` on.
        available: u64,
    },
    /// A header, record or block is malformed.
    Corrupt {
        /// File offset of the malformed header, record or block.
        offset: u64,
        /// Number of the packet that could not be read.
        record: u64,
        /// What is wrong, as a short phrase.
        what: &'static str,
    },
    /// A record or block declares a size above [`ReaderOptions::max_block`](crate::ReaderOptions::max_block).
    BlockTooLarge {
        /// File offset of the record or block.
        offset: u64,
        /// Number of the packet that could not be read.
        record: u64,
        /// Declared total size of the record or block in bytes, headers included.
        length: u64,
        /// The limit in force.
        max: u64,
    },
    /// A pcapng packet block names an interface that no Interface Description Block of the
    /// current section declared.
    UnknownInterface {
        /// File offset of the packet block.
        offset: u64,
        /// Number of the packet that could not be read.
        record: u64,
        /// The interface id found in the block.
        interface: u32,
    },
}

impl CaptureError {
    /// File offset the error refers to (0 for [`CaptureError::Empty`]).
    pub fn offset(&self) -> u64 {
        match self {
            CaptureError::Empty => 0,
            CaptureError::Io { offset, .. }
            | CaptureError::BadMagic { offset, .. }
            | CaptureError::Truncated { offset, .. }
            | CaptureError::Corrupt { offset, .. }
            | CaptureError::BlockTooLarge { offset, .. }
            | CaptureError::UnknownInterface { offset, .. } => *offset,
        }
    }

    /// Number of the packet that could not be read, i.e. how many packets were delivered before
    /// the error (0 for errors in the file header).
    pub fn record(&self) -> u64 {
        match self {
            CaptureError::Empty | CaptureError::BadMagic { .. } => 0,
            CaptureError::Io { record, .. }
            | CaptureError::Truncated { record, .. }
            | CaptureError::Corrupt { record, .. }
            | CaptureError::BlockTooLarge { record, .. }
            | CaptureError::UnknownInterface { record, .. } => *record,
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io {
                offset,
                record,
                source,
            } => write!(
                f,
                "reading record {record} failed at byte offset {offset}: {source}"
            ),
            CaptureError::Empty => write!(f, "the capture file is empty (0 bytes)"),
            CaptureError::BadMagic { offset, found } => write!(
                f,
                "not a pcap or pcapng file: unrecognised magic number \
                 {:02x} {:02x} {:02x} {:02x} at byte offset {offset}",
                found[0], found[1], found[2], found[3]
            ),
            CaptureError::Truncated {
                offset,
                record,
                needed,
                available,
            } => write!(
                f,
                "the capture is truncated: record {record} at byte offset {offset} needs \
                 {needed} bytes but the file ends after {available}"
            ),
            CaptureError::Corrupt {
                offset,
                record,
                what,
            } => write!(
                f,
                "the capture is corrupt at record {record}, byte offset {offset}: {what}"
            ),
            CaptureError::BlockTooLarge {
                offset,
                record,
                length,
                max,
            } => write!(
                f,
                "record {record} at byte offset {offset} declares {length} bytes, \
                 more than the limit of {max} bytes"
            ),
            CaptureError::UnknownInterface {
                offset,
                record,
                interface,
            } => write!(
                f,
                "record {record} at byte offset {offset} refers to interface {interface}, \
                 which no interface description block of its section declares"
            ),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// [`CaptureError::Io`].
pub(crate) fn io_error(offset: u64, record: u64, source: io::Error) -> CaptureError {
    CaptureError::Io {
        offset,
        record,
        source,
    }
}

/// [`CaptureError::Truncated`].
pub(crate) fn truncated(offset: u64, record: u64, needed: usize, available: usize) -> CaptureError {
    CaptureError::Truncated {
        offset,
        record,
        needed: needed as u64,
        available: available as u64,
    }
}

/// [`CaptureError::Corrupt`].
pub(crate) fn corrupt(offset: u64, record: u64, what: &'static str) -> CaptureError {
    CaptureError::Corrupt {
        offset,
        record,
        what,
    }
}

/// The error for a record or block at `offset` that could not be framed or decoded; `max` is
/// the limit in force.
pub(crate) fn frame_error(error: FrameError, offset: u64, record: u64, max: usize) -> CaptureError {
    match error {
        FrameError::Corrupt(what) => corrupt(offset, record, what),
        FrameError::TooLarge(length) => CaptureError::BlockTooLarge {
            offset,
            record,
            length,
            max: max as u64,
        },
        FrameError::UnknownInterface(interface) => CaptureError::UnknownInterface {
            offset,
            record,
            interface,
        },
    }
}
