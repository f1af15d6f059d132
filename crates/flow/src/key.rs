//! Bidirectional 5-tuple keys.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use swyx_classify::{Packet, Transport};

/// One end of a flow: address and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// The address (of the innermost IP header).
    pub addr: IpAddr,
    /// The TCP or UDP port.
    pub port: u16,
}

impl core::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.addr {
            IpAddr::V4(addr) => write!(f, "{addr}:{}", self.port),
            IpAddr::V6(addr) => write!(f, "[{addr}]:{}", self.port),
        }
    }
}

/// A flow's key: the two ends in a canonical order (the smaller first), so both directions of
/// a conversation find the same flow. Addresses are big-endian `u128`s (IPv4 in the top four
/// bytes), so ordering, equality and hashing are a few word operations, not byte loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlowKey {
    lo_addr: u128,
    hi_addr: u128,
    lo_port: u16,
    hi_port: u16,
    /// Transport discriminant, and bit 7 for IPv6.
    kind: u8,
}

impl core::hash::Hash for FlowKey {
    #[inline]
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_u128(self.lo_addr ^ self.hi_addr.rotate_left(64));
        state.write_u64(
            (self.hi_addr as u64)
                ^ u64::from(self.lo_port) << 40
                ^ u64::from(self.hi_port) << 16
                ^ u64::from(self.kind),
        );
    }
}

const V6: u8 = 0x80;

impl FlowKey {
    /// The key of `packet` and whether its source is the key's low end. `None` without
    /// addresses of 4 or 16 bytes (a packet the caller decoded itself).
    #[inline]
    pub(crate) fn of(packet: &Packet<'_>) -> Option<(FlowKey, bool)> {
        let (src, dst, v6) = match (packet.src_addr.len(), packet.dst_addr.len()) {
            (4, 4) => (v4(packet.src_addr)?, v4(packet.dst_addr)?, false),
            (16, 16) => (v6(packet.src_addr)?, v6(packet.dst_addr)?, true),
            _ => return None,
        };
        let kind = packet.transport as u8 | if v6 { V6 } else { 0 };
        let (src_port, dst_port) = (packet.src_port, packet.dst_port);
        // Which end is the lower one is as good as random from one packet to the next: told
        // and applied by masks, not branches a predictor would miss half the time.
        let src_is_lo = (src < dst) | ((src == dst) & (src_port <= dst_port));
        let addr_mask = u128::from(src_is_lo).wrapping_neg();
        let port_mask = u16::from(src_is_lo).wrapping_neg();
        let key = FlowKey {
            lo_addr: (src & addr_mask) | (dst & !addr_mask),
            hi_addr: (dst & addr_mask) | (src & !addr_mask),
            lo_port: (src_port & port_mask) | (dst_port & !port_mask),
            hi_port: (dst_port & port_mask) | (src_port & !port_mask),
            kind,
        };
        Some((key, src_is_lo))
    }

    /// The low (`true`) or high end's address and port, as the key holds them.
    pub(crate) fn raw_end(&self, lo: bool) -> (u128, u16) {
        if lo {
            (self.lo_addr, self.lo_port)
        } else {
            (self.hi_addr, self.hi_port)
        }
    }

    pub(crate) fn is_v6(&self) -> bool {
        self.kind & V6 != 0
    }

    pub(crate) fn transport(&self) -> Transport {
        if self.kind & !V6 == Transport::Tcp as u8 {
            Transport::Tcp
        } else {
            Transport::Udp
        }
    }

    fn addr(&self, raw: u128) -> IpAddr {
        ip_of(raw, self.kind & V6 != 0)
    }

    /// The low end (`true`) or the high end.
    pub(crate) fn end(&self, lo: bool) -> Endpoint {
        if lo {
            Endpoint {
                addr: self.addr(self.lo_addr),
                port: self.lo_port,
            }
        } else {
            Endpoint {
                addr: self.addr(self.hi_addr),
                port: self.hi_port,
            }
        }
    }
}

/// An address of 4 or 16 bytes as the keys hold it.
pub(crate) fn raw_slice(addr: &[u8]) -> Option<u128> {
    match addr.len() {
        4 => v4(addr),
        16 => v6(addr),
        _ => None,
    }
}

#[inline]
fn v4(addr: &[u8]) -> Option<u128> {
    Some(u128::from(u32::from_be_bytes(*addr.first_chunk::<4>()?)) << 96)
}

#[inline]
fn v6(addr: &[u8]) -> Option<u128> {
    Some(u128::from_be_bytes(*addr.first_chunk::<16>()?))
}

/// The address a key holds as `raw` (IPv6 when `v6`).
pub(crate) fn ip_of(raw: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(raw))
    } else {
        IpAddr::V4(Ipv4Addr::from((raw >> 96) as u32))
    }
}

/// An address as the keys hold it.
pub(crate) fn raw_addr(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn both_directions_have_one_key_with_the_smaller_end_first(
            v6: bool,
            udp: bool,
            a in any::<[u8; 16]>(),
            b in any::<[u8; 16]>(),
            same_addr: bool,
            a_port: u16,
            b_port: u16,
        ) {
            let len = if v6 { 16 } else { 4 };
            let (a, b) = (&a[..len], if same_addr { &a[..len] } else { &b[..len] });
            let transport = if udp { Transport::Udp } else { Transport::Tcp };
            let forward = Packet::new(transport, a_port, b_port, b"").with_addresses(a, b);
            let back = Packet::new(transport, b_port, a_port, b"").with_addresses(b, a);
            let (key, a_is_lo) = FlowKey::of(&forward).unwrap();
            let (back_key, b_is_lo) = FlowKey::of(&back).unwrap();
            prop_assert_eq!(key, back_key);
            let (a_end, b_end) = ((raw_slice(a).unwrap(), a_port), (raw_slice(b).unwrap(), b_port));
            prop_assert_eq!(a_is_lo, a_end <= b_end);
            prop_assert_eq!(b_is_lo, b_end <= a_end);
            let (lo, hi) = if a_is_lo { (a_end, b_end) } else { (b_end, a_end) };
            prop_assert_eq!((key.raw_end(true), key.raw_end(false)), (lo, hi));
            prop_assert_eq!((key.is_v6(), key.transport()), (v6, transport));
        }
    }
}
