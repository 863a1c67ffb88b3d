//! SIGTERM with live `/sync` connections stops the server promptly and cleanly: the acceptor
//! closes every connection, storage is flushed, the process exits 0.

use std::time::{Duration, Instant};

use e2e::raw_peer::RawPeer;
use e2e::{Api, Server, writable_document};

#[test]
fn sigterm_with_open_sync_connections_stops_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = writable_document(&server, "editor");
    let token = Api::demo(&server, "editor").token.unwrap();
    let mut peers: Vec<RawPeer> = (0..20)
        .map(|i| RawPeer::connect(&server.addr(), &token, &format!("u:editor:p{i}")))
        .collect();
    // One of them holds the document open on the server, mid-session.
    peers[0].fetch(&doc);
    let start = Instant::now();
    assert!(server.stop(), "the server exits 0 after SIGTERM");
    let took = start.elapsed();
    eprintln!("SIGTERM with 20 open sync connections: stopped after {took:?}");
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    for peer in &mut peers {
        assert!(
            peer.closed_within(Duration::from_secs(2)),
            "every connection is closed"
        );
    }
}

/// SIGTERM while typists keep the server busy: it exits 0 within a bound (not a benchmark: the
/// bound is generous), and so it does after they have left with a backlog queued.
#[test]
fn sigterm_under_typing_load_exits_within_a_bound() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = writable_document(&server, "editor");
    let token = Api::demo(&server, "editor").token.unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = server.addr();
    let typists = runtime.block_on(typists_busy(&addr, &token, &doc, 8));
    let start = Instant::now();
    assert!(server.stop(), "the server exits 0 after SIGTERM under load");
    let took = start.elapsed();
    eprintln!("SIGTERM under load: stopped after {took:?}");
    assert!(took < Duration::from_secs(10), "stopped after {took:?}");
    runtime.block_on(async {
        for (repo, task) in typists {
            task.abort();
            repo.stop().await;
        }
    });
}

/// `count` samod repos as the editor's replicas, each typing into `doc` every 10 ms until
/// aborted; returned once each has typed for a while.
async fn typists_busy(
    addr: &str,
    token: &str,
    doc: &str,
    count: usize,
) -> Vec<(samod::Repo, tokio::task::JoinHandle<()>)> {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ReadDoc};
    let mut typists = Vec::new();
    for i in 0..count {
        let peer = format!("u:editor:typist-{i}");
        let repo = samod::Repo::build_tokio()
            .with_peer_id(samod::PeerId::from(peer.as_str()))
            .load()
            .await;
        let mut url = url::Url::parse(&format!("ws://{addr}/sync")).unwrap();
        url.query_pairs_mut()
            .append_pair("token", token)
            .append_pair("peer", &peer);
        let dialer = repo
            .dial_websocket(url, samod::BackoffConfig::default())
            .unwrap();
        dialer.established().await.expect("connected");
        let handle = repo
            .find(doc.parse().unwrap())
            .await
            .unwrap()
            .expect("the editor's document");
        let task = tokio::spawn(async move {
            // Each typist types into a text of its own at the root's `load` map.
            let text = handle.with_document(|d| {
                let mut tx = d.transaction();
                let map = match tx.get(automerge::ROOT, "load").unwrap() {
                    Some((automerge::Value::Object(ObjType::Map), id)) => id,
                    _ => tx
                        .put_object(automerge::ROOT, "load", ObjType::Map)
                        .unwrap(),
                };
                let text = tx.put_object(&map, format!("t{i}"), ObjType::Text).unwrap();
                tx.commit();
                text
            });
            loop {
                handle.with_document(|d| {
                    let at = d.length(&text);
                    let mut tx = d.transaction();
                    tx.splice_text(&text, at, 0, "ж").unwrap();
                    tx.commit();
                });
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        typists.push((repo, task));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    typists
}
