//! A document nested 20,000 levels deep that reached the database before the `/sync` guard
//! refused such changes (an older server, a restored backup) must not crash the server on any
//! path that reads it, after a restart as before: every reader refuses it with a 4xx.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use e2e::{Api, Server, writable_document};
use samod::Repo;
use serde_json::json;
use store::SqliteStorage;

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_document_already_stored_is_refused_by_every_reader_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("server");
    let data = data_dir.clone();
    let doc = tokio::task::spawn_blocking(move || {
        let server = Server::start_demo(&data);
        let doc = writable_document(&server, "editor");
        assert!(server.stop(), "the server stops cleanly");
        doc
    })
    .await
    .unwrap();

    // Write the deep value straight into the server's database, as an unguarded server would
    // have stored it.
    let store = e2e::open_store(&data_dir);
    let repo = Repo::build_tokio()
        .with_storage(SqliteStorage::new(store))
        .load()
        .await;
    let handle = repo
        .find(doc.parse().unwrap())
        .await
        .unwrap()
        .expect("the demo document is stored");
    handle.with_document(|document| {
        let mut obj = document.get(ROOT, "data").unwrap().unwrap().1;
        let mut tx = document.transaction();
        for _ in 0..20_000 {
            obj = tx.put_object(&obj, "x", ObjType::Map).unwrap();
        }
        tx.commit();
    });
    repo.stop().await;

    tokio::task::spawn_blocking(move || {
        let server = Server::start(&data_dir);
        let editor = Api::login(&server, "editor", e2e::demo_password("editor"));
        let (status, detail) = editor.get(&format!("/api/documents/{doc}"));
        assert_eq!(status, 200, "{detail}");
        let (status, body) = editor.get(&format!("/api/documents/{doc}/diff"));
        assert_eq!(status, 422, "the diff refuses the document: {body}");
        let (status, body) = editor.post(
            &format!("/api/documents/{doc}/submissions"),
            &json!({ "heads": detail["heads"] }),
        );
        assert!(
            (400..500).contains(&status),
            "the submission refuses it: {status} {body}"
        );
        let reviewer = Api::login(&server, "reviewer", e2e::demo_password("reviewer"));
        let (status, body) = reviewer.get(&format!("/api/documents/{doc}/diff"));
        assert!((400..500).contains(&status), "{status} {body}");
        for path in ["/api/documents", "/api/registry", "/healthz"] {
            let (status, body) = Api::login(&server, "coordinator", "demo-coordinator").get(path);
            assert_eq!(status, 200, "{path}: {body}");
        }
        assert_eq!(editor.get("/healthz").0, 200, "the server is still up");
        server.assert_audit_holds();
        assert!(server.stop(), "the server stops cleanly");
    })
    .await
    .unwrap();
}
