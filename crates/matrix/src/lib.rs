//! The SwyxWare port matrix as data: the eleven [`Label`]s, the nineteen [`Component`]s, the
//! matrix file format and its parser, and the [`PortTable`] that the classifier's hot path
//! reads.
//!
//! ```
//! use swyx_matrix::{Component, Label, Matrix, OwnedPortTable, Transport};
//!
//! // A site that moved the SwyxServer's RTP ports.
//! let matrix = Matrix::parse_with(Matrix::SWYXWARE_2013, &[("RTPFirstPort", 40000), ("RTPLastPort", 40499)])?;
//! let table = OwnedPortTable::build(&matrix)?;
//! let first = table.table().lookup(Transport::Udp, 40000)[0];
//! assert_eq!((first.component, first.labels.first()), (Component::SwyxServer, Some(Label::Rtp)));
//! # Ok::<(), swyx_matrix::MatrixError>(())
//! ```
//!
//! The shipped file, [`Matrix::SWYXWARE_2013`], mirrors every table and row of the SwyxWare
//! 2013 port document; its header describes the format. This crate has no dependencies: the
//! classifier's `build.rs` uses it to generate its default table at compile time, and the same
//! [`OwnedPortTable::build`] builds custom tables at run time.
//!
//! The module `layout` (hidden from these docs) holds the table's internal layout, for the
//! generated table and the classifier only: it is outside semver.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod component;
mod error;
mod label;
#[doc(hidden)]
pub mod layout;
mod parse;
mod row;
mod table;

pub use component::Component;
pub use error::{MatrixError, MatrixErrorKind};
pub use label::{Label, Labels};
pub use row::{Matrix, PortRange, Role, Row, Transport};
pub use table::{Entry, OwnedPortTable, PortTable, BROAD_RANGE_WIDTH};
