//! A Yjs client of `/yjs/{doc}` for the end-to-end tests: yrs speaking the y-websocket
//! protocol, as the web app's y-websocket does.

#![allow(dead_code)]

pub mod peer;

use std::time::Duration;

use document::narrative::Narratives;
use e2e::{Api, Server};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Awareness, Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;

pub const KEY: &str = "/causes_analysis/internal_causes";
pub const WAIT: Duration = Duration::from_secs(10);

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A Yjs client of one document's narratives.
pub struct Client {
    pub ws: Ws,
    pub awareness: Awareness,
    pub narratives: Narratives,
    /// Permission-denied answers received.
    pub denied: Vec<String>,
    /// Whether the server closed the connection.
    pub closed: bool,
    /// Whether the server's sync step 2 arrived.
    pub synced: bool,
}

impl Client {
    /// Connects as demo user `login`; `Err(status)` when the upgrade is refused.
    pub async fn connect(server: &Server, login: &str, doc: &str) -> Result<Client, u16> {
        let token = Api::demo(server, login).token.unwrap();
        Self::connect_with(server, &token, doc).await
    }

    pub async fn connect_with(server: &Server, token: &str, doc: &str) -> Result<Client, u16> {
        Self::connect_at(&server.addr(), token, doc).await
    }

    /// Connects through `addr` (`host:port`, a server or a proxy in front of servers).
    pub async fn connect_at(addr: &str, token: &str, doc: &str) -> Result<Client, u16> {
        let url = format!("ws://{addr}/yjs/{doc}?token={token}");
        let ws = match tokio_tungstenite::connect_async(url).await {
            Ok((ws, _)) => ws,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                return Err(response.status().as_u16());
            }
            Err(e) => panic!("connecting: {e}"),
        };
        Ok(Self::sync_over(ws, Narratives::new()).await)
    }

    /// Connects again as the holder of `token`, keeping this client's narratives (edits made
    /// while disconnected included): the initial sync exchanges what either side misses.
    pub async fn resume(self, server: &Server, token: &str, doc: &str) -> Client {
        let url = format!("ws://{}/yjs/{doc}?token={token}", server.addr());
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Self::sync_over(ws, self.narratives).await
    }

    /// Completes the initial sync over a fresh socket.
    async fn sync_over(ws: Ws, narratives: Narratives) -> Client {
        let awareness = Awareness::new(narratives.doc().clone());
        let mut client = Client {
            ws,
            awareness,
            narratives,
            denied: Vec::new(),
            closed: false,
            synced: false,
        };
        let sv = yrs::StateVector::decode_v1(&client.narratives.state_vector()).unwrap();
        client
            .send(Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1())
            .await;
        // The server answers our step 1 with its step 2.
        assert!(
            client.until(|c| c.synced).await,
            "no sync step 2 from the server"
        );
        client
    }

    pub async fn send(&mut self, bytes: Vec<u8>) {
        self.ws.send(WsMessage::Binary(bytes.into())).await.unwrap();
    }

    /// Splices the narrative and sends the update.
    pub async fn splice(&mut self, at: usize, delete: usize, insert: &str) {
        let update = self.narratives.splice(KEY, at, delete, insert).unwrap();
        self.send(Message::Sync(SyncMessage::Update(update)).encode_v1())
            .await;
    }

    /// Sets this client's awareness state and sends it.
    pub async fn announce(&mut self, state: Value) {
        self.awareness.set_local_state(state).unwrap();
        let update = self.awareness.update().unwrap();
        self.send(Message::Awareness(update).encode_v1()).await;
    }

    pub fn text(&self) -> String {
        self.narratives.text(KEY).unwrap_or_default()
    }

    /// Handles incoming messages until `done` holds (true) or the wait runs out (false).
    pub async fn until(&mut self, done: impl Fn(&Client) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await;
            match next {
                Err(_) => return done(self),
                Ok(None | Some(Err(_)) | Some(Ok(WsMessage::Close(_)))) => {
                    self.closed = true;
                    return done(self);
                }
                Ok(Some(Ok(WsMessage::Binary(bytes)))) => self.receive(&bytes).await,
                Ok(Some(Ok(_))) => {}
            }
            if done(self) {
                return true;
            }
        }
    }

    pub async fn receive(&mut self, bytes: &[u8]) {
        let mut decoder = DecoderV1::new(Cursor::new(bytes));
        let messages: Vec<Message> = MessageReader::new(&mut decoder)
            .map(Result::unwrap)
            .collect();
        for message in messages {
            match message {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let diff = self.narratives.diff_since(&sv.encode_v1()).unwrap();
                    self.send(Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1())
                        .await;
                }
                Message::Sync(SyncMessage::SyncStep2(update)) => {
                    self.narratives.apply_update(&update).unwrap();
                    self.synced = true;
                }
                Message::Sync(SyncMessage::Update(update)) => {
                    self.narratives.apply_update(&update).unwrap();
                }
                Message::Awareness(update) => self.awareness.apply_update(update).unwrap(),
                Message::Auth(Some(reason)) => self.denied.push(reason),
                _ => {}
            }
        }
    }

    /// Whether another client's awareness state says `name`.
    pub fn sees(&self, name: &str) -> bool {
        self.awareness
            .iter()
            .any(|(_, state)| state.data.as_deref().is_some_and(|d| d.contains(name)))
    }
}

pub fn document(server: &Server, form: &str, school: &str) -> String {
    Api::demo(server, "admin")
        .documents()
        .into_iter()
        .find(|(_, f, s)| f == form && s == school)
        .map(|(id, ..)| id)
        .unwrap_or_else(|| panic!("no {form} of {school}"))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}
