//! Finding where the next record or block ends, from its header bytes alone.
//!
//! These checks run before pcap-parser is asked to parse anything, so that a hostile length
//! field is reported as an error instead of making the buffer grow, and so that the reader
//! knows exactly how many bytes must be buffered before parsing.

/// pcapng Section Header Block type (the same in both byte orders).
pub(crate) const SHB_TYPE: u32 = 0x0A0D_0D0A;
/// pcapng Interface Description Block type.
pub(crate) const IDB_TYPE: u32 = 0x0000_0001;
/// pcapng (obsolete) Packet Block type.
pub(crate) const PB_TYPE: u32 = 0x0000_0002;
/// pcapng Simple Packet Block type.
pub(crate) const SPB_TYPE: u32 = 0x0000_0003;
/// pcapng Enhanced Packet Block type.
pub(crate) const EPB_TYPE: u32 = 0x0000_0006;
/// pcapng byte-order magic as it reads in the section's own byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Size of the legacy pcap file header.
pub(crate) const PCAP_FILE_HEADER_LEN: usize = 24;
/// Size of a legacy pcap record header.
pub(crate) const PCAP_RECORD_HEADER_LEN: usize = 16;
/// Size of a record header in the "modified" (Kuznetzov) pcap format.
pub(crate) const PCAP_MODIFIED_RECORD_HEADER_LEN: usize = 24;
/// Bytes of a pcapng block needed to know its length (type, length, and for a Section
/// Header Block the byte-order magic).
const NG_LENGTH_PREFIX: usize = 8;
const NG_SHB_LENGTH_PREFIX: usize = 12;

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
    pub(crate) big_endian: bool,
}

/// Why a record or block cannot be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// The header is malformed.
    Corrupt(&'static str),
    /// The declared size (headers included) is above the limit.
    TooLarge(u64),
}

/// Reads a `u32` at `at` in the given byte order, if the bytes are there.
pub(crate) fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    })
}

/// Frames a legacy pcap record: `header_len` header bytes followed by `incl_len` data bytes.
pub(crate) fn legacy_frame(
    avail: &[u8],
    big_endian: bool,
    header_len: usize,
    max: usize,
) -> Result<Frame, FrameError> {
    let Some(incl_len) = read_u32(avail, 8, big_endian).filter(|_| avail.len() >= header_len)
    else {
        return Ok(Frame::Need(header_len));
    };
    let total = header_len as u64 + u64::from(incl_len);
    match usize::try_from(total) {
        Ok(len) if len <= max => Ok(Frame::Block(BlockInfo {
            len,
            block_type: 0,
            big_endian,
        })),
        _ => Err(FrameError::TooLarge(total)),
    }
}

/// Smallest legal total length of a pcapng block of the given type.
fn ng_min_len(block_type: u32) -> usize {
    match block_type {
        SHB_TYPE => 28,
        IDB_TYPE => 20,
        SPB_TYPE => 16,
        EPB_TYPE | PB_TYPE => 32,
        _ => 12,
    }
}

/// Frames a pcapng block; `big_endian` is the byte order of the current section.
pub(crate) fn pcapng_frame(
    avail: &[u8],
    section_big_endian: bool,
    max: usize,
) -> Result<Frame, FrameError> {
    if avail.len() < NG_LENGTH_PREFIX {
        return Ok(Frame::Need(NG_LENGTH_PREFIX));
    }
    let mut big_endian = section_big_endian;
    let mut block_type = read_u32(avail, 0, big_endian).unwrap_or_default();
    if block_type == SHB_TYPE {
        // A Section Header Block states its own byte order.
        if avail.len() < NG_SHB_LENGTH_PREFIX {
            return Ok(Frame::Need(NG_SHB_LENGTH_PREFIX));
        }
        big_endian = match read_u32(avail, 8, false) {
            Some(BYTE_ORDER_MAGIC) => false,
            Some(m) if m == BYTE_ORDER_MAGIC.swap_bytes() => true,
            _ => {
                return Err(FrameError::Corrupt(
                    "the section header block has an unrecognised byte-order magic",
                ))
            }
        };
        block_type = SHB_TYPE;
    }
    let declared = read_u32(avail, 4, big_endian).unwrap_or_default();
    if declared % 4 != 0 {
        return Err(FrameError::Corrupt(
            "the block length is not a multiple of 4",
        ));
    }
    let len = usize::try_from(declared).map_err(|_| FrameError::TooLarge(declared.into()))?;
    if len < ng_min_len(block_type) {
        return Err(FrameError::Corrupt(
            "the block length is smaller than the minimum for its block type",
        ));
    }
    if len > max {
        return Err(FrameError::TooLarge(declared.into()));
    }
    Ok(Frame::Block(BlockInfo {
        len,
        block_type,
        big_endian,
    }))
}

/// Checks that a complete pcapng block repeats its length in the trailer.
pub(crate) fn check_trailer(block: &[u8], info: &BlockInfo) -> Result<(), FrameError> {
    let trailer = info
        .len
        .checked_sub(4)
        .and_then(|at| read_u32(block, at, info.big_endian));
    if trailer.and_then(|t| usize::try_from(t).ok()) == Some(info.len) {
        Ok(())
    } else {
        Err(FrameError::Corrupt(
            "the block trailer length differs from the header length",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_needs_header_then_frames_record() {
        assert_eq!(legacy_frame(&[0; 15], false, 16, 100), Ok(Frame::Need(16)));
        let mut hdr = [0u8; 16];
        hdr[8..12].copy_from_slice(&10u32.to_le_bytes());
        assert_eq!(
            legacy_frame(&hdr, false, 16, 100),
            Ok(Frame::Block(BlockInfo {
                len: 26,
                block_type: 0,
                big_endian: false
            }))
        );
        hdr[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            legacy_frame(&hdr, false, 16, 100),
            Err(FrameError::TooLarge(16 + u64::from(u32::MAX)))
        );
    }

    #[test]
    fn pcapng_checks_alignment_minimum_and_limit() {
        let block = |len: u32| {
            let mut b = [0u8; 8];
            b[0..4].copy_from_slice(&EPB_TYPE.to_le_bytes());
            b[4..8].copy_from_slice(&len.to_le_bytes());
            b
        };
        assert!(matches!(
            pcapng_frame(&block(33), false, 100),
            Err(FrameError::Corrupt(_))
        ));
        assert!(matches!(
            pcapng_frame(&block(28), false, 100),
            Err(FrameError::Corrupt(_))
        ));
        assert_eq!(
            pcapng_frame(&block(104), false, 100),
            Err(FrameError::TooLarge(104))
        );
        assert!(matches!(
            pcapng_frame(&block(32), false, 100),
            Ok(Frame::Block(BlockInfo { len: 32, .. }))
        ));
        assert_eq!(pcapng_frame(&[0; 7], false, 100), Ok(Frame::Need(8)));
    }

    #[test]
    fn pcapng_section_header_states_its_byte_order() {
        let mut shb = [0u8; 12];
        shb[0..4].copy_from_slice(&SHB_TYPE.to_be_bytes());
        shb[4..8].copy_from_slice(&28u32.to_be_bytes());
        shb[8..12].copy_from_slice(&BYTE_ORDER_MAGIC.to_be_bytes());
        assert_eq!(pcapng_frame(&shb[..8], false, 100), Ok(Frame::Need(12)));
        assert_eq!(
            pcapng_frame(&shb, false, 100),
            Ok(Frame::Block(BlockInfo {
                len: 28,
                block_type: SHB_TYPE,
                big_endian: true
            }))
        );
        shb[8] = 0;
        assert!(matches!(
            pcapng_frame(&shb, false, 100),
            Err(FrameError::Corrupt(_))
        ));
    }
}
