//! Values nested far deeper than any form (as a peer can write into a draft over /sync) are
//! refused by validation and edit checks, and copied by `without_empty`, on a small stack.

use std::path::Path;

use forms::{Catalogue, EditError, MAX_DEPTH, without_empty};
use serde_json::{Value, json};

/// Levels of the deep values: far more than a 256 KiB stack holds recursive frames for.
const LEVELS: usize = 20_000;

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

/// Takes a chain of objects apart level by level: its own `Drop` would recurse once per level.
fn unwind(mut value: Value) {
    while let Value::Object(map) = value {
        match map.into_iter().next() {
            Some((_, inner)) => value = inner,
            None => return,
        }
    }
}

/// Runs `f` on a thread with a 256 KiB stack, where a recursive walk over thousands of levels
/// would overflow.
fn on_small_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn_scoped(scope, f)
            .expect("a thread starts")
            .join()
            .expect("no walk overflows the stack")
    })
}

fn catalogue() -> Catalogue {
    Catalogue::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")).expect("forms/")
}

#[test]
fn a_document_nested_deeper_than_the_limit_gets_one_depth_finding() {
    let catalogue = catalogue();
    let report = on_small_stack(|| {
        let doc = nested(LEVELS);
        let report = catalogue.validate("school-programme", "lipetsk", &doc);
        unwind(doc);
        report
    })
    .expect("a known form and region");
    assert!(!report.valid);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let finding = &report.errors[0];
    assert_eq!(finding.rule, "document.depth");
    assert_eq!(finding.pointer, "/a".repeat(MAX_DEPTH));
    assert!(
        finding.message.contains("вложены глубже 32 уровней"),
        "{}",
        finding.message
    );
}

#[test]
fn an_edit_nesting_too_deep_is_refused_before_it_is_walked() {
    let catalogue = catalogue();
    let refused = on_small_stack(|| {
        let value = nested(LEVELS);
        let refused = catalogue.check_edit("school-programme", "/school", &value);
        unwind(value);
        refused
    });
    let Err(EditError::TooDeep { pointer, limit }) = refused else {
        panic!("expected a depth refusal, got {refused:?}");
    };
    // `/school` is one level below the data; the value's own object is the second level.
    assert_eq!(pointer, format!("/school{}", "/a".repeat(MAX_DEPTH - 1)));
    assert_eq!(limit, MAX_DEPTH);
    let refused = EditError::TooDeep { pointer, limit };
    assert!(refused.message_ru().contains("вложено глубже 32 уровней"));
}

#[test]
fn without_empty_copies_a_value_of_any_depth() {
    let (depth, leaf) = on_small_stack(|| {
        let value = nested(LEVELS);
        let copy = without_empty(&value);
        unwind(value);
        let mut depth = 0;
        let mut at = copy;
        while let Value::Object(map) = at {
            depth += 1;
            at = map
                .into_iter()
                .next()
                .map_or(Value::Null, |(_, inner)| inner);
        }
        (depth, at)
    });
    assert_eq!((depth, leaf), (LEVELS, json!("leaf")));
}

#[test]
fn without_empty_drops_empty_fields_and_keeps_rows() {
    let value = json!({
        "a": "", "b": [], "c": {"d": "", "e": {}}, "f": [{}, {"g": ""}, "x"], "h": 0, "i": null
    });
    assert_eq!(
        without_empty(&value),
        json!({"f": [{}, {}, "x"], "h": 0, "i": null})
    );
    assert_eq!(without_empty(&json!("")), json!(""));
}
