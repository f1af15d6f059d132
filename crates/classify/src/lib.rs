//! Labels every UDP/TCP packet of a SwyxWare network with the protocol it carries and the
//! SwyxWare component it belongs to: zero-copy, allocation-free, and panic-free on any input.
//!
//! ```
//! use swyx_classify::{classify, Component, Evidence, Label};
//!
//! # let frame = swyx_classify::doc_frame();
//! // `frame` is an Ethernet II frame: UDP 51000 -> 50100 carrying an RTP packet.
//! let result = classify(&frame);
//! assert_eq!(result.label(), Some(Label::Rtp));
//! assert_eq!(result.component(), Some(Component::SwyxServer));
//! // 51000-51499 is narrower than the 50000-50999 of MobileExtensionManager and SwyxIt!.
//! assert_eq!(result.peer(), Some(Component::MobileExtensionManager));
//! assert_eq!(result.evidence(), Some(Evidence::Confirmed));
//! ```
//!
//! # How a packet is labelled
//!
//! The SwyxWare 2013 port matrix (see `swyx_matrix`) is ambiguous: 5060 is SIP for six
//! components and RTP for the SwyxPhone S315, SwyxDect 800 claims UDP and TCP 2048-65535,
//! LinkManager and ConferenceManager share 56000. A port alone cannot decide, so the
//! classifier resolves deterministically:
//!
//! 1. **Candidates.** Every matrix row that covers the source port and every row that covers
//!    the destination port, on the packet's transport ([`Classifier::candidates`] lists them).
//! 2. **Payload check** against each candidate row's labels ([`PayloadCheck`]):
//!    *confirmed* when the payload matches one of the labels' signatures; *contradicted* when
//!    the packet is UDP (a datagram is a whole message), the payload is present and complete,
//!    every label of the row has a signature and none matches; *unknown* otherwise (no
//!    payload, a truncated payload, TCP, whose segments may start anywhere in a stream and so
//!    only ever confirm, or a label without a signature). On ports the matrix marks as TLS
//!    (CorNet-TC 4061, H.323 1300/1721, DLS 18443, HTTP 8085) a TLS record header confirms
//!    too.
//! 3. **Broad rows** (ranges wider than [`BROAD_RANGE_WIDTH`] = 2048 ports: SwyxDect 800's
//!    2048-65535, the 16384-port ranges, SwyxConnect 172x's 4096-port Masquerading, the
//!    FaxServer's 2000-8000) only count when confirmed; otherwise every TCP connection from an
//!    ephemeral port would be SwyxDect 800 H.323. Rows that name no protocol never decide a
//!    label; a narrow one can name a peer (SwyxConnect 172x's "General" and "Masquerading"
//!    rows are broad, so in the SwyxWare 2013 matrix they only show up as candidates).
//! 4. **Order** among the rows left ([`Candidate::rank`]): confirmed before unknown, then the
//!    narrowest covering range, then rows whose component listens on the port before rows
//!    whose component connects to it (the "undetermined, outgoing" CDS rows and "destination N"
//!    rows), then the destination side before the source side, then matrix order.
//! 5. **Nothing left**: the packet is unclassified with a [`Reason`]: not IP, not TCP/UDP,
//!    non-first fragment, truncated before the ports, malformed header, no matrix row, only
//!    rows without a protocol, payload contradicts every (non-broad) row, broad row without
//!    evidence.
//!
//! The winner gives the label, component, side, port and evidence of the [`Decision`]; the
//! *peer* is the best *narrow* row on the other port that counts under the same rules and
//! carries the same label (or none). Broad rows never name a peer: the payload that confirms
//! SIP on 5060 would otherwise "confirm" SwyxDect 800 on every ephemeral port.
//!
//! Two consequences worth knowing. Swapping source and destination keeps the label, except
//! where the best rows of both ports tie on evidence, width and role and carry different
//! labels (TCP 4060 <-> 1720 without payload: the destination decides). Truncating a frame
//! never changes a port-only label while the ports survive: signatures only match on bytes
//! that were captured, and a truncated payload never contradicts. That holds for every matrix
//! whose narrow UDP rows carry only labels with a UDP signature, as the SwyxWare 2013 matrix's
//! do; a custom narrow UDP row labelled, say, `h323` (RAS has no signature) stays unknown on
//! a whole datagram that contradicts its neighbours, and can lose to them once truncated.
//!
//! # Encapsulations
//!
//! Below the link layer ([`LinkType`]), the decoder reads, with a bound on each and without
//! allocating:
//!
//! - **802.1Q / 802.1ad (QinQ) tags** (TPID 0x8100, 0x88a8, 0x9100, 0x9200), up to 8;
//! - **PPPoE sessions** (EtherType 0x8864, after any tags) whose PPP protocol is IPv4 (0x0021)
//!   or IPv6 (0x0057); other PPP protocols are [`Reason::NotIp`];
//! - **MPLS label stacks** (0x8847, 0x8848) up to 8 labels, then IPv4 or IPv6 by the version
//!   nibble (a pseudowire is [`Reason::NotIp`]);
//! - **tunnels**, two levels deep counted together: IP-in-IP (4), IPv6-in-IP (41), **GRE**
//!   (47, version 0, with checksum, key and sequence number) carrying IPv4, IPv6, Ethernet
//!   (transparent Ethernet bridging) or **ERSPAN** types I, II and III (Ethernet inside,
//!   after the platform-specific subheader of type III when present), and **VXLAN** (UDP to
//!   4789). A tunnel beyond the depth, GRE version 1 (PPTP) and GRE of another protocol type
//!   are [`Reason::NotTcpUdp`]; a UDP datagram to 4789 is only VXLAN with the I flag set and
//!   an Ethernet frame that leads to an IP header, and otherwise is classified as the UDP
//!   packet it is.
//!
//! The packet classified is the innermost one: its ports and addresses. Plain Ethernet, IPv4
//! and UDP pay one comparison for all this (the destination port against 4789); the rest is
//! decoded out of line.
//!
//! # Tables
//!
//! The default table is generated at compile time (`build.rs`) from the matrix file shipped in
//! `swyx_matrix`, as is a table for every other matrix file of its `data/` folder
//! ([`Classifier::by_name`], [`MATRIX_NAMES`]); [`Classifier::new`] takes any other
//! [`PortTable`], such as one built at run time by [`OwnedPortTable::build`] for a site that
//! moved its RTP ports.
//!
//! Per packet, the classifier decodes the headers by hand (tunnels in a loop, so every path
//! keeps the packet in registers), looks each port's set id up in one flat array (a single
//! load, 256 KiB per table) and reads the port's *decisive set*: one 56-byte record holding
//! the union of the signatures its *decisive* entries (those no earlier entry dominates) need,
//! and the hot fields of its first four entries side by side (in 16-bit lanes; the layout is
//! `swyx_matrix`'s hidden `layout` module, outside semver). It runs each needed
//! signature at most once (a table of first payload bytes settles most of them without
//! running them), then picks the best entry of both ports with a few word operations on the
//! lanes, without a loop or a branch per entry (tables whose ports have more than four
//! decisive entries scan them instead). It allocates nothing. `cargo bench --bench classify`
//! prints its speed against etherparse's slicing and a naive scan of the rows (the README's
//! Performance section has the figures).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod classification;
mod link;
mod packet;
mod reference;
mod resolve;
pub mod signature;

pub use classification::{
    Candidate, Classification, Decision, Evidence, Outcome, PayloadCheck, Reason, Side,
};
pub use link::LinkType;
pub use packet::{fragment_of, Fragment, Packet};
pub use reference::classify_reference;
pub use swyx_matrix::{
    Component, Entry, Label, Labels, Matrix, MatrixError, MatrixErrorKind, OwnedPortTable,
    PortRange, PortTable, Role, Transport, BROAD_RANGE_WIDTH,
};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/tables.rs"));
}

/// The port table generated at compile time from the shipped SwyxWare 2013 matrix file.
pub static SWYXWARE_2013_TABLE: &PortTable<'static> = &generated::swyxware_2013::TABLE;

/// The names of the matrix versions with a table generated at compile time, in name order:
/// the stem of every matrix file shipped in `swyx_matrix`'s `data/` folder (`swyxware-2013`,
/// and `example-moved-rtp`, an example of a second version that the tests use).
///
/// ```
/// assert!(swyx_classify::MATRIX_NAMES.contains(&"swyxware-2013"));
/// ```
pub const MATRIX_NAMES: &[&str] = &generated::NAMES;

/// The port table generated at compile time from the matrix file named `name` (see
/// [`MATRIX_NAMES`]); `None` for another name.
///
/// ```
/// use swyx_classify::{table_by_name, SWYXWARE_2013_TABLE};
/// assert_eq!(table_by_name("swyxware-2013"), Some(SWYXWARE_2013_TABLE));
/// assert_eq!(table_by_name("swyxware-1999"), None);
/// ```
#[must_use]
pub fn table_by_name(name: &str) -> Option<&'static PortTable<'static>> {
    generated::TABLES
        .iter()
        .find(|(table_name, _)| *table_name == name)
        .map(|(_, table)| table)
}

/// A classifier over one port table.
///
/// ```
/// use swyx_classify::{Classifier, Component, Label, Matrix, OwnedPortTable, Transport};
///
/// // A site whose SwyxServer uses RTP ports 40000-40499.
/// let matrix = Matrix::parse_with(Matrix::SWYXWARE_2013, &[("RTPFirstPort", 40000), ("RTPLastPort", 40499)])?;
/// let table = OwnedPortTable::build(&matrix)?;
/// let classifier = Classifier::new(table.table());
/// let rtp = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
/// let result = classifier.classify_transport(Transport::Udp, 40002, 9, &rtp, rtp.len());
/// assert_eq!((result.label(), result.component()), (Some(Label::Rtp), Some(Component::SwyxServer)));
/// # Ok::<(), swyx_classify::MatrixError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Classifier<'t> {
    table: PortTable<'t>,
}

impl Default for Classifier<'static> {
    fn default() -> Self {
        Classifier::swyxware_2013()
    }
}

impl Classifier<'static> {
    /// The classifier over the compile-time SwyxWare 2013 table.
    pub const fn swyxware_2013() -> Classifier<'static> {
        Classifier {
            table: generated::swyxware_2013::TABLE,
        }
    }

    /// The classifier over the compile-time table of the matrix version `name` (one of
    /// [`MATRIX_NAMES`]); `None` for another name. Its table is not a constant where the
    /// classifier runs, so it works as [`Classifier::new`] does, through loads.
    ///
    /// ```
    /// use swyx_classify::{Classifier, Label, Transport};
    /// let classifier = Classifier::by_name("swyxware-2013").unwrap();
    /// let result = classifier.classify_transport(Transport::Udp, 5062, 5060, b"OPTIONS sip:pbx SIP/2.0\r\n", 26);
    /// assert_eq!(result.label(), Some(Label::Sip));
    /// assert!(Classifier::by_name("swyxware-1999").is_none());
    /// ```
    #[must_use]
    pub fn by_name(name: &str) -> Option<Classifier<'static>> {
        table_by_name(name).map(|table| Classifier::new(*table))
    }
}

impl<'t> Classifier<'t> {
    /// A classifier over `table`.
    pub const fn new(table: PortTable<'t>) -> Classifier<'t> {
        Classifier { table }
    }

    /// The table it reads.
    pub const fn table(&self) -> &PortTable<'t> {
        &self.table
    }

    /// Classifies an Ethernet II frame (802.1Q / QinQ tags, PPPoE, MPLS and tunnels allowed:
    /// see the crate docs' *Encapsulations*).
    #[must_use]
    #[inline]
    pub fn classify<'a>(&self, frame: &'a [u8]) -> Classification<'a> {
        self.finish(packet::decode_ethernet(frame))
    }

    /// Classifies a raw IPv4 or IPv6 packet.
    #[must_use]
    #[inline]
    pub fn classify_ip<'a>(&self, packet: &'a [u8]) -> Classification<'a> {
        self.finish(packet::decode_ip(packet))
    }

    /// Classifies a captured packet of link type `link` (see [`LinkType::from_linktype`]).
    #[must_use]
    #[inline]
    pub fn classify_link<'a>(&self, link: LinkType, data: &'a [u8]) -> Classification<'a> {
        self.finish(packet::decode_link(link, data))
    }

    /// Classifies a packet whose headers the caller already decoded. `payload_len` is the
    /// payload's length on the wire (a larger value than `payload.len()` marks the payload as
    /// truncated).
    #[must_use]
    pub fn classify_transport<'a>(
        &self,
        transport: Transport,
        src_port: u16,
        dst_port: u16,
        payload: &'a [u8],
        payload_len: usize,
    ) -> Classification<'a> {
        let packet = Packet {
            transport,
            src_port,
            dst_port,
            payload,
            payload_len: u32::try_from(payload_len.max(payload.len())).unwrap_or(u32::MAX),
            src_addr: &[],
            dst_addr: &[],
            tcp_flags: 0,
        };
        self.classify_packet(&packet)
    }

    /// Classifies a decoded [`Packet`].
    #[must_use]
    #[inline]
    pub fn classify_packet<'a>(&self, packet: &Packet<'a>) -> Classification<'a> {
        Classification {
            packet: Some(*packet),
            outcome: resolve::resolve(&self.table, packet),
        }
    }

    /// Classifies a decoded [`Packet`] whose TCP payload is known to start a message: the
    /// first payload segment of a direction after a handshake that was seen. There, as in a
    /// whole UDP datagram, a payload that matches none of a row's labels (all of which have a
    /// signature on TCP) contradicts the row, so HTTP on the SIP port is not SIP. The flow
    /// layer, which sees the handshake, calls it; on UDP it is [`Classifier::classify_packet`].
    ///
    /// ```
    /// use swyx_classify::{Classifier, Packet, Reason, Transport};
    /// let classifier = Classifier::swyxware_2013();
    /// let get = b"GET / HTTP/1.1\r\nHost: pbx\r\n\r\n";
    /// let packet = Packet::new(Transport::Tcp, 50123, 5060, get)
    ///     .with_addresses(&[10, 0, 0, 1], &[10, 0, 0, 2])
    ///     .with_tcp_flags(0x18);
    /// // Mid-stream a TCP segment never contradicts: port only.
    /// assert!(classifier.classify_packet(&packet).label().is_some());
    /// // As the first segment after the handshake it does.
    /// let start = classifier.classify_packet_at_message_start(&packet);
    /// assert_eq!(start.reason(), Some(Reason::PayloadContradicts));
    /// ```
    #[must_use]
    pub fn classify_packet_at_message_start<'a>(&self, packet: &Packet<'a>) -> Classification<'a> {
        Classification {
            packet: Some(*packet),
            outcome: resolve::resolve_starting(&self.table, packet, true),
        }
    }

    #[inline]
    fn finish<'a>(&self, decoded: Result<Packet<'a>, Reason>) -> Classification<'a> {
        match decoded {
            Ok(packet) => self.classify_packet(&packet),
            Err(reason) => Classification {
                packet: None,
                outcome: Outcome::Unclassified(reason),
            },
        }
    }

    /// Every matrix row covering the classified packet's ports, destination side first, each
    /// in resolution order, with what the payload makes of it. Allocation-free.
    ///
    /// ```
    /// use swyx_classify::{Classifier, Component, Transport};
    /// let classifier = Classifier::swyxware_2013();
    /// let result = classifier.classify_transport(Transport::Tcp, 50123, 9094, &[], 0);
    /// let components: Vec<Component> = classifier.candidates(&result).map(|c| c.component).collect();
    /// assert_eq!(components[0], Component::ConfigDataStore);
    /// assert!(components.contains(&Component::SwyxServer)); // connects to 9094
    /// ```
    #[must_use]
    pub fn candidates<'a>(&self, classification: &Classification<'a>) -> Candidates<'t, 'a> {
        let (dst, src) = match &classification.packet {
            Some(p) => (
                self.table.lookup(p.transport, p.dst_port),
                self.table.lookup(p.transport, p.src_port),
            ),
            None => (&[][..], &[][..]),
        };
        Candidates {
            packet: classification.packet,
            signatures: classification.packet.as_ref().map(resolve::Signatures::new),
            dst,
            src,
            at: 0,
        }
    }
}

/// The candidates of a classified packet: see [`Classifier::candidates`].
#[derive(Debug, Clone)]
pub struct Candidates<'t, 'a> {
    packet: Option<Packet<'a>>,
    /// One signature cache for the whole iteration: each signature runs at most once.
    signatures: Option<resolve::Signatures<'a>>,
    dst: &'t [Entry],
    src: &'t [Entry],
    at: usize,
}

impl Iterator for Candidates<'_, '_> {
    type Item = Candidate;

    fn next(&mut self) -> Option<Candidate> {
        let packet = self.packet.as_ref()?;
        let (side, port, entry) = if let Some(entry) = self.dst.get(self.at) {
            (Side::Destination, packet.dst_port, entry)
        } else {
            (
                Side::Source,
                packet.src_port,
                self.src.get(self.at - self.dst.len())?,
            )
        };
        self.at += 1;
        let signatures = self.signatures.as_mut()?;
        Some(resolve::candidate(entry, side, port, signatures))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = if self.packet.is_some() {
            (self.dst.len() + self.src.len()).saturating_sub(self.at)
        } else {
            0
        };
        (left, Some(left))
    }
}

impl ExactSizeIterator for Candidates<'_, '_> {}

/// Classifies an Ethernet II frame with the default SwyxWare 2013 table.
///
/// The table is a constant: inlined where it is called (these functions always are), the
/// classifier's code knows the table's addresses and shape at compile time, and runs faster
/// than through a [`Classifier`] whose table it cannot see.
#[must_use]
#[inline(always)]
pub fn classify(frame: &[u8]) -> Classification<'_> {
    Classifier::swyxware_2013().classify(frame)
}

/// Classifies a raw IPv4 or IPv6 packet with the default SwyxWare 2013 table.
#[must_use]
#[inline(always)]
pub fn classify_ip(packet: &[u8]) -> Classification<'_> {
    Classifier::swyxware_2013().classify_ip(packet)
}

/// Classifies a captured packet of link type `link` with the default SwyxWare 2013 table.
#[must_use]
#[inline(always)]
pub fn classify_link(link: LinkType, data: &[u8]) -> Classification<'_> {
    Classifier::swyxware_2013().classify_link(link, data)
}

/// A frame for the crate-level example: Ethernet, IPv4, UDP 51000 -> 50100, RTP.
#[doc(hidden)]
pub fn doc_frame() -> Vec<u8> {
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[0x08, 0x00]);
    let rtp = [
        0x80u8, 0x00, 0x12, 0x34, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef, 0xd5, 0xd5, 0xd5, 0xd5,
    ];
    let total = (20 + 8 + rtp.len()) as u16;
    frame.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ]);
    frame.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    let udp_len = (8 + rtp.len()) as u16;
    frame.extend_from_slice(&51000u16.to_be_bytes());
    frame.extend_from_slice(&50100u16.to_be_bytes());
    frame.extend_from_slice(&udp_len.to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(&rtp);
    frame
}
