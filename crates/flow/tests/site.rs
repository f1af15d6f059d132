//! The site inventory: attribution to the listed hosts' components, and no label from the
//! shared rows between hosts it does not list.

use swyx_classify::{Classifier, Component, Label, Reason};
use swyx_flow::{Config, DecidedBy, FlowReason, Site, Tracker, Verdict};
use swyx_testkit::{payload, Collect, FrameSpec};

const PC: [u8; 4] = [10, 1, 8, 20];
const PHONE: [u8; 4] = [10, 1, 20, 5];
/// Not in the inventory: a laptop on the guest network, a cloud meeting service.
const GUEST: [u8; 4] = [192, 168, 50, 7];
const CLOUD: [u8; 4] = [52, 112, 0, 9];

const INVENTORY: &str = "\
# servers
10.1.1.10      swyx_server
10.1.8.0/22    swyx_it        # office PCs
10.1.20.0/24   swyx_phone_l4xx
";

fn track(site: Option<&str>, frames: &[Vec<u8>]) -> Collect {
    let mut tracker = Tracker::new(Classifier::swyxware_2013(), Config::default());
    if let Some(text) = site {
        tracker.set_site(Site::parse(text).expect("valid inventory"));
    }
    Collect::run(tracker, frames, 20_000_000)
}

/// `count` RTP packets of one stream from `src`:`sport` to `dst`:`dport`.
fn rtp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, count: u16) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let body = payload::rtp(i, u32::from(i) * 160);
            FrameSpec::udp(src, dst, sport, dport, body).ethernet()
        })
        .collect()
}

fn labels(out: &Collect) -> Vec<(Option<Label>, Option<Component>)> {
    out.packets
        .iter()
        .map(|p| (p.verdict.label(), p.verdict.component()))
        .collect()
}

#[test]
fn a_listed_host_gets_its_component_where_the_matrix_allows_it() {
    // SwyxIt! and the MobileExtensionManager share 50000-50999; the matrix's order picks the
    // MobileExtensionManager, the inventory says the PC runs SwyxIt!.
    let frames = rtp(PC, CLOUD, 50100, 3480, 6);
    let without = track(None, &frames);
    assert!(labels(&without)[1..]
        .iter()
        .all(|&l| l == (Some(Label::Rtp), Some(Component::MobileExtensionManager))));
    let with = track(Some(INVENTORY), &frames);
    assert!(
        labels(&with)[1..]
            .iter()
            .all(|&l| l == (Some(Label::Rtp), Some(Component::SwyxIt))),
        "{:?}",
        labels(&with)
    );
    let flow = &with.flows[0];
    assert_eq!(flow.verdict.component(), Some(Component::SwyxIt));
}

#[test]
fn the_peer_is_the_other_listed_hosts_component() {
    // The PC's SwyxIt! (50100) talks to a desk phone (5012): the phone's narrower range decides,
    // and the inventory names the PC's end as SwyxIt!, not the MobileExtensionManager.
    let frames = rtp(PC, PHONE, 50100, 5012, 6);
    let out = track(Some(INVENTORY), &frames);
    let last = out.packets.last().unwrap().verdict;
    let labelled = last.labelled().expect("labelled");
    assert_eq!(labelled.component, Component::SwyxPhoneL4xx);
    assert_eq!(labelled.peer, Some(Component::SwyxIt));
}

#[test]
fn a_listed_component_the_matrix_does_not_allow_there_leaves_the_matrixs_choice() {
    // The inventory calls the PC a SwyxServer, whose RTP range is 51000-51499: on 50100 the
    // matrix's choice stands.
    let site = "10.1.8.20 swyx_server\n";
    let out = track(Some(site), &rtp(PC, CLOUD, 50100, 3480, 6));
    assert_eq!(
        out.packets.last().unwrap().verdict.component(),
        Some(Component::MobileExtensionManager)
    );
}

#[test]
fn media_between_hosts_the_site_does_not_list_is_not_labelled() {
    // A guest laptop's meeting client on SwyxIt!'s range: no SwyxWare host at either end.
    let frames = rtp(GUEST, CLOUD, 50100, 3480, 6);
    assert!(labels(&track(None, &frames))[1..]
        .iter()
        .all(|l| l.0 == Some(Label::Rtp)));
    let out = track(Some(INVENTORY), &frames);
    for packet in &out.packets {
        assert_eq!(
            packet.verdict,
            Verdict::Unclassified(FlowReason::Packet(Reason::NotASiteHost)),
            "packet {}",
            packet.index
        );
    }
    assert_eq!(
        out.flows[0].verdict.reason().map(|r| r.id()),
        Some("not_a_site_host")
    );
    // T.38 on SwyxGate's range, and a broad row (SwyxDect 800's SIP on 2048-65535), too.
    let t38: Vec<Vec<u8>> = (0..6)
        .map(|i| FrameSpec::udp(GUEST, CLOUD, 52010, 52020, payload::udptl(i)).ethernet())
        .collect();
    let out = track(Some(INVENTORY), &t38);
    assert!(out
        .packets
        .iter()
        .all(|p| p.verdict.reason() == Some(FlowReason::Packet(Reason::NotASiteHost))));
    let broad =
        vec![FrameSpec::udp(GUEST, CLOUD, 30000, 30002, payload::sip_invite()).ethernet(); 2];
    let out = track(Some(INVENTORY), &broad);
    assert_eq!(
        out.packets[0].verdict.reason(),
        Some(FlowReason::Packet(Reason::NotASiteHost))
    );
    assert_eq!(
        track(None, &broad).packets[1].verdict.label(),
        Some(Label::Sip)
    );
}

#[test]
fn swyxware_ports_still_label_between_unlisted_hosts() {
    // SIP on 5060 is SwyxWare's own row: an unlisted SIP trunk provider still speaks SIP.
    let frames = vec![FrameSpec::udp(GUEST, CLOUD, 5060, 5060, payload::sip_invite()).ethernet()];
    let out = track(Some(INVENTORY), &frames);
    assert_eq!(out.packets[0].verdict.label(), Some(Label::Sip));
}

#[test]
fn media_that_signalling_announced_keeps_its_label_between_unlisted_hosts() {
    // An unlisted SIP trunk (GUEST) offers media on 50100 to an unlisted gateway (CLOUD).
    let sdp = "v=0\r\no=- 1 1 IN IP4 192.168.50.7\r\ns=-\r\nc=IN IP4 192.168.50.7\r\nt=0 0\r\n\
         m=audio 50100 RTP/AVP 8\r\n";
    let invite = format!(
        "INVITE sip:b@52.112.0.9 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.50.7:5060;branch=z9hG4bK1\r\n\
         From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: trunk-1\r\nCSeq: 1 INVITE\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    );
    let mut frames = vec![FrameSpec::udp(GUEST, CLOUD, 5060, 5060, invite.into_bytes()).ethernet()];
    frames.extend(rtp(CLOUD, GUEST, 3480, 50100, 6));
    let out = track(Some(INVENTORY), &frames);
    for packet in &out.packets[1..] {
        let labelled = packet
            .verdict
            .labelled()
            .expect("announced media is labelled");
        assert_eq!(
            (labelled.label, labelled.decided_by),
            (Label::Rtp, DecidedBy::Signalling)
        );
    }
}

#[test]
fn ipv6_hosts_and_networks_are_listed_too() {
    // `into_ipv6` maps the PC to 2001:db8::a01:814 and the cloud to 2001:db8::3470:9.
    let site = "2001:db8::a01:800/120 swyx_it\n";
    let frames: Vec<Vec<u8>> = (0..6)
        .map(|i| {
            FrameSpec::udp(PC, CLOUD, 50100, 3480, payload::rtp(i, u32::from(i) * 160))
                .into_ipv6()
                .ethernet()
        })
        .collect();
    let out = track(Some(site), &frames);
    assert_eq!(
        out.packets.last().unwrap().verdict.component(),
        Some(Component::SwyxIt)
    );
    let unlisted = track(Some("2001:db8::a01:900/120 swyx_it\n"), &frames);
    assert_eq!(
        unlisted.packets.last().unwrap().verdict.reason(),
        Some(FlowReason::Packet(Reason::NotASiteHost))
    );
}
