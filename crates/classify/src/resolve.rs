//! The resolution rules: from the rows covering a packet's ports to one decision.

use crate::signature;
use crate::{
    Candidate, Decision, Entry, Evidence, Label, Outcome, Packet, PayloadCheck, Reason, Side,
    Transport,
};

/// Signature results for one payload, each signature run at most once.
pub(crate) struct Signatures<'a> {
    payload: &'a [u8],
    wire_len: usize,
    transport: Transport,
    truncated: bool,
    evaluated: u16,
    matched: u16,
    rtcp: bool,
    tls: Option<bool>,
}

impl<'a> Signatures<'a> {
    #[inline]
    pub(crate) fn new(packet: &Packet<'a>) -> Signatures<'a> {
        Signatures {
            payload: packet.payload,
            wire_len: usize::try_from(packet.payload_len).unwrap_or(usize::MAX),
            transport: packet.transport,
            truncated: packet.is_truncated(),
            evaluated: 0,
            matched: 0,
            rtcp: false,
            tls: None,
        }
    }

    /// Whether the payload matches `label`; `None` where the label has no signature on this
    /// transport.
    #[inline]
    fn matches(&mut self, label: Label) -> Option<bool> {
        let bit = label.bit();
        if self.evaluated & bit != 0 {
            return Some(self.matched & bit != 0);
        }
        let (p, n, udp) = (
            self.payload,
            self.wire_len,
            self.transport == Transport::Udp,
        );
        let matched = match label {
            Label::Sip => signature::sip(p, n),
            Label::Rtp if udp => {
                if signature::rtp(p, n) {
                    true
                } else {
                    self.rtcp = signature::rtcp(p, n);
                    self.rtcp
                }
            }
            Label::T38 if udp => signature::udptl(p, n),
            Label::H323 if !udp => signature::h225(p, n),
            Label::Ldap => signature::ldap(p, n, udp),
            Label::Ntp if udp => signature::ntp(p, n),
            Label::Ftp if !udp => signature::ftp(p, n),
            _ => return None,
        };
        self.evaluated |= bit;
        if matched {
            self.matched |= bit;
        }
        Some(matched)
    }

    fn tls(&mut self) -> bool {
        *self
            .tls
            .get_or_insert_with(|| signature::tls(self.payload, self.wire_len))
    }

    /// What the payload makes of `entry`, and the label the entry would decide.
    #[inline]
    pub(crate) fn check(&mut self, entry: &Entry) -> (PayloadCheck, Option<Label>) {
        let first = entry.labels.first();
        if first.is_none() || self.payload.is_empty() {
            return (PayloadCheck::Unknown, first);
        }
        let mut all_have_signatures = true;
        for label in entry.labels.iter() {
            match self.matches(label) {
                Some(true) => return (PayloadCheck::Confirmed, Some(label)),
                Some(false) => {}
                None => all_have_signatures = false,
            }
        }
        if entry.range.tls && self.tls() {
            return (PayloadCheck::Confirmed, first);
        }
        if self.transport == Transport::Udp && all_have_signatures && !self.truncated {
            (PayloadCheck::Contradicted, first)
        } else {
            (PayloadCheck::Unknown, first)
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

/// Applies the resolution rules to the entries covering each port.
#[inline]
pub(crate) fn resolve(
    packet: &Packet<'_>,
    dst_entries: &[Entry],
    src_entries: &[Entry],
) -> Outcome {
    if dst_entries.is_empty() && src_entries.is_empty() {
        return Outcome::Unclassified(Reason::NoMatrixRow);
    }
    let mut signatures = Signatures::new(packet);
    let mut best: Option<(u64, Candidate)> = None;
    let mut narrow_contradicted = false;
    let mut broad_dropped = false;
    let sides = [
        (Side::Destination, packet.dst_port, dst_entries),
        (Side::Source, packet.src_port, src_entries),
    ];
    for (side, port, entries) in sides {
        for entry in entries {
            let candidate = candidate(entry, side, port, &mut signatures);
            if candidate.label.is_none() {
                continue;
            }
            if !candidate.counts() {
                if candidate.range.is_broad() {
                    broad_dropped = true;
                } else {
                    narrow_contradicted = true;
                }
                continue;
            }
            let rank = candidate.rank();
            if best.is_none_or(|(best_rank, _)| rank < best_rank) {
                best = Some((rank, candidate));
            }
        }
    }
    let Some((_, winner)) = best else {
        return Outcome::Unclassified(if narrow_contradicted {
            Reason::PayloadContradicts
        } else if broad_dropped {
            Reason::BroadRowWithoutEvidence
        } else {
            Reason::UnlabelledRowsOnly
        });
    };
    let Some(label) = winner.label else {
        return Outcome::Unclassified(Reason::UnlabelledRowsOnly);
    };

    // The peer: the best counting row on the other side that speaks the same label (or none).
    let (other_side, other_port, other_entries) = match winner.side {
        Side::Destination => sides[1],
        Side::Source => sides[0],
    };
    let mut peer: Option<(u64, Candidate)> = None;
    for entry in other_entries {
        if !(entry.labels.is_empty() || entry.labels.contains(label)) {
            continue;
        }
        let mut candidate = candidate(entry, other_side, other_port, &mut signatures);
        if entry.labels.is_empty() {
            // Rows without a protocol attribute a component; they are held to the broad rule.
            if entry.range.is_broad() {
                continue;
            }
            candidate.label = Some(label);
        }
        if !candidate.counts() {
            continue;
        }
        let rank = candidate.rank();
        if peer.is_none_or(|(best_rank, _)| rank < best_rank) {
            peer = Some((rank, candidate));
        }
    }

    let confirmed = winner.check == PayloadCheck::Confirmed;
    Outcome::Labelled(Decision {
        label,
        component: winner.component,
        role: winner.role,
        side: winner.side,
        port: winner.port,
        range: winner.range,
        row: winner.row,
        evidence: if confirmed {
            Evidence::Confirmed
        } else {
            Evidence::PortOnly
        },
        rtcp: confirmed && label == Label::Rtp && signatures.is_rtcp(),
        peer: peer.map(|(_, c)| c.component),
    })
}
