//! Port tables: for each transport and port, the matrix rows that cover it, ordered for the
//! resolution rules. Ports map to deduplicated *candidate sets* through one flat array of set
//! ids (2 x 65536 x 2 bytes): one load per port, where a two-level index would chain two.

use crate::layout::{dominates, entries_for, DecisiveSet, HotEntry, Lanes, Rank};
use crate::{Component, Labels, Matrix, MatrixError, MatrixErrorKind, PortRange, Role, Transport};
use std::collections::HashMap;

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
    /// The resolution order among entries of one port: their [`Rank`] (narrowest range, then
    /// listening before connecting, then matrix order).
    #[inline]
    pub const fn order_key(&self) -> Rank {
        Rank::of_entry(self)
    }
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
    pub(crate) entries: &'a [Entry],
    pub(crate) set_starts: &'a [u32],
    pub(crate) decisive: &'a [Entry],
    pub(crate) hot: &'a [HotEntry],
    pub(crate) decisive_sets: &'a [DecisiveSet],
    pub(crate) ports: &'a [u16; 2 * PORTS],
    pub(crate) lanes_hold_all: bool,
}

impl<'a> PortTable<'a> {
    /// The entries covering `port` on `transport`, in resolution order
    /// ([`Entry::order_key`]); empty where no row covers the port.
    #[inline]
    pub fn lookup(&self, transport: Transport, port: u16) -> &'a [Entry] {
        slice_of(self.entries, self.set_starts, self.set_id(transport, port))
    }

    #[inline(always)]
    pub(crate) fn set_id(&self, transport: Transport, port: u16) -> usize {
        // In bounds by construction: no check, no branch on the transport.
        usize::from(self.ports[transport as usize * PORTS + usize::from(port)])
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
pub(crate) fn set_range(set: &DecisiveSet) -> core::ops::Range<usize> {
    set.start as usize..set.start as usize + usize::from(set.len)
}

#[inline]
fn slice_of<'a>(entries: &'a [Entry], starts: &[u32], set: usize) -> &'a [Entry] {
    match starts.get(set..set + 2) {
        Some(&[start, end]) => entries.get(start as usize..end as usize).unwrap_or(&[]),
        _ => &[],
    }
}

/// The number of ports of one transport.
pub(crate) const PORTS: usize = 1 << 16;

/// A port table built at run time from a [`Matrix`], by the same code that generates the
/// default table at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPortTable {
    pub(crate) entries: Vec<Entry>,
    pub(crate) set_starts: Vec<u32>,
    pub(crate) decisive: Vec<Entry>,
    pub(crate) hot: Vec<HotEntry>,
    pub(crate) decisive_sets: Vec<DecisiveSet>,
    pub(crate) ports: Box<[u16; 2 * PORTS]>,
}

impl OwnedPortTable {
    /// Builds the table of `matrix`.
    ///
    /// # Errors
    ///
    /// [`MatrixErrorKind::TableTooLarge`] (with line 0) when the matrix has more distinct
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
}
