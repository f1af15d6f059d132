//! Telling the container format from the first four bytes of a file: legacy pcap or pcapng,
//! and for legacy pcap the byte order, the timestamp resolution and the record header size.

use std::io::Read;

use crate::byte_order::ByteOrder;
use crate::error::{io_error, truncated, CaptureError};
use crate::legacy;
use crate::pcapng::SHB_TYPE;
use crate::source::read_full;

/// Bytes of the magic number at the start of every capture file.
pub(crate) const MAGIC_LEN: usize = 4;

/// Legacy pcap with microsecond timestamps, as it reads in the file's own byte order.
const PCAP_MICROS: u32 = 0xA1B2_C3D4;
/// Legacy pcap with nanosecond timestamps.
const PCAP_NANOS: u32 = 0xA1B2_3C4D;
/// The "modified" (Kuznetsov) pcap format, with 24-byte record headers, in either byte
/// order.
const PCAP_MODIFIED: u32 = 0xA1B2_CD34;

/// Every magic number accepted, as the bytes at the start of the file.
const MAGICS: [[u8; MAGIC_LEN]; 7] = [
    PCAP_MICROS.to_le_bytes(),
    PCAP_MICROS.to_be_bytes(),
    PCAP_NANOS.to_le_bytes(),
    PCAP_NANOS.to_be_bytes(),
    PCAP_MODIFIED.to_le_bytes(),
    PCAP_MODIFIED.to_be_bytes(),
    // The Section Header Block type reads the same in both byte orders.
    SHB_TYPE.to_le_bytes(),
];

/// The container format a magic number announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detected {
    /// Legacy pcap.
    Pcap {
        /// Byte order of the whole file.
        order: ByteOrder,
        /// Record timestamps carry nanoseconds rather than microseconds.
        nanosecond: bool,
        /// Size of every record header.
        record_header_len: usize,
    },
    /// pcapng: the magic is the type of the first Section Header Block, which states the byte
    /// order itself.
    PcapNg,
}

/// Reads a file's magic number: [`CaptureError::Empty`] for no byte at all,
/// [`CaptureError::BadMagic`] for bytes no magic number starts with, else
/// [`CaptureError::Truncated`] for fewer than four.
pub(crate) fn read_magic<R: Read>(reader: &mut R) -> Result<[u8; MAGIC_LEN], CaptureError> {
    let mut magic = [0u8; MAGIC_LEN];
    let got = read_full(reader, &mut magic).map_err(|(n, e)| io_error(n as u64, 0, e))?;
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
    Ok(magic)
}

/// The format announced by the first four bytes of a file, if any.
pub(crate) fn detect(magic: [u8; MAGIC_LEN]) -> Option<Detected> {
    let pcap = |order, nanosecond, record_header_len| {
        Some(Detected::Pcap {
            order,
            nanosecond,
            record_header_len,
        })
    };
    match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
        (PCAP_MICROS, _) => pcap(ByteOrder::Little, false, legacy::RECORD_HEADER_LEN),
        (_, PCAP_MICROS) => pcap(ByteOrder::Big, false, legacy::RECORD_HEADER_LEN),
        (PCAP_NANOS, _) => pcap(ByteOrder::Little, true, legacy::RECORD_HEADER_LEN),
        (_, PCAP_NANOS) => pcap(ByteOrder::Big, true, legacy::RECORD_HEADER_LEN),
        (PCAP_MODIFIED, _) => pcap(ByteOrder::Little, false, legacy::MODIFIED_RECORD_HEADER_LEN),
        (_, PCAP_MODIFIED) => pcap(ByteOrder::Big, false, legacy::MODIFIED_RECORD_HEADER_LEN),
        (SHB_TYPE, _) => Some(Detected::PcapNg),
        _ => None,
    }
}

/// The magic number of standard microsecond pcap in `order`, as the bytes at the start of a
/// file.
pub(crate) fn standard_magic(order: ByteOrder) -> [u8; MAGIC_LEN] {
    match order {
        ByteOrder::Little => PCAP_MICROS.to_le_bytes(),
        ByteOrder::Big => PCAP_MICROS.to_be_bytes(),
    }
}

/// Whether `bytes` could be the start of a pcap or pcapng magic number.
pub(crate) fn is_magic_prefix(bytes: &[u8]) -> bool {
    MAGICS.iter().any(|m| m.starts_with(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_magic_is_detected_and_nothing_else_is() {
        for magic in MAGICS {
            assert!(detect(magic).is_some(), "{magic:02x?}");
            assert!(is_magic_prefix(&magic[..3]));
        }
        assert_eq!(
            detect([0xA1, 0xB2, 0x3C, 0x4D]),
            Some(Detected::Pcap {
                order: ByteOrder::Big,
                nanosecond: true,
                record_header_len: 16
            })
        );
        assert_eq!(
            detect([0x34, 0xCD, 0xB2, 0xA1]),
            Some(Detected::Pcap {
                order: ByteOrder::Little,
                nanosecond: false,
                record_header_len: 24
            })
        );
        assert_eq!(
            detect([0xA1, 0xB2, 0xCD, 0x34]),
            Some(Detected::Pcap {
                order: ByteOrder::Big,
                nanosecond: false,
                record_header_len: 24
            })
        );
        assert_eq!(detect(*b"GIF8"), None);
        assert!(!is_magic_prefix(b"GI"));
    }
}
