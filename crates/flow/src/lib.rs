//! Flows above the SwyxWare packet classifier.
//!
//! (Crate docs: see below.)

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod key;
mod staging;
mod table;
mod tracker;
mod verdict;

pub use config::Config;
pub use key::Endpoint;
pub use tracker::{Stats, Tracker};
pub use verdict::{
    Addressing, Count, DecidedBy, EndReason, FlowEvidence, FlowId, FlowReason, FlowRecord,
    Labelled, PacketVerdict, Sink, Verdict,
};
