//! Expected connections: what signalling announced (SDP media, FTP data connections), waiting
//! for the flows that match them, as Zeek's `schedule_analyzer` does.

use std::collections::VecDeque;

use hashbrown::HashMap;
use swyx_classify::{Component, Label};

use crate::verdict::CallId;

/// Where an announced flow is expected: an address (as the flow keys hold it), a port and
/// the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    pub(crate) addr: u128,
    pub(crate) port: u16,
    pub(crate) tcp: bool,
}

/// What was announced there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expectation {
    /// The announced label (the payload still decides between RTP and T.38).
    pub(crate) label: Label,
    /// The announcing side's component, where known.
    pub(crate) component: Option<Component>,
    /// The SIP flow's component, when neither the announcer nor the media port's rows name one.
    pub(crate) dialog_component: Option<Component>,
    /// An FTP data connection.
    pub(crate) ftp_data: bool,
    /// The flow that announced it.
    pub(crate) announced_by: u64,
    /// The SIP dialog (empty for FTP).
    pub(crate) call_id: CallId,
    /// The announcing address: a later offer or answer of the same side replaces its
    /// expectations.
    pub(crate) announcer: u128,
    pub(crate) created_ns: u64,
}

/// The expectations, bounded in number and age.
#[derive(Debug)]
pub(crate) struct Expectations {
    map: HashMap<Place, Expectation, ahash::RandomState>,
    /// The places of each dialog's expectations, so that a new offer or a BYE finds them
    /// without a scan of every expectation.
    dialogs: HashMap<CallId, Vec<Place>, ahash::RandomState>,
    /// Dialogs whose INVITE was answered with a 2xx: a later failed re-INVITE leaves them
    /// established (bounded like the expectations: cleared with the dialog, or when full).
    answered: hashbrown::HashSet<CallId, ahash::RandomState>,
    /// One bit per port that some expectation names: most flows' ports are not, and are
    /// settled by two bit tests instead of two hash lookups.
    ports: Box<[u64; 1024]>,
    /// Insertion order, for evicting the oldest at the bound.
    order: VecDeque<(Place, u64)>,
    max: usize,
    ttl_ns: u64,
    /// Bumped on every insertion: a flow that looked before and found nothing looks again only
    /// after something new was announced.
    pub(crate) generation: u64,
}

impl Expectations {
    pub(crate) fn new(max: usize, ttl_ns: u64) -> Expectations {
        Expectations {
            map: HashMap::with_hasher(ahash::RandomState::new()),
            dialogs: HashMap::with_hasher(ahash::RandomState::new()),
            answered: hashbrown::HashSet::with_hasher(ahash::RandomState::new()),
            ports: Box::new([0; 1024]),
            order: VecDeque::new(),
            max: max.max(1),
            ttl_ns,
            generation: 0,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Bytes held, for the memory budget.
    pub(crate) fn memory(&self) -> usize {
        self.map.capacity() * (core::mem::size_of::<(Place, Expectation)>() + 1)
            + self.dialogs.capacity() * (core::mem::size_of::<(CallId, Vec<Place>)>() + 1)
            + self.answered.capacity() * (core::mem::size_of::<CallId>() + 1)
            + self
                .dialogs
                .values()
                .map(|v| v.capacity() * 32)
                .sum::<usize>()
            + 8 * 1024
            + self.order.capacity() * core::mem::size_of::<(Place, u64)>()
    }

    pub(crate) fn insert(&mut self, place: Place, expectation: Expectation) {
        while self.map.len() >= self.max && !self.map.contains_key(&place) {
            let Some((old, created)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&old).is_some_and(|e| e.created_ns == created) {
                self.remove(&old);
            }
        }
        if self.order.len() >= 2 * self.max {
            // Stale entries of replaced expectations: keep the queue bounded too.
            let map = &self.map;
            self.order.retain(|(place, created)| {
                map.get(place).is_some_and(|e| e.created_ns == *created)
            });
        }
        self.order.push_back((place, expectation.created_ns));
        if let Some(old) = self.map.insert(place, expectation) {
            self.forget_place(&old.call_id, &place);
        }
        self.dialogs
            .entry(expectation.call_id)
            .or_default()
            .push(place);
        self.ports[usize::from(place.port >> 6)] |= 1 << (place.port & 63);
        self.generation += 1;
    }

    /// Whether some expectation names `port` (the bit stays until the table empties: a false
    /// yes costs a lookup, never a wrong answer).
    #[inline]
    pub(crate) fn names_port(&self, port: u16) -> bool {
        self.ports[usize::from(port >> 6)] & 1 << (port & 63) != 0
    }

    fn remove(&mut self, place: &Place) {
        if let Some(old) = self.map.remove(place) {
            self.forget_place(&old.call_id, place);
        }
        if self.map.is_empty() {
            self.ports.fill(0);
        }
    }

    fn forget_place(&mut self, call_id: &CallId, place: &Place) {
        if let Some(places) = self.dialogs.get_mut(call_id) {
            places.retain(|p| p != place);
            if places.is_empty() {
                self.dialogs.remove(call_id);
            }
        }
    }

    /// The expectation at `place`, unless it expired by `now_ns`.
    pub(crate) fn get(&self, place: &Place, now_ns: u64) -> Option<&Expectation> {
        self.map
            .get(place)
            .filter(|e| e.created_ns.saturating_add(self.ttl_ns) >= now_ns)
    }

    /// Forgets what `announcer` announced in the dialog `call_id` (a new offer or answer
    /// replaces it).
    pub(crate) fn replace_side(&mut self, call_id: &CallId, announcer: u128) {
        let Some(places) = self.dialogs.get(call_id) else {
            return;
        };
        let gone: Vec<Place> = places
            .iter()
            .filter(|&p| self.map.get(p).is_some_and(|e| e.announcer == announcer))
            .copied()
            .collect();
        for place in gone {
            self.remove(&place);
        }
    }

    /// Notes that the dialog's INVITE was answered (a 2xx).
    pub(crate) fn answer(&mut self, call_id: &CallId) {
        if self.answered.len() >= self.max {
            self.answered.clear();
        }
        self.answered.insert(*call_id);
    }

    /// Whether the dialog's INVITE was answered.
    pub(crate) fn is_answered(&self, call_id: &CallId) -> bool {
        self.answered.contains(call_id)
    }

    /// Forgets the dialog `call_id` (BYE, CANCEL, a final failure).
    pub(crate) fn end_dialog(&mut self, call_id: &CallId) {
        self.answered.remove(call_id);
        for place in self.dialogs.remove(call_id).unwrap_or_default() {
            self.map.remove(&place);
        }
        if self.map.is_empty() {
            self.ports.fill(0);
        }
    }
}
