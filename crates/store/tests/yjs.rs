//! Narratives' Yjs data in the store: appended updates survive reopening, compaction merges
//! them into one state that reads the same, and updates appended after it stay. Every test
//! runs on both engines.

#[macro_use]
mod support;

use store::Store;
use support::Fixture;
use yrs::updates::decoder::Decode;
use yrs::{GetString, Text, Transact, Update};

fn typed(doc: &yrs::Doc, text: &str) -> Vec<u8> {
    let t = doc.get_or_insert_text("t");
    let mut txn = doc.transact_mut();
    let len = t.len(&txn);
    t.insert(&mut txn, len, text);
    txn.encode_update_v1()
}

fn read(updates: &[Vec<u8>]) -> String {
    let doc = yrs::Doc::new();
    let t = doc.get_or_insert_text("t");
    let mut txn = doc.transact_mut();
    for update in updates {
        txn.apply_update(Update::decode_v1(update).unwrap())
            .unwrap();
    }
    t.get_string(&txn)
}

on_both_engines!(
    updates_are_appended_compacted_and_survive_reopening,
    garbage_that_does_not_merge_is_left_in_place,
    compactions_concurrent_with_appends_lose_no_update,
);

fn updates_are_appended_compacted_and_survive_reopening(fixture: &Fixture) {
    let source = yrs::Doc::new();
    {
        let store = fixture.another_handle();
        for i in 0..70 {
            store
                .append_yjs_update("doc-a", &typed(&source, &format!("{i} ")))
                .unwrap();
        }
        store
            .append_yjs_update("doc-b", &typed(&yrs::Doc::new(), "x"))
            .unwrap();
        assert_eq!(
            store
                .yjs_documents_to_compact(store::COMPACT_AFTER_UPDATES)
                .unwrap(),
            ["doc-a"]
        );
    }
    let store = fixture.another_handle();
    let before = read(&store.yjs_updates("doc-a").unwrap());
    assert!(before.starts_with("0 1 2 ") && before.ends_with("69 "));
    let bytes_before = store.yjs_bytes().unwrap();
    assert_eq!(store.compact_yjs("doc-a").unwrap(), 70);
    let stored = store.yjs_updates("doc-a").unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(read(&stored), before);
    assert!(store.yjs_bytes().unwrap() < bytes_before);
    // Later updates stay beside the state; a second compaction merges them too.
    store
        .append_yjs_update("doc-a", &typed(&source, "end"))
        .unwrap();
    assert_eq!(store.yjs_updates("doc-a").unwrap().len(), 2);
    assert_eq!(store.compact_yjs("doc-a").unwrap(), 1);
    assert_eq!(
        read(&store.yjs_updates("doc-a").unwrap()),
        format!("{before}end")
    );
    assert_eq!(read(&store.yjs_updates("doc-b").unwrap()), "x");
    assert!(store.yjs_updates("unknown").unwrap().is_empty());
}

fn garbage_that_does_not_merge_is_left_in_place(fixture: &Fixture) {
    let store = &fixture.store;
    store
        .append_yjs_update("d", &typed(&yrs::Doc::new(), "ok"))
        .unwrap();
    store.append_yjs_update("d", &[0xff, 0x00, 0x13]).unwrap();
    assert!(store.compact_yjs("d").is_err());
    assert_eq!(store.yjs_updates("d").unwrap().len(), 2);
}

/// Appends `count` updates, each applied first to the shared `room` (as the server applies an
/// update to its room before appending it), typing `{i} ` at the end of the text.
fn type_into(store: &Store, room: &std::sync::Mutex<yrs::Doc>, count: usize) -> String {
    let mut want = String::new();
    for i in 0..count {
        let piece = format!("{i} ");
        let update = typed(&room.lock().unwrap(), &piece);
        store.append_yjs_update("d", &update).unwrap();
        want.push_str(&piece);
    }
    want
}

/// The typist and the compactor use two handles on the database, as two processes would.
fn compactions_concurrent_with_appends_lose_no_update(fixture: &Fixture) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let typist_store = &fixture.store;
    let store = fixture.another_handle();
    let room = std::sync::Mutex::new(yrs::Doc::new());
    let typing = AtomicBool::new(true);
    let (want, rounds) = std::thread::scope(|scope| {
        let typist = scope.spawn(|| {
            let want = type_into(typist_store, &room, 3000);
            typing.store(false, Ordering::SeqCst);
            want
        });
        // The server's way: the last stored number first, then the room's state, then one
        // short write; and, alternating, the replay a document with no room gets.
        let mut rounds = 0;
        while typing.load(Ordering::SeqCst) {
            if rounds % 2 == 0 {
                if let Some(through) = store.yjs_last_update("d").unwrap() {
                    let state = {
                        use yrs::{ReadTxn, StateVector, Transact};
                        room.lock()
                            .unwrap()
                            .transact()
                            .encode_state_as_update_v1(&StateVector::default())
                    };
                    store.replace_yjs_state("d", &state, through).unwrap();
                }
            } else {
                store.compact_yjs("d").unwrap();
            }
            rounds += 1;
            // Every reader sees the whole text typed so far, never a hole.
            let seen = read(&store.yjs_updates("d").unwrap());
            assert!(
                seen.split(' ')
                    .filter(|p| !p.is_empty())
                    .enumerate()
                    .all(|(i, p)| p == i.to_string()),
                "a reader saw a hole: {seen:?}"
            );
        }
        (typist.join().unwrap(), rounds)
    });
    assert!(rounds > 2, "compaction ran {rounds} times only");
    assert_eq!(read(&store.yjs_updates("d").unwrap()), want);
    let through = store.yjs_last_update("d").unwrap();
    store.compact_yjs("d").unwrap();
    assert_eq!(
        store.yjs_updates("d").unwrap().len(),
        1,
        "after {through:?}"
    );
    assert_eq!(read(&store.yjs_updates("d").unwrap()), want);
    assert_eq!(store.yjs_last_update("d").unwrap(), None);
}
