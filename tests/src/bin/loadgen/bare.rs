//! `loadgen bare-server`: samod behind axum with in-memory storage and no authentication on
//! `/sync`, and a bare yrs relay on `/yjs/{doc}` (a room per document: sync steps answered
//! from the room's document, updates applied and sent on to the room's other connections):
//! the baselines our server is compared with. Prints `listening on http://ADDR` and serves
//! until SIGTERM or SIGINT.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Path;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use samod::{PeerId, Repo, ShareConfig};
use tokio::sync::broadcast;
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, Transact, Update};

/// Serves until a signal; returns when stopped.
pub async fn serve() {
    // Sharing as our server shares with a party: read-write, no announcements.
    let repo = Repo::build_tokio()
        .with_peer_id(PeerId::from("bare-samod"))
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let acceptor = repo
        .make_acceptor(format!("ws://{addr}/sync").parse().expect("a URL"))
        .expect("the repo is running");
    let rooms = Rooms::default();
    let app = Router::new().route(
        "/yjs/{doc}",
        get(move |Path(doc): Path<String>, upgrade: WebSocketUpgrade| {
            let room = rooms.room(&doc);
            async move {
                upgrade
                    .max_message_size(32 << 20)
                    .on_upgrade(move |socket| relay(room, socket))
            }
        }),
    );
    let app = app.route(
        "/sync",
        get(move |upgrade: WebSocketUpgrade| {
            let acceptor = acceptor.clone();
            async move {
                upgrade
                    .max_message_size(32 << 20)
                    .on_upgrade(move |socket| async move {
                        let _ = acceptor.accept_axum(socket, None);
                    })
            }
        }),
    );
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
    let signalled = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(signalled)
        .await;
    repo.stop().await;
}

/// The bare relay's rooms, by document.
#[derive(Clone, Default)]
struct Rooms(Arc<Mutex<HashMap<String, Room>>>);

/// One document's Yjs state and the fan-out of its updates (tagged with the sender).
#[derive(Clone)]
struct Room {
    doc: Doc,
    updates: broadcast::Sender<(u64, Arc<Vec<u8>>)>,
}

impl Rooms {
    fn room(&self, doc: &str) -> Room {
        self.0
            .lock()
            .expect("rooms")
            .entry(doc.to_owned())
            .or_insert_with(|| Room {
                doc: Doc::new(),
                updates: broadcast::channel(4096).0,
            })
            .clone()
    }
}

/// Serves one y-websocket connection of `room`.
async fn relay(room: Room, socket: WebSocket) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let me = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let mut others = room.updates.subscribe();
    let step1 = Message::Sync(SyncMessage::SyncStep1(room.doc.transact().state_vector()));
    if sink
        .send(WsMessage::Binary(step1.encode_v1().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(WsMessage::Binary(bytes))) = incoming else { return };
                let mut replies = Vec::new();
                let mut decoder = DecoderV1::new(Cursor::new(&bytes));
                for message in MessageReader::new(&mut decoder) {
                    match message {
                        Ok(Message::Sync(SyncMessage::SyncStep1(sv))) => {
                            let diff = room.doc.transact().encode_state_as_update_v1(&sv);
                            replies.push(Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1());
                        }
                        Ok(Message::Sync(SyncMessage::SyncStep2(raw) | SyncMessage::Update(raw))) => {
                            let Ok(update) = Update::decode_v1(&raw) else { return };
                            if room.doc.transact_mut().apply_update(update).is_err() {
                                return;
                            }
                            let message = Message::Sync(SyncMessage::Update(raw)).encode_v1();
                            let _ = room.updates.send((me, Arc::new(message)));
                        }
                        Ok(_) => {}
                        Err(_) => return,
                    }
                }
                for reply in replies {
                    if sink.send(WsMessage::Binary(reply.into())).await.is_err() {
                        return;
                    }
                }
            }
            update = others.recv() => {
                match update {
                    Ok((from, message)) if from != me => {
                        if sink.send(WsMessage::Binary(message.to_vec().into())).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }
}
