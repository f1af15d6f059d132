//! The resolution rules: from the rows covering a packet's ports to one decision.
//!
//! The port table keeps each port's entries sorted by their [`Rank`], so within one side the
//! first confirmed entry beats every later one: a side's scan stops there. Across the sides,
//! [`Rank::key`] compares the two bests, ties going to the destination.

use crate::signature;
use crate::{
    Candidate, Decision, Entry, Evidence, Label, Outcome, Packet, PayloadCheck, PortTable, Reason,
    Side, Transport,
};
use swyx_matrix::layout::{DecisiveSet, HotEntry, Lanes, Rank};

/// The bytes `b` for which `$test` holds, as a table of 256 flags (after httparse's
/// `byte_map!`): a signature's first bytes, declared from a pattern.
macro_rules! byte_set {
    (|$b:ident| $test:expr) => {{
        let mut set = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            set[i] = $test;
            i += 1;
        }
        set
    }};
}

/// A signature check: payload, wire length, and whether the payload is a datagram.
type Check = fn(&[u8], usize, bool) -> bool;

/// One payload signature as the resolution sees it. [`FIRST_BYTE`] and [`UNSIGNED`] derive
/// from [`SIGNATURES`]; [`Signatures::run`] dispatches on the same bits by hand (a loop over
/// the table would cost instructions per packet), and a test holds it to the table.
struct Descriptor {
    /// The bit the signature confirms: its label's [`Label::bit`], or [`TLS`].
    bit: u16,
    /// Whether it runs on UDP datagrams.
    udp: bool,
    /// Whether it runs on TCP payloads.
    tcp: bool,
    /// The bytes a matching payload can start with.
    first: [bool; 256],
    /// The check itself; read by the tests that hold [`Signatures::run`] to the table.
    #[cfg_attr(not(test), allow(dead_code))]
    check: Check,
}

const TLS: u16 = HotEntry::TLS;

/// Every payload signature. A label none of them confirms on a transport has no signature
/// there: nothing confirms or contradicts it.
const SIGNATURES: [Descriptor; 9] = [
    // RTP and RTCP: version 2. An RTCP packet on an RTP range counts as RTP.
    Descriptor {
        bit: Label::Rtp.bit(),
        udp: true,
        tcp: false,
        first: byte_set!(|b| b >> 6 == 2),
        check: |p, n, _| signature::rtp(p, n),
    },
    Descriptor {
        bit: Label::Rtp.bit(),
        udp: true,
        tcp: false,
        first: byte_set!(|b| b >> 6 == 2),
        check: |p, n, _| signature::rtcp(p, n),
    },
    // SIP: CR or LF before the start line, a status line or a method's initial.
    Descriptor {
        bit: Label::Sip.bit(),
        udp: true,
        tcp: true,
        first: byte_set!(|b| matches!(
            b,
            b'\r'
                | b'\n'
                | b'S'
                | b's'
                | b'I'
                | b'A'
                | b'B'
                | b'C'
                | b'R'
                | b'O'
                | b'P'
                | b'N'
                | b'M'
                | b'U'
        )),
        check: |p, n, _| signature::sip(p, n),
    },
    // UDPTL starts with a sequence number: any byte.
    Descriptor {
        bit: Label::T38.bit(),
        udp: true,
        tcp: false,
        first: byte_set!(|_b| true),
        check: |p, n, _| signature::udptl(p, n),
    },
    // H.225 in TPKT version 3.
    Descriptor {
        bit: Label::H323.bit(),
        udp: false,
        tcp: true,
        first: byte_set!(|b| b == 3),
        check: |p, n, _| signature::h225(p, n),
    },
    // LDAP: a BER SEQUENCE.
    Descriptor {
        bit: Label::Ldap.bit(),
        udp: true,
        tcp: true,
        first: byte_set!(|b| b == 0x30),
        check: signature::ldap,
    },
    // NTP: version 1-4, mode 1-7.
    Descriptor {
        bit: Label::Ntp.bit(),
        udp: true,
        tcp: false,
        first: byte_set!(|b| matches!((b >> 3) & 0x07, 1..=4) && b & 0x07 != 0),
        check: |p, n, _| signature::ntp(p, n),
    },
    // FTP: a reply code's first digit, or a command's first letter.
    Descriptor {
        bit: Label::Ftp.bit(),
        udp: false,
        tcp: true,
        first: byte_set!(|b| matches!(b, b'1'..=b'5' | b'a'..=b'z' | b'A'..=b'Z')),
        check: |p, n, _| signature::ftp(p, n),
    },
    // A TLS record header, content types 20-24, on the ports the matrix marks as TLS.
    Descriptor {
        bit: TLS,
        udp: true,
        tcp: true,
        first: byte_set!(|b| matches!(b, 20..=24)),
        check: |p, n, _| signature::tls(p, n),
    },
];

/// The labels without a signature on `transport`.
const fn unsigned_on(transport: Transport) -> u16 {
    let mut labels = 0;
    let mut i = 0;
    while i < Label::ALL.len() {
        labels |= Label::ALL[i].bit();
        i += 1;
    }
    let mut i = 0;
    while i < SIGNATURES.len() {
        let runs = match transport {
            Transport::Udp => SIGNATURES[i].udp,
            Transport::Tcp => SIGNATURES[i].tcp,
        };
        if runs {
            labels &= !SIGNATURES[i].bit;
        }
        i += 1;
    }
    labels
}

/// The labels without a signature, by [`Transport`] discriminant.
const UNSIGNED: [u16; 2] = {
    let mut unsigned = [0; 2];
    unsigned[Transport::Udp as usize] = unsigned_on(Transport::Udp);
    unsigned[Transport::Tcp as usize] = unsigned_on(Transport::Tcp);
    unsigned
};

/// The signatures of RTP, SIP and T.38.
const MEDIA_AND_SIP: u16 = Label::Rtp.bit() | Label::Sip.bit() | Label::T38.bit();

/// For each first payload byte, the signatures (label bits and [`TLS`]) that can match a
/// payload starting with it: those of [`SIGNATURES`] whose first bytes hold it; every other
/// bit is set. A signature outside the mask fails on its first byte, so the table settles most
/// of them with one load.
const FIRST_BYTE: [u16; 256] = {
    let mut table = [u16::MAX; 256];
    let mut b = 0;
    while b < 256 {
        let (mut bits, mut can) = (0, 0);
        let mut i = 0;
        while i < SIGNATURES.len() {
            bits |= SIGNATURES[i].bit;
            if SIGNATURES[i].first[b] {
                can |= SIGNATURES[i].bit;
            }
            i += 1;
        }
        table[b] = !(bits & !can);
        b += 1;
    }
    table
};

/// Signature results for one payload, each signature run at most once.
#[derive(Debug, Clone)]
pub(crate) struct Signatures<'a> {
    payload: &'a [u8],
    wire_len: usize,
    udp: bool,
    /// Label bits (and [`TLS`]) whose signature has run.
    evaluated: u16,
    /// Label bits (and [`TLS`]) the payload matched.
    confirmed: u16,
    /// Labels the payload can neither confirm nor contradict: every label when the payload
    /// may not contradict (TCP, empty, truncated), else those without a signature.
    neutral: u16,
    /// The RTP label matched as RTCP.
    rtcp: bool,
}

impl<'a> Signatures<'a> {
    #[inline(always)]
    pub(crate) fn new(packet: &Packet<'a>) -> Signatures<'a> {
        Signatures::starting(packet, false)
    }

    /// Like [`Signatures::new`]; with `tcp_message_start`, a TCP payload is known to start a
    /// message (the first payload segment of a direction after the handshake) and may
    /// contradict like a UDP datagram.
    #[inline(always)]
    pub(crate) fn starting(packet: &Packet<'a>, tcp_message_start: bool) -> Signatures<'a> {
        // Selected without branches: TCP and UDP interleave unpredictably.
        let udp = packet.transport == Transport::Udp;
        let unsigned = UNSIGNED[packet.transport as usize];
        let captured = packet.payload.len();
        let wire_len = packet.payload_len as usize;
        // A whole, non-empty UDP datagram (or a known message start) may contradict.
        let may_contradict = (udp | tcp_message_start) & (captured != 0) & (captured >= wire_len);
        Signatures {
            payload: packet.payload,
            wire_len,
            udp,
            // No signature matches an empty payload: nothing to run.
            evaluated: if captured == 0 { u16::MAX } else { unsigned },
            confirmed: 0,
            neutral: if may_contradict { unsigned } else { u16::MAX },
            rtcp: false,
        }
    }

    /// Runs the signatures of `mask` (label bits and [`TLS`]) not run yet. Those that cannot
    /// match a payload starting with its first byte are settled by [`FIRST_BYTE`], without a
    /// branch each.
    #[inline(always)]
    fn evaluate(&mut self, mask: u16) {
        // An empty payload has every bit in `evaluated`: the byte read for it does not count.
        let first = self.payload.first().map_or(0, |&b| usize::from(b));
        let todo = mask & !self.evaluated & FIRST_BYTE[first];
        self.evaluated |= mask;
        if todo != 0 {
            self.run(todo);
        }
    }

    /// Runs the signatures of `todo`, adding what matched to `confirmed`; the caller marks them
    /// evaluated.
    #[inline(always)]
    fn run(&mut self, todo: u16) {
        let (p, n) = (self.payload, self.wire_len);
        let mut hit = 0;
        // Media and SIP first, in a group: most packets on a SwyxWare network are RTP, and
        // most need no signature of the other group. An RTCP packet on an RTP range counts as
        // RTP (see `Decision::rtcp`).
        if todo & MEDIA_AND_SIP != 0 {
            if todo & Label::Rtp.bit() != 0 {
                if signature::rtp(p, n) {
                    hit |= Label::Rtp.bit();
                } else if signature::rtcp(p, n) {
                    hit |= Label::Rtp.bit();
                    self.rtcp = true;
                }
            }
            if todo & Label::Sip.bit() != 0 && signature::sip(p, n) {
                hit |= Label::Sip.bit();
            }
            if todo & Label::T38.bit() != 0 && signature::udptl(p, n) {
                hit |= Label::T38.bit();
            }
            if todo & !MEDIA_AND_SIP == 0 {
                self.confirmed |= hit;
                return;
            }
        }
        // The header-only signatures, run without a branch each: a few byte tests cost less
        // than a mispredicted jump around them.
        let fixed = (u16::from(signature::h225(p, n)) * Label::H323.bit())
            | (u16::from(signature::ntp(p, n)) * Label::Ntp.bit())
            | (u16::from(signature::tls(p, n)) * TLS);
        hit |= fixed & todo;
        if todo & Label::Ldap.bit() != 0 && signature::ldap(p, n, self.udp) {
            hit |= Label::Ldap.bit();
        }
        if todo & Label::Ftp.bit() != 0 && signature::ftp(p, n) {
            hit |= Label::Ftp.bit();
        }
        self.confirmed |= hit;
    }

    /// [`Signatures::run`] as a call, for the paths that check one entry at a time.
    #[inline(never)]
    fn run_outlined(&mut self, todo: u16) {
        self.run(todo);
        self.evaluated |= todo;
    }

    /// What the payload makes of an entry with these hot fields, its signatures already run.
    #[inline(always)]
    fn verdict(&self, hot: HotEntry) -> PayloadCheck {
        if hot.signed & self.confirmed != 0 {
            PayloadCheck::Confirmed
        } else if hot.labels & self.neutral != 0 || hot.labels == 0 {
            PayloadCheck::Unknown
        } else {
            PayloadCheck::Contradicted
        }
    }

    /// The label a counting `entry` decides: the first of its labels the payload matched, else
    /// its first.
    #[inline(always)]
    fn label_of(&self, entry: &Entry) -> Option<Label> {
        let labels = entry.labels.as_slice();
        let hit = entry.labels.mask() & self.confirmed;
        if hit != 0 {
            if let Some(&label) = labels.iter().find(|l| hit & l.bit() != 0) {
                return Some(label);
            }
        }
        labels.first().copied()
    }

    /// What the payload makes of `entry`, and the label the entry would decide.
    #[inline]
    pub(crate) fn check(&mut self, entry: &Entry) -> (PayloadCheck, Option<Label>) {
        let hot = HotEntry::of(entry);
        let todo = hot.signed & !self.evaluated;
        if todo != 0 {
            self.run_outlined(todo);
        }
        (self.verdict(hot), self.label_of(entry))
    }

    /// Whether the payload matched the RTP label as RTCP, not as RTP.
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

/// The best entry of one side: its index, and whether confirmed.
#[derive(Clone, Copy)]
struct Best {
    index: usize,
    confirmed: bool,
}

/// Scans one side's hot entries (sorted by width, role, matrix order) for the best counting
/// one; every signature they need has run. `wanted` (a label bit) restricts the scan to narrow
/// entries carrying that label or none (for the peer: a broad row says nothing about what
/// listens on a port, even when the payload that decided the label "confirms" it). The scan
/// stops at the first confirmed entry, and at the first entry that could only lose to `bound`
/// (the rank of the other side's confirmed best).
#[inline(always)]
fn best_of_side(
    hot: &[HotEntry],
    signatures: &Signatures<'_>,
    wanted: Option<u16>,
    bound: u32,
) -> Option<Best> {
    let mut unknown: Option<Best> = None;
    for (index, entry) in hot.iter().enumerate() {
        if entry.rank >= bound {
            break;
        }
        if let Some(wanted) = wanted {
            if entry.is_broad() {
                // Broad entries come last: none of the rest can be a peer either.
                break;
            }
            if entry.labels != 0 && entry.labels & wanted == 0 {
                continue;
            }
        } else if entry.labels == 0 {
            // A row without a protocol only attributes a peer.
            continue;
        }
        if entry.signed & signatures.confirmed != 0 {
            return Some(Best {
                index,
                confirmed: true,
            });
        }
        if unknown.is_none()
            && (entry.labels & signatures.neutral != 0 || entry.labels == 0)
            && !entry.is_broad()
        {
            unknown = Some(Best {
                index,
                confirmed: false,
            });
        }
    }
    unknown
}

/// The best counting entry of one side from its [`Lanes`], as [`best_of_side`] finds it
/// without `wanted`, and its sort key against the other side's ([`Rank::key`]), or
/// `u64::MAX` for none. Branch-free.
#[inline(always)]
fn best_of_lanes(lanes: &Lanes, confirmed: u64, neutral: u64) -> (Best, u64) {
    // The lowest bit set is in the first lane that is not zero: no lane flags needed.
    let confirmed_lanes = lanes.signed & confirmed;
    // Labelled (a row without labels has none in `neutral`), narrow and left unknown.
    let unknown_lanes = lanes.labels & neutral & lanes.narrow;
    let is_confirmed = confirmed_lanes != 0;
    let pick = if is_confirmed {
        confirmed_lanes
    } else {
        unknown_lanes
    };
    let index = Lanes::first(pick);
    let rank = lanes.ranks[index % Lanes::WIDTH];
    let key = if pick != 0 {
        Rank::key(is_confirmed, rank)
    } else {
        u64::MAX
    };
    (
        Best {
            index,
            confirmed: is_confirmed,
        },
        key,
    )
}

/// The peer's entry from the other side's [`Lanes`], as [`best_of_side`] finds it with
/// `wanted`: narrow, carrying the decided label or none, confirmed before unknown.
#[inline(always)]
fn peer_of_lanes(lanes: &Lanes, confirmed: u64, neutral: u64, wanted: u16) -> Option<usize> {
    let eligible =
        lanes.narrow & (lanes.unlabelled | Lanes::nonzero(lanes.labels & Lanes::broadcast(wanted)));
    let confirmed = Lanes::nonzero(lanes.signed & confirmed);
    let unknown = Lanes::nonzero(lanes.labels & neutral) | lanes.unlabelled;
    let pick = if confirmed & eligible != 0 {
        confirmed & eligible
    } else {
        unknown & eligible
    };
    (pick != 0).then(|| Lanes::first(pick))
}

/// The deciding side and its best entry, from the lanes of both ports (see
/// [`PortTable::lanes_hold_all`]); `confirmed` and `neutral` are the signatures' masks in
/// every lane.
#[inline(always)]
fn decide_by_lanes(dst: &Lanes, src: &Lanes, confirmed: u64, neutral: u64) -> Option<(Side, Best)> {
    let (d, d_key) = best_of_lanes(dst, confirmed, neutral);
    let (s, s_key) = best_of_lanes(src, confirmed, neutral);
    // Ties go to the destination.
    if s_key < d_key {
        Some((Side::Source, s))
    } else if d_key != u64::MAX {
        Some((Side::Destination, d))
    } else {
        None
    }
}

/// The deciding side and its best entry, scanning both ports' hot entries.
#[inline(always)]
fn decide_by_scan(
    dst: &[HotEntry],
    src: &[HotEntry],
    signatures: &Signatures<'_>,
) -> Option<(Side, Best)> {
    let rank = |hot: &[HotEntry], index: usize| hot.get(index).map_or(u32::MAX, |h| h.rank);
    let dst_best = best_of_side(dst, signatures, None, u32::MAX);
    // A confirmed destination entry beats every source entry of equal or greater rank.
    let bound = match dst_best {
        Some(d) if d.confirmed => rank(dst, d.index),
        _ => u32::MAX,
    };
    let src_best = best_of_side(src, signatures, None, bound);
    match (dst_best, src_best) {
        (Some(d), Some(s))
            if Rank::key(s.confirmed, rank(src, s.index))
                < Rank::key(d.confirmed, rank(dst, d.index)) =>
        {
            Some((Side::Source, s))
        }
        (Some(d), _) => Some((Side::Destination, d)),
        (None, Some(s)) => Some((Side::Source, s)),
        (None, None) => None,
    }
}

/// Applies the resolution rules to the decisive entries of each port (see
/// [`PortTable::decisive`](crate::PortTable::decisive)).
#[inline(always)]
pub(crate) fn resolve(table: &PortTable<'_>, packet: &Packet<'_>) -> Outcome {
    resolve_starting(table, packet, false)
}

/// [`resolve`], with a TCP payload that starts a message when `tcp_message_start` (see
/// [`Signatures::starting`]).
#[inline(always)]
pub(crate) fn resolve_starting(
    table: &PortTable<'_>,
    packet: &Packet<'_>,
    tcp_message_start: bool,
) -> Outcome {
    let dst = table.set(packet.transport, packet.dst_port);
    let src = table.set(packet.transport, packet.src_port);
    if dst.len | src.len == 0 {
        return Outcome::Unclassified(Reason::NoMatrixRow);
    }
    let mut signatures = Signatures::starting(packet, tcp_message_start);
    // Every signature either side could use, run up front: fewer branches than running each
    // when a scan first needs it, and each signature is cheap on a payload it rejects.
    signatures.evaluate(dst.signed | src.signed);
    let lanes = table.lanes_hold_all();
    let confirmed = Lanes::broadcast(signatures.confirmed);
    let neutral = Lanes::broadcast(signatures.neutral);
    let decided = if lanes {
        decide_by_lanes(&dst.lanes, &src.lanes, confirmed, neutral)
    } else {
        decide_by_scan(table.hot_entries(dst), table.hot_entries(src), &signatures)
    };
    let Some((side, best)) = decided else {
        return Outcome::Unclassified(if lanes {
            unclassified_reason_by_lanes(neutral, &dst.lanes, &src.lanes)
        } else {
            unclassified_reason(
                signatures.neutral,
                table.hot_entries(dst),
                table.hot_entries(src),
            )
        });
    };
    let (winning, other): (&DecisiveSet, &DecisiveSet) = match side {
        Side::Destination => (dst, src),
        Side::Source => (src, dst),
    };
    let Some(winner) = table.decisive_entry(winning, best.index) else {
        return Outcome::Unclassified(Reason::NoMatrixRow);
    };
    let Some(label) = signatures.label_of(winner) else {
        return Outcome::Unclassified(Reason::UnlabelledRowsOnly);
    };
    let port = match side {
        Side::Destination => packet.dst_port,
        Side::Source => packet.src_port,
    };
    let peer = if lanes {
        peer_of_lanes(&other.lanes, confirmed, neutral, label.bit())
    } else {
        best_of_side(
            table.hot_entries(other),
            &signatures,
            Some(label.bit()),
            u32::MAX,
        )
        .map(|p| p.index)
    }
    .and_then(|index| table.decisive_entry(other, index))
    .map(|entry| entry.component);
    let confirmed = best.confirmed;
    Outcome::Labelled(Decision {
        label,
        component: winner.component,
        role: winner.role,
        side,
        port,
        range: winner.range,
        row: winner.row,
        evidence: if confirmed {
            Evidence::Confirmed
        } else {
            Evidence::PortOnly
        },
        rtcp: confirmed && label == Label::Rtp && signatures.is_rtcp(),
        peer,
    })
}

/// [`unclassified_reason`] from the lanes of both ports: the same tests on all entries at once.
#[inline(always)]
fn unclassified_reason_by_lanes(neutral: u64, dst: &Lanes, src: &Lanes) -> Reason {
    let side = |lanes: &Lanes| {
        let labelled = Lanes::nonzero(lanes.labels);
        let narrow = lanes.narrow & Lanes::HIGH;
        let left_unknown = Lanes::nonzero(lanes.labels & neutral);
        (labelled & narrow & !left_unknown, labelled & !narrow)
    };
    let (dst_contradicted, dst_broad) = side(dst);
    let (src_contradicted, src_broad) = side(src);
    if dst_contradicted | src_contradicted != 0 {
        Reason::PayloadContradicts
    } else if dst_broad | src_broad != 0 {
        Reason::BroadRowWithoutEvidence
    } else {
        Reason::UnlabelledRowsOnly
    }
}

/// Why no row counted: a narrow row the payload contradicts, else a broad row without
/// evidence, else only rows without a protocol. The decisive entries tell as much as all
/// entries would: an entry dominated by another is narrow only if that one is, and carries
/// labels only if that one does, so whatever the dominated entry shows, its dominator shows
/// too.
#[cold]
fn unclassified_reason(neutral: u16, dst: &[HotEntry], src: &[HotEntry]) -> Reason {
    // A scan: a table with more decisive entries per port than lanes hold.
    let mut broad_dropped = false;
    for entry in dst.iter().chain(src).filter(|e| e.labels != 0) {
        if !entry.is_broad() && entry.labels & neutral == 0 {
            // Labelled, narrow, not confirmed (no entry was) and not neutral: contradicted.
            return Reason::PayloadContradicts;
        }
        broad_dropped |= entry.is_broad();
    }
    if broad_dropped {
        Reason::BroadRowWithoutEvidence
    } else {
        Reason::UnlabelledRowsOnly
    }
}

#[cfg(test)]
mod tests {
    use super::{Signatures, FIRST_BYTE, SIGNATURES, TLS};
    use crate::{Label, Packet, Transport};
    use proptest::prelude::*;

    /// Payloads of the real protocols, to start generated ones with.
    const STARTS: [&[u8]; 9] = [
        b"",
        b"\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef",
        b"\x81\xc8\x00\x06\xde\xad\xbe\xef",
        b"INVITE sip:1@h SIP/2.0\r\n",
        b"\x03\x00\x00\x10\x08\x02\x00\x01",
        b"\x30\x0c\x02\x01\x01\x60\x07",
        b"\x23\x00",
        b"USER anonymous\r\n",
        b"\x16\x03\x01\x00\x05",
    ];

    proptest! {
        #[test]
        fn a_matching_payload_starts_with_a_byte_its_mask_allows(
            rest in prop::collection::vec(any::<u8>(), 0..64),
            first in any::<u8>(),
            tail in prop::sample::select(vec![
                &b""[..], b"sip:1@h SIP/2.0\r\n", b" 200 OK\r\n", b"\x00\x00\x10\x08\x02\x00\x01",
            ]),
        ) {
            let mut payload = vec![first];
            payload.extend_from_slice(&rest);
            payload.extend_from_slice(tail);
            for d in &SIGNATURES {
                for datagram in [true, false] {
                    if (d.check)(&payload, payload.len(), datagram) {
                        prop_assert!(d.first[usize::from(first)], "{:#x} {payload:?}", d.bit);
                        prop_assert!(FIRST_BYTE[usize::from(first)] & d.bit != 0, "{:#x} {payload:?}", d.bit);
                    }
                }
            }
        }

        #[test]
        fn run_confirms_what_the_checks_of_the_table_match(
            start in prop::sample::select(STARTS.to_vec()),
            rest in prop::collection::vec(any::<u8>(), 0..48),
            cut in any::<prop::sample::Index>(),
            udp in any::<bool>(),
        ) {
            let mut payload = start.to_vec();
            payload.extend_from_slice(&rest);
            payload.truncate(cut.index(payload.len() + 1));
            let transport = if udp { Transport::Udp } else { Transport::Tcp };
            let packet = Packet::new(transport, 1000, 2000, &payload);
            let mut signatures = Signatures::new(&packet);
            signatures.evaluate(u16::MAX);
            let expected = SIGNATURES
                .iter()
                .filter(|d| if udp { d.udp } else { d.tcp })
                .filter(|d| (d.check)(&payload, payload.len(), udp))
                .fold(0, |mask, d| mask | d.bit);
            prop_assert_eq!(signatures.confirmed, expected, "{:?} {:?}", transport, payload);
        }
    }

    #[test]
    fn the_mask_of_each_first_byte_allows_the_real_protocols() {
        let cases: [(&[u8], u16); 8] = [
            (
                b"\x80\x00\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef",
                Label::Rtp.bit(),
            ),
            (b"INVITE sip:1@h SIP/2.0\r\n", Label::Sip.bit()),
            (b"SIP/2.0 200 OK\r\n", Label::Sip.bit()),
            (b"\x03\x00\x00\x10\x08\x02\x00\x01", Label::H323.bit()),
            (b"\x30\x0c\x02\x01\x01\x60\x07", Label::Ldap.bit()),
            (b"\x23\x00", Label::Ntp.bit()),
            (b"USER anonymous\r\n", Label::Ftp.bit()),
            (b"\x16\x03\x01\x00\x05", TLS),
        ];
        for (payload, bit) in cases {
            assert!(
                FIRST_BYTE[usize::from(payload[0])] & bit != 0,
                "{payload:?}"
            );
        }
        // And settles what cannot match.
        assert_eq!(FIRST_BYTE[0x80] & Label::Sip.bit(), 0);
        assert_eq!(FIRST_BYTE[b'I' as usize] & Label::Rtp.bit(), 0);
        assert_eq!(
            FIRST_BYTE[0x16] & (Label::H323.bit() | Label::Ldap.bit()),
            0
        );
    }
}
