//! Synthetic SwyxWare traffic: frames built field by field for every link type and
//! encapsulation the classifier reads, real-looking payloads for every label, and small pcap /
//! pcapng writers. The project's tests, benches and shipped capture are made with it.
//!
//! ```
//! use swyx_traffic::synth::{payload, FrameSpec};
//! use swyx_traffic::classify::{classify, Label};
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

/// Real-looking payloads for every label, and some that are none of them.
pub mod payload {
    /// A SIP INVITE from SwyxIt! to the SwyxServer.
    pub fn sip_invite() -> Vec<u8> {
        b"INVITE sip:201@swyx.example.com SIP/2.0\r\n\
          Via: SIP/2.0/UDP 10.1.1.20:5070;branch=z9hG4bK776asdhds\r\n\
          Max-Forwards: 70\r\n\
          To: <sip:201@swyx.example.com>\r\n\
          From: \"Alice\" <sip:200@swyx.example.com>;tag=1928301774\r\n\
          Call-ID: a84b4c76e66710@10.1.1.20\r\n\
          CSeq: 314159 INVITE\r\n\
          Contact: <sip:200@10.1.1.20:5070>\r\n\
          Content-Type: application/sdp\r\n\
          Content-Length: 0\r\n\r\n"
            .to_vec()
    }

    /// A SIP `200 OK` response.
    pub fn sip_ok() -> Vec<u8> {
        b"SIP/2.0 200 OK\r\n\
          Via: SIP/2.0/UDP 10.1.1.20:5070;branch=z9hG4bK776asdhds\r\n\
          To: <sip:201@swyx.example.com>;tag=a6c85cf\r\n\
          From: \"Alice\" <sip:200@swyx.example.com>;tag=1928301774\r\n\
          Call-ID: a84b4c76e66710@10.1.1.20\r\n\
          CSeq: 314159 INVITE\r\n\
          Content-Length: 0\r\n\r\n"
            .to_vec()
    }

    /// A SIP REGISTER.
    pub fn sip_register() -> Vec<u8> {
        b"REGISTER sips:swyx.example.com SIP/2.0\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
            .to_vec()
    }

    /// An RTP packet: G.711 A-law (payload type 8), 160 samples.
    pub fn rtp(seq: u16, timestamp: u32) -> Vec<u8> {
        let mut out = vec![0x80, 0x08];
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&timestamp.to_be_bytes());
        out.extend_from_slice(&0x1122_3344u32.to_be_bytes());
        out.extend(std::iter::repeat_n(0xd5, 160));
        out
    }

    /// An RTCP sender report with one reception report block.
    pub fn rtcp_sender_report() -> Vec<u8> {
        let mut out = vec![0x81, 200, 0, 12];
        out.extend_from_slice(&0x1122_3344u32.to_be_bytes());
        out.extend(std::iter::repeat_n(0x11, 20));
        out.extend(std::iter::repeat_n(0x22, 24));
        out
    }

    /// A T.38 UDPTL packet carrying T.30 data (primary IFP of 10 bytes, no secondaries).
    pub fn udptl(seq: u16) -> Vec<u8> {
        let mut out = seq.to_be_bytes().to_vec();
        out.push(10);
        out.extend_from_slice(&[0xc0, 0x01, 0x80, 0x00, 0x06, 0xff, 0x13, 0x80, 0x00, 0x00]);
        out.extend_from_slice(&[0x00, 0x00]);
        out
    }

    /// A T.38 UDPTL packet carrying a t30-indicator (CNG).
    pub fn udptl_indicator(seq: u16) -> Vec<u8> {
        let mut out = seq.to_be_bytes().to_vec();
        out.extend_from_slice(&[0x01, 0x02, 0x00, 0x00]);
        out
    }

    /// An H.225 SETUP: TPKT, then Q.931 (protocol discriminator 8).
    pub fn h225_setup() -> Vec<u8> {
        let body = [
            0x08u8, 0x02, 0x00, 0x01, 0x05, 0x04, 0x03, 0x88, 0x93, 0xa5, 0x7e, 0x00, 0x05, 0x05,
            0x20, 0x80, 0x06, 0x00,
        ];
        let mut out = vec![0x03, 0x00];
        out.extend_from_slice(&((4 + body.len()) as u16).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// An LDAP searchRequest (message id 2) as SwyxIt!'s VisualContacts sends it.
    pub fn ldap_search() -> Vec<u8> {
        let base = b"dc=example,dc=com";
        let mut op = vec![0x04, base.len() as u8];
        op.extend_from_slice(base);
        op.extend_from_slice(&[
            0x0a, 0x01, 0x02, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01,
            0x00,
        ]);
        op.extend_from_slice(&[0x87, 0x0b]);
        op.extend_from_slice(b"objectClass");
        op.extend_from_slice(&[0x30, 0x00]);
        let mut message = vec![0x02, 0x01, 0x02, 0x63, op.len() as u8];
        message.extend_from_slice(&op);
        let mut out = vec![0x30, message.len() as u8];
        out.extend_from_slice(&message);
        out
    }

    /// An NTPv4 client request (48 bytes).
    pub fn ntp_client() -> Vec<u8> {
        let mut out = vec![0x23, 0, 6, 0xec];
        out.extend(std::iter::repeat_n(0, 36));
        out.extend_from_slice(&[0xe9, 0x4f, 0x21, 0x80, 0x12, 0x34, 0x56, 0x78]);
        out
    }

    /// An NTPv4 server reply (48 bytes).
    pub fn ntp_server() -> Vec<u8> {
        let mut out = ntp_client();
        out[0] = 0x24;
        out[1] = 2;
        out
    }

    /// An FTP `USER` command.
    pub fn ftp_user() -> Vec<u8> {
        b"USER swyxphone\r\n".to_vec()
    }

    /// An FTP welcome reply.
    pub fn ftp_welcome() -> Vec<u8> {
        b"220 SwyxServer FTP ready\r\n".to_vec()
    }

    /// A TLS ClientHello record header and the start of its body.
    pub fn tls_client_hello() -> Vec<u8> {
        let mut out = vec![
            0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03,
        ];
        out.extend(std::iter::repeat_n(0x42, 64));
        out
    }

    /// An HTTP request (phone configuration on 8085, CDS web service on 9094).
    pub fn http_get() -> Vec<u8> {
        b"GET /config/phone.cfg HTTP/1.1\r\nHost: 10.1.1.1:8085\r\n\r\n".to_vec()
    }

    /// A CDS web-service request (SOAP over HTTP).
    pub fn cds_request() -> Vec<u8> {
        b"POST /ConfigDataStore/CDSService HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: 0\r\n\r\n"
            .to_vec()
    }

    /// A DNS query: not SwyxWare.
    pub fn dns_query() -> Vec<u8> {
        let mut out = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        out.extend_from_slice(b"\x04swyx\x07example\x03com\x00\x00\x01\x00\x01");
        out
    }

    /// Bytes that are no protocol at all.
    pub fn noise(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ 0x5a)
            .collect()
    }
}

/// The frames of the `classify` bench (2,040, at least 1,000 distinct): every label, IPv4 and
/// IPv6, VLAN-tagged and not, TCP and UDP, and traffic that is not SwyxWare; shuffled with a
/// fixed seed so branch predictors cannot learn the order, and the same in every run.
pub fn bench_mix() -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    for i in 0..120u16 {
        let host = |n: u8| [10, 1, (i % 7) as u8, n];
        let specs = [
            FrameSpec::udp(
                host(20),
                host(10),
                50100 + i,
                51000 + i,
                payload::rtp(i, u32::from(i) * 160),
            ),
            FrameSpec::udp(
                host(10),
                host(20),
                51000 + i,
                50100 + i,
                payload::rtp(i, u32::from(i) * 160),
            ),
            FrameSpec::udp(host(30), host(20), 5012, 50200 + i, payload::rtp(i, 7)),
            FrameSpec::udp(
                host(20),
                host(10),
                5070 + (i % 100),
                5060,
                payload::sip_invite(),
            ),
            FrameSpec::udp(
                host(10),
                host(20),
                5060,
                5070 + (i % 100),
                payload::sip_ok(),
            ),
            FrameSpec::udp(
                host(11),
                host(12),
                52010 + (i % 400),
                4000,
                payload::udptl(i),
            ),
            FrameSpec::udp(
                host(11),
                host(12),
                51002,
                50002 + i,
                payload::rtcp_sender_report(),
            ),
            FrameSpec::tcp(host(20), host(13), 49152 + i, 9094, payload::cds_request()),
            FrameSpec::tcp(
                host(30),
                host(14),
                1030 + (i % 10),
                4060,
                payload::noise(40, i as u8),
            ),
            FrameSpec::tcp(
                host(30),
                host(14),
                1030 + (i % 10),
                1720,
                payload::h225_setup(),
            ),
            FrameSpec::tcp(
                host(30),
                host(14),
                1040 + (i % 10),
                18443,
                payload::tls_client_hello(),
            ),
            FrameSpec::udp(host(30), host(1), 1050 + i, 123, payload::ntp_client()),
            FrameSpec::tcp(host(30), host(10), 1060 + i, 21, payload::ftp_user()),
            FrameSpec::tcp(host(20), host(2), 49500 + i, 712, payload::ldap_search()),
            FrameSpec::tcp(host(10), host(9), 49700 + i, 65010, payload::noise(16, 1)),
            FrameSpec::udp(host(20), host(53), 40000 + i, 53, payload::dns_query()),
            FrameSpec::tcp(
                host(20),
                [93, 184, 216, 34],
                49800 + i,
                443,
                payload::tls_client_hello(),
            ),
        ];
        for (k, mut spec) in specs.into_iter().enumerate() {
            if (usize::from(i) + k) % 5 == 0 {
                spec.vlans = vec![(0x8100, 10 + i)];
            }
            if (usize::from(i) + k) % 4 == 0 {
                spec = spec.into_ipv6();
            }
            frames.push(spec.ethernet());
        }
    }
    // A fixed xorshift shuffle.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..frames.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        frames.swap(i, (state % (i as u64 + 1)) as usize);
    }
    frames
}

/// `frames` back to back in one buffer, as a capture reader hands them out, and the range of
/// each in it.
pub fn back_to_back(frames: &[Vec<u8>]) -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
    let buffer = frames.concat();
    let mut at = 0;
    let ranges = frames
        .iter()
        .map(|frame| {
            at += frame.len();
            at - frame.len()..at
        })
        .collect();
    (buffer, ranges)
}

/// A legacy pcap writer (microsecond, little-endian) into a `Vec<u8>`.
#[derive(Debug, Clone)]
pub struct PcapWriter {
    bytes: Vec<u8>,
}

impl PcapWriter {
    /// A file with link type `linktype` and snapshot length 262144.
    pub fn new(linktype: u32) -> PcapWriter {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&262_144u32.to_le_bytes());
        bytes.extend_from_slice(&linktype.to_le_bytes());
        PcapWriter { bytes }
    }

    /// Appends a record at `micros` microseconds since the epoch.
    pub fn record(&mut self, micros: u64, data: &[u8]) {
        self.bytes
            .extend_from_slice(&((micros / 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&((micros % 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(data);
    }

    /// The file's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}
