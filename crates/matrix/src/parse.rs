//! The matrix file parser. The format is described at the top of the shipped file,
//! `data/swyxware-2013.matrix`.

use crate::{Component, Label, Labels, Matrix, MatrixError, MatrixErrorKind, PortRange, Role, Row};

/// Parentheses nest at most this deep in a port expression.
const MAX_DEPTH: usize = 32;

impl Matrix {
    /// Parses a matrix file with its own parameter values.
    ///
    /// ```
    /// use swyx_matrix::{Component, Matrix, Role};
    /// let matrix = Matrix::parse(
    ///     "matrix example\n\
    ///      component swyx_it\n\
    ///      row VisualContacts | LDAP | ldap | udp+tcp | connects 712 | | destination 712\n",
    /// )?;
    /// assert_eq!(matrix.rows[0].component, Component::SwyxIt);
    /// assert_eq!(matrix.rows[0].role, Role::Connects);
    /// assert_eq!(matrix.rows[0].ranges[0].low, 712);
    /// # Ok::<(), swyx_matrix::MatrixError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`MatrixError`] naming the first line that breaks the format (its
    /// [`MatrixErrorKind`] says how); line 0 for a file without a `matrix` line or without
    /// rows.
    pub fn parse(text: &str) -> Result<Matrix, MatrixError> {
        Matrix::parse_with(text, &[])
    }

    /// Parses a matrix file, replacing the values of the named parameters: a site that moved
    /// the SwyxServer's RTP ports, or a SwyxConnect 6xxx with 8 channels.
    ///
    /// ```
    /// use swyx_matrix::{Component, Label, Matrix};
    /// let matrix = Matrix::parse_with(Matrix::SWYXWARE_2013, &[("swyx_connect_6xxx.Channels", 8)])?;
    /// let media = matrix.rows.iter()
    ///     .find(|r| r.component == Component::SwyxConnect6xxx && r.labels.contains(Label::Rtp))
    ///     .unwrap();
    /// assert_eq!((media.ranges[0].low, media.ranges[0].high), (6000, 6070));
    /// # Ok::<(), swyx_matrix::MatrixError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Matrix::parse`], and [`MatrixErrorKind::UnknownParam`] for an override of a
    /// parameter the file does not declare.
    pub fn parse_with(text: &str, overrides: &[(&str, i64)]) -> Result<Matrix, MatrixError> {
        if overrides.is_empty() {
            return Matrix::parse_resolved(text, &[]);
        }
        // The file's own values first: they name the parameters the overrides may use.
        let defaults = Matrix::parse_resolved(text, &[])?;
        let mut resolved: Vec<(&str, i64)> = Vec::with_capacity(overrides.len());
        for &(key, value) in overrides {
            let name = defaults
                .resolve_param(key)
                .map_err(|kind| MatrixError { line: 0, kind })?;
            resolved.push((name, value));
        }
        Matrix::parse_resolved(text, &resolved).map_err(|error| blame_override(error, &resolved))
    }

    /// The full name of parameter `key`: `key` itself when the matrix declares it, else the one
    /// parameter whose name ends in `.key` (`RTPFirstPort` is `swyx_server.RTPFirstPort`).
    ///
    /// ```
    /// use swyx_matrix::{Matrix, MatrixErrorKind};
    /// let matrix = Matrix::swyxware_2013();
    /// assert_eq!(matrix.resolve_param("RTPFirstPort"), Ok("swyx_server.RTPFirstPort"));
    /// assert_eq!(matrix.resolve_param("swyx_gate.LowerBoundSipPort"), Ok("swyx_gate.LowerBoundSipPort"));
    /// // Three components have a LowerBoundSipPort.
    /// assert!(matches!(matrix.resolve_param("LowerBoundSipPort"), Err(MatrixErrorKind::AmbiguousParam { .. })));
    /// ```
    ///
    /// # Errors
    ///
    /// [`MatrixErrorKind::UnknownParam`] when no parameter has that name,
    /// [`MatrixErrorKind::AmbiguousParam`] (naming every candidate) when several end in it.
    pub fn resolve_param(&self, key: &str) -> Result<&str, MatrixErrorKind> {
        if let Some((name, _)) = self.params.iter().find(|(name, _)| name == key) {
            return Ok(name);
        }
        let mut candidates = self
            .params
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| {
                name.len() > key.len()
                    && name.ends_with(key)
                    && name.as_bytes()[name.len() - key.len() - 1] == b'.'
            });
        match (candidates.next(), candidates.next()) {
            (Some(name), None) => Ok(name),
            (None, _) => Err(MatrixErrorKind::UnknownParam(key.to_string())),
            (Some(first), Some(second)) => {
                let mut all = vec![first.to_string(), second.to_string()];
                all.extend(candidates.map(str::to_string));
                Err(MatrixErrorKind::AmbiguousParam {
                    key: key.to_string(),
                    candidates: all,
                })
            }
        }
    }

    /// The rows whose ports use parameter `name` (its full name).
    ///
    /// ```
    /// use swyx_matrix::{Component, Matrix};
    /// let matrix = Matrix::swyxware_2013();
    /// let rows: Vec<_> = matrix.rows_using("swyx_server.RTPFirstPort").collect();
    /// assert_eq!(rows.len(), 1);
    /// assert_eq!((rows[0].component, rows[0].classification.as_str()), (Component::SwyxServer, "Audio"));
    /// ```
    pub fn rows_using<'m>(&'m self, name: &'m str) -> impl Iterator<Item = &'m Row> + 'm {
        self.rows.iter().filter(move |row| {
            row.ports
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .any(|word| word == name)
        })
    }

    /// Parses with overrides whose names are the parameters' full names.
    fn parse_resolved(text: &str, overrides: &[(&str, i64)]) -> Result<Matrix, MatrixError> {
        let mut name: Option<String> = None;
        let mut params: Vec<(String, i64)> = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        let mut component: Option<Component> = None;
        let mut seen_components: Vec<Component> = Vec::new();

        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |kind| MatrixError { line, kind };
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let (word, rest) = match content.split_once(char::is_whitespace) {
                Some((word, rest)) => (word, rest.trim()),
                None => (content, ""),
            };
            if word != "matrix" && name.is_none() {
                return Err(fail(MatrixErrorKind::MatrixLine));
            }
            match word {
                "matrix" => {
                    if name.is_some() || rest.is_empty() {
                        return Err(fail(MatrixErrorKind::MatrixLine));
                    }
                    name = Some(rest.to_string());
                }
                "param" => {
                    let (param, value) = parse_param(rest).map_err(fail)?;
                    if params.iter().any(|(n, _)| *n == param) {
                        return Err(fail(MatrixErrorKind::DuplicateParam(param)));
                    }
                    let value = overrides
                        .iter()
                        .rev()
                        .find(|(n, _)| *n == param)
                        .map_or(value, |&(_, v)| v);
                    params.push((param, value));
                }
                "component" => {
                    let id = rest;
                    let found = Component::from_id(id)
                        .ok_or_else(|| fail(MatrixErrorKind::UnknownComponent(id.to_string())))?;
                    if seen_components.contains(&found) {
                        return Err(fail(MatrixErrorKind::DuplicateComponent(id.to_string())));
                    }
                    seen_components.push(found);
                    component = Some(found);
                }
                "row" => {
                    let component =
                        component.ok_or_else(|| fail(MatrixErrorKind::RowBeforeComponent))?;
                    if rows.len() >= usize::from(u16::MAX) {
                        return Err(fail(MatrixErrorKind::TooManyRows));
                    }
                    rows.push(parse_row(rest, component, &params, line).map_err(fail)?);
                }
                other => return Err(fail(MatrixErrorKind::UnknownDirective(other.to_string()))),
            }
        }

        let name = name.ok_or(MatrixError {
            line: 0,
            kind: MatrixErrorKind::MatrixLine,
        })?;
        if let Some((unknown, _)) = overrides
            .iter()
            .find(|(n, _)| !params.iter().any(|(p, _)| p == n))
        {
            return Err(MatrixError {
                line: 0,
                kind: MatrixErrorKind::UnknownParam(unknown.to_string()),
            });
        }
        if rows.is_empty() {
            return Err(MatrixError {
                line: 0,
                kind: MatrixErrorKind::NoRows,
            });
        }
        Ok(Matrix { name, params, rows })
    }
}

/// A parameter name: identifiers joined by `.` (`swyx_server.RTPFirstPort`, `Base`).
fn is_ident(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// An error of a row whose ports an override moved is the override's: it names it.
fn blame_override(error: MatrixError, overrides: &[(&str, i64)]) -> MatrixError {
    if !matches!(
        error.kind,
        MatrixErrorKind::EmptyRange { .. }
            | MatrixErrorKind::PortOutOfRange(_)
            | MatrixErrorKind::BadPorts(_)
    ) {
        return error;
    }
    MatrixError {
        line: error.line,
        kind: MatrixErrorKind::BadOverride {
            overrides: overrides
                .iter()
                .map(|&(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join(", "),
            problem: Box::new(error.kind),
        },
    }
}

fn parse_param(rest: &str) -> Result<(String, i64), MatrixErrorKind> {
    let bad = || MatrixErrorKind::BadParam(rest.to_string());
    let (param, value) = rest.split_once('=').ok_or_else(bad)?;
    let (param, value) = (param.trim(), value.trim());
    if !is_ident(param) {
        return Err(bad());
    }
    // `component.Key`: the part before the first `.` names a component.
    if let Some((component, _)) = param.split_once('.') {
        if Component::from_id(component).is_none() {
            return Err(MatrixErrorKind::UnknownComponent(component.to_string()));
        }
    }
    let value: i64 = value.parse().map_err(|_| bad())?;
    Ok((param.to_string(), value))
}

fn parse_row(
    rest: &str,
    component: Component,
    params: &[(String, i64)],
    line: usize,
) -> Result<Row, MatrixErrorKind> {
    let fields: Vec<&str> = rest.split('|').map(str::trim).collect();
    let [classification, protocol, labels, transport, ports, configurable_via, seed_ports] =
        fields[..]
    else {
        return Err(MatrixErrorKind::FieldCount {
            found: fields.len(),
        });
    };
    let labels = parse_labels(labels)?;
    let (udp, tcp) = match transport {
        "udp" => (true, false),
        "tcp" => (false, true),
        "udp+tcp" | "tcp+udp" => (true, true),
        other => return Err(MatrixErrorKind::UnknownTransport(other.to_string())),
    };
    let (role, ranges) = parse_ports(ports, params)?;
    Ok(Row {
        component,
        classification: classification.to_string(),
        protocol: protocol.to_string(),
        labels,
        udp,
        tcp,
        role,
        ranges,
        ports: ports.to_string(),
        configurable_via: configurable_via.to_string(),
        seed_ports: seed_ports.to_string(),
        line,
    })
}

fn parse_labels(text: &str) -> Result<Labels, MatrixErrorKind> {
    if text == "-" {
        return Ok(Labels::NONE);
    }
    let mut list: Vec<Label> = Vec::new();
    for id in text.split('+').map(str::trim) {
        let label =
            Label::from_id(id).ok_or_else(|| MatrixErrorKind::UnknownLabel(id.to_string()))?;
        if list.contains(&label) || list.len() == Labels::MAX {
            return Err(MatrixErrorKind::BadLabels(text.to_string()));
        }
        list.push(label);
    }
    Ok(Labels::new(&list))
}

fn parse_ports(
    text: &str,
    params: &[(String, i64)],
) -> Result<(Role, Vec<PortRange>), MatrixErrorKind> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
        params,
    };
    cursor.skip_space();
    let role = if cursor.eat_word("connects") {
        Role::Connects
    } else {
        Role::Listens
    };
    let mut ranges = Vec::new();
    loop {
        let low = cursor.bound()?;
        let high = if cursor.eat(b'-') {
            cursor.bound()?
        } else {
            low
        };
        let tls = cursor.eat_word("tls");
        let port =
            |value: i64| u16::try_from(value).map_err(|_| MatrixErrorKind::PortOutOfRange(value));
        let (low16, high16) = (port(low)?, port(high)?);
        if low16 > high16 {
            return Err(MatrixErrorKind::EmptyRange { low, high });
        }
        ranges.push(PortRange {
            low: low16,
            high: high16,
            tls,
        });
        if cursor.at_end() {
            return Ok((role, ranges));
        }
        if !cursor.eat(b',') {
            return Err(cursor.error("expected `,`, `-`, `tls` or the end"));
        }
    }
}

/// A cursor over a ports field: bounds, `-`, `,`, `tls`, and arithmetic in parentheses.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    params: &'a [(String, i64)],
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_space();
        self.at >= self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn peek_word(&mut self) -> &'a [u8] {
        self.skip_space();
        let bytes: &'a [u8] = self.bytes;
        let start = self.at.min(bytes.len());
        let len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'.')
            .count();
        &bytes[start..start + len]
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if self.peek_word() == word.as_bytes() {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn error(&self, what: &str) -> MatrixErrorKind {
        MatrixErrorKind::BadPorts(format!(
            "{what} at column {} of `{}`",
            self.at + 1,
            String::from_utf8_lossy(self.bytes)
        ))
    }

    /// A range bound: a number, a parameter, or a parenthesised expression.
    fn bound(&mut self) -> Result<i64, MatrixErrorKind> {
        self.atom(0)
    }

    fn atom(&mut self, depth: usize) -> Result<i64, MatrixErrorKind> {
        if depth > MAX_DEPTH {
            return Err(self.error("parentheses nest too deep"));
        }
        if self.eat(b'(') {
            let value = self.sum(depth + 1)?;
            if !self.eat(b')') {
                return Err(self.error("expected `)`"));
            }
            return Ok(value);
        }
        let word = self.peek_word();
        if word.is_empty() {
            return Err(self.error("expected a port, a parameter or `(`"));
        }
        let text = String::from_utf8_lossy(word).into_owned();
        let value = if word[0].is_ascii_digit() {
            text.parse::<i64>().map_err(|_| self.error("bad number"))?
        } else {
            self.params
                .iter()
                .find(|(name, _)| *name == text)
                .map(|&(_, v)| v)
                .ok_or_else(|| MatrixErrorKind::UnknownParam(text.clone()))?
        };
        self.at += word.len();
        Ok(value)
    }

    fn sum(&mut self, depth: usize) -> Result<i64, MatrixErrorKind> {
        let mut value = self.product(depth)?;
        loop {
            let combined = if self.eat(b'+') {
                value.checked_add(self.product(depth)?)
            } else if self.eat(b'-') {
                value.checked_sub(self.product(depth)?)
            } else {
                return Ok(value);
            };
            value = combined.ok_or_else(|| self.error("arithmetic overflow"))?;
        }
    }

    fn product(&mut self, depth: usize) -> Result<i64, MatrixErrorKind> {
        let mut value = self.atom(depth)?;
        while self.eat(b'*') {
            let factor = self.atom(depth)?;
            value = value
                .checked_mul(factor)
                .ok_or_else(|| self.error("arithmetic overflow"))?;
        }
        Ok(value)
    }
}
