//! `/yjs/{doc}` under faults, on the real server binary: the server is killed with SIGKILL
//! while a client streams updates (whatever another client had received is there after the
//! restart, nothing is corrupt, and the writer's resync brings the rest), and fuzzed messages
//! (random bytes, truncated and bit-flipped valid updates, an oversized one) never leave the
//! server anywhere but where yrs applying the same bytes ends: bytes that do not decode close
//! the connection and change nothing, stored or seen by others.

mod support;

use std::time::Duration;

use document::narrative::Narratives;
use e2e::{Api, Server};
use futures::SinkExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use support::{Client, KEY, document, runtime};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact};

fn state_vector(narratives: &Narratives) -> StateVector {
    StateVector::decode_v1(&narratives.state_vector()).unwrap()
}

/// Whether `more` holds at least everything `less` does (per Yjs client, a clock as high).
fn covers(more: &StateVector, less: &StateVector) -> bool {
    less.iter()
        .all(|(client, clock)| more.get(client) >= *clock)
}

#[test]
fn a_server_killed_mid_stream_keeps_what_it_passed_on_and_the_writer_resyncs_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let addr = server.addr();
    let editor_token = Api::demo(&server, "editor").token.unwrap();
    let mentor_token = Api::demo(&server, "mentor").token.unwrap();
    let reviewer_token = Api::demo(&server, "reviewer").token.unwrap();
    let rt = runtime();
    let (editor, seen_text, seen) = rt.block_on(async {
        let mut editor = Client::connect_with(&server, &editor_token, &programme)
            .await
            .unwrap();
        let mut mentor = Client::connect_with(&server, &mentor_token, &programme)
            .await
            .unwrap();
        // The editor types piece after piece, never waiting for the server, until its socket
        // fails (the server is gone) or it has typed 20,000 pieces.
        let typing = tokio::spawn(async move {
            let mut typed = 0usize;
            for n in 0..20_000 {
                let piece = format!("{n} ");
                let at = editor.text().encode_utf16().count();
                let update = editor.narratives.splice(KEY, at, 0, &piece).unwrap();
                let message = Message::Sync(SyncMessage::Update(update)).encode_v1();
                if editor
                    .ws
                    .send(WsMessage::Binary(message.into()))
                    .await
                    .is_err()
                {
                    break;
                }
                typed += 1;
                if n % 8 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            (editor, typed)
        });
        assert!(
            mentor.until(|c| c.text().len() > 2_000).await,
            "the subscriber got {} characters",
            mentor.text().len()
        );
        // SIGKILL mid-stream: no chance to flush anything.
        server.kill();
        // Whatever arrived before the kill (nothing after it can).
        let _ = mentor.until(|c| c.closed).await;
        let (editor, typed) = typing.await.unwrap();
        assert!(
            editor.text().len() > mentor.text().len(),
            "the kill came after the editor stopped typing ({typed} pieces)"
        );
        (editor, mentor.text(), state_vector(&mentor.narratives))
    });
    let db = dir.path().join("ravenstvo.sqlite3");
    let integrity: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let server = Server::start_on(dir.path(), &addr);
    rt.block_on(async {
        // Before the editor comes back: everything the subscriber had received was stored (the
        // server passes an update on only once it is stored), and nothing else is there but
        // the editor's own typing.
        let fresh = Client::connect_with(&server, &reviewer_token, &programme)
            .await
            .unwrap();
        assert!(
            covers(&state_vector(&fresh.narratives), &seen),
            "an update the subscriber had received is lost"
        );
        assert!(fresh.text().starts_with(&seen_text));
        assert!(editor.text().starts_with(&fresh.text()));
        // The editor reconnects with its whole state: the sync brings the server the rest.
        let want = editor.text();
        let _editor = editor.resume(&server, &editor_token, &programme).await;
        let mut reader = Client::connect_with(&server, &reviewer_token, &programme)
            .await
            .unwrap();
        assert!(
            reader.until(|c| c.text() == want).await,
            "after the resync the server has {} of {} characters",
            reader.text().len(),
            want.len()
        );
    });
    // The stored state loads again, whole.
    let want = rt.block_on(async {
        Client::connect_with(&server, &reviewer_token, &programme)
            .await
            .unwrap()
            .text()
    });
    assert!(server.stop());
    let server = Server::start_on(dir.path(), &addr);
    rt.block_on(async {
        let reader = Client::connect_with(&server, &reviewer_token, &programme)
            .await
            .unwrap();
        assert_eq!(reader.text(), want);
    });
}

/// A valid update typing `text` into the narrative, from a client of its own.
fn valid_update(text: &str) -> Vec<u8> {
    Narratives::new().set_text(KEY, text)
}

fn wrapped(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

/// One websocket message of the fuzzer.
fn fuzzed() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Random bytes, as a whole message.
        proptest::collection::vec(any::<u8>(), 0..600),
        // Random bytes as a sync update's payload.
        proptest::collection::vec(any::<u8>(), 0..600).prop_map(wrapped),
        // A valid update cut short.
        ("[а-я .]{1,40}", any::<prop::sample::Index>()).prop_map(|(text, cut)| {
            let update = valid_update(&text);
            wrapped(update[..cut.index(update.len())].to_vec())
        }),
        // A valid update with one bit flipped.
        ("[а-я .]{1,40}", any::<prop::sample::Index>(), 0u8..8).prop_map(|(text, at, bit)| {
            let mut update = valid_update(&text);
            let at = at.index(update.len());
            update[at] ^= 1 << bit;
            wrapped(update)
        }),
        // A valid update with random bytes spliced in.
        (
            "[а-я .]{1,40}",
            any::<prop::sample::Index>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(text, at, junk)| {
                let mut update = valid_update(&text);
                let at = at.index(update.len());
                update.splice(at..at, junk);
                wrapped(update)
            }),
    ]
}

/// The largest awareness message the server accepts (`sync_server::yjs::connection`).
const MAX_AWARENESS_BYTES: usize = 64 * 1024;

/// What the server holds after `message` arrives on a writer's connection, when it held
/// `before`, and whether it closes the connection: the server's own rules (decode every
/// message and check every update before applying any; skip an update that brings nothing;
/// close at the first update or awareness that does not apply) played on a copy with yrs.
fn expected(before: &Narratives, message: &[u8]) -> (Narratives, bool) {
    let after = Narratives::from_updates([before.encode_state().as_slice()]).unwrap();
    if message.len() > document::narrative::MAX_UPDATE_BYTES {
        return (after, true);
    }
    let Ok(messages) = Narratives::decode_messages(message) else {
        return (after, true);
    };
    for message in &messages {
        match message {
            Message::Sync(SyncMessage::SyncStep2(raw) | SyncMessage::Update(raw))
                if Narratives::check_update(raw).is_err() =>
            {
                return (after, true);
            }
            Message::Awareness(update) if update.encode_v1().len() > MAX_AWARENESS_BYTES => {
                return (after, true);
            }
            _ => {}
        }
    }
    let mut awareness = yrs::sync::Awareness::new(yrs::Doc::new());
    for message in messages {
        match &message {
            Message::Sync(SyncMessage::SyncStep2(raw) | SyncMessage::Update(raw)) => {
                let step2 = matches!(message, Message::Sync(SyncMessage::SyncStep2(_)));
                let update = Narratives::check_update(raw).unwrap();
                let have = after.doc().transact().state_vector();
                if !update.extends(&have) && (step2 || update.delete_set().is_empty()) {
                    continue;
                }
                if after.doc().transact_mut().apply_update(update).is_err() {
                    return (after, true);
                }
            }
            Message::Awareness(update) if awareness.apply_update(update.clone()).is_err() => {
                return (after, true);
            }
            _ => {}
        }
    }
    (after, false)
}

/// Whether two copies hold the same narratives: state vectors and every narrative's content.
fn same(a: &Narratives, b: &Narratives) -> Result<(), String> {
    if state_vector(a) != state_vector(b) {
        return Err(format!(
            "state vectors differ: {:?} / {:?}",
            state_vector(a),
            state_vector(b)
        ));
    }
    let mut keys = a.keys();
    keys.extend(b.keys());
    for key in keys {
        if a.prosemirror(&key) != b.prosemirror(&key) {
            return Err(format!(
                "{key} differs: {} / {}",
                a.prosemirror(&key),
                b.prosemirror(&key)
            ));
        }
    }
    Ok(())
}

#[test]
fn fuzzed_messages_never_leave_the_server_anywhere_but_where_yrs_would() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let addr = server.addr();
    let editor_token = Api::demo(&server, "editor").token.unwrap();
    let mentor_token = Api::demo(&server, "mentor").token.unwrap();
    let reviewer_token = Api::demo(&server, "reviewer").token.unwrap();
    let rt = runtime();
    let mut observer = rt.block_on(async {
        let mut editor = Client::connect_with(&server, &editor_token, &programme)
            .await
            .unwrap();
        editor.splice(0, 0, "Текст до атаки.").await;
        let mut observer = Client::connect_with(&server, &mentor_token, &programme)
            .await
            .unwrap();
        assert!(observer.until(|c| c.text() == "Текст до атаки.").await);
        observer
    });
    let mut closed = 0;
    let one = |message: Vec<u8>| -> Result<(), String> {
        rt.block_on(async {
            let before = Client::connect_with(&server, &reviewer_token, &programme)
                .await
                .unwrap();
            let (want, closes) = expected(&before.narratives, &message);
            let mut writer = Client::connect_with(&server, &editor_token, &programme)
                .await
                .unwrap();
            // The message, then a sync step 1: its answer (or the close) says the message
            // was handled.
            writer.synced = false;
            let _ = writer.ws.send(WsMessage::Binary(message.into())).await;
            let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
            let _ = writer.ws.send(WsMessage::Binary(step1.into())).await;
            writer.until(|c| c.closed || c.synced).await;
            if writer.closed != closes {
                return Err(format!(
                    "the connection {} (expected the other)",
                    if writer.closed {
                        "closed"
                    } else {
                        "stayed open"
                    }
                ));
            }
            if writer.closed {
                closed += 1;
            }
            let after = Client::connect_with(&server, &reviewer_token, &programme)
                .await
                .unwrap();
            same(&after.narratives, &want)?;
            let want_sv = state_vector(&want);
            // (`until` waits for a message before it looks.)
            if state_vector(&observer.narratives) != want_sv {
                observer
                    .until(|c| state_vector(&c.narratives) == want_sv)
                    .await;
            }
            if observer.closed {
                return Err("the observer's connection closed".to_owned());
            }
            same(&observer.narratives, &want)
        })
    };
    let one = std::cell::RefCell::new(one);
    let mut runner = TestRunner::new(Config {
        // `YJS_FUZZ_CASES` for a longer run.
        cases: std::env::var("YJS_FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&fuzzed(), |message| {
            (one.borrow_mut())(message).map_err(|e| TestCaseError::fail(e.to_string()))
        })
        .unwrap();
    // One oversized message; it must close the connection and change nothing.
    let mut huge = wrapped(vec![0; 16]);
    huge.resize(document::narrative::MAX_UPDATE_BYTES + 64, 0);
    (one.borrow_mut())(huge).unwrap();
    assert!(closed > 4, "only {closed} messages closed their connection");
    // What was stored loads back as the server held it.
    let held = rt.block_on(async {
        Client::connect_with(&server, &reviewer_token, &programme)
            .await
            .unwrap()
            .narratives
    });
    assert!(server.stop());
    let server = Server::start_on(dir.path(), &addr);
    rt.block_on(async {
        let loaded = Client::connect_with(&server, &reviewer_token, &programme)
            .await
            .unwrap();
        same(&loaded.narratives, &held).unwrap();
        assert!(loaded.text().contains("Текст до атаки."));
    });
}
