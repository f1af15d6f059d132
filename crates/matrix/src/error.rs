use core::fmt;

/// Why a matrix file was rejected, with the 1-based line it was found on.
///
/// ```
/// use swyx_matrix::{Matrix, MatrixErrorKind};
/// let error = Matrix::parse("matrix test\ncomponent swyx_server\nrow A | SIP | sip | sctp | 5060 | |\n")
///     .unwrap_err();
/// assert_eq!(error.line, 3);
/// assert!(matches!(error.kind, MatrixErrorKind::UnknownTransport(_)));
/// assert_eq!(error.to_string(), "matrix line 3: unknown transport `sctp` (expected udp, tcp or udp+tcp)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixError {
    /// The 1-based line number (0 for errors about the file as a whole or about overrides).
    pub line: usize,
    /// What is wrong.
    pub kind: MatrixErrorKind,
}

/// What is wrong in a matrix file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatrixErrorKind {
    /// The line starts with a word that is not `matrix`, `param`, `component` or `row`.
    UnknownDirective(String),
    /// The `matrix` line is missing, repeated, or not first.
    MatrixLine,
    /// A `row` line before any `component` line.
    RowBeforeComponent,
    /// A component id that is not one of [`Component`](crate::Component)'s.
    UnknownComponent(String),
    /// A component's table opened twice.
    DuplicateComponent(String),
    /// A row with the wrong number of `|`-separated fields.
    FieldCount {
        /// Fields found.
        found: usize,
    },
    /// A label id that is not one of [`Label`](crate::Label)'s.
    UnknownLabel(String),
    /// The same label twice in a row, or more than [`Labels::MAX`](crate::Labels::MAX).
    BadLabels(String),
    /// A transport other than `udp`, `tcp`, `udp+tcp`.
    UnknownTransport(String),
    /// The ports field does not parse; the text says where.
    BadPorts(String),
    /// A port bound outside 0..=65535.
    PortOutOfRange(i64),
    /// A range whose low bound is above its high bound.
    EmptyRange {
        /// Evaluated low bound.
        low: i64,
        /// Evaluated high bound.
        high: i64,
    },
    /// A parameter used before it was declared, or an override of an undeclared parameter.
    UnknownParam(String),
    /// An override key that several parameters end in (`LowerBoundSipPort`): give the
    /// component too.
    AmbiguousParam {
        /// The key as given.
        key: String,
        /// Every parameter it could name.
        candidates: Vec<String>,
    },
    /// Overrides that make a row's ports invalid (an empty or inverted range, a port outside
    /// 0..=65535); the error's line is the row's.
    BadOverride {
        /// The overrides in force, `name=value` joined by `, `.
        overrides: String,
        /// What is wrong with the row's ports.
        problem: Box<MatrixErrorKind>,
    },
    /// A parameter declared twice.
    DuplicateParam(String),
    /// A `param` line that is not `param Name = integer`.
    BadParam(String),
    /// The file has no rows.
    NoRows,
    /// More rows than a table can index.
    TooManyRows,
    /// More distinct port sets than a port table can index.
    TableTooLarge,
}

impl fmt::Display for MatrixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "matrix line {}: ", self.line)?;
        } else {
            f.write_str("matrix: ")?;
        }
        match &self.kind {
            MatrixErrorKind::UnknownDirective(word) => write!(
                f,
                "unknown line `{word}` (expected matrix, param, component or row)"
            ),
            MatrixErrorKind::MatrixLine => {
                f.write_str("the file must start with exactly one `matrix <name>` line")
            }
            MatrixErrorKind::RowBeforeComponent => {
                f.write_str("a row appears before any component line")
            }
            MatrixErrorKind::UnknownComponent(id) => write!(f, "unknown component `{id}`"),
            MatrixErrorKind::DuplicateComponent(id) => {
                write!(f, "component `{id}` has a second table")
            }
            MatrixErrorKind::FieldCount { found } => write!(
                f,
                "a row has 7 fields separated by `|`, this one has {found}"
            ),
            MatrixErrorKind::UnknownLabel(id) => write!(f, "unknown label `{id}`"),
            MatrixErrorKind::BadLabels(text) => write!(
                f,
                "labels `{text}` repeat a label or name more than {}",
                crate::Labels::MAX
            ),
            MatrixErrorKind::UnknownTransport(text) => write!(
                f,
                "unknown transport `{text}` (expected udp, tcp or udp+tcp)"
            ),
            MatrixErrorKind::BadPorts(why) => write!(f, "bad ports: {why}"),
            MatrixErrorKind::PortOutOfRange(value) => {
                write!(f, "port {value} is outside 0..=65535")
            }
            MatrixErrorKind::EmptyRange { low, high } => {
                write!(f, "range {low}-{high} is empty (low above high)")
            }
            MatrixErrorKind::UnknownParam(name) => write!(f, "unknown parameter `{name}`"),
            MatrixErrorKind::AmbiguousParam { key, candidates } => write!(
                f,
                "parameter `{key}` is ambiguous: it may be {}",
                candidates.join(", ")
            ),
            MatrixErrorKind::BadOverride { overrides, problem } => {
                let problem = MatrixError {
                    line: 0,
                    kind: (**problem).clone(),
                }
                .to_string();
                let problem = problem.strip_prefix("matrix: ").unwrap_or(&problem);
                write!(f, "with {overrides}: {problem}")
            }
            MatrixErrorKind::DuplicateParam(name) => {
                write!(f, "parameter `{name}` is declared twice")
            }
            MatrixErrorKind::BadParam(text) => write!(
                f,
                "bad parameter `{text}` (expected `param Name = integer`)"
            ),
            MatrixErrorKind::NoRows => f.write_str("the file has no rows"),
            MatrixErrorKind::TooManyRows => f.write_str("more than 65535 rows"),
            MatrixErrorKind::TableTooLarge => {
                f.write_str("more distinct port sets than a port table can index")
            }
        }
    }
}

impl std::error::Error for MatrixError {}
