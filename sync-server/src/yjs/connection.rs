//! One `/yjs` websocket: the y-websocket protocol between one person's editor and the
//! document's [`Room`], judged message by message.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, close_code};
use futures::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use workflow::{Action, UserId};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, Transact, Update};

use super::rooms::Room;
use crate::access::{decide, directory};
use crate::api::blocking;
use crate::sessions::Registration;
use crate::state::AppState;
use crate::sync::connection::{Closer, PING_INTERVAL};

/// The largest awareness message accepted (a cursor and a name are a few hundred bytes).
pub const MAX_AWARENESS_BYTES: usize = 64 * 1024;

/// How long a judged right to write is used when nothing announces a change of records
/// (accounts changed by another process announce nothing).
pub const RECHECK_RIGHTS_AFTER: Duration = Duration::from_secs(1);

/// Numbers connections, so a room does not echo a message to its sender.
static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// What to do after one websocket message.
enum Outcome {
    /// Send these replies to the sender.
    Reply(Vec<Vec<u8>>),
    /// Close the connection for this reason; nothing of the message was applied.
    Close(String),
}

/// Serves one connection until either side ends it or its token dies.
pub async fn serve(
    state: AppState,
    socket: WebSocket,
    id: String,
    user: UserId,
    room: Arc<Room>,
    closer: Closer,
    _registration: Registration,
) {
    let me = NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let mut relay = room.relay.subscribe();
    let mut clients: HashSet<yrs::ClientID> = HashSet::new();
    let mut standing = None;
    let start = {
        let awareness = room.awareness.lock().await;
        let sv = awareness.doc().transact().state_vector();
        let mut out = vec![Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1()];
        if let Ok(update) = awareness.update()
            && !update.clients.is_empty()
        {
            out.push(Message::Awareness(update).encode_v1());
        }
        out
    };
    let mut reason = None;
    for message in start {
        if sink.send(WsMessage::Binary(message.into())).await.is_err() {
            return;
        }
    }
    let mut ping = tokio::time::interval(PING_INTERVAL);
    ping.tick().await;
    loop {
        tokio::select! {
            () = closer.cancelled() => {
                reason = closer.reason();
                break;
            }
            relayed = relay.recv() => match relayed {
                Ok((from, message)) if from != me => {
                    if sink.send(WsMessage::Binary(message.to_vec().into())).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    reason = Some("connection too slow; reconnect to resync".to_owned());
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            _ = ping.tick() => {
                if sink.send(WsMessage::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
            next = stream.next() => {
                let bytes = match next {
                    Some(Ok(WsMessage::Binary(bytes))) => bytes,
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                    Some(Ok(WsMessage::Text(_))) => {
                        reason = Some("text message on a binary protocol".to_owned());
                        break;
                    }
                    None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => break,
                };
                let mut at = Connection { state: &state, id: &id, user: &user, room: &room, me, standing: &mut standing };
                match handle(&mut at, &bytes, &mut clients).await {
                    Outcome::Reply(replies) => {
                        for reply in replies {
                            if sink.send(WsMessage::Binary(reply.into())).await.is_err() {
                                break;
                            }
                        }
                    }
                    Outcome::Close(why) => {
                        tracing::warn!(document = %id, %user, reason = %why, "closing a yjs connection");
                        reason = Some(why);
                        break;
                    }
                }
            }
        }
    }
    forget_awareness(&room, me, &clients).await;
    if let Some(reason) = reason {
        let frame = CloseFrame {
            code: close_code::POLICY,
            reason: reason.chars().take(100).collect::<String>().into(),
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            sink.send(WsMessage::Close(Some(frame))),
        )
        .await;
    }
    let _ = sink.close().await;
}

/// The user's standing toward the document as judged at one [`Rooms::epoch`].
///
/// [`Rooms::epoch`]: super::rooms::Rooms::epoch
#[derive(Debug, Clone, Copy)]
struct Standing {
    epoch: u64,
    judged: Instant,
    may_write: bool,
    /// Returned, approved or collected: an edit starts a new round.
    decided: bool,
}

/// What handling one connection's message needs.
struct Connection<'a> {
    state: &'a AppState,
    id: &'a str,
    user: &'a UserId,
    room: &'a Room,
    me: u64,
    /// The last judged standing, reused while the records have not changed.
    standing: &'a mut Option<Standing>,
}

/// Judges and applies one websocket message (one or more protocol messages). Everything is
/// decoded and checked before anything is applied.
async fn handle(
    at: &mut Connection<'_>,
    bytes: &[u8],
    clients: &mut HashSet<yrs::ClientID>,
) -> Outcome {
    let room = at.room;
    let me = at.me;
    if bytes.len() > document::narrative::MAX_UPDATE_BYTES {
        return Outcome::Close(format!(
            "message of {} bytes is over the limit",
            bytes.len()
        ));
    }
    let messages = match document::narrative::Narratives::decode_messages(bytes) {
        Ok(messages) => messages,
        Err(e) => return Outcome::Close(format!("malformed message: {e}")),
    };
    let mut updates: Vec<(bool, Vec<u8>, Update)> = Vec::new();
    for message in &messages {
        match message {
            Message::Sync(SyncMessage::SyncStep2(raw))
            | Message::Sync(SyncMessage::Update(raw)) => {
                let step2 = matches!(message, Message::Sync(SyncMessage::SyncStep2(_)));
                match document::narrative::Narratives::check_update(raw) {
                    Ok(update) => updates.push((step2, raw.clone(), update)),
                    Err(e) => return Outcome::Close(format!("refused update: {e}")),
                }
            }
            Message::Awareness(update) if update.encode_v1().len() > MAX_AWARENESS_BYTES => {
                return Outcome::Close("awareness message over the limit".to_owned());
            }
            _ => {}
        }
    }
    let mut replies = Vec::new();
    let mut updates = updates.into_iter();
    for message in messages {
        match message {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let awareness = room.awareness.lock().await;
                let diff = awareness.doc().transact().encode_state_as_update_v1(&sv);
                replies.push(Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1());
            }
            Message::Sync(SyncMessage::SyncStep2(_) | SyncMessage::Update(_)) => {
                let Some((step2, raw, update)) = updates.next() else {
                    continue;
                };
                match apply(at, step2, raw, update).await {
                    Ok(Some(reply)) => replies.push(reply),
                    Ok(None) => {}
                    Err(reason) => return Outcome::Close(reason),
                }
            }
            Message::Awareness(update) => {
                let mut awareness = room.awareness.lock().await;
                clients.extend(update.clients.keys().copied());
                let relayed = Message::Awareness(update.clone()).encode_v1();
                if let Err(e) = awareness.apply_update(update) {
                    return Outcome::Close(format!("refused awareness: {e}"));
                }
                let _ = room.relay.send((me, Arc::new(relayed)));
            }
            Message::AwarenessQuery => {
                let awareness = room.awareness.lock().await;
                if let Ok(update) = awareness.update() {
                    replies.push(Message::Awareness(update).encode_v1());
                }
            }
            Message::Auth(_) | Message::Custom(..) => {}
        }
    }
    Outcome::Reply(replies)
}

/// Applies one update if it brings anything and the user may write: applied to the room,
/// handed to the room's writer (which stores it, then passes it on to the others), and a
/// decided document starts a new round. A reader's update that would change something is
/// answered with permission denied.
///
/// The room's lock is held from the novelty check through the right to write to applying, so
/// a submission, which pins the room's state under the same lock ([`Rooms::pin`]) and moves
/// [`Rooms::epoch`] before releasing it, sees each update either applied (and pinned) or
/// judged after it was frozen (and refused).
///
/// [`Rooms::pin`]: super::rooms::Rooms::pin
/// [`Rooms::epoch`]: super::rooms::Rooms::epoch
async fn apply(
    at: &mut Connection<'_>,
    step2: bool,
    raw: Vec<u8>,
    update: Update,
) -> Result<Option<Vec<u8>>, String> {
    let standing = {
        let awareness = at.room.awareness.lock().await;
        let have = awareness.doc().transact().state_vector();
        let new_structs = update.extends(&have);
        // A client's sync step 2 always carries its whole delete set; only an update's
        // deletions count as an attempt to change.
        if !new_structs && (step2 || update.delete_set().is_empty()) {
            return Ok(None);
        }
        let standing = standing(at).await;
        if !standing.may_write {
            tracing::info!(document = %at.id, user = %at.user, "yjs update refused: no right to write");
            return Ok(Some(
                Message::Auth(Some("нет права изменять этот документ".to_owned())).encode_v1(),
            ));
        }
        let mut txn = awareness.doc().transact_mut();
        txn.apply_update(update)
            .map_err(|e| format!("update does not apply: {e}"))?;
        standing
    };
    let relayed = Message::Sync(SyncMessage::Update(raw.clone())).encode_v1();
    at.room.store(at.me, raw, relayed).await;
    if standing.decided {
        new_round_if_decided(at.state, at.id).await;
        *at.standing = None;
    }
    Ok(None)
}

/// The user's standing toward the document: the one judged before while no record changed
/// and it is younger than [`RECHECK_RIGHTS_AFTER`], else judged again from the store.
/// Storage failing denies writing (and is judged again next time).
async fn standing(at: &mut Connection<'_>) -> Standing {
    let epoch = at.state.yjs.epoch();
    if let Some(standing) = *at.standing
        && standing.epoch == epoch
        && standing.judged.elapsed() < RECHECK_RIGHTS_AFTER
    {
        return standing;
    }
    let judged = Instant::now();
    let store = at.state.store.clone();
    let user = at.user.clone();
    let Ok(doc) = store::document_id(at.id) else {
        return Standing {
            epoch,
            judged,
            may_write: false,
            decided: false,
        };
    };
    let looked = blocking(move || {
        let Some(record) = store.document(&doc)? else {
            return Ok(None);
        };
        let people = store.people_of(&user)?;
        let dir = directory(&store)?;
        let may_write = decide(&dir, &people, &user, &record, Action::Write).is_allowed();
        use workflow::Status::{Approved, Collected, Returned};
        let decided = matches!(record.document.status, Returned | Approved | Collected);
        Ok(Some((may_write, decided)))
    })
    .await;
    let standing = match looked {
        Ok(Some((may_write, decided))) => Standing {
            epoch,
            judged,
            may_write,
            decided,
        },
        Ok(None) | Err(_) => Standing {
            epoch,
            judged,
            may_write: false,
            decided: false,
        },
    };
    *at.standing = looked.is_ok().then_some(standing);
    standing
}

/// A narrative edit to a returned, approved or collected document starts its new round.
async fn new_round_if_decided(state: &AppState, id: &str) {
    let store = state.store.clone();
    let Ok(doc) = store::document_id(id) else {
        return;
    };
    let record = match blocking(move || store.document(&doc)).await {
        Ok(Some(record)) => record,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(document = %id, error = %e.message(), "cannot read the record");
            return;
        }
    };
    if let Err(e) = crate::api::start_new_round(state, record).await {
        tracing::warn!(document = %id, error = %e.message(), "cannot start a new round");
    }
}

/// Removes the awareness states this connection brought and tells the others.
async fn forget_awareness(room: &Room, me: u64, clients: &HashSet<yrs::ClientID>) {
    if clients.is_empty() {
        return;
    }
    let mut awareness = room.awareness.lock().await;
    for client in clients {
        awareness.remove_state(*client);
    }
    if let Ok(update) = awareness.update_with_clients(clients.iter().copied()) {
        let _ = room
            .relay
            .send((me, Arc::new(Message::Awareness(update).encode_v1())));
    }
}
