//! `classify` and `candidates` allocate nothing: a counting global allocator proves it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use swyx_classify::{Classifier, LinkType};
use swyx_testkit::frame::{Gre, GrePayload};
use swyx_testkit::{payload, Addresses, Encapsulation, FrameSpec};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the thread-local counter
// is a const-initialised `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn classify_and_candidates_do_not_allocate() {
    let a = [10, 1, 1, 20];
    let b = [10, 1, 1, 10];
    let frames: Vec<(LinkType, Vec<u8>)> = vec![
        (
            LinkType::Ethernet,
            FrameSpec::udp(a, b, 5070, 5060, payload::sip_invite()).ethernet(),
        ),
        (
            LinkType::Ethernet,
            FrameSpec::udp(a, b, 50100, 51000, payload::rtp(1, 2)).ethernet(),
        ),
        (
            LinkType::Ethernet,
            FrameSpec::udp(a, b, 52010, 4000, payload::udptl(3)).ethernet(),
        ),
        (
            LinkType::LinuxSll2,
            FrameSpec::tcp(a, b, 1031, 1720, payload::h225_setup())
                .into_ipv6()
                .link(LinkType::LinuxSll2),
        ),
        (
            LinkType::RawIp,
            FrameSpec::tcp(a, b, 49152, 443, payload::tls_client_hello()).link(LinkType::RawIp),
        ),
        (
            LinkType::Null,
            FrameSpec::udp(a, b, 1033, 123, payload::ntp_client()).link(LinkType::Null),
        ),
        (LinkType::Ethernet, vec![0u8; 7]),
        // Every encapsulation, nested: PPPoE, then GRE with ERSPAN type III around VXLAN
        // around MPLS.
        (LinkType::Ethernet, {
            let mut spec = FrameSpec::udp(a, b, 5070, 5060, payload::sip_invite());
            let outer = Addresses::V4([192, 0, 2, 1], [192, 0, 2, 2]);
            spec.encapsulations = vec![
                Encapsulation::Pppoe(1),
                Encapsulation::Gre(Gre::new(outer, GrePayload::ErspanIII { platform: true })),
                Encapsulation::Vxlan {
                    outer,
                    src_port: 49152,
                    vni: 7,
                },
                Encapsulation::Mpls(vec![16, 17]),
            ];
            spec.ethernet()
        }),
    ];
    let classifier = Classifier::swyxware_2013();
    let before = allocations();
    let mut labelled = 0;
    for (link, frame) in &frames {
        let result = classifier.classify_link(*link, frame);
        labelled += usize::from(result.label().is_some());
        labelled += classifier
            .candidates(&result)
            .filter(|c| c.counts())
            .count();
    }
    let after = allocations();
    assert_eq!(after - before, 0, "allocations during classification");
    assert!(
        labelled > frames.len(),
        "the frames were classified: {labelled}"
    );
    let probe: Vec<u8> = Vec::with_capacity(16);
    assert_eq!(allocations(), after + 1, "the counter sees an allocation");
    drop(probe);
}
