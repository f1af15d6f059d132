//! The tracker: flows in capture order, their decisions, the held-back packets.

use std::collections::VecDeque;

use swyx_classify::{
    Classification, Classifier, Component, Decision, Evidence, Fragment, Label, Outcome, Packet,
    Reason, Side, Transport,
};

use crate::config::Config;
use crate::expect::{Expectation, Expectations, Place};
use crate::hint;
use crate::hosts::{Hosts, Roles};
use crate::key::{raw_addr, raw_slice, FlowKey};
use crate::signalling::ftp::parse_ftp_line;
use crate::signalling::sip::{parse_message, Framing, Method, Parse, SipMessage, StartLine};
use crate::site::{self, Site};
use crate::staging::Staging;
use crate::table::{self, Linked, Table, CLOSING_LIST, LISTS, TCP_LIST, UDP_LIST};
use crate::verdict::{
    CallId, Count, DecidedBy, EndReason, FlowEvidence, FlowId, FlowReason, FlowRecord, Labelled,
    PacketVerdict, Sink, Verdict,
};
use core::net::IpAddr;
use hashbrown::HashMap;

/// How long a fragmented datagram's first fragment is remembered (capture time).
const FRAGMENT_NS: u64 = 30_000_000_000;

/// Evicted keys remembered, to mark a flow that comes back (a power of two).
const REMEMBERED_EVICTIONS: usize = 1 << 14;

/// How far ahead of the hold-back queue's front a pending packet's flow is fetched into the
/// cache.
const HELD_AHEAD: usize = 4;

/// [`Tracker::prefetch`] works from this many flows in the table on.
const PREFETCH_FROM_FLOWS: usize = 16 * 1024;

/// Idle flows are looked for at most this often (capture time).
const SWEEP_EVERY_NS: u64 = 100_000_000;

// TCP state bits of a flow.
const SYN_SEEN: u8 = 1;
const STARTED: [u8; 2] = [2, 4];
const FIN: [u8; 2] = [8, 16];

/// A flow's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decided {
    label: Label,
    component: Component,
    peer: Option<Component>,
    /// The deciding port, and whether it is the low end's.
    port: u16,
    port_on_lo: bool,
    /// The component sits on the low end (its peer on the other).
    component_on_lo: bool,
    evidence: FlowEvidence,
    by: DecidedBy,
}

/// The stateless judgement of one packet, sorted by what the flow does with it.
#[derive(Debug, Clone, Copy)]
enum Own {
    /// Labelled on a narrow row (confirmed or port-only).
    Narrow(Decision),
    /// Confirmed, but on a broad row, or as RTP or T.38 (whose signatures are a few header
    /// bits): needs agreeing packets.
    Staged(Decision),
    /// No label.
    None(FlowReason),
}

impl Own {
    fn of(outcome: &Outcome) -> Own {
        match outcome {
            // RTCP's signature (packet type, lengths that fit) is stronger than RTP's: on a
            // narrow row one report is enough.
            Outcome::Labelled(d)
                if d.range.is_broad()
                    || (d.evidence == Evidence::Confirmed
                        && (d.label == Label::T38 || (d.label == Label::Rtp && !d.rtcp))) =>
            {
                Own::Staged(*d)
            }
            Outcome::Labelled(d) => Own::Narrow(*d),
            Outcome::Unclassified(reason) => Own::None(FlowReason::Packet(*reason)),
        }
    }

    /// The packet's verdict on its own, where the flow cannot tell more.
    fn fallback(&self) -> Verdict {
        match self {
            Own::Narrow(d) => Verdict::Labelled(labelled(d, DecidedBy::Packet)),
            Own::Staged(_) => Verdict::Unclassified(FlowReason::Undecided),
            Own::None(reason) => Verdict::Unclassified(*reason),
        }
    }
}

fn evidence(evidence: Evidence) -> FlowEvidence {
    match evidence {
        Evidence::Confirmed => FlowEvidence::Confirmed,
        Evidence::PortOnly => FlowEvidence::PortOnly,
    }
}

fn labelled(d: &Decision, by: DecidedBy) -> Labelled {
    Labelled {
        label: d.label,
        component: d.component,
        peer: d.peer,
        evidence: evidence(d.evidence),
        decided_by: by,
        side: d.side,
        component_side: d.component_side(),
        port: d.port,
        rtcp: d.rtcp,
    }
}

/// One flow's state.
#[derive(Debug, Clone)]
// The fields every packet reads or writes come first, in declaration order (`repr(C)`): a
// packet touches the flow's first three cache lines (the fourth with staging, the last for
// `signal`), not all seven.
#[repr(C)]
struct Flow {
    key: FlowKey,
    tcp: u8,
    run: u8,
    /// A TCP message start contradicted every row.
    refuted: bool,
    /// Packets confirmed on broad rows wait for agreement.
    staged: bool,
    /// A UDP flow that carried STUN (see [`Config::stun_marks_other_media`]).
    ice: bool,
    /// The host role of the current decision was noted.
    noted: bool,
    client_is_lo: bool,
    after_eviction: bool,
    closing: Option<EndReason>,
    /// The site inventory's components of the low and the high end.
    site: [Option<Component>; 2],
    /// What the roles of the low and the high end's hosts (when the flow started; for the ends
    /// the inventory does not name) make of RTP and of T.38 at that end: the one role with a
    /// row there for the label ([`site::RolePicks`]).
    picks: Option<site::RolePicks>,
    /// Held-back packets of this flow still to resolve: how many, and the sequence numbers of
    /// the first and the last (linked through the queue).
    pending: u32,
    last_ns: u64,
    id: u64,
    /// The expectations' generation the flow last looked them up at.
    looked: u64,
    /// By direction: sent by the low end, by the high end (this span).
    counts: [Count; 2],
    decided: Option<Decided>,
    /// Packets of this undecided span handed out unlabelled (they keep the span unlabelled if
    /// the flow decides later: see [`Tracker::split_span`]).
    quiet: u32,
    staging: Staging,
    pending_head: u64,
    pending_tail: u64,
    span: u32,
    first_ns: u64,
    first_index: u64,
    /// Packets of the current disagreeing run, by direction (they move to the next span
    /// when the run ends the span).
    run_counts: [Count; 2],
    run_first: (u64, u64),
    /// The span's first packet on its own (the flow's verdict if nothing else decides).
    first_own: Verdict,
    /// What announced the flow, once an expectation matched it.
    signal: Option<Signal>,
}

/// Whose a SIP message's sender is: the component the SIP rows place at its end (`None` from
/// a port no row names), and the SIP flow's component.
#[derive(Debug, Clone, Copy)]
struct Sender {
    component: Option<Component>,
    dialog: Component,
}

/// What announced a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Signal {
    announced_by: u64,
    call_id: Option<CallId>,
    ftp_data: bool,
}

impl Linked for Flow {
    fn key(&self) -> &FlowKey {
        &self.key
    }
}

impl Flow {
    /// The verdict a packet sent from the low end (`from_lo`) carries from the flow.
    fn carried(&self, from_lo: bool) -> Option<Verdict> {
        if let Some(d) = &self.decided {
            let side = if d.port_on_lo == from_lo {
                Side::Source
            } else {
                Side::Destination
            };
            let component_side = if d.component_on_lo == from_lo {
                Side::Source
            } else {
                Side::Destination
            };
            return Some(Verdict::Labelled(Labelled {
                side,
                component_side,
                rtcp: false,
                evidence: d.evidence,
                decided_by: DecidedBy::Flow,
                label: d.label,
                component: d.component,
                peer: d.peer,
                port: d.port,
            }));
        }
        self.refuted
            .then_some(Verdict::Unclassified(FlowReason::Packet(
                Reason::PayloadContradicts,
            )))
    }

    fn decide(&mut self, decision: Decision, evidence: FlowEvidence, by: DecidedBy, from_lo: bool) {
        self.set_decided(Decided {
            label: decision.label,
            component: decision.component,
            peer: decision.peer,
            port: decision.port,
            port_on_lo: (decision.side == Side::Source) == from_lo,
            component_on_lo: (decision.component_side() == Side::Source) == from_lo,
            evidence,
            by,
        });
    }

    fn set_decided(&mut self, decided: Decided) {
        self.decided = Some(decided);
        self.noted = false;
        self.refuted = false;
        self.run = 0;
    }

    /// The record of the span so far, when it handed out at least `run` packets unlabelled
    /// and is about to be decided: it ends there, so that its row does not claim them.
    fn split_record(&self, run: u8) -> Option<FlowRecord> {
        (self.quiet >= u32::from(run)).then(|| self.record(EndReason::LabelChanged))
    }

    fn awaiting_start(&self) -> bool {
        self.tcp & SYN_SEEN != 0 && self.tcp & (STARTED[0] | STARTED[1]) == 0
    }

    fn record(&self, end: EndReason) -> FlowRecord {
        let verdict = match &self.decided {
            Some(d) => Verdict::Labelled(Labelled {
                side: if d.port_on_lo == self.client_is_lo {
                    Side::Source
                } else {
                    Side::Destination
                },
                component_side: if d.component_on_lo == self.client_is_lo {
                    Side::Source
                } else {
                    Side::Destination
                },
                rtcp: false,
                evidence: d.evidence,
                label: d.label,
                component: d.component,
                peer: d.peer,
                port: d.port,
                decided_by: d.by,
            }),
            None if self.refuted => {
                Verdict::Unclassified(FlowReason::Packet(Reason::PayloadContradicts))
            }
            None if self.staged => Verdict::Unclassified(FlowReason::Undecided),
            None => self.first_own,
        };
        let (client, server) = (self.client_is_lo as usize ^ 1, self.client_is_lo as usize);
        FlowRecord {
            id: FlowId(self.id),
            span: self.span,
            transport: self.key.transport(),
            client: self.key.end(self.client_is_lo),
            server: self.key.end(!self.client_is_lo),
            verdict,
            end,
            // counts[0] is what the low end sent.
            to_server: self.counts[client],
            to_client: self.counts[server],
            first_ns: self.first_ns,
            last_ns: self.last_ns,
            first_index: self.first_index,
            after_eviction: self.after_eviction,
            announced_by: self.signal.map(|s| FlowId(s.announced_by)),
            call_id: self.signal.and_then(|s| s.call_id),
            ftp_data: self.signal.is_some_and(|s| s.ftp_data),
        }
    }
}

/// A packet waiting in the hold-back queue.
#[derive(Debug, Clone, Copy)]
struct Held {
    verdict: PacketVerdict,
    /// Its verdict if the flow does not tell more (forced out, or the flow ended).
    fallback: Verdict,
    /// Still waiting for its flow.
    pending: bool,
    from_lo: bool,
    slot: u32,
    /// Sequence number of the flow's next pending packet.
    next: u64,
    /// Packets pushed before this one (the hold-back bound counts the packets since).
    pushed_at: u64,
}

/// How the flow's pending packets are settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    /// They carry the flow's decision.
    Carry,
    /// They take their own verdicts.
    Fallback,
}

/// Counters of a tracker's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Flows (spans not counted apart) started so far.
    pub flows: u64,
    /// Flows in the table now.
    pub live_flows: usize,
    /// Flows evicted for the memory budget.
    pub evicted: u64,
    /// Packets held back now.
    pub held: usize,
    /// Packets released at the hold-back bound while their flow was undecided.
    pub released_undecided: u64,
    /// SIP messages over TCP skipped: longer than the per-direction buffer, or past the
    /// buffers' total.
    pub sip_skipped: u64,
    /// Role notes refused because the host table was full: once per decision of a flow at a
    /// host it has no room for (an upper bound on the hosts left out of [`Tracker::hosts`]).
    pub hosts_dropped: u64,
    /// Bytes the tracker holds for flows and held packets.
    pub memory: usize,
    /// Most flows the budget allows at once.
    pub max_flows: usize,
}

/// Follows flows in capture order: feed it every packet's stateless [`Classification`] with
/// [`Tracker::push`], then call [`Tracker::finish`]; it hands each packet (in capture order,
/// with its flow's decision) and each ended flow to a [`Sink`]. See the crate docs for the
/// rules.
#[derive(Debug)]
pub struct Tracker<'t> {
    classifier: Classifier<'t>,
    config: Config,
    table: Table<Flow>,
    held: VecDeque<Held>,
    /// Sequence number of `held[0]`.
    held_base: u64,
    next_id: u64,
    /// Packets pushed so far.
    pushed: u64,
    now: u64,
    next_sweep: u64,
    evicted_keys: Vec<u64>,
    /// Fragmented datagrams whose first fragment was seen: (source, destination, protocol,
    /// identification) to the flow's slot, its id, the direction and when.
    fragmented: HashMap<Datagram, FirstFragment, ahash::RandomState>,
    fragmented_order: VecDeque<Datagram>,
    expectations: Expectations,
    hosts: Hosts,
    /// SIP over TCP: the bytes of each flow direction's unfinished message, by flow id and
    /// direction (sent by the low end).
    streams: HashMap<(u64, bool), Vec<u8>, ahash::RandomState>,
    /// Bytes held in `streams`.
    stream_bytes: usize,
    /// The site inventory, when one is set.
    site: Option<Site>,
    stats: Stats,
    /// The slot of each list's head whose flow was last fetched into the cache.
    prefetched: [u32; LISTS],
}

impl Tracker<'static> {
    /// A tracker over the default SwyxWare 2013 table, with the default [`Config`].
    pub fn swyxware_2013() -> Tracker<'static> {
        Tracker::new(Classifier::swyxware_2013(), Config::default())
    }
}

impl<'t> Tracker<'t> {
    /// A tracker that re-classifies TCP message starts with `classifier` (the one the caller
    /// classifies packets with) and keeps within `config`'s bounds.
    pub fn new(classifier: Classifier<'t>, config: Config) -> Tracker<'t> {
        let held_bytes = (config.hold_packets + 1).saturating_mul(core::mem::size_of::<Held>())
            + config.sip_stream_total
            + config.max_fragmented * 112
            + config.max_hosts * 48
            + config
                .max_expectations
                .saturating_mul(2 * core::mem::size_of::<(Place, Expectation)>());
        let per_flow = core::mem::size_of::<Flow>() + table::BYTES_BESIDE_EACH;
        let max_flows = config
            .memory_budget
            .saturating_sub(held_bytes + REMEMBERED_EVICTIONS * 8)
            / per_flow;
        Tracker {
            classifier,
            config,
            table: Table::new(max_flows),
            held: VecDeque::new(),
            held_base: 0,
            next_id: 0,
            pushed: 0,
            now: 0,
            next_sweep: 0,
            evicted_keys: Vec::new(),
            fragmented: HashMap::with_hasher(ahash::RandomState::new()),
            fragmented_order: VecDeque::new(),
            expectations: Expectations::new(config.max_expectations, config.expectation_ns),
            streams: HashMap::with_hasher(ahash::RandomState::new()),
            hosts: Hosts::new(config.max_hosts),
            stream_bytes: 0,
            site: None,
            prefetched: [u32::MAX; LISTS],
            stats: Stats {
                max_flows: max_flows.max(1),
                ..Stats::default()
            },
        }
    }

    /// Sets the site inventory: which host runs which component (see [`Site`] for what it
    /// changes). Set it before the first packet: flows already seen keep what they were.
    ///
    /// ```
    /// use swyx_flow::{Site, Tracker};
    /// let mut tracker = Tracker::swyxware_2013();
    /// tracker.set_site(Site::parse("10.1.0.10 swyx_server\n10.1.8.0/22 swyx_it\n")?);
    /// # Ok::<(), swyx_flow::SiteError>(())
    /// ```
    pub fn set_site(&mut self, site: Site) {
        self.site = Some(site);
    }

    /// The classifier it re-classifies TCP message starts with.
    pub fn classifier(&self) -> &Classifier<'t> {
        &self.classifier
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        Stats {
            live_flows: self.table.len(),
            hosts_dropped: self.hosts.dropped,
            held: self.held.len(),
            memory: self.table.memory()
                + self.expectations.memory()
                + self.fragmented.capacity() * 64
                + self.fragmented_order.capacity() * 40
                + self.stream_bytes
                + self.hosts.memory()
                + self.streams.capacity() * 48
                + self.held.capacity() * core::mem::size_of::<Held>()
                + self.evicted_keys.capacity() * 8,
            ..self.stats
        }
    }

    /// Starts loading into the cache the flow-table entry a later [`Tracker::push`] of
    /// `classification` will look up first: for a caller that holds its next packets (a batch)
    /// and calls it a few packets ahead of pushing each. A hint, with no effect on what the
    /// tracker does; it does nothing while the table is small enough to stay in the cache
    /// (fewer than 16,384 flows), where it would cost more than it saves.
    ///
    /// ```
    /// use swyx_classify::classify;
    /// use swyx_flow::{FlowRecord, PacketVerdict, Sink, Tracker};
    /// struct Count(usize);
    /// impl Sink for Count {
    ///     fn packet(&mut self, _: &PacketVerdict) { self.0 += 1 }
    ///     fn flow(&mut self, _: &FlowRecord) {}
    /// }
    /// # let frames: Vec<Vec<u8>> = Vec::new();
    /// let mut tracker = Tracker::swyxware_2013();
    /// let (mut sink, ahead) = (Count(0), 8);
    /// let classified: Vec<_> = frames.iter().map(|f| classify(f)).collect();
    /// for (i, classification) in classified.iter().enumerate() {
    ///     if let Some(later) = classified.get(i + ahead) {
    ///         tracker.prefetch(later);
    ///     }
    ///     tracker.push(i as u64, i as u64 * 1000, 60, classification, &mut sink);
    /// }
    /// tracker.finish(&mut sink);
    /// ```
    #[inline]
    pub fn prefetch(&self, classification: &Classification<'_>) {
        if !self.fetches_ahead() {
            return;
        }
        if let Some((key, _)) = classification.packet.as_ref().and_then(FlowKey::of) {
            self.table.prefetch_entry(self.table.hash(&key));
        }
    }

    /// Whether [`Tracker::prefetch`] does anything now (the table holds 16,384 flows or more):
    /// a caller that has work to do to build the classifications it would hand it can ask
    /// first, once a batch.
    #[inline]
    pub fn fetches_ahead(&self) -> bool {
        self.table.len() >= PREFETCH_FROM_FLOWS
    }

    /// Takes the next packet of the capture: `index` is the caller's number for it,
    /// `time_ns` its capture time, `wire_len` its length on the wire, `classification` what
    /// the stateless classifier made of it. Hands `sink` every packet and flow settled by it.
    pub fn push(
        &mut self,
        index: u64,
        time_ns: u64,
        wire_len: u32,
        classification: &Classification<'_>,
        sink: &mut impl Sink,
    ) {
        self.push_packet(index, time_ns, wire_len, classification, sink);
    }

    /// [`Tracker::push`] for a packet that is a fragment of an IP datagram
    /// ([`swyx_classify::fragment_of`]): the first fragment's flow is remembered (by source,
    /// destination, protocol and identification; nothing is reassembled), and the later
    /// fragments, which have no ports, count in that flow and carry its label. A bounded table
    /// ([`Config::max_fragmented`] datagrams, each for 30 s of capture time).
    pub fn push_fragment(
        &mut self,
        index: u64,
        time_ns: u64,
        wire_len: u32,
        classification: &Classification<'_>,
        fragment: Option<Fragment<'_>>,
        sink: &mut impl Sink,
    ) {
        if let Some(later) = fragment.filter(|f| !f.is_first()) {
            if self.later_fragment(index, time_ns, wire_len, &later, sink) {
                return;
            }
        }
        self.push_packet(index, time_ns, wire_len, classification, sink);
        if let (Some(first), Some(packet)) = (fragment, classification.packet) {
            if first.is_first() {
                self.remember_fragmented(&first, &packet);
            }
        }
    }

    /// Remembers the flow of a first fragment.
    fn remember_fragmented(&mut self, fragment: &Fragment<'_>, packet: &Packet<'_>) {
        let (Some(key), Some((flow_key, from_lo))) = (datagram(fragment), FlowKey::of(packet))
        else {
            return;
        };
        let hash = self.table.hash(&flow_key);
        let Some(slot) = self.table.find(hash, &flow_key) else {
            return;
        };
        let id = self.table.get(slot).id;
        while self.fragmented.len() >= self.config.max_fragmented {
            let Some(old) = self.fragmented_order.pop_front() else {
                break;
            };
            self.fragmented.remove(&old);
        }
        if self
            .fragmented
            .insert(key, (slot, id, from_lo, self.now))
            .is_none()
        {
            self.fragmented_order.push_back(key);
        }
    }

    /// A later fragment of a datagram whose first fragment was seen: `false` if none was.
    #[cold]
    #[inline(never)]
    fn later_fragment(
        &mut self,
        index: u64,
        time_ns: u64,
        wire_len: u32,
        fragment: &Fragment<'_>,
        sink: &mut impl Sink,
    ) -> bool {
        let Some(key) = datagram(fragment) else {
            return false;
        };
        let Some(&(slot, id, from_lo, seen)) = self.fragmented.get(&key) else {
            return false;
        };
        let live = seen.saturating_add(FRAGMENT_NS) >= self.now
            && self.table.is_live(slot)
            && self.table.get(slot).id == id;
        if !live {
            self.fragmented.remove(&key);
            return false;
        }
        self.now = self.now.max(time_ns);
        self.pushed += 1;
        let flow = self.table.get_mut(slot);
        flow.counts[usize::from(!from_lo)].add(wire_len);
        flow.last_ns = flow.last_ns.max(time_ns);
        let fallback = Verdict::Unclassified(FlowReason::Packet(Reason::NonFirstFragment));
        let carried = flow.carried(from_lo);
        let pending = flow.decided.is_none() && flow.pending > 0;
        let verdict = PacketVerdict {
            index,
            time_ns,
            wire_len,
            flow: Some(FlowId(id)),
            verdict: carried.unwrap_or(fallback),
            ends: Some((flow.key, from_lo)),
        };
        if !pending && (self.held.is_empty() || !self.config.ordered) {
            sink.packet(&verdict);
        } else {
            self.enqueue(verdict, fallback, pending, from_lo, slot);
            self.drain(sink, false);
        }
        true
    }

    #[inline(never)]
    fn push_packet(
        &mut self,
        index: u64,
        time_ns: u64,
        wire_len: u32,
        classification: &Classification<'_>,
        sink: &mut impl Sink,
    ) {
        self.now = self.now.max(time_ns);
        self.pushed += 1;
        if self.now >= self.next_sweep {
            self.sweep(sink);
            self.next_sweep = self.now.saturating_add(SWEEP_EVERY_NS);
        }
        let mut verdict = PacketVerdict {
            index,
            time_ns,
            wire_len,
            flow: None,
            verdict: Verdict::Unclassified(FlowReason::Packet(Reason::NotIp)),
            ends: None,
        };
        // Borrowed, not copied: a copy of the whole packet loads the bytes the classifier has
        // just stored in other widths, and waits for them.
        let Some(packet) = &classification.packet else {
            verdict.verdict = Own::of(&classification.outcome).fallback();
            return self.emit(verdict, sink);
        };
        let Some((key, from_lo)) = FlowKey::of(packet) else {
            verdict.verdict = Own::of(&classification.outcome).fallback();
            return self.emit(verdict, sink);
        };
        verdict.ends = Some((key, from_lo));
        let slot = self.flow_for(key, from_lo, packet, index, time_ns, sink);
        let dir = usize::from(!from_lo);
        let tcp = packet.transport == Transport::Tcp;
        let list = if tcp { TCP_LIST } else { UDP_LIST };

        // The packet's own judgement: a TCP message start is classified as one.
        let flow = self.table.get_mut(slot);
        let mut outcome = classification.outcome;
        let mut message_start = false;
        let awaiting_before = flow.awaiting_start();
        // TCP and UDP packets alternate as they come: the tests below are combined with `&`,
        // not branched on one by one, so that only the rare outcome (a SYN, a message start, a
        // FIN or RST) takes a branch.
        flow.tcp |= SYN_SEEN * u8::from(tcp & (packet.tcp_flags & Packet::SYN != 0));
        if tcp
            & (flow.tcp & SYN_SEEN != 0)
            & !packet.payload.is_empty()
            & (flow.tcp & STARTED[dir] == 0)
        {
            flow.tcp |= STARTED[dir];
            message_start = true;
            outcome = self
                .classifier
                .classify_packet_at_message_start(packet)
                .outcome;
        }
        if self.site.is_some() {
            let ends = flow.site;
            let (src, dst) = if from_lo {
                (ends[0], ends[1])
            } else {
                (ends[1], ends[0])
            };
            outcome = site::apply(outcome, [src, dst], self.classifier.table(), packet);
        }
        if let Some(picks) = &flow.picks {
            site::apply_roles(
                &mut outcome,
                picks,
                from_lo,
                self.classifier.table(),
                packet,
            );
        }
        let mut own = Own::of(&outcome);
        let flow = self.table.get_mut(slot);
        // A TCP segment without payload in a connection whose SYN was seen is no evidence: its
        // port alone labels nothing. It carries its flow's label once the flow has one; a
        // connection that never carries a byte stays unlabelled (`no_payload`).
        if tcp & packet.payload.is_empty() & (flow.tcp & SYN_SEEN != 0)
            && matches!(own, Own::Narrow(d) if d.evidence == Evidence::PortOnly)
        {
            own = Own::None(FlowReason::NoPayload);
        }
        if !tcp && self.config.stun_marks_other_media {
            match own {
                Own::None(_) if is_stun(packet.payload) => flow.ice = true,
                Own::Narrow(d) | Own::Staged(d)
                    if flow.ice && matches!(d.label, Label::Rtp | Label::T38) =>
                {
                    own = Own::None(FlowReason::IceMedia);
                }
                _ => {}
            }
        }
        if flow.counts[0].packets + flow.counts[1].packets == 0 {
            flow.first_own = own.fallback();
            flow.first_ns = time_ns;
            flow.first_index = index;
        }
        flow.counts[dir].add(wire_len);
        flow.last_ns = time_ns;
        verdict.flow = Some(FlowId(flow.id));

        let mut settle = None;
        let mut end_span = false;
        let mut split = None;
        let run = self.config.disagreeing_run;
        // Most flows were never announced and need no lookup: no call for them.
        let announced = if flow.signal.is_some()
            || (!self.expectations.is_empty() && flow.looked != self.expectations.generation)
        {
            self.announced(slot, packet, from_lo, &own)
        } else {
            None
        };
        let flow = self.table.get_mut(slot);
        let decided = if let Some((verdict, before, new)) = announced {
            split = before;
            settle = Some(if new { Settle::Carry } else { Settle::Fallback });
            Some(verdict)
        } else {
            match own {
                Own::Narrow(d) if d.evidence == Evidence::Confirmed => {
                    match flow.decided {
                        Some(f) if f.label == d.label => {
                            if f.evidence == FlowEvidence::PortOnly {
                                flow.decide(d, FlowEvidence::Confirmed, f.by, from_lo);
                            }
                            flow.run = 0;
                        }
                        Some(f) if f.evidence == FlowEvidence::PortOnly => {
                            end_span = true;
                        }
                        Some(_) => {
                            flow.run = flow.run.saturating_add(1);
                            end_span = flow.run >= run;
                        }
                        // A flow its first message refuted stays unclassified; the packet
                        // keeps what its own payload says.
                        None if flow.refuted => {}
                        None => {
                            split = flow.split_record(run);
                            flow.decide(d, FlowEvidence::Confirmed, DecidedBy::Packet, from_lo);
                            settle = Some(Settle::Carry);
                        }
                    }
                    Some(own.fallback())
                }
                Own::Narrow(d) => match flow.carried(from_lo) {
                    Some(carried) => Some(carried),
                    None if flow.awaiting_start() || flow.staged => None,
                    None => {
                        split = flow.split_record(run);
                        flow.decide(d, FlowEvidence::PortOnly, DecidedBy::Packet, from_lo);
                        settle = Some(Settle::Carry);
                        Some(own.fallback())
                    }
                },
                Own::Staged(d) => {
                    let agreed =
                        flow.staging
                            .add(&self.config, dir, d.label, d.rtcp, packet.payload);
                    flow.staged = true;
                    match flow.decided {
                        Some(f) if f.label == d.label => {
                            if agreed && f.evidence == FlowEvidence::PortOnly {
                                flow.decide(d, FlowEvidence::Confirmed, DecidedBy::Flow, from_lo);
                            }
                            // Packets of another label held in the run were strays: their own.
                            flow.run = 0;
                            settle = Some(Settle::Fallback);
                            flow.carried(from_lo)
                                .map(|v| confirmed(v, d.rtcp, f.evidence))
                        }
                        Some(_) => {
                            // Another label while the flow has one: held until the run decides
                            // whether the flow switched (a fax after a re-INVITE) or not.
                            flow.run = flow.run.saturating_add(1);
                            end_span = flow.run >= run;
                            None
                        }
                        None if flow.refuted => Some(own.fallback()),
                        None if agreed => {
                            split = flow.split_record(run);
                            flow.decide(d, FlowEvidence::Confirmed, DecidedBy::Flow, from_lo);
                            settle = Some(Settle::Carry);
                            flow.carried(from_lo)
                                .map(|v| confirmed(v, d.rtcp, FlowEvidence::Confirmed))
                        }
                        None => None,
                    }
                }
                Own::None(reason) => match flow.decided {
                    // No evidence of its own (a TCP segment, an empty datagram): the flow's. The
                    // other direction's first segment of a labelled TCP flow carries it too,
                    // even where it contradicts: it may hold a header alone (H.225's TPKT
                    // before its Q.931, `ndpi/h323.pcap`), which its signature cannot confirm.
                    Some(_) if tcp || packet.payload.is_empty() => flow.carried(from_lo),
                    Some(_) => {
                        // A datagram that matches none of the rows' labels: evidence against the
                        // flow's label, so it keeps its own verdict; a run of them ends the span.
                        flow.run = flow.run.saturating_add(1);
                        end_span = flow.run >= run;
                        Some(own.fallback())
                    }
                    None if flow.refuted => flow.carried(from_lo),
                    None if message_start
                        && reason == FlowReason::Packet(Reason::PayloadContradicts) =>
                    {
                        // A message start that contradicts every row: not this protocol.
                        flow.refuted = true;
                        settle = Some(Settle::Carry);
                        Some(own.fallback())
                    }
                    None if flow.awaiting_start() || (tcp && flow.staged) => None,
                    None => {
                        flow.quiet += 1;
                        Some(own.fallback())
                    }
                },
            }
        };
        // The first payload segment left the flow undecided (no row, or only broad rows it does
        // not confirm): the handshake that waited for it takes its own verdicts.
        if awaiting_before
            && !flow.awaiting_start()
            && flow.decided.is_none()
            && !flow.staged
            && settle.is_none()
        {
            settle = Some(Settle::Fallback);
        }
        let flow_id = flow.id;
        let flow_decided = flow.decided;
        // Roles are known from a confirmed or signalled decision on, for the flows that start
        // later: noted once per decision.
        let note =
            !flow.noted && flow_decided.is_some_and(|d| d.evidence != FlowEvidence::PortOnly);
        flow.noted |= note;
        if flow.run > 0 && flow.decided.is_some() {
            // A packet that disagrees with the flow's label: counted apart in case it starts a
            // run that ends the span (the run's packets then start the next span).
            if flow.run == 1 {
                flow.run_counts = [Count::default(); 2];
                flow.run_first = (time_ns, index);
            }
            flow.run_counts[dir].add(wire_len);
        }

        // TCP teardown.
        if tcp & (packet.tcp_flags & (Packet::RST | Packet::FIN) != 0) {
            if packet.tcp_flags & Packet::RST != 0 {
                flow.closing = Some(EndReason::Rst);
            } else if packet.tcp_flags & Packet::FIN != 0 {
                flow.tcp |= FIN[dir];
                if flow.tcp & (FIN[0] | FIN[1]) == FIN[0] | FIN[1] {
                    flow.closing = Some(EndReason::Fin);
                }
            }
        }
        let list = if flow.closing.is_some() {
            CLOSING_LIST
        } else {
            list
        };
        self.table.touch(slot, list);

        match decided {
            // Nothing held before it, or no order to keep: out at once.
            Some(v) if self.held.is_empty() || !self.config.ordered => {
                verdict.verdict = v;
                sink.packet(&verdict);
            }
            Some(v) => {
                verdict.verdict = v;
                self.enqueue(verdict, v, false, from_lo, slot);
            }
            None => {
                let fallback = own.fallback();
                verdict.verdict = fallback;
                self.enqueue(verdict, fallback, true, from_lo, slot);
            }
        }
        if let Some(record) = split {
            self.split_span(slot, record, from_lo, (time_ns, index, wire_len), sink);
        }
        if note {
            self.note_role(slot);
        }
        // The sender's address as the key holds it: no second decoding of the packet's.
        let src = key.raw_end(from_lo).0;
        if may_signal(flow_decided, packet, &own) {
            self.read_signalling(flow_id, flow_decided, packet, &own, from_lo, src);
        }
        if let Some(how) = settle {
            self.settle(slot, how);
        }
        if end_span {
            self.end_span(slot, own, from_lo, (time_ns, index, wire_len), sink);
        }
        // Most often the front still waits for its flow: no call then.
        if let Some(front) = self.held.front() {
            if !front.pending || self.over(front) {
                self.drain(sink, false);
            }
        }
    }

    /// Notes the component the flow in `slot` shows its host acting as: the end of a confirmed
    /// or signalled decision's component.
    fn note_role(&mut self, slot: u32) {
        let flow = self.table.get(slot);
        if let Some(d) = flow
            .decided
            .filter(|d| d.evidence != FlowEvidence::PortOnly)
        {
            let addr = flow.key.raw_end(d.component_on_lo).0;
            self.hosts.note(addr, flow.key.is_v6(), d.component);
        }
    }

    /// As [`Tracker::note_role`], unless the decision's role was noted when it was made (so a
    /// host the table has no room for counts once in [`Stats::hosts_dropped`] per decision).
    fn note_role_once(&mut self, slot: u32) {
        if !self.table.get(slot).noted {
            self.note_role(slot);
        }
    }

    /// The components each host was seen acting as: the component's end of every confirmed
    /// or signalled flow (noted when it is decided, or else when its row is reported), and the
    /// senders of SDP from a component's SIP port. At most [`Config::max_hosts`] hosts are kept
    /// (later ones are not noted; [`Stats::hosts_dropped`] counts them). They break the media
    /// ties the matrix leaves (rule 9 of the crate docs).
    pub fn hosts(&self) -> impl Iterator<Item = (IpAddr, Roles)> + '_ {
        self.hosts.iter()
    }

    /// Signalling's say on this packet: for a flow an announcement matches (or matched), the
    /// packet's verdict, and the record of the span before when the match changes the flow's
    /// label, and whether the flow was decided just now (its held packets then carry the
    /// label). `None` when no announcement applies, or the payload is none of what signalling
    /// announces (the announcement alone labels nothing).
    fn announced(
        &mut self,
        slot: u32,
        packet: &Packet<'_>,
        from_lo: bool,
        own: &Own,
    ) -> Option<(Verdict, Option<FlowRecord>, bool)> {
        let now = self.now;
        let run = self.config.disagreeing_run;
        let flow = self.table.get_mut(slot);
        if let (Some(signal), Some(d)) = (flow.signal, flow.decided) {
            if d.by == DecidedBy::Signalling {
                // The payload decides between the media signalling announces: a stray RTP
                // packet on a fax port is RTP, and leaves the flow's label alone.
                let (label, rtcp) = announced_payload(signal.ftp_data, packet)?;
                flow.run = 0;
                let verdict = flow.carried(from_lo).map(|v| match v {
                    Verdict::Labelled(l) => Verdict::Labelled(Labelled {
                        label,
                        rtcp,
                        evidence: FlowEvidence::Signalled,
                        decided_by: DecidedBy::Signalling,
                        ..l
                    }),
                    other => other,
                })?;
                return Some((verdict, None, false));
            }
        }
        if self.expectations.is_empty() || flow.looked == self.expectations.generation {
            return None;
        }
        // A flow its own payload decided on a narrow row is no announced media; a flow whose
        // ports no expectation names needs no lookup.
        let (lo_port, hi_port) = (flow.key.raw_end(true).1, flow.key.raw_end(false).1);
        if flow
            .decided
            .is_some_and(|d| d.by == DecidedBy::Packet && d.evidence == FlowEvidence::Confirmed)
            || !(self.expectations.names_port(lo_port) || self.expectations.names_port(hi_port))
        {
            flow.looked = self.expectations.generation;
            return None;
        }
        let tcp = packet.transport == Transport::Tcp;
        let look = |lo: bool| {
            let (addr, port) = flow.key.raw_end(lo);
            let place = Place { addr, port, tcp };
            self.expectations.get(&place, now).map(|e| (*e, lo, port))
        };
        // Both ends may have been announced (an offer and its answer): the server's end names
        // the component, the client's the peer.
        let (server, client) = (look(!flow.client_is_lo), look(flow.client_is_lo));
        let Some((expectation, port_on_lo, port)) = server.or(client) else {
            flow.looked = self.expectations.generation;
            return None;
        };
        let other = if server.is_some() { client } else { None };
        let (label, rtcp) = announced_payload(expectation.ftp_data, packet)?;
        let matrix_component = match own {
            Own::Narrow(d) | Own::Staged(d) => Some(d.component),
            Own::None(_) => None,
        };
        // The announcer's component, else the media port's row, else the SIP flow's.
        let component = expectation
            .component
            .or(matrix_component)
            .or(expectation.dialog_component)?;
        flow.looked = self.expectations.generation;
        // The other end's announcer, else the row the matrix would have picked, when it names
        // another component: the peer.
        let peer = other
            .and_then(|(e, _, _)| e.component)
            .or(matrix_component)
            .filter(|&c| c != component);
        // The span so far ends here if it had another label, or handed packets out unlabelled.
        let before = match flow.decided {
            Some(d) if d.label != label || d.by != DecidedBy::Signalling => {
                Some(flow.record(EndReason::LabelChanged))
            }
            Some(_) => None,
            None => flow.split_record(run),
        };
        flow.signal = Some(Signal {
            announced_by: expectation.announced_by,
            call_id: (!expectation.ftp_data).then_some(expectation.call_id),
            ftp_data: expectation.ftp_data,
        });
        flow.set_decided(Decided {
            label,
            component,
            peer,
            port,
            port_on_lo,
            component_on_lo: port_on_lo,
            evidence: FlowEvidence::Signalled,
            by: DecidedBy::Signalling,
        });
        let verdict = flow
            .carried(from_lo)
            .map(|v| signalled(confirmed(v, rtcp, FlowEvidence::Signalled)))?;
        Some((verdict, before, true))
    }

    /// Reads what a SIP message's SDP or an FTP control line announces, and what ends a
    /// dialog's announcements.
    fn read_signalling(
        &mut self,
        flow_id: u64,
        flow_decided: Option<Decided>,
        packet: &Packet<'_>,
        own: &Own,
        from_lo: bool,
        src: u128,
    ) {
        let tcp = packet.transport == Transport::Tcp;
        if tcp && !packet.payload.is_empty() {
            // SIP over TCP is a stream: its messages are read from the flow's bytes, whatever
            // segment they start in.
            if let Some(d) = flow_decided.filter(|d| d.label == Label::Sip) {
                let announcer = if d.component_on_lo == from_lo {
                    Some(d.component)
                } else {
                    d.peer
                };
                let sender = Sender {
                    component: announcer,
                    dialog: d.component,
                };
                return self.read_sip_stream(flow_id, packet, sender, from_lo, own, src);
            }
        }
        let decision = match own {
            Own::Narrow(d) | Own::Staged(d) if d.evidence == Evidence::Confirmed => *d,
            _ => return,
        };
        match decision.label {
            Label::Sip if !tcp => {
                if !worth_parsing(packet.payload) {
                    return;
                }
                if let Parse::Complete(message, _) =
                    parse_message(packet.payload, Framing::Datagram)
                {
                    let announcer = Sender {
                        component: if decision.component_side() == Side::Source {
                            Some(decision.component)
                        } else {
                            decision.peer
                        },
                        dialog: decision.component,
                    };
                    self.read_sip(flow_id, &message, announcer, src);
                }
            }
            Label::Ftp if tcp => {
                for line in packet.payload.split(|&b| b == b'\n') {
                    let Some(announcement) = parse_ftp_line(line) else {
                        continue;
                    };
                    let place = Place {
                        addr: announcement.address.map_or(src, raw_addr),
                        port: announcement.port,
                        tcp: true,
                    };
                    let expectation = Expectation {
                        label: Label::Ftp,
                        component: Some(decision.component),
                        dialog_component: None,
                        ftp_data: true,
                        announced_by: flow_id,
                        call_id: CallId::new(b""),
                        announcer: src,
                        created_ns: self.now,
                    };
                    self.expectations.insert(place, expectation);
                }
            }
            _ => {}
        }
    }

    /// A TCP segment of a SIP flow: appended to its direction's bytes, and every message they
    /// now complete read. A message over [`Config::sip_stream_buffer`] (or past the buffers'
    /// total) is skipped and counted: the direction starts over at its next segment that starts
    /// a message, so it never stalls the flow.
    fn read_sip_stream(
        &mut self,
        flow_id: u64,
        packet: &Packet<'_>,
        announcer: Sender,
        from_lo: bool,
        own: &Own,
        src: u128,
    ) {
        let starts_message = matches!(own, Own::Narrow(d) | Own::Staged(d)
            if d.label == Label::Sip && d.evidence == Evidence::Confirmed);
        let key = (flow_id, from_lo);
        let mut buffer = if self.streams.is_empty() {
            Vec::new()
        } else {
            self.streams.remove(&key).unwrap_or_default()
        };
        self.stream_bytes -= buffer.len();
        if buffer.is_empty() && !starts_message {
            return; // mid-message after a skip, or a capture that started mid-stream
        }
        let room = self
            .config
            .sip_stream_total
            .saturating_sub(self.stream_bytes)
            .min(self.config.sip_stream_buffer);
        if buffer.len() + packet.payload.len() > room {
            self.stats.sip_skipped += 1;
            return;
        }
        let rest = if buffer.is_empty() {
            // Most segments hold whole messages: read in place, only a remainder is copied.
            let used = self.read_sip_messages(flow_id, packet.payload, announcer, src);
            packet.payload[used..].to_vec()
        } else {
            buffer.extend_from_slice(packet.payload);
            let used = self.read_sip_messages(flow_id, &buffer, announcer, src);
            buffer.drain(..used);
            buffer
        };
        if !rest.is_empty() {
            self.stream_bytes += rest.len();
            self.streams.insert(key, rest);
        }
    }

    /// Reads the whole SIP messages at the start of `bytes` (a stream direction's): how many
    /// bytes they took, all of them after an invalid message (the direction starts over).
    fn read_sip_messages(
        &mut self,
        flow_id: u64,
        bytes: &[u8],
        announcer: Sender,
        src: u128,
    ) -> usize {
        let mut used = 0;
        loop {
            match parse_message(&bytes[used..], Framing::Stream) {
                Parse::Complete(message, len) => {
                    self.read_sip(flow_id, &message, announcer, src);
                    used += len.max(1);
                }
                Parse::Incomplete => return used,
                Parse::Invalid(_) => return bytes.len(),
            }
        }
    }

    /// A SIP message: its SDP announces media, BYE, CANCEL and a failed INVITE end its
    /// dialog's announcements. `announcer` says whose the sender is, `src` its address.
    fn read_sip(&mut self, flow_id: u64, message: &SipMessage<'_>, announcer: Sender, src: u128) {
        let call_id = CallId::new(message.call_id);
        let invite_response = |ok: fn(u16) -> bool| {
            matches!(message.start, StartLine::Response { code } if ok(code))
                && message.cseq.method == Method::Invite
        };
        if invite_response(|code| (200..300).contains(&code)) {
            self.expectations.answer(&call_id);
        }
        // A failed INVITE ends a dialog it would have set up; a failed re-INVITE (a declined
        // T.38 offer) leaves the established call's announcements.
        let failed_invite =
            invite_response(|code| code >= 300) && !self.expectations.is_answered(&call_id);
        let ends = matches!(
            message.start,
            StartLine::Request {
                method: Method::Bye | Method::Cancel
            }
        );
        if ends || failed_invite {
            self.expectations.end_dialog(&call_id);
            return;
        }
        let Some(sdp) = message.sdp() else { return };
        // The announcing side: the deciding row's component where it sits on the sender's
        // side, else the component the sender's port attributes.
        let component = announcer.component;
        if let Some(component) = component {
            // `src` holds IPv4 in its top four bytes, with the rest zero.
            let v6 = src & ((1 << 96) - 1) != 0;
            self.hosts.note(src, v6, component);
        }
        self.expectations.replace_side(&call_id, src);
        for media in sdp.media().iter().filter(|m| !m.is_declined()) {
            let addr = media.address.map_or(src, raw_addr);
            if addr == 0 {
                continue; // c=IN IP4 0.0.0.0: on hold
            }
            let expectation = Expectation {
                label: media.label,
                component,
                dialog_component: Some(announcer.dialog),
                ftp_data: false,
                announced_by: flow_id,
                call_id,
                announcer: src,
                created_ns: self.now,
            };
            let rtcp = media
                .rtcp
                .map(|rtcp| (rtcp.address.map_or(addr, raw_addr), rtcp.port));
            for (addr, port) in [Some((addr, media.port)), rtcp].into_iter().flatten() {
                let place = Place {
                    addr,
                    port,
                    tcp: false,
                };
                self.expectations.insert(place, expectation);
            }
        }
    }

    /// Ends every flow (`end_of_capture`, in the order flows started) and hands out every
    /// packet still held. The tracker is empty afterwards and can take another capture.
    pub fn finish(&mut self, sink: &mut impl Sink) {
        let mut slots = self.table.live_slots();
        slots.sort_by_key(|&s| self.table.get(s).id);
        for slot in slots {
            // A closed TCP flow still in its close delay ends as it closed.
            let reason = self
                .table
                .get(slot)
                .closing
                .unwrap_or(EndReason::EndOfCapture);
            self.end_flow(slot, reason, sink);
        }
        self.drain(sink, true);
        self.now = 0;
        self.next_sweep = 0;
    }

    /// The flow of `key`, started if new (evicting the flow idle longest when the table is
    /// full); a SYN on a closing flow starts a new one.
    #[inline]
    fn flow_for(
        &mut self,
        key: FlowKey,
        from_lo: bool,
        packet: &Packet<'_>,
        index: u64,
        time_ns: u64,
        sink: &mut impl Sink,
    ) -> u32 {
        let hash = self.table.hash(&key);
        let syn_only = packet.transport == Transport::Tcp
            && packet.tcp_flags & (Packet::SYN | Packet::ACK) == Packet::SYN;
        if let Some(slot) = self.table.find(hash, &key) {
            let flow = self.table.get(slot);
            if !(syn_only && flow.closing.is_some()) {
                return slot;
            }
            let reason = flow.closing.unwrap_or(EndReason::Fin);
            self.end_flow(slot, reason, sink);
        }
        self.start_flow(key, hash, from_lo, packet, index, time_ns, sink)
    }

    /// A new flow of `key` (evicting the flow idle longest when the table is full): out of
    /// line, so that the packets of known flows do not carry its frame.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn start_flow(
        &mut self,
        key: FlowKey,
        hash: u32,
        from_lo: bool,
        packet: &Packet<'_>,
        index: u64,
        time_ns: u64,
        sink: &mut impl Sink,
    ) -> u32 {
        while self.table.is_full() {
            let victim = (0..LISTS as u8)
                .filter_map(|list| self.table.oldest(list))
                .min_by_key(|&s| self.table.get(s).last_ns);
            let Some(victim) = victim else { break };
            let victim_key = self.table.get(victim).key;
            self.end_flow(victim, EndReason::Evicted, sink);
            self.prefetch_oldest();
            self.stats.evicted += 1;
            self.remember_eviction(fixed_hash(&victim_key));
        }
        // The client: the sender of a SYN, the receiver of a SYN-ACK, else the first sender.
        let syn_ack = packet.transport == Transport::Tcp
            && packet.tcp_flags & (Packet::SYN | Packet::ACK) == Packet::SYN | Packet::ACK;
        let client_is_lo = from_lo != syn_ack;
        let after_eviction = self.was_evicted(fixed_hash(&key));
        let id = self.next_id;
        self.next_id += 1;
        self.stats.flows += 1;
        let list = if packet.transport == Transport::Tcp {
            TCP_LIST
        } else {
            UDP_LIST
        };
        let site = self.site.as_ref().map_or([None, None], |site| {
            [true, false].map(|lo| site.lookup(key.raw_end(lo).0, key.is_v6()))
        });
        let picks = if self.hosts.is_empty() || !self.config.roles_break_ties {
            None
        } else {
            let hosts = &self.hosts;
            // An end the inventory names needs no roles.
            let roles = |end: usize| {
                if site[end].is_some() {
                    Roles::default()
                } else {
                    hosts.roles(key.raw_end(end == 0).0, key.is_v6())
                }
            };
            let ports = [key.raw_end(true).1, key.raw_end(false).1];
            site::RolePicks::of(roles, ports, packet.transport, self.classifier.table()).any()
        };
        self.table.insert(
            Flow {
                key,
                id,
                span: 0,
                first_ns: time_ns,
                last_ns: time_ns,
                first_index: index,
                client_is_lo,
                after_eviction,
                counts: [Count::default(); 2],
                run_counts: [Count::default(); 2],
                run_first: (time_ns, index),
                run: 0,
                decided: None,
                first_own: Verdict::Unclassified(FlowReason::Undecided),
                signal: None,
                looked: u64::MAX,
                refuted: false,
                staged: false,
                ice: false,
                noted: false,
                quiet: 0,
                staging: Staging::default(),
                tcp: 0,
                closing: None,
                pending_head: u64::MAX,
                pending_tail: u64::MAX,
                pending: 0,
                site,
                picks,
            },
            hash,
            list,
        )
    }

    fn remember_eviction(&mut self, hash: u64) {
        if self.evicted_keys.is_empty() {
            self.evicted_keys = vec![0; REMEMBERED_EVICTIONS];
        }
        self.evicted_keys[hash as usize & (REMEMBERED_EVICTIONS - 1)] = hash | 1;
    }

    fn was_evicted(&self, hash: u64) -> bool {
        self.evicted_keys
            .get(hash as usize & (REMEMBERED_EVICTIONS - 1))
            .is_some_and(|&h| h == hash | 1)
    }

    /// Ends the flows idle past their transport's timeout, and closed TCP flows quiet past
    /// the close delay.
    #[cold]
    #[inline(never)]
    fn sweep(&mut self, sink: &mut impl Sink) {
        let timeouts = [
            self.config.udp_idle_ns,
            self.config.tcp_idle_ns,
            self.config.tcp_close_ns,
        ];
        loop {
            // The expired flow seen longest ago first, whatever its list.
            let expired = [UDP_LIST, TCP_LIST, CLOSING_LIST]
                .into_iter()
                .filter_map(|list| {
                    let slot = self.table.oldest(list)?;
                    let last = self.table.get(slot).last_ns;
                    (last.saturating_add(timeouts[list as usize]) <= self.now)
                        .then_some((last, slot))
                })
                .min();
            let Some((_, slot)) = expired else { break };
            let reason = self.table.get(slot).closing.unwrap_or(EndReason::Idle);
            self.end_flow(slot, reason, sink);
            self.prefetch_oldest();
        }
    }

    /// Fetches into the cache the flows seen longest ago, which the next evictions and idle
    /// ends read whole, and their index entries, which they remove (see [`hint`]).
    #[inline]
    fn prefetch_oldest(&mut self) {
        for list in 0..LISTS as u8 {
            if let Some(next) = self.table.oldest(list) {
                // Once per flow: most ends leave the other lists' heads where they were.
                let fetched = &mut self.prefetched[usize::from(list)];
                if *fetched != next {
                    *fetched = next;
                    self.table.prefetch(next);
                }
            }
        }
    }

    /// Reports the flow's last span, settles its held packets and frees its slot.
    fn end_flow(&mut self, slot: u32, reason: EndReason, sink: &mut impl Sink) {
        self.settle(slot, Settle::Fallback);
        if !self.streams.is_empty() {
            let id = self.table.get(slot).id;
            for from_lo in [true, false] {
                if let Some(buffer) = self.streams.remove(&(id, from_lo)) {
                    self.stream_bytes -= buffer.len();
                }
            }
        }
        self.note_role_once(slot);
        let record = self.table.get(slot).record(reason);
        sink.flow(&record);
        self.table.remove(slot);
    }

    /// The flow's label changed (or went): reports the span so far, and starts the next one
    /// with the packets that changed it: the disagreeing run, or the packet `(time, index,
    /// wire length)` alone.
    #[cold]
    #[inline(never)]
    fn end_span(
        &mut self,
        slot: u32,
        own: Own,
        from_lo: bool,
        (time_ns, index, wire_len): (u64, u64, u32),
        sink: &mut impl Sink,
    ) {
        self.note_role_once(slot);
        let flow = self.table.get_mut(slot);
        let (moved, first) = if flow.run > 0 && flow.decided.is_some() {
            (flow.run_counts, flow.run_first)
        } else {
            let mut counts = [Count::default(); 2];
            counts[usize::from(!from_lo)].add(wire_len);
            (counts, (time_ns, index))
        };
        let mut record = flow.record(EndReason::LabelChanged);
        without(&mut record, moved, flow.client_is_lo);
        sink.flow(&record);
        flow.span += 1;
        flow.counts = moved;
        (flow.first_ns, flow.first_index) = first;
        flow.first_own = own.fallback();
        flow.decided = None;
        flow.refuted = false;
        flow.quiet = 0;
        flow.looked = u64::MAX;
        flow.run = 0;
        flow.run_counts = [Count::default(); 2];
        match own {
            Own::Narrow(d) if d.evidence == Evidence::Confirmed => {
                flow.decide(d, FlowEvidence::Confirmed, DecidedBy::Packet, from_lo);
                flow.staged = false;
                flow.staging = flow.staging.next_span();
            }
            // The run's packets agree among themselves: the flow goes on with their label,
            // and the held ones carry it.
            Own::Staged(d) if flow.staging.agrees(&self.config, d.label) => {
                flow.decide(d, FlowEvidence::Confirmed, DecidedBy::Flow, from_lo);
            }
            _ => {
                flow.staged = false;
                flow.staging = flow.staging.next_span();
            }
        }
        let how = if flow.decided.is_some() {
            Settle::Carry
        } else {
            Settle::Fallback
        };
        self.settle(slot, how);
    }

    /// Reports `record`, the span before the flow's decision, without the packets the decision
    /// covers (this one, of `(time, index, wire length)`, and the held ones), which start the
    /// next span.
    #[cold]
    #[inline(never)]
    fn split_span(
        &mut self,
        slot: u32,
        mut record: FlowRecord,
        from_lo: bool,
        (time_ns, index, wire_len): (u64, u64, u32),
        sink: &mut impl Sink,
    ) {
        let mut moved = [Count::default(); 2];
        let mut first = (time_ns, index);
        let flow = self.table.get(slot);
        let mut seq = flow.pending_head;
        for n in 0..flow.pending {
            let Some(held) = seq
                .checked_sub(self.held_base)
                .and_then(|at| self.held.get(at as usize))
            else {
                break;
            };
            if n == 0 {
                first = (held.verdict.time_ns, held.verdict.index);
            }
            moved[usize::from(!held.from_lo)].add(held.verdict.wire_len);
            seq = held.next;
        }
        moved[usize::from(!from_lo)].add(wire_len);
        let flow = self.table.get_mut(slot);
        without(&mut record, moved, flow.client_is_lo);
        sink.flow(&record);
        flow.span += 1;
        flow.counts = moved;
        (flow.first_ns, flow.first_index) = first;
        flow.quiet = 0;
        flow.looked = u64::MAX;
    }

    /// Appends a packet to the hold-back queue (or hands it out at once when nothing is held
    /// before it and it is settled).
    #[inline]
    fn enqueue(
        &mut self,
        verdict: PacketVerdict,
        fallback: Verdict,
        pending: bool,
        from_lo: bool,
        slot: u32,
    ) {
        let seq = self.held_base + self.held.len() as u64;
        if pending {
            let flow = self.table.get_mut(slot);
            let previous = flow.pending_tail;
            if flow.pending == 0 {
                flow.pending_head = seq;
            }
            flow.pending_tail = seq;
            flow.pending += 1;
            if flow.pending > 1 {
                let at = (previous - self.held_base) as usize;
                self.held[at].next = seq;
            }
        }
        self.reserve_held();
        self.held.push_back(Held {
            verdict,
            fallback,
            pending,
            from_lo,
            slot,
            next: u64::MAX,
            pushed_at: self.pushed,
        });
    }

    /// Room for one more held packet, growing the queue by doubling but never past the bound
    /// (plus the one packet that pushes it over), so that it stays within the budget.
    #[inline]
    fn reserve_held(&mut self) {
        if self.held.len() == self.held.capacity() {
            self.grow_held();
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_held(&mut self) {
        let bound = self.config.hold_packets + 1;
        let want = (self.held.capacity() * 2).max(64).min(bound);
        self.held
            .reserve_exact(want.saturating_sub(self.held.len()).max(1));
    }

    /// Settles every held packet of the flow in `slot`.
    #[inline]
    fn settle(&mut self, slot: u32, how: Settle) {
        // Nothing held: nothing to settle (the flow's pending list is empty).
        if self.table.get(slot).pending != 0 {
            self.settle_held(slot, how);
        }
    }

    #[inline(never)]
    fn settle_held(&mut self, slot: u32, how: Settle) {
        let flow = self.table.get_mut(slot);
        let mut seq = flow.pending_head;
        let count = flow.pending;
        flow.pending = 0;
        flow.pending_head = u64::MAX;
        flow.pending_tail = u64::MAX;
        let flow = self.table.get_mut(slot);
        if how == Settle::Fallback && flow.decided.is_none() {
            // Handed out unlabelled: the span does not claim them if the flow decides later.
            flow.quiet += count;
        }
        let flow = self.table.get(slot);
        for _ in 0..count {
            let Some(held) = seq
                .checked_sub(self.held_base)
                .and_then(|at| self.held.get_mut(at as usize))
            else {
                break;
            };
            held.pending = false;
            held.verdict.verdict = match how {
                Settle::Carry => flow.carried(held.from_lo).unwrap_or(held.fallback),
                Settle::Fallback => held.fallback,
            };
            seq = held.next;
        }
    }

    /// Hands out the settled packets at the front of the queue, and those held past the
    /// bounds (or all of them, with `all`).
    fn drain(&mut self, sink: &mut impl Sink, all: bool) {
        while let Some(front) = self.held.front() {
            // The flow of a packet a few places behind, which will be forced out too (or
            // handed out) a few pushes later: the fields that forcing it out reads and writes.
            if let Some(ahead) = self.held.get(HELD_AHEAD).filter(|held| held.pending) {
                let flow = self.table.get(ahead.slot);
                hint::prefetch(&flow.pending);
                hint::prefetch(&flow.decided);
                hint::prefetch(&flow.quiet);
                hint::prefetch(&flow.pending_head);
                hint::prefetch(&flow.pending_tail);
            }
            if front.pending {
                if !(all || self.over(front)) {
                    break;
                }
                // Forced out: it takes its own verdict and leaves its flow's pending list.
                let slot = front.slot;
                let next = front.next;
                let flow = self.table.get_mut(slot);
                if flow.decided.is_none() {
                    flow.quiet += 1;
                }
                flow.pending -= 1;
                flow.pending_head = next;
                if flow.pending == 0 {
                    flow.pending_tail = u64::MAX;
                }
                self.stats.released_undecided += 1;
            }
            // Handed out in place, then dropped: no copy of the held packet.
            let Some(held) = self.held.front_mut() else {
                break;
            };
            if held.pending {
                held.verdict.verdict = held.fallback;
            }
            sink.packet(&held.verdict);
            self.held.pop_front();
            self.held_base += 1;
        }
    }

    /// Whether a held packet is held past the bounds.
    #[inline]
    fn over(&self, held: &Held) -> bool {
        self.pushed - held.pushed_at > self.config.hold_packets as u64
            || held.verdict.time_ns.saturating_add(self.config.hold_ns) < self.now
    }

    fn emit(&mut self, verdict: PacketVerdict, sink: &mut impl Sink) {
        if self.held.is_empty() || !self.config.ordered {
            sink.packet(&verdict);
        } else {
            self.reserve_held();
            self.held.push_back(Held {
                verdict,
                fallback: verdict.verdict,
                pending: false,
                from_lo: true,
                slot: u32::MAX,
                next: u64::MAX,
                pushed_at: self.pushed,
            });
            self.drain(sink, false);
        }
    }
}

/// Whether [`Tracker::read_signalling`] may find anything in `packet`: a payload segment of a
/// SIP flow over TCP, or a packet its own payload confirms as SIP over UDP or FTP over TCP.
#[inline]
fn may_signal(flow_decided: Option<Decided>, packet: &Packet<'_>, own: &Own) -> bool {
    let tcp = packet.transport == Transport::Tcp;
    // Combined with `&` and `|`: these are as good as random from packet to packet.
    let sip_stream =
        tcp & !packet.payload.is_empty() & flow_decided.is_some_and(|d| d.label == Label::Sip);
    let reads = match own {
        Own::Narrow(d) | Own::Staged(d) => {
            (d.evidence == Evidence::Confirmed)
                & (((d.label == Label::Sip) & !tcp) | ((d.label == Label::Ftp) & tcp))
        }
        Own::None(_) => false,
    };
    sip_stream | reads
}

/// A STUN message (RFC 5389): the two top bits zero, the magic cookie, and a length that is a
/// multiple of 4 and fills the datagram after the 20-byte header.
fn is_stun(payload: &[u8]) -> bool {
    let Some(header) = payload.first_chunk::<20>() else {
        return false;
    };
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    header[0] & 0xc0 == 0
        && header[4..8] == [0x21, 0x12, 0xa4, 0x42]
        && len % 4 == 0
        && len + 20 == payload.len()
}

/// Whether a SIP message may matter to the expectations: BYE, CANCEL and failure responses end
/// a dialog's; a message with a body may carry SDP. A message that ends with its empty line
/// has no body: most messages are that, and they are settled without parsing.
fn worth_parsing(payload: &[u8]) -> bool {
    let ends_dialog = payload.starts_with(b"BYE ")
        || payload.starts_with(b"CANCEL ")
        || (payload.starts_with(b"SIP/2.0 ") && matches!(payload.get(8), Some(b'3'..=b'6')));
    ends_dialog || !(payload.ends_with(b"\r\n\r\n") || payload.ends_with(b"\n\n"))
}

/// `record` without the packets `moved` (by direction: sent by the low end, by the high end)
/// to the next span.
fn without(record: &mut FlowRecord, moved: [Count; 2], client_is_lo: bool) {
    let (client, server) = if client_is_lo { (0, 1) } else { (1, 0) };
    for (count, out) in [
        (&mut record.to_server, moved[client]),
        (&mut record.to_client, moved[server]),
    ] {
        count.packets = count.packets.saturating_sub(out.packets);
        count.bytes = count.bytes.saturating_sub(out.bytes);
    }
}

/// A fragmented datagram: source, destination, protocol, identification.
type Datagram = (u128, u128, u8, u32);

/// Its first fragment's flow: slot, flow id, whether it came from the low end, and when.
type FirstFragment = (u32, u64, bool, u64);

/// What identifies a fragment's datagram, as the fragment table keys it.
fn datagram(fragment: &Fragment<'_>) -> Option<Datagram> {
    Some((
        raw_slice(fragment.src_addr)?,
        raw_slice(fragment.dst_addr)?,
        fragment.protocol,
        fragment.id,
    ))
}

/// A hash of `key` that is the same in every run: the remembered evictions are indexed by it,
/// so whether a flow is marked `after_eviction` does not depend on the table's random seed.
fn fixed_hash(key: &FlowKey) -> u64 {
    ahash::RandomState::with_seeds(0x5357_5958, 0x666c_6f77, 0x6576_6963, 0x7465_6421).hash_one(key)
}

/// What an announced flow's packet carries: for an FTP data connection anything is FTP; for
/// media the payload decides, whatever the announcement said (a declined T.38 offer leaves
/// RTP on its port): UDPTL is T.38, RTP or RTCP is RTP; anything else is none of it.
fn announced_payload(ftp_data: bool, packet: &Packet<'_>) -> Option<(Label, bool)> {
    use swyx_classify::signature;
    if ftp_data {
        return Some((Label::Ftp, false));
    }
    let (p, n) = (packet.payload, packet.payload_len as usize);
    if signature::rtp(p, n) {
        Some((Label::Rtp, false))
    } else if signature::rtcp(p, n) {
        Some((Label::Rtp, true))
    } else if signature::udptl(p, n) {
        Some((Label::T38, false))
    } else {
        None
    }
}

/// A carried verdict as signalling's.
fn signalled(verdict: Verdict) -> Verdict {
    match verdict {
        Verdict::Labelled(l) => Verdict::Labelled(Labelled {
            decided_by: DecidedBy::Signalling,
            ..l
        }),
        other => other,
    }
}

/// A carried label for a packet whose own payload matches it too.
fn confirmed(verdict: Verdict, rtcp: bool, evidence: FlowEvidence) -> Verdict {
    match verdict {
        Verdict::Labelled(l) => Verdict::Labelled(Labelled {
            evidence,
            rtcp,
            ..l
        }),
        other => other,
    }
}
