//! Text tables with columns as wide as their widest cell.

use std::io::{self, Write};

/// A table: a header and rows of cells; the columns whose index is in `right` are
/// right-aligned (numbers), the others left-aligned; the last column is not padded. A table
/// in sections repeats its header under each section's title, with one width per column
/// for all of them.
pub(crate) struct Table {
    header: Vec<String>,
    lines: Vec<Line>,
    right: &'static [usize],
}

enum Line {
    /// A header or a row, in the columns.
    Cells(Vec<String>),
    /// A line written as it is, outside the columns (a section's title).
    Text(String),
}

impl Table {
    pub(crate) fn new(header: &[&str], right: &'static [usize]) -> Table {
        let mut table = Table::in_sections(header, right);
        table.lines.push(Line::Cells(table.header.clone()));
        table
    }

    /// A table whose header comes under each [`Table::section`].
    pub(crate) fn in_sections(header: &[&str], right: &'static [usize]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            lines: Vec::new(),
            right,
        }
    }

    /// A blank line, `title` as it is, and the header.
    pub(crate) fn section(&mut self, title: String) {
        self.lines.push(Line::Text(String::new()));
        self.lines.push(Line::Text(title));
        self.lines.push(Line::Cells(self.header.clone()));
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.lines.push(Line::Cells(cells));
    }

    fn rows(&self) -> impl Iterator<Item = &Vec<String>> {
        self.lines.iter().filter_map(|line| match line {
            Line::Cells(cells) => Some(cells),
            Line::Text(_) => None,
        })
    }

    /// Writes the table, each line indented by two spaces.
    pub(crate) fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let columns = self.rows().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut line = String::new();
        for row in &self.lines {
            let row = match row {
                Line::Cells(cells) => cells,
                Line::Text(text) => {
                    writeln!(out, "{text}")?;
                    continue;
                }
            };
            line.clear();
            line.push_str("  ");
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    line.push_str("  ");
                }
                let pad = widths[c].saturating_sub(cell.chars().count());
                if self.right.contains(&c) {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if c + 1 < row.len() {
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut table = super::Table::new(&["name", "n", "note"], &[1]);
        table.row(vec!["a".into(), "100".into(), "x".into()]);
        table.row(vec!["longer".into(), "2".into(), "".into()]);
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  name      n  note\n  a       100  x\n  longer    2\n"
        );
    }

    #[test]
    fn sections_repeat_the_header_with_one_width_per_column() {
        let mut table = super::Table::in_sections(&["name", "n"], &[1]);
        table.section("first".into());
        table.row(vec!["a".into(), "100".into()]);
        table.section("second".into());
        table.row(vec!["longer".into(), "2".into()]);
        let mut out = Vec::new();
        table.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\nfirst\n  name      n\n  a       100\n\nsecond\n  name      n\n  longer    2\n"
        );
    }
}
