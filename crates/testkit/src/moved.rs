//! A site whose ports are not the document's defaults: its media, captured mid-call (no SIP,
//! so no SDP tells the components), with what each media packet should be.
//!
//! ```
//! let site = swyx_testkit::moved::moved_site();
//! assert!(site.media.len() > 2000);
//! assert!(site.settings.contains(&("swyx_server.RTPFirstPort", 40000)));
//! ```

use swyx_classify::Component;

use crate::capture::PcapWriter;
use crate::payload;
use crate::FrameSpec;

/// The SwyxServer.
pub const SERVER: [u8; 4] = [10, 1, 1, 10];
/// SwyxGate.
pub const GATE: [u8; 4] = [10, 1, 1, 11];
/// Office PCs running SwyxIt!.
pub const PCS: [[u8; 4]; 2] = [[10, 1, 8, 20], [10, 1, 8, 21]];
/// The SIP trunk provider's media gateway (not a site host).
pub const TRUNK: [u8; 4] = [198, 51, 100, 40];
/// A guest laptop and a cloud meeting service: not site hosts.
pub const GUEST: [u8; 4] = [192, 168, 50, 7];
/// See [`GUEST`].
pub const CLOUD: [u8; 4] = [52, 112, 0, 9];

/// The site inventory of [`moved_site`], in `--site` format.
pub const INVENTORY: &str = "\
# A site with moved ports: servers, and the office PCs' network.
10.1.1.10     swyx_server
10.1.1.11     swyx_gate
10.1.8.0/22   swyx_it
";

/// The capture, its settings, and each media packet's expected component.
#[derive(Debug, Clone)]
pub struct MovedSite {
    /// A legacy pcap (Ethernet, microseconds).
    pub capture: Vec<u8>,
    /// The matrix parameters the site changed (`--set`).
    pub settings: Vec<(&'static str, i64)>,
    /// Every media packet: its 0-based index in the capture and the component it is
    /// (`None`: no SwyxWare host at either end, so no component is right but none).
    pub media: Vec<(u64, Option<Component>)>,
}

/// The site: the SwyxServer's RTP moved to 40000-40499, SwyxGate's media left alone,
/// SwyxIt!'s to 45000-45999 (inside the SwyxConnect 172x's 32768-49151, which the default
/// matrix picks).
///
/// - a PC's SwyxIt! (45010) and the SwyxServer (40010): the server's narrower range decides;
/// - the two PCs (45020 and 45030) call each other: SwyxIt!;
/// - SwyxGate (52010) and the SIP trunk (20000): SwyxGate;
/// - the guest laptop's meeting client (50100, SwyxIt!'s default range) and the cloud: none.
pub fn moved_site() -> MovedSite {
    /// One end's address and port, the other's, and the component the stream is.
    type Stream = ([u8; 4], u16, [u8; 4], u16, Option<Component>);
    let streams: [Stream; 4] = [
        (PCS[0], 45010, SERVER, 40010, Some(Component::SwyxServer)),
        (PCS[0], 45020, PCS[1], 45030, Some(Component::SwyxIt)),
        (TRUNK, 20000, GATE, 52010, Some(Component::SwyxGate)),
        (GUEST, 50100, CLOUD, 3480, None),
    ];
    let mut writer = PcapWriter::new(1);
    let mut media = Vec::new();
    let mut index = 0u64;
    // 20 ms packetisation, both directions of every stream interleaved, 400 packets each way.
    for tick in 0..400u16 {
        for (n, &(a, a_port, b, b_port, component)) in streams.iter().enumerate() {
            for (reverse, (src, sport, dst, dport)) in
                [(a, a_port, b, b_port), (b, b_port, a, a_port)]
                    .into_iter()
                    .enumerate()
            {
                let ssrc_seq = tick.wrapping_add(1000 * (n as u16 * 2 + reverse as u16));
                let body = payload::rtp(ssrc_seq, u32::from(tick) * 160);
                let frame = FrameSpec::udp(src, dst, sport, dport, body).ethernet();
                let micros = 1_700_000_000_000_000 + u64::from(tick) * 20_000 + index % 8 * 100;
                writer.record(micros, &frame);
                media.push((index, component));
                index += 1;
            }
        }
    }
    MovedSite {
        capture: writer.into_bytes(),
        settings: vec![
            ("swyx_server.RTPFirstPort", 40000),
            ("swyx_server.RTPLastPort", 40499),
            ("swyx_it.PortrangeBegin", 45000),
            ("swyx_it.PortrangeEnd", 45999),
        ],
        media,
    }
}
