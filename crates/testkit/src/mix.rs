//! Shuffled mixes of frames for benchmarks and large-file measurements: the `classify` bench's
//! frames, a busy network's frames in any number, and a streaming capture of them.
//!
//! ```
//! use swyx_testkit::mix::{bench_mix, mix_frames, MIX_KINDS};
//! assert_eq!(bench_mix().len(), 2_040);
//! assert_eq!(mix_frames(2 * MIX_KINDS, 1).len(), 48);
//! ```

use std::io::{self, Write};

use crate::capture::PcapWriter;
use crate::frame::FrameSpec;
use crate::payload;
use crate::scenario::{
    arp, cornet_message, dns_query, icmp_echo, office_frame, q931, rtcp_sender_report, rtp,
    swyx_it_dialog, tls_client_hello, tls_record, udptl, ADMIN, CDS, DIRECTORY, FAX_SERVER,
    PHONE_MANAGER, ROUTER, STANDBY, START_MICROS, SWYX_GATE, SWYX_SERVER, WEB,
};

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

/// A small deterministic generator (xorshift64*), so that the mix needs no `rand`.
#[derive(Debug, Clone)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How many kinds of frame [`mix_frames`] cycles through.
pub const MIX_KINDS: usize = 24;

/// `count` Ethernet frames of a busy SwyxWare network, shuffled deterministically by `seed`:
/// every label, both IP versions, VLAN and QinQ tags, TCP and UDP, with and without payload,
/// and some traffic that is not SwyxWare (DNS, HTTPS, ARP, ICMP). Frames differ in addresses,
/// ports or sequence numbers, so any 1,000 of them are distinct.
pub fn mix_frames(count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut frames: Vec<Vec<u8>> = (0..count).map(mix_frame).collect();
    let mut rng = XorShift::new(seed);
    for i in (1..frames.len()).rev() {
        let j = rng.below(i + 1);
        frames.swap(i, j);
    }
    frames
}

/// Frame number `i` of the mix, before shuffling.
fn mix_frame(i: usize) -> Vec<u8> {
    let n = i / MIX_KINDS;
    let host = |base: u8| [10, 2, (n / 200) as u8, base.wrapping_add((n % 200) as u8)];
    let small = (n % 64) as u16;
    let seq = (n % 0x4000) as u16;
    match i % MIX_KINDS {
        0 => office_frame(
            &FrameSpec::udp(
                host(1),
                SWYX_SERVER,
                5070 + small,
                5060,
                swyx_it_dialog(&format!("mix-{n}@10.2")).request(
                    "REGISTER sip:swyx.example.com SIP/2.0",
                    1,
                    "REGISTER",
                    "",
                ),
            ),
            0,
        ),
        1 => office_frame(
            &FrameSpec::udp(
                SWYX_SERVER,
                host(1),
                5060,
                5070 + small,
                swyx_it_dialog(&format!("mix-{n}@10.2")).response("200 OK", 1, "REGISTER", ""),
            ),
            0,
        ),
        2 => office_frame(
            &FrameSpec::udp(
                host(2),
                SWYX_SERVER,
                50_100 + small * 2,
                51_000 + small * 2,
                rtp(8, seq, u32::from(seq) * 160, n as u32, false),
            ),
            0,
        ),
        3 => office_frame(
            &FrameSpec::udp(
                SWYX_SERVER,
                host(2),
                51_000 + small * 2,
                50_100 + small * 2,
                rtp(8, seq, u32::from(seq) * 160, !(n as u32), false),
            ),
            0,
        ),
        4 => office_frame(
            &FrameSpec::udp(
                SWYX_SERVER,
                host(2),
                51_001 + small * 2,
                50_101 + small * 2,
                rtcp_sender_report(n as u32, n as u64 * 1000),
            ),
            0,
        ),
        5 => office_frame(
            &FrameSpec::udp(
                SWYX_GATE,
                FAX_SERVER,
                52_010 + small,
                4000 + small,
                udptl(seq, n % 8 == 0, true),
            ),
            0,
        ),
        6 => tcp_mix(
            host(3),
            49_152 + small,
            CDS,
            9094,
            payload::cds_request(),
            n,
        ),
        7 => tcp_mix(ADMIN, 49_300 + small, host(4), 8085, payload::http_get(), n),
        8 => tcp_mix(
            host(5),
            1030 + small % 10,
            PHONE_MANAGER,
            4060,
            cornet_message(n as u8, true),
            n,
        ),
        9 => tcp_mix(
            host(5),
            1030 + small % 10,
            PHONE_MANAGER,
            1720,
            q931(n as u16, false, 0x05),
            n,
        ),
        10 => tcp_mix(
            host(5),
            1030 + small % 10,
            PHONE_MANAGER,
            18_443,
            tls_client_hello(),
            n,
        ),
        11 => tcp_mix(
            SWYX_SERVER,
            49_700 + small,
            STANDBY,
            65_010,
            (n as u64).to_be_bytes().to_vec(),
            n,
        ),
        12 => tcp_mix(
            host(6),
            49_400 + small,
            DIRECTORY,
            712,
            payload::ldap_search(),
            n,
        ),
        13 => office_frame(
            &FrameSpec::udp(host(5), ROUTER, 1036 + small, 123, payload::ntp_client()),
            0,
        ),
        14 => tcp_mix(
            host(5),
            1037 + small,
            SWYX_SERVER,
            21,
            payload::ftp_user(),
            n,
        ),
        15 => office_frame(
            &FrameSpec::tcp(
                SWYX_SERVER,
                host(7),
                49_500 + small,
                5064,
                payload::sip_invite(),
            )
            .reversed(),
            1,
        ),
        16 => office_frame(
            &FrameSpec::udp(host(8), DIRECTORY, 58_000 + small, 53, dns_query(n as u16)),
            0,
        ),
        17 => tcp_mix(
            host(8),
            49_800 + small,
            WEB,
            443,
            tls_record(0x17, 100 + small * 8, n as u8),
            n,
        ),
        18 => arp(host(9), SWYX_SERVER, n % 2 == 1),
        19 => icmp_echo(host(9), SWYX_GATE, n as u16, false),
        20 => office_frame(
            &FrameSpec::udp(
                host(10),
                SWYX_SERVER,
                5070 + small,
                5060,
                payload::sip_register(),
            )
            .into_ipv6(),
            0,
        ),
        21 => {
            let mut spec = FrameSpec::udp(
                host(2),
                SWYX_GATE,
                5012,
                52_000 + small,
                rtp(8, seq, u32::from(seq) * 160, n as u32, n % 50 == 0),
            );
            spec.vlans = vec![(0x8100, 10 + small % 4)];
            office_frame(&spec, 0)
        }
        22 => {
            let mut spec = FrameSpec::tcp(host(11), SWYX_SERVER, 49_900 + small, 1720, Vec::new());
            spec.tcp_flags = 0x02;
            spec.vlans = vec![(0x88a8, 100), (0x8100, 10 + small % 4)];
            office_frame(&spec, 0)
        }
        _ => office_frame(
            &FrameSpec::tcp(
                host(12),
                FAX_SERVER,
                49_600 + small,
                61_000,
                payload::sip_ok(),
            )
            .into_ipv6(),
            7,
        ),
    }
}

fn tcp_mix(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, data: Vec<u8>, n: usize) -> Vec<u8> {
    let mut spec = FrameSpec::tcp(src, dst, sport, dport, data);
    spec.tcp_seq = (n as u32).wrapping_mul(1_460);
    office_frame(&spec, 1)
}

/// How many distinct frames [`write_mix_capture`] cycles through.
const MIX_POOL: usize = 4 * 1024;

/// Writes a legacy pcap (Ethernet, microseconds) of `packets` frames of the mix, streaming:
/// a pool of [`mix_frames`] is built once and cycled through, so memory stays small whatever
/// `packets` is. Timestamps advance 10 µs per packet.
pub fn write_mix_capture(mut writer: impl Write, packets: u64) -> io::Result<()> {
    let pool = mix_frames(MIX_POOL, 0x5357_5958);
    // The pool repeats: its RTP and UDPTL packets are renumbered per 5-tuple as they go out,
    // so each stream's sequence numbers (and RTP timestamps) step forward as a real one's do.
    let media: Vec<Option<(usize, bool, Vec<u8>)>> = pool.iter().map(|f| media_field(f)).collect();
    let mut next_seq: std::collections::HashMap<Vec<u8>, u16> = std::collections::HashMap::new();
    let mut pcap = PcapWriter::new(1);
    let mut frame = Vec::new();
    for i in 0..packets {
        let at = (i % MIX_POOL as u64) as usize;
        frame.clear();
        frame.extend_from_slice(&pool[at]);
        if let Some((offset, rtp, stream)) = &media[at] {
            let seq = next_seq.entry(stream.clone()).or_insert(1);
            frame[*offset..offset + 2].copy_from_slice(&seq.to_be_bytes());
            if *rtp {
                let ts = u32::from(*seq).wrapping_mul(160);
                frame[offset + 2..offset + 6].copy_from_slice(&ts.to_be_bytes());
            }
            *seq = seq.wrapping_add(1);
        }
        pcap.record(START_MICROS + i * 10, &frame);
        // Handed on a megabyte at a time.
        if pcap.bytes.len() >= 1 << 20 {
            writer.write_all(&pcap.bytes)?;
            pcap.bytes.clear();
        }
    }
    writer.write_all(&pcap.bytes)?;
    writer.flush()
}

/// Where the sequence number of a mix frame's RTP (`true`) or UDPTL payload sits, and its
/// stream (addresses, ports and which of the two).
fn media_field(frame: &[u8]) -> Option<(usize, bool, Vec<u8>)> {
    let result = swyx_classify::classify(frame);
    let decision = result.decision()?;
    let packet = result.packet?;
    let payload = packet.payload;
    let offset = (payload.as_ptr() as usize).checked_sub(frame.as_ptr() as usize)?;
    let mut stream = [packet.src_addr, packet.dst_addr].concat();
    stream.extend_from_slice(&packet.src_port.to_be_bytes());
    stream.extend_from_slice(&packet.dst_port.to_be_bytes());
    match decision.label {
        swyx_classify::Label::Rtp if !decision.rtcp && payload.len() >= 12 => {
            stream.push(0);
            Some((offset + 2, true, stream))
        }
        swyx_classify::Label::T38 if payload.len() >= 2 => {
            stream.push(1);
            Some((offset, false, stream))
        }
        _ => None,
    }
}

/// `packets` frames of `flows` conversations for the `flow` bench, sent round-robin so that
/// every flow has about `packets / flows` packets and they interleave as on a busy link. The
/// flows are of the bench mix's kinds (media, SIP, fax, CDS, CorNet, H.323, DLS, NTP, FTP,
/// LDAP, keep-alive, DNS, HTTPS); a flow's RTP and UDPTL sequence numbers step forward from
/// packet to packet, as a real stream's do.
///
/// ```
/// let frames = swyx_testkit::mix::flow_mix(2_000, 100);
/// assert_eq!(frames.len(), 2_000);
/// ```
pub fn flow_mix(packets: usize, flows: usize) -> Vec<Vec<u8>> {
    let flows = flows.max(1);
    (0..packets)
        .map(|p| {
            let f = p % flows;
            let n = (p / flows) as u16;
            let host = |last: u8| [10, (f >> 8) as u8, f as u8, last];
            let port = 1024 + (f % 997) as u16;
            let spec = match f % 16 {
                0 => FrameSpec::udp(
                    host(20),
                    host(10),
                    50100,
                    51000,
                    payload::rtp(n, u32::from(n) * 160),
                ),
                1 => FrameSpec::udp(
                    host(10),
                    host(20),
                    51000,
                    50100,
                    payload::rtp(n, u32::from(n) * 160),
                ),
                2 => FrameSpec::udp(
                    host(30),
                    host(20),
                    5012,
                    50200,
                    payload::rtp(n, u32::from(n) * 160),
                ),
                3 if n % 2 == 0 => {
                    FrameSpec::udp(host(20), host(10), 5070, 5060, payload::sip_invite())
                }
                3 => FrameSpec::udp(host(10), host(20), 5060, 5070, payload::sip_ok()),
                4 => FrameSpec::udp(host(11), host(12), 52010, 4000, payload::udptl(n)),
                5 => FrameSpec::udp(
                    host(11),
                    host(12),
                    51002,
                    50002,
                    payload::rtcp_sender_report(),
                ),
                6 => FrameSpec::tcp(
                    host(20),
                    host(13),
                    49152 + port,
                    9094,
                    payload::cds_request(),
                ),
                7 => FrameSpec::tcp(host(30), host(14), port, 4060, payload::noise(40, n as u8)),
                8 => FrameSpec::tcp(host(30), host(14), port, 1720, payload::h225_setup()),
                9 => FrameSpec::tcp(host(30), host(14), port, 18443, payload::tls_client_hello()),
                10 => FrameSpec::udp(host(30), host(1), port, 123, payload::ntp_client()),
                11 => FrameSpec::tcp(host(30), host(10), port, 21, payload::ftp_user()),
                12 => FrameSpec::tcp(host(20), host(2), 49500 + port, 712, payload::ldap_search()),
                13 => FrameSpec::tcp(host(10), host(9), 49700, 65010, payload::noise(16, 1)),
                14 => FrameSpec::udp(host(20), host(53), 40000 + port, 53, payload::dns_query()),
                _ => FrameSpec::tcp(
                    host(20),
                    [93, 184, 216, 34],
                    49800,
                    443,
                    payload::tls_client_hello(),
                ),
            };
            let spec = if f % 4 == 3 { spec.into_ipv6() } else { spec };
            spec.ethernet()
        })
        .collect()
}

/// A capture of `packets` packets, each of a flow of its own (a scan: distinct source
/// addresses and ports towards the SwyxServer's SIP and RTP ports and elsewhere), for the
/// flow table's memory bound.
///
/// ```
/// let mut file = Vec::new();
/// swyx_testkit::mix::write_distinct_flows_capture(&mut file, 10).unwrap();
/// assert!(file.len() > 24 + 10 * 16);
/// ```
pub fn write_distinct_flows_capture(mut writer: impl Write, packets: u64) -> io::Result<()> {
    let mut pcap = PcapWriter::new(1);
    for i in 0..packets {
        pcap.record(START_MICROS + i * 10, &distinct_flow_frame(i));
        if pcap.bytes.len() >= 1 << 20 {
            writer.write_all(&pcap.bytes)?;
            pcap.bytes.clear();
        }
    }
    writer.write_all(&pcap.bytes)?;
    writer.flush()
}

/// Packet `i` of the scan [`write_distinct_flows_capture`] writes (an Ethernet frame): a SIP
/// REGISTER, an RTP packet or a SYN, from an address and port of its own.
///
/// ```
/// use swyx_testkit::mix::distinct_flow_frame;
/// assert_ne!(distinct_flow_frame(0)[26..38], distinct_flow_frame(3)[26..38]);
/// ```
pub fn distinct_flow_frame(i: u64) -> Vec<u8> {
    let src = [10, (i >> 24) as u8 | 0x40, (i >> 16) as u8, (i >> 8) as u8];
    let port = 1024 + (i & 0xff) as u16 * 200 + (i % 7) as u16;
    let spec = match i % 3 {
        0 => FrameSpec::udp(src, SWYX_SERVER, port, 5060, payload::sip_register()),
        1 => FrameSpec::udp(src, SWYX_SERVER, port, 51000, payload::rtp(1, 0)),
        _ => {
            let mut spec = FrameSpec::tcp(src, SWYX_SERVER, port, 9094, Vec::new());
            spec.tcp_flags = 0x02;
            spec
        }
    };
    spec.ethernet()
}

/// SIP messages as the flow tracker reads them: an INVITE with its SDP offer, a `200 OK` with
/// the answer, and the bench mix's INVITE and `200 OK` without bodies (the `signalling` bench
/// and `mix_loop sip`).
pub fn sip_messages() -> Vec<Vec<u8>> {
    let sdp = |addr: &str, port: u16| {
        format!(
            "v=0\r\no=- 1 1 IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\nt=0 0\r\n\
             m=audio {port} RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
        )
    };
    let with_body = |head: &str, body: String| {
        format!(
            "{head}Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    vec![
        with_body(
            "INVITE sip:201@10.1.1.10 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.1.8.20:5070;branch=z9hG4bK776asdhds;rport\r\n\
             Max-Forwards: 70\r\nTo: <sip:201@10.1.1.10>\r\n\
             From: \"Alice\" <sip:200@10.1.1.10>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710@10.1.8.20\r\nCSeq: 314159 INVITE\r\n\
             Contact: <sip:200@10.1.8.20:5070>\r\nUser-Agent: SwyxIt!/13.10\r\n\
             Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE\r\n",
            sdp("10.1.8.20", 40002),
        ),
        with_body(
            "SIP/2.0 200 OK\r\n\
             Via: SIP/2.0/UDP 10.1.8.20:5070;branch=z9hG4bK776asdhds;rport=5070\r\n\
             To: <sip:201@10.1.1.10>;tag=a6c85cf\r\n\
             From: \"Alice\" <sip:200@10.1.1.10>;tag=1928301774\r\n\
             Call-ID: a84b4c76e66710@10.1.8.20\r\nCSeq: 314159 INVITE\r\n\
             Contact: <sip:201@10.1.1.10:5060>\r\n",
            sdp("10.1.1.10", 30000),
        ),
        payload::sip_invite(),
        payload::sip_ok(),
    ]
}
