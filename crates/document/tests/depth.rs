//! A document a peer nested thousands of levels deep (as an editor could over /sync before the
//! server checked messages) is refused by every walk over it, on a small stack, instead of
//! overflowing the thread that reads it.

mod support;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc};
use document::{DocError, MAX_DEPTH, create, diff, get, import, to_json, to_json_at};
use serde_json::{Value, json};
use support::{FORM, REGION, author, catalogue, sample};

/// Levels of the attack: far more than a 256 KiB stack holds recursive frames for.
const LEVELS: usize = 20_000;

/// A form document with `levels` maps nested under `data/x` (the innermost holding `leaf: 1`),
/// written with raw Automerge as a peer would; the heads before and after.
fn nested_doc(levels: usize) -> (Automerge, Vec<ChangeHash>, Vec<ChangeHash>) {
    let mut doc = create(&catalogue(), FORM, REGION, &sample(), &author("Анна")).unwrap();
    let before = doc.get_heads();
    let mut tx = doc.transaction();
    let (_, data) = tx.get(ROOT, "data").unwrap().unwrap();
    let mut obj = data;
    for i in 0..levels {
        obj = tx
            .put_object(&obj, if i == 0 { "x" } else { "a" }, ObjType::Map)
            .unwrap();
    }
    tx.put(&obj, "leaf", 1).unwrap();
    tx.commit();
    let after = doc.get_heads();
    (doc, before, after)
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

fn is_too_deep<T: std::fmt::Debug>(result: Result<T, DocError>) -> bool {
    matches!(result, Err(DocError::TooDeep { limit: MAX_DEPTH }))
}

#[test]
fn reading_a_document_nested_twenty_thousand_levels_is_refused_not_overflowed() {
    let (doc, before, after) = nested_doc(LEVELS);
    on_small_stack(|| {
        assert!(is_too_deep(to_json(&doc)));
        assert!(is_too_deep(to_json_at(&doc, &after)));
        assert!(is_too_deep(get(&doc, "")));
        assert!(is_too_deep(get(&doc, "/x")));
        assert!(is_too_deep(get(
            &doc,
            &"/a".repeat(40).replacen("/a", "/x", 1)
        )));
        assert!(is_too_deep(diff(&doc, &before, &after)));
        assert!(is_too_deep(diff(&doc, &[], &after)));
        // What is not inside the deep branch still reads, and so does the version before it.
        assert_eq!(
            get(&doc, "/title").unwrap(),
            Some(json!("Программа перехода"))
        );
        assert_eq!(to_json_at(&doc, &before).unwrap()["pupils"], json!(412));
    });
}

#[test]
fn the_limit_counts_objects_below_the_root_and_the_deepest_allowed_reads_on_a_small_stack() {
    // `data` is at depth 1, so `data/x` and the maps under it reach 1 + levels.
    let (doc, before, after) = nested_doc(MAX_DEPTH - 1);
    let (data, changes) =
        on_small_stack(|| (to_json(&doc).unwrap(), diff(&doc, &before, &after).unwrap()));
    let mut at = &data["x"];
    let mut levels = 1;
    while let Some(inner) = at.get("a") {
        at = inner;
        levels += 1;
    }
    assert_eq!(levels, MAX_DEPTH - 1);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].pointer, "/x");
    let (doc, before, after) = nested_doc(MAX_DEPTH);
    assert!(is_too_deep(to_json(&doc)));
    assert!(is_too_deep(diff(&doc, &before, &after)));
}

#[test]
fn importing_a_value_nested_too_deep_is_refused_before_anything_is_written() {
    let mut doc = create(&catalogue(), FORM, REGION, &sample(), &author("Анна")).unwrap();
    let heads = doc.get_heads();
    let refused = on_small_stack(|| {
        let mut value = Value::Null;
        for _ in 0..LEVELS {
            // Not `json!`: it would serialise `value` afresh, recursively, at every level.
            let mut map = serde_json::Map::new();
            map.insert("title".to_owned(), value);
            value = Value::Object(map);
        }
        let refused = import(&mut doc, &catalogue(), &value, &author("Анна"), None);
        while let Value::Object(map) = value {
            value = map
                .into_iter()
                .next()
                .map_or(Value::Null, |(_, inner)| inner);
        }
        refused
    });
    let Err(DocError::Refused(forms::EditError::TooDeep { pointer, limit })) = refused else {
        panic!("expected a depth refusal, got {refused:?}");
    };
    assert_eq!(
        (pointer.len(), limit),
        ("/title".len() * MAX_DEPTH, MAX_DEPTH)
    );
    assert_eq!(doc.get_heads(), heads);
}
