//! Flows above the SwyxWare packet classifier: a [`Tracker`] follows bidirectional 5-tuples
//! in capture order and decides per flow what `swyx-classify` can only guess per packet.
//!
//! ```
//! use swyx_classify::{classify, Label};
//! use swyx_flow::{DecidedBy, FlowRecord, PacketVerdict, Sink, Tracker};
//!
//! #[derive(Default)]
//! struct Collect(Vec<PacketVerdict>, Vec<FlowRecord>);
//! impl Sink for Collect {
//!     fn packet(&mut self, packet: &PacketVerdict) { self.0.push(*packet) }
//!     fn flow(&mut self, flow: &FlowRecord) { self.1.push(*flow) }
//! }
//!
//! let mut frame = swyx_classify::doc_frame(); // Ethernet, IPv4, UDP 51000 -> 50100, RTP
//! let mut tracker = Tracker::swyxware_2013();
//! let mut out = Collect::default();
//! for index in 0..3 {
//!     frame[45] = index as u8; // the RTP sequence number steps forward
//!     tracker.push(index, index * 20_000_000, frame.len() as u32, &classify(&frame), &mut out);
//! }
//! tracker.finish(&mut out);
//! assert_eq!(out.0.len(), 3);                          // every packet, in capture order
//! assert_eq!(out.0[0].verdict.label(), Some(Label::Rtp));   // held until the second agreed
//! assert_eq!(out.0[0].verdict.labelled().unwrap().decided_by, DecidedBy::Flow);
//! assert_eq!(out.1.len(), 1);                          // one flow, reported when it ended
//! assert_eq!(out.1[0].to_server.packets, 3);
//! ```
//!
//! The tracker takes each packet's stateless [`Classification`](swyx_classify::Classification)
//! (so the stateless stage can run on other threads) and hands a [`Sink`] every packet, in
//! capture order, with its flow's decision ([`PacketVerdict`]), and every flow as it ends
//! ([`FlowRecord`]). `swyx-report` turns both into the batch tool's outputs.
//!
//! # The rules
//!
//! 1. **A flow keeps its strongest evidence.** A packet confirmed by its own payload on a
//!    narrow row decides its flow (`decided_by: packet`). Packets without evidence of their
//!    own (TCP continuation segments, pure ACKs, an empty datagram) carry the flow's label
//!    (`decided_by: flow`). A port-only decision is replaced by the first confirmation. A
//!    datagram whose payload contradicts the flow's rows (a STUN packet in an RTP stream) is
//!    evidence against the label: it keeps its own verdict, and does not end the flow's label
//!    unless a run of them does (rule 4).
//! 2. **A TCP message start may contradict.** After a SYN was seen, the first payload segment
//!    in each direction starts a message, and is classified as one
//!    ([`Classifier::classify_packet_at_message_start`](swyx_classify::Classifier::classify_packet_at_message_start)):
//!    a payload that matches none of the rows' labels contradicts, and the whole flow (its
//!    handshake too) is unclassified with `payload_contradicts`. So HTTP on TCP 5060 is not
//!    SIP. Without the SYN (a capture that starts mid-connection), a TCP segment only ever
//!    confirms, as in the stateless classifier. The handshake's packets wait for that first
//!    segment (see 6). Its segments without payload are no evidence: they carry the flow's
//!    label once it has one, and a connection that never carries a byte (a handshake alone, a
//!    refused connection, measured on `ocs.pcap`'s 6 frames to 5122) is unclassified with
//!    `no_payload`: a port alone labels no connection whose opening was seen.
//! 3. **Weak signatures and broad rows need agreeing packets.** RTP and T.38 (whose signatures
//!    are a few header bits) on any row (RTCP, whose lengths must fit, decides alone on a
//!    narrow row), and every label on a broad row (SwyxDect 800's
//!    2048-65535, SwyxConnect 172x's 32768-49151, the FaxServer's 2000-8000, the 16384-port
//!    RTP ranges), label a flow only once several of its packets agree ([`Config`]): RTP, 2
//!    packets in one direction with one SSRC, sequence numbers stepping forward by 1 to 16,
//!    timestamps not going back; RTCP, one compound packet (a report first, lengths adding up
//!    to the datagram) or 2 reports with one SSRC; T.38 (UDPTL), 3 packets whose sequence
//!    numbers step forward; the other labels on broad rows, 2 confirmed packets in either
//!    direction. A DNS reply that happens to parse as RTP, or QUIC packets whose connection id
//!    sits where RTP has its sequence number, never agree: they are `undecided`. The other
//!    labels on narrow rows (SIP, H.323, LDAP, NTP, FTP, TLS) decide on one packet.
//!
//!    The thresholds were chosen on the public captures (VoIP and negatives alike); the
//!    README's "Flow rules on the public captures" gives the true and false positives before
//!    and after.
//!
//! 4. **A label changes only on stronger evidence, and visibly.** A port-only flow that gets a
//!    confirmation of another label, or a labelled UDP flow whose datagrams stop matching its
//!    label for 4 in a row (packets of another label that agree among themselves, as T.38
//!    after a re-INVITE, or packets of none), ends a *span*: the span so far is reported as a
//!    flow row with end reason `label_changed`, and the flow goes on, with the same
//!    [`FlowId`], as span 1, 2, ... RTP then T.38 on one 5-tuple is two rows of one flow.
//! 5. **Bounded memory, nothing lost.** A flow ends on FIN in both directions or RST (reported
//!    once quiet for 5 s, so the last ACKs still count in it), on an idle timeout (UDP 60 s,
//!    TCP 300 s, capture time: Zeek's defaults), when the memory budget (64 MiB) is reached
//!    (the flows idle longest are evicted first), or at the end of the capture. Each ended
//!    flow is reported at once, with its [`EndReason`]. A flow seen again after its eviction
//!    is a new row marked [`FlowRecord::after_eviction`] (the tracker remembers the last
//!    16,384 evicted keys). Every packet is handed out exactly once.
//! 6. **Held back, in order.** A packet whose flow is undecided (a TCP handshake before its
//!    first segment, RTP or broad-row packets before they agree, packets of another label in
//!    a labelled stream before the run ends) is held back until its flow decides; the packets
//!    after it wait too, so output stays in capture order. A packet is held at most 16,384
//!    packets and 1 s of capture time ([`Config::hold_packets`], [`Config::hold_ns`]); at the
//!    bound it goes out with its own verdict, `undecided` where only agreement would label
//!    it. The held packets count in the memory budget. Without [`Config::ordered`] (a
//!    summary, flow rows) only the held packets wait; every verdict is the same.
//! 7. **Signalling announces flows** ([`signalling`]). An SDP offer or answer in a SIP message
//!    (a UDP datagram, or a TCP stream read within [`Config::sip_stream_buffer`] per
//!    direction) announces, for each media it does not decline, where its sender receives it
//!    (`c=`, `m=` port, `a=rtcp:` or port + 1); FTP's 227, 229, `PORT` and `EPRT` announce a
//!    data connection. A flow one of its ends was announced for is labelled with evidence
//!    [`FlowEvidence::Signalled`]: the payload decides the label (UDPTL is T.38, RTP or RTCP
//!    is RTP, so a declined T.38 offer leaves RTP; anything else on a media port is not
//!    labelled by the announcement), the component is the announcer's (the component the SIP
//!    rows place at the sender's end, else the media port's row, else the SIP flow's own), and
//!    the matrix's choice goes to the peer; an FTP data connection is FTP, as its control connection. The row names the
//!    announcing flow and the Call-ID. A later SDP of the same side of a dialog replaces what
//!    it announced; BYE, CANCEL and a failed INVITE end the dialog's announcements; at most
//!    [`Config::max_expectations`] are kept, each for [`Config::expectation_ns`].
//! 8. **Fragments and hosts.** Fed with [`Tracker::push_fragment`], the later fragments of an
//!    IP datagram (no ports of their own) count in the flow of its first fragment and carry its
//!    label. [`Tracker::hosts`] gives the components each address was seen acting as: the
//!    component's end of every confirmed or signalled flow (noted when the flow is decided),
//!    and the sender of SDP from a component's SIP port.
//! 9. **Roles break the media ties the matrix leaves** ([`Config::roles_break_ties`]). An RTP
//!    or T.38 flow whose host at the component's end was known, when the flow started, as
//!    components other than the matrix's choice, exactly one of which has a row there with the
//!    label, is that component's (and the peer likewise): a FaxServer's RTP from 5010, which
//!    the SwyxPhone L4xx's narrower 5000-5020 takes by the matrix alone. Limits: roles are
//!    those known when the flow starts (media before its host's first confirmed flow keeps
//!    the matrix's choice); identical rows (SwyxIt! and the MobileExtensionManager) are
//!    identical for roles too, because a host's roles come from the same rows; the other
//!    labels keep the matrix's rules, so a SIP flow's component never depends on the order
//!    in which its hosts were seen.
//! 10. **A site inventory** ([`Site`], [`Tracker::set_site`]) names hosts' components: they
//!     win over roles and the matrix's order wherever a row of theirs allows it, and media and
//!     broad rows between hosts it does not list get no label (`not_a_site_host`).
//! 11. **No payload, no label; no ICE.** A TCP connection whose SYN was seen and that never
//!     carries a byte is `no_payload`. A UDP flow that carried STUN is another application's
//!     ICE media: its RTP, RTCP and T.38 are `ice_media`
//!     ([`Config::stun_marks_other_media`]).
//!
//! # Speed
//!
//! Flows live in a slab indexed by an open-addressing table of slot numbers, written here so
//! that an entry can be fetched into the cache before it is read (the key is hashed once with
//! `ahash`, randomly seeded, so a hostile capture cannot pick colliding keys), with
//! least-recently-seen lists in an array beside the slab for the idle timeouts and the
//! evictions. `cargo bench --bench flow` measures it against classification alone and a
//! `std::collections::HashMap` doing the same counting, on a mix of 10,000 flows and on a
//! scan whose flows outgrow the cache; for the scan the tracker fetches the flows and index
//! entries it will read next into the cache ahead of time (the crate's one `unsafe` block, a
//! prefetch hint).

#![deny(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod expect;
mod hint;
mod hosts;
mod index;
mod key;
pub mod signalling;
mod site;
mod staging;
mod table;
mod tracker;
mod verdict;

pub use config::Config;
pub use hosts::Roles;
pub use key::Endpoint;
pub use site::{Site, SiteEntry, SiteError, SiteErrorKind};
pub use tracker::{Stats, Tracker};
pub use verdict::{
    Addressing, CallId, Count, DecidedBy, EndReason, FlowEvidence, FlowId, FlowReason, FlowRecord,
    Labelled, PacketVerdict, Sink, Verdict,
};
