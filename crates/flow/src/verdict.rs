//! What the tracker says of packets and flows.

use core::fmt;
use swyx_classify::{Component, Label, Reason, Side, Transport};

use crate::key::{Endpoint, FlowKey};

/// A flow's number: 0 for the first flow of the capture, then in the order flows start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u64);

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What backs a flow-level label, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FlowEvidence {
    /// Signalling announced the flow (SDP media, an FTP data connection), and its payload
    /// matches what was announced.
    Signalled,
    /// Payloads match the label's signature: the packet's own on a narrow row, or, on a
    /// broad row, enough of the flow's packets that agree (see the crate docs).
    Confirmed,
    /// The port alone: nothing in the flow's payloads confirmed or contradicted the row.
    PortOnly,
}

impl FlowEvidence {
    /// `"signalled"`, `"confirmed"` or `"port_only"`.
    pub const fn id(self) -> &'static str {
        match self {
            FlowEvidence::Signalled => "signalled",
            FlowEvidence::Confirmed => "confirmed",
            FlowEvidence::PortOnly => "port_only",
        }
    }
}

/// Where a packet's label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DecidedBy {
    /// The packet itself: its payload or its port, as the stateless classifier judged it.
    Packet,
    /// Other packets of the same flow: a packet without evidence of its own carries its
    /// flow's label, and packets on broad rows are labelled once enough of them agree.
    Flow,
    /// Another flow's signalling announced this one ([`FlowRecord::announced_by`]).
    Signalling,
}

impl DecidedBy {
    /// `"packet"`, `"flow"` or `"signalling"`.
    pub const fn id(self) -> &'static str {
        match self {
            DecidedBy::Packet => "packet",
            DecidedBy::Flow => "flow",
            DecidedBy::Signalling => "signalling",
        }
    }
}

/// Why a packet or a flow has no label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FlowReason {
    /// The stateless classifier's reason, for the packet or the flow.
    Packet(Reason),
    /// Only broad rows cover the flow, its payloads match one, but too few of its packets
    /// agreed before the flow ended or the packet's hold-back bound was reached.
    Undecided,
    /// A TCP connection whose SYN was seen and that carried no payload (a handshake alone, a
    /// refused connection, or segments handed out before its first byte at the hold-back
    /// bound): a port alone is no evidence.
    NoPayload,
    /// RTP, RTCP or T.38 in a UDP flow that carried STUN: ICE media of another application
    /// ([`Config::stun_marks_other_media`](crate::Config::stun_marks_other_media)).
    IceMedia,
}

impl FlowReason {
    /// Every reason: the classifier's, then the flow layer's own.
    ///
    /// ```
    /// use swyx_flow::FlowReason;
    /// assert!(FlowReason::all().any(|r| r.id() == "no_payload"));
    /// assert!(FlowReason::all().any(|r| r.id() == "not_ip"));
    /// ```
    pub fn all() -> impl Iterator<Item = FlowReason> {
        Reason::ALL.into_iter().map(FlowReason::Packet).chain([
            FlowReason::Undecided,
            FlowReason::NoPayload,
            FlowReason::IceMedia,
        ])
    }

    /// A stable snake_case id: the classifier's reason ids, and `"undecided"`, `"no_payload"`
    /// and `"ice_media"`.
    pub const fn id(self) -> &'static str {
        match self {
            FlowReason::Packet(reason) => reason.id(),
            FlowReason::Undecided => "undecided",
            FlowReason::NoPayload => "no_payload",
            FlowReason::IceMedia => "ice_media",
        }
    }
}

impl fmt::Display for FlowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowReason::Packet(reason) => reason.fmt(f),
            FlowReason::Undecided => f.write_str("broad row, too few agreeing packets"),
            FlowReason::NoPayload => f.write_str("TCP connection without payload"),
            FlowReason::IceMedia => f.write_str("media in a flow that carried STUN (ICE)"),
        }
    }
}

/// A label with what backs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Labelled {
    /// The protocol.
    pub label: Label,
    /// The deciding row's component.
    pub component: Component,
    /// The component the other port attributes, where one does.
    pub peer: Option<Component>,
    /// What backs the label.
    pub evidence: FlowEvidence,
    /// Where the label came from.
    pub decided_by: DecidedBy,
    /// The side of the packet whose port decided (for a flow record: [`Side::Source`] for
    /// the client's end, [`Side::Destination`] for the server's).
    pub side: Side,
    /// The side where the component sits: the deciding port's for a row it listens on, the
    /// other for a row it connects from (an LDAP client to 712). Counted as `side` is.
    pub component_side: Side,
    /// The deciding port.
    pub port: u16,
    /// An RTCP packet on an RTP range (the label stays [`Label::Rtp`]).
    pub rtcp: bool,
}

/// Labelled, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Labelled.
    Labelled(Labelled),
    /// No label, and why.
    Unclassified(FlowReason),
}

impl Verdict {
    /// The label and what backs it, when labelled.
    pub const fn labelled(&self) -> Option<&Labelled> {
        match self {
            Verdict::Labelled(labelled) => Some(labelled),
            Verdict::Unclassified(_) => None,
        }
    }

    /// The label, when labelled.
    pub fn label(&self) -> Option<Label> {
        self.labelled().map(|l| l.label)
    }

    /// The component, when labelled.
    pub fn component(&self) -> Option<Component> {
        self.labelled().map(|l| l.component)
    }

    /// Why not labelled; `None` when labelled.
    pub const fn reason(&self) -> Option<FlowReason> {
        match self {
            Verdict::Labelled(_) => None,
            Verdict::Unclassified(reason) => Some(*reason),
        }
    }
}

/// The addresses and ports of a TCP or UDP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Addressing {
    /// TCP or UDP.
    pub transport: Transport,
    /// Where the packet comes from.
    pub src: Endpoint,
    /// Where it goes.
    pub dst: Endpoint,
}

/// One packet as the tracker hands it out: in capture order, with its flow's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PacketVerdict {
    /// The caller's number for the packet (the batch tool: 0-based in the file).
    pub index: u64,
    /// Capture time in nanoseconds.
    pub time_ns: u64,
    /// Length on the wire.
    pub wire_len: u32,
    /// The packet's flow: `None` when it has no ports (not IP, not TCP/UDP, a non-first
    /// fragment, truncated).
    pub flow: Option<FlowId>,
    /// The label, or why not.
    pub verdict: Verdict,
    /// The flow's key and whether the packet comes from its low end: the addresses, kept
    /// compact until [`PacketVerdict::addressing`] asks for them.
    pub(crate) ends: Option<(FlowKey, bool)>,
}

impl PacketVerdict {
    /// Addresses and ports, when decoded.
    pub fn addressing(&self) -> Option<Addressing> {
        let (key, from_lo) = self.ends?;
        Some(Addressing {
            transport: key.transport(),
            src: key.end(from_lo),
            dst: key.end(!from_lo),
        })
    }
}

/// Why a flow (or a span of it) was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EndReason {
    /// TCP FIN in both directions (reported once the flow was quiet for the close delay).
    Fin,
    /// TCP RST (reported once the flow was quiet for the close delay).
    Rst,
    /// No packet for the transport's idle timeout (capture time).
    Idle,
    /// Evicted, longest idle first, to keep the table within its memory budget.
    Evicted,
    /// The capture ended.
    EndOfCapture,
    /// The flow goes on under another label (or none): this row is the span before.
    LabelChanged,
}

impl EndReason {
    /// A stable snake_case id.
    pub const fn id(self) -> &'static str {
        match self {
            EndReason::Fin => "fin",
            EndReason::Rst => "rst",
            EndReason::Idle => "idle",
            EndReason::Evicted => "evicted",
            EndReason::EndOfCapture => "end_of_capture",
            EndReason::LabelChanged => "label_changed",
        }
    }
}

/// Packets and bytes (on the wire).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Count {
    /// Packets.
    pub packets: u64,
    /// Bytes on the wire.
    pub bytes: u64,
}

impl Count {
    /// Counts one packet of `wire_len` bytes.
    #[inline]
    pub fn add(&mut self, wire_len: u32) {
        self.packets += 1;
        self.bytes += u64::from(wire_len);
    }

    /// Adds `other`.
    pub fn merge(&mut self, other: Count) {
        self.packets += other.packets;
        self.bytes += other.bytes;
    }
}

/// One flow (or one span of a flow whose label changed) as the tracker reports it, when it
/// ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FlowRecord {
    /// The flow.
    pub id: FlowId,
    /// 0 for the flow's first span, then 1, 2, ... after each change of label.
    pub span: u32,
    /// TCP or UDP.
    pub transport: Transport,
    /// The end that sent the first packet (for TCP: the sender of the SYN, where seen).
    pub client: Endpoint,
    /// The other end.
    pub server: Endpoint,
    /// The span's label (with its evidence and what decided it), or why none.
    pub verdict: Verdict,
    /// Why the row was reported.
    pub end: EndReason,
    /// Client to server.
    pub to_server: Count,
    /// Server to client.
    pub to_client: Count,
    /// Capture time of the span's first and last packet, in nanoseconds.
    pub first_ns: u64,
    /// See `first_ns`.
    pub last_ns: u64,
    /// The caller's index of the span's first packet.
    pub first_index: u64,
    /// The same 5-tuple was evicted before (the table remembers a bounded number of evicted
    /// keys, so a flow evicted long ago may not be marked).
    pub after_eviction: bool,
    /// The flow whose signalling announced this one (its SDP, its FTP control connection).
    pub announced_by: Option<FlowId>,
    /// The SIP dialog whose SDP announced it.
    pub call_id: Option<CallId>,
    /// An FTP data connection.
    pub ftp_data: bool,
}

/// A SIP Call-ID as the flow rows name it: its first 48 bytes (longer ones are cut, which
/// keeps rows `Copy` and memory bounded; Call-IDs are mostly 20 to 40 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallId {
    len: u8,
    bytes: [u8; CallId::MAX],
}

impl CallId {
    /// Most bytes kept.
    pub const MAX: usize = 48;

    /// The first [`CallId::MAX`] bytes of `call_id`.
    pub fn new(call_id: &[u8]) -> CallId {
        let len = call_id.len().min(CallId::MAX);
        let mut bytes = [0; CallId::MAX];
        bytes[..len].copy_from_slice(&call_id[..len]);
        CallId {
            len: len as u8,
            bytes,
        }
    }

    /// The bytes kept.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallId({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

/// Where the tracker hands out what it decided.
pub trait Sink {
    /// A packet, in capture order.
    fn packet(&mut self, packet: &PacketVerdict);
    /// A flow or span that ended. Called as soon as it ends, so rows stream.
    fn flow(&mut self, flow: &FlowRecord);
}
