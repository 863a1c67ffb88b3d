//! Two `sync-server` replicas on one PostgreSQL database: clients on either see each other's
//! edits, structured (Automerge over `/sync`) and narratives (Yjs over `/yjs`) live; a
//! submission made on one freezes the document on the other; a session closed on one ends on
//! the other; the audit chain stays one chain.
//!
//! Needs PostgreSQL (Debian's `postgresql` package); skipped without it unless
//! `RAVENSTVO_REQUIRE_POSTGRES=1`, as the store's PostgreSQL tests.

mod support;

use std::time::{Duration, Instant};

use e2e::{Api, Replica, Server, postgres};
use serde_json::json;
use support::peer::Peer;
use support::{Client, KEY, document, runtime};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

/// The two replicas on one fresh database, the first with the demo region.
fn replicas(dir: &std::path::Path) -> Option<(Server, Server, String)> {
    let pg = match postgres::shared() {
        Ok(pg) => pg,
        Err(why) => {
            postgres::skip("replicas", &why);
            return None;
        }
    };
    let url = pg.create_database().expect("a database");
    let flag = |url: &str| vec!["--database".into(), url.into()];
    let a = Server::start_with(&dir.join("a"), true, &flag(&url));
    let b = Server::start_with(&dir.join("b"), false, &flag(&url));
    Some((a, b, url))
}

/// Polls `done` until it holds or `within` passes.
fn eventually(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

#[test]
fn clients_on_two_replicas_see_each_others_edits() {
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b, _)) = replicas(dir.path()) else {
        return;
    };
    let (status, health) = Api::anonymous(&b).get("/healthz");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["database"], "postgresql");
    // Only a replica with the cluster's secret may dial in as a replica; a user's token does
    // not make a replica either.
    let token = Api::demo(&a, "editor").token.unwrap();
    runtime().block_on(async {
        for query in [
            "replica=not-the-secret&peer=r:0123".to_owned(),
            "replica=&peer=r:0123".to_owned(),
            format!("token={token}&peer=r:0123"),
        ] {
            let url = format!("ws://{}/sync?{query}", b.addr());
            match tokio_tungstenite::connect_async(url).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    let status = response.status().as_u16();
                    assert!(status == 401 || status == 403, "{query}: {status}");
                }
                other => panic!("{query}: admitted as a replica: {:?}", other.map(|_| ())),
            }
        }
    });
    let programme = document(&a, "school-programme", "krasnoe");

    // Structured data: the school edits on replica A, the mentor school on replica B, which
    // already holds the document in memory.
    let school = Replica::new(&dir.path().join("school"), "Школа");
    let mentor = Replica::new(&dir.path().join("mentor"), "Наставник");
    school.login(&a, "editor");
    mentor.login(&b, "mentor");
    school.sync(&a, &[&programme]);
    mentor.sync(&b, &[&programme]);
    school.ok(&["edit", &programme, "set", "/trained_staff_count", "31"]);
    school.sync(&a, &[]);
    assert!(
        eventually(Duration::from_secs(10), || {
            mentor.sync(&b, &[]);
            mentor.json(&programme)["trained_staff_count"] == 31
        }),
        "replica B never had replica A's edit: {}",
        mentor.json(&programme)["trained_staff_count"]
    );
    mentor.ok(&[
        "edit",
        &programme,
        "set",
        "/curator/phone",
        "\"+7 (4742) 32-11-00\"",
    ]);
    mentor.sync(&b, &[]);
    assert!(
        eventually(Duration::from_secs(10), || {
            school.sync(&a, &[]);
            school.json(&programme)["curator"]["phone"] == "+7 (4742) 32-11-00"
        }),
        "replica A never had replica B's edit"
    );

    // Narratives: typed on one replica, seen live on the other.
    runtime().block_on(async {
        let mut editor = Client::connect(&a, "editor", &programme).await.unwrap();
        let mut teacher = Client::connect(&b, "mentor", &programme).await.unwrap();
        let start = editor.text();
        editor.splice(0, 0, "С реплики А. ").await;
        assert!(
            teacher
                .until(|c| c.text().starts_with("С реплики А. "))
                .await,
            "replica B's client never saw the text typed on A: {:?}",
            teacher.text()
        );
        let end = teacher.text().chars().count();
        teacher.splice(end, 0, " С реплики Б.").await;
        let want = format!("С реплики А. {start} С реплики Б.");
        assert!(
            editor.until(|c| c.text() == want).await,
            "replica A's client never saw the text typed on B: {:?}",
            editor.text()
        );
    });
    assert!(a.stop() && b.stop());
}

#[test]
fn a_submission_on_one_replica_freezes_the_document_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b, _)) = replicas(dir.path()) else {
        return;
    };
    let draft = document(&a, "school-programme", "sukhodol");
    let text = "Учащиеся редко видят связь предметов с жизнью; педагоги мало работают с \
                индивидуальными затруднениями; родители включены в жизнь школы слабо.";
    runtime().block_on(async {
        // Written on replica B, submitted on replica A.
        let mut writer = Client::connect(&b, "sukhodol-editor", &draft)
            .await
            .unwrap();
        let update = writer.narratives.set_text(KEY, text);
        writer
            .send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
        let mut watcher = Client::connect(&a, "sukhodol-editor", &draft)
            .await
            .unwrap();
        assert!(
            watcher.until(|c| c.text() == text).await,
            "A never had B's text"
        );
        // A live automerge-repo connection to B holds the document, as the web app does.
        let peer = Peer::connect(&b, "sukhodol-editor").await;
        let handle = peer.find(&draft).await.expect("the owner reads it");
        let editor = Api::demo(&a, "sukhodol-editor");
        let (_, detail) = editor.get(&format!("/api/documents/{draft}"));
        let submitted = detail["heads"].clone();
        let (status, body) = editor.post(
            &format!("/api/documents/{draft}/submissions"),
            &json!({"heads": submitted}),
        );
        assert_eq!(status, 201, "{body}");
        // An edit sent to B over that connection after the submission does not reach the
        // document (B heard of the submission; had it not, A would have the edit from B).
        tokio::time::sleep(Duration::from_millis(500)).await;
        peer.set(&handle, "/trained_staff_count", json!(77));
        tokio::time::sleep(Duration::from_secs(2)).await;
        peer.stop().await;
        let (_, after) = editor.get(&format!("/api/documents/{draft}"));
        assert_eq!(
            after["heads"], submitted,
            "an edit through B reached a submitted document"
        );
        // Replica B hears of the submission and refuses the next update.
        let mut refused = false;
        for _ in 0..20 {
            writer.splice(0, 0, "После подачи. ").await;
            if writer.until(|c| !c.denied.is_empty() || c.closed).await {
                refused = true;
                break;
            }
        }
        assert!(
            refused,
            "replica B kept accepting edits to a submitted document"
        );
    });
    // The pinned narrative is the text written on B.
    let (_, detail) = Api::demo(&b, "sukhodol-editor").get(&format!("/api/documents/{draft}"));
    let pinned = detail["submissions"]
        .as_array()
        .and_then(|s| s.last())
        .cloned()
        .unwrap_or_default();
    assert!(!pinned.is_null(), "no submission seen from B: {detail}");
    a.assert_audit_holds();
    assert!(a.stop() && b.stop());
}

#[test]
fn a_session_closed_on_one_replica_ends_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b, _)) = replicas(dir.path()) else {
        return;
    };
    let programme = document(&a, "school-programme", "krasnoe");
    let editor = Api::demo(&a, "editor");
    let token = editor.token.clone().unwrap();
    runtime().block_on(async {
        let mut client = Client::connect_with(&b, &token, &programme).await.unwrap();
        let (status, body) = editor.post("/api/logout", &json!({}));
        assert!(status == 200 || status == 204, "{status} {body}");
        assert!(
            client.until(|c| c.closed).await,
            "replica B kept a connection whose session ended on A"
        );
    });
    let mut ended = Api::anonymous(&b);
    ended.token = Some(token);
    assert_eq!(ended.get("/api/whoami").0, 401);
    assert!(a.stop() && b.stop());
}
