//! Real-looking payloads for every label, and some that are none of them.
//!
//! ```
//! use swyx_testkit::payload;
//! assert!(payload::sip_invite().starts_with(b"INVITE "));
//! ```

/// A SIP INVITE from SwyxIt! to the SwyxServer.
pub fn sip_invite() -> Vec<u8> {
    b"INVITE sip:201@swyx.example.com SIP/2.0\r\n\
      Via: SIP/2.0/UDP 10.1.1.20:5070;branch=z9hG4bK776asdhds\r\n\
      Max-Forwards: 70\r\n\
      To: <sip:201@swyx.example.com>\r\n\
      From: \"Alice\" <sip:200@swyx.example.com>;tag=1928301774\r\n\
      Call-ID: a84b4c76e66710@10.1.1.20\r\n\
      CSeq: 314159 INVITE\r\n\
      Contact: <sip:200@10.1.1.20:5070>\r\n\
      Content-Type: application/sdp\r\n\
      Content-Length: 0\r\n\r\n"
        .to_vec()
}

/// A SIP `200 OK` response.
pub fn sip_ok() -> Vec<u8> {
    b"SIP/2.0 200 OK\r\n\
      Via: SIP/2.0/UDP 10.1.1.20:5070;branch=z9hG4bK776asdhds\r\n\
      To: <sip:201@swyx.example.com>;tag=a6c85cf\r\n\
      From: \"Alice\" <sip:200@swyx.example.com>;tag=1928301774\r\n\
      Call-ID: a84b4c76e66710@10.1.1.20\r\n\
      CSeq: 314159 INVITE\r\n\
      Content-Length: 0\r\n\r\n"
        .to_vec()
}

/// A SIP REGISTER.
pub fn sip_register() -> Vec<u8> {
    b"REGISTER sips:swyx.example.com SIP/2.0\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"
        .to_vec()
}

/// An RTP packet: G.711 A-law (payload type 8), 160 samples.
pub fn rtp(seq: u16, timestamp: u32) -> Vec<u8> {
    let mut out = vec![0x80, 0x08];
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(&0x1122_3344u32.to_be_bytes());
    out.extend(std::iter::repeat_n(0xd5, 160));
    out
}

/// An RTCP sender report with one reception report block.
pub fn rtcp_sender_report() -> Vec<u8> {
    let mut out = vec![0x81, 200, 0, 12];
    out.extend_from_slice(&0x1122_3344u32.to_be_bytes());
    out.extend(std::iter::repeat_n(0x11, 20));
    out.extend(std::iter::repeat_n(0x22, 24));
    out
}

/// A T.38 UDPTL packet carrying T.30 data (primary IFP of 10 bytes, no secondaries).
pub fn udptl(seq: u16) -> Vec<u8> {
    let mut out = seq.to_be_bytes().to_vec();
    out.push(10);
    out.extend_from_slice(&[0xc0, 0x01, 0x80, 0x00, 0x06, 0xff, 0x13, 0x80, 0x00, 0x00]);
    out.extend_from_slice(&[0x00, 0x00]);
    out
}

/// A T.38 UDPTL packet carrying a t30-indicator (CNG).
pub fn udptl_indicator(seq: u16) -> Vec<u8> {
    let mut out = seq.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x01, 0x02, 0x00, 0x00]);
    out
}

/// An H.225 SETUP: TPKT, then Q.931 (protocol discriminator 8).
pub fn h225_setup() -> Vec<u8> {
    let body = [
        0x08u8, 0x02, 0x00, 0x01, 0x05, 0x04, 0x03, 0x88, 0x93, 0xa5, 0x7e, 0x00, 0x05, 0x05, 0x20,
        0x80, 0x06, 0x00,
    ];
    let mut out = vec![0x03, 0x00];
    out.extend_from_slice(&((4 + body.len()) as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// An LDAP searchRequest (message id 2) as SwyxIt!'s VisualContacts sends it.
pub fn ldap_search() -> Vec<u8> {
    let base = b"dc=example,dc=com";
    let mut op = vec![0x04, base.len() as u8];
    op.extend_from_slice(base);
    op.extend_from_slice(&[
        0x0a, 0x01, 0x02, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00,
    ]);
    op.extend_from_slice(&[0x87, 0x0b]);
    op.extend_from_slice(b"objectClass");
    op.extend_from_slice(&[0x30, 0x00]);
    let mut message = vec![0x02, 0x01, 0x02, 0x63, op.len() as u8];
    message.extend_from_slice(&op);
    let mut out = vec![0x30, message.len() as u8];
    out.extend_from_slice(&message);
    out
}

/// An NTPv4 client request (48 bytes).
pub fn ntp_client() -> Vec<u8> {
    let mut out = vec![0x23, 0, 6, 0xec];
    out.extend(std::iter::repeat_n(0, 36));
    out.extend_from_slice(&[0xe9, 0x4f, 0x21, 0x80, 0x12, 0x34, 0x56, 0x78]);
    out
}

/// An NTPv4 server reply (48 bytes).
pub fn ntp_server() -> Vec<u8> {
    let mut out = ntp_client();
    out[0] = 0x24;
    out[1] = 2;
    out
}

/// An FTP `USER` command.
pub fn ftp_user() -> Vec<u8> {
    b"USER swyxphone\r\n".to_vec()
}

/// An FTP welcome reply.
pub fn ftp_welcome() -> Vec<u8> {
    b"220 SwyxServer FTP ready\r\n".to_vec()
}

/// A TLS ClientHello record header and the start of its body.
pub fn tls_client_hello() -> Vec<u8> {
    let mut out = vec![
        0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03,
    ];
    out.extend(std::iter::repeat_n(0x42, 64));
    out
}

/// An HTTP request (phone configuration on 8085, CDS web service on 9094).
pub fn http_get() -> Vec<u8> {
    b"GET /config/phone.cfg HTTP/1.1\r\nHost: 10.1.1.1:8085\r\n\r\n".to_vec()
}

/// A CDS web-service request (SOAP over HTTP).
pub fn cds_request() -> Vec<u8> {
    b"POST /ConfigDataStore/CDSService HTTP/1.1\r\nContent-Type: application/soap+xml\r\nContent-Length: 0\r\n\r\n"
        .to_vec()
}

/// A DNS query: not SwyxWare.
pub fn dns_query() -> Vec<u8> {
    let mut out = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    out.extend_from_slice(b"\x04swyx\x07example\x03com\x00\x00\x01\x00\x01");
    out
}

/// Bytes that are no protocol at all.
pub fn noise(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ 0x5a)
        .collect()
}
