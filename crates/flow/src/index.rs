//! The flow table's index: 32-bit key hashes to slot numbers, by open addressing with linear
//! probing and backward-shift deletion.
//!
//! Written by hand rather than taken from hashbrown for one thing hashbrown cannot do: tell
//! where a hash's entry lies before looking it up, so that the tracker can fetch it into the
//! cache while it works on something else ([`Index::prefetch`]). On a scan, where each new
//! flow evicts an old one, the lookups of the index miss the cache twice a packet (the new
//! key, the evicted flow's entry); the README's Performance section gives the tool's time with
//! either index. Each entry is one word, the hash and the slot, so growing never reads a flow,
//! and a removal shifts the entries after it back instead of leaving a tombstone, so a table
//! that stays full never degrades nor rehashes.
//!
//! The hashes come from a randomly seeded `ahash` of the key: a capture cannot choose keys
//! that collide, and the index stays at most half full, where linear probing looks at about
//! 1.5 entries for a key it holds and 2.5 for one it does not (Knuth).

use crate::hint;

/// An empty bucket. An entry is the hash in the high half and the slot plus one in the low.
const EMPTY: u64 = 0;

/// Buckets of an index that has never held an entry.
const FIRST_BUCKETS: usize = 64;

/// Slot numbers to 32-bit hashes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// A power of two long (or empty), at most half full.
    buckets: Vec<u64>,
    len: usize,
}

impl Index {
    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }

    #[inline]
    fn home(&self, hash: u32) -> usize {
        hash as usize & self.mask()
    }

    /// The slot filed under `hash` for which `eq` holds.
    #[inline]
    pub(crate) fn find(&self, hash: u32, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let mask = self.mask();
        let mut at = self.home(hash);
        loop {
            let entry = self.buckets[at];
            if entry == EMPTY {
                return None;
            }
            if hash_of(entry) == hash && eq(slot_of(entry)) {
                return Some(slot_of(entry));
            }
            at = (at + 1) & mask;
        }
    }

    /// Files `slot` under `hash` (the caller holds no other entry for that slot).
    pub(crate) fn insert(&mut self, hash: u32, slot: u32) {
        debug_assert!(slot < u32::MAX, "slot {slot} has no entry");
        if (self.len + 1) * 2 > self.buckets.len() {
            self.grow();
        }
        self.place(entry(hash, slot));
        self.len += 1;
    }

    fn place(&mut self, entry: u64) {
        let mask = self.mask();
        let mut at = self.home(hash_of(entry));
        while self.buckets[at] != EMPTY {
            at = (at + 1) & mask;
        }
        self.buckets[at] = entry;
    }

    /// Twice the buckets (64 at first), the entries placed again from their own hashes.
    #[cold]
    fn grow(&mut self) {
        let buckets = (self.buckets.len() * 2).max(FIRST_BUCKETS);
        let old = core::mem::replace(&mut self.buckets, vec![EMPTY; buckets]);
        for entry in old.into_iter().filter(|&e| e != EMPTY) {
            self.place(entry);
        }
    }

    /// Removes `slot`'s entry under `hash`: `false` if there was none.
    pub(crate) fn remove(&mut self, hash: u32, slot: u32) -> bool {
        if self.buckets.is_empty() {
            return false;
        }
        let mask = self.mask();
        let wanted = entry(hash, slot);
        let mut hole = self.home(hash);
        loop {
            match self.buckets[hole] {
                EMPTY => return false,
                e if e == wanted => break,
                _ => hole = (hole + 1) & mask,
            }
        }
        // Backward shift: each later entry of the run that may move into the hole (its home
        // is not between the hole and it, cyclically) does, and leaves its own place as the
        // hole, until the run ends.
        let mut at = hole;
        loop {
            at = (at + 1) & mask;
            let entry = self.buckets[at];
            if entry == EMPTY {
                break;
            }
            let home = self.home(hash_of(entry));
            if (at.wrapping_sub(home) & mask) >= (at.wrapping_sub(hole) & mask) {
                self.buckets[hole] = entry;
                hole = at;
            }
        }
        self.buckets[hole] = EMPTY;
        self.len -= 1;
        true
    }

    /// Starts loading the bucket a lookup of `hash` reads first (see [`hint`]).
    #[inline]
    pub(crate) fn prefetch(&self, hash: u32) {
        if let Some(bucket) = self.buckets.get(self.home(hash)) {
            hint::prefetch(bucket);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// Bytes of its buckets.
    pub(crate) fn memory(&self) -> usize {
        self.buckets.capacity() * 8
    }
}

#[inline]
const fn entry(hash: u32, slot: u32) -> u64 {
    (hash as u64) << 32 | (slot as u64 + 1)
}

#[inline]
const fn hash_of(entry: u64) -> u32 {
    (entry >> 32) as u32
}

#[inline]
const fn slot_of(entry: u64) -> u32 {
    (entry as u32).wrapping_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn entries_are_found_and_removed_across_growth() {
        let mut index = Index::default();
        assert_eq!(index.find(7, |_| true), None);
        assert!(!index.remove(7, 0));
        for slot in 0..1000u32 {
            // Hashes that crowd a few homes, so that runs wrap and cross each other.
            index.insert(slot % 13, slot);
        }
        assert_eq!(index.len(), 1000);
        for slot in 0..1000u32 {
            assert_eq!(index.find(slot % 13, |s| s == slot), Some(slot));
        }
        for slot in (0..1000u32).step_by(3) {
            assert!(index.remove(slot % 13, slot));
            assert!(!index.remove(slot % 13, slot));
        }
        for slot in 0..1000u32 {
            let expected = (slot % 3 != 0).then_some(slot);
            assert_eq!(index.find(slot % 13, |s| s == slot), expected);
        }
    }

    #[test]
    fn a_full_table_that_churns_keeps_its_size() {
        let mut index = Index::default();
        for slot in 0..100_000u32 {
            index.insert(slot.wrapping_mul(0x9e37_79b9), slot);
            if slot >= 1000 {
                let old = slot - 1000;
                assert!(index.remove(old.wrapping_mul(0x9e37_79b9), old));
            }
        }
        assert_eq!(index.len(), 1000);
        assert_eq!(index.memory(), 2048 * 8);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u32),
        Remove(u8),
        Find(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Few hashes, in a table of few buckets: long runs that wrap around the end.
        prop_oneof![
            (any::<u8>(), 0..8u32).prop_map(|(s, h)| Op::Insert(s, h)),
            any::<u8>().prop_map(Op::Remove),
            any::<u8>().prop_map(Op::Find),
        ]
    }

    proptest! {
        #[test]
        fn behaves_as_a_map_of_slots_to_hashes(ops in prop::collection::vec(op(), 1..400)) {
            let mut index = Index::default();
            let mut model: HashMap<u32, u32> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(slot, hash) => {
                        let slot = u32::from(slot);
                        if let std::collections::hash_map::Entry::Vacant(v) = model.entry(slot) {
                            v.insert(hash);
                            index.insert(hash, slot);
                        }
                    }
                    Op::Remove(slot) => {
                        let slot = u32::from(slot);
                        let hash = model.remove(&slot);
                        prop_assert_eq!(index.remove(hash.unwrap_or(0), slot), hash.is_some());
                    }
                    Op::Find(slot) => {
                        let slot = u32::from(slot);
                        let found = model.get(&slot).and_then(|&h| index.find(h, |s| s == slot));
                        prop_assert_eq!(found, model.get(&slot).map(|_| slot));
                    }
                }
                prop_assert_eq!(index.len(), model.len());
            }
            for (&slot, &hash) in &model {
                prop_assert_eq!(index.find(hash, |s| s == slot), Some(slot));
            }
        }
    }
}
