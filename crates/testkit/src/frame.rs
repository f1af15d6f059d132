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
}

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
        match self.transport {
            Transport::Udp => {
                out.extend_from_slice(&((8 + self.payload.len()) as u16).to_be_bytes());
                out.extend_from_slice(&[0, 0]);
            }
            Transport::Tcp => {
                out.extend_from_slice(&self.tcp_seq.to_be_bytes());
                out.extend_from_slice(&1u32.to_be_bytes());
                out.extend_from_slice(&[0x50, self.tcp_flags, 0xff, 0xff, 0, 0, 0, 0]);
            }
        }
        out.extend_from_slice(&self.payload);
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
            Addresses::V4(src, dst) => {
                let mut options = self.ipv4_options.clone();
                while options.len() % 4 != 0 {
                    options.push(0);
                }
                let header_len = 20 + options.len();
                let total = (header_len + body.len()) as u16;
                let mut out = vec![0x40 | (header_len / 4) as u8, 0];
                out.extend_from_slice(&total.to_be_bytes());
                out.extend_from_slice(&[0x12, 0x34]);
                out.extend_from_slice(&self.ipv4_fragment.to_be_bytes());
                out.extend_from_slice(&[64, self.protocol(), 0, 0]);
                out.extend_from_slice(&src);
                out.extend_from_slice(&dst);
                out.extend_from_slice(&options);
                let checksum = ipv4_checksum(&out);
                out[10..12].copy_from_slice(&checksum.to_be_bytes());
                out.extend_from_slice(&body);
                out
            }
            Addresses::V6(src, dst) => {
                let mut extensions = Vec::new();
                let types: Vec<u8> = self.ipv6_extensions.iter().map(|(t, _)| *t).collect();
                for (i, (_, body)) in self.ipv6_extensions.iter().enumerate() {
                    let next = types.get(i + 1).copied().unwrap_or(self.protocol());
                    let header_type = types[i];
                    if header_type == 44 {
                        let mut fragment = vec![next, 0];
                        fragment.extend(body.iter().copied().chain(std::iter::repeat(0)).take(6));
                        extensions.extend_from_slice(&fragment);
                    } else {
                        let mut header = vec![next, 0];
                        header.extend_from_slice(body);
                        while header.len() % 8 != 0 {
                            header.push(0);
                        }
                        header[1] = (header.len() / 8 - 1) as u8;
                        extensions.extend_from_slice(&header);
                    }
                }
                let first = types.first().copied().unwrap_or(self.protocol());
                let payload_len = (extensions.len() + body.len()) as u16;
                let mut out = vec![0x60, 0, 0, 0];
                out.extend_from_slice(&payload_len.to_be_bytes());
                out.extend_from_slice(&[first, 64]);
                out.extend_from_slice(&src);
                out.extend_from_slice(&dst);
                out.extend_from_slice(&extensions);
                out.extend_from_slice(&body);
                out
            }
        }
    }

    fn ethertype(&self) -> u16 {
        match self.addresses {
            Addresses::V4(..) => 0x0800,
            Addresses::V6(..) => 0x86dd,
        }
    }

    /// An Ethernet II frame, with the VLAN tags.
    pub fn ethernet(&self) -> Vec<u8> {
        let mut out = vec![
            0x00, 0x09, 0x0f, 0x01, 0x02, 0x03, 0x00, 0x1a, 0xe8, 0x04, 0x05, 0x06,
        ];
        for &(tpid, vid) in &self.vlans {
            out.extend_from_slice(&tpid.to_be_bytes());
            out.extend_from_slice(&vid.to_be_bytes());
        }
        out.extend_from_slice(&self.ethertype().to_be_bytes());
        out.extend_from_slice(&self.ip());
        out
    }

    /// The packet framed for `link` (raw IP for a link type this builder does not know).
    pub fn link(&self, link: LinkType) -> Vec<u8> {
        let ip = self.ip();
        let mut out = Vec::with_capacity(ip.len() + 20);
        match link {
            LinkType::Ethernet => return self.ethernet(),
            LinkType::RawIp | LinkType::Ipv4 | LinkType::Ipv6 => {}
            LinkType::LinuxSll => {
                out.extend_from_slice(&[0, 0, 0, 1, 0, 6, 0, 0x1a, 0xe8, 4, 5, 6, 0, 0]);
                out.extend_from_slice(&self.ethertype().to_be_bytes());
            }
            LinkType::LinuxSll2 => {
                out.extend_from_slice(&self.ethertype().to_be_bytes());
                out.extend_from_slice(&[
                    0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 0x1a, 0xe8, 4, 5, 6, 0, 0,
                ]);
            }
            LinkType::Null => {
                let family: u32 = if self.ethertype() == 0x0800 { 2 } else { 30 };
                out.extend_from_slice(&family.to_le_bytes());
            }
            LinkType::Loop => {
                let family: u32 = if self.ethertype() == 0x0800 { 2 } else { 24 };
                out.extend_from_slice(&family.to_be_bytes());
            }
            _ => {}
        }
        out.extend_from_slice(&ip);
        out
    }
}

/// The IPv4 header checksum of `header` (its checksum field zero).
pub fn ipv4_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|pair| u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
