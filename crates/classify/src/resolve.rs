//! The resolution rules: from the rows covering a packet's ports to one decision.
//!
//! The port table keeps each port's entries sorted by (width, role, matrix order), so within
//! one side the first confirmed entry beats every later one: a side's scan stops there.

use crate::signature;
use crate::{
    Candidate, Decision, Entry, Evidence, Label, Outcome, Packet, PayloadCheck, PortTable, Reason,
    Side, Transport,
};

/// Labels without a signature on UDP (nothing can confirm or contradict them there).
const UNSIGNED_UDP: u16 = Label::Configuration.bit()
    | Label::Cornet.bit()
    | Label::H323.bit()
    | Label::Dls.bit()
    | Label::Keepalive.bit()
    | Label::Ftp.bit();
/// Labels without a signature on TCP.
const UNSIGNED_TCP: u16 = Label::Configuration.bit()
    | Label::Rtp.bit()
    | Label::T38.bit()
    | Label::Cornet.bit()
    | Label::Dls.bit()
    | Label::Keepalive.bit()
    | Label::Ntp.bit();

/// Signature results for one payload, each signature run at most once.
#[derive(Debug, Clone)]
pub(crate) struct Signatures<'a> {
    payload: &'a [u8],
    wire_len: usize,
    udp: bool,
    /// The payload may contradict: a whole, non-empty UDP datagram.
    may_contradict: bool,
    /// Labels without a signature on this transport.
    unsigned: u16,
    evaluated: u16,
    matched: u16,
    rtcp: bool,
    tls: Option<bool>,
}

impl<'a> Signatures<'a> {
    #[inline]
    pub(crate) fn new(packet: &Packet<'a>) -> Signatures<'a> {
        let udp = packet.transport == Transport::Udp;
        Signatures {
            payload: packet.payload,
            wire_len: usize::try_from(packet.payload_len).unwrap_or(usize::MAX),
            udp,
            may_contradict: udp && !packet.payload.is_empty() && !packet.is_truncated(),
            unsigned: if udp { UNSIGNED_UDP } else { UNSIGNED_TCP },
            evaluated: 0,
            matched: 0,
            rtcp: false,
            tls: None,
        }
    }

    /// Runs the signatures of the labels in `mask` (all of which have one on this transport).
    #[inline(never)]
    fn evaluate(&mut self, mask: u16) {
        let (p, n, udp) = (self.payload, self.wire_len, self.udp);
        let mut left = mask;
        while left != 0 {
            let bit = left & left.wrapping_neg();
            left &= left - 1;
            // Media first: most packets on a SwyxWare network are RTP.
            let matched = if bit == Label::Rtp.bit() {
                signature::rtp(p, n) || {
                    self.rtcp = signature::rtcp(p, n);
                    self.rtcp
                }
            } else if bit == Label::Sip.bit() {
                signature::sip(p, n)
            } else if bit == Label::T38.bit() {
                signature::udptl(p, n)
            } else if bit == Label::H323.bit() {
                signature::h225(p, n)
            } else if bit == Label::Ldap.bit() {
                signature::ldap(p, n, udp)
            } else if bit == Label::Ntp.bit() {
                signature::ntp(p, n)
            } else if bit == Label::Ftp.bit() {
                signature::ftp(p, n)
            } else {
                false
            };
            if matched {
                self.matched |= bit;
            }
        }
        self.evaluated |= mask;
    }

    #[cold]
    fn tls(&mut self) -> bool {
        *self
            .tls
            .get_or_insert_with(|| signature::tls(self.payload, self.wire_len))
    }

    /// What the payload makes of `entry`, and the label the entry would decide.
    #[inline(always)]
    pub(crate) fn check(&mut self, entry: &Entry) -> (PayloadCheck, Option<Label>) {
        let labels = entry.labels.as_slice();
        let Some(&first) = labels.first() else {
            return (PayloadCheck::Unknown, None);
        };
        if self.payload.is_empty() {
            return (PayloadCheck::Unknown, Some(first));
        }
        let mask = entry.labels.mask();
        let missing = mask & !self.evaluated & !self.unsigned;
        if missing != 0 {
            self.evaluate(missing);
        }
        let hit = mask & self.matched;
        if hit != 0 {
            let label = labels
                .iter()
                .copied()
                .find(|l| hit & l.bit() != 0)
                .unwrap_or(first);
            return (PayloadCheck::Confirmed, Some(label));
        }
        if entry.range.tls && self.tls() {
            return (PayloadCheck::Confirmed, Some(first));
        }
        if self.may_contradict && mask & self.unsigned == 0 {
            (PayloadCheck::Contradicted, Some(first))
        } else {
            (PayloadCheck::Unknown, Some(first))
        }
    }

    /// Whether the RTP signature failed and RTCP's matched.
    pub(crate) fn is_rtcp(&self) -> bool {
        self.rtcp
    }
}

/// A candidate from an entry on one side.
#[inline]
pub(crate) fn candidate(
    entry: &Entry,
    side: Side,
    port: u16,
    signatures: &mut Signatures<'_>,
) -> Candidate {
    let (check, label) = signatures.check(entry);
    Candidate {
        label,
        component: entry.component,
        role: entry.role,
        side,
        port,
        range: entry.range,
        row: entry.row,
        check,
    }
}

/// The best entry of one side: its index, whether confirmed, and the label it decides.
#[derive(Clone, Copy)]
struct Best {
    index: usize,
    confirmed: bool,
    label: Label,
}

/// The part of the resolution order that compares entries of different sides: confirmed
/// first, then width, then role. Equal keys go to the destination side.
#[inline]
fn key(entry: &Entry, confirmed: bool) -> (bool, u32, crate::Role) {
    (!confirmed, entry.range.width(), entry.role)
}

/// Scans one side's entries (sorted by width, role, matrix order) for the best counting one.
/// `wanted` restricts the scan to narrow entries carrying that label or none (for the peer: a
/// broad row says nothing about what listens on a port, even when the payload that decided the
/// label "confirms" it). The scan stops at the first confirmed entry, and at the first entry
/// that could only lose to `bound` (the other side's confirmed best), so signatures of rows
/// that cannot win are never run.
#[inline(always)]
fn best_of_side(
    entries: &[Entry],
    signatures: &mut Signatures<'_>,
    wanted: Option<Label>,
    bound: Option<(u32, crate::Role)>,
) -> Option<Best> {
    let mut unknown: Option<Best> = None;
    for (index, entry) in entries.iter().enumerate() {
        if bound.is_some_and(|bound| (entry.range.width(), entry.role) >= bound) {
            break;
        }
        if let Some(label) = wanted {
            if entry.range.is_broad() {
                // Broad entries come last: none of the rest can be a peer either.
                break;
            }
            if !(entry.labels.is_empty() || entry.labels.contains(label)) {
                continue;
            }
        }
        let (check, label) = signatures.check(entry);
        let label = match (label, wanted) {
            (Some(label), _) => label,
            // A row without a protocol only attributes a peer.
            (None, Some(wanted)) => wanted,
            (None, None) => continue,
        };
        match check {
            PayloadCheck::Confirmed => {
                return Some(Best {
                    index,
                    confirmed: true,
                    label,
                })
            }
            PayloadCheck::Unknown if unknown.is_none() && !entry.range.is_broad() => {
                unknown = Some(Best {
                    index,
                    confirmed: false,
                    label,
                });
            }
            _ => {}
        }
    }
    unknown
}

/// Applies the resolution rules to the decisive entries of each port (see
/// [`PortTable::lookup_decisive`](crate::PortTable::lookup_decisive)).
#[inline(always)]
pub(crate) fn resolve(table: &PortTable<'_>, packet: &Packet<'_>) -> Outcome {
    let dst_entries = table.lookup_decisive(packet.transport, packet.dst_port);
    let src_entries = table.lookup_decisive(packet.transport, packet.src_port);
    if dst_entries.is_empty() && src_entries.is_empty() {
        return Outcome::Unclassified(Reason::NoMatrixRow);
    }
    let mut signatures = Signatures::new(packet);
    let dst = best_of_side(dst_entries, &mut signatures, None, None);
    // A confirmed destination entry beats every source entry of equal or greater (width, role).
    let bound = dst.filter(|d| d.confirmed).map(|d| {
        let entry = &dst_entries[d.index];
        (entry.range.width(), entry.role)
    });
    let src = best_of_side(src_entries, &mut signatures, None, bound);
    let (side, entries, best) = match (dst, src) {
        (Some(d), Some(s)) => {
            if key(&dst_entries[d.index], d.confirmed) <= key(&src_entries[s.index], s.confirmed) {
                (Side::Destination, dst_entries, d)
            } else {
                (Side::Source, src_entries, s)
            }
        }
        (Some(d), None) => (Side::Destination, dst_entries, d),
        (None, Some(s)) => (Side::Source, src_entries, s),
        (None, None) => {
            return Outcome::Unclassified(unclassified_reason(&mut signatures, table, packet))
        }
    };
    let winner = &entries[best.index];
    let (port, other_entries) = match side {
        Side::Destination => (packet.dst_port, src_entries),
        Side::Source => (packet.src_port, dst_entries),
    };
    let peer = best_of_side(other_entries, &mut signatures, Some(best.label), None)
        .map(|p| other_entries[p.index].component);
    Outcome::Labelled(Decision {
        label: best.label,
        component: winner.component,
        role: winner.role,
        side,
        port,
        range: winner.range,
        row: winner.row,
        evidence: if best.confirmed {
            Evidence::Confirmed
        } else {
            Evidence::PortOnly
        },
        rtcp: best.confirmed && best.label == Label::Rtp && signatures.is_rtcp(),
        peer,
    })
}

/// Why no row counted: a narrow row the payload contradicts, else a broad row without
/// evidence, else only rows without a protocol.
#[cold]
fn unclassified_reason(
    signatures: &mut Signatures<'_>,
    table: &PortTable<'_>,
    packet: &Packet<'_>,
) -> Reason {
    let dst_entries = table.lookup(packet.transport, packet.dst_port);
    let src_entries = table.lookup(packet.transport, packet.src_port);
    let mut broad_dropped = false;
    for entry in dst_entries.iter().chain(src_entries) {
        if let (check, Some(_)) = signatures.check(entry) {
            if !entry.range.is_broad() && check == PayloadCheck::Contradicted {
                return Reason::PayloadContradicts;
            }
            broad_dropped |= entry.range.is_broad();
        }
    }
    if broad_dropped {
        Reason::BroadRowWithoutEvidence
    } else {
        Reason::UnlabelledRowsOnly
    }
}
