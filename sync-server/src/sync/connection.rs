//! One `/sync` websocket between a peer and the repo, with the server in the middle.
//!
//! samod gets a [`Transport`] whose inbound stream is the peer's messages as judged by the
//! connection's [`Guard`] and whose outbound sink is a channel drained by a writer task. The
//! writer also pings the peer (so a live but quiet connection is not taken for a dead one, and
//! a dead one is noticed) and sends the close frame. A [`Closer`] ends the connection from
//! outside — the session registry uses it when the token dies — and so does a refusal by the
//! guard, or a peer that does not send its `join` within [`HANDSHAKE_TIMEOUT`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use samod::{PeerId, Transport};
use tokio_util::sync::CancellationToken;

use crate::sessions::Registration;
use crate::state::AppState;
use crate::sync::guard::{Guard, Verdict};

/// How long a new connection may take to send its `join`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the server pings a connected peer.
pub const PING_INTERVAL: Duration = Duration::from_secs(20);

/// Messages queued towards the peer before samod (or the guard) waits.
const OUTBOUND_QUEUE: usize = 256;

/// Ends a connection from outside, with a reason the peer receives in the close frame.
#[derive(Clone, Default)]
pub struct Closer {
    cancel: CancellationToken,
    reason: Arc<Mutex<Option<String>>>,
}

impl Closer {
    /// Closes the connection (the first reason given wins).
    pub fn close(&self, reason: &str) {
        let mut slot = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(reason.to_owned());
        }
        drop(slot);
        self.cancel.cancel();
    }

    /// Whether the connection was closed.
    pub fn is_closed(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when the connection is closed.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await;
    }

    /// The reason the connection was closed with, if any.
    pub fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Hands `socket`, authenticated as `peer`, to the repo behind a guard; returns when samod has
/// taken it (the connection then runs on its own tasks until either side ends it).
///
/// `registration` (the connection's place among live sessions) is held until it ends.
pub fn accept(
    state: &AppState,
    socket: WebSocket,
    peer: String,
    closer: Closer,
    registration: Registration,
) {
    let (ws_sink, ws_stream) = socket.split();
    let (to_peer, outbound) = mpsc::channel::<Vec<u8>>(OUTBOUND_QUEUE);
    tokio::spawn(write(ws_sink, outbound, closer.clone(), registration));
    let guard = Guard::new(state.clone(), peer.clone());
    let inbound = futures::stream::unfold(
        (ws_stream, guard, to_peer.clone(), closer.clone()),
        |(mut ws, mut guard, mut replies, closer)| async move {
            loop {
                let wait = if guard.joined() {
                    Duration::MAX
                } else {
                    HANDSHAKE_TIMEOUT
                };
                let next = tokio::select! {
                    () = closer.cancel.cancelled() => return None,
                    next = tokio::time::timeout(wait, ws.next()) => next,
                };
                let message = match next {
                    Err(_) => {
                        closer.close("no join within the handshake timeout");
                        return None;
                    }
                    Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return None,
                    Ok(Some(Ok(Message::Binary(bytes)))) => bytes.to_vec(),
                    Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                    Ok(Some(Ok(Message::Text(_)))) => {
                        closer.close("text message on a binary protocol");
                        return None;
                    }
                };
                match guard.judge(message).await {
                    (Verdict::Forward, message) => {
                        return Some((
                            Ok::<_, std::io::Error>(message),
                            (ws, guard, replies, closer),
                        ));
                    }
                    (Verdict::Reply(answer), _) => {
                        if replies.send(answer).await.is_err() {
                            return None;
                        }
                    }
                    (Verdict::Drop, _) => {}
                    (Verdict::Close(reason), _) => {
                        tracing::warn!(%reason, "closing a sync connection");
                        closer.close(&reason);
                        return None;
                    }
                }
            }
        },
    );
    let transport = Transport::new(Box::pin(inbound), to_peer)
        .with_expected_peer_id(PeerId::from(peer.as_str()));
    match state.acceptor.accept(transport) {
        Ok(_) => tracing::debug!(%peer, "sync connection accepted"),
        Err(_) => {
            closer.close(crate::SERVER_STOPPING);
            tracing::warn!("sync connection refused: the repo is stopping");
        }
    }
}

/// Drains what samod and the guard send towards the peer, pings it, and sends the close frame
/// when the connection is closed from our side.
async fn write(
    mut ws: futures::stream::SplitSink<WebSocket, Message>,
    mut outbound: mpsc::Receiver<Vec<u8>>,
    closer: Closer,
    _registration: Registration,
) {
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.tick().await;
    loop {
        let sent = tokio::select! {
            () = closer.cancel.cancelled() => break,
            message = outbound.next() => match message {
                Some(bytes) => ws.send(Message::Binary(bytes.into())).await,
                None => break,
            },
            _ = ping.tick() => ws.send(Message::Ping(Vec::new().into())).await,
        };
        if sent.is_err() {
            // The peer is gone; end the inbound side too.
            closer.close("the connection broke");
            return;
        }
    }
    closer.cancel.cancel();
    let reason = closer.reason().unwrap_or_else(|| "closed".to_owned());
    let frame = CloseFrame {
        code: close_code::POLICY,
        reason: truncate(&reason, 120).into(),
    };
    let _ =
        tokio::time::timeout(Duration::from_secs(5), ws.send(Message::Close(Some(frame)))).await;
    let _ = ws.close().await;
}

/// `text` cut to at most `max` bytes on a character boundary (close reasons are limited).
fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
