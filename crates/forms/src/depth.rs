//! How deep a document's data may nest, and where a value nests deeper.
//!
//! Every walk over a document (reading it out of Automerge, validating it, comparing two
//! versions, hashing it, serialising it) descends one level per nested object, and
//! `serde_json::Value`'s own `Drop`, `Clone`, `PartialEq` and `Serialize` recurse too. Forms nest
//! a few levels (a section, a table, its rows, a text in a row), so a bound far above that
//! refuses nothing a person can type, and keeps every such walk's stack small whatever a peer
//! wrote into the CRDT. The check itself is iterative: it is what stands between a value of any
//! depth and the recursive walks.

use serde_json::Value;

/// The deepest a document's data may nest, counted as Automerge objects below the root: the
/// `data` map is at depth 1, a section in it at 2, a table at 2 with its rows at 3 and a text in
/// a row at 4. In a JSON value of the data the data object is level 1, and every object, array
/// and string inside opens one more (a string may be stored as a text object).
pub const MAX_DEPTH: usize = 32;

/// Whether a value opens a level of nesting: objects, arrays and strings (texts) do.
fn opens_level(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Array(_) | Value::String(_))
}

/// One step of a path inside a value.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The children of an object or an array still to visit.
enum Children<'v> {
    Object(serde_json::map::Iter<'v>),
    Array(std::iter::Enumerate<std::slice::Iter<'v, Value>>),
}

impl<'v> Children<'v> {
    fn of(value: &'v Value) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Children::Object(map.iter())),
            Value::Array(items) => Some(Children::Array(items.iter().enumerate())),
            _ => None,
        }
    }

    fn next(&mut self) -> Option<(Step<'v>, &'v Value)> {
        match self {
            Children::Object(entries) => entries.next().map(|(k, v)| (Step::Key(k), v)),
            Children::Array(items) => items.next().map(|(i, v)| (Step::Index(i), v)),
        }
    }
}

/// The pointer (relative to `value`) of the first place, depth first, that lies deeper than
/// `limit` levels when `value` itself sits `base` levels below the root (`0` for the data as a
/// whole, the number of pointer segments for a value written at a pointer); `None` when every
/// place is within the limit.
///
/// It keeps one frame per level it is inside and stops at the first place too deep, so it
/// needs at most `limit` frames whatever the depth of `value`.
pub(crate) fn too_deep(value: &Value, base: usize, limit: usize) -> Option<String> {
    if !opens_level(value) {
        return None;
    }
    if base.saturating_add(1) > limit {
        return Some(String::new());
    }
    let mut stack: Vec<(Children<'_>, Option<Step<'_>>)> = Vec::new();
    if let Some(children) = Children::of(value) {
        stack.push((children, None));
    }
    loop {
        let next = match stack.last_mut() {
            Some((children, _)) => children.next(),
            None => return None,
        };
        let Some((step, child)) = next else {
            stack.pop();
            continue;
        };
        if !opens_level(child) {
            continue;
        }
        // `stack.len()` levels hold the child's parent; the child is one below.
        if base + stack.len() + 1 > limit {
            let mut pointer = String::new();
            let steps = stack.iter().filter_map(|(_, step)| *step).chain([step]);
            for step in steps {
                pointer.push('/');
                match step {
                    Step::Key(key) => pointer.push_str(&crate::pointer::escape(key)),
                    Step::Index(index) => pointer.push_str(&index.to_string()),
                }
            }
            return Some(pointer);
        }
        if let Some(children) = Children::of(child) {
            stack.push((children, Some(step)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{Value, json};

    use super::*;
    use crate::catalogue::Catalogue;
    use crate::outline::{FieldKind, kind_of};
    use crate::schema_docs::{Node, SchemaDocs};

    /// `{"a": {"a": … "leaf" …}}`, `levels` objects deep, built without recursion.
    fn nested(levels: usize) -> Value {
        let mut value = Value::String("leaf".to_owned());
        for _ in 0..levels {
            // Not `json!`: it would serialise `value` afresh, recursively, at every level.
            let mut map = serde_json::Map::new();
            map.insert("a".to_owned(), value);
            value = Value::Object(map);
        }
        value
    }

    /// Takes a deep value apart level by level: its own `Drop` would recurse once per level.
    fn unwind(mut value: Value) {
        loop {
            value = match value {
                Value::Object(map) => match map.into_iter().next() {
                    Some((_, inner)) => inner,
                    None => return,
                },
                Value::Array(mut items) => match items.pop() {
                    Some(inner) => inner,
                    None => return,
                },
                _ => return,
            };
        }
    }

    /// Runs `f` on a thread with a 256 KiB stack: a recursive walk over thousands of levels
    /// would overflow it.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(f)
            .expect("a thread starts")
            .join()
            .expect("the walk does not overflow the stack")
    }

    #[test]
    fn places_within_the_limit_pass_and_the_first_too_deep_is_named() {
        let value = json!({"a": [1, {"b~/": "x"}], "c": true});
        assert_eq!(too_deep(&value, 0, 4), None);
        assert_eq!(too_deep(&value, 0, 3), Some("/a/1/b~0~1".to_owned()));
        assert_eq!(too_deep(&value, 0, 2), Some("/a/1".to_owned()));
        assert_eq!(too_deep(&value, 3, 4), Some("/a".to_owned()));
        assert_eq!(too_deep(&value, 4, 4), Some(String::new()));
        // Numbers, booleans and null open no level, wherever they are.
        assert_eq!(too_deep(&json!(1), 9, 4), None);
    }

    #[test]
    fn a_value_twenty_thousand_levels_deep_is_refused_on_a_small_stack() {
        let pointer = on_small_stack(|| {
            let value = nested(20_000);
            let found = too_deep(&value, 0, MAX_DEPTH);
            unwind(value);
            found
        });
        let expected = "/a".repeat(MAX_DEPTH);
        assert_eq!(pointer.as_deref(), Some(expected.as_str()));
    }

    /// The deepest a value of `node`'s kind reaches when the value sits at `depth` (counting a
    /// leaf as a level, as `too_deep` counts strings), following sections, tables' rows and
    /// lists' items. `None` past `2 * MAX_DEPTH`: a schema that deep (or recursive) fails the
    /// test below.
    fn deepest(docs: &SchemaDocs, node: Node<'_>, depth: usize) -> Option<usize> {
        if depth > 2 * MAX_DEPTH {
            return None;
        }
        match kind_of(docs, node) {
            FieldKind::Section => docs
                .properties(node)
                .into_iter()
                .try_fold(depth, |deepest, (_, child)| {
                    Some(deepest.max(self::deepest(docs, child, depth + 1)?))
                }),
            FieldKind::Table | FieldKind::List(_) => match docs.items(node) {
                Some(items) => deepest(docs, items, depth + 1),
                // A list without an item schema holds texts (see `kind_of`).
                None => Some(depth + 1),
            },
            _ => Some(depth),
        }
    }

    #[test]
    fn every_form_nests_well_below_the_limit() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms");
        let catalogue = Catalogue::load(&dir).expect("forms/ loads");
        let mut deepest_of_all = 0;
        for form in catalogue.forms() {
            let root = catalogue.docs.root(&form.uri).expect("the form's schema");
            let depth = deepest(&catalogue.docs, root, 1)
                .unwrap_or_else(|| panic!("{} nests deeper than {}", form.id, 2 * MAX_DEPTH));
            deepest_of_all = deepest_of_all.max(depth);
        }
        // Sections, tables, rows and texts: a handful of levels. Half the limit leaves room for
        // forms to grow without the bound ever refusing what a person can type.
        assert!(
            (3..=MAX_DEPTH / 2).contains(&deepest_of_all),
            "the deepest form nests {deepest_of_all} levels, the limit is {MAX_DEPTH}"
        );
    }
}
