//! A SwyxWare site as a capture: the office scenario behind the shipped
//! `captures/swyx-office.pcap`.
//!
//! Every packet of the office scenario records what the port matrix's rules say it is
//! ([`Expected`]), so tests compare the classifier and the batch tool against the scenario's
//! own construction rather than against a copy of their output.
//!
//! ```
//! use swyx_classify::Label;
//! use swyx_testkit::scenario::{office_capture, office_packets, Expected};
//! let packets = office_packets();
//! let sip = packets.iter().filter(|p| matches!(p.expected, Expected::Labelled(Label::Sip, _))).count();
//! assert!(sip > 10);
//! assert_eq!(&office_capture()[..4], &0xa1b2_c3d4u32.to_le_bytes());
//! ```
//!
//! The hosts of the office:
//!
//! | Host | Address | Traffic |
//! |---|---|---|
//! | SwyxServer | 10.1.1.10 | SIP UDP 5060, RTP 51000-51499, KeepAlive to the standby 10.1.1.9:65010, FTP server on 21 |
//! | SwyxGate | 10.1.1.11 | SIP TCP 5064, RTP and T.38 52000-52499 |
//! | SwyxFaxServer | 10.1.1.12 | SIP TCP 61000, T.38 on 4000 |
//! | ConfigDataStore | 10.1.1.13 | TCP 9094 (HTTP/SOAP) |
//! | PhoneManager | 10.1.1.14 | CorNet TCP 4060, H.225 TCP 1720, DLS TLS 18443 |
//! | SwyxIt! | 10.1.1.20 | SIP from 5070, RTP on 50100, LDAP to 10.1.1.2:712 |
//! | SwyxPhone L440 | 10.1.2.30 | CorNet/H.323/DLS from 1030-1040, RTP 5012/5013, NTP, FTP, HTTP config on 8085 |
//! | Administrator | 10.1.1.40 | browses the phone's configuration page |
//!
//! plus traffic that is not SwyxWare: DNS, HTTPS, ARP, ICMP.

use std::net::IpAddr;

use swyx_classify::{Component, Label, Reason, Transport};

use crate::capture::PcapWriter;
use crate::frame::{
    ethernet_frame, ipv4_checksum, Addresses, FrameSpec, ETHERTYPE_ARP, ETHERTYPE_IPV4,
};
use crate::payload;

/// The router, DNS/NTP server for the site.
pub const ROUTER: [u8; 4] = [10, 1, 1, 1];
/// The directory server (LDAP on 712, DNS).
pub const DIRECTORY: [u8; 4] = [10, 1, 1, 2];
/// The standby SwyxServer.
pub const STANDBY: [u8; 4] = [10, 1, 1, 9];
/// The (master) SwyxServer.
pub const SWYX_SERVER: [u8; 4] = [10, 1, 1, 10];
/// SwyxGate.
pub const SWYX_GATE: [u8; 4] = [10, 1, 1, 11];
/// SwyxFaxServer.
pub const FAX_SERVER: [u8; 4] = [10, 1, 1, 12];
/// ConfigDataStore.
pub const CDS: [u8; 4] = [10, 1, 1, 13];
/// PhoneManager.
pub const PHONE_MANAGER: [u8; 4] = [10, 1, 1, 14];
/// A PC running SwyxIt!.
pub const SWYX_IT: [u8; 4] = [10, 1, 1, 20];
/// The administrator's PC.
pub const ADMIN: [u8; 4] = [10, 1, 1, 40];
/// A SwyxPhone L440.
pub const PHONE: [u8; 4] = [10, 1, 2, 30];
/// A web server on the internet.
pub const WEB: [u8; 4] = [93, 184, 216, 34];

/// Capture start: 2013-07-04 09:00:00 UTC, in microseconds since the epoch.
pub const START_MICROS: u64 = 1_372_928_400_000_000;

/// What the matrix's rules make of a scenario packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// Labelled with this label and deciding component.
    Labelled(Label, Component),
    /// Unclassified for this reason.
    Unclassified(Reason),
}

/// A conversation: transport and both endpoints, in a canonical order (the smaller endpoint
/// first), so both directions of a flow compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conversation {
    /// TCP or UDP.
    pub transport: Transport,
    /// The smaller (address, port) endpoint.
    pub low: (IpAddr, u16),
    /// The larger endpoint.
    pub high: (IpAddr, u16),
}

impl Conversation {
    fn of(spec: &FrameSpec) -> Conversation {
        let (src, dst) = match spec.addresses {
            Addresses::V4(s, d) => (IpAddr::from(s), IpAddr::from(d)),
            Addresses::V6(s, d) => (IpAddr::from(s), IpAddr::from(d)),
        };
        let a = (src, spec.src_port);
        let b = (dst, spec.dst_port);
        Conversation {
            transport: spec.transport,
            low: a.min(b),
            high: a.max(b),
        }
    }
}

/// One packet of the office scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioPacket {
    /// Capture time, microseconds since the epoch.
    pub micros: u64,
    /// The Ethernet frame.
    pub frame: Vec<u8>,
    /// What the rules make of it.
    pub expected: Expected,
    /// What the flow layer makes of it: [`ScenarioPacket::expected`], but where signalling
    /// tells more (media a component's SDP announced is that component's).
    pub flow_expected: Expected,
    /// Its TCP/UDP conversation, when it has one.
    pub conversation: Option<Conversation>,
}

/// The shipped capture: [`office_packets`] as a legacy pcap file (Ethernet, microseconds).
pub fn office_capture() -> Vec<u8> {
    let mut writer = PcapWriter::new(1);
    for packet in office_packets() {
        writer.record(packet.micros, &packet.frame);
    }
    writer.into_bytes()
}

/// The office scenario's packets in capture order.
pub fn office_packets() -> Vec<ScenarioPacket> {
    let mut site = Site::default();
    let sip_server = Expected::Labelled(Label::Sip, Component::SwyxServer);

    // Address resolution before the first call.
    site.raw(
        0,
        arp(SWYX_IT, SWYX_SERVER, false),
        Expected::Unclassified(Reason::NotIp),
    );
    site.raw(
        300,
        arp(SWYX_SERVER, SWYX_IT, true),
        Expected::Unclassified(Reason::NotIp),
    );

    // Master/standby keep-alive, once a second for the whole capture.
    let mut keepalive = Tcp::new(
        (SWYX_SERVER, 49_700),
        (STANDBY, 65_010),
        Expected::Labelled(Label::Keepalive, Component::SwyxServer),
    );
    let mut t = keepalive.open(&mut site, 5_000);
    for beat in 0u32..14 {
        t = t.max(1_000_000 * u64::from(beat) + 20_000);
        let mut ping = b"SWKA".to_vec();
        ping.extend_from_slice(&beat.to_be_bytes());
        keepalive.client_sends(&mut site, t, &ping);
        let mut pong = b"SWKR".to_vec();
        pong.extend_from_slice(&beat.to_be_bytes());
        keepalive.server_sends(&mut site, t + 380, &pong);
    }

    // SwyxIt! resolves the server's name (not SwyxWare: DNS; the ephemeral source port is
    // only covered by SwyxDect 800's broad range, which the payload does not confirm).
    let dns = Expected::Unclassified(Reason::BroadRowWithoutEvidence);
    site.udp(
        50_000,
        SWYX_IT,
        58_231,
        DIRECTORY,
        53,
        dns_query(0x3c1a),
        dns,
    );
    site.udp(
        50_900,
        DIRECTORY,
        53,
        SWYX_IT,
        58_231,
        dns_response(0x3c1a),
        dns,
    );

    // SwyxIt! loads its configuration from the ConfigDataStore.
    let cds = Expected::Labelled(Label::Configuration, Component::ConfigDataStore);
    cds_session(
        &mut site,
        100_000,
        (SWYX_IT, 49_810),
        "GetUserConfiguration",
        cds,
    );

    // SwyxIt! registers.
    let call_id = "3f2a9c1e-0001@10.1.1.20";
    site.udp(
        300_000,
        SWYX_IT,
        5070,
        SWYX_SERVER,
        5060,
        swyx_it_dialog(call_id).request("REGISTER sip:swyx.example.com SIP/2.0", 1, "REGISTER", ""),
        sip_server,
    );
    site.udp(
        302_100,
        SWYX_SERVER,
        5060,
        SWYX_IT,
        5070,
        swyx_it_dialog(call_id).response("200 OK", 1, "REGISTER", ""),
        sip_server,
    );

    // VisualContacts looks up a contact in the directory.
    let mut ldap = Tcp::new(
        (SWYX_IT, 49_812),
        (DIRECTORY, 712),
        Expected::Labelled(Label::Ldap, Component::SwyxIt),
    );
    let t = ldap.open(&mut site, 500_000);
    ldap.client_sends(&mut site, t + 200, &ldap_bind_request());
    ldap.server_sends(&mut site, t + 1_100, &ldap_result(1, 0x61));
    ldap.client_sends(&mut site, t + 1_400, &payload::ldap_search());
    ldap.server_sends(&mut site, t + 2_900, &ldap_search_entry());
    ldap.server_sends(&mut site, t + 3_000, &ldap_result(2, 0x65));
    ldap.client_sends(
        &mut site,
        t + 3_300,
        &[0x30, 0x05, 0x02, 0x01, 0x03, 0x42, 0x00],
    );
    ldap.close(&mut site, t + 3_500);

    // The phone sets its clock.
    let ntp = Expected::Labelled(Label::Ntp, Component::SwyxPhoneL4xx);
    site.udp(
        700_000,
        PHONE,
        1036,
        ROUTER,
        123,
        payload::ntp_client(),
        ntp,
    );
    site.udp(
        701_300,
        ROUTER,
        123,
        PHONE,
        1036,
        payload::ntp_server(),
        ntp,
    );

    // The phone's CorNet-TC link to the PhoneManager, with a status exchange every 2 s.
    let mut cornet = Tcp::new(
        (PHONE, 1030),
        (PHONE_MANAGER, 4060),
        Expected::Labelled(Label::Cornet, Component::PhoneManager),
    );
    let mut t = cornet.open(&mut site, 800_000);
    for round in 0u8..6 {
        t = t.max(800_000 + 2_000_000 * u64::from(round) + 10_000);
        cornet.client_sends(&mut site, t, &cornet_message(round, true));
        cornet.server_sends(&mut site, t + 900, &cornet_message(round, false));
        cornet.client_ack(&mut site, t + 1_100);
    }

    // The phone fetches its deployment settings over TLS.
    let mut dls = Tcp::new(
        (PHONE, 1032),
        (PHONE_MANAGER, 18_443),
        Expected::Labelled(Label::Dls, Component::PhoneManager),
    );
    let t = dls.open(&mut site, 900_000);
    dls.client_sends(&mut site, t + 300, &tls_client_hello());
    dls.server_sends(&mut site, t + 2_000, &tls_server_hello());
    dls.client_sends(&mut site, t + 4_000, &tls_record(0x17, 180, 1));
    dls.server_sends(&mut site, t + 9_000, &tls_record(0x17, 620, 2));
    dls.client_ack(&mut site, t + 9_200);
    dls.close(&mut site, t + 12_000);

    // The administrator opens the phone's configuration page.
    let mut http = Tcp::new(
        (ADMIN, 49_901),
        (PHONE, 8085),
        Expected::Labelled(Label::Configuration, Component::SwyxPhoneL4xx),
    );
    let t = http.open(&mut site, 1_000_000);
    http.client_sends(
        &mut site,
        t + 200,
        b"GET /config/network HTTP/1.1\r\nHost: 10.1.2.30:8085\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
    );
    http.server_sends(
        &mut site,
        t + 4_000,
        &http_response(
            "text/html",
            "<html><body><h1>SwyxPhone L440</h1><p>Network settings</p></body></html>",
        ),
    );
    http.client_ack(&mut site, t + 4_300);
    http.close(&mut site, t + 6_000);

    // The phone checks for a firmware update on the server's FTP. Both FTP rows of the matrix
    // (SwyxWare Administration's FW-Check, the phones' FW-Update) connect to 21; matrix order
    // attributes the packets to SwyxWare Administration.
    let mut ftp = Tcp::new(
        (PHONE, 1037),
        (SWYX_SERVER, 21),
        Expected::Labelled(Label::Ftp, Component::SwyxWareAdministration),
    );
    let t = ftp.open(&mut site, 1_200_000);
    let exchange: [(&[u8], &[u8]); 5] = [
        (b"", b"220 SwyxServer FTP ready\r\n"),
        (
            b"USER swyxphone\r\n",
            b"331 Password required for swyxphone\r\n",
        ),
        (b"PASS firmware\r\n", b"230 User swyxphone logged in\r\n"),
        (b"TYPE I\r\n", b"200 Type set to I\r\n"),
        (b"QUIT\r\n", b"221 Goodbye\r\n"),
    ];
    let mut t = t + 1_000;
    for (command, reply) in exchange {
        if !command.is_empty() {
            ftp.client_sends(&mut site, t, command);
            t += 700;
        }
        ftp.server_sends(&mut site, t, reply);
        t += 900;
    }
    ftp.close(&mut site, t);

    // A call from SwyxIt! to the server's voice mail: SIP over UDP, RTP both ways.
    let call_id = "7c41d0e2-0002@10.1.1.20";
    let call = swyx_it_dialog(call_id);
    let invite = call.request(
        "INVITE sip:100@10.1.1.10 SIP/2.0",
        1,
        "INVITE",
        &sdp(SWYX_IT, 50_100, "audio", "RTP/AVP 8 101"),
    );
    site.udp(
        1_500_000,
        SWYX_IT,
        5070,
        SWYX_SERVER,
        5060,
        invite,
        sip_server,
    );
    site.udp(
        1_501_200,
        SWYX_SERVER,
        5060,
        SWYX_IT,
        5070,
        call.response("100 Trying", 1, "INVITE", ""),
        sip_server,
    );
    site.udp(
        1_540_000,
        SWYX_SERVER,
        5060,
        SWYX_IT,
        5070,
        call.response("180 Ringing", 1, "INVITE", ""),
        sip_server,
    );
    site.udp(
        1_980_000,
        SWYX_SERVER,
        5060,
        SWYX_IT,
        5070,
        call.response(
            "200 OK",
            1,
            "INVITE",
            &sdp(SWYX_SERVER, 51_000, "audio", "RTP/AVP 8 101"),
        ),
        sip_server,
    );
    site.udp(
        1_985_000,
        SWYX_IT,
        5070,
        SWYX_SERVER,
        5060,
        call.request("ACK sip:100@10.1.1.10 SIP/2.0", 1, "ACK", ""),
        sip_server,
    );
    let rtp_server = Expected::Labelled(Label::Rtp, Component::SwyxServer);
    rtp_stream(
        &mut site,
        2_000_000,
        200,
        (SWYX_IT, 50_100),
        (SWYX_SERVER, 51_000),
        0x5a17_0001,
        rtp_server,
    );
    rtp_stream(
        &mut site,
        2_004_300,
        200,
        (SWYX_SERVER, 51_000),
        (SWYX_IT, 50_100),
        0x0c0f_fee1,
        rtp_server,
    );
    for (at, ssrc, from, to) in [
        (
            3_010_000,
            0x5a17_0001,
            (SWYX_IT, 50_101),
            (SWYX_SERVER, 51_001),
        ),
        (
            3_013_000,
            0x0c0f_fee1,
            (SWYX_SERVER, 51_001),
            (SWYX_IT, 50_101),
        ),
        (
            5_510_000,
            0x5a17_0001,
            (SWYX_IT, 50_101),
            (SWYX_SERVER, 51_001),
        ),
        (
            5_513_000,
            0x0c0f_fee1,
            (SWYX_SERVER, 51_001),
            (SWYX_IT, 50_101),
        ),
    ] {
        site.udp(
            at,
            from.0,
            from.1,
            to.0,
            to.1,
            rtcp_sender_report(ssrc, at),
            rtp_server,
        );
    }
    site.udp(
        6_050_000,
        SWYX_IT,
        5070,
        SWYX_SERVER,
        5060,
        call.request("BYE sip:100@10.1.1.10 SIP/2.0", 2, "BYE", ""),
        sip_server,
    );
    site.udp(
        6_051_100,
        SWYX_SERVER,
        5060,
        SWYX_IT,
        5070,
        call.response("200 OK", 2, "BYE", ""),
        sip_server,
    );

    // The server's own ConfigDataStore session.
    cds_session(
        &mut site,
        2_500_000,
        (SWYX_SERVER, 49_750),
        "GetRoutingTable",
        cds,
    );

    // The phone calls out through SwyxGate: H.225 to the PhoneManager, SIP over TCP from the
    // server to SwyxGate, RTP between the phone and SwyxGate.
    let mut h225 = Tcp::new(
        (PHONE, 1031),
        (PHONE_MANAGER, 1720),
        Expected::Labelled(Label::H323, Component::PhoneManager),
    );
    let t = h225.open(&mut site, 3_000_000);
    h225.client_sends(&mut site, t + 300, &q931(0x0001, false, 0x05));
    h225.server_sends(&mut site, t + 1_500, &q931(0x0001, true, 0x02));
    let mut gate_sip = Tcp::new(
        (SWYX_SERVER, 49_760),
        (SWYX_GATE, 5064),
        Expected::Labelled(Label::Sip, Component::SwyxGate),
    );
    let gate_dialog = Dialog {
        call_id: "1b9e0c55-0003@10.1.1.10",
        via: "TCP 10.1.1.10:49760",
        from: "201@swyx.example.com",
        to: "+4923147770@10.1.1.11",
    };
    let tg = gate_sip.open(&mut site, 3_010_000);
    gate_sip.client_sends(
        &mut site,
        tg + 300,
        &gate_dialog.request(
            "INVITE sip:+4923147770@10.1.1.11:5064;transport=tcp SIP/2.0",
            1,
            "INVITE",
            &sdp(PHONE, 5012, "audio", "RTP/AVP 8"),
        ),
    );
    gate_sip.server_sends(
        &mut site,
        tg + 1_200,
        &gate_dialog.response("100 Trying", 1, "INVITE", ""),
    );
    gate_sip.server_sends(
        &mut site,
        tg + 390_000,
        &gate_dialog.response(
            "200 OK",
            1,
            "INVITE",
            &sdp(SWYX_GATE, 52_000, "audio", "RTP/AVP 8"),
        ),
    );
    gate_sip.client_sends(
        &mut site,
        tg + 392_000,
        &gate_dialog.request(
            "ACK sip:+4923147770@10.1.1.11:5064;transport=tcp SIP/2.0",
            1,
            "ACK",
            "",
        ),
    );
    h225.server_sends(&mut site, t + 60_000, &q931(0x0001, true, 0x01));
    h225.server_sends(&mut site, t + 400_000, &q931(0x0001, true, 0x07));
    h225.client_ack(&mut site, t + 400_400);
    let rtp_phone = Expected::Labelled(Label::Rtp, Component::SwyxPhoneL4xx);
    rtp_stream(
        &mut site,
        3_500_000,
        150,
        (PHONE, 5012),
        (SWYX_GATE, 52_000),
        0x7e11_a440,
        rtp_phone,
    );
    rtp_stream(
        &mut site,
        3_507_700,
        150,
        (SWYX_GATE, 52_000),
        (PHONE, 5012),
        0x6a7e_0001,
        rtp_phone,
    );
    site.udp(
        5_000_000,
        PHONE,
        5013,
        SWYX_GATE,
        52_001,
        rtcp_sender_report(0x7e11_a440, 5_000_000),
        rtp_phone,
    );
    site.udp(
        5_003_000,
        SWYX_GATE,
        52_001,
        PHONE,
        5013,
        rtcp_sender_report(0x6a7e_0001, 5_003_000),
        rtp_phone,
    );
    h225.client_sends(&mut site, t + 3_600_000, &q931(0x0001, false, 0x5a));
    h225.close(&mut site, t + 3_601_000);
    gate_sip.client_sends(
        &mut site,
        tg + 3_605_000,
        &gate_dialog.request(
            "BYE sip:+4923147770@10.1.1.11:5064;transport=tcp SIP/2.0",
            2,
            "BYE",
            "",
        ),
    );
    gate_sip.server_sends(
        &mut site,
        tg + 3_607_000,
        &gate_dialog.response("200 OK", 2, "BYE", ""),
    );
    gate_sip.close(&mut site, tg + 3_610_000);

    // An incoming fax: the server hands the call to the SwyxFaxServer (SIP over TCP), and
    // SwyxGate sends T.38 (UDPTL) to it.
    let mut fax_sip = Tcp::new(
        (SWYX_SERVER, 49_770),
        (FAX_SERVER, 61_000),
        Expected::Labelled(Label::Sip, Component::SwyxFaxServer),
    );
    let fax_dialog = Dialog {
        call_id: "42d7aa10-0004@10.1.1.10",
        via: "TCP 10.1.1.10:49770",
        from: "+4923147790@swyx.example.com",
        to: "fax@10.1.1.12",
    };
    let tf = fax_sip.open(&mut site, 7_000_000);
    fax_sip.client_sends(
        &mut site,
        tf + 300,
        &fax_dialog.request(
            "INVITE sip:fax@10.1.1.12:61000;transport=tcp SIP/2.0",
            1,
            "INVITE",
            &sdp_t38(SWYX_GATE, 52_010),
        ),
    );
    fax_sip.server_sends(
        &mut site,
        tf + 1_000,
        &fax_dialog.response("100 Trying", 1, "INVITE", ""),
    );
    fax_sip.server_sends(
        &mut site,
        tf + 200_000,
        &fax_dialog.response("200 OK", 1, "INVITE", &sdp_t38(FAX_SERVER, 4000)),
    );
    fax_sip.client_sends(
        &mut site,
        tf + 202_000,
        &fax_dialog.request(
            "ACK sip:fax@10.1.1.12:61000;transport=tcp SIP/2.0",
            1,
            "ACK",
            "",
        ),
    );
    let t38 = Expected::Labelled(Label::T38, Component::SwyxGate);
    for i in 0u16..100 {
        let at = 7_500_000 + 40_000 * u64::from(i);
        site.udp(
            at,
            SWYX_GATE,
            52_010,
            FAX_SERVER,
            4000,
            udptl(i, i < 4, true),
            t38,
        );
        site.udp(
            at + 11_000,
            FAX_SERVER,
            4000,
            SWYX_GATE,
            52_010,
            udptl(i, i < 4, false),
            t38,
        );
    }
    fax_sip.client_sends(
        &mut site,
        tf + 4_700_000,
        &fax_dialog.request(
            "BYE sip:fax@10.1.1.12:61000;transport=tcp SIP/2.0",
            2,
            "BYE",
            "",
        ),
    );
    fax_sip.server_sends(
        &mut site,
        tf + 4_701_000,
        &fax_dialog.response("200 OK", 2, "BYE", ""),
    );
    fax_sip.close(&mut site, tf + 4_705_000);

    // SwyxIt! checks the server over IPv6, and the server answers an OPTIONS on the voice VLAN.
    let options = swyx_it_dialog("09aa31f4-0005@10.1.1.20").request(
        "OPTIONS sip:10.1.1.10 SIP/2.0",
        1,
        "OPTIONS",
        "",
    );
    let spec = FrameSpec::udp(SWYX_IT, SWYX_SERVER, 5070, 5060, options).into_ipv6();
    site.spec(8_000_000, spec, 0, sip_server);
    let ping = Dialog {
        call_id: "5d0e7b21-0006@10.1.1.10",
        via: "UDP 10.1.1.10:5060",
        from: "100@swyx.example.com",
        to: "200@swyx.example.com",
    };
    let options_from_server =
        ping.request("OPTIONS sip:200@10.1.1.20:5070 SIP/2.0", 1, "OPTIONS", "");
    let mut spec = FrameSpec::udp(SWYX_SERVER, SWYX_IT, 5060, 5070, options_from_server);
    spec.vlans = vec![(0x8100, 10)];
    site.spec(8_500_000, spec, 0, sip_server);

    // Not SwyxWare: HTTPS from the SwyxIt! PC, and a ping between servers.
    let mut https = Tcp::new(
        (SWYX_IT, 49_820),
        (WEB, 443),
        Expected::Unclassified(Reason::BroadRowWithoutEvidence),
    );
    let t = https.open(&mut site, 9_000_000);
    https.client_sends(&mut site, t + 300, &tls_client_hello());
    https.server_sends(&mut site, t + 25_000, &tls_server_hello());
    https.client_sends(&mut site, t + 26_000, &tls_record(0x17, 420, 3));
    https.server_sends(&mut site, t + 52_000, &tls_record(0x17, 1200, 4));
    https.client_ack(&mut site, t + 52_300);
    https.close(&mut site, t + 60_000);
    site.raw(
        9_500_000,
        icmp_echo(SWYX_SERVER, SWYX_GATE, 1, false),
        Expected::Unclassified(Reason::NotTcpUdp),
    );
    site.raw(
        9_500_240,
        icmp_echo(SWYX_GATE, SWYX_SERVER, 1, true),
        Expected::Unclassified(Reason::NotTcpUdp),
    );

    site.raw(
        12_000_000,
        arp(SWYX_GATE, FAX_SERVER, false),
        Expected::Unclassified(Reason::NotIp),
    );
    site.raw(
        12_000_260,
        arp(FAX_SERVER, SWYX_GATE, true),
        Expected::Unclassified(Reason::NotIp),
    );

    let mut packets = site.finish();
    // The media between the phone and SwyxGate goes to 52000/52001, which SwyxGate's SDP (its
    // 200 OK over SIP/TCP 5064) announced: to the flow layer it is SwyxGate's, where the
    // narrowest row alone names the phone's 5012/5013.
    let gate = IpAddr::from(SWYX_GATE);
    for packet in &mut packets {
        let to_gate_media = packet.conversation.is_some_and(|c| {
            [c.low, c.high].contains(&(gate, 52_000)) || [c.low, c.high].contains(&(gate, 52_001))
        });
        if to_gate_media {
            packet.flow_expected = Expected::Labelled(Label::Rtp, Component::SwyxGate);
        }
        // The fax: both ends announced theirs (SwyxGate 52010, the FaxServer 4000); the
        // receiving end of its first packet, the FaxServer, names the flow (SwyxGate is its
        // peer), where the narrowest row alone names SwyxGate.
        if packet.flow_expected == Expected::Labelled(Label::T38, Component::SwyxGate) {
            packet.flow_expected = Expected::Labelled(Label::T38, Component::SwyxFaxServer);
        }
    }
    packets
}

/// One ConfigDataStore web-service session: handshake, SOAP request, response, close.
fn cds_session(
    site: &mut Site,
    at: u64,
    client: ([u8; 4], u16),
    operation: &str,
    expected: Expected,
) {
    let mut tcp = Tcp::new(client, (CDS, 9094), expected);
    let t = tcp.open(site, at);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><{operation} xmlns=\"http://www.swyx.com/cds\"/></soap:Body></soap:Envelope>"
    );
    let request = format!(
        "POST /ConfigDataStore/CDSService.svc HTTP/1.1\r\nHost: 10.1.1.13:9094\r\nContent-Type: application/soap+xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.client_sends(site, t + 200, request.as_bytes());
    let reply = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><{operation}Response xmlns=\"http://www.swyx.com/cds\"><Result>OK</Result></{operation}Response></soap:Body></soap:Envelope>"
    );
    tcp.server_sends(
        site,
        t + 8_000,
        &http_response("application/soap+xml; charset=utf-8", &reply),
    );
    tcp.client_ack(site, t + 8_300);
    tcp.close(site, t + 9_000);
}

/// `count` RTP packets every 20 ms from `from` to `to`.
fn rtp_stream(
    site: &mut Site,
    at: u64,
    count: u16,
    from: ([u8; 4], u16),
    to: ([u8; 4], u16),
    ssrc: u32,
    expected: Expected,
) {
    let first_seq = (ssrc >> 16) as u16 & 0x3fff;
    for i in 0..count {
        let seq = first_seq.wrapping_add(i);
        // A little jitter, deterministic.
        let jitter = u64::from((u32::from(i) * 7919 + ssrc) % 900);
        let payload = rtp(8, seq, 160 * u32::from(i) + (ssrc & 0xffff), ssrc, i == 0);
        site.udp(
            at + 20_000 * u64::from(i) + jitter,
            from.0,
            from.1,
            to.0,
            to.1,
            payload,
            expected,
        );
    }
}

/// Collects packets and sorts them by time at the end.
#[derive(Default)]
struct Site {
    packets: Vec<ScenarioPacket>,
}

impl Site {
    fn raw(&mut self, at: u64, frame: Vec<u8>, expected: Expected) {
        self.packets.push(ScenarioPacket {
            micros: START_MICROS + at,
            frame,
            expected,
            flow_expected: expected,
            conversation: None,
        });
    }

    fn spec(&mut self, at: u64, spec: FrameSpec, ack: u32, expected: Expected) {
        self.packets.push(ScenarioPacket {
            micros: START_MICROS + at,
            frame: office_frame(&spec, ack),
            expected,
            flow_expected: expected,
            conversation: Some(Conversation::of(&spec)),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn udp(
        &mut self,
        at: u64,
        src: [u8; 4],
        sport: u16,
        dst: [u8; 4],
        dport: u16,
        payload: Vec<u8>,
        expected: Expected,
    ) {
        self.spec(
            at,
            FrameSpec::udp(src, dst, sport, dport, payload),
            0,
            expected,
        );
    }

    fn finish(mut self) -> Vec<ScenarioPacket> {
        // Stable: packets of one conversation keep their order at equal times.
        self.packets.sort_by_key(|p| p.micros);
        self.packets
    }
}

/// A TCP connection whose sequence numbers follow what was sent.
struct Tcp {
    client: ([u8; 4], u16),
    server: ([u8; 4], u16),
    client_seq: u32,
    server_seq: u32,
    expected: Expected,
}

/// Round trip inside the office LAN, in microseconds.
const LAN_RTT: u64 = 240;

impl Tcp {
    fn new(client: ([u8; 4], u16), server: ([u8; 4], u16), expected: Expected) -> Tcp {
        let isn = |(ip, port): ([u8; 4], u16)| {
            u32::from_be_bytes(ip).rotate_left(u32::from(port % 31))
                ^ u32::from(port).wrapping_mul(2_654_435_761)
        };
        Tcp {
            client,
            server,
            client_seq: isn(client),
            server_seq: isn(server),
            expected,
        }
    }

    fn segment(&mut self, site: &mut Site, at: u64, from_client: bool, flags: u8, data: &[u8]) {
        let ((src, sport), (dst, dport)) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let (seq, ack) = if from_client {
            (self.client_seq, self.server_seq)
        } else {
            (self.server_seq, self.client_seq)
        };
        let mut spec = FrameSpec::tcp(src, dst, sport, dport, data.to_vec());
        spec.tcp_flags = flags;
        spec.tcp_seq = seq;
        let ack = if flags & 0x10 != 0 { ack } else { 0 };
        site.spec(at, spec, ack, self.expected);
        let advance = data.len() as u32 + u32::from(flags & 0x03 != 0);
        if from_client {
            self.client_seq = self.client_seq.wrapping_add(advance);
        } else {
            self.server_seq = self.server_seq.wrapping_add(advance);
        }
    }

    /// The three-way handshake; returns the time after it.
    fn open(&mut self, site: &mut Site, at: u64) -> u64 {
        self.segment(site, at, true, 0x02, &[]);
        self.segment(site, at + LAN_RTT / 2, false, 0x12, &[]);
        self.segment(site, at + LAN_RTT, true, 0x10, &[]);
        at + LAN_RTT
    }

    fn client_sends(&mut self, site: &mut Site, at: u64, data: &[u8]) {
        self.segment(site, at, true, 0x18, data);
    }

    fn server_sends(&mut self, site: &mut Site, at: u64, data: &[u8]) {
        self.segment(site, at, false, 0x18, data);
    }

    fn client_ack(&mut self, site: &mut Site, at: u64) {
        self.segment(site, at, true, 0x10, &[]);
    }

    /// FIN from the client, FIN from the server, last ACK.
    fn close(&mut self, site: &mut Site, at: u64) {
        self.segment(site, at, true, 0x11, &[]);
        self.segment(site, at + LAN_RTT / 2, false, 0x11, &[]);
        self.segment(site, at + LAN_RTT, true, 0x10, &[]);
    }
}

/// The Ethernet frame of `spec` as the office's wire carries it: with the TCP
/// acknowledgement number `ack`, valid TCP/UDP checksums, and per-host MAC addresses.
pub(crate) fn office_frame(spec: &FrameSpec, ack: u32) -> Vec<u8> {
    let mut spec = spec.clone();
    spec.tcp_ack = ack;
    spec.transport_checksum = true;
    let (src, dst) = match spec.addresses {
        Addresses::V4(s, d) => (s, d),
        Addresses::V6(s, d) => ([s[12], s[13], s[14], s[15]], [d[12], d[13], d[14], d[15]]),
    };
    spec.src_mac = mac(src);
    spec.dst_mac = mac(dst);
    spec.ethernet()
}

/// A host's MAC address; hosts outside the office are reached through the router.
fn mac(ip: [u8; 4]) -> [u8; 6] {
    let ip = if ip[0] == 10 { ip } else { ROUTER };
    [0x00, 0x09, 0x0f, ip[1], ip[2], ip[3]]
}

pub(crate) fn arp(sender: [u8; 4], target: [u8; 4], reply: bool) -> Vec<u8> {
    let mut body = vec![0x00, 0x01, 0x08, 0x00, 6, 4, 0, if reply { 2 } else { 1 }];
    body.extend_from_slice(&mac(sender));
    body.extend_from_slice(&sender);
    body.extend_from_slice(&if reply { mac(target) } else { [0; 6] });
    body.extend_from_slice(&target);
    let mut out = ethernet_frame(
        if reply { mac(target) } else { [0xff; 6] },
        mac(sender),
        &[],
        ETHERTYPE_ARP,
        &body,
    );
    // Padded to Ethernet's minimum frame (without the frame check sequence).
    out.resize(60, 0);
    out
}

/// An ICMP echo as Windows sends it: its IPv4 header (identification 0x4d21, DF, TTL 128) is
/// not the one [`ipv4_packet`](crate::frame::ipv4_packet) writes.
pub(crate) fn icmp_echo(src: [u8; 4], dst: [u8; 4], seq: u16, reply: bool) -> Vec<u8> {
    let mut icmp = vec![if reply { 0 } else { 8 }, 0, 0, 0, 0x1a, 0x2b];
    icmp.extend_from_slice(&seq.to_be_bytes());
    icmp.extend(b"abcdefghijklmnopqrstuvwabcdefghi");
    let checksum = ipv4_checksum(&icmp);
    icmp[2..4].copy_from_slice(&checksum.to_be_bytes());
    let total = (20 + icmp.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0x4d, 0x21 + u8::from(reply), 0x40, 0, 128, 1, 0, 0]);
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let checksum = ipv4_checksum(&ip);
    ip[10..12].copy_from_slice(&checksum.to_be_bytes());
    ip.extend_from_slice(&icmp);
    ethernet_frame(mac(dst), mac(src), &[], ETHERTYPE_IPV4, &ip)
}

/// The headers that stay the same across one SIP dialog.
#[derive(Clone, Copy)]
pub(crate) struct Dialog<'a> {
    call_id: &'a str,
    /// The request sender's transport, address and port for the `Via` header.
    via: &'a str,
    from: &'a str,
    to: &'a str,
}

impl Dialog<'_> {
    fn headers(&self, cseq: u32, method: &str, body: &str) -> String {
        let Dialog {
            call_id,
            via,
            from,
            to,
        } = *self;
        let content_type = if body.is_empty() {
            ""
        } else {
            "Content-Type: application/sdp\r\n"
        };
        let host = via.split(' ').nth(1).unwrap_or(via);
        format!(
            "Via: SIP/2.0/{via};branch=z9hG4bK{cseq:04x}{method}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{from}>;tag=8a1f{cseq}\r\n\
             To: <sip:{to}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:{from_user}@{host}>\r\n\
             User-Agent: SwyxWare/8.0\r\n\
             {content_type}Content-Length: {}\r\n\r\n{body}",
            body.len(),
            from_user = from.split('@').next().unwrap_or(from),
        )
    }

    pub(crate) fn request(
        &self,
        request_line: &str,
        cseq: u32,
        method: &str,
        body: &str,
    ) -> Vec<u8> {
        format!("{request_line}\r\n{}", self.headers(cseq, method, body)).into_bytes()
    }

    pub(crate) fn response(&self, status: &str, cseq: u32, method: &str, body: &str) -> Vec<u8> {
        format!("SIP/2.0 {status}\r\n{}", self.headers(cseq, method, body)).into_bytes()
    }
}

/// A dialog of SwyxIt! (10.1.1.20:5070) with the server.
pub(crate) fn swyx_it_dialog(call_id: &str) -> Dialog<'_> {
    Dialog {
        call_id,
        via: "UDP 10.1.1.20:5070",
        from: "200@swyx.example.com",
        to: "100@swyx.example.com",
    }
}

fn sdp(host: [u8; 4], port: u16, media: &str, formats: &str) -> String {
    let ip = IpAddr::from(host);
    format!(
        "v=0\r\no=- 3581 3581 IN IP4 {ip}\r\ns=SwyxWare\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm={media} {port} {formats}\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n"
    )
}

fn sdp_t38(host: [u8; 4], port: u16) -> String {
    let ip = IpAddr::from(host);
    format!(
        "v=0\r\no=- 4101 4101 IN IP4 {ip}\r\ns=SwyxWare\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=image {port} udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\na=T38FaxRateManagement:transferredTCF\r\na=T38FaxUdpEC:t38UDPRedundancy\r\n"
    )
}

/// An RTP packet with `pt`, 160 bytes of G.711 A-law.
pub(crate) fn rtp(pt: u8, seq: u16, timestamp: u32, ssrc: u32, marker: bool) -> Vec<u8> {
    let mut out = vec![0x80, pt | if marker { 0x80 } else { 0 }];
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.extend(
        (0..160u32).map(|i| 0xd5 ^ ((i.wrapping_mul(2_654_435_761) ^ u32::from(seq)) >> 27) as u8),
    );
    out
}

/// An RTCP sender report without report blocks (28 bytes).
pub(crate) fn rtcp_sender_report(ssrc: u32, at: u64) -> Vec<u8> {
    let mut out = vec![0x80, 200, 0, 6];
    out.extend_from_slice(&ssrc.to_be_bytes());
    let micros = START_MICROS + at;
    let ntp_secs = (micros / 1_000_000 + 2_208_988_800) as u32;
    let ntp_frac = (((micros % 1_000_000) << 32) / 1_000_000) as u32;
    out.extend_from_slice(&ntp_secs.to_be_bytes());
    out.extend_from_slice(&ntp_frac.to_be_bytes());
    out.extend_from_slice(&((at / 125) as u32).to_be_bytes());
    out.extend_from_slice(&100u32.to_be_bytes());
    out.extend_from_slice(&16_000u32.to_be_bytes());
    out
}

/// A T.38 UDPTL packet: a CNG/CED indicator or V.21 HDLC data, with an empty redundancy
/// list.
pub(crate) fn udptl(seq: u16, indicator: bool, calling: bool) -> Vec<u8> {
    if indicator {
        // t30-indicator: CNG (1) from the calling side, CED (2) from the answering side, each
        // shifted past the extension bit and the type bit.
        let value = if calling { 1 } else { 2 };
        let mut out = seq.to_be_bytes().to_vec();
        out.extend_from_slice(&[0x01, value << 1, 0x00, 0x00]);
        return out;
    }
    // t30-data v21, one field of type hdlc-data with 4 bytes of data.
    let data = [0xff, 0x03, 0x20 | (seq as u8 & 0x0f), 0x55 ^ (seq as u8)];
    // Data field present, t30-data v21; one field: field-data present, hdlc-data; the
    // field-data length (minus one) in two octets.
    let mut ifp = vec![0xc0, 0x01, 0x80, 0x00];
    ifp.push(data.len() as u8 - 1);
    ifp.extend_from_slice(&data);
    let mut out = seq.to_be_bytes().to_vec();
    out.push(ifp.len() as u8);
    out.extend_from_slice(&ifp);
    out.extend_from_slice(&[0x00, 0x00]);
    out
}

/// A Q.931 message over TPKT (H.225 call signalling) with `message_type` (0x05 SETUP,
/// 0x02 CALL PROCEEDING, 0x01 ALERTING, 0x07 CONNECT, 0x5a RELEASE COMPLETE).
pub(crate) fn q931(call_reference: u16, from_destination: bool, message_type: u8) -> Vec<u8> {
    let flag = if from_destination { 0x80 } else { 0x00 };
    let mut body = vec![
        0x08,
        0x02,
        flag | (call_reference >> 8) as u8,
        call_reference as u8,
        message_type,
    ];
    match message_type {
        0x05 => {
            // Bearer capability (speech, 64 kbit/s, A-law), called party number.
            body.extend_from_slice(&[0x04, 0x03, 0x80, 0x90, 0xa3]);
            body.extend_from_slice(&[0x70, 0x0c, 0x81]);
            body.extend_from_slice(b"04923147770");
        }
        0x5a => body.extend_from_slice(&[0x08, 0x02, 0x80, 0x90]),
        _ => {}
    }
    let mut out = vec![0x03, 0x00];
    out.extend_from_slice(&((4 + body.len()) as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// An anonymous LDAPv3 simple bind (message id 1).
fn ldap_bind_request() -> Vec<u8> {
    vec![
        0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00,
    ]
}

/// An LDAP result (bindResponse 0x61, searchResDone 0x65): success.
fn ldap_result(message_id: u8, operation: u8) -> Vec<u8> {
    vec![
        0x30, 0x0c, 0x02, 0x01, message_id, operation, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04,
        0x00,
    ]
}

/// An LDAP searchResEntry for one contact (message id 2).
fn ldap_search_entry() -> Vec<u8> {
    fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![tag, value.len() as u8];
        out.extend_from_slice(value);
        out
    }
    let attribute = |name: &[u8], value: &[u8]| {
        tlv(
            0x30,
            &[tlv(0x04, name), tlv(0x31, &tlv(0x04, value))].concat(),
        )
    };
    let attributes = tlv(
        0x30,
        &[
            attribute(b"cn", b"Bob Miller"),
            attribute(b"telephoneNumber", b"+49 231 4777 201"),
        ]
        .concat(),
    );
    let entry = tlv(
        0x64,
        &[tlv(0x04, b"cn=Bob Miller,dc=example,dc=com"), attributes].concat(),
    );
    tlv(0x30, &[vec![0x02, 0x01, 0x02], entry].concat())
}

/// A CorNet-TC message (opaque here: a length-prefixed binary message).
pub(crate) fn cornet_message(round: u8, from_phone: bool) -> Vec<u8> {
    let mut body = vec![
        0x01,
        if from_phone { 0x21 } else { 0x22 },
        round,
        0x00,
        0x10,
        0x04,
    ];
    body.extend((0..18u8).map(|i| i.wrapping_mul(17) ^ round ^ u8::from(from_phone)));
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

/// A TLS 1.2 ClientHello record.
pub(crate) fn tls_client_hello() -> Vec<u8> {
    let mut hello = vec![0x03, 0x03];
    hello.extend((0..32u8).map(|i| i.wrapping_mul(73) ^ 0x5c));
    hello.push(0);
    hello.extend_from_slice(&[0x00, 0x04, 0xc0, 0x2f, 0x00, 0x9c]);
    hello.extend_from_slice(&[0x01, 0x00]);
    hello.extend_from_slice(&[0x00, 0x00]);
    handshake_record(0x01, &hello)
}

/// A TLS 1.2 ServerHello record.
fn tls_server_hello() -> Vec<u8> {
    let mut hello = vec![0x03, 0x03];
    hello.extend((0..32u8).map(|i| i.wrapping_mul(41) ^ 0xa3));
    hello.push(0);
    hello.extend_from_slice(&[0xc0, 0x2f, 0x00]);
    hello.extend_from_slice(&[0x00, 0x00]);
    handshake_record(0x02, &hello)
}

fn handshake_record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0x16, 0x03, 0x01];
    out.extend_from_slice(&((4 + body.len()) as u16).to_be_bytes());
    out.push(kind);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// A TLS record of `len` opaque bytes.
pub(crate) fn tls_record(content_type: u8, len: u16, seed: u8) -> Vec<u8> {
    let mut out = vec![content_type, 0x03, 0x03];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend(payload::noise(usize::from(len), seed));
    out
}

fn http_response(content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn dns_name() -> &'static [u8] {
    b"\x0aswyxserver\x07example\x03com\x00"
}

pub(crate) fn dns_query(id: u16) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(dns_name());
    out.extend_from_slice(&[0, 1, 0, 1]);
    out
}

fn dns_response(id: u16) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    out.extend_from_slice(dns_name());
    out.extend_from_slice(&[0, 1, 0, 1]);
    out.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]);
    out.extend_from_slice(&SWYX_SERVER);
    out
}
