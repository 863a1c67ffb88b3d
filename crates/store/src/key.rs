//! samod [`StorageKey`]s as SQLite text keys.
//!
//! A key's components are joined with "/": `StorageKey` guarantees no component is empty or
//! contains "/", so the mapping is one-to-one. Because "/" is the byte just before "0", every key
//! under the prefix `p` lies in the half-open text range `["p/", "p0")` in SQLite's binary
//! collation, which the primary-key index answers without a scan.

use samod::storage::StorageKey;

use crate::StoreError;

/// The text form of `key`: its components joined by "/" (the empty key is the empty string).
pub fn key_to_string(key: &StorageKey) -> String {
    key.to_string()
}

/// The [`StorageKey`] whose text form is `text`; the inverse of [`key_to_string`].
///
/// # Errors
///
/// [`StoreError::InvalidKey`] if a component would be empty (a leading, trailing or doubled
/// "/").
pub fn key_from_str(text: &str) -> Result<StorageKey, StoreError> {
    let parts: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('/').collect()
    };
    StorageKey::from_parts(parts).map_err(|_| StoreError::InvalidKey {
        key: text.to_owned(),
    })
}

/// The text keys that [`StorageKey::is_prefix_of`] accepts for `prefix`: the prefix itself and
/// every key in `[lower, upper)`. `None` for the empty prefix, which covers every key.
pub(crate) struct PrefixRange {
    /// The prefix's own text form (a key equal to the prefix is "under" it too).
    pub(crate) exact: String,
    /// `prefix + "/"`: the smallest key strictly below the prefix.
    pub(crate) lower: String,
    /// `prefix + "0"`: the first text after every key starting with `prefix + "/"`.
    pub(crate) upper: String,
}

impl PrefixRange {
    /// The range for `prefix`, or `None` when the prefix is empty.
    pub(crate) fn new(prefix: &StorageKey) -> Option<Self> {
        let exact = key_to_string(prefix);
        if exact.is_empty() {
            return None;
        }
        Some(Self {
            lower: format!("{exact}/"),
            upper: format!("{exact}0"),
            exact,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).unwrap()
    }

    #[test]
    fn keys_round_trip_through_text() {
        for parts in [
            &[][..],
            &["storage-adapter-id"][..],
            &["2ZSdXh7dhJkWzsL3QB1c9nqn1kTT", "incremental", "ab12"][..],
            &["a", "b c", "ключ", "d.e"][..],
        ] {
            let original = key(parts);
            let text = key_to_string(&original);
            assert_eq!(text, parts.join("/"));
            assert_eq!(key_from_str(&text).unwrap(), original);
        }
    }

    #[test]
    fn text_with_empty_components_is_not_a_key() {
        for text in ["/", "a/", "/a", "a//b"] {
            assert!(
                matches!(key_from_str(text), Err(StoreError::InvalidKey { ref key }) if key == text),
                "{text:?} must be refused"
            );
        }
    }

    #[test]
    fn prefix_range_holds_exactly_the_keys_the_prefix_is_a_prefix_of() {
        let prefix = key(&["a", "b"]);
        let range = PrefixRange::new(&prefix).unwrap();
        let inside = |text: &str| {
            text == range.exact || (range.lower.as_str() <= text && text < range.upper.as_str())
        };
        for text in ["a/b", "a/b/c", "a/b/c/d", "a/b/~", "a/b/\u{10ffff}"] {
            assert!(inside(text), "{text} is under a/b");
            assert!(prefix.is_prefix_of(&key_from_str(text).unwrap()));
        }
        for text in ["a/bc", "a/b.c", "a/b-", "a/a/b", "a", "b/b", "a/b0", "a/c"] {
            assert!(!inside(text), "{text} is not under a/b");
            assert!(!prefix.is_prefix_of(&key_from_str(text).unwrap()));
        }
    }

    #[test]
    fn empty_prefix_has_no_range_because_it_covers_everything() {
        assert!(PrefixRange::new(&key(&[])).is_none());
    }
}
