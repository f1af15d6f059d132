//! Fuzz target bodies, shared by `cargo fuzz` (the `fuzz/` package, one target per function)
//! and the normal test suite (the root package's `tests/fuzz_corpus.rs` replays the committed
//! corpora).
//!
//! Every body takes arbitrary bytes and panics only when it finds a bug: a documented property
//! of the classifier, the port tables, the matrix parser or the capture reader that does not
//! hold for that input.
//!
//! | target                 | input                                                            |
//! |------------------------|------------------------------------------------------------------|
//! | [`classify_frame`]     | a link-type selector byte, then a captured frame                 |
//! | [`classify_structured`]| decoded transport fields and a payload ([`encode_structured`])   |
//! | [`pcap_stream`]        | a pcap or pcapng file                                            |
//! | [`matrix_parse`]       | a matrix file (lossy UTF-8)                                      |
//! | [`table_differential`] | bytes that steer a generator of valid matrix files and packets   |
//! | [`flow_tracker`]       | bytes that steer a generator of packet sequences of a few flows  |
//!
//! The properties checked on every classification (see [`classify_frame`]) restate the
//! resolution rules of `swyx_classify` from the outside, through [`Classifier::candidates`].
//!
//! ```
//! use swyx_classify::Transport;
//! use swyx_testkit::fuzz;
//!
//! let input = fuzz::encode_structured(Transport::Udp, 40000, 51000, 0, b"\x80\x00\x00\x01");
//! fuzz::classify_structured(&input); // panics only on a bug
//! ```

use std::sync::OnceLock;

use swyx_classify::signature;
use swyx_classify::{
    classify_reference, Candidate, Classification, Classifier, Component, Evidence, Label, Labels,
    LinkType, Matrix, OwnedPortTable, Packet, PayloadCheck, PortRange, Reason, Role, Side,
    Transport, BROAD_RANGE_WIDTH,
};
use swyx_pcap::{BatchReader, CaptureError, CaptureReader, ReaderOptions, RecordBatch};

/// The link types [`classify_frame`] chooses from: its first input byte modulo 8 is an index
/// into this array.
pub const LINK_TYPES: [LinkType; 8] = LinkType::ALL;

/// Ports where the SwyxWare 2013 matrix has rows, range boundaries or resolution rules worth
/// reaching; generators take them (or a neighbour, one above or below) when a flag bit says so.
pub const INTERESTING_PORTS: [u16; 63] = [
    5060, 5061, 51000, 52000, 55000, 56000, 4060, 4061, 1300, 1720, 1721, 18443, 8085, 9093, 9094,
    9095, 712, 21, 123, 5000, 5012, 50004, 50500, 2000, 6000, 16384, 32768, 53248, 65001, 65007,
    65010, // the ports above, then more range boundaries of the shipped matrix
    51499, 52499, 57000, 5062, 5064, 61000, 5070, 5170, 50000, 50999, 60000, 60100, 5020, 5009,
    50044, 2048, 8000, 32767, 49151, 3072, 19455, 57343, 5080, 5081, 6240, 6290, 65002, 65009,
    65535, 0, 1, 2047,
];

/// Real-looking payloads of the protocols the classifier has signatures for (and a few that
/// match none), by name. [`table_differential`] picks from them; the corpus generator builds
/// its seed frames with them.
pub const SAMPLE_PAYLOADS: [(&str, &[u8]); 20] = [
    (
        "sip-invite",
        b"INVITE sip:201@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n\
          From: <sip:200@10.0.0.1>;tag=1\r\nTo: <sip:201@10.0.0.2>\r\nCall-ID: 1@10.0.0.1\r\n\
          CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    ),
    (
        "sip-200-ok",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nCSeq: 1 INVITE\r\n\
          Content-Length: 0\r\n\r\n",
    ),
    ("sip-keepalive-ping", b"\r\n\r\n"),
    ("sip-keepalive-pong", b"\r\n"),
    (
        "rtp-pcma",
        b"\x80\x08\x12\x34\x00\x00\x00\xa0\xde\xad\xbe\xef\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5",
    ),
    (
        "rtp-dynamic-marker-padding",
        b"\xa0\xe5\x00\x07\x00\x00\x01\x00\x01\x02\x03\x04\x55\x55\x00\x00\x00\x04",
    ),
    (
        "rtp-extension",
        b"\x90\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\xbe\xde\x00\x01\x10\xff\x00\x00\xd5\xd5",
    ),
    (
        "rtcp-sender-report",
        b"\x80\xc8\x00\x06\xde\xad\xbe\xef\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\
          \x00\x00\x00\x04\x00\x00\x00\x05",
    ),
    ("udptl-t38-indicator", b"\x00\x01\x01\x02\x00\x00"),
    (
        "udptl-t38-data",
        b"\x00\x05\x06\xc0\x01\x80\x00\x00\x10\x00",
    ),
    (
        "tpkt-q931-setup",
        b"\x03\x00\x00\x15\x08\x02\x00\x01\x05\x04\x03\x80\x90\xa3\x18\x03\xa9\x83\x81\x70\x00",
    ),
    (
        "ldap-bind-request",
        b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00",
    ),
    (
        "cldap-search-request",
        b"\x30\x25\x02\x01\x02\x63\x20\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x00\
          \x01\x01\x00\x87\x0bobjectClass\x30\x00",
    ),
    (
        "ntp-client",
        b"\x23\x00\x06\xec\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
          \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
          \xe9\x5c\x1b\x2a\x00\x00\x00\x00",
    ),
    ("ftp-user", b"USER anonymous\r\n"),
    ("ftp-reply-220", b"220 FTP server ready\r\n"),
    (
        "tls-client-hello",
        b"\x16\x03\x01\x00\x2f\x01\x00\x00\x2b\x03\x03\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\
          \x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\
          \x1f\x00\x00\x02\x00\x2f\x01\x00",
    ),
    (
        "http-get",
        b"GET /config HTTP/1.1\r\nHost: 10.0.0.5:8085\r\n\r\n",
    ),
    ("text", b"hello, world"),
    ("zeros", &[0u8; 24]),
];

/// The shipped SwyxWare 2013 matrix, parsed once: the oracle's view of the default table.
fn default_matrix() -> &'static Matrix {
    static MATRIX: OnceLock<Matrix> = OnceLock::new();
    MATRIX.get_or_init(Matrix::swyxware_2013)
}

/// A reader of fuzz input that yields zeros once the bytes run out.
struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&first, rest)) => {
                self.data = rest;
                first
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// An interesting port (or a neighbour) from two selector bytes.
fn interesting_port(index: u8, neighbour: u8) -> u16 {
    let base = INTERESTING_PORTS[usize::from(index) % INTERESTING_PORTS.len()];
    match neighbour % 4 {
        2 => base.wrapping_add(1),
        3 => base.wrapping_sub(1),
        _ => base,
    }
}

/// The wire length `slack` adds to a payload: bytes 0-127 none (a complete payload), 128-254
/// one to 127 bytes, 255 an unknown length (`usize::MAX`).
fn wire_len(captured: usize, slack: u8) -> usize {
    match slack {
        0..=127 => captured,
        255 => usize::MAX,
        _ => captured.saturating_add(usize::from(slack - 127)),
    }
}

/// Whether `part` lies within `whole` (empty slices lie anywhere).
fn is_subslice(part: &[u8], whole: &[u8]) -> bool {
    if part.is_empty() {
        return true;
    }
    let whole = whole.as_ptr_range();
    let part = part.as_ptr_range();
    whole.start <= part.start && part.end <= whole.end
}

/// The reasons a packet gets when its headers do not decode (it then has no [`Packet`]).
fn is_decode_reason(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::NotIp
            | Reason::NotTcpUdp
            | Reason::NonFirstFragment
            | Reason::Truncated
            | Reason::MalformedHeader
    )
}

/// The best candidate by [`Candidate::rank`], the first one on ties (resolution order).
fn best<'c>(candidates: impl IntoIterator<Item = &'c Candidate>) -> Option<&'c Candidate> {
    let mut best: Option<&Candidate> = None;
    for candidate in candidates {
        if best.is_none_or(|b| candidate.rank() < b.rank()) {
            best = Some(candidate);
        }
    }
    best
}

/// The part of a rank the swap rule compares: evidence, width and role (not side, not row).
fn tie_key(candidate: &Candidate) -> u64 {
    swyx_matrix::layout::Rank(candidate.rank()).key_part()
}

/// Checks classifications against the documented resolution rules, for one table and the
/// matrix it was built from.
struct Checker<'m, 't> {
    classifier: Classifier<'t>,
    matrix: &'m Matrix,
}

impl Checker<'_, '_> {
    /// The row labels of candidate `c`, from the matrix.
    fn row_labels(&self, c: &Candidate) -> Labels {
        match self.matrix.rows.get(usize::from(c.row)) {
            Some(row) => row.labels,
            None => panic!(
                "candidate names row {} of {}",
                c.row,
                self.matrix.rows.len()
            ),
        }
    }

    /// Every property of one classification: the decision against the candidates, and the
    /// same packet seen from the other end. Returns the candidates.
    fn check(&self, result: &Classification<'_>) -> Vec<Candidate> {
        let candidates = self.check_alone(result);
        if let Some(packet) = &result.packet {
            self.check_swap(result, packet, &candidates);
        }
        candidates
    }

    /// The properties of one classification by itself.
    fn check_alone(&self, result: &Classification<'_>) -> Vec<Candidate> {
        let iter = self.classifier.candidates(result);
        let announced = iter.len();
        let candidates: Vec<Candidate> = iter.collect();
        assert_eq!(
            announced,
            candidates.len(),
            "candidates: ExactSizeIterator::len disagrees with the count"
        );

        let Some(packet) = &result.packet else {
            assert!(
                candidates.is_empty(),
                "candidates of an undecoded packet: {candidates:?}"
            );
            match result.reason() {
                Some(reason) => assert!(
                    is_decode_reason(reason),
                    "no packet, but reason {reason:?} is not a decoding failure"
                ),
                None => panic!("labelled without a packet: {result:?}"),
            }
            return candidates;
        };
        assert!(
            packet.payload.len() as u64 <= u64::from(packet.payload_len),
            "payload_len {} below the captured payload ({} bytes)",
            packet.payload_len,
            packet.payload.len()
        );

        let mut seen_source = false;
        for c in &candidates {
            let port = match c.side {
                Side::Destination => {
                    assert!(!seen_source, "a destination candidate after a source one");
                    packet.dst_port
                }
                Side::Source => {
                    seen_source = true;
                    packet.src_port
                }
            };
            assert_eq!(c.port, port, "candidate port is not its side's port: {c:?}");
            assert!(
                c.range.contains(c.port),
                "candidate range misses its port: {c:?}"
            );
            let labels = self.row_labels(c);
            match c.label {
                Some(label) => assert!(labels.contains(label), "label not of the row: {c:?}"),
                None => assert!(labels.is_empty(), "a labelled row without label: {c:?}"),
            }
            let row = &self.matrix.rows[usize::from(c.row)];
            assert!(
                row.has_transport(packet.transport) && row.ranges.contains(&c.range),
                "candidate {c:?} is not a range of row {row:?}"
            );
            if packet.payload.is_empty() || labels.is_empty() {
                assert_eq!(
                    c.check,
                    PayloadCheck::Unknown,
                    "no payload or no label: {c:?}"
                );
            }
            if c.check == PayloadCheck::Contradicted {
                assert!(
                    packet.transport == Transport::Udp && !packet.is_truncated(),
                    "only a whole UDP payload contradicts: {c:?}"
                );
            }
        }

        // The decision, recomputed from the candidates by the documented rules.
        let counting: Vec<&Candidate> = candidates.iter().filter(|c| c.counts()).collect();
        let Some(winner) = best(counting.iter().copied()) else {
            let expected = if candidates.is_empty() {
                Reason::NoMatrixRow
            } else if candidates
                .iter()
                .any(|c| c.label.is_some() && !c.range.is_broad())
            {
                Reason::PayloadContradicts
            } else if candidates.iter().any(|c| c.label.is_some()) {
                Reason::BroadRowWithoutEvidence
            } else {
                Reason::UnlabelledRowsOnly
            };
            assert_eq!(
                result.reason(),
                Some(expected),
                "no candidate counts: {candidates:#?}"
            );
            return candidates;
        };
        let Some(decision) = result.decision() else {
            panic!("candidate {winner:?} counts, but the packet is unlabelled: {result:?}");
        };
        let label = decision.label;
        assert_eq!(
            (
                Some(label),
                decision.component,
                decision.role,
                decision.side,
                decision.port,
                decision.range,
                decision.row
            ),
            (
                winner.label,
                winner.component,
                winner.role,
                winner.side,
                winner.port,
                winner.range,
                winner.row
            ),
            "the decision is not the best counting candidate: {candidates:#?}"
        );
        let port = match decision.side {
            Side::Destination => packet.dst_port,
            Side::Source => packet.src_port,
        };
        assert_eq!(decision.port, port, "decision port is not its side's port");
        assert!(
            decision.range.contains(decision.port),
            "decision range misses its port"
        );
        assert_eq!(
            decision.evidence == Evidence::Confirmed,
            winner.check == PayloadCheck::Confirmed,
            "evidence {:?} but the winning candidate's check is {:?}",
            decision.evidence,
            winner.check
        );

        // The peer: the best counting narrow row on the other port that carries the label (or
        // none). Broad rows never name a peer.
        let mut peers: Vec<Candidate> = Vec::new();
        for c in candidates
            .iter()
            .filter(|c| c.side != decision.side && !c.range.is_broad())
        {
            let labels = self.row_labels(c);
            if labels.is_empty() {
                let mut as_peer = *c;
                as_peer.label = Some(label);
                if as_peer.counts() {
                    peers.push(as_peer);
                }
            } else if labels.contains(label) && c.counts() {
                peers.push(*c);
            }
        }
        assert_eq!(
            decision.peer,
            best(&peers).map(|c| c.component),
            "wrong peer: {candidates:#?}"
        );

        // RTCP: an RTP decision confirmed by the RTCP signature rather than RTP's.
        let wire = usize::try_from(packet.payload_len).unwrap_or(usize::MAX);
        let rtcp = decision.evidence == Evidence::Confirmed
            && label == Label::Rtp
            && packet.transport == Transport::Udp
            && !signature::rtp(packet.payload, wire)
            && signature::rtcp(packet.payload, wire);
        assert_eq!(decision.rtcp, rtcp, "rtcp flag");
        candidates
    }

    /// Swapping source and destination keeps the label, except where the best counting rows of
    /// both ports tie on evidence, width and role and carry different labels.
    fn check_swap(
        &self,
        result: &Classification<'_>,
        packet: &Packet<'_>,
        candidates: &[Candidate],
    ) {
        let swapped = self.classifier.classify_packet(&packet.swapped());
        let swapped_candidates = self.check_alone(&swapped);
        assert_eq!(
            candidates.len(),
            swapped_candidates.len(),
            "swapping changed the number of candidates"
        );
        let best_on = |side: Side| best(candidates.iter().filter(|c| c.side == side && c.counts()));
        let (dst, src) = (best_on(Side::Destination), best_on(Side::Source));
        let tie = matches!((dst, src), (Some(d), Some(s)) if tie_key(d) == tie_key(s));
        if result.label() != swapped.label() {
            let (Some(d), Some(s)) = (dst, src) else {
                panic!("swapping changed the label without a tie: {result:?} -> {swapped:?}");
            };
            assert!(
                tie && d.label != s.label,
                "swapping changed the label {:?} -> {:?} without a tie of the best rows \
                 {d:?} and {s:?}",
                result.label(),
                swapped.label()
            );
            assert_eq!(
                (result.label(), swapped.label()),
                (d.label, s.label),
                "on a tie, the destination decides"
            );
        }
        match (result.decision(), swapped.decision()) {
            (Some(a), Some(b)) => {
                if !tie {
                    assert_eq!(
                        (a.component, a.row, a.range, a.evidence, a.port),
                        (b.component, b.row, b.range, b.evidence, b.port),
                        "swapping without a tie changed the deciding row"
                    );
                }
            }
            (None, None) => assert_eq!(result.reason(), swapped.reason(), "swap: reason"),
            _ => panic!("swapping changed whether the packet is labelled"),
        }
    }
}

/// Fuzz target `classify_frame`: a captured frame through the default classifier.
///
/// The first byte picks a link type from [`LINK_TYPES`] (modulo 8), the rest is the frame.
/// Checked: a labelled result has a packet; an unlabelled one without a packet failed to
/// decode; the payload and addresses are subslices of the frame; the decision is the best
/// counting candidate of [`Classifier::candidates`] by [`Candidate::rank`] (so its port is its
/// side's port and its range covers it, and its evidence is confirmed exactly when that
/// candidate's check is), its peer and RTCP flag follow the rules; swapping source and
/// destination keeps the label except on a tie of the best rows of both ports with different
/// labels (the destination decides); and a port-only label survives truncating the frame to a
/// few shorter lengths that keep the ports.
pub fn classify_frame(data: &[u8]) {
    let Some((&selector, frame)) = data.split_first() else {
        return;
    };
    let link = LINK_TYPES[usize::from(selector % 8)];
    let checker = Checker {
        classifier: Classifier::default(),
        matrix: default_matrix(),
    };
    let result = checker.classifier.classify_link(link, frame);
    check_frame(&checker, link, frame, &result);

    let (Some(packet), Some(Evidence::PortOnly)) = (result.packet, result.evidence()) else {
        return;
    };
    // Truncation: a handful of lengths, from just short of the frame to into the headers.
    let payload_at = if packet.payload.is_empty() {
        frame.len()
    } else {
        packet.payload.as_ptr() as usize - frame.as_ptr() as usize
    };
    let mut cuts = [
        frame.len().wrapping_sub(1),
        payload_at + packet.payload.len() / 2,
        payload_at + 1,
        payload_at,
        payload_at.wrapping_sub(1),
        payload_at.wrapping_sub(4),
        payload_at.wrapping_sub(9),
    ];
    cuts.sort_unstable();
    let mut previous = None;
    for cut in cuts {
        if cut >= frame.len() || previous == Some(cut) {
            continue;
        }
        previous = Some(cut);
        let truncated = checker.classifier.classify_link(link, &frame[..cut]);
        let Some(short) = truncated.packet else {
            continue; // the ports did not survive
        };
        if (short.transport, short.src_port, short.dst_port)
            != (packet.transport, packet.src_port, packet.dst_port)
        {
            continue;
        }
        // A frame whose headers give no length (a zero IPv4 total length or IPv6 payload
        // length: segmentation offload) has an unknown wire length, so its cuts count as
        // truncated too: see the regression input
        // `truncation-offload-zero-total-length-tcp-sip-keepalive`.
        check_frame(&checker, link, &frame[..cut], &truncated);
        assert_eq!(
            truncated.label(),
            result.label(),
            "truncating the frame to {cut} of {} bytes changed the port-only label",
            frame.len()
        );
    }
}

/// The frame-level properties: subslices, then the classification's own.
fn check_frame(checker: &Checker<'_, '_>, link: LinkType, frame: &[u8], result: &Classification) {
    if let Some(packet) = &result.packet {
        assert!(
            is_subslice(packet.payload, frame),
            "payload outside the frame"
        );
        for addr in [packet.src_addr, packet.dst_addr] {
            assert!(
                matches!(addr.len(), 4 | 16) && is_subslice(addr, frame),
                "address {addr:?} is not an IP address of the frame"
            );
        }
    }
    let again = checker.classifier.classify_link(link, frame);
    assert_eq!(again, *result, "classification is not deterministic");
    checker.check(result);
}

/// Encodes an input of [`classify_structured`] that classifies exactly these fields: flags
/// byte (bit 0 TCP, bits 1 and 2 clear: literal ports), source and destination port
/// big-endian, the wire-length slack byte (0: the payload is complete), then the payload.
pub fn encode_structured(
    transport: Transport,
    src_port: u16,
    dst_port: u16,
    slack: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = vec![u8::from(transport == Transport::Tcp)];
    out.extend_from_slice(&src_port.to_be_bytes());
    out.extend_from_slice(&dst_port.to_be_bytes());
    out.push(slack);
    out.extend_from_slice(payload);
    out
}

/// Fuzz target `classify_structured`: decoded transport fields through
/// [`Classifier::classify_transport`], compared with [`classify_reference`].
///
/// Input: byte 0 flags (bit 0: TCP, else UDP; bit 1: the source port is
/// [`INTERESTING_PORTS`]`[byte 1]`, or a neighbour by byte 2, rather than bytes 1-2; bit 2 the
/// same for the destination with bytes 3-4; bit 3: the destination port equals the source
/// port), bytes 1-2 source port, bytes 3-4 destination port, byte 5 wire-length slack (0-127:
/// complete, 128-254: that many minus 127 bytes missing, 255: unknown), then the payload.
/// Checked: the properties of [`classify_frame`] (truncating the payload instead of a frame),
/// and that the table-driven outcome equals the reference implementation's.
pub fn classify_structured(data: &[u8]) {
    let mut bytes = Bytes { data };
    let header: [u8; 6] = std::array::from_fn(|_| bytes.u8());
    let payload = bytes.data;
    let transport = if header[0] & 1 == 0 {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let port = |flag: u8, hi: u8, lo: u8| {
        if header[0] & flag != 0 {
            interesting_port(hi, lo)
        } else {
            u16::from_be_bytes([hi, lo])
        }
    };
    let src_port = port(2, header[1], header[2]);
    let dst_port = if header[0] & 8 != 0 {
        src_port
    } else {
        port(4, header[3], header[4])
    };
    let payload_len = wire_len(payload.len(), header[5]);
    let checker = Checker {
        classifier: Classifier::default(),
        matrix: default_matrix(),
    };
    let result =
        checker
            .classifier
            .classify_transport(transport, src_port, dst_port, payload, payload_len);
    let Some(packet) = result.packet else {
        panic!("classify_transport gave no packet: {result:?}");
    };
    assert_eq!(
        packet.payload, payload,
        "classify_transport changed the payload"
    );
    let reference = classify_reference(checker.matrix, &packet);
    assert_eq!(
        result.outcome, reference.outcome,
        "table and reference disagree on {packet:?}"
    );
    checker.check(&result);

    if result.evidence() != Some(Evidence::PortOnly) {
        return;
    }
    let full_len = usize::try_from(packet.payload_len).unwrap_or(usize::MAX);
    for cut in [0, payload.len() / 2, payload.len().wrapping_sub(1)] {
        if cut >= payload.len() {
            continue;
        }
        let truncated = checker.classifier.classify_transport(
            transport,
            src_port,
            dst_port,
            &payload[..cut],
            full_len,
        );
        checker.check(&truncated);
        assert_eq!(
            truncated.label(),
            result.label(),
            "truncating the payload to {cut} of {} bytes changed the port-only label",
            payload.len()
        );
    }
}

/// Fuzz target `pcap_stream`: a capture file through the streaming reader (64-byte initial
/// buffer, 1 MiB blocks), every record through the classifier of its link type.
///
/// Checked: records are numbered from 0 and each one consumes bytes of the file; the loop
/// ends (at most `data.len() + 16` records); an error names a record number equal to the
/// records delivered and an offset within the file; a finished reader stays finished; every
/// classification has the properties of [`classify_frame`] (but truncation); the batch
/// reader, in batches of 1 to 4,096 bytes (chosen by the input's last byte), hands out the
/// same records and the same error.
pub fn pcap_stream(data: &[u8]) {
    let options = ReaderOptions {
        initial_buffer: 64,
        max_block: 1 << 20,
    };
    let mut reader = match CaptureReader::with_options(data, options) {
        Ok(reader) => reader,
        Err(error) => {
            check_capture_error(&error, data.len(), 0);
            return;
        }
    };
    let checker = Checker {
        classifier: Classifier::default(),
        matrix: default_matrix(),
    };
    let mut delivered: u64 = 0;
    let mut consumed = reader.bytes_consumed();
    let mut seen = Vec::new();
    let mut end = None;
    loop {
        assert!(
            delivered <= data.len() as u64 + 16,
            "more than {} records from {} bytes: the reader does not advance",
            data.len() + 16,
            data.len()
        );
        match reader.next_record() {
            Ok(Some(record)) => {
                assert_eq!(record.index, delivered, "record numbering");
                seen.push(owned(&record));
                assert!(
                    record.data.len() <= options.max_block,
                    "a record above max_block"
                );
                if let Some(link) = LinkType::from_linktype(record.link_type) {
                    let result = checker.classifier.classify_link(link, record.data);
                    check_frame(&checker, link, record.data, &result);
                }
            }
            Ok(None) => break,
            Err(error) => {
                check_capture_error(&error, data.len(), delivered);
                end = Some(format!("{error:?}"));
                break;
            }
        }
        delivered += 1;
        let now = reader.bytes_consumed();
        assert!(
            now > consumed,
            "record {delivered} consumed no bytes (offset {now})"
        );
        assert!(
            now <= data.len() as u64,
            "consumed {now} bytes of a {}-byte file",
            data.len()
        );
        consumed = now;
    }
    assert_eq!(reader.records_read(), delivered, "records_read");
    for _ in 0..2 {
        assert!(
            matches!(reader.next_record(), Ok(None)),
            "a finished reader must stay finished"
        );
    }
    // The batch reader hands out the same records and the same error, whatever its batches.
    let size = [1, 40, 100, 4096][usize::from(data.last().copied().unwrap_or(0) % 4)];
    let mut batches = BatchReader::with_options(data, options).expect("opened above");
    let mut batch = RecordBatch::new();
    let mut got = Vec::new();
    let got_end = loop {
        let result = batches.fill(&mut batch, size);
        got.extend(batch.records().map(|record| owned(&record)));
        match result {
            Ok(true) => assert!(!batch.is_empty(), "a batch that goes on holds a record"),
            Ok(false) => break None,
            Err(error) => break Some(format!("{error:?}")),
        }
    };
    assert!(got == seen, "the batch reader's records differ");
    assert_eq!(got_end, end, "the batch reader's end differs");
}

/// A record's fields and bytes, for comparisons.
type OwnedRecord = (u64, Option<swyx_pcap::Timestamp>, u32, u32, u32, Vec<u8>);

fn owned(record: &swyx_pcap::Record<'_>) -> OwnedRecord {
    (
        record.index,
        record.timestamp,
        record.link_type,
        record.interface,
        record.original_len,
        record.data.to_vec(),
    )
}

/// The documented facts of a capture error.
fn check_capture_error(error: &CaptureError, file_len: usize, delivered: u64) {
    assert_eq!(
        error.record(),
        delivered,
        "error {error} names the wrong record"
    );
    assert!(
        error.offset() <= file_len as u64,
        "error {error} names an offset beyond the {file_len}-byte file"
    );
    if let CaptureError::Truncated {
        offset,
        needed,
        available,
        ..
    } = error
    {
        assert!(
            needed > available && offset + available == file_len as u64,
            "inconsistent truncation error {error:?} in a {file_len}-byte file"
        );
    }
    let _ = error.to_string();
}

/// Fuzz target `matrix_parse`: arbitrary text (lossy UTF-8) through [`Matrix::parse`] and,
/// when it parses, [`OwnedPortTable::build`].
///
/// Checked: parsing and building never panic; every row's every range's lowest, highest and a
/// middle port look up that row, on each of the row's transports; the first ports probed look
/// up exactly the covering rows in resolution order ([`swyx_matrix::Entry::order_key`]).
pub fn matrix_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(matrix) = Matrix::parse(&text) else {
        return;
    };
    let Ok(table) = OwnedPortTable::build(&matrix) else {
        return;
    };
    check_table(&matrix, &table, 64);
}

/// Every row's ranges are found by the table; the first `exact` probes against a scan.
fn check_table(matrix: &Matrix, owned: &OwnedPortTable, exact: usize) {
    let table = owned.table();
    let mut probes = 0;
    for (index, row) in matrix.rows.iter().enumerate() {
        for transport in [Transport::Udp, Transport::Tcp] {
            if !row.has_transport(transport) {
                continue;
            }
            for range in &row.ranges {
                let middle = ((u32::from(range.low) + u32::from(range.high)) / 2) as u16;
                for port in [range.low, range.high, middle] {
                    let entries = table.lookup(transport, port);
                    assert!(
                        entries
                            .iter()
                            .any(|e| usize::from(e.row) == index && e.range == *range),
                        "{transport} port {port}: row {index} ({range}) missing from {entries:?}"
                    );
                    if probes < exact {
                        probes += 1;
                        let mut expected: Vec<_> =
                            swyx_matrix::layout::entries_for(matrix, transport)
                                .into_iter()
                                .filter(|e| e.range.contains(port))
                                .collect();
                        expected.sort_by_key(swyx_matrix::Entry::order_key);
                        assert_eq!(entries, &expected[..], "{transport} port {port}");
                    }
                }
            }
        }
    }
}

/// Checks that the packed forms of the resolution order in `table` agree with
/// [`Rank`](swyx_matrix::layout::Rank) on every pair of its decisive entries: each hot entry's
/// and lane's rank is [`Rank::port`](swyx_matrix::layout::Rank::port) of its entry; lane `i`
/// holds a port's `i`-th entry and the entries of a port come in rank order (so the first lane
/// of a mask is the best); and for any two entries, one on each side, with any evidence,
/// [`Rank::key`](swyx_matrix::layout::Rank::key) with ties to the destination picks the side
/// the full rank picks.
///
/// # Panics
///
/// On the first disagreement.
pub fn check_packed_order(table: &swyx_classify::PortTable<'_>) {
    use std::collections::HashSet;
    use swyx_matrix::layout::{Lanes, Rank};
    let mut seen = HashSet::new();
    let mut all = HashSet::new();
    for transport in [Transport::Udp, Transport::Tcp] {
        for port in 0..=u16::MAX {
            let set = table.set(transport, port);
            if !seen.insert((set.start, set.len)) {
                continue;
            }
            let entries = table.decisive_entries(set);
            let hot = table.hot_entries(set);
            assert_eq!(entries.len(), usize::from(set.len), "{transport} {port}");
            assert_eq!(hot.len(), entries.len(), "{transport} {port}");
            for (i, (entry, h)) in entries.iter().zip(hot).enumerate() {
                assert_eq!(
                    h.rank,
                    Rank::port(entry.range.width(), entry.role),
                    "{entry:?}"
                );
                if i > 0 {
                    assert!(
                        Rank::of_entry(&entries[i - 1]) <= Rank::of_entry(entry),
                        "{transport} {port}: {:?} after {entry:?}",
                        entries[i - 1]
                    );
                }
                if i < Lanes::WIDTH {
                    let lane = |word: u64| (word >> (16 * i)) as u16;
                    assert_eq!(set.lanes.ranks[i], h.rank, "{transport} {port} lane {i}");
                    assert_eq!(
                        lane(set.lanes.signed),
                        h.signed,
                        "{transport} {port} lane {i}"
                    );
                    assert_eq!(
                        lane(set.lanes.labels),
                        h.labels,
                        "{transport} {port} lane {i}"
                    );
                }
                all.insert((*entry, *h));
            }
            for i in entries.len()..Lanes::WIDTH {
                assert_eq!(set.lanes.ranks[i], u32::MAX, "{transport} {port} lane {i}");
            }
        }
    }
    // Entries of two ports: the row is below the side bit, so only width and role matter.
    let mut distinct: Vec<_> = all
        .iter()
        .map(|(e, h)| (e.range.width(), e.role, h.rank))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    for &(dst_width, dst_role, dst_rank) in &distinct {
        for &(src_width, src_role, src_rank) in &distinct {
            for (dst_confirmed, src_confirmed) in
                [(true, true), (true, false), (false, true), (false, false)]
            {
                let packed =
                    Rank::key(src_confirmed, src_rank) < Rank::key(dst_confirmed, dst_rank);
                for (dst_row, src_row) in [(0, u16::MAX), (u16::MAX, 0)] {
                    let full = Rank::new(src_confirmed, src_width, src_role, true, src_row)
                        < Rank::new(dst_confirmed, dst_width, dst_role, false, dst_row);
                    assert_eq!(
                        packed, full,
                        "destination ({dst_confirmed}, {dst_width}, {dst_role:?}) against source \
                         ({src_confirmed}, {src_width}, {src_role:?})"
                    );
                }
            }
        }
    }
}

/// A row as [`table_differential`]'s generator means it.
#[derive(Debug, PartialEq)]
struct PlannedRow {
    component: Component,
    labels: Labels,
    udp: bool,
    tcp: bool,
    role: Role,
    ranges: Vec<PortRange>,
}

/// A valid matrix file steered by `bytes`, and the rows it must parse to.
fn generate_matrix(bytes: &mut Bytes<'_>) -> (String, Vec<PlannedRow>) {
    use std::fmt::Write as _;
    let mut text = String::from("# generated\nmatrix generated\n\n");
    let mut params: Vec<(String, i64)> = Vec::new();
    for i in 0..bytes.u8() % 4 {
        let value = i64::from(bytes.u16() as i16) * i64::from(bytes.u8() % 4 + 1);
        let name = format!("P{i}_{}", ["Rtp", "Sip", "base"][usize::from(i % 3)]);
        let _ = writeln!(text, "param {name} = {value}");
        params.push((name, value));
    }
    let mut rows: Vec<PlannedRow> = Vec::new();
    let mut used: Vec<Component> = Vec::new();
    let component_count = bytes.u8() % 6 + 1;
    for _ in 0..component_count {
        let mut component = Component::ALL[usize::from(bytes.u8()) % Component::ALL.len()];
        while used.contains(&component) {
            let next = (component as usize + 1) % Component::ALL.len();
            component = Component::ALL[next];
        }
        used.push(component);
        let _ = writeln!(text, "component {}", component.id());
        for _ in 0..bytes.u8() % 5 + 1 {
            let row = generate_row(bytes, component, &params, &rows, &mut text);
            rows.push(row);
        }
        if bytes.u8() & 1 == 1 {
            text.push_str("\n# a comment between tables\n");
        }
    }
    (text, rows)
}

/// One `row` line, appended to `text`.
fn generate_row(
    bytes: &mut Bytes<'_>,
    component: Component,
    params: &[(String, i64)],
    earlier: &[PlannedRow],
    text: &mut String,
) -> PlannedRow {
    use std::fmt::Write as _;
    let flags = bytes.u8();
    let mut labels: Vec<Label> = Vec::new();
    for _ in 0..flags % 4 {
        let label = Label::ALL[usize::from(bytes.u8()) % Label::ALL.len()];
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    let (udp, tcp, transport) = match (flags >> 2) % 4 {
        0 => (true, false, "udp"),
        1 => (false, true, "tcp"),
        2 => (true, true, "udp+tcp"),
        _ => (true, true, "tcp+udp"),
    };
    let role = if flags & 0x10 != 0 {
        Role::Connects
    } else {
        Role::Listens
    };
    let earlier_ranges: Vec<PortRange> = earlier
        .iter()
        .flat_map(|r| r.ranges.iter().copied())
        .collect();
    let mut ranges: Vec<PortRange> = Vec::new();
    let mut ports_text = String::from(if role == Role::Connects {
        "connects "
    } else {
        ""
    });
    for i in 0..bytes.u8() % 3 + 1 {
        let range = generate_range(bytes, &earlier_ranges, &ranges);
        if i > 0 {
            ports_text.push_str(", ");
        }
        ports_text.push_str(&bound_text(bytes, range.low, params));
        if range.low != range.high || bytes.u8() & 1 == 1 {
            ports_text.push('-');
            ports_text.push_str(&bound_text(bytes, range.high, params));
        }
        if range.tls {
            ports_text.push_str(" tls");
        }
        ranges.push(range);
    }
    let labels_text = if labels.is_empty() {
        "-".to_string()
    } else {
        labels
            .iter()
            .map(|l| l.id())
            .collect::<Vec<_>>()
            .join(if flags & 0x20 != 0 { " + " } else { "+" })
    };
    let comment = if flags & 0x40 != 0 { " # note" } else { "" };
    let _ = writeln!(
        text,
        "row Class{} | Proto | {labels_text} | {transport} | {ports_text} | | seed{comment}",
        earlier.len()
    );
    PlannedRow {
        component,
        labels: Labels::new(&labels),
        udp,
        tcp,
        role,
        ranges,
    }
}

/// A port range: single ports, narrow and broad ranges, the 2048/2049 boundary, duplicates
/// and overlaps of earlier ranges.
fn generate_range(
    bytes: &mut Bytes<'_>,
    earlier: &[PortRange],
    this_row: &[PortRange],
) -> PortRange {
    let kind = bytes.u8();
    let base = if kind & 0x80 != 0 {
        interesting_port(bytes.u8(), bytes.u8())
    } else {
        bytes.u16()
    };
    let tls = kind & 0x40 != 0;
    let span = |low: u16, width: u32| {
        let low = u32::from(low).min(65536 - width);
        PortRange {
            low: low as u16,
            high: (low + width - 1) as u16,
            tls,
        }
    };
    let previous: Vec<PortRange> = earlier.iter().chain(this_row).copied().collect();
    match kind % 9 {
        0 => span(base, 1),
        1 => span(base, u32::from(bytes.u8() % 64) + 1),
        2 => span(base, BROAD_RANGE_WIDTH),
        3 => span(base, BROAD_RANGE_WIDTH + 1),
        4 => span(base, 2049 + u32::from(bytes.u16()) % (65536 - 2048)),
        5 => span(0, 65536),
        6 | 7 if !previous.is_empty() => {
            let old = previous[usize::from(bytes.u8()) % previous.len()];
            if kind % 9 == 6 {
                PortRange { tls, ..old }
            } else {
                // Overlapping: starts in the middle of the old range.
                let low = old.low + (old.high - old.low) / 2;
                span(low, old.width().max(2))
            }
        }
        _ => span(base, u32::from(bytes.u16() % 1024) + 1),
    }
}

/// How a range bound is written: a number, a parameter expression, or arithmetic.
fn bound_text(bytes: &mut Bytes<'_>, value: u16, params: &[(String, i64)]) -> String {
    let value = i64::from(value);
    let form = bytes.u8();
    match form % 5 {
        1 if !params.is_empty() => {
            let (name, param) = &params[usize::from(form >> 3) % params.len()];
            if value >= *param {
                format!("({name} + {})", value - param)
            } else {
                format!("({name}-{})", param - value)
            }
        }
        2 => {
            let k = i64::from(form >> 4) + 1;
            format!("({}*{k}+{})", value / k, value % k)
        }
        3 => format!("(({value}))"),
        4 => format!("(0{value} - 0)"),
        _ => value.to_string(),
    }
}

/// A packet steered by `bytes`, with ports biased to the boundaries of `ranges`.
fn generate_packet<'a>(bytes: &mut Bytes<'a>, ranges: &[PortRange]) -> Packet<'a> {
    let flags = bytes.u8();
    let transport = if flags & 1 == 0 {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let port = |mode: u8, bytes: &mut Bytes<'a>| -> u16 {
        match mode % 4 {
            0 | 1 if !ranges.is_empty() => {
                let range = ranges[usize::from(bytes.u8()) % ranges.len()];
                match bytes.u8() % 6 {
                    0 => range.low.wrapping_sub(1),
                    1 => range.low,
                    2 => range.low.wrapping_add(1),
                    3 => range.high.wrapping_sub(1),
                    4 => range.high,
                    _ => range.high.wrapping_add(1),
                }
            }
            2 => interesting_port(bytes.u8(), bytes.u8()),
            _ => bytes.u16(),
        }
    };
    let src_port = port(flags >> 1, bytes);
    let dst_port = if flags & 0x20 != 0 {
        src_port
    } else {
        port(flags >> 3, bytes)
    };
    let choice = bytes.u8();
    let payload: &'a [u8] = if choice & 0x80 == 0 {
        let sample = SAMPLE_PAYLOADS[usize::from(choice) % SAMPLE_PAYLOADS.len()].1;
        if choice & 0x40 != 0 {
            &sample[..usize::from(bytes.u8()) % (sample.len() + 1)]
        } else {
            sample
        }
    } else {
        let len = usize::from(choice & 0x3f);
        bytes.take(len)
    };
    let payload_len = wire_len(payload.len(), bytes.u8());
    Packet::new(transport, src_port, dst_port, payload)
        .with_payload_len(u32::try_from(payload_len).unwrap_or(u32::MAX))
}

/// Fuzz target `table_differential`: a generated, valid matrix file; the table built from it
/// against the reference implementation, on packets aimed at its range boundaries.
///
/// The input steers the generator: parameters, one to six component tables of one to five
/// rows each with labels, transports, roles (`connects`), TLS flags and ranges (single ports,
/// narrow, 2048 and 2049 ports wide, broad, the whole port space, duplicates and overlaps of
/// earlier ranges), bounds written as numbers, parameter expressions or arithmetic. The rest
/// of the input becomes packets: transport, ports near range boundaries or
/// [`INTERESTING_PORTS`], payloads from [`SAMPLE_PAYLOADS`] (whole or cut) or the input.
/// Checked: the file parses to exactly the generated rows; the table finds every row; for
/// every packet the table-driven outcome equals [`classify_reference`]'s, and the
/// classification has the properties of [`classify_frame`] (but truncation).
pub fn table_differential(data: &[u8]) {
    let mut bytes = Bytes { data };
    let (text, planned) = generate_matrix(&mut bytes);
    let matrix = match Matrix::parse(&text) {
        Ok(matrix) => matrix,
        Err(error) => panic!("the generated matrix does not parse: {error}\n{text}"),
    };
    let parsed: Vec<PlannedRow> = matrix
        .rows
        .iter()
        .map(|row| PlannedRow {
            component: row.component,
            labels: row.labels,
            udp: row.udp,
            tcp: row.tcp,
            role: row.role,
            ranges: row.ranges.clone(),
        })
        .collect();
    assert_eq!(parsed, planned, "the matrix parsed to other rows:\n{text}");
    let table = match OwnedPortTable::build(&matrix) {
        Ok(table) => table,
        Err(error) => panic!("no table for a {}-row matrix: {error}", matrix.rows.len()),
    };
    check_table(&matrix, &table, 8);
    check_packed_order(&table.table());

    let ranges: Vec<PortRange> = planned.iter().flat_map(|r| r.ranges.clone()).collect();
    let checker = Checker {
        classifier: Classifier::new(table.table()),
        matrix: &matrix,
    };
    for _ in 0..12 {
        let packet = generate_packet(&mut bytes, &ranges);
        let result = checker.classifier.classify_packet(&packet);
        let reference = classify_reference(&matrix, &packet);
        assert_eq!(
            result.outcome, reference.outcome,
            "table and reference disagree on {packet:?} with\n{text}"
        );
        checker.check(&result);
        if bytes.is_empty() {
            break;
        }
    }
}

/// Fuzz target `flow_tracker`: the first byte sets the tracker's bounds (memory budget from a
/// few flows up, hold-back bound), then each record of 5 bytes and a payload builds one packet
/// of a small set of hosts and interesting ports (`ctrl` bits: TCP, IPv6, reversed, two bits
/// of TCP flags, three of time step; host, two port selectors; payload length, or a sample
/// payload when its high bit is set). Checks: every packet comes out exactly once and in
/// order; every flow is reported, its spans numbered from 0 without a gap; the packets of
/// each flow add up to the packets its rows count; memory stays within the budget.
pub fn flow_tracker(data: &[u8]) {
    use crate::Collect;
    use std::collections::BTreeMap;
    use swyx_flow::{Config, Tracker};

    let Some((&bounds, mut rest)) = data.split_first() else {
        return;
    };
    let mut config = Config::default();
    // From one flow (the budget below what the remembered evictions take) to a few hundred.
    config.memory_budget = 130_000 + usize::from(bounds & 0x0f) * 12_000;
    config.hold_packets = 1 + usize::from(bounds >> 4) * 4;
    config.hold_ns = 50_000_000;
    let mut tracker = Tracker::new(Classifier::default(), config);
    let mut out = Collect::default();
    const FLAGS: [u8; 4] = [0x02, 0x12, 0x18, 0x11];
    let hosts: [[u8; 4]; 4] = [[10, 0, 0, 1], [10, 0, 0, 2], [10, 0, 0, 3], [192, 0, 2, 9]];
    let (mut pushed, mut time) = (0u64, 0u64);
    while let Some((head, tail)) = rest.split_first_chunk::<5>() {
        let [ctrl, host, a, b, len] = *head;
        let payload: Vec<u8> = if len & 0x80 != 0 {
            SAMPLE_PAYLOADS[usize::from(len & 0x7f) % SAMPLE_PAYLOADS.len()]
                .1
                .to_vec()
        } else {
            let take = usize::from(len).min(tail.len());
            let (payload, after) = tail.split_at(take);
            rest = after;
            payload.to_vec()
        };
        if len & 0x80 != 0 {
            rest = tail;
        }
        let port = |x: u8| {
            INTERESTING_PORTS[usize::from(x) % INTERESTING_PORTS.len()]
                .wrapping_add(u16::from(x >> 7))
        };
        let (src, dst) = (
            hosts[usize::from(host & 3)],
            hosts[usize::from(host >> 2 & 3)],
        );
        let mut spec = if ctrl & 1 != 0 {
            let mut spec = crate::FrameSpec::tcp(src, dst, port(a), port(b), payload);
            spec.tcp_flags = FLAGS[usize::from(ctrl >> 3 & 3)];
            spec
        } else {
            crate::FrameSpec::udp(src, dst, port(a), port(b), payload)
        };
        if ctrl & 2 != 0 {
            spec = spec.into_ipv6();
        }
        if ctrl & 4 != 0 {
            spec = spec.reversed();
        }
        let frame = spec.ethernet();
        time += u64::from(ctrl >> 5) * 30_000_000;
        tracker.push(
            pushed,
            time,
            frame.len() as u32,
            &swyx_classify::classify(&frame),
            &mut out,
        );
        pushed += 1;
        let stats = tracker.stats();
        assert!(
            stats.memory <= config.memory_budget.max(200_000),
            "memory {} over the budget {}",
            stats.memory,
            config.memory_budget
        );
    }
    tracker.finish(&mut out);
    assert_eq!(out.packets.len() as u64, pushed, "every packet once");
    for (i, packet) in out.packets.iter().enumerate() {
        assert_eq!(packet.index, i as u64, "in order");
    }
    let mut per_flow: BTreeMap<u64, u64> = BTreeMap::new();
    for packet in &out.packets {
        if let Some(flow) = packet.flow {
            *per_flow.entry(flow.0).or_default() += 1;
        }
    }
    let mut rows: BTreeMap<u64, (u32, u64)> = BTreeMap::new();
    for flow in &out.flows {
        let entry = rows.entry(flow.id.0).or_default();
        assert_eq!(flow.span, entry.0, "flow {} spans in order", flow.id);
        entry.0 += 1;
        entry.1 += flow.to_server.packets + flow.to_client.packets;
    }
    let counted: BTreeMap<u64, u64> = rows.iter().map(|(id, (_, n))| (*id, *n)).collect();
    assert_eq!(
        per_flow, counted,
        "packets per flow, as the rows count them"
    );
}
