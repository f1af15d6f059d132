//! Streaming, bounded-memory reader for legacy pcap and pcapng capture files.
//!
//! [`CaptureReader`] reads packet records one at a time from any [`std::io::Read`], lending
//! each one ([`Record`]) straight out of its buffer. Memory is bounded by that buffer, which
//! grows only when a single record or block needs it, up to a hard cap
//! ([`ReaderOptions::max_block`]); hostile or damaged input gives a typed [`CaptureError`]
//! naming the byte offset and record number, never a panic.
//!
//! [`BatchReader`] hands out the same records and errors a batch at a time
//! ([`RecordBatch`]): the file's bytes are read straight into the batch, whose records lie
//! where they were read, so that a batch can be filled on one thread and used on another
//! without its records being copied one by one (the batch tool's parallel pipeline).
//!
//! ```
//! use swyx_pcap::{CaptureReader, Format, Timestamp};
//!
//! // A little-endian, microsecond pcap file: Ethernet, one 4-byte packet.
//! let mut file = Vec::new();
//! for field in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65_535, 1] {
//!     file.extend_from_slice(&field.to_le_bytes());
//! }
//! for field in [1_700_000_000u32, 250_000, 4, 60] {
//!     file.extend_from_slice(&field.to_le_bytes());
//! }
//! file.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
//!
//! let mut reader = CaptureReader::new(file.as_slice())?;
//! assert_eq!(reader.format(), Format::Pcap { big_endian: false, nanosecond: false });
//! let record = reader.next_record()?.expect("one packet");
//! assert_eq!(record.index, 0);
//! assert_eq!(record.link_type, 1);
//! assert_eq!(record.timestamp, Some(Timestamp { secs: 1_700_000_000, nanos: 250_000_000 }));
//! assert_eq!(record.original_len, 60);
//! assert_eq!(record.data, &[0xde, 0xad, 0xbe, 0xef]);
//! assert!(reader.next_record()?.is_none());
//! # Ok::<(), swyx_pcap::CaptureError>(())
//! ```
//!
//! # Choices made for imperfect files
//!
//! * A legacy pcap record whose captured length exceeds the header's snapshot length, or its
//!   original length, is accepted as long as it fits within [`ReaderOptions::max_block`]: many
//!   real writers produce such records, and the data is still well delimited.
//! * pcapng Simple Packet Blocks carry no timestamp; their records have none
//!   ([`Record::timestamp`] is `None`). Their captured length is the smallest of the original length, the interface's snapshot
//!   length (when not 0) and the block body.
//! * Only Section Header, Interface Description, Enhanced, Simple and (obsolete) Packet Blocks
//!   are decoded; every other pcapng block is skipped unparsed, so that a damaged statistics or
//!   name-resolution block does not stop the reading of packets.
//! * The "modified" (Kuznetsov) pcap format is read in both byte orders; the fields its
//!   24-byte record headers add (interface index, protocol, packet type) are skipped.
//! * A gzip-compressed capture is recognised by its magic number and decompressed as it is
//!   read ([`Decompressed`], which [`CaptureReader::open`] uses); byte offsets in errors are
//!   then offsets in the decompressed capture.
//! * pcapng timestamps honour `if_tsresol` (decimal and binary) and `if_tsoffset`; times before
//!   the epoch are clamped to it.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
mod byte_order;
mod decompress;
mod detect;
mod error;
mod framing;
mod legacy;
mod pcapng;
mod reader;
mod record;
mod source;
mod time;

pub use batch::{BatchReader, RecordBatch};
pub use decompress::{Compression, Decompressed, Sniffed};
pub use error::CaptureError;
pub use pcapng::MAX_INTERFACES;
pub use reader::{CaptureReader, ReaderOptions, MIN_BUFFER};
pub use record::{Format, Record, Timestamp};
