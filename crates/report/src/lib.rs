//! What the batch tool prints, as a library: a [`Summary`] that counts the verdicts of a
//! [`swyx_flow::Tracker`] (label x component: packets, bytes, flows; unclassified by reason),
//! and the line formats of packets and flows in JSON and CSV; and, from the port matrix alone,
//! the [`firewall`] rules of every component (table, JSON, nftables, Windows commands); and,
//! holding captures against the matrix, the [`services`] they used (with the flows a firewall
//! built from the document would block and the rows never seen) and the [`hosts`] view.
//!
//! A crate apart from `swyx-flow` so that an embedder of the tracker pulls no serde.
//!
//! ```
//! use swyx_classify::classify;
//! use swyx_flow::Tracker;
//! use swyx_report::Summary;
//!
//! let mut frame = swyx_classify::doc_frame(); // Ethernet, IPv4, UDP, RTP to 50100
//! let mut tracker = Tracker::swyxware_2013();
//! let mut summary = Summary::new("example", "in memory");
//! for index in 0..2 {
//!     frame[45] = index as u8; // the RTP sequence number steps forward
//!     tracker.push(index, index * 20_000_000, frame.len() as u32, &classify(&frame), &mut summary);
//! }
//! tracker.finish(&mut summary);
//! assert_eq!(summary.packets().packets, 2);
//! assert_eq!(summary.flows(), 1);
//! let mut text = Vec::new();
//! summary.write_human(&mut text)?;
//! assert!(String::from_utf8(text).unwrap().contains("rtp"));
//! # Ok::<(), std::io::Error>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod csv;
pub mod firewall;
pub mod hosts;
mod lines;
pub mod services;
mod summary;
mod table;

pub use lines::{FlowLine, FlowWriter, Format, PacketLine, PacketWriter};
pub use summary::Summary;

/// `seconds.nanoseconds` of a capture time in nanoseconds, exactly.
pub fn timestamp(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}
