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
            + self.order.capacity() * core::mem::size_of::<(Place, u64)>()
    }

    pub(crate) fn insert(&mut self, place: Place, expectation: Expectation) {
        while self.map.len() >= self.max {
            let Some((old, created)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&old).is_some_and(|e| e.created_ns == created) {
                self.map.remove(&old);
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
        self.map.insert(place, expectation);
        self.generation += 1;
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
        self.map
            .retain(|_, e| !(e.call_id == *call_id && e.announcer == announcer));
    }

    /// Forgets the dialog `call_id` (BYE, CANCEL, a final failure).
    pub(crate) fn end_dialog(&mut self, call_id: &CallId) {
        self.map.retain(|_, e| e.call_id != *call_id);
    }
}
