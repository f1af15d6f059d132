//! A naive reference implementation of the resolution rules: a linear scan of the matrix rows
//! per packet, every candidate ranked by [`Candidate::rank`]. Slow, written straight from the
//! rules, and the oracle that differential tests and fuzzing hold the fast path to.

use crate::resolve::{candidate, Signatures};
use crate::{
    Candidate, Classification, Decision, Evidence, Label, Labels, Matrix, Outcome, Packet,
    PayloadCheck, Reason, Side,
};
use swyx_matrix::layout::entries_for;

/// Classifies `packet` by scanning every row of `matrix`, without a port table. Agrees with
/// [`Classifier::classify_packet`](crate::Classifier::classify_packet) over a table built from
/// the same matrix; allocates, so it is for tests and fuzzing, not for the hot path.
#[must_use]
pub fn classify_reference<'a>(matrix: &Matrix, packet: &Packet<'a>) -> Classification<'a> {
    let mut signatures = Signatures::new(packet);
    let mut candidates: Vec<(Candidate, Labels)> = Vec::new();
    for entry in entries_for(matrix, packet.transport) {
        for (side, port) in [
            (Side::Destination, packet.dst_port),
            (Side::Source, packet.src_port),
        ] {
            if entry.range.contains(port) {
                candidates.push((candidate(&entry, side, port, &mut signatures), entry.labels));
            }
        }
    }
    Classification {
        packet: Some(*packet),
        outcome: decide(&candidates, signatures.is_rtcp()),
    }
}

fn decide(candidates: &[(Candidate, Labels)], rtcp: bool) -> Outcome {
    if candidates.is_empty() {
        return Outcome::Unclassified(Reason::NoMatrixRow);
    }
    let Some(winner) = candidates
        .iter()
        .map(|(c, _)| c)
        .filter(|c| c.counts())
        .min_by_key(|c| c.rank())
    else {
        let labelled = || {
            candidates
                .iter()
                .map(|(c, _)| c)
                .filter(|c| c.label.is_some())
        };
        let reason =
            if labelled().any(|c| !c.range.is_broad() && c.check == PayloadCheck::Contradicted) {
                Reason::PayloadContradicts
            } else if labelled().any(|c| c.range.is_broad()) {
                Reason::BroadRowWithoutEvidence
            } else {
                Reason::UnlabelledRowsOnly
            };
        return Outcome::Unclassified(reason);
    };
    let Some(label) = winner.label else {
        return Outcome::Unclassified(Reason::UnlabelledRowsOnly);
    };
    let peer = candidates
        .iter()
        // Only narrow rows name a peer: a broad one says nothing about what listens there.
        .filter(|(c, _)| c.side != winner.side && !c.range.is_broad())
        .filter_map(|(c, labels)| match c.label {
            // A row without a protocol attributes a peer.
            None => Some(Candidate {
                label: Some(label),
                ..*c
            }),
            Some(_) if labels.contains(label) => Some(*c),
            _ => None,
        })
        .filter(|c| c.counts())
        .min_by_key(|c| c.rank());
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
        rtcp: confirmed && label == Label::Rtp && rtcp,
        peer: peer.map(|c| c.component),
    })
}
