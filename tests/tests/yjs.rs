//! `/yjs/{doc}` with real websockets and the real server binary: Yjs clients (yrs speaking
//! the y-websocket protocol, as the web app's y-websocket does) edit a narrative of a demo
//! document together, see each other's awareness, and find the text again after a restart;
//! strangers get no socket, readers' updates are refused, a submitted document is frozen,
//! a malformed update closes only its connection and changes nothing, and an edit after a
//! return starts a new round.

mod support;

use std::time::Duration;

use e2e::{Api, Replica, Server};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::{Client, KEY, document, runtime};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

#[test]
fn two_people_write_one_narrative_with_presence_and_it_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let addr = server.addr();
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        let mut mentor = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        editor.announce(json!({"user": {"name": "Завуч"}})).await;
        assert!(
            mentor.until(|c| c.sees("Завуч")).await,
            "awareness did not arrive"
        );
        editor.splice(0, 0, "Низкая мотивация учащихся.").await;
        assert!(
            mentor
                .until(|c| c.text() == "Низкая мотивация учащихся.")
                .await
        );
        // Concurrent typing: both insert before either hears the other.
        mentor.splice(26, 0, "\nНехватка кадров.").await;
        editor.splice(6, 0, " учебная").await;
        let want = "Низкая учебная мотивация учащихся.\nНехватка кадров.";
        assert!(
            editor.until(|c| c.text() == want).await,
            "{}",
            editor.text()
        );
        assert!(
            mentor.until(|c| c.text() == want).await,
            "{}",
            mentor.text()
        );
    });
    assert!(server.stop());
    let server = Server::start_on(dir.path(), &addr);
    runtime().block_on(async {
        let reader = Client::connect(&server, "reviewer", &programme)
            .await
            .unwrap();
        assert_eq!(
            reader.text(),
            "Низкая учебная мотивация учащихся.\nНехватка кадров."
        );
    });
}

#[test]
fn strangers_get_nothing_and_readers_updates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    runtime().block_on(async {
        assert_eq!(
            Client::connect(&server, "sukhodol-editor", &programme)
                .await
                .err(),
            Some(404)
        );
        assert_eq!(
            Client::connect_with(&server, "not-a-token", &programme)
                .await
                .err(),
            Some(401)
        );
        let mut editor = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        editor.splice(0, 0, "Текст школы").await;
        let mut reviewer = Client::connect(&server, "reviewer", &programme)
            .await
            .unwrap();
        assert!(reviewer.until(|c| c.text() == "Текст школы").await);
        reviewer.splice(0, 0, "Подделка. ").await;
        assert!(reviewer.until(|c| !c.denied.is_empty()).await, "no refusal");
        let fresh = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        assert_eq!(fresh.text(), "Текст школы");
    });
}

#[test]
fn a_submitted_document_is_frozen_and_an_edit_after_return_starts_a_new_round() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    // The demo's agreement of Krasnoe is under review.
    let agreement = document(&server, "partnership-agreement", "krasnoe");
    let (status, record) = Api::demo(&server, "admin").get(&format!("/api/documents/{agreement}"));
    assert_eq!(status, 200);
    assert_eq!(record["status"], "submitted", "{record}");
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &agreement)
            .await
            .unwrap();
        editor
            .narratives
            .splice("/subject", 0, 0, "Правка во время рассмотрения")
            .unwrap();
        let update = editor.narratives.encode_state();
        editor
            .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
        assert!(editor.until(|c| !c.denied.is_empty()).await, "no refusal");
    });
    let (status, body) = Api::demo(&server, "reviewer").post(
        &format!("/api/documents/{agreement}/review"),
        &json!({"verdict": "return", "comments": [{"pointer": "/subject", "text": "Уточните предмет"}]}),
    );
    assert_eq!(status, 200, "{body}");
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &agreement)
            .await
            .unwrap();
        let update = editor
            .narratives
            .splice(
                "/subject",
                0,
                0,
                "Уточнённый предмет договора: совместная работа школ по повышению качества обучения. ",
            )
            .unwrap();
        editor
            .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
        assert!(!editor.until(|c| !c.denied.is_empty() || c.closed).await);
    });
    let mut record = Value::Null;
    for _ in 0..50 {
        record = Api::demo(&server, "editor")
            .get(&format!("/api/documents/{agreement}"))
            .1;
        if record["round"] == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(record["status"], "draft", "{record}");
    assert_eq!(record["round"], 2);
    // Only the narrative changed: the heads are round 1's, the content is not; it is submitted
    // as a new version, pinning the new text.
    let (status, body) = Api::demo(&server, "editor").post(
        &format!("/api/documents/{agreement}/submissions"),
        &json!({"heads": record["heads"]}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["round"], 2, "{body}");
    let (_, detail) = Api::demo(&server, "editor").get(&format!("/api/documents/{agreement}"));
    let submissions = detail["submissions"].as_array().unwrap();
    assert_eq!(submissions.len(), 2, "{detail}");
    assert_eq!(submissions[0]["heads"], submissions[1]["heads"]);
    assert_ne!(
        submissions[0]["content_sha256"],
        submissions[1]["content_sha256"]
    );
    // The same version again is refused as already submitted.
    let (status, body) = Api::demo(&server, "editor").post(
        &format!("/api/documents/{agreement}/submissions"),
        &json!({"heads": record["heads"]}),
    );
    assert_eq!(status, 409, "{body}");
}

#[test]
fn a_malformed_update_closes_its_connection_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        editor.splice(0, 0, "Сохранённый текст").await;
        let mut other = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        assert!(other.until(|c| c.text() == "Сохранённый текст").await);
        // A sync update whose payload is not a Yjs update.
        let mut garbage = vec![0u8, 2, 9];
        garbage.extend_from_slice(&[0xff; 9]);
        editor.send(garbage).await;
        assert!(
            editor.until(|c| c.closed).await,
            "the connection stayed open"
        );
        // An update over the limit.
        let mut big = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        let huge = vec![0u8; document::narrative::MAX_UPDATE_BYTES + 10];
        let _ = big.ws.send(WsMessage::Binary(huge.into())).await;
        assert!(big.until(|c| c.closed).await, "the connection stayed open");
        let fresh = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        assert_eq!(fresh.text(), "Сохранённый текст");
        assert!(!other.closed);
    });
}

#[test]
fn submission_pins_the_narratives_and_later_edits_do_not_change_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let draft = document(&server, "school-programme", "sukhodol");
    let text = "Учащиеся редко видят связь предметов с жизнью; педагоги мало работают с \
                индивидуальными затруднениями; родители включены в жизнь школы слабо, а \
                внеурочная деятельность почти не связана с уроками.";
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "sukhodol-editor", &draft)
            .await
            .unwrap();
        let update = editor.narratives.set_text(KEY, text);
        editor
            .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
        // A second client sees it: the server has it.
        let mut other = Client::connect(&server, "sukhodol-editor", &draft)
            .await
            .unwrap();
        assert!(other.until(|c| c.text() == text).await);
    });
    let editor = Api::demo(&server, "sukhodol-editor");
    let (_, detail) = editor.get(&format!("/api/documents/{draft}"));
    let (status, body) = editor.post(
        &format!("/api/documents/{draft}/submissions"),
        &json!({"heads": detail["heads"]}),
    );
    assert_eq!(status, 201, "{body}");
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "sukhodol-editor", &draft)
            .await
            .unwrap();
        editor.splice(0, 0, "Правка после подачи. ").await;
        assert!(editor.until(|c| !c.denied.is_empty()).await, "no refusal");
    });
    let pinned = last_submission(dir.path(), &draft);
    let (content, hash) = (pinned.content, pinned.content_sha256);
    let pinned: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(pinned["causes_analysis"]["internal_causes"], text);
    assert_eq!(hash, body["content_sha256"]);
    assert_eq!(document::text_sha256(&content), hash);
}

#[test]
fn two_cli_replicas_write_the_causes_analysis_offline_and_converge_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path().join("server").as_path());
    let programme = document(&server, "school-programme", "krasnoe");
    let school = Replica::new(&dir.path().join("school"), "Завуч");
    let mentor = Replica::new(&dir.path().join("mentor"), "Наставник");
    school.login(&server, "editor");
    mentor.login(&server, "mentor");
    school.sync(&server, &[&programme]);
    mentor.sync(&server, &[&programme]);
    let before = school.json(&programme)["causes_analysis"]["internal_causes"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!before.is_empty());
    // Offline, both write into the narrative the demo had as plain text.
    school.ok(&[
        "edit",
        &programme,
        "text",
        KEY,
        "--at",
        "0",
        "--insert",
        "Главное: ",
    ]);
    let end = before.chars().count().to_string();
    mentor.ok(&[
        "edit",
        &programme,
        "text",
        KEY,
        "--at",
        &end,
        "--insert",
        "\nМнение наставника.",
    ]);
    school.sync(&server, &[]);
    mentor.sync(&server, &[]);
    school.sync(&server, &[]);
    let want = format!("Главное: {before}\nМнение наставника.");
    assert_eq!(
        school.json(&programme)["causes_analysis"]["internal_causes"],
        want
    );
    assert_eq!(
        mentor.json(&programme)["causes_analysis"]["internal_causes"],
        want
    );
    // A browser-side client sees the same text.
    runtime().block_on(async {
        let client = Client::connect(&server, "reviewer", &programme)
            .await
            .unwrap();
        assert_eq!(client.text(), want);
    });
    // Markdown replaces the narrative with the fewest edits; --prosemirror shows its form.
    let md = dir.path().join("causes.md");
    std::fs::write(
        &md,
        "## Внутренние причины\n\n- **слабая** мотивация\n- нехватка *кадров*\n",
    )
    .unwrap();
    school.ok(&[
        "edit",
        &programme,
        "text",
        KEY,
        "--from",
        md.to_str().unwrap(),
    ]);
    let shown: Value =
        serde_json::from_str(&school.ok(&["show", &programme, "--json", "--prosemirror"])).unwrap();
    assert_eq!(
        shown["data"]["causes_analysis"]["internal_causes"],
        "Внутренние причины\n• слабая мотивация\n• нехватка кадров"
    );
    let pm = &shown["narratives"][KEY]["prosemirror"];
    assert_eq!(pm["content"][0]["type"], "heading");
    assert_eq!(pm["content"][1]["type"], "bulletList");
    // A field that is not a narrative is refused Markdown.
    let out = school.run(&[
        "edit",
        &programme,
        "text",
        "/title",
        "--from",
        md.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    // The reviewer's replica may read but its narrative edits are refused at sync.
    let reviewer = Replica::new(&dir.path().join("reviewer"), "Проверяющий");
    reviewer.login(&server, "reviewer");
    reviewer.sync(&server, &[&programme]);
    assert_eq!(
        reviewer.json(&programme)["causes_analysis"]["internal_causes"],
        want
    );
    reviewer.ok(&[
        "edit", &programme, "text", KEY, "--at", "0", "--insert", "X",
    ]);
    let out = reviewer.run(&["sync", "--server", &server.url]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("не приняты")
            || String::from_utf8_lossy(&out.stderr).contains("не приняты"),
        "{out:?}"
    );
    mentor.sync(&server, &[]);
    assert_eq!(
        mentor.json(&programme)["causes_analysis"]["internal_causes"],
        want
    );
}

/// Installs `tests/js` (its committed lockfile) unless `node_modules` holds it already, as the
/// JS peer test does (same stamp, same lock file); returns the directory.
fn js_packages() -> std::path::PathBuf {
    use std::fs;
    let dir = e2e::root().join("tests/js");
    let lock = fs::read(dir.join("package-lock.json")).unwrap();
    let stamp = dir.join("node_modules/.installed-package-lock.json");
    let installed = || fs::read(&stamp).is_ok_and(|s| s == lock);
    if !installed() {
        let exe = std::env::current_exe().unwrap();
        let target = exe.parent().and_then(std::path::Path::parent).unwrap();
        let guard = fs::File::create(target.join("js-peer-npm-ci.lock")).unwrap();
        guard.lock().unwrap();
        if !installed() {
            let out = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .output()
                .expect("npm is runnable");
            assert!(out.status.success(), "npm ci: {out:?}");
            fs::write(&stamp, &lock).unwrap();
        }
    }
    dir
}

#[test]
fn a_node_yjs_client_and_a_rust_client_edit_one_paragraph_with_presence() {
    let js = js_packages();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let token = Api::demo(&server, "mentor").token.unwrap();
    runtime().block_on(async {
        let mut rust = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        rust.splice(0, 0, "Общий абзац.").await;
        rust.announce(json!({"user": {"name": "Завуч"}})).await;
        let node = tokio::process::Command::new("node")
            .arg(js.join("yjs_peer.mjs"))
            .args(["--server", &format!("ws://{}/yjs", server.addr())])
            .args(["--doc", &programme, "--token", &token, "--key", KEY])
            .args(["--name", "Наставник", "--await-peer", "Завуч"])
            .args(["--insert", " Дополнение из браузера.", "--at", "12"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("node runs");
        assert!(
            rust.until(|c| c.sees("Наставник")).await,
            "no awareness from Node"
        );
        let want = "Общий абзац. Дополнение из браузера.";
        assert!(rust.until(|c| c.text() == want).await, "{}", rust.text());
        let out = node.wait_with_output().await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let first: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
        assert_eq!(first["text"], "Общий абзац.");
        // Rust types while Node is gone; a second Node run reads it.
        rust.splice(0, 0, "Итак: ").await;
        let mut reader = Client::connect(&server, "reviewer", &programme)
            .await
            .unwrap();
        assert!(reader.until(|c| c.text().starts_with("Итак: ")).await);
        let out = tokio::process::Command::new("node")
            .arg(js.join("yjs_peer.mjs"))
            .args(["--server", &format!("ws://{}/yjs", server.addr())])
            .args(["--doc", &programme, "--token", &token, "--key", KEY])
            .output()
            .await
            .unwrap();
        let first: Value =
            serde_json::from_str(String::from_utf8_lossy(&out.stdout).lines().next().unwrap())
                .unwrap();
        assert_eq!(first["text"], format!("Итак: {want}"));
    });
}

#[test]
fn updates_typed_while_the_server_compacts_all_survive_a_restart() {
    if e2e::on_postgres() {
        // It counts compacted states in the SQLite file; the store's own tests compact on both.
        eprintln!("SKIPPED on PostgreSQL: reads the SQLite file");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let addr = server.addr();
    let db = dir.path().join("ravenstvo.sqlite3");
    let compacted = |db: &std::path::Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM yjs_states WHERE doc_id = ?1",
                [&programme],
                |row| row.get(0),
            )
            .unwrap()
    };
    let mut want = String::new();
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &programme)
            .await
            .unwrap();
        let mut mentor = Client::connect(&server, "mentor", &programme)
            .await
            .unwrap();
        // Type across compaction ticks (every 5 s, once 64 updates wait) until one has run,
        // and a little more after it.
        let started = std::time::Instant::now();
        let mut after = 0;
        while after < 100 {
            assert!(started.elapsed() < Duration::from_secs(60), "no compaction");
            let piece = format!("{} ", want.len());
            editor.splice(want.chars().count(), 0, &piece).await;
            want.push_str(&piece);
            tokio::time::sleep(Duration::from_millis(10)).await;
            if after > 0 || compacted(&db) > 0 {
                after += 1;
            }
        }
        assert!(
            mentor.until(|c| c.text() == want).await,
            "the subscriber has {} of {} characters",
            mentor.text().len(),
            want.len()
        );
    });
    assert!(server.stop());
    let server = Server::start_on(dir.path(), &addr);
    runtime().block_on(async {
        let reader = Client::connect(&server, "reviewer", &programme)
            .await
            .unwrap();
        assert_eq!(reader.text(), want);
    });
}

#[test]
fn an_update_racing_a_submission_is_either_pinned_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let draft = document(&server, "school-programme", "sukhodol");
    let text = "Учащиеся редко видят связь предметов с жизнью; педагоги мало работают с \
                индивидуальными затруднениями; родители включены в жизнь школы слабо, а \
                внеурочная деятельность почти не связана с уроками.";
    let rt = runtime();
    let mut editor = rt.block_on(async {
        let mut editor = Client::connect(&server, "sukhodol-editor", &draft)
            .await
            .unwrap();
        let update = editor.narratives.set_text(KEY, text);
        editor
            .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
        let mut other = Client::connect(&server, "sukhodol-editor", &draft)
            .await
            .unwrap();
        assert!(other.until(|c| c.text() == text).await);
        editor
    });
    let api = Api::demo(&server, "sukhodol-editor");
    let (_, detail) = api.get(&format!("/api/documents/{draft}"));
    // Submit while the editor keeps typing, until the server refuses an update.
    let submitting = std::thread::spawn({
        let path = format!("/api/documents/{draft}/submissions");
        let heads = detail["heads"].clone();
        move || {
            std::thread::sleep(Duration::from_millis(200));
            api.post(&path, &json!({ "heads": heads }))
        }
    });
    rt.block_on(async {
        let mut typed = 0;
        while editor.denied.is_empty() {
            assert!(typed < 20_000, "never frozen");
            let at = editor.text().chars().count();
            editor.splice(at, 0, &format!(" {typed}")).await;
            typed += 1;
            // Hear a refusal as soon as it comes.
            if let Ok(Some(Ok(WsMessage::Binary(bytes)))) =
                tokio::time::timeout(Duration::from_millis(2), editor.ws.next()).await
            {
                editor.receive(&bytes).await;
            }
        }
    });
    let (status, body) = submitting.join().unwrap();
    assert_eq!(status, 201, "{body}");
    // What the server holds now is exactly what was pinned: nothing accepted after the pin.
    let held = rt.block_on(async {
        Client::connect(&server, "reviewer", &draft)
            .await
            .unwrap()
            .text()
    });
    assert!(held.starts_with(text) && held.len() > text.len(), "{held}");
    let content = last_submission(dir.path(), &draft).content;
    let pinned: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(pinned["causes_analysis"]["internal_causes"], held.as_str());
}

#[test]
fn the_reviewers_diff_between_rounds_shows_the_narratives_text_changes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    // The demo's agreement of Krasnoe is under review; its subject is a narrative.
    let agreement = document(&server, "partnership-agreement", "krasnoe");
    // The subject as submitted (written before narratives moved to Yjs: an Automerge string).
    let content = e2e::open_store(dir.path())
        .submission_content(&workflow::DocumentId::new(agreement.as_str()), 1)
        .unwrap()
        .expect("round 1 was submitted");
    let first = serde_json::from_str::<Value>(&content).unwrap()["subject"]
        .as_str()
        .unwrap()
        .to_owned();
    let reviewer = Api::demo(&server, "reviewer");
    let first_heads = reviewer.get(&format!("/api/documents/{agreement}")).1["heads"].clone();
    let (status, body) = reviewer.post(
        &format!("/api/documents/{agreement}/review"),
        &json!({"verdict": "return", "comments": [{"pointer": "/subject", "text": "Уточните предмет"}]}),
    );
    assert_eq!(status, 200, "{body}");
    runtime().block_on(async {
        let mut editor = Client::connect(&server, "editor", &agreement)
            .await
            .unwrap();
        // As a replica does: the old text is seeded into Yjs, then edited.
        let seeded = editor.narratives.seed("/subject", &first);
        let update = editor
            .narratives
            .splice("/subject", 0, 0, "Уточнённый предмет. ")
            .unwrap();
        for update in [seeded, update] {
            editor
                .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
                .await;
        }
        let mut other = Client::connect(&server, "mentor", &agreement)
            .await
            .unwrap();
        assert!(
            other
                .until(|c| c
                    .narratives
                    .text("/subject")
                    .is_some_and(|t| t.starts_with("Уточнённый предмет. ")))
                .await
        );
    });
    let want = runtime().block_on(async {
        Client::connect(&server, "reviewer", &agreement)
            .await
            .unwrap()
            .narratives
            .text("/subject")
            .unwrap()
    });
    // A version already submitted is not submitted again: the place changes too (Automerge).
    let replica = Replica::new(&dir.path().join("school"), "Завуч");
    replica.login(&server, "editor");
    replica.sync(&server, &[&agreement]);
    replica.ok(&[
        "edit", &agreement, "text", "/place", "--at", "0", "--insert", "г. ",
    ]);
    replica.sync(&server, &[]);
    // The new round is started as the edit arrives; the director resubmits.
    let director = Api::demo(&server, "director");
    let mut detail = Value::Null;
    for _ in 0..50 {
        detail = director.get(&format!("/api/documents/{agreement}")).1;
        if detail["round"] == 2 && detail["heads"] != first_heads {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(detail["round"], 2, "{detail}");
    let (status, body) = director.post(
        &format!("/api/documents/{agreement}/submissions"),
        &json!({"heads": detail["heads"]}),
    );
    assert_eq!(status, 201, "{body}");
    // The reviewer's diff since the round they reviewed: the subject's text, old and new.
    let (status, diff) = reviewer.get(&format!("/api/documents/{agreement}/diff"));
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["from_round"], 1, "{diff}");
    let changes = diff["changes"].as_array().unwrap();
    let subject: Vec<&Value> = changes
        .iter()
        .filter(|c| c["pointer"] == "/subject")
        .collect();
    assert_eq!(subject.len(), 1, "{diff}");
    assert_eq!(subject[0]["kind"], "changed");
    assert_eq!(subject[0]["new"], want.as_str());
    assert_eq!(subject[0]["old"], first.as_str());
    assert_eq!(want, format!("Уточнённый предмет. {first}"));
}

/// The pinned version of the latest submission of `doc`, as the server on `data_dir` stored it.
fn last_submission(data_dir: &std::path::Path, doc: &str) -> store::Pinned {
    e2e::open_store(data_dir)
        .submissions(&workflow::DocumentId::new(doc))
        .unwrap()
        .pop()
        .expect("a submission")
        .pinned
}
