//! Flow storage: a slab of flows indexed by a hash table of slot numbers, with least-recently
//! seen lists (one per timeout) threaded through an array of links beside the slab, so that
//! idle flows and eviction victims are found at the lists' heads in O(1).

use crate::hint;
use crate::index::Index;
use crate::key::FlowKey;

/// No slot.
pub(crate) const NIL: u32 = u32::MAX;

/// The lists a flow can be on, each ordered by last packet time.
pub(crate) const LISTS: usize = 3;
/// Room for the lists: the next power of two.
const LIST_SLOTS: usize = LISTS.next_power_of_two();
/// UDP flows.
pub(crate) const UDP_LIST: u8 = 0;
/// Open TCP flows.
pub(crate) const TCP_LIST: u8 = 1;
/// TCP flows that saw FIN both ways or a RST, waiting out the close delay.
pub(crate) const CLOSING_LIST: u8 = 2;

/// What the table needs of a stored value.
pub(crate) trait Linked {
    fn key(&self) -> &FlowKey;
}

/// Bytes the table holds per flow beside the value: its links, its free-list entry, and its
/// share of the index at its largest (words a power of two long, at most half full: just after
/// it doubled, four a flow).
pub(crate) const BYTES_BESIDE_EACH: usize = core::mem::size_of::<Links>() + 4 + 4 * 8;

/// A flow's place on its list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Links {
    pub(crate) prev: u32,
    pub(crate) next: u32,
    /// The flow's hash, where the index files it: read at the head of a list to fetch the
    /// next victim's entry ahead of its removal.
    hash: u32,
    pub(crate) list: u8,
    pub(crate) live: bool,
}

impl Links {
    const fn new(list: u8, hash: u32) -> Links {
        Links {
            prev: NIL,
            next: NIL,
            hash,
            list,
            live: true,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct List {
    head: u32,
    tail: u32,
}

/// The slab, its index and its lists.
#[derive(Debug)]
pub(crate) struct Table<T> {
    hasher: ahash::RandomState,
    index: Index,
    slots: Vec<T>,
    /// By slot, beside the slab rather than in it: moving a flow to its list's tail rewrites
    /// its neighbours' links, which then lie in a small array of their own instead of in the
    /// neighbours' flows, each a few cache lines away from the flow at hand.
    links: Vec<Links>,
    free: Vec<u32>,
    /// By list number; a power of two long (the last unused), so that indexing by a list
    /// number masked to it needs no bounds check.
    lists: [List; LIST_SLOTS],
    live: usize,
    max_flows: usize,
}

impl<T: Linked> Table<T> {
    pub(crate) fn new(max_flows: usize) -> Table<T> {
        Table {
            hasher: ahash::RandomState::new(),
            index: Index::default(),
            slots: Vec::new(),
            links: Vec::new(),
            free: Vec::new(),
            lists: [List {
                head: NIL,
                tail: NIL,
            }; LIST_SLOTS],
            live: 0,
            max_flows: max_flows.max(1),
        }
    }

    /// The hash of `key` the index files it under.
    #[inline]
    pub(crate) fn hash(&self, key: &FlowKey) -> u32 {
        let full = self.hasher.hash_one(key);
        (full ^ full >> 32) as u32
    }

    #[inline]
    pub(crate) fn find(&self, hash: u32, key: &FlowKey) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(hash, |slot| slots[slot as usize].key() == key)
    }

    /// Starts loading the index's entries for `hash` (see [`hint`]).
    #[inline]
    pub(crate) fn prefetch_entry(&self, hash: u32) {
        self.index.prefetch(hash);
    }

    /// Starts loading the flow in `slot` and its index entry (see [`hint`]).
    #[inline]
    pub(crate) fn prefetch(&self, slot: u32) {
        if let (Some(value), Some(links)) =
            (self.slots.get(slot as usize), self.links.get(slot as usize))
        {
            hint::prefetch(value);
            self.index.prefetch(links.hash);
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.live >= self.max_flows
    }

    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// Bytes held by the slab, the free list and the index.
    pub(crate) fn memory(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<T>()
            + self.links.capacity() * core::mem::size_of::<Links>()
            + self.free.capacity() * 4
            + self.index.memory()
    }

    /// Stores `value`, whose key's hash is `hash` ([`Table::hash`]; the caller made room), at
    /// the tail of `list`.
    pub(crate) fn insert(&mut self, value: T, hash: u32, list: u8) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = value;
                self.links[slot as usize] = Links::new(list, hash);
                slot
            }
            None => {
                if self.slots.len() == self.slots.capacity() {
                    // Grow by doubling, but never past the budget's number of flows.
                    let want = (self.slots.len() * 2).max(64).min(self.max_flows);
                    let more = want.saturating_sub(self.slots.len()).max(1);
                    self.slots.reserve_exact(more);
                    self.links.reserve_exact(more);
                }
                self.slots.push(value);
                self.links.push(Links::new(list, hash));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(hash, slot);
        self.live += 1;
        self.push_back(slot, list);
        slot
    }

    /// Removes the flow in `slot` from the index and its list; the value stays readable until
    /// the slot is reused.
    pub(crate) fn remove(&mut self, slot: u32) {
        let hash = self.links[slot as usize].hash;
        self.index.remove(hash, slot);
        self.unlink(slot);
        self.links[slot as usize].live = false;
        self.free.push(slot);
        self.live -= 1;
    }

    /// Whether `slot` holds a flow (not one removed).
    #[inline]
    pub(crate) fn is_live(&self, slot: u32) -> bool {
        self.links[slot as usize].live
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> &T {
        &self.slots[slot as usize]
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> &mut T {
        &mut self.slots[slot as usize]
    }

    /// Moves the flow to the tail of `list` (it was just seen).
    #[inline]
    pub(crate) fn touch(&mut self, slot: u32, list: u8) {
        let links = self.links[slot as usize];
        if links.list == list && links.next == NIL {
            return;
        }
        self.unlink(slot);
        self.push_back(slot, list);
    }

    /// The flow seen least recently on `list`.
    #[inline]
    pub(crate) fn oldest(&self, list: u8) -> Option<u32> {
        let head = self.lists[usize::from(list) & (LIST_SLOTS - 1)].head;
        (head != NIL).then_some(head)
    }

    #[inline]
    fn unlink(&mut self, slot: u32) {
        let Links {
            prev, next, list, ..
        } = self.links[slot as usize];
        match prev {
            NIL => self.lists[usize::from(list) & (LIST_SLOTS - 1)].head = next,
            p => self.links[p as usize].next = next,
        }
        match next {
            NIL => self.lists[usize::from(list) & (LIST_SLOTS - 1)].tail = prev,
            n => self.links[n as usize].prev = prev,
        }
    }

    #[inline]
    fn push_back(&mut self, slot: u32, list: u8) {
        let tail = self.lists[usize::from(list) & (LIST_SLOTS - 1)].tail;
        {
            let links = &mut self.links[slot as usize];
            links.prev = tail;
            links.next = NIL;
            links.list = list;
        }
        match tail {
            NIL => self.lists[usize::from(list) & (LIST_SLOTS - 1)].head = slot,
            t => self.links[t as usize].next = slot,
        }
        self.lists[usize::from(list) & (LIST_SLOTS - 1)].tail = slot;
    }

    /// Slots of every live flow.
    pub(crate) fn live_slots(&self) -> Vec<u32> {
        (0..self.slots.len() as u32)
            .filter(|&s| self.links[s as usize].live)
            .collect()
    }
}
