//! The tracker's bounds and thresholds, with their defaults.

use swyx_classify::Label;

/// One second in nanoseconds.
const SECOND: u64 = 1_000_000_000;

/// Bounds and thresholds of a [`Tracker`](crate::Tracker). Every field has a documented
/// default ([`Config::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// A UDP flow without a packet for this long (capture time) ends `idle`. Default 60 s,
    /// Zeek's `udp_inactivity_timeout`.
    pub udp_idle_ns: u64,
    /// A TCP flow without a packet for this long ends `idle`. Default 300 s, Zeek's
    /// `tcp_inactivity_timeout`.
    pub tcp_idle_ns: u64,
    /// A TCP flow that saw FIN in both directions, or a RST, is reported once it was quiet
    /// this long, so the last ACKs still count in it. Default 5 s, Zeek's `tcp_close_delay`.
    pub tcp_close_ns: u64,
    /// Memory for flows and held-back packets, in bytes. Reaching it evicts the flows idle
    /// longest. Default 64 MiB.
    pub memory_budget: usize,
    /// A packet is held back while its flow is undecided for at most this many packets pushed
    /// after it. Default 16,384.
    pub hold_packets: usize,
    /// Hand packets out in capture order (default): a settled packet waits behind an earlier
    /// one still held. Without order (a summary, flow rows: what counts is each packet's
    /// verdict, not when it comes), only the held packets wait; every verdict is the same.
    pub ordered: bool,
    /// Longest a packet is held back, in capture time. Default 1 s.
    pub hold_ns: u64,
    /// On a UDP flow that only broad rows label: RTP packets in one direction with one SSRC,
    /// sequence numbers stepping forward by 1 to [`Config::rtp_max_step`] and timestamps not
    /// going back, needed to label it RTP. Default 2: two such packets are already rare by chance
    /// (the SSRC's 32 bits must repeat and the sequence step), and a lone pair is the most a
    /// short stream shows in the captures measured.
    pub rtp_agreeing: u8,
    /// Largest forward step of the RTP sequence number between agreeing packets (losses).
    /// Default 16.
    pub rtp_max_step: u16,
    /// UDPTL packets in one direction whose sequence numbers step forward by 1 to
    /// [`Config::rtp_max_step`], needed to label a broad-row flow T.38. Default 3.
    pub udptl_agreeing: u8,
    /// Packets confirmed with the same label, in either direction, needed for the other labels
    /// on broad rows (SIP, H.323, ...), and for RTCP that is not a compound packet. Default 2.
    pub other_agreeing: u8,
    /// On a labelled UDP flow, datagrams in a row whose payload does not match its label
    /// (each keeps its own verdict) before the label's span ends. Default 4.
    pub disagreeing_run: u8,
    /// Most expected flows (SDP media, FTP data connections) remembered; past it the oldest
    /// goes. Default 4,096.
    pub max_expectations: usize,
    /// An expectation not met within this long (capture time) is forgotten. Default 300 s.
    pub expectation_ns: u64,
    /// SIP over TCP: the most bytes of one direction's unfinished message kept (its head and
    /// body); a longer message is skipped and counted. Default 16 KiB.
    pub sip_stream_buffer: usize,
    /// The most bytes kept over all SIP-over-TCP directions, counted in the memory budget.
    /// Default 2 MiB.
    pub sip_stream_total: usize,
    /// Fragmented datagrams whose first fragment is remembered, so that their later fragments
    /// carry its flow's label; past it the oldest goes. Default 4,096.
    pub max_fragmented: usize,
    /// Hosts whose roles are noted ([`Tracker::hosts`](crate::Tracker::hosts)). Default 65,536.
    pub max_hosts: usize,
    /// A UDP flow that carried a STUN message (RFC 5389: the ICE connectivity checks that
    /// WebRTC, Teams and Skype send on their media 5-tuples) is another application's media:
    /// its later RTP, RTCP and T.38 packets get no label from the matrix's rows (reason
    /// `ice_media`), unless signalling announced the flow. Default on: the SwyxWare 2013 port
    /// document names no STUN, and none of the VoIP captures the rules were measured on has
    /// STUN on a media flow. Turn it off for a SwyxWare release that speaks ICE.
    pub stun_marks_other_media: bool,
    /// Host roles break the ties the matrix leaves for media: an RTP or T.38 flow whose
    /// host is known (from the signalling and confirmed flows before the flow started) as
    /// another component than the matrix's choice, and as exactly one component with a row
    /// there for the label, is that component's (a FaxServer's RTP from 5010, which the
    /// SwyxPhone L4xx's narrower 5000-5020 would take). Default on.
    pub roles_break_ties: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            udp_idle_ns: 60 * SECOND,
            tcp_idle_ns: 300 * SECOND,
            tcp_close_ns: 5 * SECOND,
            memory_budget: 64 << 20,
            hold_packets: 16 * 1024,
            ordered: true,
            hold_ns: SECOND,
            rtp_agreeing: 2,
            rtp_max_step: 16,
            udptl_agreeing: 3,
            other_agreeing: 2,
            disagreeing_run: 4,
            max_expectations: 4096,
            expectation_ns: 300 * SECOND,
            sip_stream_buffer: 16 * 1024,
            sip_stream_total: 2 << 20,
            max_fragmented: 4096,
            max_hosts: 65_536,
            stun_marks_other_media: true,
            roles_break_ties: true,
        }
    }
}

impl Config {
    /// Agreeing packets needed for `label` on a broad row.
    pub(crate) fn agreeing(&self, label: Label) -> u8 {
        match label {
            Label::Rtp => self.rtp_agreeing,
            Label::T38 => self.udptl_agreeing,
            _ => self.other_agreeing,
        }
        .max(1)
    }
}
