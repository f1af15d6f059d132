//! SDP bodies (RFC 8866, formerly 4566): the media streams an offer or answer announces, each
//! with the address and port where its sender wants to receive.
//!
//! [`parse_sdp`] reads the connection lines (`c=`, session-level and per media), the media
//! lines (`m=`) the product knows, and the `a=rtcp:` and `a=rtcp-mux` attributes; every other
//! line is skipped. At most [`MAX_MEDIA`] media are kept, in a fixed array.
//!
//! ```
//! use swyx_classify::Label;
//! use swyx_flow::signalling::sdp::parse_sdp;
//!
//! let sdp = parse_sdp(b"v=0\r\n\
//!     c=IN IP4 10.1.1.20\r\n\
//!     m=audio 49170 RTP/AVP 8 101\r\n\
//!     a=rtcp:53020\r\n\
//!     m=video 0 RTP/AVP 96\r\n\
//!     m=image 16394 udptl t38\r\n\
//!     c=IN IP6 2001:db8::20\r\n");
//! let [audio, video, fax] = sdp.media() else { panic!("three media") };
//! assert_eq!((audio.label, audio.port), (Label::Rtp, 49170));
//! assert_eq!(audio.address, Some("10.1.1.20".parse().unwrap()));
//! assert_eq!(audio.rtcp.unwrap().port, 53020);
//! assert!(video.is_declined());
//! assert_eq!((fax.label, fax.address), (Label::T38, Some("2001:db8::20".parse().unwrap())));
//! ```
//!
//! # What is not read
//!
//! `o=` (its address is the session's creator, not where media goes), bandwidth, timing,
//! codecs. A `c=` with a host name instead of an address gives no address. An address of
//! `0.0.0.0` (the old way to put a stream on hold, RFC 3264 8.4) is returned as it is.

use std::net::IpAddr;

use swyx_classify::Label;

use super::{decimal, decimal_at_most, fields, ip_address, lines};

/// The most media kept: 8. An offer from a SwyxWare client has one or two (audio, and image
/// for T.38); conference and video endpoints add a few. Past the bound, [`Sdp::is_truncated`].
pub const MAX_MEDIA: usize = 8;

/// What an SDP body announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sdp {
    session_address: Option<IpAddr>,
    media: [Media; MAX_MEDIA],
    len: usize,
    truncated: bool,
}

impl Sdp {
    /// The media read, in the body's order: RTP audio and video, T.38 over UDPTL.
    pub fn media(&self) -> &[Media] {
        &self.media[..self.len]
    }

    /// Whether the body had more than [`MAX_MEDIA`] media of the kinds read; the later ones
    /// are missing from [`Sdp::media`].
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The session-level `c=` address, which applies to every media without its own.
    pub fn session_address(&self) -> Option<IpAddr> {
        self.session_address
    }
}

/// One media stream: where its sender receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Media {
    /// [`Label::Rtp`] for audio and video over an RTP profile, [`Label::T38`] for `image`
    /// over `udptl` with format `t38`.
    pub label: Label,
    /// The media's `c=` address, else the session's; `None` if neither gives one.
    pub address: Option<IpAddr>,
    /// The port; 0 declines the stream (RFC 3264 6).
    pub port: u16,
    /// How many consecutive streams (`m=audio 49170/2 ...`; RTP takes every other port), at
    /// least 1.
    pub port_count: u16,
    /// Where RTCP goes: `a=rtcp:` (RFC 3605), else the next port up on the same address.
    /// `None` for T.38 (UDPTL has no RTCP), a declined stream, or port 65535.
    pub rtcp: Option<Rtcp>,
    /// Whether `a=rtcp-mux` (RFC 5761) offers RTCP on the media's own port too.
    pub rtcp_mux: bool,
}

impl Media {
    /// Whether the stream is declined (port 0).
    pub fn is_declined(&self) -> bool {
        self.port == 0
    }

    const EMPTY: Media = Media {
        label: Label::Rtp,
        address: None,
        port: 0,
        port_count: 1,
        rtcp: None,
        rtcp_mux: false,
    };
}

/// Where a stream's RTCP goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rtcp {
    /// The address of `a=rtcp:`, else the media's.
    pub address: Option<IpAddr>,
    /// The port.
    pub port: u16,
}

/// What is known of one kept media while the body is read.
#[derive(Clone, Copy)]
struct Draft {
    /// The media's own `c=`: `Some(None)` if it has one without a usable address.
    address: Option<Option<IpAddr>>,
    /// `a=rtcp:` port and address.
    rtcp: Option<(u16, Option<IpAddr>)>,
}

/// Where the line being read belongs.
#[derive(Clone, Copy)]
enum Section {
    Session,
    /// A kept media, by index.
    Media(usize),
    /// A media not read (another kind, a malformed `m=`, or past [`MAX_MEDIA`]).
    Skipped,
}

/// Reads an SDP body.
///
/// ```text
/// session-description = version-field origin-field session-name-field ...
///                       [connection-field] ... *attribute-field *media-description
/// media-description   = media-field ... *connection-field ... *attribute-field
/// connection-field    = %s"c" "=" nettype SP addrtype SP connection-address CRLF
/// media-field         = %s"m" "=" media SP port ["/" integer] SP proto 1*(SP fmt) CRLF
/// rtcp-attribute      = "a=rtcp:" port [nettype SP addrtype SP connection-address] CRLF
/// ```
///
/// Lenient as receivers are: LF alone ends a line, fields may be separated by several spaces
/// or tabs, keywords are case-insensitive, and a line that does not parse is skipped (a bad
/// `m=` line skips its media, attributes and all). Never fails: a body that is not SDP has no
/// media.
pub fn parse_sdp(body: &[u8]) -> Sdp {
    let mut sdp = Sdp {
        session_address: None,
        media: [Media::EMPTY; MAX_MEDIA],
        len: 0,
        truncated: false,
    };
    let mut drafts = [Draft {
        address: None,
        rtcp: None,
    }; MAX_MEDIA];
    let mut section = Section::Session;

    for line in lines(body) {
        let (kind, value) = match line {
            [kind, b'=', value @ ..] => (*kind, value),
            _ => continue,
        };
        match (kind, section) {
            (b'm', _) => {
                section = match media_field(value) {
                    None => Section::Skipped,
                    Some(_) if sdp.len == MAX_MEDIA => {
                        sdp.truncated = true;
                        Section::Skipped
                    }
                    Some(media) => {
                        sdp.media[sdp.len] = media;
                        sdp.len += 1;
                        Section::Media(sdp.len - 1)
                    }
                };
            }
            (b'c', Section::Session) => sdp.session_address = connection_address(value),
            (b'c', Section::Media(index)) => {
                drafts[index].address = Some(connection_address(value))
            }
            (b'a', Section::Media(index)) => {
                if value.eq_ignore_ascii_case(b"rtcp-mux") {
                    sdp.media[index].rtcp_mux = true;
                } else if let Some(rtcp) = rtcp_attribute(value) {
                    drafts[index].rtcp = Some(rtcp);
                }
            }
            _ => {}
        }
    }

    let session_address = sdp.session_address;
    for (media, draft) in sdp.media[..sdp.len].iter_mut().zip(&drafts) {
        media.address = draft.address.unwrap_or(session_address);
        media.rtcp = if media.label != Label::Rtp || media.is_declined() {
            None
        } else if let Some((port, address)) = draft.rtcp {
            Some(Rtcp {
                address: address.or(media.address),
                port,
            })
        } else {
            media.port.checked_add(1).map(|port| Rtcp {
                address: media.address,
                port,
            })
        };
    }
    sdp
}

/// `media SP port ["/" integer] SP proto 1*(SP fmt)`, for the media read: `audio` or `video`
/// over an RTP profile, `image` over `udptl` with a `t38` format.
fn media_field(value: &[u8]) -> Option<Media> {
    /// The RTP profiles: RFC 3551, 3711, 4585, 5124, and DTLS-SRTP's (RFC 5764).
    const RTP_PROFILES: [&[u8]; 6] = [
        b"RTP/AVP",
        b"RTP/SAVP",
        b"RTP/AVPF",
        b"RTP/SAVPF",
        b"UDP/TLS/RTP/SAVP",
        b"UDP/TLS/RTP/SAVPF",
    ];
    let mut fields = fields(value);
    let (media, port, proto) = (fields.next()?, fields.next()?, fields.next()?);
    let mut formats = fields;

    let label = if (media.eq_ignore_ascii_case(b"audio") || media.eq_ignore_ascii_case(b"video"))
        && RTP_PROFILES
            .iter()
            .any(|profile| profile.eq_ignore_ascii_case(proto))
    {
        Label::Rtp
    } else if media.eq_ignore_ascii_case(b"image")
        && proto.eq_ignore_ascii_case(b"udptl")
        && formats.any(|format| format.eq_ignore_ascii_case(b"t38"))
    {
        Label::T38
    } else {
        return None;
    };

    let (port, port_count) = match port.iter().position(|&b| b == b'/') {
        None => (port, 1),
        Some(slash) => {
            let count = decimal(&port[slash + 1..])
                .filter(|&count| (1..=u64::from(u16::MAX)).contains(&count))?;
            (&port[..slash], count as u16)
        }
    };
    Some(Media {
        label,
        port: decimal_at_most(port, u64::from(u16::MAX))? as u16,
        port_count,
        ..Media::EMPTY
    })
}

/// `nettype SP addrtype SP connection-address`, the address without its multicast `/ttl` or
/// `/count` suffix; `None` for a network type other than `IN`, or an address that is a name.
fn connection_address(value: &[u8]) -> Option<IpAddr> {
    let mut fields = fields(value);
    let (nettype, addrtype, address) = (fields.next()?, fields.next()?, fields.next()?);
    if !nettype.eq_ignore_ascii_case(b"IN") {
        return None;
    }
    let address = address.split(|&b| b == b'/').next().unwrap_or_default();
    ip_address(addrtype, address)
}

/// `rtcp:` port [nettype SP addrtype SP connection-address] (RFC 3605 2.1): the port, and the
/// address if one is given and usable.
fn rtcp_attribute(value: &[u8]) -> Option<(u16, Option<IpAddr>)> {
    let (name, rest) = value.split_at(value.iter().position(|&b| b == b':')?);
    if !name.eq_ignore_ascii_case(b"rtcp") {
        return None;
    }
    let rest = &rest[1..];
    let port_end = rest
        .iter()
        .position(|&b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    let port = decimal_at_most(&rest[..port_end], u64::from(u16::MAX))? as u16;
    let address = &rest[port_end..];
    let address = if fields(address).next().is_some() {
        connection_address(address)
    } else {
        None
    };
    Some((port, address))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
    }

    #[test]
    fn offer_with_audio_and_the_session_address() {
        let sdp = parse_sdp(
            b"v=0\r\no=- 1 1 IN IP4 192.0.2.99\r\ns=-\r\nc=IN IP4 10.1.1.20\r\nt=0 0\r\n\
              m=audio 49170 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\n",
        );
        assert_eq!(sdp.session_address(), v4(10, 1, 1, 20));
        assert!(!sdp.is_truncated());
        assert_eq!(
            sdp.media(),
            [Media {
                label: Label::Rtp,
                address: v4(10, 1, 1, 20),
                port: 49170,
                port_count: 1,
                rtcp: Some(Rtcp {
                    address: v4(10, 1, 1, 20),
                    port: 49171
                }),
                rtcp_mux: false,
            }]
        );
    }

    #[test]
    fn media_c_overrides_the_session_c_for_its_media_only() {
        let sdp = parse_sdp(
            b"v=0\nc=IN IP4 10.1.1.20\nm=audio 4000 RTP/AVP 0\nc=IN IP4 10.1.1.30\n\
              m=video 4002 RTP/AVP 96\n",
        );
        let [audio, video] = sdp.media() else {
            panic!("{sdp:?}")
        };
        assert_eq!(audio.address, v4(10, 1, 1, 30));
        assert_eq!(audio.rtcp.unwrap().address, v4(10, 1, 1, 30));
        assert_eq!(video.address, v4(10, 1, 1, 20));
    }

    #[test]
    fn media_without_any_c_has_no_address() {
        let sdp = parse_sdp(b"v=0\r\nm=audio 4000 RTP/AVP 0\r\n");
        assert_eq!(sdp.media()[0].address, None);
        assert_eq!(
            sdp.media()[0].rtcp,
            Some(Rtcp {
                address: None,
                port: 4001
            })
        );
    }

    #[test]
    fn ipv6_and_multicast_connection_addresses() {
        let sdp = parse_sdp(
            b"c=IN IP6 2001:db8::1\r\nm=audio 5004 RTP/SAVP 0\r\n\
              m=audio 5006 RTP/AVP 0\r\nc=IN IP4 224.2.1.1/127/3\r\n\
              m=audio 5008 RTP/AVP 0\r\nc=IN IP6 FF15::101/3\r\n",
        );
        let addresses: Vec<_> = sdp.media().iter().map(|media| media.address).collect();
        assert_eq!(
            addresses,
            [
                Some(IpAddr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap())),
                v4(224, 2, 1, 1),
                Some(IpAddr::V6("ff15::101".parse::<Ipv6Addr>().unwrap())),
            ]
        );
    }

    #[test]
    fn a_media_c_that_is_not_an_address_gives_none_not_the_session_address() {
        let sdp =
            parse_sdp(b"c=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\nc=IN IP4 host.example.com\n");
        assert_eq!(sdp.media()[0].address, None);
        let sdp = parse_sdp(b"c=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\nc=IN IP6 10.0.0.2\n");
        assert_eq!(sdp.media()[0].address, None);
    }

    #[test]
    fn rtcp_attribute_with_and_without_an_address() {
        let sdp = parse_sdp(
            b"c=IN IP4 10.1.1.20\r\n\
              m=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n\
              m=audio 49180 RTP/AVP 0\r\na=rtcp:53020 IN IP6 2001:2345:6789:ABCD:EF01:2345:6789:ABCD\r\n\
              m=audio 49190 RTP/AVP 0\r\na=rtcp-mux\r\na=rtcp-fb:* nack\r\na=rtcp:99999\r\n",
        );
        let [first, second, third] = sdp.media() else {
            panic!("{sdp:?}")
        };
        assert_eq!(
            first.rtcp,
            Some(Rtcp {
                address: v4(10, 1, 1, 20),
                port: 53020
            })
        );
        assert_eq!(
            second.rtcp,
            Some(Rtcp {
                address: Some("2001:2345:6789:abcd:ef01:2345:6789:abcd".parse().unwrap()),
                port: 53020
            })
        );
        // An out-of-range a=rtcp is ignored: the next port up still applies.
        assert_eq!(
            third.rtcp,
            Some(Rtcp {
                address: v4(10, 1, 1, 20),
                port: 49191
            })
        );
        assert!(third.rtcp_mux && !first.rtcp_mux);
    }

    #[test]
    fn declined_stream_is_kept_with_port_zero_and_no_rtcp() {
        let sdp =
            parse_sdp(b"c=IN IP4 10.1.1.10\r\nm=audio 50100 RTP/AVP 8\r\nm=image 0 udptl t38\r\n");
        let [audio, fax] = sdp.media() else {
            panic!("{sdp:?}")
        };
        assert!(!audio.is_declined());
        assert!(fax.is_declined());
        assert_eq!((fax.label, fax.rtcp), (Label::T38, None));
    }

    #[test]
    fn t38_is_read_case_insensitively_and_needs_udptl_and_the_t38_format() {
        let sdp = parse_sdp(
            b"c=IN IP4 10.1.1.10\r\nm=IMAGE 16394 UDPTL T38\r\nm=image 16396 tcp t38\r\n\
              m=image 16398 udptl t37\r\nm=image 16400 udptl\r\n",
        );
        assert_eq!(sdp.media().len(), 1);
        assert_eq!(
            (sdp.media()[0].label, sdp.media()[0].port),
            (Label::T38, 16394)
        );
    }

    #[test]
    fn only_rtp_profiles_of_audio_and_video_are_read() {
        let sdp = parse_sdp(
            b"m=audio 1000 RTP/AVPF 0\nm=video 1002 RTP/SAVPF 96\nm=audio 1004 UDP/TLS/RTP/SAVPF 111\n\
              m=audio 1006 udp 0\nm=application 1008 TCP/MSRP *\nm=text 1010 RTP/AVP 98\n\
              m=message 1012 TCP/MSRP *\n",
        );
        let ports: Vec<u16> = sdp.media().iter().map(|media| media.port).collect();
        assert_eq!(ports, [1000, 1002, 1004]);
    }

    #[test]
    fn attributes_of_a_skipped_media_do_not_reach_the_one_before() {
        let sdp = parse_sdp(
            b"m=audio 1000 RTP/AVP 0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n\
              c=IN IP4 10.9.9.9\na=rtcp:7777\na=rtcp-mux\n",
        );
        let media = sdp.media()[0];
        assert_eq!(
            (media.address, media.rtcp.unwrap().port, media.rtcp_mux),
            (None, 1001, false)
        );
    }

    #[test]
    fn port_counts_and_malformed_ports() {
        let sdp = parse_sdp(
            b"m=audio 49170/2 RTP/AVP 0\nm=audio 65536 RTP/AVP 0\nm=audio 5000/0 RTP/AVP 0\n\
              m=audio -1 RTP/AVP 0\nm=audio RTP/AVP 0\nm=audio 65535 RTP/AVP 0\n",
        );
        let [pair, top] = sdp.media() else {
            panic!("{sdp:?}")
        };
        assert_eq!((pair.port, pair.port_count), (49170, 2));
        assert_eq!((top.port, top.rtcp), (65535, None));
    }

    #[test]
    fn more_than_max_media_are_truncated() {
        let mut body = Vec::new();
        for port in 0..MAX_MEDIA as u16 + 2 {
            body.extend_from_slice(format!("m=audio {} RTP/AVP 0\r\n", 4000 + 2 * port).as_bytes());
        }
        body.extend_from_slice(b"c=IN IP4 10.0.0.1\r\n"); // belongs to a media past the bound
        let sdp = parse_sdp(&body);
        assert_eq!(sdp.media().len(), MAX_MEDIA);
        assert!(sdp.is_truncated());
        assert!(sdp.media().iter().all(|media| media.address.is_none()));
    }

    #[test]
    fn garbage_has_no_media() {
        for body in [
            &b""[..],
            b"\r\n\r\n",
            b"m=",
            b"m=audio",
            b"=m=audio 1 RTP/AVP 0",
            b"\xff\xfe=\x00",
        ] {
            let sdp = parse_sdp(body);
            assert!(sdp.media().is_empty() && !sdp.is_truncated());
        }
    }
}
