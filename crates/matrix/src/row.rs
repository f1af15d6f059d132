use crate::{Component, Labels};
use core::fmt;

/// The transport protocol a row (and a packet) uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// UDP: a datagram is a whole message.
    Udp,
    /// TCP: a segment may start anywhere in a stream.
    Tcp,
}

impl Transport {
    /// `"udp"` or `"tcp"`.
    pub const fn id(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        })
    }
}

/// How a row's component uses the row's ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The component listens on (owns) the port.
    Listens,
    /// The component connects *to* the port from an undetermined source port: the
    /// "undetermined, outgoing" CDS rows and the "destination N" rows. The component sits at
    /// the other end of the packet from the port.
    Connects,
}

impl Role {
    /// `"listens"` or `"connects"`.
    pub const fn id(self) -> &'static str {
        match self {
            Role::Listens => "listens",
            Role::Connects => "connects",
        }
    }
}

/// An inclusive port range of a row, with whether TLS is spoken on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    /// First port of the range.
    pub low: u16,
    /// Last port of the range (inclusive).
    pub high: u16,
    /// TLS is spoken on these ports (a TLS record header confirms the row).
    pub tls: bool,
}

impl PortRange {
    /// Whether `port` lies in the range.
    #[inline]
    pub const fn contains(&self, port: u16) -> bool {
        self.low <= port && port <= self.high
    }

    /// The number of ports in the range.
    #[inline]
    pub const fn width(&self) -> u32 {
        self.high as u32 - self.low as u32 + 1
    }

    /// Whether the range is *broad*: wider than any port block a single service allocates.
    /// See [`BROAD_RANGE_WIDTH`](crate::BROAD_RANGE_WIDTH).
    #[inline]
    pub const fn is_broad(&self) -> bool {
        self.width() > crate::BROAD_RANGE_WIDTH
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)?;
        } else {
            write!(f, "{}-{}", self.low, self.high)?;
        }
        if self.tls {
            f.write_str(" tls")?;
        }
        Ok(())
    }
}

/// One row of a component's table in the port matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The component whose table holds the row.
    pub component: Component,
    /// The document's "Classification" column (CallControl, Audio, ...).
    pub classification: String,
    /// The document's "Protocol" column, as written (empty where it names none).
    pub protocol: String,
    /// The labels the row may carry; empty for rows that name no protocol.
    pub labels: Labels,
    /// The row applies to UDP.
    pub udp: bool,
    /// The row applies to TCP.
    pub tcp: bool,
    /// Whether the component listens on the ports or connects to them.
    pub role: Role,
    /// The port ranges, evaluated.
    pub ranges: Vec<PortRange>,
    /// The ports field as the file writes it, parameters unevaluated
    /// (`swyx_server.RTPFirstPort-swyx_server.RTPLastPort`).
    pub ports: String,
    /// The document's "Configurable via" column.
    pub configurable_via: String,
    /// The document's own port text ("5000-5020 (meist 5012/13)").
    pub seed_ports: String,
    /// The 1-based line of the matrix file the row came from.
    pub line: usize,
}

impl Row {
    /// Whether the row applies to `transport`.
    #[inline]
    pub const fn has_transport(&self, transport: Transport) -> bool {
        match transport {
            Transport::Udp => self.udp,
            Transport::Tcp => self.tcp,
        }
    }
}

/// A parsed port matrix: its name, parameters and rows in document order.
///
/// ```
/// use swyx_matrix::{Component, Matrix};
/// let matrix = Matrix::swyxware_2013();
/// assert_eq!(matrix.name, "SwyxWare 2013");
/// assert!(matrix.rows.iter().any(|row| row.component == Component::MediaPack));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// The `matrix` line's name.
    pub name: String,
    /// The parameters with their values in force (after overrides), in file order.
    pub params: Vec<(String, i64)>,
    /// Every row, in file order; a row's index here is its "matrix order".
    pub rows: Vec<Row>,
}

impl Matrix {
    /// The SwyxWare 2013 matrix file shipped with this crate.
    pub const SWYXWARE_2013: &'static str = include_str!("../data/swyxware-2013.matrix");

    /// The SwyxWare 2013 matrix with its default parameters.
    pub fn swyxware_2013() -> Matrix {
        match Matrix::parse(Matrix::SWYXWARE_2013) {
            Ok(matrix) => matrix,
            // The shipped file is parsed by a unit test; this arm cannot be reached.
            Err(error) => unreachable!("the shipped matrix file is valid: {error}"),
        }
    }

    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<i64> {
        self.params.iter().find(|(n, _)| n == name).map(|&(_, v)| v)
    }
}
