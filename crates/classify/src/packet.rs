//! Header decoding, from the link layer down to the TCP/UDP ports and payload. Every read is
//! bounds-checked; nothing here allocates or panics.

use crate::{LinkType, Reason, Transport};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Tunnels (IP-in-IP, IPv6-in-IP) are followed this many levels deep.
const MAX_TUNNEL_DEPTH: u8 = 2;
/// VLAN tags followed before giving up on a frame.
const MAX_VLAN_TAGS: u8 = 8;
/// IPv6 extension headers followed before giving up on a packet.
const MAX_EXTENSION_HEADERS: u8 = 8;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;

/// The transport layer of a packet: ports, payload and addresses, all borrowed from the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// TCP or UDP.
    pub transport: Transport,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// The captured payload: possibly shorter than on the wire (snaplen, first fragment).
    pub payload: &'a [u8],
    /// The payload's length on the wire, from the UDP length or the IP lengths; at least
    /// `payload.len()`.
    pub payload_len: u32,
    /// Source address: 4 bytes (IPv4) or 16 bytes (IPv6), of the innermost IP header.
    pub src_addr: &'a [u8],
    /// Destination address, like `src_addr`.
    pub dst_addr: &'a [u8],
    /// The TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...); 0 for UDP
    /// and for a TCP header cut before it.
    pub tcp_flags: u8,
}

impl Packet<'_> {
    /// TCP FIN.
    pub const FIN: u8 = 0x01;
    /// TCP SYN.
    pub const SYN: u8 = 0x02;
    /// TCP RST.
    pub const RST: u8 = 0x04;
    /// TCP ACK.
    pub const ACK: u8 = 0x10;
}

impl<'a> Packet<'a> {
    /// Whether part of the payload is missing from the capture.
    pub fn is_truncated(&self) -> bool {
        (self.payload.len() as u64) < u64::from(self.payload_len)
    }

    /// The source address.
    pub fn src_ip(&self) -> Option<IpAddr> {
        ip_addr(self.src_addr)
    }

    /// The destination address.
    pub fn dst_ip(&self) -> Option<IpAddr> {
        ip_addr(self.dst_addr)
    }

    /// The same packet seen from the other end: ports and addresses swapped.
    pub fn swapped(&self) -> Packet<'a> {
        Packet {
            src_port: self.dst_port,
            dst_port: self.src_port,
            src_addr: self.dst_addr,
            dst_addr: self.src_addr,
            ..*self
        }
    }
}

fn ip_addr(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Some(IpAddr::V4(Ipv4Addr::from(v4)))
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Some(IpAddr::V6(Ipv6Addr::from(v6)))
    } else {
        None
    }
}

#[inline]
fn be16(data: &[u8], at: usize) -> Option<u16> {
    match data.get(at..at + 2) {
        Some(&[a, b]) => Some(u16::from_be_bytes([a, b])),
        _ => None,
    }
}

/// Decodes `data` of link type `link` down to the transport layer.
#[inline]
pub fn decode_link(link: LinkType, data: &[u8]) -> Result<Packet<'_>, Reason> {
    let (version, ip) = match link {
        LinkType::Ethernet => ethernet_ip(data)?,
        LinkType::RawIp => raw_ip(data)?,
        LinkType::Ipv4 => (IpVersion::V4, data),
        LinkType::Ipv6 => (IpVersion::V6, data),
        LinkType::LinuxSll => {
            let protocol = be16(data, 14).ok_or(Reason::Truncated)?;
            ethertype_ip(protocol, &data[16.min(data.len())..])?
        }
        LinkType::LinuxSll2 => {
            let protocol = be16(data, 0).ok_or(Reason::Truncated)?;
            if data.len() < 20 {
                return Err(Reason::Truncated);
            }
            ethertype_ip(protocol, &data[20..])?
        }
        LinkType::Null | LinkType::Loop => {
            let family: [u8; 4] = data
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or(Reason::Truncated)?;
            let family = if link == LinkType::Loop {
                u32::from_be_bytes(family)
            } else {
                // Host byte order of whoever captured: families are small numbers, so the
                // order that yields one is the right one.
                let le = u32::from_le_bytes(family);
                if le > 0xffff {
                    u32::from_be_bytes(family)
                } else {
                    le
                }
            };
            match family {
                2 => (IpVersion::V4, &data[4..]),
                // AF_INET6 is 10 on Linux, 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS.
                10 | 24 | 28 | 30 => (IpVersion::V6, &data[4..]),
                _ => return Err(Reason::NotIp),
            }
        }
    };
    decode_ip_chain(version, ip)
}

/// Decodes an Ethernet II frame.
#[inline(always)]
pub fn decode_ethernet(frame: &[u8]) -> Result<Packet<'_>, Reason> {
    let (version, ip) = ethernet_ip(frame)?;
    decode_ip_chain(version, ip)
}

/// The IP header of an Ethernet II frame.
#[inline(always)]
fn ethernet_ip(frame: &[u8]) -> Result<(IpVersion, &[u8]), Reason> {
    let Some((header, rest)) = frame.split_first_chunk::<14>() else {
        return Err(Reason::Truncated);
    };
    ethertype_ip(u16::from_be_bytes([header[12], header[13]]), rest)
}

/// Whether `ethertype` is an 802.1Q / 802.1ad tag.
#[inline(always)]
fn is_vlan_tag(ethertype: u16) -> bool {
    matches!(ethertype, 0x8100 | 0x88a8 | 0x9100 | 0x9200)
}

/// The IP header that follows an EtherType, after any 802.1Q / 802.1ad tags.
#[inline(always)]
fn ethertype_ip(mut ethertype: u16, mut rest: &[u8]) -> Result<(IpVersion, &[u8]), Reason> {
    if ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6 {
        (ethertype, rest) = skip_vlan_tags(ethertype, rest)?;
    }
    match ethertype {
        ETHERTYPE_IPV4 => Ok((IpVersion::V4, rest)),
        ETHERTYPE_IPV6 => Ok((IpVersion::V6, rest)),
        _ => Err(Reason::NotIp),
    }
}

/// Skips the VLAN tags from `ethertype` on: the EtherType after them and what follows it.
#[inline]
fn skip_vlan_tags(mut ethertype: u16, mut rest: &[u8]) -> Result<(u16, &[u8]), Reason> {
    let mut tags = 0;
    while is_vlan_tag(ethertype) {
        tags += 1;
        if tags > MAX_VLAN_TAGS {
            return Err(Reason::NotIp);
        }
        ethertype = be16(rest, 2).ok_or(Reason::Truncated)?;
        rest = &rest[4..];
    }
    Ok((ethertype, rest))
}

/// Decodes an IPv4 or IPv6 packet, told apart by the version nibble.
#[inline]
pub fn decode_ip(packet: &[u8]) -> Result<Packet<'_>, Reason> {
    let (version, ip) = raw_ip(packet)?;
    decode_ip_chain(version, ip)
}

/// The IP version of a raw IP packet, from its version nibble.
#[inline(always)]
fn raw_ip(packet: &[u8]) -> Result<(IpVersion, &[u8]), Reason> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => Ok((IpVersion::V4, packet)),
        Some(6) => Ok((IpVersion::V6, packet)),
        Some(_) => Err(Reason::NotIp),
        None => Err(Reason::Truncated),
    }
}

/// The version of an IP header to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IpVersion {
    V4,
    V6,
}

/// What an IP header leads to: the transport layer, or another IP protocol's body.
enum Layer<'a> {
    Transport(Packet<'a>),
    Other { protocol: u8, body: &'a [u8] },
}

/// Decodes the IP header of `version` in `data`, following IP-in-IP (4) and IPv6-in-IP (41)
/// tunnels [`MAX_TUNNEL_DEPTH`] levels deep, down to TCP or UDP. A loop, not a call per
/// tunnel: every path then hands its packet over in registers.
#[inline(always)]
fn decode_ip_chain(mut version: IpVersion, mut data: &[u8]) -> Result<Packet<'_>, Reason> {
    let mut depth = 0;
    loop {
        let layer = match version {
            IpVersion::V4 => decode_ipv4(data)?,
            IpVersion::V6 => decode_ipv6(data)?,
        };
        match layer {
            Layer::Transport(packet) => return Ok(packet),
            Layer::Other { protocol, body } => {
                version = match protocol {
                    4 if depth < MAX_TUNNEL_DEPTH => IpVersion::V4,
                    41 if depth < MAX_TUNNEL_DEPTH => IpVersion::V6,
                    _ => return Err(Reason::NotTcpUdp),
                };
                data = body;
                depth += 1;
            }
        }
    }
}

#[inline(always)]
fn decode_ipv4(packet: &[u8]) -> Result<Layer<'_>, Reason> {
    let Some(header) = packet.first_chunk::<20>() else {
        return Err(short_ip_reason(packet, 4));
    };
    if header[0] >> 4 != 4 {
        return Err(Reason::NotIp);
    }
    let header_len = usize::from(header[0] & 0x0f) * 4;
    if header_len < 20 {
        return Err(Reason::MalformedHeader);
    }
    if packet.len() < header_len {
        return Err(Reason::Truncated);
    }
    let total_len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    // A total length of 0 is what segmentation offload leaves in captures: the packet ends
    // where the capture does, but its length on the wire is unknown (`None`), so a cut capture
    // cannot pass for a whole one.
    let (end, wire_len) = if total_len == 0 {
        (packet.len(), None)
    } else if total_len < header_len {
        return Err(Reason::MalformedHeader);
    } else {
        (total_len.min(packet.len()), Some(total_len))
    };
    let fragment = u16::from_be_bytes([header[6], header[7]]);
    if fragment & 0x1fff != 0 {
        return Err(Reason::NonFirstFragment);
    }
    // A first fragment carries the ports and a prefix of the datagram.
    let body_wire = match wire_len {
        Some(wire_len) if fragment & 0x2000 == 0 => (wire_len - header_len) as u32,
        _ => u32::MAX,
    };
    let body = packet.get(header_len..end).unwrap_or(&[]);
    transport(header[9], body, body_wire, &header[12..16], &header[16..20])
}

/// Why an IP packet too short for its fixed header was not decoded.
#[cold]
fn short_ip_reason(packet: &[u8], version: u8) -> Reason {
    if packet.is_empty() {
        Reason::Truncated
    } else {
        check_version(packet, version)
    }
}

fn check_version(packet: &[u8], expected: u8) -> Reason {
    match packet.first() {
        Some(b) if b >> 4 == expected => Reason::Truncated,
        _ => Reason::NotIp,
    }
}

#[inline(always)]
fn decode_ipv6(packet: &[u8]) -> Result<Layer<'_>, Reason> {
    if packet.len() < 40 {
        return Err(short_ip_reason(packet, 6));
    }
    if packet[0] >> 4 != 6 {
        return Err(Reason::NotIp);
    }
    let payload_len = usize::from(u16::from_be_bytes([packet[4], packet[5]]));
    // A payload length of 0 is a jumbogram or offload: the packet ends where the capture does,
    // its length on the wire is unknown.
    let (end, mut wire_len) = if payload_len == 0 {
        (packet.len(), None)
    } else {
        ((40 + payload_len).min(packet.len()), Some(payload_len))
    };
    let mut next = packet[6];
    let mut at = 40;
    let mut fragmented = false;
    for _ in 0..=MAX_EXTENSION_HEADERS {
        let header_len = match next {
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6.
            0 | 43 | 60 | 135 | 139 | 140 => {
                let len = *packet.get(at + 1).ok_or(Reason::Truncated)?;
                (usize::from(len) + 1) * 8
            }
            44 => {
                let offset = be16(packet, at + 2).ok_or(Reason::Truncated)?;
                if offset & 0xfff8 != 0 {
                    return Err(Reason::NonFirstFragment);
                }
                fragmented |= offset & 1 != 0;
                8
            }
            // Authentication header: length in 4-byte units, minus 2.
            51 => {
                let len = *packet.get(at + 1).ok_or(Reason::Truncated)?;
                (usize::from(len) + 2) * 4
            }
            _ => {
                let body = packet.get(at..end).ok_or(Reason::Truncated)?;
                let body_wire = match wire_len {
                    Some(wire_len) if !fragmented => wire_len as u32,
                    _ => u32::MAX,
                };
                return transport(next, body, body_wire, &packet[8..24], &packet[24..40]);
            }
        };
        next = *packet.get(at).ok_or(Reason::Truncated)?;
        if at + header_len > end {
            return Err(Reason::Truncated);
        }
        at += header_len;
        wire_len = wire_len.map(|len| len.saturating_sub(header_len));
    }
    Err(Reason::MalformedHeader)
}

/// Decodes the transport header in `body` (`body_wire` bytes on the wire, `u32::MAX` when
/// unknown because the datagram is fragmented).
#[inline(always)]
fn transport<'a>(
    protocol: u8,
    body: &'a [u8],
    body_wire: u32,
    src_addr: &'a [u8],
    dst_addr: &'a [u8],
) -> Result<Layer<'a>, Reason> {
    let transport = match protocol {
        17 => Transport::Udp,
        6 => Transport::Tcp,
        _ => return Ok(Layer::Other { protocol, body }),
    };
    let Some(ports) = body.first_chunk::<4>() else {
        return Err(Reason::Truncated);
    };
    let src_port = u16::from_be_bytes([ports[0], ports[1]]);
    let dst_port = u16::from_be_bytes([ports[2], ports[3]]);
    let (payload, payload_len) = match transport {
        Transport::Udp => match body
            .first_chunk::<6>()
            .map(|h| usize::from(u16::from_be_bytes([h[4], h[5]])))
        {
            Some(len) if len >= 8 => {
                let end = len.min(body.len());
                (body.get(8..end).unwrap_or(&[]), (len - 8) as u32)
            }
            // No length (cut by the capture) or a malformed one: trust the IP length.
            _ => {
                let payload = body.get(8..).unwrap_or(&[]);
                (
                    payload,
                    body_wire.saturating_sub(8).max(payload.len() as u32),
                )
            }
        },
        Transport::Tcp => {
            let header_len = body.get(12).map(|b| usize::from(b >> 4) * 4);
            match header_len {
                Some(len) if len >= 20 => {
                    let payload = body.get(len..).unwrap_or(&[]);
                    let wire = body_wire
                        .saturating_sub(len as u32)
                        .max(payload.len() as u32);
                    (payload, wire)
                }
                // Header cut by the capture: ports known, payload unknown.
                None => (&[][..], u32::MAX),
                Some(_) => return Err(Reason::MalformedHeader),
            }
        }
    };
    let tcp_flags = match transport {
        Transport::Tcp => body.get(13).copied().unwrap_or(0),
        Transport::Udp => 0,
    };
    Ok(Layer::Transport(Packet {
        transport,
        src_port,
        dst_port,
        payload,
        payload_len,
        src_addr,
        dst_addr,
        tcp_flags,
    }))
}
