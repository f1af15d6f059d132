//! The SIP reader as it was before it read each header line in one pass and compared names,
//! methods and the start line's version as words: the oracle the reader is checked against.

use super::{CSeq, Framing, Header, Invalid, Method, Parse, SipMessage, StartLine};
use super::{MAX_CONTENT_LENGTH, MAX_HEAD_BYTES, TOKEN};
// The helpers the faster reader left as they were.
use crate::signalling::{is_blank, trim, trim_start};

pub(super) fn parse_message(buf: &[u8], framing: Framing) -> Parse<SipMessage<'_>> {
    let mut lines = HeadLines {
        head: &buf[..buf.len().min(MAX_HEAD_BYTES)],
        end: 0,
    };
    let out_of_bytes = if buf.len() >= MAX_HEAD_BYTES {
        Parse::Invalid(Invalid::HeadTooLarge)
    } else {
        Parse::Incomplete
    };

    let start = loop {
        match lines.next() {
            None => return out_of_bytes,
            Some([]) => continue,
            Some(line) => break line,
        }
    };
    let Some(start) = start_line(start) else {
        return Parse::Invalid(Invalid::StartLine);
    };

    let mut headers = Headers::default();
    loop {
        match lines.next() {
            None => return out_of_bytes,
            Some([]) => break,
            Some(line) => {
                if let Err(invalid) = headers.read(line) {
                    return Parse::Invalid(invalid);
                }
            }
        }
    }
    let head_len = lines.end;

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

struct HeadLines<'a> {
    head: &'a [u8],
    end: usize,
}

impl<'a> HeadLines<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = &self.head[self.end..];
        let lf = find_lf(rest)?;
        self.end += lf + 1;
        let line = &rest[..lf];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

pub(super) fn start_line(line: &[u8]) -> Option<StartLine> {
    const VERSION: &[u8] = b"SIP/2.0";
    let (first, rest) = split_at_space(line);
    if first.eq_ignore_ascii_case(VERSION) {
        let (code, _reason) = split_at_space(rest?);
        if code.len() != 3 {
            return None;
        }
        let code = decimal_at_most(code, 699).filter(|&code| code >= 100)?;
        return Some(StartLine::Response { code: code as u16 });
    }
    let (uri, version) = split_at_space(rest?);
    let version = version?;
    let is_request = is_token(first) && !uri.is_empty() && version.eq_ignore_ascii_case(VERSION);
    is_request.then(|| StartLine::Request {
        method: method_from_token(first),
    })
}

fn split_at_space(bytes: &[u8]) -> (&[u8], Option<&[u8]>) {
    match bytes.iter().position(|&b| b == b' ') {
        Some(space) => (&bytes[..space], Some(&bytes[space + 1..])),
        None => (bytes, None),
    }
}

fn find_lf(bytes: &[u8]) -> Option<usize> {
    find_byte(bytes, b'\n')
}

#[inline]
fn find_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    memchr::memchr(byte, bytes)
}

fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| TOKEN[usize::from(b)])
}

#[derive(Default)]
struct Headers<'a> {
    call_id: Option<&'a [u8]>,
    cseq: Option<&'a [u8]>,
    content_type: Option<&'a [u8]>,
    content_length: Option<&'a [u8]>,
}

struct Checked<'a> {
    call_id: &'a [u8],
    cseq: CSeq,
    content_is_sdp: bool,
    content_length: Option<usize>,
}

impl<'a> Headers<'a> {
    fn read(&mut self, line: &'a [u8]) -> Result<(), Invalid> {
        // The name is the token the line starts with; blanks may stand before the colon.
        let name_len = line
            .iter()
            .position(|&b| !TOKEN[usize::from(b)])
            .unwrap_or(line.len());
        if name_len == 0 {
            return match line.first() {
                Some(&b) if is_blank(b) => Ok(()), // a folded continuation: skipped (see the module docs)
                _ => Err(Invalid::HeaderLine),
            };
        }
        let (name, rest) = line.split_at(name_len);
        let Some((b':', value)) = trim_start(rest).split_first() else {
            return Err(Invalid::HeaderLine);
        };
        let Some(header) = header_from_name(name) else {
            return Ok(());
        };
        let value = trim(value);
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

pub(super) fn cseq_value(value: &[u8]) -> Option<CSeq> {
    let digits = value.iter().position(|&b| !b.is_ascii_digit())?;
    let (sequence, rest) = value.split_at(digits);
    let method = trim_start(rest);
    if method.len() == rest.len() || !is_token(method) {
        return None; // no whitespace between the number and the method, or no method
    }
    let sequence = decimal_at_most(sequence, u64::from(u32::MAX))? as u32;
    Some(CSeq {
        sequence,
        method: method_from_token(method),
    })
}

pub(super) fn is_sdp(value: &[u8]) -> bool {
    let media_type = value.split(|&b| b == b';').next().unwrap_or_default();
    let mut parts = media_type.split(|&b| b == b'/').map(trim);
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(m_type), Some(subtype), None)
            if m_type.eq_ignore_ascii_case(b"application") && subtype.eq_ignore_ascii_case(b"sdp")
    )
}

pub(super) fn header_from_name(name: &[u8]) -> Option<Header> {
    // By length first: most lines are other headers, told apart without a comparison.
    let (known, header): (&[u8], Header) = match name.len() {
        1 => match name[0].to_ascii_lowercase() {
            b'i' => return Some(Header::CallId),
            b'c' => return Some(Header::ContentType),
            b'l' => return Some(Header::ContentLength),
            _ => return None,
        },
        4 => (b"cseq", Header::CSeq),
        7 => (b"call-id", Header::CallId),
        12 => (b"content-type", Header::ContentType),
        14 => (b"content-length", Header::ContentLength),
        _ => return None,
    };
    known.eq_ignore_ascii_case(name).then_some(header)
}

pub(super) fn method_from_token(token: &[u8]) -> Method {
    match token {
        b"INVITE" => Method::Invite,
        b"ACK" => Method::Ack,
        b"BYE" => Method::Bye,
        b"CANCEL" => Method::Cancel,
        b"UPDATE" => Method::Update,
        b"PRACK" => Method::Prack,
        b"OPTIONS" => Method::Options,
        b"REGISTER" => Method::Register,
        b"INFO" => Method::Info,
        _ => Method::Other,
    }
}

pub(super) fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |value, &digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

fn decimal_at_most(digits: &[u8], max: u64) -> Option<u64> {
    decimal(digits).filter(|&value| value <= max)
}
