//! Frames built field by field for every link type and encapsulation the classifier reads.
//!
//! ```
//! use swyx_classify::{classify, Label};
//! use swyx_testkit::frame::{Addresses, Encapsulation, FrameSpec, Gre, GrePayload};
//! use swyx_testkit::payload;
//! let mut spec = FrameSpec::udp([10, 0, 0, 1], [10, 0, 0, 2], 5060, 5060, payload::sip_invite());
//! assert_eq!(classify(&spec.ethernet()).label(), Some(Label::Sip));
//! // The same packet behind PPPoE, mirrored by ERSPAN type II.
//! let outer = Addresses::V4([192, 0, 2, 1], [192, 0, 2, 2]);
//! spec.encapsulations = vec![
//!     Encapsulation::Gre(Gre::new(outer, GrePayload::ErspanII)),
//!     Encapsulation::Pppoe(7),
//! ];
//! assert_eq!(classify(&spec.ethernet()).label(), Some(Label::Sip));
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
    /// Headers and tunnels between the VLAN tags and the packet's IP header, outermost first
    /// (see [`Encapsulation`]).
    pub encapsulations: Vec<Encapsulation>,
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
            encapsulations: Vec::new(),
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

    /// The EtherType of the IP packet (without its encapsulations).
    pub fn ethertype(&self) -> u16 {
        match self.addresses {
            Addresses::V4(..) => ETHERTYPE_IPV4,
            Addresses::V6(..) => ETHERTYPE_IPV6,
        }
    }

    /// The IP packet in its [`encapsulations`](FrameSpec::encapsulations): the EtherType and
    /// bytes of the outermost one (the IP packet's own when there are none).
    ///
    /// # Panics
    ///
    /// When an encapsulation that carries IP (PPPoE, MPLS, GRE with [`GrePayload::Ip`]) would
    /// wrap one that is not IP (PPPoE or MPLS).
    pub fn encapsulated(&self) -> (u16, Vec<u8>) {
        encapsulate(&self.encapsulations, self.ethertype(), &self.ip())
    }

    /// An Ethernet II frame, with the VLAN tags and encapsulations.
    pub fn ethernet(&self) -> Vec<u8> {
        let (ethertype, bytes) = self.encapsulated();
        ethernet_frame(self.dst_mac, self.src_mac, &self.vlans, ethertype, &bytes)
    }

    /// The packet framed for `link` (raw IP for a link type this builder does not know).
    ///
    /// # Panics
    ///
    /// When the outermost encapsulation is PPPoE or MPLS and `link` has no EtherType to
    /// announce it (raw IP, BSD NULL, OpenBSD loopback).
    pub fn link(&self, link: LinkType) -> Vec<u8> {
        match link {
            LinkType::Ethernet => self.ethernet(),
            _ => {
                let (ethertype, bytes) = self.encapsulated();
                let announced = matches!(link, LinkType::LinuxSll | LinkType::LinuxSll2);
                assert!(
                    announced || ethertype == ETHERTYPE_IPV4 || ethertype == ETHERTYPE_IPV6,
                    "{link:?} cannot carry EtherType {ethertype:#06x}"
                );
                link_frame(link, ethertype, &bytes)
            }
        }
    }

    /// Whether [`FrameSpec::link`] can frame the packet for `link`: every link type but those
    /// without an EtherType when the outermost encapsulation is PPPoE or MPLS.
    pub fn fits_link(&self, link: LinkType) -> bool {
        matches!(
            link,
            LinkType::Ethernet | LinkType::LinuxSll | LinkType::LinuxSll2
        ) || !matches!(
            self.encapsulations.first(),
            Some(Encapsulation::Pppoe(_) | Encapsulation::Mpls(_))
        )
    }
}

/// A header or tunnel around a [`FrameSpec`]'s IP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encapsulation {
    /// A PPPoE session header with this session id (EtherType 0x8864), then the PPP protocol of
    /// the IP version ([`pppoe_session`]).
    Pppoe(u16),
    /// An MPLS label stack of these labels, outermost first (EtherType 0x8847; the last entry
    /// has the bottom-of-stack bit, see [`mpls_stack`]).
    Mpls(Vec<u32>),
    /// GRE in an outer IP packet.
    Gre(Gre),
    /// VXLAN: an outer UDP datagram from `src_port` to 4789 between the `outer` addresses,
    /// with VNI `vni`, carrying the packet in an Ethernet frame ([`vxlan_header`]).
    Vxlan {
        /// The outer IP packet's addresses (and so its version).
        outer: Addresses,
        /// The outer UDP source port.
        src_port: u16,
        /// The VXLAN network identifier (24 bits).
        vni: u32,
    },
}

/// A GRE header, its outer IP packet and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gre {
    /// The outer IP packet's addresses (and so its version).
    pub outer: Addresses,
    /// Whether the checksum field is present (and computed).
    pub checksum: bool,
    /// The key field, if present.
    pub key: Option<u32>,
    /// The sequence number field, if present (ERSPAN type II needs one: 0 when `None`;
    /// type I has none).
    pub sequence: Option<u32>,
    /// What the GRE packet carries.
    pub payload: GrePayload,
}

impl Gre {
    /// GRE between the `outer` addresses carrying `payload`, without checksum, key or
    /// sequence number.
    pub fn new(outer: Addresses, payload: GrePayload) -> Gre {
        Gre {
            outer,
            checksum: false,
            key: None,
            sequence: None,
            payload,
        }
    }
}

/// What a [`Gre`] header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrePayload {
    /// The IP packet itself (protocol type 0x0800 or 0x86DD).
    Ip,
    /// An Ethernet frame (transparent Ethernet bridging, 0x6558).
    Ethernet,
    /// ERSPAN type I: protocol type 0x88BE without a sequence number (whatever
    /// [`Gre::sequence`] says), the mirrored Ethernet frame right after GRE.
    ErspanI,
    /// ERSPAN type II: 0x88BE with a sequence number, the 8-byte header of
    /// [`erspan_2_header`], then the Ethernet frame.
    ErspanII,
    /// ERSPAN type III: 0x22EB, the 12-byte header of [`erspan_3_header`] (with the 8-byte
    /// platform-specific subheader when `platform`), then the Ethernet frame.
    ErspanIII {
        /// Whether the optional subheader is present.
        platform: bool,
    },
}

/// The ERSPAN session id the builders write.
pub const ERSPAN_SESSION: u16 = 0x2a;

impl Encapsulation {
    /// `bytes` of EtherType `ethertype` wrapped: the EtherType and bytes of the result.
    fn wrap(&self, ethertype: u16, bytes: &[u8]) -> (u16, Vec<u8>) {
        let ip = ethertype == ETHERTYPE_IPV4 || ethertype == ETHERTYPE_IPV6;
        // An Ethernet frame around what is inside, for the tunnels that carry one.
        let inner_ethernet =
            || ethernet_frame(DEFAULT_DST_MAC, DEFAULT_SRC_MAC, &[], ethertype, bytes);
        match self {
            Encapsulation::Pppoe(session) => {
                let protocol = match ethertype {
                    ETHERTYPE_IPV4 => PPP_IPV4,
                    ETHERTYPE_IPV6 => PPP_IPV6,
                    _ => panic!("PPPoE carries IP, not EtherType {ethertype:#06x}"),
                };
                (
                    ETHERTYPE_PPPOE_SESSION,
                    pppoe_session(*session, protocol, bytes),
                )
            }
            Encapsulation::Mpls(labels) => {
                assert!(ip, "MPLS carries IP, not EtherType {ethertype:#06x}");
                (ETHERTYPE_MPLS, mpls_stack(labels, bytes))
            }
            Encapsulation::Gre(gre) => {
                let (protocol, sequence, body) = match gre.payload {
                    GrePayload::Ip => {
                        assert!(ip, "GRE carries IP here, not EtherType {ethertype:#06x}");
                        (ethertype, gre.sequence, bytes.to_vec())
                    }
                    GrePayload::Ethernet => (0x6558, gre.sequence, inner_ethernet()),
                    GrePayload::ErspanI => (0x88be, None, inner_ethernet()),
                    GrePayload::ErspanII => (
                        0x88be,
                        Some(gre.sequence.unwrap_or(0)),
                        [&erspan_2_header(ERSPAN_SESSION)[..], &inner_ethernet()].concat(),
                    ),
                    GrePayload::ErspanIII { platform } => (
                        0x22eb,
                        gre.sequence,
                        [erspan_3_header(ERSPAN_SESSION, platform), inner_ethernet()].concat(),
                    ),
                };
                let packet = gre_packet(protocol, gre.checksum, gre.key, sequence, &body);
                outer_ip(gre.outer, 47, &packet)
            }
            Encapsulation::Vxlan {
                outer,
                src_port,
                vni,
            } => {
                let payload = [&vxlan_header(*vni)[..], &inner_ethernet()].concat();
                outer_ip(*outer, 17, &udp_datagram(*src_port, VXLAN_PORT, &payload))
            }
        }
    }
}

/// `bytes` of EtherType `ethertype` in `encapsulations` (outermost first): the EtherType and
/// bytes of the outermost one. [`FrameSpec::encapsulated`] with bytes of the caller's, such
/// as an IP packet it changed.
///
/// # Panics
///
/// As [`FrameSpec::encapsulated`].
pub fn encapsulate(
    encapsulations: &[Encapsulation],
    mut ethertype: u16,
    bytes: &[u8],
) -> (u16, Vec<u8>) {
    let mut bytes = bytes.to_vec();
    for encapsulation in encapsulations.iter().rev() {
        (ethertype, bytes) = encapsulation.wrap(ethertype, &bytes);
    }
    (ethertype, bytes)
}

/// An outer IP packet between `addresses` carrying `body` as `protocol`: its EtherType and
/// bytes.
fn outer_ip(addresses: Addresses, protocol: u8, body: &[u8]) -> (u16, Vec<u8>) {
    match addresses {
        Addresses::V4(src, dst) => (
            ETHERTYPE_IPV4,
            ipv4_packet(src, dst, protocol, 0, &[], body),
        ),
        Addresses::V6(src, dst) => (ETHERTYPE_IPV6, ipv6_packet(src, dst, &[], protocol, body)),
    }
}

/// The EtherType of a PPPoE session frame.
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
/// The EtherType of an MPLS unicast label stack.
pub const ETHERTYPE_MPLS: u16 = 0x8847;
/// The PPP protocol number of IPv4.
pub const PPP_IPV4: u16 = 0x0021;
/// The PPP protocol number of IPv6.
pub const PPP_IPV6: u16 = 0x0057;
/// The UDP port of VXLAN.
pub const VXLAN_PORT: u16 = 4789;

/// A PPPoE session-stage header (version 1, type 1, code 0, `session`, the length of what
/// follows it), the PPP protocol `ppp_protocol` and `body`: what follows EtherType 0x8864.
pub fn pppoe_session(session: u16, ppp_protocol: u16, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x11, 0x00];
    out.extend_from_slice(&session.to_be_bytes());
    out.extend_from_slice(&((2 + body.len()) as u16).to_be_bytes());
    out.extend_from_slice(&ppp_protocol.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// An MPLS label stack of `labels` (20 bits each), outermost first, traffic class 0 and TTL
/// 64, the bottom-of-stack bit on the last, then `body`: what follows EtherType 0x8847.
pub fn mpls_stack(labels: &[u32], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * labels.len() + body.len());
    for (i, label) in labels.iter().enumerate() {
        let bottom = u32::from(i + 1 == labels.len());
        out.extend_from_slice(&((label & 0xf_ffff) << 12 | bottom << 8 | 64).to_be_bytes());
    }
    out.extend_from_slice(body);
    out
}

/// A GRE packet, version 0 (RFC 2784, RFC 2890): the flags of the fields present, protocol
/// type `protocol`, the checksum (computed over the whole GRE packet) and reserved word when
/// `checksum`, the key and the sequence number when given, then `body`: the payload of IP
/// protocol 47.
pub fn gre_packet(
    protocol: u16,
    checksum: bool,
    key: Option<u32>,
    sequence: Option<u32>,
    body: &[u8],
) -> Vec<u8> {
    let flags =
        u8::from(checksum) << 7 | u8::from(key.is_some()) << 5 | u8::from(sequence.is_some()) << 4;
    let mut out = vec![flags, 0];
    out.extend_from_slice(&protocol.to_be_bytes());
    if checksum {
        out.extend_from_slice(&[0; 4]);
    }
    for field in [key, sequence].into_iter().flatten() {
        out.extend_from_slice(&field.to_be_bytes());
    }
    out.extend_from_slice(body);
    if checksum {
        let sum = ipv4_checksum(&out);
        out[4..6].copy_from_slice(&sum.to_be_bytes());
    }
    out
}

/// An ERSPAN type II header: version 1, VLAN 0, CoS 0, session `session` (10 bits), index 0.
pub fn erspan_2_header(session: u16) -> [u8; 8] {
    let session = (session & 0x03ff).to_be_bytes();
    [0x10, 0x00, session[0], session[1], 0, 0, 0, 0]
}

/// An ERSPAN type III header: version 2, VLAN 0, session `session` (10 bits), timestamp 1,
/// SGT 0, frame type 0 (Ethernet), hardware id 0, the O bit and an 8-byte platform-specific
/// subheader (platform id 3) when `platform`.
pub fn erspan_3_header(session: u16, platform: bool) -> Vec<u8> {
    let session = (session & 0x03ff).to_be_bytes();
    let mut out = vec![0x20, 0x00, session[0], session[1], 0, 0, 0, 1, 0, 0, 0];
    out.push(u8::from(platform));
    if platform {
        out.extend_from_slice(&[3 << 2, 0, 0, 0, 0, 0, 0, 1]);
    }
    out
}

/// A VXLAN header: the I flag and `vni` (24 bits).
pub fn vxlan_header(vni: u32) -> [u8; 8] {
    let vni = vni.to_be_bytes();
    [0x08, 0, 0, 0, vni[1], vni[2], vni[3], 0]
}

/// A UDP header from `src_port` to `dst_port` (no checksum) and `payload`.
pub fn udp_datagram(src_port: u16, dst_port: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&src_port.to_be_bytes());
    out.extend_from_slice(&dst_port.to_be_bytes());
    out.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    out
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
