//! SwyxWare traffic classification: the library crates re-exported in one place.
//!
//! ```
//! use swyx_traffic::classify::{classify, Label};
//! let frame = swyx_traffic::classify::doc_frame(); // Ethernet, IPv4, UDP, RTP
//! assert_eq!(classify(&frame).label(), Some(Label::Rtp));
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use swyx_classify as classify;
pub use swyx_flow as flow;
pub use swyx_matrix as matrix;
pub use swyx_pcap as pcap;
pub use swyx_report as report;

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
