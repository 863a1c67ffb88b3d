//! The judge of every message a peer sends on `/sync`, before samod sees it.
//!
//! samod trusts what reaches it: it decodes any document id however long, starts a document
//! actor for every id requested (and keeps it), applies any change however large or deep, and
//! relays ephemeral messages with whatever sender they claim. The [`Guard`] of a connection
//! stands in front of it and decides per message ([`Verdict`]):
//!
//! - the message must be an automerge-repo message ([`Envelope`]), the first one a `join`,
//!   and its `senderId` the authenticated peer's (no speaking for someone else);
//! - a document id must be canonical (the base58check form) and short, checked before it is
//!   decoded;
//! - a document the server has no record of is answered `doc-unavailable` by the guard
//!   itself, so samod never loads, asks around for or remembers it; a connection that asks for
//!   too many of them is closed;
//! - a sync message's changes are judged by `document::incoming` against the server's copy
//!   (inflated size, number of operations, nesting depth) and refused whole if they exceed a
//!   bound: the connection is closed and the document stays as it was;
//! - an ephemeral message (presence, cursors) must be small.
//!
//! A refusal closes the connection: an honest client never sends such messages, and a
//! reconnecting one resynchronises from scratch, so nothing it holds is lost.

use crate::replicas::is_replica_peer;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::time::{Duration, Instant};

use document::incoming::{Limits, check_sync_message, check_sync_message_lazily};
use samod::{DocHandle, SearchState};
use workflow::DocumentId;

use crate::state::AppState;
use crate::sync::wire::{DocumentIdField, Envelope, doc_unavailable};
use crate::window::FixedWindow;

/// The largest ephemeral payload relayed (presence and cursors are a few hundred bytes).
pub const MAX_EPHEMERAL_BYTES: usize = 64 * 1024;

/// Requests for documents the server has no record of that one connection may make within
/// [`UNKNOWN_WINDOW`] before it is closed.
pub const MAX_UNKNOWN_REQUESTS: u32 = 100;

/// The window over which requests for unknown documents are counted.
pub const UNKNOWN_WINDOW: Duration = Duration::from_secs(60);

/// Sync messages up to this size are judged on the connection's own task; larger ones on a
/// blocking thread (inflating and counting a large message takes milliseconds).
const INLINE_CHECK_BYTES: usize = 64 * 1024;

/// What to do with one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Hand it to samod.
    Forward,
    /// Do not hand it to samod; send this answer to the peer instead.
    Reply(Vec<u8>),
    /// Ignore it.
    Drop,
    /// Close the connection, for this reason (logged, and sent in the close frame).
    Close(String),
}

/// The per-connection judge.
pub struct Guard {
    state: AppState,
    /// The authenticated peer id (`u:<user>:<replica>`).
    peer: String,
    /// The server's own peer id, the sender of the guard's answers.
    server_peer: String,
    joined: bool,
    /// Documents the server has a record of (once registered, always registered).
    registered: HashSet<String>,
    /// The server's live copies of documents this peer synced, for judging their changes.
    handles: HashMap<String, DocHandle>,
    /// Requests for documents the server has no record of, in the current window.
    unknown: FixedWindow,
    limits: Limits,
}

impl Guard {
    /// A guard for a connection authenticated as `peer`.
    pub fn new(state: AppState, peer: String) -> Guard {
        let server_peer = state.repo.peer_id().to_string();
        Guard {
            state,
            peer,
            server_peer,
            joined: false,
            registered: HashSet::new(),
            handles: HashMap::new(),
            unknown: FixedWindow::open(Instant::now()),
            limits: Limits::default(),
        }
    }

    /// Whether the peer has sent its `join` yet.
    pub fn joined(&self) -> bool {
        self.joined
    }

    /// Judges one binary message from the peer. `message` is handed back for forwarding.
    pub async fn judge(&mut self, message: Vec<u8>) -> (Verdict, Vec<u8>) {
        let envelope = match Envelope::read(&message) {
            Ok(envelope) => envelope,
            Err(error) => return (Verdict::Close(error.to_string()), message),
        };
        if let Some(verdict) = self.judge_sender(&envelope) {
            return (verdict, message);
        }
        if envelope.kind == "join" {
            // samod checks the joining peer id against the authenticated one.
            return if self.joined {
                (Verdict::Close("a second join".into()), message)
            } else {
                self.joined = true;
                (Verdict::Forward, message)
            };
        }
        if !self.joined {
            return (
                Verdict::Close(format!("{} before join", envelope.kind)),
                message,
            );
        }
        if is_replica_peer(&self.peer) {
            // Another replica of this server: it judged what its own clients sent.
            return (Verdict::Forward, message);
        }
        let document = match envelope.document.map(canonical) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(reason)) => return (Verdict::Close(reason), message),
        };
        match (envelope.kind, document) {
            ("sync" | "request", Some(id)) => {
                let data = envelope.data.filter(|data| !data.is_empty()).map(|data| {
                    // Where the payload lies in the message, so that judging it (perhaps on
                    // another thread) needs no second read of the envelope.
                    let start = data.as_ptr() as usize - message.as_ptr() as usize;
                    start..start + data.len()
                });
                self.judge_sync(id, data, message).await
            }
            ("ephemeral", Some(id)) => {
                let size = envelope.data.map_or(0, <[u8]>::len);
                let verdict = if size > MAX_EPHEMERAL_BYTES {
                    Verdict::Close(format!(
                        "ephemeral message of {size} bytes, more than {MAX_EPHEMERAL_BYTES}"
                    ))
                } else if self.is_registered(&id).await {
                    Verdict::Forward
                } else {
                    Verdict::Drop
                };
                (verdict, message)
            }
            (
                "sync" | "request" | "ephemeral" | "doc-unavailable" | "remote-heads-changed",
                None,
            ) => (
                Verdict::Close(format!("{} without a documentId", envelope.kind)),
                message,
            ),
            ("doc-unavailable" | "remote-heads-changed", Some(id)) => {
                let verdict = if self.is_registered(&id).await {
                    Verdict::Forward
                } else {
                    Verdict::Drop
                };
                (verdict, message)
            }
            ("remote-subscription-change" | "leave" | "error", _) => (Verdict::Forward, message),
            (other, _) => (
                Verdict::Close(format!("unknown message type {other:?}")),
                message,
            ),
        }
    }

    /// A refusal when the message speaks for a peer other than the authenticated one.
    fn judge_sender(&self, envelope: &Envelope<'_>) -> Option<Verdict> {
        match envelope.sender {
            Some(sender) if sender != self.peer => Some(Verdict::Close(format!(
                "{} message claims sender {sender:?}, the connection is {:?}",
                envelope.kind, self.peer
            ))),
            None if !matches!(envelope.kind, "error") => Some(Verdict::Close(format!(
                "{} message without a senderId",
                envelope.kind
            ))),
            _ => None,
        }
    }

    /// A `sync` or `request` for document `id`.
    async fn judge_sync(
        &mut self,
        id: String,
        data: Option<Range<usize>>,
        message: Vec<u8>,
    ) -> (Verdict, Vec<u8>) {
        if !self.is_registered(&id).await {
            if self.unknown.add(Instant::now(), UNKNOWN_WINDOW) > MAX_UNKNOWN_REQUESTS {
                return (
                    Verdict::Close(format!(
                        "more than {MAX_UNKNOWN_REQUESTS} requests for unknown documents in {} s",
                        UNKNOWN_WINDOW.as_secs()
                    )),
                    message,
                );
            }
            let reply = doc_unavailable(&self.server_peer, &self.peer, &id);
            return (Verdict::Reply(reply), message);
        }
        let Some(data) = data else {
            return (Verdict::Forward, message);
        };
        let handle = self.live_copy(&id).await;
        let limits = self.limits;
        let judge = move |message: Vec<u8>| {
            let data = &message[data];
            // The live copy is read only for a message that makes objects: every read of a
            // samod document makes samod regenerate the document's sync messages for all its
            // peers, which for every keystroke of every typist would double the server's work.
            let outcome = match &handle {
                Some(handle) => check_sync_message_lazily(data, &limits, |read| {
                    handle.with_document(|doc| read(doc));
                }),
                None => check_sync_message(&automerge::Automerge::new(), data, &limits),
            };
            (outcome, message)
        };
        let (outcome, message) = if message.len() <= INLINE_CHECK_BYTES {
            judge(message)
        } else {
            match tokio::task::spawn_blocking(move || judge(message)).await {
                Ok(judged) => judged,
                Err(_) => {
                    return (
                        Verdict::Close("judging the message failed".into()),
                        Vec::new(),
                    );
                }
            }
        };
        match outcome {
            Ok(_) => (Verdict::Forward, message),
            Err(refusal) => {
                tracing::warn!(peer = %self.peer, document = %id, %refusal, "sync message refused");
                (Verdict::Close(format!("refused: {refusal}")), message)
            }
        }
    }

    /// Whether the server has a record of document `id` (cached once true).
    async fn is_registered(&mut self, id: &str) -> bool {
        if self.registered.contains(id) {
            return true;
        }
        let store = self.state.store.clone();
        let doc = DocumentId::new(id);
        let found = tokio::task::spawn_blocking(move || store.document(&doc))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .is_some();
        if found {
            self.registered.insert(id.to_owned());
        }
        found
    }

    /// The server's live copy of `id`, if it has content for it; `None` while it has none (the
    /// message is then judged against an empty document). Never waits for peers: a copy that
    /// samod is still requesting from the network (possibly from this very peer, whose
    /// messages wait for this judgement) counts as none.
    async fn live_copy(&mut self, id: &str) -> Option<DocHandle> {
        if let Some(handle) = self.handles.get(id) {
            return Some(handle.clone());
        }
        let doc_id: samod::DocumentId = id.parse().ok()?;
        let (mut state, mut updates) = self.state.repo.search(doc_id).ok()?;
        loop {
            match state {
                SearchState::Found(handle) => {
                    self.handles.insert(id.to_owned(), handle.clone());
                    return Some(handle);
                }
                SearchState::Requesting(_) => return None,
                // Loading from storage: local, it finishes by itself.
                SearchState::Loading => {
                    use futures::StreamExt;
                    state = updates.next().await?;
                }
            }
        }
    }
}

/// The canonical text form of a document id field, or why it is refused: only the
/// base58check form samod prints (`store::document_id`, the one parser of ids from outside)
/// or its 16 raw bytes are accepted, never a UUID spelling.
fn canonical(field: DocumentIdField<'_>) -> Result<String, String> {
    match field {
        DocumentIdField::Text(text) => store::document_id(text)
            .map(|id| id.as_str().to_owned())
            .map_err(|error| format!("documentId {text:?}: {error}")),
        DocumentIdField::Bytes(bytes) => samod::DocumentId::try_from(bytes.to_vec())
            .map(|id| id.to_string())
            .map_err(|_| format!("documentId of {} bytes is not a document id", bytes.len())),
    }
}
