//! pcapng blocks: framing from the block header, the section and its interfaces, and the
//! packet each Enhanced, Simple or (obsolete) Packet Block holds.
//!
//! Every block is `block_type`, `block_total_length`, a body, and `block_total_length` again,
//! each `u32` in the byte order of the section, which its Section Header Block states.

use std::io::Read;

use pcap_parser::pcapng::{Block, InterfaceDescriptionBlock, OptionCode};

use crate::byte_order::ByteOrder;
use crate::detect::MAGIC_LEN;
use crate::error::{frame_error, io_error, truncated, CaptureError};
use crate::framing::{BlockInfo, Found, Frame, FrameError, Step};
use crate::source::read_exact_or_eof;
use crate::time::Resolution;

/// Most interfaces one pcapng section may declare; more is reported as corrupt, so that the
/// interface table cannot grow with the file size.
pub const MAX_INTERFACES: usize = 1 << 16;

/// Section Header Block type (the same in both byte orders).
pub(crate) const SHB_TYPE: u32 = 0x0A0D_0D0A;
/// Interface Description Block type.
pub(crate) const IDB_TYPE: u32 = 0x0000_0001;
/// (Obsolete) Packet Block type.
pub(crate) const PB_TYPE: u32 = 0x0000_0002;
/// Simple Packet Block type.
pub(crate) const SPB_TYPE: u32 = 0x0000_0003;
/// Enhanced Packet Block type.
pub(crate) const EPB_TYPE: u32 = 0x0000_0006;
/// Byte-order magic of a Section Header Block, as it reads in the section's own byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Bytes of a block needed to know its length: type and total length.
const LENGTH_PREFIX: usize = 8;
/// Bytes of a Section Header Block needed to know its length: type, total length and the
/// byte-order magic that says how to read the length.
pub(crate) const SHB_LENGTH_PREFIX: usize = 12;

/// Offsets of the fields every block starts with.
mod block {
    /// Block type.
    pub(super) const TYPE: usize = 0;
    /// Block total length, repeated in the last four bytes.
    pub(super) const TOTAL_LEN: usize = 4;
    /// Section Header Block only: the byte-order magic.
    pub(super) const BYTE_ORDER_MAGIC: usize = 8;
    /// The trailing copy of the total length.
    pub(super) const TRAILER_LEN: usize = 4;
}

/// Offsets in an Enhanced Packet Block.
mod enhanced {
    /// Where the packet data starts, after interface id, timestamp and both lengths.
    pub(super) const DATA: usize = 28;
}

/// Offsets in a Simple Packet Block.
mod simple {
    /// Where the packet data starts, after the original length.
    pub(super) const DATA: usize = 12;
    /// Block bytes that are not packet data: header, original length and trailer.
    pub(super) const OVERHEAD: usize = 16;
}

/// Offsets in an (obsolete) Packet Block.
mod packet {
    /// 16-bit interface id, then 16-bit drops count, in one 32-bit word.
    pub(super) const INTERFACE_AND_DROPS: usize = 8;
    pub(super) const TS_HIGH: usize = 12;
    pub(super) const TS_LOW: usize = 16;
    pub(super) const CAPTURED_LEN: usize = 20;
    pub(super) const ORIGINAL_LEN: usize = 24;
    pub(super) const DATA: usize = 28;
    /// Block bytes that are not packet data: the fields above and the trailer.
    pub(super) const OVERHEAD: usize = 32;
}

/// Smallest legal total length of a block of the given type.
fn min_len(block_type: u32) -> usize {
    match block_type {
        SHB_TYPE => 28,
        IDB_TYPE => 20,
        SPB_TYPE => 16,
        EPB_TYPE | PB_TYPE => 32,
        _ => 12,
    }
}

/// Frames the block at the start of `avail`, at most `max` bytes long; `section` is the byte
/// order of the current section (a Section Header Block states its own).
pub(crate) fn frame(avail: &[u8], section: ByteOrder, max: usize) -> Result<Frame, FrameError> {
    if avail.len() < LENGTH_PREFIX {
        return Ok(Frame::Need(LENGTH_PREFIX));
    }
    let mut order = section;
    let mut block_type = order.read_u32(avail, block::TYPE).unwrap_or_default();
    if block_type == SHB_TYPE {
        if avail.len() < SHB_LENGTH_PREFIX {
            return Ok(Frame::Need(SHB_LENGTH_PREFIX));
        }
        order = match ByteOrder::Little.read_u32(avail, block::BYTE_ORDER_MAGIC) {
            Some(BYTE_ORDER_MAGIC) => ByteOrder::Little,
            Some(m) if m == BYTE_ORDER_MAGIC.swap_bytes() => ByteOrder::Big,
            _ => {
                return Err(FrameError::Corrupt(
                    "the section header block has an unrecognised byte-order magic",
                ))
            }
        };
        block_type = SHB_TYPE;
    }
    let declared = order.read_u32(avail, block::TOTAL_LEN).unwrap_or_default();
    if declared % 4 != 0 {
        return Err(FrameError::Corrupt(
            "the block length is not a multiple of 4",
        ));
    }
    let len = usize::try_from(declared).map_err(|_| FrameError::TooLarge(declared.into()))?;
    if len < min_len(block_type) {
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
        order,
    }))
}

/// Checks that a complete block repeats its length in the trailer.
pub(crate) fn check_trailer(block: &[u8], info: &BlockInfo) -> Result<(), FrameError> {
    let trailer = info
        .len
        .checked_sub(block::TRAILER_LEN)
        .and_then(|at| info.order.read_u32(block, at));
    if trailer.and_then(|t| usize::try_from(t).ok()) == Some(info.len) {
        Ok(())
    } else {
        Err(FrameError::Corrupt(
            "the block trailer length differs from the header length",
        ))
    }
}

/// Reads the rest of the first Section Header Block of a file whose magic number (the
/// block's type) was read as `magic`, and checks its framing and trailer: the block's bytes
/// and framing.
pub(crate) fn read_first_section<R: Read>(
    reader: &mut R,
    magic: [u8; MAGIC_LEN],
    max: usize,
) -> Result<(Vec<u8>, BlockInfo), CaptureError> {
    let mut shb = magic.to_vec();
    read_exact_or_eof(reader, SHB_LENGTH_PREFIX - MAGIC_LEN, &mut shb)
        .map_err(|(n, e)| io_error((MAGIC_LEN + n) as u64, 0, e))?;
    let info = match frame(&shb, ByteOrder::Little, max) {
        Ok(Frame::Block(info)) => info,
        Ok(Frame::Need(_)) => return Err(truncated(0, 0, SHB_LENGTH_PREFIX, shb.len())),
        Err(e) => return Err(frame_error(e, 0, 0, max)),
    };
    read_exact_or_eof(reader, info.len - shb.len(), &mut shb)
        .map_err(|(n, e)| io_error((SHB_LENGTH_PREFIX + n) as u64, 0, e))?;
    if shb.len() < info.len {
        return Err(truncated(0, 0, info.len, shb.len()));
    }
    check_trailer(&shb, &info).map_err(|e| frame_error(e, 0, 0, max))?;
    Ok((shb, info))
}

/// What pcap-parser's complaint about a whole buffered block of this type means.
pub(crate) fn malformed(block_type: u32) -> &'static str {
    match block_type {
        SHB_TYPE => "the section header block is malformed",
        IDB_TYPE => "the interface description block is malformed",
        EPB_TYPE => "the enhanced packet block is malformed",
        SPB_TYPE => "the simple packet block is malformed",
        _ => "the block is malformed",
    }
}

/// Per-interface facts of a section.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    snaplen: u32,
    resolution: Resolution,
    offset_secs: i64,
}

impl Interface {
    fn from_idb(idb: &InterfaceDescriptionBlock<'_>, order: ByteOrder) -> Self {
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
                    offset_secs = Some(order.i64_from_bytes(raw));
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

/// The current section: its byte order and the interfaces declared so far.
#[derive(Debug)]
pub(crate) struct Section {
    pub(crate) order: ByteOrder,
    interfaces: Vec<Interface>,
}

impl Section {
    /// A section in `order` that declares no interface yet.
    pub(crate) fn new(order: ByteOrder) -> Self {
        Section {
            order,
            interfaces: Vec::new(),
        }
    }

    /// Handles what needs no parsing by pcap-parser in the complete block `block` framed as
    /// `info`: checks its trailer, decodes an obsolete Packet Block (which pcap-parser does
    /// not), and skips the blocks that carry no packets. `None` for the blocks pcap-parser is
    /// to parse.
    pub(crate) fn unparsed(
        &self,
        block: &[u8],
        info: BlockInfo,
    ) -> Result<Option<Step>, FrameError> {
        check_trailer(block, &info)?;
        match info.block_type {
            SHB_TYPE | IDB_TYPE | EPB_TYPE | SPB_TYPE => Ok(None),
            PB_TYPE => self.packet_block(block, info).map(Some),
            // Name resolution, statistics, custom and unknown blocks carry no packets.
            _ => Ok(Some(Step::Skipped(info.len))),
        }
    }

    /// Handles a block of `len` bytes as pcap-parser parsed it; `info` is its framing.
    pub(crate) fn parsed(
        &mut self,
        block: Block<'_>,
        info: BlockInfo,
        len: usize,
    ) -> Result<Step, FrameError> {
        match block {
            Block::SectionHeader(_) => {
                // A new section starts afresh: its own byte order, no interfaces.
                self.order = info.order;
                self.interfaces.clear();
                Ok(Step::Skipped(len))
            }
            Block::InterfaceDescription(idb) => {
                if self.interfaces.len() >= MAX_INTERFACES {
                    return Err(FrameError::Corrupt(
                        "the section declares too many interfaces",
                    ));
                }
                self.interfaces.push(Interface::from_idb(&idb, info.order));
                Ok(Step::Skipped(len))
            }
            Block::EnhancedPacket(epb) => {
                let iface = self.interface(epb.if_id)?;
                let caplen = epb.caplen as usize;
                let end = enhanced::DATA + caplen;
                if caplen > epb.data.len() || end + block::TRAILER_LEN > len {
                    return Err(FrameError::Corrupt(
                        "the captured length exceeds the enhanced packet block",
                    ));
                }
                Ok(Step::Packet(Found {
                    timestamp: Some(iface.resolution.timestamp(
                        epb.ts_high,
                        epb.ts_low,
                        iface.offset_secs,
                    )),
                    link_type: iface.link_type,
                    interface: epb.if_id,
                    original_len: epb.origlen,
                    range: enhanced::DATA..end,
                    block_len: len,
                }))
            }
            Block::SimplePacket(spb) => {
                let iface = self.interface(0)?;
                let body = len.saturating_sub(simple::OVERHEAD).min(spb.data.len());
                let mut caplen = body.min(spb.origlen as usize);
                if iface.snaplen != 0 {
                    caplen = caplen.min(iface.snaplen as usize);
                }
                Ok(Step::Packet(Found {
                    timestamp: None,
                    link_type: iface.link_type,
                    interface: 0,
                    original_len: spb.origlen,
                    range: simple::DATA..simple::DATA + caplen,
                    block_len: len,
                }))
            }
            _ => Ok(Step::Skipped(len)),
        }
    }

    /// Decodes an obsolete Packet Block, complete in `block`.
    fn packet_block(&self, block: &[u8], info: BlockInfo) -> Result<Step, FrameError> {
        let order = info.order;
        let field = |at: usize| order.read_u32(block, at).unwrap_or_default();
        // The interface id is the high (first) half of the 32-bit word.
        let word = field(packet::INTERFACE_AND_DROPS);
        let interface = match order {
            ByteOrder::Big => word >> 16,
            ByteOrder::Little => word & 0xFFFF,
        };
        let iface = self.interface(interface)?;
        let caplen = field(packet::CAPTURED_LEN) as usize;
        if caplen > info.len - packet::OVERHEAD {
            return Err(FrameError::Corrupt(
                "the captured length exceeds the packet block",
            ));
        }
        Ok(Step::Packet(Found {
            timestamp: Some(iface.resolution.timestamp(
                field(packet::TS_HIGH),
                field(packet::TS_LOW),
                iface.offset_secs,
            )),
            link_type: iface.link_type,
            interface,
            original_len: field(packet::ORIGINAL_LEN),
            range: packet::DATA..packet::DATA + caplen,
            block_len: info.len,
        }))
    }

    /// The interface with id `interface`, if the section declared it.
    fn interface(&self, interface: u32) -> Result<Interface, FrameError> {
        usize::try_from(interface)
            .ok()
            .and_then(|i| self.interfaces.get(i))
            .copied()
            .ok_or(FrameError::UnknownInterface(interface))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_alignment_minimum_and_limit() {
        let block = |len: u32| {
            let mut b = [0u8; 8];
            b[0..4].copy_from_slice(&EPB_TYPE.to_le_bytes());
            b[4..8].copy_from_slice(&len.to_le_bytes());
            b
        };
        let little = ByteOrder::Little;
        assert!(matches!(
            frame(&block(33), little, 100),
            Err(FrameError::Corrupt(_))
        ));
        assert!(matches!(
            frame(&block(28), little, 100),
            Err(FrameError::Corrupt(_))
        ));
        assert_eq!(
            frame(&block(104), little, 100),
            Err(FrameError::TooLarge(104))
        );
        assert!(matches!(
            frame(&block(32), little, 100),
            Ok(Frame::Block(BlockInfo { len: 32, .. }))
        ));
        assert_eq!(frame(&[0; 7], little, 100), Ok(Frame::Need(8)));
    }

    #[test]
    fn section_header_states_its_byte_order() {
        let mut shb = [0u8; 12];
        shb[0..4].copy_from_slice(&SHB_TYPE.to_be_bytes());
        shb[4..8].copy_from_slice(&28u32.to_be_bytes());
        shb[8..12].copy_from_slice(&BYTE_ORDER_MAGIC.to_be_bytes());
        let little = ByteOrder::Little;
        assert_eq!(frame(&shb[..8], little, 100), Ok(Frame::Need(12)));
        assert_eq!(
            frame(&shb, little, 100),
            Ok(Frame::Block(BlockInfo {
                len: 28,
                block_type: SHB_TYPE,
                order: ByteOrder::Big
            }))
        );
        shb[8] = 0;
        assert!(matches!(
            frame(&shb, little, 100),
            Err(FrameError::Corrupt(_))
        ));
    }

    #[test]
    fn packet_block_names_an_interface_of_its_section() {
        let mut pb = [0u8; 36];
        pb[0..4].copy_from_slice(&PB_TYPE.to_le_bytes());
        pb[4..8].copy_from_slice(&36u32.to_le_bytes());
        pb[20..24].copy_from_slice(&4u32.to_le_bytes());
        pb[32..36].copy_from_slice(&36u32.to_le_bytes());
        let info = BlockInfo {
            len: 36,
            block_type: PB_TYPE,
            order: ByteOrder::Little,
        };
        let section = Section::new(ByteOrder::Little);
        assert_eq!(
            section.unparsed(&pb, info).err(),
            Some(FrameError::UnknownInterface(0))
        );
    }
}
