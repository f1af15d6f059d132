//! A naive reference implementation of the resolution rules: a linear scan of the matrix rows
//! per packet. Slow, obviously right, and the oracle for differential tests and fuzzing.

use crate::resolve::resolve;
use crate::{Classification, Entry, Matrix, Outcome, Packet};

/// Classifies `packet` by scanning every row of `matrix`, without a port table. Agrees with
/// [`Classifier::classify_packet`](crate::Classifier::classify_packet) over a table built from
/// the same matrix; allocates, so it is for tests and fuzzing, not for the hot path.
pub fn classify_reference<'a>(matrix: &Matrix, packet: &Packet<'a>) -> Classification<'a> {
    let mut dst: Vec<Entry> = Vec::new();
    let mut src: Vec<Entry> = Vec::new();
    for (index, row) in matrix.rows.iter().enumerate() {
        if !row.has_transport(packet.transport) {
            continue;
        }
        for range in &row.ranges {
            let entry = Entry {
                row: index as u16,
                component: row.component,
                labels: row.labels,
                role: row.role,
                range: *range,
            };
            if range.contains(packet.dst_port) {
                dst.push(entry);
            }
            if range.contains(packet.src_port) {
                src.push(entry);
            }
        }
    }
    let outcome: Outcome = resolve(packet, &dst, &src);
    Classification {
        packet: Some(*packet),
        outcome,
    }
}
