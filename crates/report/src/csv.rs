//! CSV fields (RFC 4180 quoting).

use std::borrow::Cow;

/// `text` as a CSV field: quoted when it holds a comma, a quote or a line break.
pub(crate) fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// An optional value as a CSV field (empty for `None`).
pub(crate) fn opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_with_separators_are_quoted() {
        assert_eq!(super::field("a.pcap"), "a.pcap");
        assert_eq!(super::field("a,b \"c\""), "\"a,b \"\"c\"\"\"");
    }
}
