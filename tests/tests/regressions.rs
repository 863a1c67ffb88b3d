//! Replays of the fuzzers' findings (`tests/regressions/<target>/`, see `fuzz/README.md`):
//! each file goes through the code path its target exercises, here in the library and, for
//! the websocket targets, to the real server binary. A finding stays fixed: the bytes are
//! refused, nothing panics, and the server's peak memory stays where it was.

mod support;

use std::path::{Path, PathBuf};

use document::narrative::Narratives;
use e2e::{Api, Server, proc_memory};
use futures::SinkExt;
use support::{Client, document, runtime};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::StateVector;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

/// The findings of `target`, by file.
fn findings(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Found while fixing the first `yjs_update` finding (and too large a file to keep): an
/// update whose `Any` content nests arrays 300,000 deep, 600 KB, on which yrs 0.28 recursed
/// until the stack overflowed and the process aborted.
fn nested_values() -> Vec<u8> {
    // One client with one block: an item under the root type "a" holding one `Any` value.
    let mut update = vec![1, 1, 1, 0, 8, 1, 1, b'a', 1];
    for _ in 0..300_000 {
        update.extend([117, 1]);
    }
    update.extend([126, 0]);
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

/// Every finding of `yjs_update`: the files and the generated one.
fn yjs_findings() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = findings("yjs_update")
        .into_iter()
        .map(|file| (file.display().to_string(), std::fs::read(&file).unwrap()))
        .collect();
    all.push(("nested values".to_owned(), nested_values()));
    all
}

/// Every target with findings has a replay here.
#[test]
fn every_fuzz_target_with_findings_is_replayed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let target = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            ["yjs_update"].contains(&target.as_str()),
            "tests/regressions/{target} has no replay in tests/regressions.rs"
        );
    }
}

/// The `yjs_update` target's path in the library: the y-websocket framing, each update
/// checked, the bytes as a bare update too. Refused, without reserving what they claim.
#[test]
fn yjs_update_findings_are_refused_by_the_library() {
    let me = std::process::id();
    let peak_before = proc_memory(me, "VmHWM:");
    for (name, bytes) in yjs_findings() {
        let refused = match Narratives::decode_messages(&bytes) {
            Err(_) => true,
            Ok(messages) => messages.iter().any(|message| {
                matches!(message,
                    Message::Sync(SyncMessage::SyncStep2(raw) | SyncMessage::Update(raw))
                        if Narratives::check_update(raw).is_err())
            }),
        };
        assert!(refused, "{name} was admitted");
        // As a bare update, and as a state vector, too.
        let _ = Narratives::check_update(&bytes);
        let _ = Narratives::new().diff_since(&bytes);
    }
    let grown = proc_memory(me, "VmHWM:").saturating_sub(peak_before);
    assert!(
        grown < 64 * 1024 * 1024,
        "peak memory grew by {} MiB",
        grown >> 20
    );
}

/// The same bytes sent by a reader on `/yjs/{doc}` of the real server: the connection is
/// closed, the server's peak memory does not jump, and it goes on serving the document.
#[test]
fn yjs_update_findings_sent_to_the_server_close_the_connection_and_cost_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let programme = document(&server, "school-programme", "krasnoe");
    let reviewer = Api::demo(&server, "reviewer").token.unwrap();
    let rt = runtime();
    // A first connection brings the room in, so what follows measures only the messages.
    rt.block_on(async {
        let client = Client::connect_with(&server, &reviewer, &programme)
            .await
            .unwrap();
        drop(client);
    });
    let peak_before = proc_memory(server.pid(), "VmHWM:");
    for (name, bytes) in yjs_findings() {
        rt.block_on(async {
            let mut client = Client::connect_with(&server, &reviewer, &programme)
                .await
                .unwrap();
            client.synced = false;
            client
                .ws
                .send(WsMessage::Binary(bytes.into()))
                .await
                .unwrap();
            let step1 = Message::Sync(SyncMessage::SyncStep1(StateVector::default())).encode_v1();
            let _ = client.ws.send(WsMessage::Binary(step1.into())).await;
            client.until(|c| c.closed || c.synced).await;
            assert!(client.closed, "{name}: the connection stayed open");
        });
    }
    let grown = proc_memory(server.pid(), "VmHWM:").saturating_sub(peak_before);
    assert!(
        grown < 64 * 1024 * 1024,
        "the server's peak memory grew by {} MiB",
        grown >> 20
    );
    rt.block_on(async {
        // Connecting syncs (asserted inside): the document is served again.
        let again = Client::connect_with(&server, &reviewer, &programme)
            .await
            .unwrap();
        assert!(again.synced && !again.closed);
    });
}
