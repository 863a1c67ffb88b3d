//! Access control on `/sync` with real automerge-repo peers (samod repos dialing the real
//! server binary over websockets): the token and the peer id are checked at the upgrade, a
//! document the permission table denies is unavailable, a read-only peer's changes are
//! dropped, a submitted document is frozen for its parties until the municipality decides, and
//! an edit after approval starts a new round while the approval stays with its version.

mod support;

use std::time::Duration;

use e2e::{Api, Server};
use samod::DocHandle;
use serde_json::{Value, json};
use support::peer::Peer;

/// The demo's documents as (id, form, owner school), read by the administrator.
fn document(server: &Server, form: &str, school: &str) -> String {
    Api::demo(server, "admin")
        .documents()
        .into_iter()
        .find(|(_, f, s)| f == form && s == school)
        .map(|(id, ..)| id)
        .unwrap_or_else(|| panic!("no {form} of {school}"))
}

/// The server's record of `id` as `login` sees it.
fn detail(server: &Server, login: &str, id: &str) -> Value {
    let (status, body) = Api::demo(server, login).get(&format!("/api/documents/{id}"));
    assert_eq!(status, 200, "{body}");
    body
}

fn title(handle: &DocHandle) -> Value {
    handle.with_document(|doc| document::get(doc, "/title").unwrap().unwrap_or(Value::Null))
}

/// Waits until the server's copy of `id` has heads other than `before` (or gives up).
fn wait_for_new_heads(server: &Server, id: &str, before: &Value) -> Value {
    for _ in 0..100 {
        let heads = detail(server, "admin", id)["heads"].clone();
        if heads != *before {
            return heads;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    before.clone()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_document_is_unavailable_to_a_school_that_is_not_a_party() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    runtime().block_on(async {
        let stranger = Peer::connect(&server, "sukhodol-editor").await;
        assert!(
            stranger.find(&programme).await.is_none(),
            "a stranger got the document"
        );
        stranger.stop().await;
        let mentor = Peer::connect(&server, "mentor").await;
        let handle = mentor
            .find(&programme)
            .await
            .expect("the mentor school is a party");
        let school = handle.with_document(|doc| document::get(doc, "/school/short_name").unwrap());
        assert_eq!(school, Some(json!("МБОУ СОШ с. Красное")));
        mentor.stop().await;
    });
}

#[test]
fn a_read_only_peers_changes_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let before = detail(&server, "admin", &programme)["heads"].clone();
    runtime().block_on(async {
        let reviewer = Peer::connect(&server, "reviewer").await;
        let handle = reviewer
            .find(&programme)
            .await
            .expect("the reviewer reads it");
        reviewer.set(&handle, "/title", json!("Подделка проверяющего"));
        tokio::time::sleep(Duration::from_secs(2)).await;
        reviewer.stop().await;
    });
    assert_eq!(detail(&server, "admin", &programme)["heads"], before);
    runtime().block_on(async {
        let editor = Peer::connect(&server, "editor").await;
        let handle = editor.find(&programme).await.unwrap();
        assert_ne!(title(&handle), json!("Подделка проверяющего"));
        editor.stop().await;
    });
}

#[test]
fn a_submitted_document_is_frozen_for_its_parties_until_the_decision() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let agreement = document(&server, "partnership-agreement", "krasnoe");
    let before = detail(&server, "admin", &agreement)["heads"].clone();
    runtime().block_on(async {
        let editor = Peer::connect(&server, "editor").await;
        let handle = editor.find(&agreement).await.expect("a party reads it");
        editor.set(
            &handle,
            "/place",
            json!("г. Липецк (изменено во время рассмотрения)"),
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        editor.stop().await;
    });
    assert_eq!(
        detail(&server, "admin", &agreement)["heads"],
        before,
        "an edit reached a document under review"
    );
    // Returned: the school may edit again, and its edit starts the next round.
    let (status, body) = Api::demo(&server, "reviewer").post(
        &format!("/api/documents/{agreement}/review"),
        &json!({"verdict": "return", "comments": [{"pointer": "/place", "text": "Уточните место"}]}),
    );
    assert_eq!(status, 200, "{body}");
    runtime().block_on(async {
        let editor = Peer::connect(&server, "editor").await;
        let handle = editor.find(&agreement).await.unwrap();
        editor.set(&handle, "/place", json!("с. Красное Липецкой области"));
        tokio::time::sleep(Duration::from_millis(500)).await;
        editor.stop().await;
    });
    let after = wait_for_new_heads(&server, &agreement, &before);
    assert_ne!(after, before, "the edit after the return did not arrive");
    let record = detail(&server, "editor", &agreement);
    assert_eq!(record["status"], "draft");
    assert_eq!(record["round"], 2);
    assert_eq!(record["submissions"][0]["verdict"], "returned");
}

#[test]
fn an_edit_after_approval_starts_a_new_round_and_the_approval_stays_with_its_version() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let policy = document(&server, "stimulus-policy-change", "sukhodol");
    let approved = detail(&server, "admin", &policy);
    assert_eq!(approved["status"], "approved");
    let hash = approved["submissions"][0]["content_sha256"].clone();
    runtime().block_on(async {
        let editor = Peer::connect(&server, "sukhodol-editor").await;
        let handle = editor.find(&policy).await.expect("the owner reads it");
        editor.set(&handle, "/effective_date", json!("2025-10-01"));
        tokio::time::sleep(Duration::from_millis(500)).await;
        editor.stop().await;
    });
    wait_for_new_heads(&server, &policy, &approved["heads"]);
    let record = detail(&server, "sukhodol-editor", &policy);
    assert_eq!(record["status"], "draft", "{record}");
    assert_eq!(record["round"], 2);
    let first = &record["submissions"][0];
    assert_eq!(first["verdict"], "approved");
    assert_eq!(first["content_sha256"], hash);
    // The region's registry keeps the approved round.
    let (_, rows) = Api::demo(&server, "coordinator").get("/api/registry");
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["document"] == policy.as_str() && r["round"] == 1),
        "{rows}"
    );
}

/// The server notices an edit to a decided document as it arrives, not when somebody next
/// opens the document: the new round is in the audit log with nobody asking, and the list of
/// documents shows it at once.
#[test]
fn an_edit_to_a_decided_document_is_recorded_as_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let listed = |login: &str| -> Value {
        let (status, list) = Api::demo(&server, login).get("/api/documents");
        assert_eq!(status, 200);
        list.as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == programme.as_str())
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(listed("editor")["status"], "collected");
    let edits = || {
        let store = e2e::open_store(&server.data_dir);
        store
            .audit_log()
            .unwrap()
            .into_iter()
            .filter(|row| row.action == "edit" && row.subject == programme)
            .count()
    };
    assert_eq!(edits(), 0);
    runtime().block_on(async {
        let editor = Peer::connect(&server, "editor").await;
        let handle = editor.find(&programme).await.expect("the owner reads it");
        editor.set(&handle, "/title", json!("Программа, редакция 2026 года"));
        // Only the edit, then nothing: no request about the document until it is recorded.
        let mut waited = 0;
        while edits() == 0 && waited < 100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        editor.stop().await;
    });
    assert_eq!(
        edits(),
        1,
        "the new round is recorded once, by the server itself"
    );
    let summary = listed("editor");
    assert_eq!(summary["status"], "draft", "{summary}");
    assert_eq!(summary["round"], 2, "{summary}");
}

#[test]
fn the_sync_upgrade_checks_the_token_and_the_peer_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let token = Api::demo(&server, "editor").token.unwrap();
    let status = |query: String| {
        let url = format!("ws://{}/sync{query}", server.addr());
        runtime().block_on(async {
            match tokio_tungstenite::connect_async(url).await {
                Ok(_) => 101,
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    response.status().as_u16()
                }
                Err(other) => panic!("{other}"),
            }
        })
    };
    assert_eq!(status(String::new()), 401);
    assert_eq!(
        status(format!("?token={}&peer=u:editor:x", "0".repeat(64))),
        401
    );
    assert_eq!(status(format!("?token={token}")), 400);
    assert_eq!(status(format!("?token={token}&peer=u:director:x")), 403);
    assert_eq!(status(format!("?token={token}&peer=u:editor:x")), 101);
}

#[test]
fn nothing_written_into_a_document_changes_its_status_signatures_or_approval() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let draft = document(&server, "school-programme", "sukhodol");
    let before = detail(&server, "admin", &draft);
    runtime().block_on(async {
        let editor = Peer::connect(&server, "sukhodol-editor").await;
        let handle = editor.find(&draft).await.expect("the owner writes it");
        // Straight into the CRDT, around the form's schema: what a forging client would do.
        handle.with_document(|doc| {
            use automerge::transaction::Transactable;
            let mut tx = doc.transaction();
            tx.put(automerge::ROOT, "status", "approved").unwrap();
            tx.put(automerge::ROOT, "approved_by", "reviewer").unwrap();
            tx.put(automerge::ROOT, "signatures", "director, mentor-director")
                .unwrap();
            tx.commit();
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        editor.stop().await;
    });
    let after_heads = wait_for_new_heads(&server, &draft, &before["heads"]);
    assert_ne!(
        after_heads, before["heads"],
        "the write did not reach the server"
    );
    let after = detail(&server, "admin", &draft);
    assert_eq!(after["status"], "draft");
    assert_eq!(after["round"], 1);
    assert_eq!(after["submissions"], json!([]));
    let (_, rows) = Api::demo(&server, "coordinator").get("/api/registry");
    assert!(
        !rows
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["document"] == draft.as_str()),
        "{rows}"
    );
}
