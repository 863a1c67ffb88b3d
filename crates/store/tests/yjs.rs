//! Narratives' Yjs data in the store: appended updates survive reopening, compaction merges
//! them into one state that reads the same, and updates appended after it stay.

use store::Store;
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

#[test]
fn updates_are_appended_compacted_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let source = yrs::Doc::new();
    {
        let store = Store::open(&path).unwrap();
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
    let store = Store::open(&path).unwrap();
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

#[test]
fn garbage_that_does_not_merge_is_left_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.sqlite3")).unwrap();
    store
        .append_yjs_update("d", &typed(&yrs::Doc::new(), "ok"))
        .unwrap();
    store.append_yjs_update("d", &[0xff, 0x00, 0x13]).unwrap();
    assert!(store.compact_yjs("d").is_err());
    assert_eq!(store.yjs_updates("d").unwrap().len(), 2);
}
