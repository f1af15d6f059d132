//! Agreement between the packets of a flow that only broad rows label: one packet whose bytes
//! happen to look like RTP proves little (a DNS reply `86 ed 81 80` parses as RTP version 2),
//! a stream of them with one SSRC and stepping sequence numbers does.

use swyx_classify::Label;

use crate::config::Config;

/// Per direction: the last packet's sequence state and how many agreed in a row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Direction {
    /// The label being staged in this direction (`None`: nothing yet).
    label: Option<Label>,
    /// RTCP on an RTP range: staged apart from the RTP packets of the same direction.
    rtcp: bool,
    /// RTP SSRC, or the sender SSRC of RTCP.
    ssrc: u32,
    /// RTP or UDPTL sequence number.
    seq: u16,
    /// RTP timestamp.
    timestamp: u32,
    /// Agreeing packets so far, this one included.
    agreeing: u8,
}

/// The staging of one flow: both directions, and for the labels without sequence numbers
/// (SIP, H.323, ...) one count over both, so a request and its answer agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Staging {
    /// By direction, RTP and T.38 in the first two, RTCP in the last two.
    directions: [Direction; 4],
    other: Option<(Label, u8)>,
    /// Per direction, the SSRC of an RTP stream that agreed on this 5-tuple before: a later
    /// packet with it agrees at once, even after a gap (a stray packet after a fax switch).
    known_ssrc: [Option<u32>; 2],
}

impl Staging {
    /// Adds a packet the stateless classifier confirmed as `label` (`rtcp`: as RTCP) on a
    /// broad row, sent in direction `dir`. Whether the flow now has enough agreeing packets.
    pub(crate) fn add(
        &mut self,
        config: &Config,
        dir: usize,
        label: Label,
        rtcp: bool,
        payload: &[u8],
    ) -> bool {
        if !matches!(label, Label::Rtp | Label::T38) {
            let count = match self.other {
                Some((staged, count)) if staged == label => count.saturating_add(1),
                _ => 1,
            };
            self.other = Some((label, count));
            return count >= config.agreeing(label);
        }
        let known = self.known_ssrc[dir & 1];
        let d = &mut self.directions[(dir & 1) + 2 * usize::from(rtcp)];
        let (ssrc, seq, timestamp) = match (label, rtcp) {
            (Label::Rtp, false) => (be32(payload, 8), be16(payload, 2), be32(payload, 4)),
            // A compound RTCP packet (a report, then more packets, lengths adding up to the
            // datagram) is what RTP stacks send: enough on its own.
            (Label::Rtp, true) if rtcp_compound(payload) => return true,
            (Label::Rtp, true) => (be32(payload, 4), 0, 0),
            (Label::T38, _) => (0, be16(payload, 0), 0),
            _ => (0, 0, 0),
        };
        let same_kind = d.label == Some(label) && d.rtcp == rtcp;
        let agrees = same_kind
            && match (label, rtcp) {
                (Label::Rtp, false) => {
                    let step = seq.wrapping_sub(d.seq);
                    ssrc == d.ssrc
                        && (1..=config.rtp_max_step).contains(&step)
                        && timestamp.wrapping_sub(d.timestamp) < 1 << 31
                }
                (Label::Rtp, true) => ssrc == d.ssrc,
                (Label::T38, _) => (1..=config.rtp_max_step).contains(&seq.wrapping_sub(d.seq)),
                _ => true,
            };
        let needed = if label == Label::Rtp && rtcp {
            config.other_agreeing.max(1)
        } else {
            config.agreeing(label)
        };
        *d = Direction {
            label: Some(label),
            rtcp,
            ssrc,
            seq,
            timestamp,
            agreeing: if agrees {
                d.agreeing.saturating_add(1)
            } else {
                1
            },
        };
        let agreed = d.agreeing >= needed || (label == Label::Rtp && !rtcp && known == Some(ssrc));
        if agreed && label == Label::Rtp && !rtcp {
            self.known_ssrc[dir & 1] = Some(ssrc);
        }
        agreed
    }

    /// The staging of a new span: what was staged goes, the streams known to this 5-tuple stay.
    pub(crate) fn next_span(&self) -> Staging {
        Staging {
            known_ssrc: self.known_ssrc,
            ..Staging::default()
        }
    }
}

impl Staging {
    /// Whether the packets staged so far agree on `label` (in either direction).
    pub(crate) fn agrees(&self, config: &Config, label: Label) -> bool {
        match label {
            Label::Rtp | Label::T38 => self.directions.iter().any(|d| {
                d.label == Some(label)
                    && d.agreeing
                        >= if d.rtcp {
                            config.other_agreeing.max(1)
                        } else {
                            config.agreeing(label)
                        }
            }),
            _ => self
                .other
                .is_some_and(|(staged, count)| staged == label && count >= config.agreeing(label)),
        }
    }
}

fn be16(p: &[u8], at: usize) -> u16 {
    p.get(at..at + 2)
        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(p: &[u8], at: usize) -> u32 {
    p.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// An RTCP compound packet (RFC 3550 6.1): a sender or receiver report first, at least two
/// packets of version 2 with types 192-223, whose lengths add up to the datagram exactly.
fn rtcp_compound(p: &[u8]) -> bool {
    if !matches!(p.get(1), Some(200 | 201)) {
        return false;
    }
    let (mut at, mut packets) = (0usize, 0u32);
    while at + 4 <= p.len() {
        if p[at] >> 6 != 2 || !(192..=223).contains(&p[at + 1]) {
            return false;
        }
        at += (usize::from(u16::from_be_bytes([p[at + 2], p[at + 3]])) + 1) * 4;
        packets += 1;
    }
    at == p.len() && packets >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mechanism with three agreeing RTP packets, one more than the default.
    fn three() -> Config {
        Config {
            rtp_agreeing: 3,
            ..Config::default()
        }
    }

    #[test]
    fn by_default_two_rtp_packets_of_one_stream_agree() {
        let config = Config::default();
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(7, 160, 9)));
        assert!(staging.add(&config, 0, Label::Rtp, false, &rtp(8, 320, 9)));
        assert!(staging.agrees(&config, Label::Rtp));
        assert!(!staging.agrees(&config, Label::T38));
    }

    #[test]
    fn a_known_ssrc_agrees_at_once_after_a_gap_and_a_new_span() {
        let config = Config::default();
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 1, Label::Rtp, false, &rtp(4205, 160, 0xfa1b_b4e6)));
        assert!(staging.add(&config, 1, Label::Rtp, false, &rtp(4206, 320, 0xfa1b_b4e6)));
        let mut next = staging.next_span();
        assert!(!next.agrees(&config, Label::Rtp));
        assert!(next.add(
            &config,
            1,
            Label::Rtp,
            false,
            &rtp(6220, 99_000, 0xfa1b_b4e6)
        ));
        // Another SSRC, or the other direction, does not.
        let mut other = staging.next_span();
        assert!(!other.add(&config, 1, Label::Rtp, false, &rtp(6220, 99_000, 7)));
        assert!(!staging.next_span().add(
            &config,
            0,
            Label::Rtp,
            false,
            &rtp(6220, 99_000, 0xfa1b_b4e6)
        ));
    }

    #[test]
    fn sip_on_broad_rows_agrees_across_directions() {
        let config = Config::default();
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 0, Label::Sip, false, b"BYE"));
        assert!(staging.add(&config, 1, Label::Sip, false, b"SIP/2.0 200 OK"));
    }

    fn rtp(seq: u16, ts: u32, ssrc: u32) -> Vec<u8> {
        let mut p = vec![0x80, 0x08];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        p.extend_from_slice(&[0xd5; 160]);
        p
    }

    #[test]
    fn three_rtp_packets_with_stepping_sequence_numbers_agree() {
        let config = three();
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(7, 160, 9)));
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(8, 320, 9)));
        assert!(staging.add(&config, 0, Label::Rtp, false, &rtp(10, 640, 9)));
    }

    #[test]
    fn a_changing_ssrc_or_a_repeated_sequence_number_starts_over() {
        let config = three();
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(7, 160, 9)));
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(8, 320, 10)));
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(8, 320, 10)));
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(9, 100, 10)));
        // A step over the bound.
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(60, 200, 10)));
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(61, 300, 10)));
        assert!(staging.add(&config, 0, Label::Rtp, false, &rtp(62, 400, 10)));
    }

    #[test]
    fn the_two_directions_stage_apart() {
        let config = three();
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(1, 160, 9)));
        assert!(!staging.add(&config, 1, Label::Rtp, false, &rtp(500, 160, 4)));
        assert!(!staging.add(&config, 0, Label::Rtp, false, &rtp(2, 320, 9)));
        assert!(!staging.add(&config, 1, Label::Rtp, false, &rtp(501, 320, 4)));
        assert!(staging.add(&config, 1, Label::Rtp, false, &rtp(502, 480, 4)));
    }

    #[test]
    fn a_compound_rtcp_packet_is_enough_and_a_lone_report_is_not() {
        let config = Config::default();
        // RR with no report block (2 words: length 1), then SDES of 3 words (length 2).
        let compound = [
            0x80, 201, 0, 1, 0, 0, 0, 9, //
            0x81, 202, 0, 2, 0, 0, 0, 9, 1, 2, b'a', 0,
        ];
        assert!(rtcp_compound(&compound));
        assert!(Staging::default().add(&config, 0, Label::Rtp, true, &compound));
        let lone = &compound[..8];
        assert!(!rtcp_compound(lone));
        let mut staging = Staging::default();
        assert!(!staging.add(&config, 0, Label::Rtp, true, lone));
        assert!(staging.add(&config, 0, Label::Rtp, true, lone));
    }

    #[test]
    fn udptl_sequence_numbers_step_forward() {
        let config = Config::default();
        let mut staging = Staging::default();
        let udptl = |seq: u16| {
            let mut p = seq.to_be_bytes().to_vec();
            p.extend_from_slice(&[0x06, 0x00, 0x00, 0x00]);
            p
        };
        assert!(!staging.add(&config, 0, Label::T38, false, &udptl(5)));
        assert!(!staging.add(&config, 0, Label::T38, false, &udptl(5)));
        assert!(!staging.add(&config, 0, Label::T38, false, &udptl(6)));
        assert!(staging.add(&config, 0, Label::T38, false, &udptl(7)));
    }
}
