//! FTP control lines that announce a data connection: the passive replies 227 (RFC 959) and
//! 229 (RFC 2428), and the active commands `PORT` (RFC 959) and `EPRT` (RFC 2428).
//!
//! ```
//! use swyx_flow::signalling::ftp::{parse_ftp_line, FtpForm, Listener};
//!
//! let reply = parse_ftp_line(b"227 Entering Passive Mode (10,1,1,10,195,80).\r\n").unwrap();
//! assert_eq!(reply.form, FtpForm::Passive);
//! assert_eq!(reply.listener(), Listener::Server);
//! assert_eq!(reply.address, Some("10.1.1.10".parse().unwrap()));
//! assert_eq!(reply.port, 195 * 256 + 80);
//!
//! let reply = parse_ftp_line(b"229 Entering Extended Passive Mode (|||6446|)").unwrap();
//! assert_eq!((reply.address, reply.port), (None, 6446)); // the control connection's server
//!
//! let command = parse_ftp_line(b"EPRT |2|2001:db8::20|5282|").unwrap();
//! assert_eq!(command.listener(), Listener::Client);
//! assert_eq!(parse_ftp_line(b"PORT 10,1,1,256,4,1"), None); // 256 is no address byte
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::decimal_at_most;

/// Which line announced the data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FtpForm {
    /// The reply `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` to `PASV`.
    Passive,
    /// The reply `229 Entering Extended Passive Mode (|||port|)` to `EPSV`.
    ExtendedPassive,
    /// The command `PORT h1,h2,h3,h4,p1,p2`.
    Port,
    /// The command `EPRT |1|address|port|` or `EPRT |2|address|port|`.
    ExtendedPort,
}

/// The side of the control connection that listens for the data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listener {
    /// The FTP server (passive mode: the client connects).
    Server,
    /// The FTP client (active mode: the server connects).
    Client,
}

/// A data connection announced on the control connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FtpAnnouncement {
    /// The line that announced it.
    pub form: FtpForm,
    /// The listening address; `None` for 229, which means the control connection's server
    /// address.
    pub address: Option<IpAddr>,
    /// The listening port, never 0.
    pub port: u16,
}

impl FtpAnnouncement {
    /// The side that listens: the server for 227 and 229, the client for PORT and EPRT.
    pub fn listener(&self) -> Listener {
        match self.form {
            FtpForm::Passive | FtpForm::ExtendedPassive => Listener::Server,
            FtpForm::Port | FtpForm::ExtendedPort => Listener::Client,
        }
    }
}

/// Reads one control line (with or without its CRLF); `None` if it announces no data
/// connection or its numbers are out of range (an address byte over 255, a port over 65535
/// or 0).
///
/// ```text
/// reply-227    = "227" (SP / "-") text "(" host-port ")" text   ; RFC 959 4.2, in practice
/// reply-229    = "229" (SP / "-") text "(" d d d tcp-port d ")" text  ; RFC 2428 3
/// port-command = "PORT" SP host-port                            ; RFC 959 5.3.1
/// eprt-command = "EPRT" SP d net-prt d net-addr d tcp-port d    ; RFC 2428 2
/// host-port    = number "," number "," number "," number "," number "," number
/// number       = 1*3DIGIT                                       ; 0 to 255
/// d            = any of ASCII 33-126 but a digit, the same all through
/// net-prt      = "1" / "2"                                      ; IPv4 / IPv6
/// ```
///
/// Command names are case-insensitive (RFC 959 5.3). A 227 reply without parentheses is read
/// as RFC 1123 4.1.2.6 asks: the six numbers start at the first digit after the code.
pub fn parse_ftp_line(line: &[u8]) -> Option<FtpAnnouncement> {
    // Only 227, 229, PORT and EPRT announce: most lines are told apart by their first byte.
    if !matches!(line.first(), Some(b'2' | b'P' | b'p' | b'E' | b'e')) {
        return None;
    }
    let end = line
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |last| last + 1);
    let line = &line[..end];
    if let Some(text) = reply_text(line, b"227") {
        let (address, port) = passive(text)?;
        return announcement(FtpForm::Passive, Some(IpAddr::V4(address)), port);
    }
    if let Some(text) = reply_text(line, b"229") {
        let open = text.iter().position(|&b| b == b'(')?;
        let (port, rest) = extended_passive(&text[open + 1..])?;
        if !rest.starts_with(b")") {
            return None;
        }
        return announcement(FtpForm::ExtendedPassive, None, port);
    }
    if let Some(argument) = command_argument(line, b"PORT") {
        let (address, port, rest) = host_port(argument)?;
        if !rest.is_empty() {
            return None;
        }
        return announcement(FtpForm::Port, Some(IpAddr::V4(address)), port);
    }
    if let Some(argument) = command_argument(line, b"EPRT") {
        let (address, port) = extended_port(argument)?;
        return announcement(FtpForm::ExtendedPort, Some(address), port);
    }
    None
}

/// An announcement, unless its port is 0 (no one listens there).
fn announcement(form: FtpForm, address: Option<IpAddr>, port: u16) -> Option<FtpAnnouncement> {
    (port != 0).then_some(FtpAnnouncement {
        form,
        address,
        port,
    })
}

/// The text of a reply with this code: after `code` and a space (or a hyphen, a multi-line
/// reply's first line).
fn reply_text<'a>(line: &'a [u8], code: &[u8]) -> Option<&'a [u8]> {
    match line.strip_prefix(code)? {
        [b' ' | b'-', text @ ..] => Some(text),
        [] => Some(&[]),
        _ => None,
    }
}

/// The argument of a command with this name (case-insensitive), after one space.
fn command_argument<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let (head, argument) = line.split_at_checked(name.len())?;
    match argument {
        [b' ', argument @ ..] if head.eq_ignore_ascii_case(name) => Some(argument),
        _ => None,
    }
}

/// The host-port of a 227 reply's text: in parentheses if there are any, else from the first
/// digit on (RFC 1123 4.1.2.6).
fn passive(text: &[u8]) -> Option<(Ipv4Addr, u16)> {
    if let Some(open) = text.iter().position(|&b| b == b'(') {
        let (address, port, rest) = host_port(&text[open + 1..])?;
        return rest.starts_with(b")").then_some((address, port));
    }
    let first_digit = text.iter().position(u8::is_ascii_digit)?;
    let (address, port, rest) = host_port(&text[first_digit..])?;
    // The numbers end there: "1,2,3,4,5,6,7" is not a host-port.
    (!rest.starts_with(b",")).then_some((address, port))
}

/// `h1,h2,h3,h4,p1,p2` at the start of `bytes` (spaces allowed before a number, as servers
/// write `(10, 1, 1, 10, 195, 80)` too), and the bytes after it.
fn host_port(bytes: &[u8]) -> Option<(Ipv4Addr, u16, &[u8])> {
    let mut numbers = [0u8; 6];
    let mut rest = bytes;
    for (index, number) in numbers.iter_mut().enumerate() {
        if index > 0 {
            rest = rest.strip_prefix(b",")?;
        }
        let digits_at = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
        rest = &rest[digits_at..];
        let digits = rest
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits > 3 {
            return None;
        }
        *number = decimal_at_most(&rest[..digits], 255)? as u8;
        rest = &rest[digits..];
    }
    let [h1, h2, h3, h4, p1, p2] = numbers;
    Some((
        Ipv4Addr::new(h1, h2, h3, h4),
        u16::from_be_bytes([p1, p2]),
        rest,
    ))
}

/// `d d d tcp-port d` at the start of `bytes`, and the bytes after it.
fn extended_passive(bytes: &[u8]) -> Option<(u16, &[u8])> {
    let [d, second, third, rest @ ..] = bytes else {
        return None;
    };
    if !is_delimiter(*d) || second != d || third != d {
        return None;
    }
    let end = rest.iter().position(|b| b == d)?;
    Some((tcp_port(&rest[..end])?, &rest[end + 1..]))
}

/// `d net-prt d net-addr d tcp-port d`, the whole argument.
fn extended_port(argument: &[u8]) -> Option<(IpAddr, u16)> {
    let [d, inner @ .., last] = argument else {
        return None;
    };
    if !is_delimiter(*d) || last != d {
        return None;
    }
    let mut parts = inner.split(|b| b == d);
    let (protocol, address, port) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let address = core::str::from_utf8(address).ok()?;
    let address = match protocol {
        b"1" => IpAddr::V4(address.parse::<Ipv4Addr>().ok()?),
        b"2" => IpAddr::V6(address.parse::<Ipv6Addr>().ok()?),
        _ => return None,
    };
    Some((address, tcp_port(port)?))
}

/// RFC 2428: the delimiter is one of ASCII 33-126; a digit would make the port ambiguous.
fn is_delimiter(byte: u8) -> bool {
    (33..=126).contains(&byte) && !byte.is_ascii_digit()
}

/// A decimal TCP port, 1 to 5 digits up to 65535 (0 is refused by [`announcement`]).
fn tcp_port(digits: &[u8]) -> Option<u16> {
    if digits.len() > 5 {
        return None;
    }
    decimal_at_most(digits, u64::from(u16::MAX)).map(|port| port as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
    }

    fn announced(form: FtpForm, address: Option<IpAddr>, port: u16) -> Option<FtpAnnouncement> {
        Some(FtpAnnouncement {
            form,
            address,
            port,
        })
    }

    #[test]
    fn passive_reply_227() {
        let expected = announced(FtpForm::Passive, v4(192, 168, 150, 90), 195 * 256 + 149);
        for line in [
            &b"227 Entering Passive Mode (192,168,150,90,195,149).\r\n"[..],
            b"227 Entering Passive Mode (192,168,150,90,195,149)",
            b"227 Entering Passive Mode (192, 168, 150, 90, 195, 149)\n",
            b"227 Passive mode on (192,168,150,90,195,149) at last",
            b"227 Entering Passive Mode 192,168,150,90,195,149",
            b"227 =192,168,150,90,195,149",
            b"227-Entering Passive Mode (192,168,150,90,195,149)",
        ] {
            assert_eq!(
                parse_ftp_line(line),
                expected,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert_eq!(
            parse_ftp_line(b"227 (0,0,0,0,255,255)"),
            announced(FtpForm::Passive, v4(0, 0, 0, 0), 65535)
        );
        assert_eq!(
            parse_ftp_line(b"227 x (10,1,1,10,195,80)")
                .unwrap()
                .listener(),
            Listener::Server
        );
    }

    #[test]
    fn extended_passive_reply_229_with_any_delimiter() {
        for line in [
            &b"229 Entering Extended Passive Mode (|||6446|)\r\n"[..],
            b"229 Entering Extended Passive Mode (!!!6446!)",
            b"229 EPSV ok (===6446=) now",
        ] {
            assert_eq!(
                parse_ftp_line(line),
                announced(FtpForm::ExtendedPassive, None, 6446)
            );
        }
        assert_eq!(
            parse_ftp_line(b"229 (|||6446|)").unwrap().listener(),
            Listener::Server
        );
    }

    #[test]
    fn port_command() {
        assert_eq!(
            parse_ftp_line(b"PORT 10,1,1,20,7,138\r\n"),
            announced(FtpForm::Port, v4(10, 1, 1, 20), 1930)
        );
        assert_eq!(
            parse_ftp_line(b"port 10,1,1,20,7,138"),
            announced(FtpForm::Port, v4(10, 1, 1, 20), 1930)
        );
        assert_eq!(
            parse_ftp_line(b"PORT 10,1,1,20,7,138").unwrap().listener(),
            Listener::Client
        );
    }

    #[test]
    fn extended_port_command_ipv4_and_ipv6() {
        assert_eq!(
            parse_ftp_line(b"EPRT |1|132.235.1.2|6275|\r\n"),
            announced(FtpForm::ExtendedPort, v4(132, 235, 1, 2), 6275)
        );
        assert_eq!(
            parse_ftp_line(b"eprt |2|1080::8:800:200C:417A|5282|"),
            announced(
                FtpForm::ExtendedPort,
                Some("1080::8:800:200c:417a".parse().unwrap()),
                5282
            )
        );
        assert_eq!(
            parse_ftp_line(b"EPRT !1!132.235.1.2!6275!"),
            announced(FtpForm::ExtendedPort, v4(132, 235, 1, 2), 6275)
        );
        assert_eq!(
            parse_ftp_line(b"EPRT |1|132.235.1.2|6275|")
                .unwrap()
                .listener(),
            Listener::Client
        );
    }

    #[test]
    fn out_of_range_numbers_are_rejected() {
        for line in [
            &b"227 Entering Passive Mode (256,168,150,90,195,149)"[..],
            b"227 Entering Passive Mode (192,168,150,90,256,149)",
            b"227 Entering Passive Mode (192,168,150,90,195,1000)",
            b"227 Entering Passive Mode (192,168,150,90,195,0149)",
            b"227 Entering Passive Mode (192,168,150,90,0,0)",
            b"PORT 10,1,1,300,7,138",
            b"PORT 10,1,1,20,7,99999999999999999999",
            b"229 Entering Extended Passive Mode (|||65536|)",
            b"229 Entering Extended Passive Mode (|||0|)",
            b"229 Entering Extended Passive Mode (|||000006446|)",
            b"EPRT |1|132.235.1.2|65536|",
            b"EPRT |1|132.235.1.256|6275|",
            b"EPRT |1|132.235.1.2|0|",
        ] {
            assert_eq!(
                parse_ftp_line(line),
                None,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn missing_or_malformed_parts_are_rejected() {
        for line in [
            &b""[..],
            b"227",
            b"227 Entering Passive Mode",
            b"227 Entering Passive Mode (192,168,150,90,195)",
            b"227 Entering Passive Mode (192,168,150,90,195,149",
            b"227 Entering Passive Mode (192,168,150,90,,149)",
            b"227 Entering Passive Mode 1,2,3,4,5,6,7",
            b"2270 (192,168,150,90,195,149)",
            b"200 PORT command successful (192,168,150,90,195,149)",
            b"229 Entering Extended Passive Mode (||6446|)",
            b"229 Entering Extended Passive Mode (|||6446)",
            b"229 Entering Extended Passive Mode (|||6446|",
            b"229 Entering Extended Passive Mode (|!|6446|)",
            b"229 Entering Extended Passive Mode (11164461)",
            b"229 Entering Extended Passive Mode (|||port|)",
            b"229 Entering Extended Passive Mode |||6446|",
            b"PORT",
            b"PORT ",
            b"PORT 10,1,1,20,7",
            b"PORT 10,1,1,20,7,138,1",
            b"PORT 10,1,1,20,7,138 extra",
            b"PORTS 10,1,1,20,7,138",
            b"PASV",
            b"EPSV",
            b"EPRT",
            b"EPRT |3|132.235.1.2|6275|",
            b"EPRT |1|1080::8:800:200C:417A|5282|",
            b"EPRT |2|132.235.1.2|6275|",
            b"EPRT |1|132.235.1.2|6275",
            b"EPRT |1|132.235.1.2|6275|9|",
            b"EPRT |1|132.235.1.2||",
            b"EPRT 1|1|132.235.1.2|62751",
            b"EPRT \x7f1\x7f132.235.1.2\x7f6275\x7f",
            b"\xff\xfe\x00",
        ] {
            assert_eq!(
                parse_ftp_line(line),
                None,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
