//! The port table's layout: for the generated table and the classifier only.
//!
//! Outside semver: everything here may change in any release, with the hot path it serves.
//! A caller reads a table through [`PortTable::lookup`] and builds one with
//! [`OwnedPortTable::build`]; the types of this module, the `#[doc(hidden)]` methods of
//! [`PortTable`] (`from_parts`, `set`, `decisive`, `lookup_decisive`, `decisive_entries`,
//! `hot_entries`, `decisive_entry`, `lanes_hold_all`, `max_decisive`, `set_count`) and
//! [`OwnedPortTable::to_rust_source`] are what `build.rs` of the classifier generates and what
//! its resolution reads per packet.

use crate::table::{set_range, PORTS};
use crate::{Entry, Label, Matrix, OwnedPortTable, PortTable, Role, Transport, BROAD_RANGE_WIDTH};
use std::fmt::Write as _;

/// The resolution order, stated once: among the rows covering a packet's ports, a row the
/// payload confirms beats one it leaves unknown; then the narrowest range wins; then a row
/// whose component listens on the port beats one whose component connects to it; then the
/// destination port beats the source port; then matrix order. A smaller rank is better.
///
/// Every other order key is a part of this one: [`Entry::order_key`] (the entries of one port:
/// one side, no evidence yet), [`Rank::port`] in [`HotEntry::rank`] and [`Lanes::ranks`] (width
/// and role: what compares entries of different ports), [`Rank::key`] (with the evidence: what
/// the resolution compares across the two sides, ties going to the destination), and the
/// lanes' order (lane `i` holds a port's `i`-th entry by this rank).
///
/// Packed, most significant first: not confirmed (bit 40), width (bits 20..40), connects
/// (bit 19), source side (bit 18), matrix row (bits 0..16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank(pub u64);

impl Rank {
    /// Where the part [`Rank::key`] compares begins: the role bit, above side and row.
    pub const KEY_SHIFT: u32 = 19;
    const SIDE_SHIFT: u32 = 18;
    const WIDTH_SHIFT: u32 = 20;
    const UNCONFIRMED_SHIFT: u32 = 40;

    /// The rank of a row's range `width` ports wide on one side of a packet.
    #[inline(always)]
    pub const fn new(confirmed: bool, width: u32, role: Role, source: bool, row: u16) -> Rank {
        Rank(
            ((!confirmed as u64) << Rank::UNCONFIRMED_SHIFT)
                | ((width as u64) << Rank::WIDTH_SHIFT)
                | ((role as u64) << Rank::KEY_SHIFT)
                | ((source as u64) << Rank::SIDE_SHIFT)
                | row as u64,
        )
    }

    /// The rank of `entry` among the entries of its port (confirmed, destination side: the
    /// same for all of them).
    #[inline(always)]
    pub const fn of_entry(entry: &Entry) -> Rank {
        Rank::new(true, entry.range.width(), entry.role, false, entry.row)
    }

    /// The part of a rank that compares entries of different ports before their evidence:
    /// `width << 1 | role`, a rank's width and role bits.
    #[inline(always)]
    pub const fn port(width: u32, role: Role) -> u32 {
        (Rank::new(true, width, role, false, 0).0 >> Rank::KEY_SHIFT) as u32
    }

    /// The part of a rank that compares candidates of the two sides (evidence, width, role):
    /// `self` without its side and row. Equal keys go to the destination, which the side bit
    /// below them prefers.
    #[inline(always)]
    pub const fn key_part(self) -> u64 {
        self.0 >> Rank::KEY_SHIFT
    }

    /// [`Rank::key_part`] from the evidence and a [`Rank::port`], as the hot path builds it.
    #[inline(always)]
    pub const fn key(confirmed: bool, port: u32) -> u64 {
        ((!confirmed as u64) << (Rank::UNCONFIRMED_SHIFT - Rank::KEY_SHIFT)) | port as u64
    }
}

/// The fields of a decisive [`Entry`] the resolution's hot path reads, packed in 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HotEntry {
    /// The entry's [`Labels::mask`](crate::Labels::mask), with [`HotEntry::TLS`] added on a
    /// TLS range: every signature that can confirm the entry. 0 for a row without labels: no
    /// payload confirms it (it only attributes a peer).
    pub signed: u16,
    /// The entry's [`Labels::mask`](crate::Labels::mask).
    pub labels: u16,
    /// The entry's [`Rank::port`]: the part of its [`Rank`] that compares entries of
    /// different ports.
    pub rank: u32,
}

impl HotEntry {
    /// The bit of [`HotEntry::signed`] that stands for a TLS record header (above every
    /// [`Label::bit`](crate::Label::bit)).
    pub const TLS: u16 = 1 << 15;
    /// Ranks above this one are broad (see [`PortRange::is_broad`]).
    pub const BROADEST_NARROW_RANK: u32 = Rank::port(BROAD_RANGE_WIDTH, Role::Connects);

    /// The hot fields of `entry`.
    pub const fn of(entry: &Entry) -> HotEntry {
        let labels = entry.labels.mask();
        HotEntry {
            signed: if entry.range.tls && labels != 0 {
                labels | HotEntry::TLS
            } else {
                labels
            },
            labels,
            rank: Rank::port(entry.range.width(), entry.role),
        }
    }

    /// Whether the entry's range is broad.
    #[inline(always)]
    pub const fn is_broad(&self) -> bool {
        self.rank > HotEntry::BROADEST_NARROW_RANK
    }
}

/// Where one candidate set's decisive entries sit, the signatures they need, and their hot
/// fields side by side: all a resolution reads of a port, in one 56-byte record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DecisiveSet {
    /// Index of the first entry in the decisive arrays.
    pub start: u32,
    /// The number of entries.
    pub len: u16,
    /// The union of the entries' [`HotEntry::signed`].
    pub signed: u16,
    /// The hot fields of the first [`Lanes::WIDTH`] entries.
    pub lanes: Lanes,
}

impl DecisiveSet {
    /// The set of no entries.
    pub const EMPTY: DecisiveSet = DecisiveSet {
        start: 0,
        len: 0,
        signed: 0,
        lanes: Lanes::EMPTY,
    };
}

/// The hot fields of a set's first [`Lanes::WIDTH`] decisive entries side by side, one 16-bit
/// lane per entry (lane `i` is bits `16 * i..16 * i + 16`), so that a resolution can test them
/// all with a few word operations instead of a loop of branches. Lanes past the set's entries
/// hold zeros (and the rank `u32::MAX`). Lane `i` holds the set's `i`-th entry in [`Rank`]
/// order, so the first lane of a mask is the best of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lanes {
    /// Lane `i`: entry `i`'s [`HotEntry::signed`].
    pub signed: u64,
    /// Lane `i`: entry `i`'s [`HotEntry::labels`].
    pub labels: u64,
    /// `0xffff` in the lanes of narrow entries.
    pub narrow: u64,
    /// [`Lanes::HIGH`] in the lanes of entries without labels.
    pub unlabelled: u64,
    /// Entry `i`'s [`HotEntry::rank`].
    pub ranks: [u32; Lanes::WIDTH],
}

impl Lanes {
    /// Entries per word.
    pub const WIDTH: usize = 4;
    /// Bit 0 of every lane.
    pub const LOW: u64 = 0x0001_0001_0001_0001;
    /// Bit 15 of every lane: the flag bit of a lane mask.
    pub const HIGH: u64 = 0x8000_8000_8000_8000;
    /// Lanes for no entry.
    pub const EMPTY: Lanes = Lanes {
        signed: 0,
        labels: 0,
        narrow: 0,
        unlabelled: 0,
        ranks: [u32::MAX; Lanes::WIDTH],
    };

    /// The lanes of `hot` (at most [`Lanes::WIDTH`] entries; further ones are left out).
    pub fn of(hot: &[HotEntry]) -> Lanes {
        let mut lanes = Lanes::EMPTY;
        for (i, entry) in hot.iter().take(Lanes::WIDTH).enumerate() {
            let shift = 16 * i;
            lanes.signed |= u64::from(entry.signed) << shift;
            lanes.labels |= u64::from(entry.labels) << shift;
            if !entry.is_broad() {
                lanes.narrow |= 0xffff << shift;
            }
            if entry.labels == 0 {
                lanes.unlabelled |= 0x8000 << shift;
            }
            lanes.ranks[i] = entry.rank;
        }
        lanes
    }

    /// `mask` in every lane.
    #[inline(always)]
    pub const fn broadcast(mask: u16) -> u64 {
        mask as u64 * Lanes::LOW
    }

    /// [`Lanes::HIGH`] in each lane of `x` that is not zero.
    #[inline(always)]
    pub const fn nonzero(x: u64) -> u64 {
        (((x & !Lanes::HIGH) + !Lanes::HIGH) | x) & Lanes::HIGH
    }

    /// The first lane of `mask` that is not zero; [`Lanes::WIDTH`] when none is.
    #[inline(always)]
    pub const fn first(mask: u64) -> usize {
        (mask.trailing_zeros() / 16) as usize
    }
}

/// One port's decisive entries in both forms, and the signatures they need.
#[derive(Debug, Clone, Copy, Default)]
pub struct Decisive<'a> {
    /// The entries (see [`PortTable::lookup_decisive`]).
    pub entries: &'a [Entry],
    /// Their hot fields, index for index.
    pub hot: &'a [HotEntry],
    /// The union of the hot entries' [`HotEntry::signed`].
    pub signed: u16,
}

// The layout borrows bit 15 of a label mask for TLS: every label's bit must lie below it.
const _: () = {
    let mut i = 0;
    while i < Label::ALL.len() {
        assert!(
            Label::ALL[i].bit() < HotEntry::TLS,
            "a label's bit collides with HotEntry::TLS"
        );
        i += 1;
    }
};

/// Whether `earlier`, ahead of `later` in one port's resolution order, makes `later`
/// irrelevant to the decision and to the peer: `later`'s labels are a subset of `earlier`'s
/// (so whenever the payload confirms `later`, it confirms `earlier`; whenever it leaves `later`
/// unknown, it leaves `earlier` unknown or confirmed), a row without a protocol is only
/// dominated by another, and TLS on `later`'s port is TLS on `earlier`'s.
pub fn dominates(earlier: &Entry, later: &Entry) -> bool {
    let (e, l) = (earlier.labels.mask(), later.labels.mask());
    l & !e == 0
        && (l != 0 || e == 0)
        && (!later.range.tls || earlier.range.tls)
        && (earlier.range.is_broad() <= later.range.is_broad())
}

/// Every (row, range) of `matrix` that applies to `transport`.
pub fn entries_for(matrix: &Matrix, transport: Transport) -> Vec<Entry> {
    let mut out = Vec::new();
    for (index, row) in matrix.rows.iter().enumerate() {
        if !row.has_transport(transport) {
            continue;
        }
        for range in &row.ranges {
            out.push(Entry {
                row: index as u16,
                component: row.component,
                labels: row.labels,
                role: row.role,
                range: *range,
            });
        }
    }
    out
}

impl<'a> PortTable<'a> {
    #[doc(hidden)]
    /// Assembles a table from its parts; generated code calls this. Set `i` is
    /// `entries[set_starts[i]..set_starts[i + 1]]`; its decisive entries are the
    /// `decisive_sets[i].len` entries of `decisive` (and of `hot`, their hot fields) from
    /// `decisive_sets[i].start`; `ports[p]` is the set id of UDP port `p`, `ports[65536 + p]`
    /// that of TCP port `p`. Each set's [`Lanes`] must hold the hot fields of its first
    /// entries ([`Lanes::of`]): the classifier reads them instead of `hot` where every set fits
    /// its lanes. Parts that disagree classify wrongly, but never panic.
    pub const fn from_parts(
        entries: &'a [Entry],
        set_starts: &'a [u32],
        decisive: &'a [Entry],
        hot: &'a [HotEntry],
        decisive_sets: &'a [DecisiveSet],
        ports: &'a [u16; 2 * PORTS],
    ) -> PortTable<'a> {
        let mut lanes_hold_all = true;
        let mut i = 0;
        while i < decisive_sets.len() {
            lanes_hold_all &= decisive_sets[i].len as usize <= Lanes::WIDTH;
            i += 1;
        }
        PortTable {
            entries,
            set_starts,
            decisive,
            hot,
            decisive_sets,
            ports,
            lanes_hold_all,
        }
    }

    #[doc(hidden)]
    /// The *decisive* entries covering `port`: [`lookup`](PortTable::lookup) without the
    /// entries an earlier one dominates (see [`dominates`]). Under the resolution rules a
    /// dominated entry never decides and never names a peer, so the hot path reads only these.
    #[inline]
    pub fn lookup_decisive(&self, transport: Transport, port: u16) -> &'a [Entry] {
        self.decisive(transport, port).entries
    }

    #[doc(hidden)]
    /// The decisive entries of `port` with their hot fields and the signatures they need: what
    /// the classifier reads per packet.
    #[inline(always)]
    pub fn decisive(&self, transport: Transport, port: u16) -> Decisive<'a> {
        let set = self.set(transport, port);
        Decisive {
            entries: self.decisive_entries(set),
            hot: self.hot_entries(set),
            signed: set.signed,
        }
    }

    #[doc(hidden)]
    /// The decisive set of `port`: what the classifier reads per packet, one load after the
    /// port's set id. [`DecisiveSet::EMPTY`] where no row covers the port.
    #[inline(always)]
    pub fn set(&self, transport: Transport, port: u16) -> &'a DecisiveSet {
        self.decisive_sets
            .get(self.set_id(transport, port))
            .unwrap_or(&DecisiveSet::EMPTY)
    }

    #[doc(hidden)]
    /// The decisive entries of `set` (one of this table's).
    #[inline(always)]
    pub fn decisive_entries(&self, set: &DecisiveSet) -> &'a [Entry] {
        self.decisive.get(set_range(set)).unwrap_or(&[])
    }

    #[doc(hidden)]
    /// The hot fields of the decisive entries of `set` (one of this table's).
    #[inline(always)]
    pub fn hot_entries(&self, set: &DecisiveSet) -> &'a [HotEntry] {
        self.hot.get(set_range(set)).unwrap_or(&[])
    }

    #[doc(hidden)]
    /// The decisive entry `index` of `set` (one of this table's).
    #[inline(always)]
    pub fn decisive_entry(&self, set: &DecisiveSet, index: usize) -> Option<&'a Entry> {
        if index < usize::from(set.len) {
            self.decisive.get(set.start as usize + index)
        } else {
            None
        }
    }

    #[doc(hidden)]
    /// Whether every set's decisive entries fit its [`Lanes`] (no port has more than
    /// [`Lanes::WIDTH`]), so that a resolution may read the lanes alone.
    #[inline(always)]
    pub fn lanes_hold_all(&self) -> bool {
        self.lanes_hold_all
    }

    #[doc(hidden)]
    /// The largest number of decisive entries one port has.
    pub fn max_decisive(&self) -> usize {
        self.decisive_sets
            .iter()
            .map(|set| usize::from(set.len))
            .max()
            .unwrap_or(0)
    }

    #[doc(hidden)]
    /// The number of distinct candidate sets (the empty set included).
    pub fn set_count(&self) -> usize {
        self.set_starts.len().saturating_sub(1)
    }
}

impl OwnedPortTable {
    #[doc(hidden)]
    /// Rust source defining the table as statics, with a "generated, do not edit" header;
    /// `build.rs` of the classifier writes it to `OUT_DIR`. The source defines
    /// `pub const <name>: ::swyx_matrix::PortTable<'static>` over statics holding the parts.
    pub fn to_rust_source(&self, name: &str, source: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// @generated by swyx_matrix::OwnedPortTable::to_rust_source from {source}.\n\
             // Do not edit: change the matrix file and rebuild.\n"
        );
        write_entries(&mut out, "ENTRIES", &self.entries);
        write_entries(&mut out, "DECISIVE", &self.decisive);
        let _ = writeln!(
            out,
            "static SET_STARTS: [u32; {}] = {:?};\n",
            self.set_starts.len(),
            self.set_starts
        );
        write_array(
            &mut out,
            "HOT",
            "::swyx_matrix::layout::HotEntry",
            &self.hot,
            |h| {
                format!(
                    "::swyx_matrix::layout::HotEntry {{ signed: {}, labels: {}, rank: {} }}",
                    h.signed, h.labels, h.rank
                )
            },
        );
        write_array(
            &mut out,
            "DECISIVE_SETS",
            "::swyx_matrix::layout::DecisiveSet",
            &self.decisive_sets,
            |d| {
                let l = &d.lanes;
                format!(
                    "::swyx_matrix::layout::DecisiveSet {{ start: {}, len: {}, signed: {}, \
                     lanes: ::swyx_matrix::layout::Lanes {{ signed: {:#x}, labels: {:#x}, \
                     narrow: {:#x}, unlabelled: {:#x}, ranks: {:?} }} }}",
                    d.start, d.len, d.signed, l.signed, l.labels, l.narrow, l.unlabelled, l.ranks
                )
            },
        );
        let _ = writeln!(out, "static PORTS: [u16; {}] = [", self.ports.len());
        // One line per 64 ports.
        for line in self.ports.chunks(64) {
            let ids: Vec<String> = line.iter().map(u16::to_string).collect();
            let _ = writeln!(out, "    {},", ids.join(","));
        }
        out.push_str("];\n\n");
        let _ = writeln!(
            out,
            "/// The port table generated from {source}: a constant, so that code using it\n\
             /// knows its parts' addresses and lengths at compile time.\n\
             pub const {name}: ::swyx_matrix::PortTable<'static> = ::swyx_matrix::PortTable::from_parts(\
             &ENTRIES, &SET_STARTS, &DECISIVE, &HOT, &DECISIVE_SETS, &PORTS);"
        );
        out
    }
}

/// Writes `static NAME: [TYPE; N] = [...];`, one item per line.
fn write_array<T>(
    out: &mut String,
    name: &str,
    item_type: &str,
    items: &[T],
    item: impl Fn(&T) -> String,
) {
    let _ = writeln!(out, "static {name}: [{item_type}; {}] = [", items.len());
    for value in items {
        let _ = writeln!(out, "    {},", item(value));
    }
    out.push_str("];\n\n");
}

fn write_entries(out: &mut String, name: &str, entries: &[Entry]) {
    let _ = writeln!(
        out,
        "static {name}: [::swyx_matrix::Entry; {}] = [",
        entries.len()
    );
    for e in entries {
        let labels: Vec<String> = e
            .labels
            .iter()
            .map(|l| format!("::swyx_matrix::Label::{}", l.variant()))
            .collect();
        let _ = writeln!(
            out,
            "    ::swyx_matrix::Entry {{ row: {}, component: ::swyx_matrix::Component::{}, \
                 labels: ::swyx_matrix::Labels::new(&[{}]), role: ::swyx_matrix::Role::{:?}, \
                 range: ::swyx_matrix::PortRange {{ low: {}, high: {}, tls: {} }} }},",
            e.row,
            e.component.variant(),
            labels.join(", "),
            e.role,
            e.range.low,
            e.range.high,
            e.range.tls
        );
    }
    out.push_str("];\n\n");
}
