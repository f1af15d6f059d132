//! Payload signatures, after how Wireshark and nDPI recognise these protocols.
//!
//! Each takes the captured `payload` and `wire_len`, the payload's length on the wire (at least
//! `payload.len()`). A signature reads bytes only from `payload` and lengths only from
//! `wire_len`, and answers `false` when a byte it needs was not captured; so a signature that
//! matches a truncated payload matches the whole one too.

/// A request line (`INVITE sip:bob@example.com SIP/2.0`), a status line (`SIP/2.0 200 OK`),
/// or a CRLF keep-alive (RFC 5626: `\r\n\r\n` ping, `\r\n` pong). CRLFs before the start line
/// are skipped (RFC 3261 7.5); methods are case-sensitive (those of RFC 3261 and its
/// extensions), the `SIP/2.0` literal and the URI scheme (`sip:`, `sips:`, `tel:`) are not.
#[inline(always)]
pub fn sip(payload: &[u8], wire_len: usize) -> bool {
    // Most payloads fail on their first byte: decided here, without a call.
    match payload.first() {
        Some(
            b'\r' | b'\n' | b'S' | b's' | b'I' | b'A' | b'B' | b'C' | b'R' | b'O' | b'P' | b'N'
            | b'M' | b'U',
        ) => sip_start_line(payload, wire_len),
        _ => false,
    }
}

#[inline(never)]
fn sip_start_line(payload: &[u8], wire_len: usize) -> bool {
    if payload == b"\r\n\r\n" || payload == b"\r\n" {
        return wire_len == payload.len();
    }
    let mut message = payload;
    for _ in 0..4 {
        match message {
            [b'\r' | b'\n', rest @ ..] => message = rest,
            _ => break,
        }
    }
    // Every start a SIP message can have: a status line or a method's initial.
    match message.first() {
        Some(b'S' | b's' | b'I' | b'A' | b'B' | b'C' | b'R' | b'O' | b'P' | b'N' | b'M' | b'U') => {
        }
        _ => return false,
    }
    if let Some(start) = message.first_chunk::<8>() {
        if is_sip_version(start, 0) {
            return matches!(message.get(8..11), Some(&[b'1'..=b'9', b, c]) if b.is_ascii_digit() && c.is_ascii_digit());
        }
    }
    let Some(space) = sip_method_len(message) else {
        return false;
    };
    let uri = &message[space + 1..];
    // Letters folded to lower case; ':' compared as it is.
    let scheme_ok = match uri.first_chunk::<4>() {
        Some(&[a, b, c, d]) => match (&[a | 0x20, b | 0x20, c | 0x20], d) {
            (b"sip" | b"tel", b':') => true,
            (b"sip", d) => d | 0x20 == b's' && uri.get(4) == Some(&b':'),
            _ => false,
        },
        None => false,
    };
    if !scheme_ok {
        return false;
    }
    // The request line ends in " SIP/2.0" within a sane length.
    let window = &uri[..uri.len().min(1024)];
    let Some(newline) = find_newline(window) else {
        return false;
    };
    let line = &window[..newline];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line.last_chunk::<8>() {
        Some(end) => end[0] == b' ' && is_sip_version(end, 1),
        None => false,
    }
}

/// Whether `bytes[at..at + 7]` is `SIP/2.0`, ignoring the letters' case, followed by a space
/// when `at` is 0.
#[inline]
fn is_sip_version(bytes: &[u8; 8], at: usize) -> bool {
    let mut folded = *bytes;
    for b in &mut folded[at..at + 3] {
        // Only the letters are folded: a fold of '/' or '.' would let control bytes pass.
        *b |= 0x20;
    }
    if at == 0 {
        &folded == b"sip/2.0 "
    } else {
        &folded[1..] == b"sip/2.0"
    }
}

/// At most eight bytes as a little-endian word, zero-padded.
const fn word(bytes: &[u8]) -> u64 {
    let mut padded = [0u8; 8];
    let mut i = 0;
    while i < bytes.len() {
        padded[i] = bytes[i];
        i += 1;
    }
    u64::from_le_bytes(padded)
}

/// The methods of RFC 3261 and its extensions (case-sensitive) shorter than eight bytes, as
/// zero-padded words. A method's letters are never zero, so a word equal to one of these whose
/// last byte before the space is not zero is that method.
const SHORT_METHODS: [u64; 12] = [
    word(b"INVITE"),
    word(b"ACK"),
    word(b"BYE"),
    word(b"CANCEL"),
    word(b"OPTIONS"),
    word(b"PRACK"),
    word(b"NOTIFY"),
    word(b"PUBLISH"),
    word(b"INFO"),
    word(b"REFER"),
    word(b"MESSAGE"),
    word(b"UPDATE"),
];

/// The length of the method `message` starts with, followed by a space: one of RFC 3261 and
/// its extensions (case-sensitive). `None` for a message shorter than eight bytes, which no
/// request line is.
#[inline]
fn sip_method_len(message: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let head = message.first_chunk::<8>()?;
    let word = u64::from_le_bytes(*head);
    let x = word ^ (ONES * u64::from(b' '));
    // The lowest flagged byte is the first space (higher flags may be false).
    let space = x.wrapping_sub(ONES) & !x & HIGHS;
    if space == 0 {
        // The two longer methods.
        return match head {
            b"REGISTER" if message.get(8) == Some(&b' ') => Some(8),
            b"SUBSCRIB" if message.get(8..10) == Some(b"E ") => Some(9),
            _ => None,
        };
    }
    let len = (space.trailing_zeros() / 8) as usize;
    // `len` < 8: the shifts stay below 64.
    let method = word & ((1u64 << (8 * len)) - 1);
    // A zero byte before the space would pass for the padding of a shorter method: the
    // method's last byte must not be zero (then equal words are equal lengths too).
    let last_is_letter = len > 0 && (word >> (8 * (len - 1))) as u8 != 0;
    (last_is_letter && SHORT_METHODS.contains(&method)).then_some(len)
}

/// The index of the first `\n` in `bytes`, eight bytes at a time.
#[inline]
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
        // The lowest flagged byte is the first zero byte of `x` (higher flags may be false).
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| at + i)
}

/// An RTP version 2 header whose payload type is not 72-76 (where RTCP's packet types 200-204
/// would sit with the marker bit), whose fixed header was captured, and whose CSRC list, header
/// extension and padding fit the datagram.
pub fn rtp(payload: &[u8], wire_len: usize) -> bool {
    let [first, second, ..] = *payload else {
        return false;
    };
    // The fixed header must have been captured: two bytes are too weak a match.
    if first >> 6 != 2 || payload.len() < 12 {
        return false;
    }
    // 72-76 would be RTCP's packet types 200-204 with the marker bit set.
    if (72..=76).contains(&(second & 0x7f)) {
        return false;
    }
    let mut header = 12 + 4 * usize::from(first & 0x0f);
    if first & 0x10 != 0 {
        let Some(&[hi, lo]) = payload.get(header + 2..header + 4) else {
            return false;
        };
        header += 4 + 4 * usize::from(u16::from_be_bytes([hi, lo]));
    }
    if header > wire_len {
        return false;
    }
    if first & 0x20 != 0 {
        // The padding count is the datagram's last byte.
        if payload.len() != wire_len {
            return false;
        }
        let padding = usize::from(payload[wire_len - 1]);
        return padding >= 1 && header + padding <= wire_len;
    }
    true
}

/// An RTCP version 2 packet: type 200-204 (SR, RR, SDES, BYE, APP) whose length fits.
pub fn rtcp(payload: &[u8], wire_len: usize) -> bool {
    let [first, packet_type, len_hi, len_lo, ..] = *payload else {
        return false;
    };
    let length = (usize::from(u16::from_be_bytes([len_hi, len_lo])) + 1) * 4;
    first >> 6 == 2 && (200..=204).contains(&packet_type) && wire_len >= 8 && length <= wire_len
}

/// A T.38 UDPTL packet: a sequence number, the primary IFP packet as an ASN.1 PER open type
/// (length determinant, then a type-of-msg of the form T.38 gives it), then the error-recovery
/// field: either redundant secondary IFP packets, which must end exactly at the datagram's
/// end, or FEC information.
pub fn udptl(payload: &[u8], wire_len: usize) -> bool {
    let Some((ifp_len, ifp_at)) = open_type_length(payload, 2) else {
        return false;
    };
    let Some(&ifp_type) = payload.get(ifp_at) else {
        return false;
    };
    // type-of-msg: bit 7 flags the data field, bit 6 picks t30-indicator (0) or t30-data (1),
    // bit 5 extends the value, bits 4-1 hold the value and bit 0 pads the octet.
    let extended = ifp_type & 0x20 != 0;
    let padded = extended || ifp_type & 0x01 == 0;
    let type_ok = if ifp_type & 0x40 == 0 {
        // t30-indicator: no data field; one byte, or two when extended.
        ifp_type & 0x80 == 0 && padded && ifp_len == if extended { 2 } else { 1 }
    } else {
        padded
    };
    if ifp_len == 0 || !type_ok {
        return false;
    }
    let mut at = ifp_at + ifp_len;
    match payload.get(at) {
        // fec-info: its parameters follow.
        Some(recovery) if recovery & 0x80 != 0 => at + 2 <= wire_len,
        // secondary-ifp-packets: a count, then that many open types, ending the datagram.
        Some(0x00) => {
            let Some(&count) = payload.get(at + 1) else {
                return false;
            };
            if count & 0x80 != 0 {
                return false;
            }
            at += 2;
            for _ in 0..count {
                match open_type_length(payload, at) {
                    Some((len, start)) => at = start + len,
                    None => return false,
                }
            }
            at == wire_len
        }
        _ => false,
    }
}

/// An ASN.1 PER length determinant at `at`: (length, offset of the content).
fn open_type_length(payload: &[u8], at: usize) -> Option<(usize, usize)> {
    let determinant = *payload.get(at)?;
    if determinant & 0x80 == 0 {
        Some((usize::from(determinant), at + 1))
    } else if determinant & 0xc0 == 0x80 {
        let low = *payload.get(at + 1)?;
        Some((
            usize::from(determinant & 0x3f) << 8 | usize::from(low),
            at + 2,
        ))
    } else {
        None
    }
}

/// A TPKT header (`03 00 len`) carrying Q.931 (protocol discriminator `08`): H.225 call
/// signalling.
#[inline(always)]
pub fn h225(payload: &[u8], _wire_len: usize) -> bool {
    let [3, 0, len_hi, len_lo, 0x08, call_ref_len, ..] = *payload else {
        return false;
    };
    let length = u16::from_be_bytes([len_hi, len_lo]);
    length >= 7 && call_ref_len & 0xf0 == 0 && call_ref_len <= 3
}

/// An LDAP message: a BER SEQUENCE (`30 len`) starting with the INTEGER message id
/// (`02 1..4`) and followed by an [APPLICATION n] protocol operation (after CLDAP's user name,
/// RFC 1798, where present). Over UDP (CLDAP) the
/// message must fit the datagram; over TCP it may continue in later segments.
pub fn ldap(payload: &[u8], wire_len: usize, datagram: bool) -> bool {
    let [0x30, first_len, ..] = *payload else {
        return false;
    };
    let (length, header) = match first_len {
        0..=0x7f => (usize::from(first_len), 2),
        0x81..=0x84 => {
            let count = usize::from(first_len & 0x7f);
            let Some(bytes) = payload.get(2..2 + count) else {
                return false;
            };
            (
                bytes
                    .iter()
                    .fold(0usize, |acc, &b| acc << 8 | usize::from(b)),
                2 + count,
            )
        }
        _ => return false,
    };
    let Some(&[0x02, id_len]) = payload.get(header..header + 2) else {
        return false;
    };
    if !(1..=4).contains(&id_len) {
        return false;
    }
    let mut at = header + 2 + usize::from(id_len);
    // RFC 1798 CLDAP puts the user's name (an OCTET STRING) before the operation.
    if payload.get(at) == Some(&0x04) {
        let Some(&user_len) = payload.get(at + 1) else {
            return false;
        };
        if user_len & 0x80 != 0 {
            return false;
        }
        at += 2 + usize::from(user_len);
    }
    let Some(&operation) = payload.get(at) else {
        return false;
    };
    // [APPLICATION 0..=25], constructed (0x60..) or primitive (unbind 0x42, delete 0x4a, abandon 0x50).
    let operation_ok = matches!(operation, 0x60..=0x79 | 0x42 | 0x4a | 0x50);
    operation_ok
        && length >= 3 + usize::from(id_len)
        && (!datagram
            || header
                .checked_add(length)
                .is_some_and(|end| end <= wire_len))
}

/// An NTP packet: version 1-4 and a mode other than 0. Modes 1-5 carry the 48-byte header;
/// control (6) and private (7) messages at least their 12-byte (6) or 4-byte (7) header. In
/// modes 1-5 the stratum is 0-16 (RFC 5905; above is reserved): without that check, ASCII text
/// starting with `I` or `!` would pass as NTPv1.
#[inline(always)]
pub fn ntp(payload: &[u8], wire_len: usize) -> bool {
    let [first, stratum, ..] = *payload else {
        return false;
    };
    let version = (first >> 3) & 0x07;
    let mode = first & 0x07;
    if !(1..=4).contains(&version) {
        return false;
    }
    match mode {
        1..=5 => wire_len >= 48 && stratum <= 16,
        6 => wire_len >= 12,
        7 => wire_len >= 4,
        _ => false,
    }
}

/// FTP commands of RFC 959 and its extensions (RFC 2389, 2428, 2228, 3659, 1639, and the
/// common X-commands), any case.
const FTP_COMMANDS: [&[u8]; 58] = [
    b"USER", b"PASS", b"ACCT", b"CWD", b"CDUP", b"SMNT", b"QUIT", b"REIN", b"PORT", b"PASV",
    b"TYPE", b"STRU", b"MODE", b"RETR", b"STOR", b"STOU", b"APPE", b"ALLO", b"REST", b"RNFR",
    b"RNTO", b"ABOR", b"DELE", b"RMD", b"MKD", b"PWD", b"LIST", b"NLST", b"SITE", b"SYST", b"STAT",
    b"HELP", b"NOOP", b"FEAT", b"OPTS", b"AUTH", b"PBSZ", b"PROT", b"EPSV", b"EPRT", b"SIZE",
    b"MDTM", b"MLSD", b"MLST", b"LANG", b"CCC", b"XPWD", b"XCWD", b"XMKD", b"XRMD", b"XCUP",
    b"CLNT", b"HOST", b"LPRT", b"LPSV", b"MFMT", b"ADAT", b"MIC",
];

/// [`FTP_COMMANDS`] as little-endian words, a three-letter command padded with a zero byte:
/// one integer comparison each, no call.
const FTP_WORDS: [u32; FTP_COMMANDS.len()] = {
    let mut words = [0u32; FTP_COMMANDS.len()];
    let mut i = 0;
    while i < FTP_COMMANDS.len() {
        // Four bytes at most: the low half of the zero-padded word.
        words[i] = word(FTP_COMMANDS[i]) as u32;
        i += 1;
    }
    words
};

/// An FTP command (`USER anonymous`, `PWD`), ended by a space or a line end, or a reply
/// (`220 ready`, `230-`). The command's letters are tested four at a time, in one word.
pub fn ftp(payload: &[u8], _wire_len: usize) -> bool {
    if let Some(&[b'1'..=b'5', b'0'..=b'5', b'0'..=b'9', sep]) = payload.get(..4) {
        return sep == b' ' || sep == b'-';
    }
    // A command and the byte that ends it: four bytes at least.
    let Some(head) = payload.first_chunk::<4>() else {
        return false;
    };
    let word = u32::from_le_bytes(*head);
    let upper = word & !0x2020_2020;
    // Bit 7 of each byte of `letters` is set when the byte is an ASCII letter: bytes below
    // 0x80, folded to upper case, from 'A' to 'Z' (no carry crosses a byte below 0x80).
    let ascii = !word & 0x8080_8080;
    let from_a = upper.wrapping_add(0x3f3f_3f3f);
    let past_z = upper.wrapping_add(0x2525_2525);
    let letters = from_a & !past_z & ascii;
    let ends = |b: u8| matches!(b, b' ' | b'\r' | b'\n');
    let command = if letters == 0x8080_8080 {
        // Four letters, then the end.
        if !payload.get(4).is_some_and(|&b| ends(b)) {
            return false;
        }
        upper
    } else if letters == 0x0080_8080 && ends(head[3]) {
        upper & 0x00ff_ffff
    } else {
        return false;
    };
    FTP_WORDS.contains(&command)
}

/// A TLS record header: content type 20-24, version 3.x (SSL 3.0 to TLS 1.3), a length that a
/// record may have.
#[inline(always)]
pub fn tls(payload: &[u8], _wire_len: usize) -> bool {
    let [content_type, 3, minor, len_hi, len_lo, ..] = *payload else {
        return false;
    };
    let length = u16::from_be_bytes([len_hi, len_lo]);
    (20..=24).contains(&content_type) && minor <= 4 && (1..=16384 + 2048).contains(&length)
}
