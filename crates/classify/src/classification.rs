use crate::{Component, Label, Packet, PortRange, Role, Transport};
use core::fmt;
use swyx_matrix::layout::Rank;

/// Which of a packet's two ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// The destination port (preferred on ties: it names the service being reached).
    Destination,
    /// The source port.
    Source,
}

impl Side {
    /// The other side.
    pub const fn opposite(self) -> Side {
        match self {
            Side::Destination => Side::Source,
            Side::Source => Side::Destination,
        }
    }

    /// `"destination"` or `"source"`.
    pub const fn id(self) -> &'static str {
        match self {
            Side::Destination => "destination",
            Side::Source => "source",
        }
    }
}

/// What backs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// The payload matches the label's signature.
    Confirmed,
    /// The port alone: no payload, a TCP segment without a recognisable start, a truncated
    /// payload, or a label without a signature.
    PortOnly,
}

impl Evidence {
    /// `"confirmed"` or `"port_only"`.
    pub const fn id(self) -> &'static str {
        match self {
            Evidence::Confirmed => "confirmed",
            Evidence::PortOnly => "port_only",
        }
    }
}

/// What a candidate row's labels make of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PayloadCheck {
    /// The payload matches one of the row's labels.
    Confirmed,
    /// Nothing to tell: no payload, a truncated payload, TCP without a match, or a label
    /// without a signature.
    Unknown,
    /// A whole UDP datagram that matches none of the row's labels, all of which have a
    /// signature.
    Contradicted,
}

/// Why a packet got no label. Callers can match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The frame does not carry IPv4 or IPv6 (ARP, LLDP, an unknown link type, ...).
    NotIp,
    /// IP, but neither TCP nor UDP (ICMP, ESP, ...).
    NotTcpUdp,
    /// A fragment other than the first: it has no ports.
    NonFirstFragment,
    /// The capture ends before the ports.
    Truncated,
    /// Header fields contradict each other (an IPv4 header length below 20, ...).
    MalformedHeader,
    /// No matrix row covers either port.
    NoMatrixRow,
    /// Only rows that name no protocol cover the ports.
    UnlabelledRowsOnly,
    /// The payload contradicts every row that is not broad.
    PayloadContradicts,
    /// Only broad rows are left, and the payload does not confirm any of them.
    BroadRowWithoutEvidence,
    /// Never given by the stateless classifier: the flow layer's site inventory
    /// (`swyx_flow::Site`) leaves a flow between hosts it does not list unlabelled on the rows
    /// the matrix shares with other software (RTP, T.38, broad rows).
    NotASiteHost,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 10] = [
        Reason::NotIp,
        Reason::NotTcpUdp,
        Reason::NonFirstFragment,
        Reason::Truncated,
        Reason::MalformedHeader,
        Reason::NoMatrixRow,
        Reason::UnlabelledRowsOnly,
        Reason::PayloadContradicts,
        Reason::BroadRowWithoutEvidence,
        Reason::NotASiteHost,
    ];

    /// A stable snake_case id for output.
    pub const fn id(self) -> &'static str {
        match self {
            Reason::NotIp => "not_ip",
            Reason::NotTcpUdp => "not_tcp_udp",
            Reason::NonFirstFragment => "non_first_fragment",
            Reason::Truncated => "truncated",
            Reason::MalformedHeader => "malformed_header",
            Reason::NoMatrixRow => "no_matrix_row",
            Reason::UnlabelledRowsOnly => "unlabelled_rows_only",
            Reason::PayloadContradicts => "payload_contradicts",
            Reason::BroadRowWithoutEvidence => "broad_row_without_evidence",
            Reason::NotASiteHost => "not_a_site_host",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::NotIp => "not IP",
            Reason::NotTcpUdp => "not TCP or UDP",
            Reason::NonFirstFragment => "non-first IP fragment",
            Reason::Truncated => "truncated before the ports",
            Reason::MalformedHeader => "malformed header",
            Reason::NoMatrixRow => "no matrix row covers the ports",
            Reason::UnlabelledRowsOnly => "only rows without a protocol cover the ports",
            Reason::PayloadContradicts => "payload contradicts every row",
            Reason::BroadRowWithoutEvidence => "broad row without payload evidence",
            Reason::NotASiteHost => "media or broad row between hosts the site does not list",
        })
    }
}

/// A labelled packet: which row decided, on which port, on what evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Decision {
    /// The protocol.
    pub label: Label,
    /// The deciding row's component.
    pub component: Component,
    /// Whether that component listens on the deciding port, or connects to it from the other
    /// end (then it sits on the opposite side: see [`Decision::component_side`]).
    pub role: Role,
    /// The side whose port decided.
    pub side: Side,
    /// The deciding port.
    pub port: u16,
    /// The deciding row's range that covers the port.
    pub range: PortRange,
    /// The deciding row's index in the matrix.
    pub row: u16,
    /// Payload-confirmed or port-only.
    pub evidence: Evidence,
    /// An RTCP packet on an RTP range (the label stays [`Label::Rtp`]).
    pub rtcp: bool,
    /// The component the other port attributes, where one does: the best narrow row on the
    /// other side that carries the same label (or no label) and survives the same rules.
    pub peer: Option<Component>,
}

impl Decision {
    /// The side of the packet where [`component`](Decision::component) sits.
    pub const fn component_side(&self) -> Side {
        match self.role {
            Role::Listens => self.side,
            Role::Connects => self.side.opposite(),
        }
    }
}

/// The outcome of classifying a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Labelled.
    Labelled(Decision),
    /// Not labelled, and why.
    Unclassified(Reason),
}

/// The result of classifying one packet: a small `Copy` value borrowing the frame.
///
/// ```
/// use swyx_classify::{classify_ip, Label, Reason};
/// let not_ip = classify_ip(&[0x00, 0x01]);
/// assert_eq!(not_ip.reason(), Some(Reason::NotIp));
/// assert_eq!(not_ip.label(), None::<Label>);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification<'a> {
    /// The decoded transport layer, when the frame got that far.
    pub packet: Option<Packet<'a>>,
    /// Labelled, or why not.
    pub outcome: Outcome,
}

impl<'a> Classification<'a> {
    /// The decision, when labelled.
    pub const fn decision(&self) -> Option<&Decision> {
        match &self.outcome {
            Outcome::Labelled(decision) => Some(decision),
            Outcome::Unclassified(_) => None,
        }
    }

    /// The label, when labelled.
    pub fn label(&self) -> Option<Label> {
        self.decision().map(|d| d.label)
    }

    /// The deciding row's component, when labelled.
    pub fn component(&self) -> Option<Component> {
        self.decision().map(|d| d.component)
    }

    /// The peer's component, when labelled and the other port attributes one.
    pub fn peer(&self) -> Option<Component> {
        self.decision().and_then(|d| d.peer)
    }

    /// The evidence, when labelled.
    pub fn evidence(&self) -> Option<Evidence> {
        self.decision().map(|d| d.evidence)
    }

    /// Why the packet is unclassified; `None` when labelled.
    pub const fn reason(&self) -> Option<Reason> {
        match self.outcome {
            Outcome::Labelled(_) => None,
            Outcome::Unclassified(reason) => Some(reason),
        }
    }

    /// The transport, when decoded.
    pub fn transport(&self) -> Option<Transport> {
        self.packet.map(|p| p.transport)
    }

    /// The captured payload (empty when the frame did not get that far).
    pub fn payload(&self) -> &'a [u8] {
        self.packet.map_or(&[], |p| p.payload)
    }
}

/// One matrix row that covers one of a packet's ports, with what the payload makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Candidate {
    /// The label this row would decide: the first confirmed one, else its first; `None` for a
    /// row that names no protocol.
    pub label: Option<Label>,
    /// The row's component.
    pub component: Component,
    /// Whether the component listens on the port or connects to it.
    pub role: Role,
    /// Which of the packet's ports the row covers.
    pub side: Side,
    /// That port.
    pub port: u16,
    /// The row's range that covers it.
    pub range: PortRange,
    /// The row's index in the matrix.
    pub row: u16,
    /// What the payload makes of the row.
    pub check: PayloadCheck,
}

impl Candidate {
    /// Whether the row takes part in the decision: it names a protocol, the payload does not
    /// contradict it, and if it is broad the payload confirms it.
    pub fn counts(&self) -> bool {
        self.label.is_some()
            && self.check != PayloadCheck::Contradicted
            && (!self.range.is_broad() || self.check == PayloadCheck::Confirmed)
    }

    /// The candidate's [`Rank`]: confirmed before unknown, then the narrowest range, then
    /// rows that listen on the port before rows that connect to it, then the destination side,
    /// then matrix order. Smaller is better.
    pub fn rank(&self) -> u64 {
        Rank::new(
            self.check == PayloadCheck::Confirmed,
            self.range.width(),
            self.role,
            self.side == Side::Source,
            self.row,
        )
        .0
    }
}
