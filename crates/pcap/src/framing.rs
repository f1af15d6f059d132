//! What the format modules ([`legacy`](crate::legacy), [`pcapng`](crate::pcapng)) tell the
//! reader: where the next record or block ends, and what a complete one holds.
//!
//! Framing runs on header bytes alone, before pcap-parser is asked to parse anything, so that a
//! hostile length field is reported as an error instead of making the buffer grow, and so that
//! the reader knows exactly how many bytes must be buffered before parsing.

use std::ops::Range;

use crate::byte_order::ByteOrder;
use crate::record::Timestamp;

/// What the bytes at the head of the buffer tell about the next record or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frame {
    /// At least this many bytes are needed before the length can be known.
    Need(usize),
    /// The next record or block is complete once `len` bytes are buffered.
    Block(BlockInfo),
}

/// Type, length and byte order of the next record or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockInfo {
    /// Total length in bytes, headers and trailer included.
    pub(crate) len: usize,
    /// pcapng block type in native order (0 for legacy pcap records).
    pub(crate) block_type: u32,
    /// Byte order of the block (for a Section Header Block, of the section it opens).
    pub(crate) order: ByteOrder,
}

/// Why a record or block cannot be framed or decoded; the reader adds where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// The header or contents are malformed.
    Corrupt(&'static str),
    /// The declared size (headers included) is above the limit.
    TooLarge(u64),
    /// A pcapng packet block names an interface its section did not declare.
    UnknownInterface(u32),
}

/// A packet found in the buffer, described without borrowing it.
#[derive(Debug)]
pub(crate) struct Found {
    /// `None` for a pcapng Simple Packet Block.
    pub(crate) timestamp: Option<Timestamp>,
    pub(crate) link_type: u32,
    pub(crate) interface: u32,
    pub(crate) original_len: u32,
    /// Packet bytes within the record or block (which starts at the head of the buffer).
    pub(crate) range: Range<usize>,
    /// Bytes to consume once the caller is done with the packet.
    pub(crate) block_len: usize,
}

/// Outcome of handling one complete record or block.
#[derive(Debug)]
pub(crate) enum Step {
    /// The record or block carries a packet.
    Packet(Found),
    /// The block carries no packet; this many bytes are to be consumed.
    Skipped(usize),
}
