//! Test scaffolding of the SwyxWare traffic classifier: frames built field by field, payloads
//! for every label, capture writers, the office scenario behind the shipped capture, shuffled
//! mixes for benchmarks, and the fuzz target bodies. Not published; the tests, benches,
//! examples and fuzz targets of the workspace are made with it.
//!
//! ```
//! use swyx_classify::{classify, Label};
//! use swyx_testkit::{payload, FrameSpec};
//!
//! let frame = FrameSpec::udp([10, 1, 1, 20], [10, 1, 1, 10], 5070, 5060, payload::sip_invite()).ethernet();
//! assert_eq!(classify(&frame).label(), Some(Label::Sip));
//! ```
//!
//! | module       | what it builds                                                          |
//! |--------------|-------------------------------------------------------------------------|
//! | [`frame`]    | Ethernet, SLL, NULL and raw IP frames over IPv4/IPv6, TCP/UDP; VLAN,   |
//! |              | PPPoE, MPLS, GRE, ERSPAN and VXLAN around them                          |
//! | [`payload`]  | real-looking payloads for every label, and some that are none of them   |
//! | [`capture`]  | legacy pcap and pcapng files                                             |
//! | [`scenario`] | the office scenario of `captures/swyx-office.pcap`, with expectations   |
//! | [`mix`]      | shuffled frames of a busy network for benches and large captures        |
//! | [`fuzz`]     | the fuzz target bodies, run by `cargo fuzz` and the corpus replay test  |

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod bench;
pub mod capture;
mod collect;
pub mod frame;
pub mod fuzz;
pub mod mix;
pub mod moved;
pub mod payload;
pub mod scenario;

pub use collect::Collect;
pub use frame::{Addresses, Encapsulation, FrameSpec};
