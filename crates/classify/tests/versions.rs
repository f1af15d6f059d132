//! Matrix versions chosen by name: a table is generated for every matrix file shipped in
//! swyx-matrix's `data/` folder, `example-moved-rtp.matrix` being the 2013 matrix with the
//! SwyxServer's RTP ports moved to 40000-40499.

use swyx_classify::{
    table_by_name, Classifier, Component, Label, Transport, MATRIX_NAMES, SWYXWARE_2013_TABLE,
};

/// An RTP v2 packet: version 2, payload type 0, sequence 1, timestamp 0, SSRC 1, two bytes.
const RTP: [u8; 14] = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff];

#[test]
fn names_are_the_matrix_file_stems_in_order() {
    assert_eq!(MATRIX_NAMES, ["example-moved-rtp", "swyxware-2013"]);
}

#[test]
fn the_swyxware_2013_name_picks_the_default_table() {
    assert_eq!(table_by_name("swyxware-2013"), Some(SWYXWARE_2013_TABLE));
    let classifier = Classifier::by_name("swyxware-2013").unwrap();
    assert_eq!(classifier.table(), Classifier::swyxware_2013().table());
}

#[test]
fn an_unknown_name_picks_no_table() {
    assert!(Classifier::by_name("swyxware-1999").is_none());
    assert!(Classifier::by_name("").is_none());
    assert!(table_by_name("swyxware_2013").is_none());
}

#[test]
fn the_moved_rtp_version_labels_rtp_on_40002_as_swyx_server() {
    let classifier = Classifier::by_name("example-moved-rtp").unwrap();
    let result = classifier.classify_transport(Transport::Udp, 40002, 9, &RTP, RTP.len());
    assert_eq!(result.label(), Some(Label::Rtp));
    assert_eq!(result.component(), Some(Component::SwyxServer));
    // Its old range is not the SwyxServer's any more.
    let old = classifier.classify_transport(Transport::Udp, 51002, 9, &RTP, RTP.len());
    assert_ne!(old.component(), Some(Component::SwyxServer));
}

#[test]
fn the_2013_version_does_not_label_rtp_on_40002_as_swyx_server() {
    for classifier in [
        Classifier::by_name("swyxware-2013").unwrap(),
        Classifier::swyxware_2013(),
    ] {
        let result = classifier.classify_transport(Transport::Udp, 40002, 9, &RTP, RTP.len());
        assert_ne!(result.component(), Some(Component::SwyxServer));
        let default = classifier.classify_transport(Transport::Udp, 51002, 9, &RTP, RTP.len());
        assert_eq!(default.component(), Some(Component::SwyxServer));
    }
}
