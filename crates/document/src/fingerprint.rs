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

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
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
    fn keys_sort_by_utf16_code_units() {
        // U+E000 sorts after U+10000 in UTF-16 (0xD800 surrogate < 0xE000), unlike in UTF-8.
        let value = json!({"\u{e000}": 1, "\u{10000}": 2});
        assert_eq!(canonical_json(&value), "{\"\u{10000}\":2,\"\u{e000}\":1}");
    }
}
