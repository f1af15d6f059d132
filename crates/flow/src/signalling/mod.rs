//! Signalling that announces the flows to come: SIP messages ([`sip`]), the SDP bodies they
//! carry ([`sdp`]), and FTP's passive and active data connections ([`ftp`]).
//!
//! Each module is a pure parser over a byte slice: no state, no allocation (a parsed SIP
//! message borrows from the buffer; an SDP keeps at most [`sdp::MAX_MEDIA`] media in a fixed
//! array), and no panic on any input. What the announced flows mean (an RTP stream expected on
//! an address and port, a T.38 stream after a re-INVITE, an FTP data connection) is for the
//! flow layer to decide; these parsers only read what was said.
//!
//! ```
//! use swyx_classify::Label;
//! use swyx_flow::signalling::sip::{parse_message, Framing, Method, Parse, StartLine};
//!
//! let datagram = b"SIP/2.0 200 OK\r\n\
//!     Call-ID: 3c26700e2d5c-ylo27ur2mquw\r\n\
//!     CSeq: 2 INVITE\r\n\
//!     Content-Type: application/sdp\r\n\
//!     Content-Length: 69\r\n\
//!     \r\n\
//!     v=0\r\n\
//!     c=IN IP4 10.1.1.10\r\n\
//!     m=image 16394 udptl t38\r\n\
//!     a=T38FaxVersion:0\r\n";
//! let Parse::Complete(message, _) = parse_message(datagram, Framing::Datagram) else {
//!     panic!("a whole message");
//! };
//! assert_eq!(message.start, StartLine::Response { code: 200 });
//! assert_eq!(message.cseq.method, Method::Invite);
//! let sdp = message.sdp().expect("an SDP body");
//! let fax = sdp.media()[0];
//! assert_eq!((fax.label, fax.port), (Label::T38, 16394));
//! assert_eq!(fax.address, Some("10.1.1.10".parse().unwrap()));
//! ```

pub mod ftp;
pub mod sdp;
pub mod sip;

pub use ftp::{parse_ftp_line, FtpAnnouncement, FtpForm, Listener};
pub use sdp::{parse_sdp, Media, Rtcp, Sdp};
pub use sip::{
    parse_message, CSeq, Framing, Header, Invalid, Method, Parse, SipMessage, StartLine,
};

/// A run of ASCII digits as a number, saturating at `u64::MAX` (so a caller's range check
/// rejects an overlong number as out of range); `None` if `digits` is empty or holds anything
/// but digits.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut value = 0u64;
    for (i, &b) in digits.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        // Nineteen digits always fit; only a longer number may saturate.
        value = if i < 19 {
            value * 10 + u64::from(digit)
        } else {
            value.saturating_mul(10).saturating_add(u64::from(digit))
        };
    }
    Some(value)
}

/// A decimal number in `0..=max`.
fn decimal_at_most(digits: &[u8], max: u64) -> Option<u64> {
    decimal(digits).filter(|&value| value <= max)
}

/// `bytes` without the spaces and tabs at both ends.
fn trim(bytes: &[u8]) -> &[u8] {
    trim_end(trim_start(bytes))
}

/// `bytes` without its leading spaces and tabs.
fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// `bytes` without its trailing spaces and tabs.
fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| !is_blank(b))
        .map_or(0, |last| last + 1);
    &bytes[..end]
}

/// SP or HTAB: the whitespace of SIP's LWS and SDP's fields.
fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// The fields of `bytes` separated by runs of spaces and tabs.
fn fields(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| is_blank(b))
        .filter(|field| !field.is_empty())
}

/// The lines of `bytes`, each without its LF or CRLF; the last line needs no line end.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    core::iter::from_fn(move || {
        let bytes = rest?;
        let line = match find_lf(bytes) {
            Some(lf) => {
                rest = Some(&bytes[lf + 1..]);
                &bytes[..lf]
            }
            None => {
                rest = None;
                bytes
            }
        };
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    })
}

/// Where the first LF in `bytes` is. (An eight-bytes-a-round search written here took 2% fewer
/// instructions on the `signalling` bench's messages, `mix_loop sip`: not enough to keep one.)
#[inline]
fn find_lf(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

/// The eight bytes of `bytes` from `at` as a little-endian word.
#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The four bytes of `bytes` from `at` as a little-endian word.
#[inline]
fn half_word(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// A one in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// The 0x20 bit of every byte of a word: set, it lowercases ASCII letters.
const LOWER: u64 = 0x20 * ONES;

/// An IP address written as text (`addrtype` `IP4` or `IP6`, case-insensitive), without
/// allocating: `std` parses IPv6 from a `&str` borrowed from the input.
fn ip_address(addrtype: &[u8], text: &[u8]) -> Option<std::net::IpAddr> {
    if addrtype.eq_ignore_ascii_case(b"IP4") {
        ipv4_address(text).map(Into::into)
    } else if addrtype.eq_ignore_ascii_case(b"IP6") {
        let text = core::str::from_utf8(text).ok()?;
        text.parse::<std::net::Ipv6Addr>().ok().map(Into::into)
    } else {
        None
    }
}

/// A dotted-quad IPv4 address as `std` reads one: four numbers of at most 255, each one to
/// three digits without a leading zero (but `0` itself).
fn ipv4_address(text: &[u8]) -> Option<std::net::Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut rest = text;
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        let digits = rest
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 3 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        let value = rest[..digits]
            .iter()
            .fold(0u16, |value, &digit| value * 10 + u16::from(digit - b'0'));
        *octet = u8::try_from(value).ok()?;
        rest = &rest[digits..];
    }
    rest.is_empty().then_some(std::net::Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_saturates_instead_of_overflowing() {
        assert_eq!(decimal(b"0042"), Some(42));
        assert_eq!(decimal(b"99999999999999999999999"), Some(u64::MAX));
        assert_eq!(decimal(b""), None);
        assert_eq!(decimal(b"4a"), None);
        assert_eq!(decimal_at_most(b"256", 255), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        #[test]
        fn ipv4_addresses_are_read_as_std_reads_them(
            text in "[0-9]{0,4}(\\.[0-9]{0,4}){0,4}\\.?|[0-9.: a-f\u{80}+-]{0,18}|(0|00|[1-9][0-9]{0,2}|2[5-9][0-9])(\\.(0|01|[1-9][0-9]{0,2}|25[0-9])){3}",
            addrtype in "IP4|ip4|Ip4|IP6|IP|IP44|",
        ) {
            let std = core::str::from_utf8(text.as_bytes()).ok().and_then(|text| {
                if addrtype.eq_ignore_ascii_case("IP4") {
                    text.parse::<std::net::Ipv4Addr>().ok().map(Into::into)
                } else if addrtype.eq_ignore_ascii_case("IP6") {
                    text.parse::<std::net::Ipv6Addr>().ok().map(Into::into)
                } else {
                    None
                }
            });
            proptest::prop_assert_eq!(ip_address(addrtype.as_bytes(), text.as_bytes()), std);
        }

        #[test]
        fn lines_are_those_split_at_lfs(
            bytes in proptest::collection::vec(proptest::sample::select(b"ab\r\n\n\x8a\x0b".to_vec()), 0..64),
        ) {
            let split: Vec<&[u8]> = bytes
                .split(|&b| b == b'\n')
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
                .collect();
            proptest::prop_assert_eq!(lines(&bytes).collect::<Vec<_>>(), split);
        }
    }

    #[test]
    fn lines_accept_crlf_and_lf() {
        let all: Vec<&[u8]> = lines(b"a\r\nb\nc").collect();
        assert_eq!(all, [&b"a"[..], b"b", b"c"]);
    }
}
