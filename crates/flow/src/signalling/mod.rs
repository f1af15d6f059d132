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
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |value, &digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
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
    bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// An IP address written as text (`addrtype` `IP4` or `IP6`, case-insensitive), without
/// allocating: `std` parses from a `&str` borrowed from the input.
fn ip_address(addrtype: &[u8], text: &[u8]) -> Option<std::net::IpAddr> {
    let text = core::str::from_utf8(text).ok()?;
    if addrtype.eq_ignore_ascii_case(b"IP4") {
        text.parse::<std::net::Ipv4Addr>().ok().map(Into::into)
    } else if addrtype.eq_ignore_ascii_case(b"IP6") {
        text.parse::<std::net::Ipv6Addr>().ok().map(Into::into)
    } else {
        None
    }
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

    #[test]
    fn lines_accept_crlf_and_lf() {
        let all: Vec<&[u8]> = lines(b"a\r\nb\nc").collect();
        assert_eq!(all, [&b"a"[..], b"b", b"c"]);
    }
}
