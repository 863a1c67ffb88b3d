//! JSON pointers (RFC 6901) into the data of a document: splitting, escaping, indices.

use std::borrow::Cow;

use crate::error::{DocError, PointerProblem};

/// Splits a pointer into its unescaped segments; `""` is the data itself and has none.
pub(crate) fn segments(pointer: &str) -> Result<Vec<Cow<'_, str>>, DocError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(bad(pointer, PointerProblem::NoLeadingSlash));
    };
    rest.split('/')
        .map(|segment| unescape(segment).ok_or_else(|| bad(pointer, PointerProblem::BadEscape)))
        .collect()
}

fn unescape(segment: &str) -> Option<Cow<'_, str>> {
    if !segment.contains('~') {
        return Some(Cow::Borrowed(segment));
    }
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(Cow::Owned(out))
}

/// Escapes one segment for use inside a pointer.
pub(crate) fn escape(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// `base` with one more segment.
pub(crate) fn child(base: &str, segment: &str) -> String {
    let segment = escape(segment);
    let mut out = String::with_capacity(base.len() + 1 + segment.len());
    out.push_str(base);
    out.push('/');
    out.push_str(&segment);
    out
}

/// `base` with one more index segment.
pub(crate) fn index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

/// A list index as RFC 6901 writes it: digits without leading zeros.
pub(crate) fn parse_index(segment: &str) -> Option<usize> {
    let well_formed = !segment.is_empty()
        && segment.bytes().all(|b| b.is_ascii_digit())
        && (segment == "0" || !segment.starts_with('0'));
    if well_formed {
        segment.parse().ok()
    } else {
        None
    }
}

/// The pointer made of the first `n` segments of `segments`.
pub(crate) fn prefix(segments: &[Cow<'_, str>], n: usize) -> String {
    let mut out = String::new();
    for segment in &segments[..n] {
        out.push('/');
        out.push_str(&escape(segment));
    }
    out
}

pub(crate) fn bad(pointer: &str, problem: PointerProblem) -> DocError {
    DocError::BadPointer {
        pointer: pointer.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_unescaped_and_the_root_has_none() {
        assert!(segments("").unwrap().is_empty());
        assert_eq!(segments("/a~1b/c~0d/0").unwrap(), vec!["a/b", "c~d", "0"]);
        assert_eq!(segments("/").unwrap(), vec![""]);
    }

    #[test]
    fn malformed_pointers_are_refused() {
        assert!(matches!(
            segments("school"),
            Err(DocError::BadPointer {
                problem: PointerProblem::NoLeadingSlash,
                ..
            })
        ));
        assert!(matches!(
            segments("/a~2"),
            Err(DocError::BadPointer {
                problem: PointerProblem::BadEscape,
                ..
            })
        ));
    }

    #[test]
    fn indices_have_no_leading_zeros_or_signs() {
        assert_eq!(parse_index("0"), Some(0));
        assert_eq!(parse_index("12"), Some(12));
        assert_eq!(parse_index("01"), None);
        assert_eq!(parse_index("-1"), None);
        assert_eq!(parse_index("-"), None);
        assert_eq!(parse_index(""), None);
    }

    #[test]
    fn escaping_round_trips_through_segments() {
        let pointer = child(&child("", "a/b"), "c~d");
        assert_eq!(pointer, "/a~1b/c~0d");
        assert_eq!(segments(&pointer).unwrap(), vec!["a/b", "c~d"]);
    }
}
