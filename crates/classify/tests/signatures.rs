//! Every signature on real-looking positive bytes and on near misses.

use swyx_classify::signature::{ftp, h225, ldap, ntp, rtcp, rtp, sip, tls, udptl};

fn whole(check: fn(&[u8], usize) -> bool, bytes: &[u8]) -> bool {
    check(bytes, bytes.len())
}

#[test]
fn sip_request_status_and_keepalive() {
    assert!(whole(
        sip,
        b"INVITE sip:201@10.1.1.10 SIP/2.0\r\nVia: x\r\n\r\n"
    ));
    assert!(whole(sip, b"REGISTER sips:swyx.example.com SIP/2.0\r\n"));
    assert!(whole(sip, b"OPTIONS tel:+4923147770 SIP/2.0\n"));
    assert!(whole(sip, b"ACK SIP:201@host SIP/2.0\r\n"));
    assert!(whole(sip, b"SIP/2.0 200 OK\r\n"));
    assert!(whole(sip, b"SIP/2.0 486 Busy Here\r\n"));
    assert!(whole(sip, b"\r\n\r\n"));
    assert!(
        whole(sip, b"\r\nINVITE sip:1@h SIP/2.0\r\n\r\n"),
        "CRLF before the start line"
    );
    assert!(
        whole(sip, b"INVITE sip:1@h sip/2.0\r\n"),
        "the version literal is case-insensitive"
    );
    assert!(whole(sip, b"sip/2.0 180 Ringing\r\n"));
    assert!(whole(sip, b"\r\n"));
}

#[test]
fn sip_near_misses() {
    assert!(!whole(sip, b"GET / HTTP/1.1\r\n\r\n"));
    assert!(!whole(sip, b"HTTP/1.1 200 OK\r\n"));
    assert!(!whole(sip, b"INVITE http://x SIP/2.0\r\n"), "scheme");
    assert!(!whole(sip, b"INVITE sip:201@host HTTP/1.1\r\n"), "version");
    assert!(!whole(sip, b"INVITE sip:201@host SIP/2.0"), "no line end");
    assert!(
        !whole(sip, b"invite sip:201@host SIP/2.0\r\n"),
        "methods are upper case"
    );
    assert!(
        !whole(sip, b"FOO sip:201@host SIP/2.0\r\n"),
        "unknown method"
    );
    assert!(!whole(sip, b"SIP/2.0 OK\r\n"));
    assert!(!whole(sip, b"SIP/2.0 099 x\r\n"));
    assert!(!whole(sip, b"hello"));
    assert!(!whole(sip, b"\r\n\r\n\r\n"));
    assert!(
        !sip(b"\r\n", 10),
        "a CRLF that is only the start of a datagram"
    );
    assert!(!whole(sip, b""));
}

fn rtp_packet(first: u8, pt: u8) -> Vec<u8> {
    let mut p = vec![
        first, pt, 0x12, 0x34, 0, 0, 0x1f, 0x40, 0xde, 0xad, 0xbe, 0xef,
    ];
    p.extend_from_slice(&[0xd5; 160]);
    p
}

#[test]
fn rtp_versions_payload_types_and_header_lengths() {
    assert!(whole(rtp, &rtp_packet(0x80, 0)), "PCMU");
    assert!(whole(rtp, &rtp_packet(0x80, 0x88)), "PCMA with marker");
    assert!(whole(rtp, &rtp_packet(0x80, 18)), "G.729");
    assert!(whole(rtp, &rtp_packet(0x80, 101)), "telephone-event");
    assert!(
        whole(rtp, &rtp_packet(0x80, 35)),
        "unassigned, but not RTCP's range"
    );
    assert!(
        whole(rtp, &rtp_packet(0x80, 77)),
        "unassigned, but not RTCP's range"
    );
    assert!(whole(rtp, &rtp_packet(0x82, 8)), "two CSRCs");
    let mut extension = rtp_packet(0x90, 8);
    extension[12..16].copy_from_slice(&[0xbe, 0xde, 0x00, 0x01]);
    assert!(whole(rtp, &extension), "one-word header extension");
    let mut padded = rtp_packet(0xa0, 8);
    *padded.last_mut().unwrap() = 4;
    assert!(whole(rtp, &padded), "padding");
}

#[test]
fn rtp_near_misses() {
    assert!(!whole(rtp, &rtp_packet(0x40, 8)), "version 1");
    assert!(!whole(rtp, &rtp_packet(0xc0, 8)), "version 3");
    for pt in [72, 73, 74, 75, 76] {
        assert!(!whole(rtp, &rtp_packet(0x80, pt)), "payload type {pt}");
    }
    assert!(
        !whole(rtp, &rtp_packet(0x8f, 8)[..20]),
        "15 CSRCs do not fit"
    );
    let mut extension = rtp_packet(0x90, 8);
    extension[12..16].copy_from_slice(&[0xbe, 0xde, 0xff, 0xff]);
    assert!(
        !whole(rtp, &extension),
        "extension longer than the datagram"
    );
    let mut padded = rtp_packet(0xa0, 8);
    *padded.last_mut().unwrap() = 0;
    assert!(!whole(rtp, &padded), "zero padding count");
    *padded.last_mut().unwrap() = 255;
    assert!(
        !whole(rtp, &padded[..100]),
        "padding longer than the payload"
    );
    assert!(
        !whole(rtp, &rtp_packet(0x80, 8)[..11]),
        "shorter than the fixed header"
    );
    assert!(
        !rtp(&rtp_packet(0xa0, 8)[..20], 172),
        "padding byte not captured"
    );
}

#[test]
fn rtcp_sender_receiver_reports_and_bye() {
    let mut sr = vec![0x80, 200, 0x00, 0x06];
    sr.extend_from_slice(&[0; 24]);
    assert!(whole(rtcp, &sr));
    assert!(whole(
        rtcp,
        &[
            0x81, 201, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0
        ]
    ));
    assert!(whole(rtcp, &[0x81, 203, 0x00, 0x01, 0, 0, 0, 1]));
    assert!(
        !whole(rtcp, &[0x81, 205, 0x00, 0x01, 0, 0, 0, 1]),
        "type 205"
    );
    assert!(
        !whole(rtcp, &[0x41, 200, 0x00, 0x01, 0, 0, 0, 1]),
        "version 1"
    );
    assert!(
        !whole(rtcp, &[0x81, 200, 0x00, 0x09, 0, 0, 0, 1]),
        "length beyond the datagram"
    );
    assert!(!whole(rtcp, &[0x81, 200, 0x00]));
}

#[test]
fn udptl_as_captured_from_a_real_fax() {
    // Byte strings from a T.38 gateway's fax call.
    for hex in [
        "000001000000",
        "000001000003010001000100",
        "001206c00180000004000306c0018000000406c0018000000406c00180000004",
        "0021010e00010100",
        "00cd1bc801e000150000000000000000000000000000000000000000000000011dc801e00017000000000000000000000000000000000000000000000000",
        "0001010600010100",
        "00680100000103c80170",
        "008003c00120000106c00180000004",
    ] {
        let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        assert!(whole(udptl, &bytes), "{hex}");
    }
}

#[test]
fn udptl_carries_every_t30_data_type() {
    // V.21, V.27ter 2400/4800, V.29 7200/9600, V.17 7200/9600/12000/14400: 0xc0 | type << 1.
    for data_type in 0u8..=8 {
        let packet = [
            0x00,
            0x10,
            0x05,
            0xc0 | data_type << 1,
            0x01,
            0x80,
            0x00,
            0x00,
            0x00,
            0x00,
        ];
        assert!(whole(udptl, &packet), "t30-data type {data_type}");
    }
    // Indicators 0-15 (no signal, CNG, CED, flags, training ...): type << 1.
    for indicator in 0u8..=15 {
        let packet = [0x00, 0x10, 0x01, indicator << 1, 0x00, 0x00];
        assert!(whole(udptl, &packet), "t30-indicator {indicator}");
    }
}

#[test]
fn udptl_near_misses() {
    assert!(!whole(udptl, b"INVITE sip:1@h SIP/2.0\r\n"), "SIP text");
    assert!(!whole(udptl, &rtp_packet(0x80, 8)), "RTP");
    assert!(!whole(udptl, &[0, 0, 1, 0, 0]), "secondary count missing");
    assert!(
        !whole(udptl, &[0, 0, 1, 0, 0, 0, 0xaa]),
        "bytes after the last secondary"
    );
    assert!(
        !whole(udptl, &[0, 0, 1, 0, 0, 2, 1, 0]),
        "fewer secondaries than counted"
    );
    assert!(!whole(udptl, &[0, 0, 0, 0, 0]), "empty IFP");
    assert!(
        !whole(udptl, &[0, 0, 2, 0x00, 0x00, 0, 0]),
        "an indicator is one byte"
    );
    assert!(
        !whole(udptl, &[0, 0, 1, 0x80, 0, 0]),
        "an indicator carries no data"
    );
    assert!(
        !whole(udptl, &[0, 0, 0x50, 0, 0, 0]),
        "IFP longer than the datagram"
    );
}

#[test]
fn h225_tpkt_with_q931() {
    assert!(whole(
        h225,
        &[
            3, 0, 0, 22, 0x08, 0x02, 0x00, 0x01, 0x05, 0x04, 0x03, 0x88, 0x93, 0xa5, 0x7e, 0, 5, 5,
            0x20, 0x80, 6, 0
        ]
    ));
    assert!(
        !whole(h225, &[3, 0, 0, 22, 0x09, 0x02, 0x00, 0x01]),
        "not Q.931"
    );
    assert!(
        !whole(h225, &[3, 1, 0, 22, 0x08, 0x02, 0x00, 0x01]),
        "TPKT reserved byte"
    );
    assert!(
        !whole(h225, &[2, 0, 0, 22, 0x08, 0x02, 0x00, 0x01]),
        "TPKT version"
    );
    assert!(
        !whole(h225, &[3, 0, 0, 22, 0x08, 0x12, 0x00, 0x01]),
        "call reference length"
    );
    assert!(
        !whole(h225, &[3, 0, 0, 4, 0x08, 0x02, 0x00, 0x01]),
        "TPKT length below Q.931's minimum"
    );
    assert!(!whole(h225, &[3, 0, 0, 22, 0x08]));
}

#[test]
fn ldap_messages_over_udp_and_tcp() {
    // bindRequest, simple auth, message id 1.
    let bind = [
        0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
    ];
    assert!(ldap(&bind, bind.len(), true));
    assert!(ldap(&bind, bind.len(), false));
    // Long-form length: 0x81 0x90.
    let mut long = vec![0x30, 0x81, 0x90, 0x02, 0x02, 0x01, 0x00, 0x64, 0x81, 0x89];
    long.resize(3 + 0x90, 0);
    assert!(ldap(&long, long.len(), true));
    assert!(
        ldap(&long[..40], 40, false),
        "a TCP segment may end before the message"
    );
    assert!(
        !ldap(&long[..40], 40, true),
        "a datagram holds the whole message"
    );
    assert!(
        ldap(&[0x30, 0x05, 0x02, 0x01, 0x07, 0x42, 0x00], 7, true),
        "unbindRequest"
    );
}

#[test]
fn ldap_near_misses() {
    assert!(
        !ldap(
            &[0x31, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0, 0, 0, 0, 0, 0, 0],
            14,
            true
        ),
        "SET, not SEQUENCE"
    );
    assert!(
        !ldap(
            &[0x30, 0x0c, 0x04, 0x01, 0x01, 0x60, 0x07, 0, 0, 0, 0, 0, 0, 0],
            14,
            true
        ),
        "message id not INTEGER"
    );
    assert!(
        !ldap(
            &[0x30, 0x0c, 0x02, 0x05, 0x01, 0x60, 0x07, 0, 0, 0, 0, 0, 0, 0],
            14,
            true
        ),
        "message id too long"
    );
    assert!(
        !ldap(
            &[0x30, 0x0c, 0x02, 0x01, 0x01, 0x30, 0x07, 0, 0, 0, 0, 0, 0, 0],
            14,
            true
        ),
        "operation not APPLICATION"
    );
    assert!(
        !ldap(&[0x30, 0x85, 0, 0, 0, 0, 1], 7, true),
        "five length bytes"
    );
    assert!(!ldap(&[0x30], 1, false));
}

#[test]
fn ntp_modes_and_versions() {
    let mut client = [0u8; 48];
    client[0] = 0x23; // v4, client
    assert!(whole(ntp, &client));
    client[0] = 0x1b; // v3, client
    assert!(whole(ntp, &client));
    client[0] = 0x24; // v4, server
    client[1] = 2;
    assert!(whole(ntp, &client));
    assert!(
        whole(ntp, &[0x16, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
        "v2 control message"
    );
    assert!(whole(ntp, &[0x17, 0x00, 0x03, 0x2a]), "v2 private message");
}

#[test]
fn ntp_near_misses() {
    let mut packet = [0u8; 48];
    packet[0] = 0x03; // version 0
    assert!(!whole(ntp, &packet));
    packet[0] = 0x2b; // version 5
    assert!(!whole(ntp, &packet));
    packet[0] = 0x20; // mode 0
    assert!(!whole(ntp, &packet));
    packet[0] = 0x23;
    assert!(!whole(ntp, &packet[..47]), "47 bytes");
    packet[1] = 17;
    assert!(!whole(ntp, &packet), "stratum 17 is reserved");
    let mut text = b"INVITE sip:201@10.1.1.10 SIP/2.0\r\n".to_vec();
    text.resize(64, b'x');
    assert!(!whole(ntp, &text), "text that starts like NTPv1 mode 1");
    assert!(
        !whole(ntp, &[0x16, 0x01, 0, 1]),
        "control message shorter than its header"
    );
}

#[test]
fn ftp_commands_and_replies() {
    for line in [
        &b"USER anonymous\r\n"[..],
        b"PASS x\r\n",
        b"user anonymous\r\n",
        b"PWD\r\n",
        b"CWD /fw\r\n",
        b"RETR fw.bin\r\n",
        b"QUIT\r\n",
        b"EPSV\r\n",
        // The last three- and four-letter commands of the table, in lower case.
        b"mic x\r\n",
        b"adat x\r\n",
    ] {
        assert!(whole(ftp, line), "{}", String::from_utf8_lossy(line));
    }
    for line in [
        &b"220 ready\r\n"[..],
        b"230-Welcome\r\n",
        b"150 Opening\r\n",
        b"550 No such file\r\n",
    ] {
        assert!(whole(ftp, line), "{}", String::from_utf8_lossy(line));
    }
}

#[test]
fn ftp_near_misses() {
    for line in [
        &b"USERS x\r\n"[..],
        b"GET / HTTP/1.1\r\n",
        b"620 x\r\n",
        b"260 x\r\n",
        b"22 x\r\n",
        b"2200 x",
        b"PWDX\r\n",
        b"USE",
        // A three-letter prefix of a four-letter command is not that command.
        b"STO x\r\n",
    ] {
        assert!(!whole(ftp, line), "{}", String::from_utf8_lossy(line));
    }
}

#[test]
fn tls_record_headers() {
    assert!(
        whole(tls, &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]),
        "ClientHello"
    );
    assert!(
        whole(tls, &[0x17, 0x03, 0x03, 0x00, 0x20]),
        "application data"
    );
    assert!(whole(tls, &[0x15, 0x03, 0x03, 0x00, 0x02]), "alert");
    assert!(!whole(tls, &[0x16, 0x02, 0x01, 0x02, 0x00]), "SSL 2");
    assert!(
        !whole(tls, &[0x19, 0x03, 0x01, 0x02, 0x00]),
        "content type 25"
    );
    assert!(!whole(tls, &[0x16, 0x03, 0x05, 0x02, 0x00]), "version 3.5");
    assert!(!whole(tls, &[0x16, 0x03, 0x01, 0x00, 0x00]), "empty record");
    assert!(
        !whole(tls, &[0x16, 0x03, 0x01, 0x48, 0x01]),
        "record above 2^14 + 2048"
    );
    assert!(!whole(tls, &[0x16, 0x03, 0x01, 0x02]), "header cut");
}

/// The SIP rule written the plain way, one step per clause of the documentation of
/// [`sip`]: the fast form must agree with it on every input.
fn sip_plain(payload: &[u8], wire_len: usize) -> bool {
    const METHODS: [&[u8]; 14] = [
        b"INVITE",
        b"ACK",
        b"BYE",
        b"CANCEL",
        b"REGISTER",
        b"OPTIONS",
        b"PRACK",
        b"SUBSCRIBE",
        b"NOTIFY",
        b"PUBLISH",
        b"INFO",
        b"REFER",
        b"MESSAGE",
        b"UPDATE",
    ];
    if payload == b"\r\n\r\n" || payload == b"\r\n" {
        return wire_len == payload.len();
    }
    let skipped = payload
        .iter()
        .take(4)
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count();
    let message = &payload[skipped..];
    if message.len() >= 8 && message[..8].eq_ignore_ascii_case(b"SIP/2.0 ") {
        return matches!(message.get(8..11), Some(&[b'1'..=b'9', b, c]) if b.is_ascii_digit() && c.is_ascii_digit());
    }
    let Some(space) = message.iter().take(10).position(|&b| b == b' ') else {
        return false;
    };
    if !METHODS.contains(&&message[..space]) {
        return false;
    }
    let uri = &message[space + 1..];
    let scheme_ok = [&b"sip:"[..], b"sips:", b"tel:"]
        .iter()
        .any(|s| uri.len() >= s.len() && uri[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok {
        return false;
    }
    let window = &uri[..uri.len().min(1024)];
    let Some(newline) = window.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = &window[..newline];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.len() >= 8 && line[line.len() - 8..].eq_ignore_ascii_case(b" SIP/2.0")
}

/// Payloads shaped like a SIP start line, each part drawn from valid forms and near misses
/// (case, control bytes where letters fold, zero bytes after a method, stray bytes): about one
/// in fourteen is SIP.
fn sip_like() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    fn one_of(options: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
        proptest::sample::select(options).prop_map(<[u8]>::to_vec)
    }
    let prefix = one_of(&[b"", b"", b"\r\n", b"\n\n\r\n", b"\r\n\r\n\r"]);
    let start = prop_oneof![
        3 => (
            one_of(&[b"INVITE", b"ACK", b"SUBSCRIBE", b"REGISTER", b"BYE", b"INVITE", b"invite", b"INVITES", b"FOO", b"ACK\0", b"INFO\0\0", b"REGISTE\0"]),
            one_of(&[b" ", b" ", b" ", b"  ", b"\t"]),
            one_of(&[b"sip:", b"SIP:", b"sIpS:", b"tel:", b"sip:", b"sip:", b"sips", b"\x13\x09\x10:", b"http:"]),
            proptest::collection::vec(b' '..=b'~', 0..20),
            one_of(&[b" SIP/2.0", b" sip/2.0", b" SIP/2.0", b" SIP/2.0", b" SIP\x0f2\x0e0", b"\x00SIP/2.0", b" SIP/2.1", b""]),
        )
            .prop_map(|(m, sp, scheme, user, version)| [m, sp, scheme, user, version].concat()),
        1 => (
            one_of(&[b"SIP/2.0 ", b"sip/2.0 ", b"SIP\x0f2\x0e0 ", b"SIP/2.0"]),
            one_of(&[b"200 OK", b"099 x", b"1", b"18"]),
        )
            .prop_map(|(v, status)| [v, status].concat()),
    ];
    let end = one_of(&[b"\r\n", b"\n", b"\r\n", b"", b"\r", b"\r\nVia: x\r\n"]);
    (prefix, start, end).prop_map(|(p, s, e)| [p, s, e].concat())
}

proptest::proptest! {
    #[test]
    fn sip_agrees_with_its_plain_form(payload in sip_like(), extra in 0usize..3) {
        let wire_len = payload.len() + extra;
        proptest::prop_assert_eq!(sip(&payload, wire_len), sip_plain(&payload, wire_len));
    }

    #[test]
    fn sip_agrees_with_its_plain_form_on_any_bytes(
        payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)
    ) {
        proptest::prop_assert_eq!(
            sip(&payload, payload.len()),
            sip_plain(&payload, payload.len())
        );
    }
}

#[test]
fn sip_plain_form_is_a_real_oracle() {
    // The differential test above means something only if the pieces reach both answers.
    assert!(sip_plain(b"INVITE sIpS:1@h SIP/2.0\r\n", 25));
    assert!(!sip_plain(b"INVITE \x13\x09\x10:1@h SIP/2.0\r\n", 25));
    assert!(!sip_plain(b"SIP\x0f2\x0e0 200 OK\r\n", 19));
    assert!(!sip(b"SIP\x0f2\x0e0 200 OK\r\n", 19));
    assert!(!sip(b"INVITE \x13\x09\x10:1@h SIP/2.0\r\n", 25));
    assert!(sip(b"INVITE sIpS:1@h SIP/2.0\r\n", 25));
    // A method padded with zero bytes is no method.
    for text in [
        &b"ACK\0 sip:a@b SIP/2.0\r\n"[..],
        b"INVITE\0 sip:a@b SIP/2.0\r\n",
        b"BYE\0\0 sip:a@b SIP/2.0\r\n",
    ] {
        assert!(!sip_plain(text, text.len()), "{text:?}");
        assert!(!sip(text, text.len()), "{text:?}");
    }
    // A line end found in the second and later eight-byte words, and in the tail.
    for pad in 0..24 {
        let mut text = b"OPTIONS sip:".to_vec();
        text.extend(std::iter::repeat_n(b'x', pad));
        text.extend_from_slice(b" SIP/2.0\r\n");
        assert!(sip(&text, text.len()), "pad {pad}");
        text.pop();
        text.pop();
        assert!(!sip(&text, text.len()), "pad {pad} without a line end");
    }
}

#[test]
fn sip_like_reaches_both_answers() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = sip_like();
    let matches = (0..1000)
        .filter(|_| {
            let payload = strategy.new_tree(&mut runner).unwrap().current();
            sip_plain(&payload, payload.len())
        })
        .count();
    assert!((50..700).contains(&matches), "{matches} of 1000 are SIP");
}

/// The FTP signature in its plain form: the oracle for the word-at-a-time `ftp`.
fn ftp_plain(payload: &[u8]) -> bool {
    const COMMANDS: [&[u8]; 58] = [
        b"USER", b"PASS", b"ACCT", b"CWD", b"CDUP", b"SMNT", b"QUIT", b"REIN", b"PORT", b"PASV",
        b"TYPE", b"STRU", b"MODE", b"RETR", b"STOR", b"STOU", b"APPE", b"ALLO", b"REST", b"RNFR",
        b"RNTO", b"ABOR", b"DELE", b"RMD", b"MKD", b"PWD", b"LIST", b"NLST", b"SITE", b"SYST",
        b"STAT", b"HELP", b"NOOP", b"FEAT", b"OPTS", b"AUTH", b"PBSZ", b"PROT", b"EPSV", b"EPRT",
        b"SIZE", b"MDTM", b"MLSD", b"MLST", b"LANG", b"CCC", b"XPWD", b"XCWD", b"XMKD", b"XRMD",
        b"XCUP", b"CLNT", b"HOST", b"LPRT", b"LPSV", b"MFMT", b"ADAT", b"MIC",
    ];
    if let Some(&[b'1'..=b'5', b'0'..=b'5', b'0'..=b'9', sep]) = payload.get(..4) {
        return sep == b' ' || sep == b'-';
    }
    let len = payload
        .iter()
        .take(5)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if !(3..=4).contains(&len) || !matches!(payload.get(len), Some(b' ' | b'\r' | b'\n')) {
        return false;
    }
    let word = payload[..len].to_ascii_uppercase();
    COMMANDS.contains(&&word[..])
}

/// Bytes shaped like an FTP line: letters of the commands in any case, their neighbours in
/// ASCII and beyond, digits, line ends.
fn ftp_like() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let byte = prop_oneof![
        4 => proptest::sample::select(b"USERPWDCMICXSTOQAFLNHTYadepqrsuw".to_vec()),
        1 => proptest::sample::select(b" \r\n-0123456@[`{\x80\xc1\xdb\xfa".to_vec()),
        1 => any::<u8>(),
    ];
    proptest::collection::vec(byte, 0..8)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    #[test]
    fn ftp_agrees_with_its_plain_form(payload in ftp_like()) {
        proptest::prop_assert_eq!(ftp(&payload, payload.len()), ftp_plain(&payload));
    }
}

#[test]
fn ftp_plain_form_is_a_real_oracle() {
    for line in [&b"pwd\r\n"[..], b"MIC x", b"XCUP\n", b"220 ok"] {
        assert!(ftp_plain(line) && ftp(line, line.len()), "{line:?}");
    }
    for line in [&b"PW\xc4 x"[..], b"PWD", b"MICS x", b"P[D ", b"STO x"] {
        assert!(!ftp_plain(line) && !ftp(line, line.len()), "{line:?}");
    }
}
