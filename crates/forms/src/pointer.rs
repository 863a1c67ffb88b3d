//! JSON pointers (RFC 6901): splitting, escaping and joining.

/// Splits a JSON pointer into its unescaped segments; `""` is the root and has none.
pub(crate) fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Escapes one segment for use inside a pointer.
pub(crate) fn escape(segment: &str) -> String {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1")
    } else {
        segment.to_owned()
    }
}

/// Joins a pointer and a relative pointer (`""` or starting with `/`).
pub(crate) fn join(base: &str, relative: &str) -> String {
    let mut out = String::with_capacity(base.len() + relative.len());
    out.push_str(base);
    out.push_str(relative);
    out
}

/// The value at already-split pointer segments (no allocation, unlike `Value::pointer`).
pub(crate) fn value_at<'v>(
    mut value: &'v serde_json::Value,
    segments: &[String],
) -> Option<&'v serde_json::Value> {
    for segment in segments {
        value = match value {
            serde_json::Value::Object(map) => member(map, segment)?,
            serde_json::Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// A field of an object. Form objects are small, and comparing a few keys is cheaper than
/// hashing the name with the map's SipHash.
pub(crate) fn member<'v>(
    map: &'v serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'v serde_json::Value> {
    const LINEAR_UP_TO: usize = 32;
    if map.len() <= LINEAR_UP_TO {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// Checks that `pointer` is a syntactically valid JSON pointer.
pub(crate) fn is_valid(pointer: &str) -> bool {
    pointer.is_empty() || pointer.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_unescape_tilde_and_slash() {
        assert_eq!(segments(""), Vec::<String>::new());
        assert_eq!(segments("/a~1b/c~0d/0"), vec!["a/b", "c~d", "0"]);
        assert_eq!(escape("a/b~"), "a~1b~0");
    }
}
