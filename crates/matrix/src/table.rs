//! Port tables: for each transport and port, the matrix rows that cover it, ordered for the
//! resolution rules. Ports map to deduplicated *candidate sets* through one flat array of set
//! ids (2 x 65536 x 2 bytes): one load per port, where a two-level index would chain two.

use crate::{Component, Labels, Matrix, MatrixError, MatrixErrorKind, PortRange, Role, Transport};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Ranges wider than this many ports are *broad*: wider than any port block one service
/// allocates (the largest non-broad range of the SwyxWare 2013 matrix is 1001 ports, the
/// narrowest broad one 4096). A broad row only counts when the payload confirms it.
pub const BROAD_RANGE_WIDTH: u32 = 2048;

/// One matrix row's range, as a port table stores it: what a candidate is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Index of the row in [`Matrix::rows`]: its matrix order.
    pub row: u16,
    /// The row's component.
    pub component: Component,
    /// The row's labels, in order of preference.
    pub labels: Labels,
    /// Whether the component listens on the range or connects to it.
    pub role: Role,
    /// The covering range.
    pub range: PortRange,
}

impl Entry {
    /// The resolution order among entries of one port: narrowest range first, then rows whose
    /// component listens on the port before rows whose component connects to it, then matrix
    /// order.
    #[inline]
    pub fn order_key(&self) -> (u32, Role, u16) {
        (self.range.width(), self.role, self.row)
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
    /// `width << 1 | role`: the part of [`Entry::order_key`] that compares entries of
    /// different ports.
    pub rank: u32,
}

impl HotEntry {
    /// The bit of [`HotEntry::signed`] that stands for a TLS record header (above every
    /// [`Label::bit`](crate::Label::bit)).
    pub const TLS: u16 = 1 << 15;
    /// Ranks above this one are broad (see [`PortRange::is_broad`]).
    pub const BROADEST_NARROW_RANK: u32 = (BROAD_RANGE_WIDTH << 1) | 1;

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
            rank: (entry.range.width() << 1) | entry.role as u32,
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
/// hold zeros (and the rank `u32::MAX`).
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

/// A borrowed port table: the generated default (`'static`) or a view of an
/// [`OwnedPortTable`] built at run time. Lookups never panic, whatever the contents.
///
/// ```
/// use swyx_matrix::{Component, Matrix, OwnedPortTable, Transport};
/// let owned = OwnedPortTable::build(&Matrix::swyxware_2013())?;
/// let table = owned.table();
/// let entries = table.lookup(Transport::Tcp, 9094);
/// assert!(entries.iter().any(|e| e.component == Component::ConfigDataStore));
/// # Ok::<(), swyx_matrix::MatrixError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortTable<'a> {
    entries: &'a [Entry],
    set_starts: &'a [u32],
    decisive: &'a [Entry],
    hot: &'a [HotEntry],
    decisive_sets: &'a [DecisiveSet],
    ports: &'a [u16; 2 * PORTS],
    lanes_hold_all: bool,
}

impl<'a> PortTable<'a> {
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

    /// The entries covering `port` on `transport`, in resolution order
    /// ([`Entry::order_key`]); empty where no row covers the port.
    #[inline]
    pub fn lookup(&self, transport: Transport, port: u16) -> &'a [Entry] {
        slice_of(self.entries, self.set_starts, self.set_id(transport, port))
    }

    /// The *decisive* entries covering `port`: [`lookup`](PortTable::lookup) without the
    /// entries an earlier one dominates (see [`dominates`]). Under the resolution rules a
    /// dominated entry never decides and never names a peer, so the hot path reads only these.
    #[inline]
    pub fn lookup_decisive(&self, transport: Transport, port: u16) -> &'a [Entry] {
        self.decisive(transport, port).entries
    }

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

    /// The decisive set of `port`: what the classifier reads per packet, one load after the
    /// port's set id. [`DecisiveSet::EMPTY`] where no row covers the port.
    #[inline(always)]
    pub fn set(&self, transport: Transport, port: u16) -> &'a DecisiveSet {
        self.decisive_sets
            .get(self.set_id(transport, port))
            .unwrap_or(&DecisiveSet::EMPTY)
    }

    /// The decisive entries of `set` (one of this table's).
    #[inline(always)]
    pub fn decisive_entries(&self, set: &DecisiveSet) -> &'a [Entry] {
        self.decisive.get(set_range(set)).unwrap_or(&[])
    }

    /// The hot fields of the decisive entries of `set` (one of this table's).
    #[inline(always)]
    pub fn hot_entries(&self, set: &DecisiveSet) -> &'a [HotEntry] {
        self.hot.get(set_range(set)).unwrap_or(&[])
    }

    /// The decisive entry `index` of `set` (one of this table's).
    #[inline(always)]
    pub fn decisive_entry(&self, set: &DecisiveSet, index: usize) -> Option<&'a Entry> {
        if index < usize::from(set.len) {
            self.decisive.get(set.start as usize + index)
        } else {
            None
        }
    }

    /// Whether every set's decisive entries fit its [`Lanes`] (no port has more than
    /// [`Lanes::WIDTH`]), so that a resolution may read the lanes alone.
    #[inline(always)]
    pub fn lanes_hold_all(&self) -> bool {
        self.lanes_hold_all
    }

    #[inline(always)]
    fn set_id(&self, transport: Transport, port: u16) -> usize {
        // In bounds by construction: no check, no branch on the transport.
        usize::from(self.ports[transport as usize * PORTS + usize::from(port)])
    }

    /// The largest number of decisive entries one port has.
    pub fn max_decisive(&self) -> usize {
        self.decisive_sets
            .iter()
            .map(|set| usize::from(set.len))
            .max()
            .unwrap_or(0)
    }

    /// The number of distinct candidate sets (the empty set included).
    pub fn set_count(&self) -> usize {
        self.set_starts.len().saturating_sub(1)
    }

    /// The table's size in bytes.
    pub fn size_in_bytes(&self) -> usize {
        core::mem::size_of_val(self.entries)
            + core::mem::size_of_val(self.set_starts)
            + core::mem::size_of_val(self.decisive)
            + core::mem::size_of_val(self.hot)
            + core::mem::size_of_val(self.decisive_sets)
            + core::mem::size_of_val(self.ports)
    }
}

#[inline(always)]
fn set_range(set: &DecisiveSet) -> core::ops::Range<usize> {
    set.start as usize..set.start as usize + usize::from(set.len)
}

#[inline]
fn slice_of<'a>(entries: &'a [Entry], starts: &[u32], set: usize) -> &'a [Entry] {
    match starts.get(set..set + 2) {
        Some(&[start, end]) => entries.get(start as usize..end as usize).unwrap_or(&[]),
        _ => &[],
    }
}

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

/// The number of ports of one transport.
const PORTS: usize = 1 << 16;

/// A port table built at run time from a [`Matrix`], by the same code that generates the
/// default table at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPortTable {
    entries: Vec<Entry>,
    set_starts: Vec<u32>,
    decisive: Vec<Entry>,
    hot: Vec<HotEntry>,
    decisive_sets: Vec<DecisiveSet>,
    ports: Box<[u16; 2 * PORTS]>,
}

impl OwnedPortTable {
    /// Builds the table of `matrix`. Fails only when the matrix has more distinct
    /// port sets than a table can index (65536).
    pub fn build(matrix: &Matrix) -> Result<OwnedPortTable, MatrixError> {
        let too_large = || MatrixError {
            line: 0,
            kind: MatrixErrorKind::TableTooLarge,
        };
        let mut entries: Vec<Entry> = Vec::new();
        let mut set_starts: Vec<u32> = vec![0, 0];
        let mut decisive: Vec<Entry> = Vec::new();
        let mut decisive_sets: Vec<DecisiveSet> = vec![DecisiveSet::EMPTY];
        let mut set_ids: HashMap<Vec<Entry>, u16> = HashMap::new();
        set_ids.insert(Vec::new(), 0);
        let mut ports = vec![0u16; 2 * PORTS];

        for (t, transport) in [Transport::Udp, Transport::Tcp].into_iter().enumerate() {
            let row_entries = entries_for(matrix, transport);
            let mut cuts: Vec<u32> = vec![0, 65536];
            for entry in &row_entries {
                cuts.push(u32::from(entry.range.low));
                cuts.push(u32::from(entry.range.high) + 1);
            }
            cuts.sort_unstable();
            cuts.dedup();

            let port_sets = &mut ports[t * PORTS..(t + 1) * PORTS];
            for window in cuts.windows(2) {
                let (start, end) = (window[0], window[1]);
                let port = start as u16;
                let mut covering: Vec<Entry> = row_entries
                    .iter()
                    .filter(|e| e.range.contains(port))
                    .copied()
                    .collect();
                covering.sort_by_key(Entry::order_key);
                let next_id = set_ids.len();
                let id = match set_ids.get(&covering) {
                    Some(&id) => id,
                    None => {
                        let id = u16::try_from(next_id).map_err(|_| too_large())?;
                        entries.extend_from_slice(&covering);
                        let end = u32::try_from(entries.len()).map_err(|_| too_large())?;
                        set_starts.push(end);
                        let start = u32::try_from(decisive.len()).map_err(|_| too_large())?;
                        let mut set = DecisiveSet {
                            start,
                            ..DecisiveSet::EMPTY
                        };
                        for (i, entry) in covering.iter().enumerate() {
                            if !covering[..i]
                                .iter()
                                .any(|earlier| dominates(earlier, entry))
                            {
                                decisive.push(*entry);
                                set.len = set.len.checked_add(1).ok_or_else(too_large)?;
                                set.signed |= HotEntry::of(entry).signed;
                            }
                        }
                        decisive_sets.push(set);
                        set_ids.insert(covering, id);
                        id
                    }
                };
                port_sets[start as usize..end as usize].fill(id);
            }
        }

        let hot: Vec<HotEntry> = decisive.iter().map(HotEntry::of).collect();
        for set in &mut decisive_sets {
            set.lanes = Lanes::of(&hot[set_range(set)]);
        }
        let ports: Box<[u16; 2 * PORTS]> = ports
            .into_boxed_slice()
            .try_into()
            .map_err(|_| too_large())?;
        Ok(OwnedPortTable {
            entries,
            set_starts,
            decisive,
            hot,
            decisive_sets,
            ports,
        })
    }

    /// The table as a borrowed [`PortTable`].
    pub fn table(&self) -> PortTable<'_> {
        PortTable::from_parts(
            &self.entries,
            &self.set_starts,
            &self.decisive,
            &self.hot,
            &self.decisive_sets,
            &self.ports,
        )
    }

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
        write_array(&mut out, "HOT", "::swyx_matrix::HotEntry", &self.hot, |h| {
            format!(
                "::swyx_matrix::HotEntry {{ signed: {}, labels: {}, rank: {} }}",
                h.signed, h.labels, h.rank
            )
        });
        write_array(
            &mut out,
            "DECISIVE_SETS",
            "::swyx_matrix::DecisiveSet",
            &self.decisive_sets,
            |d| {
                let l = &d.lanes;
                format!(
                    "::swyx_matrix::DecisiveSet {{ start: {}, len: {}, signed: {}, \
                     lanes: ::swyx_matrix::Lanes {{ signed: {:#x}, labels: {:#x}, \
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
