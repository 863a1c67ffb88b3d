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
