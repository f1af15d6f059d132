//! Port tables: for each transport and port, the matrix rows that cover it, ordered for the
//! resolution rules. A two-level index (high byte, then low byte within a deduplicated block of
//! 256 ports) keeps the 2 x 65536-port key space in a few KiB.

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
    decisive_starts: &'a [u32],
    blocks: &'a [[u16; 256]],
    udp_index: &'a [u16; 256],
    tcp_index: &'a [u16; 256],
}

impl<'a> PortTable<'a> {
    /// Assembles a table from its parts; generated code calls this. Set `i` is
    /// `entries[set_starts[i]..set_starts[i + 1]]`, its decisive entries
    /// `decisive[decisive_starts[i]..decisive_starts[i + 1]]`; `blocks[b][low byte]` is a set
    /// id and `udp_index[high byte]` / `tcp_index[high byte]` a block id.
    pub const fn from_parts(
        entries: &'a [Entry],
        set_starts: &'a [u32],
        decisive: &'a [Entry],
        decisive_starts: &'a [u32],
        blocks: &'a [[u16; 256]],
        udp_index: &'a [u16; 256],
        tcp_index: &'a [u16; 256],
    ) -> PortTable<'a> {
        PortTable {
            entries,
            set_starts,
            decisive,
            decisive_starts,
            blocks,
            udp_index,
            tcp_index,
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
        slice_of(
            self.decisive,
            self.decisive_starts,
            self.set_id(transport, port),
        )
    }

    #[inline]
    fn set_id(&self, transport: Transport, port: u16) -> usize {
        let index = match transport {
            Transport::Udp => self.udp_index,
            Transport::Tcp => self.tcp_index,
        };
        let block = usize::from(index[usize::from(port >> 8)]);
        self.blocks
            .get(block)
            .map_or(0, |block| usize::from(block[usize::from(port & 0xff)]))
    }

    /// The number of distinct 256-port blocks.
    pub fn block_count(&self) -> usize {
        self.blocks.len()
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
            + core::mem::size_of_val(self.decisive_starts)
            + core::mem::size_of_val(self.blocks)
            + 2 * core::mem::size_of::<[u16; 256]>()
    }
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

/// A port table built at run time from a [`Matrix`], by the same code that generates the
/// default table at compile time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPortTable {
    entries: Vec<Entry>,
    set_starts: Vec<u32>,
    decisive: Vec<Entry>,
    decisive_starts: Vec<u32>,
    blocks: Vec<[u16; 256]>,
    udp_index: [u16; 256],
    tcp_index: [u16; 256],
}

impl OwnedPortTable {
    /// Builds the table of `matrix`. Fails only when the matrix has more distinct
    /// port sets than a table can index (65535).
    pub fn build(matrix: &Matrix) -> Result<OwnedPortTable, MatrixError> {
        let too_large = || MatrixError {
            line: 0,
            kind: MatrixErrorKind::TableTooLarge,
        };
        let mut entries: Vec<Entry> = Vec::new();
        let mut set_starts: Vec<u32> = vec![0, 0];
        let mut decisive: Vec<Entry> = Vec::new();
        let mut decisive_starts: Vec<u32> = vec![0, 0];
        let mut set_ids: HashMap<Vec<Entry>, u16> = HashMap::new();
        set_ids.insert(Vec::new(), 0);
        let mut blocks: Vec<[u16; 256]> = Vec::new();
        let mut block_ids: HashMap<[u16; 256], u16> = HashMap::new();
        let mut indexes = [[0u16; 256]; 2];

        for (t, transport) in [Transport::Udp, Transport::Tcp].into_iter().enumerate() {
            let row_entries = entries_for(matrix, transport);
            let mut cuts: Vec<u32> = vec![0, 65536];
            for entry in &row_entries {
                cuts.push(u32::from(entry.range.low));
                cuts.push(u32::from(entry.range.high) + 1);
            }
            cuts.sort_unstable();
            cuts.dedup();

            let mut port_sets = vec![0u16; 65536];
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
                        for (i, entry) in covering.iter().enumerate() {
                            if !covering[..i]
                                .iter()
                                .any(|earlier| dominates(earlier, entry))
                            {
                                decisive.push(*entry);
                            }
                        }
                        let end = u32::try_from(decisive.len()).map_err(|_| too_large())?;
                        decisive_starts.push(end);
                        set_ids.insert(covering, id);
                        id
                    }
                };
                port_sets[start as usize..end as usize].fill(id);
            }

            for (high, chunk) in port_sets.chunks_exact(256).enumerate() {
                let mut block = [0u16; 256];
                block.copy_from_slice(chunk);
                let next_id = blocks.len();
                let id = match block_ids.get(&block) {
                    Some(&id) => id,
                    None => {
                        let id = u16::try_from(next_id).map_err(|_| too_large())?;
                        blocks.push(block);
                        block_ids.insert(block, id);
                        id
                    }
                };
                indexes[t][high] = id;
            }
        }

        Ok(OwnedPortTable {
            entries,
            set_starts,
            decisive,
            decisive_starts,
            blocks,
            udp_index: indexes[0],
            tcp_index: indexes[1],
        })
    }

    /// The table as a borrowed [`PortTable`].
    pub fn table(&self) -> PortTable<'_> {
        PortTable::from_parts(
            &self.entries,
            &self.set_starts,
            &self.decisive,
            &self.decisive_starts,
            &self.blocks,
            &self.udp_index,
            &self.tcp_index,
        )
    }

    /// Rust source defining the table as statics, with a "generated, do not edit" header;
    /// `build.rs` of the classifier writes it to `OUT_DIR`. The source defines
    /// `pub static <name>: ::swyx_matrix::PortTable<'static>`.
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
        let _ = writeln!(
            out,
            "static DECISIVE_STARTS: [u32; {}] = {:?};\n",
            self.decisive_starts.len(),
            self.decisive_starts
        );
        let _ = writeln!(
            out,
            "static BLOCKS: [[u16; 256]; {}] = [",
            self.blocks.len()
        );
        for block in &self.blocks {
            let _ = writeln!(out, "    {:?},", &block[..]);
        }
        out.push_str("];\n\n");
        let _ = writeln!(
            out,
            "static UDP_INDEX: [u16; 256] = {:?};\n",
            &self.udp_index[..]
        );
        let _ = writeln!(
            out,
            "static TCP_INDEX: [u16; 256] = {:?};\n",
            &self.tcp_index[..]
        );
        let _ = writeln!(
            out,
            "/// The port table generated from {source}.\n\
             pub static {name}: ::swyx_matrix::PortTable<'static> = ::swyx_matrix::PortTable::from_parts(\
             &ENTRIES, &SET_STARTS, &DECISIVE, &DECISIVE_STARTS, &BLOCKS, &UDP_INDEX, &TCP_INDEX);"
        );
        out
    }
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
