//! A hand-driven automerge-repo peer on `/sync`, for tests that attack the server: it speaks
//! the protocol message by message (join, request, sync, ephemeral) over a blocking websocket,
//! so a test can send exactly what a hostile client would and watch what comes back.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use automerge::Automerge;
use automerge::sync::{self, SyncDoc};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// A field value of a message this peer sends.
pub enum Field<'a> {
    /// A CBOR text string.
    Text(&'a str),
    /// A CBOR byte string.
    Bytes(&'a [u8]),
    /// A CBOR unsigned integer.
    Uint(u64),
    /// A CBOR array of text strings.
    Texts(&'a [&'a str]),
}

/// A message received from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `type`.
    pub kind: String,
    /// `senderId`.
    pub sender: Option<String>,
    /// `documentId`.
    pub document: Option<String>,
    /// `data`.
    pub data: Option<Vec<u8>>,
}

/// What waiting for a message gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// A message.
    Message(Received),
    /// Nothing within the time given.
    Quiet,
    /// The server closed the connection (or it broke).
    Closed,
}

/// One raw connection to `/sync`, joined.
pub struct RawPeer {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    /// This peer's id (`u:<login>:<replica>`).
    pub peer: String,
    /// The server's peer id, from its `peer` answer.
    pub server_peer: String,
}

/// Encodes a message from its fields.
pub fn encode(fields: &[(&str, Field<'_>)]) -> Vec<u8> {
    let mut encoder = minicbor::Encoder::new(Vec::new());
    encoder.map(fields.len() as u64).expect("vec write");
    for (key, value) in fields {
        encoder.str(key).expect("vec write");
        match value {
            Field::Text(text) => encoder.str(text),
            Field::Bytes(bytes) => encoder.bytes(bytes),
            Field::Uint(n) => encoder.u64(*n),
            Field::Texts(texts) => {
                encoder.array(texts.len() as u64).expect("vec write");
                for text in *texts {
                    encoder.str(text).expect("vec write");
                }
                Ok(&mut encoder)
            }
        }
        .expect("vec write");
    }
    encoder.into_writer()
}

fn decode(bytes: &[u8]) -> Option<Received> {
    let mut decoder = minicbor::Decoder::new(bytes);
    let entries = decoder.map().ok()??;
    let mut received = Received {
        kind: String::new(),
        sender: None,
        document: None,
        data: None,
    };
    for _ in 0..entries {
        match decoder.str().ok()? {
            "type" => received.kind = decoder.str().ok()?.to_owned(),
            "senderId" => received.sender = Some(decoder.str().ok()?.to_owned()),
            "documentId" => received.document = Some(decoder.str().ok()?.to_owned()),
            "data" => received.data = Some(decoder.bytes().ok()?.to_vec()),
            _ => decoder.skip().ok()?,
        }
    }
    Some(received)
}

impl RawPeer {
    /// Connects to `/sync` on `addr` (`127.0.0.1:PORT`) with `token` as `peer`, sends `join`
    /// and waits for the server's `peer` answer.
    ///
    /// # Panics
    ///
    /// If the connection or the handshake fails.
    pub fn connect(addr: &str, token: &str, peer: &str) -> RawPeer {
        let url = format!("ws://{addr}/sync?token={token}&peer={peer}");
        let (ws, _) = tungstenite::connect(url).expect("the websocket upgrade succeeds");
        if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .expect("set a read timeout");
        }
        let mut raw = RawPeer {
            ws,
            peer: peer.to_owned(),
            server_peer: String::new(),
        };
        raw.send(&encode(&[
            ("type", Field::Text("join")),
            ("senderId", Field::Text(peer)),
            ("supportedProtocolVersions", Field::Texts(&["1"])),
        ]));
        match raw.next(Duration::from_secs(10)) {
            Next::Message(m) if m.kind == "peer" => {
                raw.server_peer = m.sender.expect("the server names itself");
            }
            other => panic!("expected the server's peer message, got {other:?}"),
        }
        raw
    }

    /// Sends raw bytes as one binary message; `false` if the connection is gone.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.ws.send(Message::Binary(bytes.to_vec().into())).is_ok()
    }

    /// The next message within `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Next {
        let start = Instant::now();
        while start.elapsed() < timeout {
            match self.ws.read() {
                Ok(Message::Binary(bytes)) => {
                    if let Some(received) = decode(&bytes) {
                        return Next::Message(received);
                    }
                }
                Ok(Message::Close(_)) => return Next::Closed,
                Ok(_) => {}
                Err(tungstenite::Error::Io(error))
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return Next::Closed,
            }
        }
        Next::Quiet
    }

    /// Waits up to `timeout` for the server to close the connection, ignoring messages.
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.next(timeout - start.elapsed()) == Next::Closed {
                return true;
            }
        }
        false
    }

    /// A `sync` (or `request`) message for `document` carrying `data`.
    pub fn sync_message(&self, kind: &str, document: &str, data: &[u8]) -> Vec<u8> {
        encode(&[
            ("type", Field::Text(kind)),
            ("senderId", Field::Text(&self.peer)),
            ("targetId", Field::Text(&self.server_peer)),
            ("documentId", Field::Text(document)),
            ("data", Field::Bytes(data)),
        ])
    }

    /// Fetches `document` from the server by the sync protocol until it has nothing more to
    /// send; returns the copy and the sync state (for [`RawPeer::push`]).
    ///
    /// # Panics
    ///
    /// If the server closes the connection or says the document is unavailable.
    pub fn fetch(&mut self, document: &str) -> (Automerge, sync::State) {
        let mut doc = Automerge::new();
        let mut state = sync::State::new();
        let first = doc
            .generate_sync_message(&mut state)
            .expect("a first sync message");
        let request = self.sync_message("request", document, &first.encode());
        assert!(self.send(&request), "the connection is open");
        loop {
            match self.next(Duration::from_secs(2)) {
                Next::Message(m) if m.kind == "sync" && m.document.as_deref() == Some(document) => {
                    let message =
                        sync::Message::decode(&m.data.unwrap_or_default()).expect("a sync message");
                    doc.receive_sync_message(&mut state, message)
                        .expect("the server's changes apply");
                    if let Some(reply) = doc.generate_sync_message(&mut state) {
                        let bytes = self.sync_message("sync", document, &reply.encode());
                        assert!(self.send(&bytes), "the connection is open");
                    }
                }
                Next::Message(m) if m.kind == "doc-unavailable" => {
                    panic!("{document} is unavailable to {}", self.peer)
                }
                Next::Message(_) => {}
                Next::Quiet => return (doc, state),
                Next::Closed => panic!("the server closed the connection while fetching"),
            }
        }
    }

    /// Sends what `doc` has that the server lacks (one sync message); `false` if the
    /// connection is gone.
    pub fn push(&mut self, document: &str, doc: &mut Automerge, state: &mut sync::State) -> bool {
        match doc.generate_sync_message(state) {
            Some(message) => {
                let bytes = self.sync_message("sync", document, &message.encode());
                self.send(&bytes)
            }
            None => true,
        }
    }
}
