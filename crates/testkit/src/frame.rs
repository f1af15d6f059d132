//! Frames built field by field for every link type and encapsulation the classifier reads.
//!
//! ```
//! use swyx_classify::{classify, Label};
//! use swyx_testkit::frame::FrameSpec;
//! use swyx_testkit::payload;
//! let frame = FrameSpec::udp([10, 0, 0, 1], [10, 0, 0, 2], 5060, 5060, payload::sip_invite()).ethernet();
//! assert_eq!(classify(&frame).label(), Some(Label::Sip));
//! ```

use swyx_classify::{LinkType, Transport};

/// Addresses of a frame's IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addresses {
    /// IPv4 source and destination.
    V4([u8; 4], [u8; 4]),
    /// IPv6 source and destination.
    V6([u8; 16], [u8; 16]),
}

/// Everything that varies between the frames of the tests: a builder with public fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSpec {
    /// IP addresses (and so the IP version).
    pub addresses: Addresses,
    /// TCP or UDP.
    pub transport: Transport,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Transport payload.
    pub payload: Vec<u8>,
    /// 802.1Q / 802.1ad tags, outermost first: (TPID, VLAN id).
    pub vlans: Vec<(u16, u16)>,
    /// IPv4 options (padded to 4 bytes).
    pub ipv4_options: Vec<u8>,
    /// IPv6 extension headers before the transport header: (header type, body after the
    /// 2-byte next/length prefix; padded to 8 bytes). Type 44 is written as a fragment header
    /// with the given 6 bytes as its body.
    pub ipv6_extensions: Vec<(u8, Vec<u8>)>,
    /// IPv4 fragment field (flags and offset), 0 for an unfragmented packet.
    pub ipv4_fragment: u16,
    /// TCP flags byte (ACK|PSH by default).
    pub tcp_flags: u8,
    /// TCP sequence number.
    pub tcp_seq: u32,
    /// TCP acknowledgement number (1 by default).
    pub tcp_ack: u32,
    /// Whether the TCP/UDP checksum is computed over the pseudo-header; zero otherwise (the
    /// classifier never reads it, a capture shown in Wireshark should have it).
    pub transport_checksum: bool,
    /// Ethernet destination address.
    pub dst_mac: [u8; 6],
    /// Ethernet source address.
    pub src_mac: [u8; 6],
}

/// The Ethernet destination address of a [`FrameSpec`] unless it says otherwise.
pub const DEFAULT_DST_MAC: [u8; 6] = [0x00, 0x09, 0x0f, 0x01, 0x02, 0x03];
/// The Ethernet source address of a [`FrameSpec`] unless it says otherwise.
pub const DEFAULT_SRC_MAC: [u8; 6] = [0x00, 0x1a, 0xe8, 0x04, 0x05, 0x06];

impl FrameSpec {
    /// A UDP packet over IPv4.
    pub fn udp(
        src: [u8; 4],
        dst: [u8; 4],
        src_port: u16,
        dst_port: u16,
        payload: Vec<u8>,
    ) -> FrameSpec {
        FrameSpec::new(
            Addresses::V4(src, dst),
            Transport::Udp,
            src_port,
            dst_port,
            payload,
        )
    }

    /// A TCP segment over IPv4.
    pub fn tcp(
        src: [u8; 4],
        dst: [u8; 4],
        src_port: u16,
        dst_port: u16,
        payload: Vec<u8>,
    ) -> FrameSpec {
        FrameSpec::new(
            Addresses::V4(src, dst),
            Transport::Tcp,
            src_port,
            dst_port,
            payload,
        )
    }

    /// A packet with default options.
    pub fn new(
        addresses: Addresses,
        transport: Transport,
        src_port: u16,
        dst_port: u16,
        payload: Vec<u8>,
    ) -> FrameSpec {
        FrameSpec {
            addresses,
            transport,
            src_port,
            dst_port,
            payload,
            vlans: Vec::new(),
            ipv4_options: Vec::new(),
            ipv6_extensions: Vec::new(),
            ipv4_fragment: 0,
            tcp_flags: 0x18,
            tcp_seq: 1,
            tcp_ack: 1,
            transport_checksum: false,
            dst_mac: DEFAULT_DST_MAC,
            src_mac: DEFAULT_SRC_MAC,
        }
    }

    /// The same packet over IPv6 (addresses mapped into 2001:db8::/96).
    pub fn into_ipv6(mut self) -> FrameSpec {
        if let Addresses::V4(src, dst) = self.addresses {
            let map = |a: [u8; 4]| {
                let mut v6 = [0u8; 16];
                v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
                v6[12..].copy_from_slice(&a);
                v6
            };
            self.addresses = Addresses::V6(map(src), map(dst));
        }
        self
    }

    /// The same packet in the other direction.
    pub fn reversed(mut self) -> FrameSpec {
        std::mem::swap(&mut self.src_port, &mut self.dst_port);
        self.addresses = match self.addresses {
            Addresses::V4(s, d) => Addresses::V4(d, s),
            Addresses::V6(s, d) => Addresses::V6(d, s),
        };
        self
    }

    /// The transport header and payload.
    pub fn transport_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + self.payload.len());
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        let checksum_at = match self.transport {
            Transport::Udp => {
                out.extend_from_slice(&((8 + self.payload.len()) as u16).to_be_bytes());
                out.extend_from_slice(&[0, 0]);
                6
            }
            Transport::Tcp => {
                out.extend_from_slice(&self.tcp_seq.to_be_bytes());
                out.extend_from_slice(&self.tcp_ack.to_be_bytes());
                out.extend_from_slice(&[0x50, self.tcp_flags, 0xff, 0xff, 0, 0, 0, 0]);
                16
            }
        };
        out.extend_from_slice(&self.payload);
        if self.transport_checksum {
            let mut checksum =
                ipv4_checksum(&[self.pseudo_header(out.len()), out.clone()].concat());
            // UDP sends a computed zero as all ones: zero means "no checksum".
            if checksum == 0 && self.transport == Transport::Udp {
                checksum = 0xffff;
            }
            out[checksum_at..checksum_at + 2].copy_from_slice(&checksum.to_be_bytes());
        }
        out
    }

    /// The pseudo-header the TCP/UDP checksum covers (RFC 768, RFC 8200 section 8.1).
    fn pseudo_header(&self, transport_len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(40);
        match self.addresses {
            Addresses::V4(src, dst) => {
                out.extend_from_slice(&src);
                out.extend_from_slice(&dst);
                out.extend_from_slice(&[0, self.protocol()]);
                out.extend_from_slice(&(transport_len as u16).to_be_bytes());
            }
            Addresses::V6(src, dst) => {
                out.extend_from_slice(&src);
                out.extend_from_slice(&dst);
                out.extend_from_slice(&(transport_len as u32).to_be_bytes());
                out.extend_from_slice(&[0, 0, 0, self.protocol()]);
            }
        }
        out
    }

    fn protocol(&self) -> u8 {
        match self.transport {
            Transport::Udp => 17,
            Transport::Tcp => 6,
        }
    }

    /// The IP packet (IPv4 or IPv6 by the addresses).
    pub fn ip(&self) -> Vec<u8> {
        let body = self.transport_bytes();
        match self.addresses {
            Addresses::V4(src, dst) => ipv4_packet(
                src,
                dst,
                self.protocol(),
                self.ipv4_fragment,
                &self.ipv4_options,
                &body,
            ),
            Addresses::V6(src, dst) => {
                ipv6_packet(src, dst, &self.ipv6_extensions, self.protocol(), &body)
            }
        }
    }

    fn ethertype(&self) -> u16 {
        match self.addresses {
            Addresses::V4(..) => ETHERTYPE_IPV4,
            Addresses::V6(..) => ETHERTYPE_IPV6,
        }
    }

    /// An Ethernet II frame, with the VLAN tags.
    pub fn ethernet(&self) -> Vec<u8> {
        ethernet_frame(
            self.dst_mac,
            self.src_mac,
            &self.vlans,
            self.ethertype(),
            &self.ip(),
        )
    }

    /// The packet framed for `link` (raw IP for a link type this builder does not know).
    pub fn link(&self, link: LinkType) -> Vec<u8> {
        match link {
            LinkType::Ethernet => self.ethernet(),
            _ => link_frame(link, self.ethertype(), &self.ip()),
        }
    }
}

/// The EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// The EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// The EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;

/// An IPv4 packet carrying `body` as IP protocol `protocol` (identification 0x1234, TTL 64):
/// `fragment` is the flags and offset field, `options` are padded to 4 bytes; the header
/// checksum is computed.
pub fn ipv4_packet(
    src: [u8; 4],
    dst: [u8; 4],
    protocol: u8,
    fragment: u16,
    options: &[u8],
    body: &[u8],
) -> Vec<u8> {
    let mut options = options.to_vec();
    while options.len() % 4 != 0 {
        options.push(0);
    }
    let header_len = 20 + options.len();
    let total = (header_len + body.len()) as u16;
    let mut out = vec![0x40 | (header_len / 4) as u8, 0];
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&[0x12, 0x34]);
    out.extend_from_slice(&fragment.to_be_bytes());
    out.extend_from_slice(&[64, protocol, 0, 0]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&dst);
    out.extend_from_slice(&options);
    let checksum = ipv4_checksum(&out);
    out[10..12].copy_from_slice(&checksum.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// An IPv6 packet (hop limit 64): the extension headers in order, each `(header type, body
/// after the 2-byte next/length prefix)` padded to 8 bytes (type 44, a fragment header, takes
/// exactly 6 bytes of body), then `body` as protocol `protocol`.
pub fn ipv6_packet(
    src: [u8; 16],
    dst: [u8; 16],
    extensions: &[(u8, Vec<u8>)],
    protocol: u8,
    body: &[u8],
) -> Vec<u8> {
    let mut chain = Vec::new();
    let types: Vec<u8> = extensions.iter().map(|(t, _)| *t).collect();
    for (i, (header_type, header_body)) in extensions.iter().enumerate() {
        let next = types.get(i + 1).copied().unwrap_or(protocol);
        if *header_type == 44 {
            let mut fragment = vec![next, 0];
            fragment.extend(
                header_body
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0))
                    .take(6),
            );
            chain.extend_from_slice(&fragment);
        } else {
            let mut header = vec![next, 0];
            header.extend_from_slice(header_body);
            while header.len() % 8 != 0 {
                header.push(0);
            }
            header[1] = (header.len() / 8 - 1) as u8;
            chain.extend_from_slice(&header);
        }
    }
    let first = types.first().copied().unwrap_or(protocol);
    let payload_len = (chain.len() + body.len()) as u16;
    let mut out = vec![0x60, 0, 0, 0];
    out.extend_from_slice(&payload_len.to_be_bytes());
    out.extend_from_slice(&[first, 64]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&dst);
    out.extend_from_slice(&chain);
    out.extend_from_slice(body);
    out
}

/// An Ethernet II frame: addresses, 802.1Q / 802.1ad tags `(TPID, VLAN id)` outermost first,
/// the EtherType and `body`.
pub fn ethernet_frame(
    dst: [u8; 6],
    src: [u8; 6],
    vlans: &[(u16, u16)],
    ethertype: u16,
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(14 + 4 * vlans.len() + body.len());
    out.extend_from_slice(&dst);
    out.extend_from_slice(&src);
    for &(tpid, vid) in vlans {
        out.extend_from_slice(&tpid.to_be_bytes());
        out.extend_from_slice(&vid.to_be_bytes());
    }
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// `ip` behind the link-layer header of `link` for a packet of EtherType `ethertype`: Linux
/// SLL and SLL2 carry it as their protocol, BSD NULL (little-endian) and OpenBSD loopback
/// (big-endian) as an address family; raw IP, a link type this builder does not know, and
/// Ethernet (see [`ethernet_frame`]) get no header.
pub fn link_frame(link: LinkType, ethertype: u16, ip: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ip.len() + 20);
    let ipv4 = ethertype == ETHERTYPE_IPV4;
    match link {
        LinkType::LinuxSll => {
            out.extend_from_slice(&[0, 0, 0, 1, 0, 6, 0, 0x1a, 0xe8, 4, 5, 6, 0, 0]);
            out.extend_from_slice(&ethertype.to_be_bytes());
        }
        LinkType::LinuxSll2 => {
            out.extend_from_slice(&ethertype.to_be_bytes());
            out.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 0x1a, 0xe8, 4, 5, 6, 0, 0]);
        }
        LinkType::Null => {
            let family: u32 = if ipv4 { 2 } else { 30 };
            out.extend_from_slice(&family.to_le_bytes());
        }
        LinkType::Loop => {
            let family: u32 = if ipv4 { 2 } else { 24 };
            out.extend_from_slice(&family.to_be_bytes());
        }
        _ => {}
    }
    out.extend_from_slice(ip);
    out
}

/// The Internet checksum (RFC 1071) of `bytes`: of an IPv4 header with its checksum field
/// zero, of an ICMP message, or of a TCP/UDP pseudo-header and segment. The one place the kit
/// computes a checksum.
pub fn ipv4_checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
