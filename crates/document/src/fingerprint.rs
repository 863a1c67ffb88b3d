//! The content fingerprint of a version: canonical JSON and its SHA-256.
//!
//! A submission is bound to exactly what was submitted by the SHA-256 of its data in a
//! canonical form, so that anyone holding the same content (the school, the municipality, an
//! auditor with an export) computes the same hash whatever the order of keys in their copy.
//! The form is that of RFC 8785 for the JSON documents hold: object keys sorted by their UTF-16
//! code units, no insignificant whitespace, strings escaped as `serde_json` escapes them,
//! numbers as `serde_json` prints them (documents hold integers and plain decimals only).

use serde_json::Value;
use sha2::{Digest, Sha256};

/// `value` as canonical JSON text: keys sorted, no whitespace.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// The lowercase hex SHA-256 of [`canonical_json`] of `value`.
pub fn content_sha256(value: &Value) -> String {
    text_sha256(&canonical_json(value))
}

/// The lowercase hex SHA-256 of `text`: of a canonical JSON text already made, the same as
/// [`content_sha256`] of its value, without serialising twice.
pub fn text_sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes `value` canonically with an explicit stack of the objects and arrays it is inside, so
/// that a value of any depth is written without recursion (the document's data is bounded by
/// [`crate::MAX_DEPTH`], but the function takes any value).
fn write_canonical(value: &Value, out: &mut String) {
    /// An object (entries sorted) or an array being written, and whether an element of it has
    /// been written already (a comma goes before each later one).
    enum Open<'v> {
        Object(std::vec::IntoIter<(&'v String, &'v Value)>, bool),
        Array(std::slice::Iter<'v, Value>, bool),
    }
    /// Writes a scalar whole, or the start of an object or array and returns it to continue.
    fn start<'v>(value: &'v Value, out: &mut String) -> Option<Open<'v>> {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
                out.push('{');
                Some(Open::Object(entries.into_iter(), false))
            }
            Value::Array(items) => {
                out.push('[');
                Some(Open::Array(items.iter(), false))
            }
            scalar => {
                out.push_str(&scalar.to_string());
                None
            }
        }
    }

    let mut stack: Vec<Open<'_>> = start(value, out).into_iter().collect();
    while let Some(open) = stack.last_mut() {
        let (next, written) = match open {
            Open::Object(entries, written) => (entries.next().map(|(k, v)| (Some(k), v)), written),
            Open::Array(items, written) => (items.next().map(|v| (None, v)), written),
        };
        let Some((key, item)) = next else {
            out.push(if matches!(open, Open::Object(..)) {
                '}'
            } else {
                ']'
            });
            stack.pop();
            continue;
        };
        if *written {
            out.push(',');
        }
        *written = true;
        if let Some(key) = key {
            out.push_str(&Value::String(key.clone()).to_string());
            out.push(':');
        }
        if let Some(inner) = start(item, out) {
            stack.push(inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_does_not_change_the_hash() {
        let a = json!({"b": 1, "a": {"y": [1, 2], "x": "т"}});
        let b = json!({"a": {"x": "т", "y": [1, 2]}, "b": 1});
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"т","y":[1,2]},"b":1}"#);
        assert_eq!(content_sha256(&a), content_sha256(&b));
    }

    #[test]
    fn any_change_of_content_changes_the_hash() {
        let a = json!({"a": [1, 2]});
        assert_ne!(content_sha256(&a), content_sha256(&json!({"a": [2, 1]})));
        assert_ne!(content_sha256(&a), content_sha256(&json!({"a": [1, 2, 3]})));
        assert_eq!(content_sha256(&a).len(), 64);
    }

    #[test]
    fn a_value_of_any_depth_is_written_without_recursion() {
        let text = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let mut value = json!([]);
                for _ in 0..20_000 {
                    let mut map = serde_json::Map::new();
                    map.insert("a".to_owned(), value);
                    value = Value::Array(vec![Value::Object(map), json!(1)]);
                }
                let text = canonical_json(&value);
                // Taken apart level by level: `Drop` would recurse.
                while let Value::Array(mut items) = value
                    && !items.is_empty()
                {
                    value = match items.swap_remove(0) {
                        Value::Object(map) => map.into_iter().next().map_or(Value::Null, |e| e.1),
                        other => other,
                    };
                }
                text
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert_eq!(text.len(), 20_000 * r#"[{"a":,1}]"#.len() + "[]".len());
        assert!(text.starts_with(r#"[{"a":[{"a":"#), "{}", &text[..40]);
        let innermost = format!(r#"{{"a":[]}}{}"#, ",1]}".repeat(19_999));
        assert!(text.ends_with(&format!("{innermost},1]")));
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // U+E000 sorts after U+10000 in UTF-16 (0xD800 surrogate < 0xE000), unlike in UTF-8.
        let value = json!({"\u{e000}": 1, "\u{10000}": 2});
        assert_eq!(canonical_json(&value), "{\"\u{10000}\":2,\"\u{e000}\":1}");
    }
}
