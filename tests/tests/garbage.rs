//! Garbage on the `/sync` websocket (text frames, bytes that are not CBOR, CBOR that is not a
//! message, a message over the size limit) closes that connection only: the server stays up
//! and other replicas keep syncing.

use std::time::Duration;

use e2e::{Replica, Server, example};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// Sends one message and reports whether the server then closed the connection.
async fn send_and_expect_close(url: &str, message: Message) -> bool {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    // A failed send already means the server dropped us.
    if ws.send(message).await.is_err() {
        return true;
    }
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(Message::Close(_)) | Err(_) => return true,
                Ok(_) => {}
            }
        }
        true
    });
    closed.await.unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_closes_only_that_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    // Garbage from an authenticated user: whoever sends it, it closes only that connection.
    let url = server.url.clone();
    let token = tokio::task::spawn_blocking(move || {
        e2e::Api::login_at(&url, "curator", e2e::demo_password("curator")).token
    })
    .await
    .unwrap()
    .unwrap();
    let ws_url = |replica: &str| {
        format!(
            "ws://{}/sync?token={token}&peer=u:curator:{replica}",
            server.addr()
        )
    };

    let a = Replica::new(&dir.path().join("a"), "Анна");
    let b = Replica::new(&dir.path().join("b"), "Борис");
    let (a_for_login, b_for_login, url) =
        (a.data_dir.clone(), b.data_dir.clone(), server.url.clone());
    tokio::task::spawn_blocking(move || {
        Replica::new(&a_for_login, "Анна").login_to(&url, "editor");
        Replica::new(&b_for_login, "Борис").login_to(&url, "director");
    })
    .await
    .unwrap();
    let example = example("stimulus-policy-change.lipetsk.valid.json");
    let doc = a.ok(&[
        "new",
        "stimulus-policy-change",
        "--region",
        "lipetsk",
        "--from",
        example.to_str().unwrap(),
    ]);
    let doc = doc.trim().to_owned();

    // A well-behaved replica holds a connection open while the garbage arrives.
    let (mut bystander, _) = tokio_tungstenite::connect_async(ws_url("bystander"))
        .await
        .unwrap();

    let garbage = [
        (
            "a text frame",
            Message::Text("hello, not automerge-repo".into()),
        ),
        (
            "bytes that are not CBOR",
            Message::Binary(vec![0xff, 0x00, 0x13, 0x37, 0xfe].into()),
        ),
        (
            "CBOR that is not a message",
            Message::Binary(vec![0x83, 0x01, 0x02, 0x03].into()),
        ),
        (
            "a CBOR map with a bogus type",
            Message::Binary(
                vec![0xa1, 0x64, b't', b'y', b'p', b'e', 0x63, b'b', b'a', b'd'].into(),
            ),
        ),
        (
            "a message over the size limit",
            Message::Binary(vec![0u8; 65 * 1024 * 1024].into()),
        ),
    ];
    for (index, (what, message)) in garbage.into_iter().enumerate() {
        assert!(
            send_and_expect_close(&ws_url(&format!("garbage-{index}")), message).await,
            "{what} did not close the connection"
        );
    }

    // The bystander's connection is still open: a ping is answered.
    bystander
        .send(Message::Ping(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(frame)) = bystander.next().await {
            if matches!(frame, Message::Pong(_)) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(
        pong,
        "an unrelated connection was closed by someone else's garbage"
    );

    // And real replicas still sync through the same server.
    let (doc_for_a, url) = (doc.clone(), server.url.clone());
    let a_dir = a.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        let a = Replica::new(&a_dir, "Анна");
        a.ok(&["sync", "--server", &url]);
        a.json(&doc_for_a)
    })
    .await
    .unwrap();
    let (b_dir, url, doc_for_b) = (b.data_dir.clone(), server.url.clone(), doc.clone());
    let fetched = tokio::task::spawn_blocking(move || {
        let b = Replica::new(&b_dir, "Борис");
        b.ok(&["sync", "--server", &url, "--doc", &doc_for_b]);
        b.json(&doc_for_b)
    })
    .await
    .unwrap();
    assert_eq!(fetched, a.json(&doc));

    let health = tokio::task::spawn_blocking({
        let addr = server.addr();
        move || http_get(&addr, "/healthz")
    })
    .await
    .unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    drop(bystander);
    assert!(server.stop(), "the server exits cleanly on SIGTERM");
}

/// A minimal HTTP GET over a TCP socket (no client library needed for one request).
fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}
