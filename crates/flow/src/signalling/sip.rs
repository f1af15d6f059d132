//! SIP messages (RFC 3261) read from a byte slice: a whole UDP datagram, or the bytes a TCP
//! stream has delivered so far.
//!
//! [`parse_message`] reads the start line and the few headers the flow layer needs (Call-ID,
//! CSeq, Content-Type, Content-Length, in full or compact form) and borrows the body. It is
//! tri-state, as a stream needs: [`Parse::Complete`] with the bytes the message took,
//! [`Parse::Incomplete`] when more bytes are needed, [`Parse::Invalid`] with the reason.
//!
//! ```
//! use swyx_flow::signalling::sip::{parse_message, Framing, Method, Parse, StartLine};
//!
//! let stream = b"BYE sip:201@10.1.1.10 SIP/2.0\r\n\
//!     i: a84b4c76e66710@pc33\r\n\
//!     CSeq: 231 BYE\r\n\
//!     l: 0\r\n\
//!     \r\n\
//!     OPTIONS sip:";
//! let Parse::Complete(message, consumed) = parse_message(stream, Framing::Stream) else {
//!     panic!("the BYE is whole");
//! };
//! assert_eq!(message.start, StartLine::Request { method: Method::Bye });
//! assert_eq!(message.call_id, b"a84b4c76e66710@pc33");
//! assert_eq!((message.cseq.sequence, message.cseq.method), (231, Method::Bye));
//! assert_eq!(parse_message(&stream[consumed..], Framing::Stream), Parse::Incomplete);
//! ```
//!
//! # Bounds
//!
//! The head (start line, headers and the empty line that ends them) must end within
//! [`MAX_HEAD_BYTES`], and Content-Length may say at most [`MAX_CONTENT_LENGTH`]; beyond either,
//! the message is [`Invalid::HeadTooLarge`] or [`Invalid::ContentLengthTooLarge`], so a stream
//! that never ends its headers is given up after a bounded number of bytes. Nothing is
//! allocated.
//!
//! # What is not read
//!
//! Line folding (a header continued on a line starting with whitespace) is deprecated and
//! rare: a continuation line is skipped, so a folded value keeps only its first line. A
//! multipart body is returned whole; only a body whose Content-Type is `application/sdp` is
//! read as SDP by [`SipMessage::sdp`].

use core::fmt;

use super::sdp::{parse_sdp, Sdp};
use super::{decimal, find_lf, half_word, is_blank, trim, word, LOWER};

/// The most bytes the head (start line, headers, empty line) may take: 8 KiB.
///
/// A SIP message over UDP should fit in 1300 bytes (RFC 3261 18.1.1), and a long INVITE head
/// with several Via and Record-Route headers takes about 2 KiB; 8 KiB is the header limit web
/// servers use (Apache's `LimitRequestFieldSize`, nginx's header buffers), room for any real
/// head while a stream that never ends its headers is given up early.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// The largest Content-Length accepted: 64 KiB, the most a UDP datagram can carry; SDP bodies
/// are a few hundred bytes, multipart bodies a few KiB.
pub const MAX_CONTENT_LENGTH: usize = 64 * 1024;

/// How the bytes were delivered, which decides the body of a message without Content-Length
/// (RFC 3261 18.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// One whole UDP datagram: without Content-Length, the body is the rest of the datagram;
    /// bytes after a Content-Length's body are not part of the message.
    Datagram,
    /// A TCP (or TLS) stream's bytes: without Content-Length the body is empty, and the next
    /// message starts right after the head.
    Stream,
}

/// The outcome of a parse that may need more bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parse<T> {
    /// A whole message, and how many bytes of the buffer it took (leading empty lines, the
    /// head and the body).
    Complete(T, usize),
    /// The bytes so far are the start of a message: its head has not ended, or its body is
    /// shorter than its Content-Length. On a stream, wait for more; a datagram that ends here
    /// was cut (by a capture's snap length, or a sender's error).
    Incomplete,
    /// Not a SIP message, or one past the bounds; the reason says which.
    Invalid(Invalid),
}

/// Why a buffer is not a SIP message this parser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Invalid {
    /// The first line is neither a `SIP/2.0` request line nor a status line.
    StartLine,
    /// A header line has no colon, or its name is not a token.
    HeaderLine,
    /// A header every message must have (Call-ID, CSeq) is missing.
    MissingHeader(Header),
    /// A header's value does not follow its grammar.
    BadValue(Header),
    /// A header that may appear once appears again with another value.
    ConflictingHeader(Header),
    /// The head did not end within [`MAX_HEAD_BYTES`].
    HeadTooLarge,
    /// Content-Length is over [`MAX_CONTENT_LENGTH`].
    ContentLengthTooLarge,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::StartLine => f.write_str("the first line is not a SIP request or status line"),
            Invalid::HeaderLine => f.write_str("a header line is not `name: value`"),
            Invalid::MissingHeader(header) => write!(f, "the {} header is missing", header.name()),
            Invalid::BadValue(header) => {
                write!(f, "the {} header's value is malformed", header.name())
            }
            Invalid::ConflictingHeader(header) => {
                write!(
                    f,
                    "the {} header appears twice with different values",
                    header.name()
                )
            }
            Invalid::HeadTooLarge => {
                write!(f, "the headers do not end within {MAX_HEAD_BYTES} bytes")
            }
            Invalid::ContentLengthTooLarge => {
                write!(f, "the Content-Length is over {MAX_CONTENT_LENGTH} bytes")
            }
        }
    }
}

impl std::error::Error for Invalid {}

/// The headers this parser reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Header {
    /// `Call-ID`, compact `i`.
    CallId,
    /// `CSeq`.
    CSeq,
    /// `Content-Type`, compact `c`.
    ContentType,
    /// `Content-Length`, compact `l`.
    ContentLength,
}

impl Header {
    /// The header's full name, as RFC 3261 writes it.
    pub fn name(self) -> &'static str {
        match self {
            Header::CallId => "Call-ID",
            Header::CSeq => "CSeq",
            Header::ContentType => "Content-Type",
            Header::ContentLength => "Content-Length",
        }
    }

    /// The header a name token stands for, full or compact, case-insensitive.
    fn from_name(name: &[u8]) -> Option<Header> {
        // By length first: most lines are other headers, told apart without a comparison. Then
        // by words with every byte's 0x20 bit set: on a token's bytes that lowercases the
        // letters and turns no other byte into a letter or `-`.
        let folded = |at| word(name, at) | LOWER;
        let folded_half = |at| half_word(name, at) | LOWER as u32;
        let (eight, four) = (u64::from_le_bytes, u32::from_le_bytes);
        let (known, header) = match name.len() {
            1 => {
                return match name[0] | 0x20 {
                    b'i' => Some(Header::CallId),
                    b'c' => Some(Header::ContentType),
                    b'l' => Some(Header::ContentLength),
                    _ => None,
                }
            }
            4 => (folded_half(0) == four(*b"cseq"), Header::CSeq),
            7 => (
                folded_half(0) == four(*b"call") && folded_half(3) == four(*b"l-id"),
                Header::CallId,
            ),
            12 => (
                folded(0) == eight(*b"content-") && folded_half(8) == four(*b"type"),
                Header::ContentType,
            ),
            14 => (
                folded(0) == eight(*b"content-") && folded(6) == eight(*b"t-length"),
                Header::ContentLength,
            ),
            _ => return None,
        };
        known.then_some(header)
    }
}

/// A SIP method. Method names are case-sensitive (RFC 3261 7.1): `invite` is [`Method::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `INVITE`: opens a session, or changes it (a re-INVITE).
    Invite,
    /// `ACK`: confirms the final response to an INVITE.
    Ack,
    /// `BYE`: ends a session.
    Bye,
    /// `CANCEL`: cancels a pending request.
    Cancel,
    /// `UPDATE` (RFC 3311): changes a session before or after it is answered.
    Update,
    /// `PRACK` (RFC 3262): acknowledges a provisional response.
    Prack,
    /// `OPTIONS`: asks for capabilities; a keep-alive in practice.
    Options,
    /// `REGISTER`: binds an address of record to a contact.
    Register,
    /// `INFO` (RFC 6086): mid-dialog information, DTMF for instance.
    Info,
    /// Any other method (SUBSCRIBE, NOTIFY, MESSAGE, REFER, ...).
    Other,
}

impl Method {
    /// The method a token names.
    fn from_token(token: &[u8]) -> Method {
        // By length, then as words.
        let four = |at| half_word(token, at);
        let is = |at, name: &[u8; 4]| four(at) == u32::from_le_bytes(*name);
        match token.len() {
            3 if token == b"ACK" => Method::Ack,
            3 if token == b"BYE" => Method::Bye,
            4 if is(0, b"INFO") => Method::Info,
            5 if is(0, b"PRAC") && token[4] == b'K' => Method::Prack,
            6 if is(0, b"INVI") && is(2, b"VITE") => Method::Invite,
            6 if is(0, b"CANC") && is(2, b"NCEL") => Method::Cancel,
            6 if is(0, b"UPDA") && is(2, b"DATE") => Method::Update,
            7 if is(0, b"OPTI") && is(3, b"IONS") => Method::Options,
            8 if word(token, 0) == u64::from_le_bytes(*b"REGISTER") => Method::Register,
            _ => Method::Other,
        }
    }
}

/// What the first line says: a request with its method, or a response with its status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StartLine {
    /// A request line.
    Request {
        /// The request's method.
        method: Method,
    },
    /// A status line.
    Response {
        /// The status code, 100 to 699.
        code: u16,
    },
}

/// The CSeq header: a sequence number and the method of the request it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CSeq {
    /// The sequence number, a 32-bit unsigned integer (RFC 3261 8.1.1.5).
    pub sequence: u32,
    /// The request's method (a response carries its request's CSeq).
    pub method: Method,
}

/// A SIP message, borrowing from the buffer it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipMessage<'a> {
    /// The request or status line.
    pub start: StartLine,
    /// The Call-ID header's value, without surrounding whitespace.
    pub call_id: &'a [u8],
    /// The CSeq header.
    pub cseq: CSeq,
    /// Whether Content-Type is `application/sdp` (case-insensitive, parameters ignored).
    pub content_is_sdp: bool,
    /// The Content-Length header, if there is one.
    pub content_length: Option<usize>,
    /// The body: Content-Length bytes, or without it the rest of a datagram or nothing on a
    /// stream (see [`Framing`]).
    pub body: &'a [u8],
}

impl SipMessage<'_> {
    /// The body read as SDP, if Content-Type says it is SDP and the body is not empty.
    ///
    /// ```
    /// use swyx_flow::signalling::sip::{parse_message, Framing, Parse};
    ///
    /// let datagram = b"ACK sip:201@10.1.1.10 SIP/2.0\r\n\
    ///     Call-ID: 1-2@10.1.1.20\r\n\
    ///     CSeq: 1 ACK\r\n\
    ///     Content-Type: Application/SDP; charset=utf-8\r\n\
    ///     \r\n\
    ///     c=IN IP4 10.1.1.20\r\n\
    ///     m=audio 49170 RTP/AVP 8\r\n";
    /// let Parse::Complete(message, _) = parse_message(datagram, Framing::Datagram) else {
    ///     panic!("a whole message");
    /// };
    /// assert_eq!(message.sdp().unwrap().media()[0].port, 49170);
    /// ```
    pub fn sdp(&self) -> Option<Sdp> {
        (self.content_is_sdp && !self.body.is_empty()).then(|| parse_sdp(self.body))
    }
}

/// Reads one SIP message from the start of `buf`.
///
/// ```text
/// SIP-message    =  Request / Response
/// Request        =  Request-Line *( message-header ) CRLF [ message-body ]
/// Response       =  Status-Line *( message-header ) CRLF [ message-body ]
/// message-header =  header-name HCOLON header-value CRLF
/// HCOLON         =  *( SP / HTAB ) ":" SWS
/// ```
///
/// LF alone ends a line as well as CRLF. Empty lines before the start line (a stream's
/// CRLF keep-alives, RFC 5626 4.4.1) are skipped and counted in the bytes consumed; they count
/// in [`MAX_HEAD_BYTES`] too. The start line and every header line are checked as soon as they
/// are whole, so a stream that is not SIP is [`Parse::Invalid`] after its first line.
pub fn parse_message(buf: &[u8], framing: Framing) -> Parse<SipMessage<'_>> {
    let out_of_bytes = if buf.len() >= MAX_HEAD_BYTES {
        Parse::Invalid(Invalid::HeadTooLarge)
    } else {
        Parse::Incomplete
    };
    let (start, headers, head_len) = match read_head(&buf[..buf.len().min(MAX_HEAD_BYTES)]) {
        Ok(read) => read,
        Err(None) => return out_of_bytes,
        Err(Some(invalid)) => return Parse::Invalid(invalid),
    };

    let message = match headers.finish() {
        Ok(message) => message,
        Err(invalid) => return Parse::Invalid(invalid),
    };
    let rest = &buf[head_len..];
    let body_len = match (message.content_length, framing) {
        (Some(length), _) if rest.len() < length => return Parse::Incomplete,
        (Some(length), _) => length,
        (None, Framing::Datagram) => rest.len(),
        (None, Framing::Stream) => 0,
    };
    Parse::Complete(
        SipMessage {
            start,
            call_id: message.call_id,
            cseq: message.cseq,
            content_is_sdp: message.content_is_sdp,
            content_length: message.content_length,
            body: &rest[..body_len],
        },
        head_len + body_len,
    )
}

/// Reads the head: the start line, the headers and the head's length with its empty line; or
/// why not, `None` if the bytes end before the head does.
///
/// A header line is read in one pass: the name token, blanks and the colon, then the line end
/// from the value on.
fn read_head(head: &[u8]) -> Result<(StartLine, Headers<'_>, usize), Option<Invalid>> {
    let mut at = 0;
    let start = loop {
        let lf = at + find_lf(&head[at..]).ok_or(None)?;
        let line = without_cr(&head[at..lf]);
        at = lf + 1;
        if !line.is_empty() {
            break line;
        }
    };
    let start = start_line(start).ok_or(Some(Invalid::StartLine))?;

    let mut headers = Headers::default();
    let mut rest = &head[at..];
    loop {
        match headers.read(rest)? {
            Line::Header(len) => rest = &rest[len..],
            Line::End(len) => return Ok((start, headers, head.len() - rest.len() + len)),
        }
    }
}

/// A line of the head after the start line, and the bytes it took with its line end.
enum Line {
    /// A header line, or a folded continuation.
    Header(usize),
    /// The empty line that ends the head.
    End(usize),
}

/// The lines [`Headers::read`] does not expect: blanks before the colon (where the value
/// starts), a folded continuation (0: skipped, see the module docs), the empty line that ends
/// the head (`Err` with its length), or no header line.
#[cold]
fn other_line(rest: &[u8], name_len: usize) -> Result<Result<usize, usize>, Option<Invalid>> {
    if name_len > 0 {
        let blanks = rest[name_len..]
            .iter()
            .take_while(|&&b| is_blank(b))
            .count();
        if rest.get(name_len + blanks) != Some(&b':') {
            return Err(bad_line(rest));
        }
        return Ok(Ok(name_len + blanks + 1));
    }
    match rest {
        [b'\n', ..] => Ok(Err(1)),
        [b'\r', b'\n', ..] => Ok(Err(2)),
        [b' ' | b'\t', ..] => Ok(Ok(0)),
        _ => Err(bad_line(rest)),
    }
}

/// Why a header line that is not `name: value` is not read: it is [`Invalid::HeaderLine`] once
/// it is whole (`None` before).
fn bad_line(line: &[u8]) -> Option<Invalid> {
    find_lf(line).map(|_| Invalid::HeaderLine)
}

/// A header value without the CR of its CRLF and without blanks at either end.
#[inline]
fn trim_value(value: &[u8]) -> &[u8] {
    let (mut start, mut end) = (0, value.len());
    if end > 0 && value[end - 1] == b'\r' {
        end -= 1;
    }
    while start < end && is_blank(value[start]) {
        start += 1;
    }
    while end > start && is_blank(value[end - 1]) {
        end -= 1;
    }
    &value[start..end]
}

/// A line without the CR of its CRLF.
fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads the start line.
///
/// ```text
/// Request-Line   =  Method SP Request-URI SP SIP-Version CRLF
/// Status-Line    =  SIP-Version SP Status-Code SP Reason-Phrase CRLF
/// SIP-Version    =  "SIP" "/" 1*DIGIT "." 1*DIGIT
/// Status-Code    =  3DIGIT
/// ```
///
/// Only version 2.0 is read (`SIP/2.0`, case-insensitive as ABNF strings are). A status line
/// without the space before an empty reason phrase is accepted.
fn start_line(line: &[u8]) -> Option<StartLine> {
    // "SIP/2.0 " and " SIP/2.0" as words; case is ignored by setting the letters' 0x20 bit.
    const STATUS: u64 = u64::from_le_bytes(*b"sip/2.0 ");
    const STATUS_CASE: u64 = u64::from_le_bytes([0x20, 0x20, 0x20, 0, 0, 0, 0, 0]);
    const REQUEST: u64 = u64::from_le_bytes(*b" sip/2.0");
    const REQUEST_CASE: u64 = u64::from_le_bytes([0, 0x20, 0x20, 0x20, 0, 0, 0, 0]);
    let len = line.len();
    if len < 8 {
        return None; // shorter than either line can be
    }
    if word(line, 0) | STATUS_CASE == STATUS {
        let code = &line[8..];
        if code.get(3).is_some_and(|&b| b != b' ') {
            return None;
        }
        let code = match *code {
            [a, b, c, ..] => [a, b, c],
            _ => return None,
        };
        if !(b'1'..=b'6').contains(&code[0]) || !code[1..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let code = code
            .iter()
            .fold(0, |value, &d| value * 10 + u16::from(d - b'0'));
        return Some(StartLine::Response { code });
    }
    if word(line, len - 8) | REQUEST_CASE != REQUEST {
        return None;
    }
    let method_len = token_len(line);
    let uri = line.get(method_len + 1..len - 8)?;
    let is_request =
        method_len > 0 && line[method_len] == b' ' && !uri.is_empty() && !uri.contains(&b' ');
    is_request.then(|| StartLine::Request {
        method: Method::from_token(&line[..method_len]),
    })
}

/// RFC 3261 25.1: `token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")`.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && token_len(bytes) == bytes.len()
}

/// How many bytes at the start of `bytes` may be in a token.
#[inline]
fn token_len(bytes: &[u8]) -> usize {
    let is_token = |at: usize| TOKEN[usize::from(bytes[at])];
    let mut at = 0;
    // Four bytes a round, one length check for them.
    while at + 4 <= bytes.len() {
        if !is_token(at) {
            return at;
        }
        if !is_token(at + 1) {
            return at + 1;
        }
        if !is_token(at + 2) {
            return at + 2;
        }
        if !is_token(at + 3) {
            return at + 3;
        }
        at += 4;
    }
    while at < bytes.len() && is_token(at) {
        at += 1;
    }
    at
}

/// By byte: whether it may be in a token (one lookup per byte of every header name).
static TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let others = b"-.!%*_+`'~";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

/// The raw values of the headers read, before their grammar is checked.
#[derive(Default)]
struct Headers<'a> {
    call_id: Option<&'a [u8]>,
    cseq: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
    content_length: Option<&'a [u8]>,
}

/// The checked values of [`Headers`].
struct Checked<'a> {
    call_id: &'a [u8],
    cseq: CSeq,
    content_is_sdp: bool,
    content_length: Option<usize>,
}

impl<'a> Headers<'a> {
    /// Reads the line at the start of `rest`: `header-name HCOLON header-value`, the name a
    /// token, or the empty line that ends the head; `None` if the bytes end before the line.
    #[inline(always)]
    fn read(&mut self, rest: &'a [u8]) -> Result<Line, Option<Invalid>> {
        // The name is the token the line starts with; blanks may stand before the colon.
        let name_len = token_len(rest);
        let value_at = if name_len > 0 && rest.get(name_len) == Some(&b':') {
            name_len + 1
        } else {
            match other_line(rest, name_len)? {
                Ok(value_at) => value_at,
                Err(end) => return Ok(Line::End(end)),
            }
        };
        let value = &rest[value_at..];
        let lf = find_lf(value).ok_or(None)?;
        if let Some(header) = Header::from_name(&rest[..name_len]) {
            self.keep(header, trim_value(&value[..lf])).map_err(Some)?;
        }
        Ok(Line::Header(value_at + lf + 1))
    }

    /// Keeps a header's value, trimmed; a header seen before must have the same value.
    fn keep(&mut self, header: Header, value: &'a [u8]) -> Result<(), Invalid> {
        let slot = match header {
            Header::CallId => &mut self.call_id,
            Header::CSeq => &mut self.cseq,
            Header::ContentType => &mut self.content_type,
            Header::ContentLength => &mut self.content_length,
        };
        match slot {
            Some(seen) if *seen != value => Err(Invalid::ConflictingHeader(header)),
            _ => {
                *slot = Some(value);
                Ok(())
            }
        }
    }

    /// Checks the values against their grammar.
    fn finish(self) -> Result<Checked<'a>, Invalid> {
        let call_id = self.call_id.ok_or(Invalid::MissingHeader(Header::CallId))?;
        if call_id.is_empty() {
            return Err(Invalid::BadValue(Header::CallId));
        }
        let cseq = self.cseq.ok_or(Invalid::MissingHeader(Header::CSeq))?;
        let cseq = cseq_value(cseq).ok_or(Invalid::BadValue(Header::CSeq))?;
        let content_length = match self.content_length {
            None => None,
            Some(digits) => {
                let length = decimal(digits).ok_or(Invalid::BadValue(Header::ContentLength))?;
                if length > MAX_CONTENT_LENGTH as u64 {
                    return Err(Invalid::ContentLengthTooLarge);
                }
                Some(length as usize)
            }
        };
        Ok(Checked {
            call_id,
            cseq,
            content_is_sdp: self.content_type.is_some_and(is_sdp),
            content_length,
        })
    }
}

/// `CSeq = "CSeq" HCOLON 1*DIGIT LWS Method`.
fn cseq_value(value: &[u8]) -> Option<CSeq> {
    let digits = value.iter().position(|&b| !b.is_ascii_digit())?;
    let (sequence, rest) = value.split_at(digits);
    let method = super::trim_start(rest);
    if method.len() == rest.len() || !is_token(method) {
        return None; // no whitespace between the number and the method, or no method
    }
    if sequence.is_empty() {
        return None;
    }
    // All digits; once over `u32::MAX`, more digits only add to the number.
    let mut number = 0u64;
    for &digit in sequence {
        number = number * 10 + u64::from(digit - b'0');
        if number > u64::from(u32::MAX) {
            return None;
        }
    }
    Some(CSeq {
        sequence: number as u32,
        method: Method::from_token(method),
    })
}

/// Whether a Content-Type value is `application/sdp`.
///
/// ```text
/// media-type     =  m-type SLASH m-subtype *(SEMI m-parameter)
/// SLASH          =  SWS "/" SWS
/// SEMI           =  SWS ";" SWS
/// ```
fn is_sdp(value: &[u8]) -> bool {
    // As it is mostly written: `application/sdp`, then blanks at most before the parameters.
    const USUAL: [u64; 2] = [
        u64::from_le_bytes(*b"applicat"),
        u64::from_le_bytes(*b"tion/sdp"),
    ];
    const USUAL_CASE: u64 = LOWER & !(0xff << 32); // not the slash's
    if value.len() >= 15
        && word(value, 0) | LOWER == USUAL[0]
        && word(value, 7) | USUAL_CASE == USUAL[1]
    {
        return value[15..]
            .iter()
            .take_while(|&&b| b != b';')
            .all(|&b| is_blank(b));
    }
    let media_type = match value.iter().position(|&b| b == b';') {
        Some(semicolon) => &value[..semicolon],
        None => value,
    };
    let Some(slash) = media_type.iter().position(|&b| b == b'/') else {
        return false;
    };
    // Both names are letters only, so setting each byte's 0x20 bit compares them ignoring case
    // whatever the other bytes are; a second slash is in what is compared with `sdp`.
    let (m_type, subtype) = (trim(&media_type[..slash]), trim(&media_type[slash + 1..]));
    m_type.len() == 11
        && word(m_type, 0) | LOWER == u64::from_le_bytes(*b"applicat")
        && half_word(m_type, 7) | LOWER as u32 == u32::from_le_bytes(*b"tion")
        && subtype.len() == 3
        && subtype.iter().zip(b"sdp").all(|(&b, &sdp)| b | 0x20 == sdp)
}

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use swyx_classify::Label;

    impl<'a> Headers<'a> {
        /// One header line, without its line end, read as the head's lines are (an empty line
        /// is no header line: it ends the head).
        fn read_line(&mut self, line: &'a [u8]) -> Result<(), Invalid> {
            let whole: &'a [u8] = Box::leak([line, b"\r\n"].concat().into_boxed_slice());
            match self.read(whole) {
                Ok(Line::Header(len)) if len == whole.len() => Ok(()),
                Ok(Line::End(_)) => Err(Invalid::HeaderLine),
                Err(Some(invalid)) => Err(invalid),
                other => panic!("a whole line is read whole: {:?}", other.err()),
            }
        }
    }

    /// The header line grammar as RFC 3261 writes it: the name is what stands before the first
    /// colon, blanks trimmed, and must be a token. [`Headers::read`] reads it in one pass.
    fn read_by_first_colon<'a>(headers: &mut Headers<'a>, line: &'a [u8]) -> Result<(), Invalid> {
        if line.first().is_some_and(|&b| is_blank(b)) {
            return Ok(());
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(Invalid::HeaderLine)?;
        let name = crate::signalling::trim_end(&line[..colon]);
        if !is_token(name) {
            return Err(Invalid::HeaderLine);
        }
        const NAMES: [(&[u8], Header); 7] = [
            (b"call-id", Header::CallId),
            (b"i", Header::CallId),
            (b"cseq", Header::CSeq),
            (b"content-type", Header::ContentType),
            (b"c", Header::ContentType),
            (b"content-length", Header::ContentLength),
            (b"l", Header::ContentLength),
        ];
        let Some(&(_, header)) = NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        else {
            return Ok(());
        };
        headers.keep(header, trim(&line[colon + 1..]))
    }

    proptest! {
        #[test]
        fn header_lines_read_in_one_pass_as_by_their_first_colon(
            lines in prop::collection::vec(
                "[ \t]?(Call-ID|call-id|i|I|CSeq|c|C|l|Content-Type|content-LENGTH|Via|X-a.b|@x|)[ \t]{0,2}(:?)[ \t:a-z0-9@;/]{0,12}",
                1..6,
            ),
        ) {
            let (mut one_pass, mut by_colon) = (Headers::default(), Headers::default());
            for line in &lines {
                let line = line.as_bytes();
                prop_assert_eq!(one_pass.read_line(line), read_by_first_colon(&mut by_colon, line), "{:?}", String::from_utf8_lossy(line));
                prop_assert_eq!(
                    (one_pass.call_id, one_pass.cseq, one_pass.content_type, one_pass.content_length),
                    (by_colon.call_id, by_colon.cseq, by_colon.content_type, by_colon.content_length)
                );
            }
        }
    }

    /// An INVITE as a SwyxIt! client sends it over UDP, with its SDP offer.
    const INVITE: &[u8] = b"INVITE sip:201@10.1.1.10;transport=udp SIP/2.0\r\n\
        Via: SIP/2.0/UDP 10.1.1.20:5060;branch=z9hG4bK776asdhds;rport\r\n\
        Max-Forwards: 70\r\n\
        To: <sip:201@10.1.1.10>\r\n\
        From: \"Alice\" <sip:200@10.1.1.10>;tag=1928301774\r\n\
        Call-ID: a84b4c76e66710@10.1.1.20\r\n\
        CSeq: 314159 INVITE\r\n\
        Contact: <sip:200@10.1.1.20:5060>\r\n\
        Allow: INVITE, ACK, CANCEL, BYE, UPDATE, PRACK, OPTIONS, INFO\r\n\
        User-Agent: SwyxIt!/13.10\r\n\
        Content-Type: application/sdp\r\n\
        Content-Length: 205\r\n\
        \r\n\
        v=0\r\n\
        o=- 1 1 IN IP4 10.1.1.20\r\n\
        s=SwyxIt!\r\n\
        c=IN IP4 10.1.1.20\r\n\
        t=0 0\r\n\
        m=audio 49170 RTP/AVP 8 0 18 101\r\n\
        a=rtpmap:8 PCMA/8000\r\n\
        a=rtpmap:0 PCMU/8000\r\n\
        a=rtpmap:18 G729/8000\r\n\
        a=rtpmap:101 telephone-event/8000\r\n";

    fn complete(buf: &[u8], framing: Framing) -> (SipMessage<'_>, usize) {
        match parse_message(buf, framing) {
            Parse::Complete(message, consumed) => (message, consumed),
            other => panic!("expected a whole message, got {other:?}"),
        }
    }

    #[test]
    fn invite_with_sdp_offer() {
        assert_eq!(
            INVITE.len() - INVITE.windows(4).position(|w| w == b"\r\n\r\n").unwrap() - 4,
            205
        );
        let (message, consumed) = complete(INVITE, Framing::Datagram);
        assert_eq!(consumed, INVITE.len());
        assert_eq!(
            message.start,
            StartLine::Request {
                method: Method::Invite
            }
        );
        assert_eq!(message.call_id, b"a84b4c76e66710@10.1.1.20");
        assert_eq!(
            message.cseq,
            CSeq {
                sequence: 314159,
                method: Method::Invite
            }
        );
        assert!(message.content_is_sdp);
        assert_eq!(message.content_length, Some(205));
        assert!(message.body.starts_with(b"v=0\r\n"));
        let sdp = message.sdp().unwrap();
        assert_eq!(sdp.media().len(), 1);
        assert_eq!(sdp.media()[0].label, Label::Rtp);
        assert_eq!(sdp.media()[0].port, 49170);
        assert_eq!(sdp.media()[0].address, Some("10.1.1.20".parse().unwrap()));
    }

    #[test]
    fn ok_answer_with_sdp() {
        let ok = b"SIP/2.0 200 OK\r\n\
            Via: SIP/2.0/UDP 10.1.1.20:5060;branch=z9hG4bK776asdhds;received=10.1.1.20\r\n\
            To: <sip:201@10.1.1.10>;tag=a6c85cf\r\n\
            From: \"Alice\" <sip:200@10.1.1.10>;tag=1928301774\r\n\
            Call-ID: a84b4c76e66710@10.1.1.20\r\n\
            CSeq: 314159 INVITE\r\n\
            Content-Type: application/sdp\r\n\
            Content-Length: 88\r\n\
            \r\n\
            v=0\r\n\
            o=- 2 2 IN IP4 10.1.1.10\r\n\
            s=-\r\n\
            c=IN IP4 10.1.1.10\r\n\
            t=0 0\r\n\
            m=audio 50100 RTP/AVP 8\r\n";
        let (message, consumed) = complete(ok, Framing::Stream);
        assert_eq!(consumed, ok.len());
        assert_eq!(message.start, StartLine::Response { code: 200 });
        assert_eq!(message.cseq.method, Method::Invite);
        let media = message.sdp().unwrap().media()[0];
        assert_eq!((media.label, media.port), (Label::Rtp, 50100));
        let rtcp = media.rtcp.unwrap();
        assert_eq!((rtcp.address, rtcp.port), (media.address, 50101));
    }

    #[test]
    fn reinvite_offering_t38() {
        let reinvite = b"INVITE sip:200@10.1.1.20:5060 SIP/2.0\r\n\
            Call-ID: a84b4c76e66710@10.1.1.20\r\n\
            CSeq: 2 INVITE\r\n\
            Content-Type: application/sdp\r\n\
            Content-Length: 107\r\n\
            \r\n\
            v=0\r\n\
            o=- 2 3 IN IP4 10.1.1.10\r\n\
            s=-\r\n\
            c=IN IP4 10.1.1.10\r\n\
            t=0 0\r\n\
            m=image 16394 udptl t38\r\n\
            a=T38FaxVersion:0\r\n";
        let (message, _) = complete(reinvite, Framing::Datagram);
        assert_eq!(message.content_length, Some(107));
        assert_eq!(message.body.len(), 107);
        let sdp = message.sdp().unwrap();
        assert_eq!(sdp.media().len(), 1);
        let fax = sdp.media()[0];
        assert_eq!((fax.label, fax.port, fax.rtcp), (Label::T38, 16394, None));
        assert!(!fax.is_declined());
    }

    #[test]
    fn compact_headers_and_lf_line_ends() {
        let message = b"MESSAGE sip:201@example.com SIP/2.0\n\
            i: f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com\n\
            cseq:   7   INFO  \n\
            C: application/SDP\n\
            L : 4\n\
            \n\
            v=0\nNEXT";
        let (parsed, consumed) = complete(message, Framing::Stream);
        assert_eq!(
            parsed.start,
            StartLine::Request {
                method: Method::Other
            }
        );
        assert_eq!(
            parsed.call_id,
            b"f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com"
        );
        assert_eq!(
            parsed.cseq,
            CSeq {
                sequence: 7,
                method: Method::Info
            }
        );
        assert!(parsed.content_is_sdp);
        assert_eq!(parsed.body, b"v=0\n");
        assert_eq!(&message[consumed..], b"NEXT");
    }

    #[test]
    fn content_type_parameters_and_case_are_ignored_but_other_types_are_not_sdp() {
        for (value, sdp) in [
            (&b"application/sdp"[..], true),
            (b"Application / SDP ; charset=UTF-8", true),
            (b"application/sdp-extra", false),
            (b"multipart/mixed;boundary=unique-boundary-1", false),
            (b"application", false),
            (b"", false),
        ] {
            assert_eq!(is_sdp(value), sdp, "{}", String::from_utf8_lossy(value));
        }
    }

    #[test]
    fn without_content_length_a_datagram_body_is_the_rest_and_a_stream_body_is_empty() {
        let buf = b"OPTIONS sip:10.1.1.10 SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\nrest";
        let (datagram, consumed) = complete(buf, Framing::Datagram);
        assert_eq!(
            (datagram.body, consumed, datagram.content_length),
            (&b"rest"[..], buf.len(), None)
        );
        let (stream, consumed) = complete(buf, Framing::Stream);
        assert_eq!((stream.body, consumed), (&b""[..], buf.len() - 4));
    }

    #[test]
    fn a_datagram_keeps_only_content_length_bytes_of_body() {
        let buf = b"SIP/2.0 180 Ringing\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nl: 2\r\n\r\nabcdef";
        let (message, consumed) = complete(buf, Framing::Datagram);
        assert_eq!((message.body, consumed), (&b"ab"[..], buf.len() - 4));
    }

    #[test]
    fn truncated_body_or_head_is_incomplete() {
        let cut = &INVITE[..INVITE.len() - 1];
        assert_eq!(parse_message(cut, Framing::Datagram), Parse::Incomplete);
        assert_eq!(parse_message(cut, Framing::Stream), Parse::Incomplete);
        let head_end = INVITE.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        assert_eq!(
            parse_message(&INVITE[..head_end + 2], Framing::Stream),
            Parse::Incomplete
        );
        assert_eq!(
            parse_message(&INVITE[..head_end + 3], Framing::Stream),
            Parse::Incomplete
        );
        assert_eq!(parse_message(b"", Framing::Stream), Parse::Incomplete);
        assert_eq!(
            parse_message(b"INVITE sip:", Framing::Stream),
            Parse::Incomplete
        );
    }

    #[test]
    fn keepalive_crlfs_before_a_message_are_skipped() {
        assert_eq!(
            parse_message(b"\r\n\r\n", Framing::Stream),
            Parse::Incomplete
        );
        let buf = b"\r\n\r\nACK sip:a SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 ACK\r\n\r\n";
        let (message, consumed) = complete(buf, Framing::Stream);
        assert_eq!(
            (message.start, consumed),
            (
                StartLine::Request {
                    method: Method::Ack
                },
                buf.len()
            )
        );
    }

    #[test]
    fn head_that_does_not_end_within_the_bound_is_too_large() {
        const ROUTE: &[u8] = b"Record-Route: <sip:10.1.1.1;lr>\r\n";
        let mut buf = b"INVITE sip:a SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n".to_vec();
        while buf.len() + 2 * ROUTE.len() < MAX_HEAD_BYTES {
            buf.extend_from_slice(ROUTE);
        }
        assert_eq!(parse_message(&buf, Framing::Stream), Parse::Incomplete);
        let mut whole = buf.clone();
        whole.extend_from_slice(b"\r\n");
        assert!(matches!(
            parse_message(&whole, Framing::Stream),
            Parse::Complete(..)
        ));
        buf.resize(MAX_HEAD_BYTES, b'a');
        assert_eq!(
            parse_message(&buf, Framing::Stream),
            Parse::Invalid(Invalid::HeadTooLarge)
        );
        // A head ending just past the bound is too large even when its end is in the buffer.
        buf.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            parse_message(&buf, Framing::Stream),
            Parse::Invalid(Invalid::HeadTooLarge)
        );
    }

    #[test]
    fn content_length_over_the_bound_is_too_large() {
        let at_bound = format!(
            "BYE sip:a SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nl: {MAX_CONTENT_LENGTH}\r\n\r\n"
        );
        assert_eq!(
            parse_message(at_bound.as_bytes(), Framing::Stream),
            Parse::Incomplete
        );
        for length in [
            (MAX_CONTENT_LENGTH + 1).to_string(),
            "99999999999999999999999999999".to_string(),
        ] {
            let buf = format!("BYE sip:a SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nContent-Length: {length}\r\n\r\n");
            assert_eq!(
                parse_message(buf.as_bytes(), Framing::Stream),
                Parse::Invalid(Invalid::ContentLengthTooLarge)
            );
        }
    }

    #[test]
    fn malformed_messages_say_why() {
        let cases: [(&[u8], Invalid); 12] = [
            (b"GET / HTTP/1.1\r\n", Invalid::StartLine),
            (b"SIP/2.0 2000 OK\r\n", Invalid::StartLine),
            (b"SIP/2.0 099 Low\r\n", Invalid::StartLine),
            (b"SIP/3.0 200 OK\r\n", Invalid::StartLine),
            (b"INVITE  SIP/2.0\r\n", Invalid::StartLine),
            (
                b"INVITE sip:a SIP/2.0\r\nno colon here\r\n",
                Invalid::HeaderLine,
            ),
            (
                b"INVITE sip:a SIP/2.0\r\n: empty name\r\n",
                Invalid::HeaderLine,
            ),
            (
                b"INVITE sip:a SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n",
                Invalid::MissingHeader(Header::CallId),
            ),
            (
                b"INVITE sip:a SIP/2.0\r\ni: x\r\n\r\n",
                Invalid::MissingHeader(Header::CSeq),
            ),
            (
                b"INVITE sip:a SIP/2.0\r\ni: x\r\nCSeq: 4294967296 INVITE\r\n\r\n",
                Invalid::BadValue(Header::CSeq),
            ),
            (
                b"INVITE sip:a SIP/2.0\r\ni: x\r\nCSeq: 1 INVITE\r\nl: 1e3\r\n\r\n",
                Invalid::BadValue(Header::ContentLength),
            ),
            (
                b"INVITE sip:a SIP/2.0\r\ni: x\r\nCall-ID: y\r\n",
                Invalid::ConflictingHeader(Header::CallId),
            ),
        ];
        for (buf, why) in cases {
            assert_eq!(
                parse_message(buf, Framing::Stream),
                Parse::Invalid(why),
                "{}",
                String::from_utf8_lossy(buf)
            );
        }
        for cseq in [&b"1INVITE"[..], b"INVITE", b"1", b"1 ", b"-1 INVITE"] {
            assert_eq!(cseq_value(cseq), None, "{}", String::from_utf8_lossy(cseq));
        }
        assert_eq!(
            cseq_value(b"4294967295 BYE"),
            Some(CSeq {
                sequence: u32::MAX,
                method: Method::Bye
            })
        );
    }

    #[test]
    fn repeated_single_headers_with_one_value_are_accepted() {
        let buf = b"SIP/2.0 100 Trying\r\nCall-ID: x\r\ni: x\r\nCSeq: 1 INVITE\r\nl: 0\r\nContent-Length: 0\r\n\r\n";
        assert!(matches!(
            parse_message(buf, Framing::Stream),
            Parse::Complete(..)
        ));
    }

    #[test]
    fn every_listed_method_is_recognised_and_method_names_are_case_sensitive() {
        for (token, method) in [
            (&b"INVITE"[..], Method::Invite),
            (b"ACK", Method::Ack),
            (b"BYE", Method::Bye),
            (b"CANCEL", Method::Cancel),
            (b"UPDATE", Method::Update),
            (b"PRACK", Method::Prack),
            (b"OPTIONS", Method::Options),
            (b"REGISTER", Method::Register),
            (b"INFO", Method::Info),
            (b"SUBSCRIBE", Method::Other),
            (b"invite", Method::Other),
        ] {
            assert_eq!(Method::from_token(token), method);
        }
    }

    #[test]
    fn folded_continuation_lines_are_skipped() {
        let buf = b"SIP/2.0 200 OK\r\nSubject: a\r\n  folded\r\nCall-ID: x\r\nCSeq: 9 BYE\r\n\r\n";
        let (message, _) = complete(buf, Framing::Stream);
        assert_eq!(message.call_id, b"x");
    }

    #[test]
    fn invalid_reads_as_a_sentence() {
        assert_eq!(
            Invalid::MissingHeader(Header::CallId).to_string(),
            "the Call-ID header is missing"
        );
        assert_eq!(
            Invalid::HeadTooLarge.to_string(),
            "the headers do not end within 8192 bytes"
        );
    }
}

/// The reader checked against the one it replaced ([`reference`]), on SIP-like and on arbitrary
/// bytes, whole and cut at every byte, for both framings.
#[cfg(test)]
mod same_as_reference {
    use super::*;
    use proptest::prelude::*;

    /// Both readers' results, with where the borrowed fields point.
    fn both(buf: &[u8]) -> Result<(), TestCaseError> {
        for framing in [Framing::Datagram, Framing::Stream] {
            let (new, old) = (
                parse_message(buf, framing),
                reference::parse_message(buf, framing),
            );
            prop_assert_eq!(new, old, "{:?} {:?}", framing, String::from_utf8_lossy(buf));
            if let (Parse::Complete(new, _), Parse::Complete(old, _)) = (new, old) {
                prop_assert_eq!(new.call_id.as_ptr(), old.call_id.as_ptr());
                prop_assert_eq!(new.body.as_ptr(), old.body.as_ptr());
            }
        }
        Ok(())
    }

    /// `buf` and every prefix of it.
    fn every_prefix(buf: &[u8]) -> Result<(), TestCaseError> {
        (0..=buf.len()).try_for_each(|len| both(&buf[..len]))
    }

    fn start_lines() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("INVITE sip:201@10.1.1.10 SIP/2.0".to_string()),
            Just("SIP/2.0 200 OK".to_string()),
            Just("sip/2.0 180".to_string()),
            Just("SIP/2.0 100 ".to_string()),
            "(INVITE|ACK|BYE|CANCEL|UPDATE|PRACK|OPTIONS|REGISTER|INFO|invite|X\\.y|@|)( {1,2})(sip:a|sips:b@c| |)( {1,2})(SIP/2\\.0|sIp/2\\.0|SIP/2\\.1|SIP/2\\.0 |)",
            "(SIP/2\\.0|Sip/2\\.0|SIP/2\\.0x|SIP/20)( |\t|  )([0-9]{0,4})( OK| |)",
            "[A-Z.]{0,3}( {0,3})[a-z:]{0,3}( {0,3})(SIP/2\\.0|sip/2\\.0|SiP/2\\.0|SIP/2\\.)( ?)",
            "[ -~\t]{0,20}",
        ]
    }

    fn header_line() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "(Call-ID|call-id|CALL-ID|i|I|CSeq|cseq|c|C|l|L|Content-Type|content-type|Content-Length|CONTENT-length|Via|From|X-a\\.b|Max-Forwards|Call-IE|Content-Lengtj|Cseq1|)[ \\t]{0,2}(:?)[ \\t]{0,2}(x|y|1 INVITE|2 BYE|  7\\tINFO |4294967295 ACK|4294967296 ACK|1INVITE|0|12|65536|65537|007|1e3|application/sdp|Application / SDP ; a=b|application/sdp/x|text/plain|a:b|)[ \\t]{0,2}",
            1 => "[ \\t](folded|x y)",
            1 => "[ -~\\t]{0,16}",
            1 => "[@\\[\\]{}(),;:<>?=/\\\\\\x0d -]{1,3}[ \\t]*:?",
        ]
    }

    fn line_end() -> impl Strategy<Value = &'static str> {
        prop_oneof![6 => Just("\\r\\n"), 2 => Just("\\n"), 1 => Just("\\r"), 1 => Just("\\r\\r\\n"), 1 => Just(""),]
    }

    fn message() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::collection::vec(line_end(), 0..2),
            start_lines(),
            line_end(),
            prop::collection::vec((header_line(), line_end()), 0..8),
            prop_oneof![Just("\\r\\n"), Just("\\n"), Just(""), Just("\\r")],
            "[ -~\\r\\n]{0,12}",
        )
            .prop_map(|(keepalives, start, start_end, headers, head_end, body)| {
                let mut buf = keepalives.concat();
                buf.push_str(&start);
                buf.push_str(start_end);
                for (header, end) in headers {
                    buf.push_str(&header);
                    buf.push_str(end);
                }
                buf.push_str(head_end);
                buf.push_str(&body);
                buf.into_bytes()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        #[test]
        fn sip_like_messages_and_their_prefixes_read_as_before(buf in message()) {
            every_prefix(&buf)?;
        }

        #[test]
        fn valid_messages_with_noise_read_as_before(
            headers in prop::collection::vec(header_line(), 0..6),
            cseq in "(CSeq|cseq|CSEQ)[ \\t]?: ?[0-9]{1,3} (INVITE|BYE|X)",
            length in 0usize..6,
            body in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut buf = b"SIP/2.0 200 OK\\r\\nCall-ID: a@b\\r\\n".to_vec();
            for header in &headers {
                buf.extend_from_slice(header.as_bytes());
                buf.extend_from_slice(b"\\r\\n");
            }
            buf.extend_from_slice(cseq.as_bytes());
            buf.extend_from_slice(format!("\\r\\nContent-Length: {length}\\r\\n\\r\\n").as_bytes());
            buf.extend_from_slice(&body);
            every_prefix(&buf)?;
        }

        #[test]
        fn arbitrary_bytes_read_as_before(buf in prop::collection::vec(any::<u8>(), 0..120)) {
            every_prefix(&buf)?;
        }

        #[test]
        fn bytes_of_sip_text_read_as_before(
            buf in prop::collection::vec(prop::sample::select(b"SIP/2.0 1 ABCilc-Lq:;\\t\\r\\n\\r\\n\\x80".to_vec()), 0..80),
        ) {
            let mut with_start = b"ACK sip:a SIP/2.0\\r\\n".to_vec();
            with_start.extend_from_slice(&buf);
            every_prefix(&with_start)?;
            both(&buf)?;
        }

        #[test]
        fn heads_at_the_bound_read_as_before(pad in 8100usize..8200, end in line_end(), tail in "[a-z:\\r\\n]{0,6}") {
            let mut buf = b"INVITE sip:a SIP/2.0\\r\\nCall-ID: x\\r\\nCSeq: 1 INVITE\\r\\nX: ".to_vec();
            buf.resize(pad, b'a');
            buf.extend_from_slice(end.as_bytes());
            buf.extend_from_slice(b"\\r\\n");
            buf.extend_from_slice(tail.as_bytes());
            for len in (buf.len().saturating_sub(24)..=buf.len()).chain([MAX_HEAD_BYTES - 1, MAX_HEAD_BYTES, MAX_HEAD_BYTES + 1]) {
                both(&buf[..len.min(buf.len())])?;
            }
        }

        #[test]
        fn start_lines_read_as_before(line in start_lines()) {
            prop_assert_eq!(super::start_line(line.as_bytes()), reference::start_line(line.as_bytes()));
        }

        #[test]
        fn values_read_as_before(value in prop::collection::vec(prop::sample::select(b"0123456789 .\\tABCDEIKNOPRSTVY/;applicatonsdpAPSD-x\\r\\x80".to_vec()), 0..24)) {
            prop_assert_eq!(cseq_value(&value), reference::cseq_value(&value));
            prop_assert_eq!(is_sdp(&value), reference::is_sdp(&value));
            prop_assert_eq!(super::start_line(&value), reference::start_line(&value));
            prop_assert_eq!(Method::from_token(&value), reference::method_from_token(&value));
            prop_assert_eq!(super::super::decimal(&value), reference::decimal(&value));
        }

        #[test]
        fn methods_read_as_before(
            method in "INVITE|ACK|BYE|CANCEL|UPDATE|PRACK|OPTIONS|REGISTER|INFO|invite",
            at in 0usize..8,
            byte in prop::sample::select(b"AEKNSXz\x80".to_vec()),
        ) {
            let token = method.into_bytes();
            let mut changed = token.clone();
            changed[at % token.len()] = byte;
            let longer = [&token[..], &[byte]].concat();
            for token in [&token[..], &changed, &longer, &token[..at.min(token.len())]] {
                prop_assert_eq!(Method::from_token(token), reference::method_from_token(token));
            }
        }

        #[test]
        fn names_read_as_before(name in "[-.!%*_+`'~a-zA-Z0-9]{1,16}|(call-id|CSeq|content-type|content-length|[icl])") {
            let variants = [name.clone(), name.to_ascii_uppercase(), name.to_ascii_lowercase()];
            for name in &variants {
                prop_assert_eq!(Header::from_name(name.as_bytes()), reference::header_from_name(name.as_bytes()));
            }
        }
    }

    #[test]
    fn the_mix_messages_read_as_before() {
        for message in swyx_testkit::mix::sip_messages() {
            every_prefix(&message).unwrap();
        }
    }
}
