//! Properties of the signalling parsers: no panic on any bytes, and a SIP message read the
//! same whole and in pieces.

use proptest::prelude::*;
use swyx_flow::signalling::sip::{CSeq, Method, StartLine};
use swyx_flow::signalling::{parse_ftp_line, parse_message, parse_sdp, Framing, Parse};

/// What a generated message should parse to.
#[derive(Debug, Clone)]
struct Expected {
    start: StartLine,
    call_id: Vec<u8>,
    cseq: CSeq,
    content_is_sdp: bool,
    body: Vec<u8>,
}

const METHODS: [(&str, Method); 10] = [
    ("INVITE", Method::Invite),
    ("ACK", Method::Ack),
    ("BYE", Method::Bye),
    ("CANCEL", Method::Cancel),
    ("UPDATE", Method::Update),
    ("PRACK", Method::Prack),
    ("OPTIONS", Method::Options),
    ("REGISTER", Method::Register),
    ("INFO", Method::Info),
    ("NOTIFY", Method::Other),
];

/// A header name in full or compact form, in a random case.
fn name(full: &'static str, compact: Option<&'static str>) -> impl Strategy<Value = String> {
    let forms: Vec<&'static str> = std::iter::once(full).chain(compact).collect();
    (prop::sample::select(forms), any::<u64>()).prop_map(|(form, cases)| {
        form.chars()
            .enumerate()
            .map(|(index, c)| {
                if cases >> (index % 64) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

/// A SIP message with Content-Length, its bytes and what it should parse to.
fn message() -> impl Strategy<Value = (Vec<u8>, Expected)> {
    (
        prop::option::of(0usize..METHODS.len()), // None: a response
        100u16..700,
        "[A-Za-z0-9.@-]{1,40}",
        any::<u32>(),
        0usize..METHODS.len(),
        prop::option::of(prop::bool::ANY), // Content-Type: none, SDP or other
        prop::collection::vec(any::<u8>(), 0..200),
        prop::bool::ANY, // LF-only line ends
        prop::collection::vec("[A-Za-z][A-Za-z0-9-]{1,12}: [ -~]{0,30}", 0..4),
        (
            name("Call-ID", Some("i")),
            name("CSeq", None),
            name("Content-Type", Some("c")),
            name("Content-Length", Some("l")),
        ),
    )
        .prop_map(
            |(
                request,
                code,
                call_id,
                sequence,
                cseq_method,
                content_type,
                body,
                lf_only,
                others,
                (call_id_name, cseq_name, type_name, length_name),
            )| {
                let end = if lf_only { "\n" } else { "\r\n" };
                let (start_line, start) = match request {
                    Some(index) => (
                        format!("{} sip:201@10.1.1.10 SIP/2.0", METHODS[index].0),
                        StartLine::Request {
                            method: METHODS[index].1,
                        },
                    ),
                    None => (
                        format!("SIP/2.0 {code} Reason"),
                        StartLine::Response { code },
                    ),
                };
                let mut head = vec![start_line];
                head.extend(others.into_iter().filter(|line| {
                    let name = line.split(':').next().unwrap().to_ascii_lowercase();
                    ![
                        "i",
                        "c",
                        "l",
                        "call-id",
                        "cseq",
                        "content-type",
                        "content-length",
                    ]
                    .contains(&name.as_str())
                }));
                head.push(format!("{call_id_name}: {call_id}"));
                head.push(format!(
                    "{cseq_name}: {sequence} {}",
                    METHODS[cseq_method].0
                ));
                match content_type {
                    Some(true) => head.push(format!("{type_name}: application/sdp")),
                    Some(false) => head.push(format!("{type_name}: text/plain")),
                    None => {}
                }
                head.push(format!("{length_name}: {}", body.len()));
                let mut bytes = Vec::new();
                for line in &head {
                    bytes.extend_from_slice(line.as_bytes());
                    bytes.extend_from_slice(end.as_bytes());
                }
                bytes.extend_from_slice(end.as_bytes());
                bytes.extend_from_slice(&body);
                let expected = Expected {
                    start,
                    call_id: call_id.into_bytes(),
                    cseq: CSeq {
                        sequence,
                        method: METHODS[cseq_method].1,
                    },
                    content_is_sdp: content_type == Some(true),
                    body,
                };
                (bytes, expected)
            },
        )
}

fn check_whole(buf: &[u8], framing: Framing, expected: &Expected, consumed_expected: usize) {
    match parse_message(buf, framing) {
        Parse::Complete(message, consumed) => {
            assert_eq!(consumed, consumed_expected);
            assert_eq!(message.start, expected.start);
            assert_eq!(message.call_id, &expected.call_id[..]);
            assert_eq!(message.cseq, expected.cseq);
            assert_eq!(message.content_is_sdp, expected.content_is_sdp);
            assert_eq!(message.content_length, Some(expected.body.len()));
            assert_eq!(message.body, &expected.body[..]);
        }
        other => panic!("expected a whole message, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_parser_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for framing in [Framing::Datagram, Framing::Stream] {
            if let Parse::Complete(message, consumed) = parse_message(&bytes, framing) {
                prop_assert!(consumed <= bytes.len());
                let _ = message.sdp();
            }
        }
        let sdp = parse_sdp(&bytes);
        prop_assert!(sdp.media().len() <= swyx_flow::signalling::sdp::MAX_MEDIA);
        let _ = parse_ftp_line(&bytes);
    }

    #[test]
    fn no_parser_panics_on_sip_like_bytes(
        lines in prop::collection::vec(
            prop_oneof![
                Just("INVITE sip:a SIP/2.0".to_string()),
                Just("SIP/2.0 200 OK".to_string()),
                "(i|l|c|CSeq|Call-ID|Content-Length): ?[0-9a-z /;]{0,12}",
                "[mca]=[ -~]{0,40}",
                "(227|229|PORT|EPRT) [ -~]{0,30}",
                "[(|,0-9.:]{0,30}",
                Just(String::new()),
            ],
            0..20,
        ),
        lf_only in prop::bool::ANY,
    ) {
        let bytes = lines.join(if lf_only { "\n" } else { "\r\n" }).into_bytes();
        let _ = parse_message(&bytes, Framing::Datagram);
        let _ = parse_message(&bytes, Framing::Stream);
        let _ = parse_sdp(&bytes);
        for line in bytes.split(|&b| b == b'\n') {
            let _ = parse_ftp_line(line);
        }
    }

    #[test]
    fn every_prefix_is_incomplete_and_the_whole_is_the_message(
        (bytes, expected) in message(),
        next in prop::collection::vec(any::<u8>(), 0..20),
    ) {
        for cut in 0..bytes.len() {
            for framing in [Framing::Stream, Framing::Datagram] {
                prop_assert_eq!(
                    parse_message(&bytes[..cut], framing),
                    Parse::Incomplete,
                    "cut at {} of {}", cut, bytes.len()
                );
            }
        }
        check_whole(&bytes, Framing::Stream, &expected, bytes.len());
        check_whole(&bytes, Framing::Datagram, &expected, bytes.len());
        // The next message's first bytes do not change this one.
        let mut stream = bytes.clone();
        stream.extend_from_slice(&next);
        check_whole(&stream, Framing::Stream, &expected, bytes.len());
    }
}
