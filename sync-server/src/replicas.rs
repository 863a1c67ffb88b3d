//! Several `sync-server` processes on one PostgreSQL database ("replicas"), each serving any
//! client, every client seeing every other's edits live whichever replica it is on.
//!
//! - **Documents (Automerge)**: the replicas are samod peers of each other over `/sync`. Each
//!   replica writes an entry `replica/<peer id>` (its `/sync` URL and when it was last alive)
//!   to the database's settings every [`HEARTBEAT`]; each dials every live replica whose peer
//!   id sorts after its own (so a pair has one connection, made by the lower id) and samod
//!   redials after a drop. A replica authenticates with the cluster's secret (a setting made
//!   by the first replica to start; whoever can read the database is trusted already) and a
//!   peer id `r:<uuid>`, fresh at every start. Between replicas documents are shared
//!   read-write and announced, so a document open on one is kept in sync on the other; the
//!   permission table was applied where the edit came in.
//! - **Everything else kept in memory** is told with the database's notices
//!   ([`store::Store::publish`], `LISTEN`/`NOTIFY` on PostgreSQL): a document's record changed
//!   (a submission froze it: every replica re-evaluates who may write it, on `/sync` and
//!   `/yjs`), accounts changed, or a document's narratives got updates (a replica holding that
//!   document's room reads the stored updates and passes what it lacked to its connections).
//!   A listener that lost its connection re-evaluates everything, as it may have missed
//!   notices.
//! - What needs no telling: tokens and sessions are read from the database (a token revoked on
//!   one replica closes its connections on every replica at the next sweep), the audit chain's
//!   head and submissions are serialised by the database's locks.
//!
//! On SQLite there is one process: no entry, no dialing, no notices.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use samod::{BackoffConfig, DialerHandle};
use serde::{Deserialize, Serialize};
use store::{Notice, Store};
use tokio::sync::mpsc;
use workflow::DocumentId;

use crate::access::Changed;
use crate::state::AppState;

/// The prefix of a replica's peer id: `r:<uuid>`.
pub const PEER_PREFIX: &str = "r:";

/// The setting holding the secret replicas authenticate to each other with.
const SECRET_SETTING: &str = "replica_secret";

/// The settings prefix of the replicas' entries (`replica/<peer id>`).
const ENTRY_PREFIX: &str = "replica/";

/// How often a replica renews its entry and looks for new replicas.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// A replica whose entry is older than this is taken for gone (not dialed; its dialer closed).
pub const GONE_AFTER: Duration = Duration::from_secs(15);

/// Whether `peer` is a replica's peer id.
pub fn is_replica_peer(peer: &str) -> bool {
    peer.strip_prefix(PEER_PREFIX)
        .is_some_and(|rest| !rest.is_empty())
}

/// A fresh replica peer id.
pub fn new_peer_id() -> String {
    format!("{PEER_PREFIX}{}", uuid::Uuid::new_v4().simple())
}

/// This replica among the others: who it is, where it is reached, and the cluster's secret.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// This replica's peer id (`r:<uuid>`), also its repo's.
    pub peer_id: String,
    /// Where other replicas reach this one's `/sync` (`ws://host:port/sync`).
    pub url: String,
    secret: String,
}

impl Cluster {
    /// This replica's place in the cluster of the database `store`: the cluster's secret (made
    /// now if this is the first replica) and the URL others dial.
    ///
    /// # Errors
    ///
    /// If the database cannot be reached.
    pub fn join(store: &Store, peer_id: String, url: String) -> anyhow::Result<Cluster> {
        let proposed = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let secret = store.setting_or_insert(SECRET_SETTING, &proposed)?;
        Ok(Cluster {
            peer_id,
            url,
            secret,
        })
    }

    /// Whether `presented` is the cluster's secret (compared in constant time).
    pub fn admits(&self, presented: &str) -> bool {
        let (a, b) = (presented.as_bytes(), self.secret.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The URL to dial `entry`'s replica with, carrying this replica's credentials.
    fn dial_url(&self, entry: &Entry) -> anyhow::Result<url::Url> {
        let mut url = url::Url::parse(&entry.url)?;
        url.query_pairs_mut()
            .append_pair("replica", &self.secret)
            .append_pair("peer", &self.peer_id);
        Ok(url)
    }
}

/// A replica's entry in the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// Its `/sync` URL.
    url: String,
    /// When it last renewed the entry (seconds since the Unix epoch).
    seen: u64,
}

/// What one replica tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "kebab-case")]
enum Message {
    /// A document's record changed.
    Record {
        /// The replica that says it.
        from: String,
        /// The document.
        doc: String,
    },
    /// Accounts or organisations changed.
    Everything {
        /// The replica that says it.
        from: String,
    },
    /// A document's narratives got updates.
    Yjs {
        /// The replica that says it.
        from: String,
        /// The document.
        doc: String,
    },
}

impl Message {
    fn from(&self) -> &str {
        match self {
            Message::Record { from, .. }
            | Message::Everything { from }
            | Message::Yjs { from, .. } => from,
        }
    }
}

/// Tells the other replicas that `changed` changed (nothing on SQLite).
pub async fn tell_changed(store: &Store, cluster: &Cluster, changed: &Changed) {
    let from = cluster.peer_id.clone();
    let message = match changed {
        Changed::Document(doc) => Message::Record {
            from,
            doc: doc.to_string(),
        },
        Changed::Everything => Message::Everything { from },
    };
    publish(store, &message).await;
}

/// Tells the other replicas that document `doc`'s narratives got updates.
pub async fn tell_narratives(store: &Store, cluster: &Cluster, doc: &str) {
    let message = Message::Yjs {
        from: cluster.peer_id.clone(),
        doc: doc.to_owned(),
    };
    publish(store, &message).await;
}

async fn publish(store: &Store, message: &Message) {
    let store = store.clone();
    let text = serde_json::to_string(message).expect("a message serialises");
    match tokio::task::spawn_blocking(move || store.publish(&text)).await {
        Ok(Ok(())) => {}
        // The others then learn it at their next re-evaluation (a lost notice is not a lost
        // write: everything told is also in the database).
        Ok(Err(error)) => tracing::warn!(%error, "cannot tell the other replicas"),
        Err(error) => tracing::warn!(%error, "telling the other replicas panicked"),
    }
}

/// Keeps this replica's entry alive and dials the replicas it should, until `stop` resolves;
/// then removes its entry and closes its dialers.
pub async fn keep_in_touch(state: AppState, cluster: Cluster, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    let mut dialed: HashMap<String, DialerHandle<std::convert::Infallible>> = HashMap::new();
    let mut tick = tokio::time::interval(HEARTBEAT);
    let key = format!("{ENTRY_PREFIX}{}", cluster.peer_id);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {}
        }
        let now = unix_now();
        let entry = serde_json::to_string(&Entry {
            url: cluster.url.clone(),
            seen: now,
        })
        .expect("an entry serialises");
        let store = state.store.clone();
        let key2 = key.clone();
        let listed = tokio::task::spawn_blocking(move || {
            store.set_setting(&key2, &entry)?;
            store.settings_with_prefix(ENTRY_PREFIX)
        })
        .await;
        let entries = match listed {
            Ok(Ok(entries)) => entries,
            Ok(Err(error)) => {
                tracing::warn!(%error, "cannot renew this replica's entry");
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "renewing this replica's entry panicked");
                continue;
            }
        };
        let live: HashMap<String, Entry> = entries
            .into_iter()
            .filter_map(|(key, value)| {
                let peer = key.strip_prefix(ENTRY_PREFIX)?.to_owned();
                let entry: Entry = serde_json::from_str(&value).ok()?;
                (now.saturating_sub(entry.seen) <= GONE_AFTER.as_secs()).then_some((peer, entry))
            })
            .collect();
        dialed.retain(|peer, dialer| {
            let keep = live.contains_key(peer);
            if !keep {
                tracing::info!(%peer, "replica gone; no longer dialing it");
                dialer.close();
            }
            keep
        });
        for (peer, entry) in &live {
            if peer.as_str() <= cluster.peer_id.as_str() || dialed.contains_key(peer) {
                continue;
            }
            let url = match cluster.dial_url(entry) {
                Ok(url) => url,
                Err(error) => {
                    tracing::warn!(%peer, %error, "a replica's entry has a bad URL");
                    continue;
                }
            };
            let backoff = BackoffConfig {
                initial_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(5),
                max_retries: None,
            };
            match state.repo.dial_websocket(url, backoff) {
                Ok(dialer) => {
                    tracing::info!(%peer, url = %entry.url, "dialing replica");
                    dialed.insert(peer.clone(), dialer);
                }
                Err(_) => return,
            }
        }
    }
    for dialer in dialed.values() {
        dialer.close();
    }
    let store = state.store.clone();
    let _ = tokio::task::spawn_blocking(move || store.delete_setting(&key)).await;
}

/// Acts on what the other replicas tell, until `stop` resolves.
pub async fn listen(state: AppState, cluster: Cluster, stop: impl Future<Output = ()>) {
    let (notices, mut arrived) = mpsc::unbounded_channel::<Notice>();
    let listening = state
        .store
        .listen(move |notice| notices.send(notice).is_ok());
    match listening {
        Ok(true) => {}
        Ok(false) => return,
        Err(error) => {
            tracing::error!(%error, "cannot listen to the other replicas");
            return;
        }
    }
    tokio::pin!(stop);
    loop {
        let notice = tokio::select! {
            () = &mut stop => return,
            notice = arrived.recv() => match notice {
                Some(notice) => notice,
                None => return,
            },
        };
        match notice {
            Notice::Idle => {}
            Notice::MaybeMissed => {
                tracing::info!("notices may have been missed; re-evaluating everything");
                state.announce_here(Changed::Everything);
                state.yjs.refresh_all(&state.store).await;
            }
            Notice::Message(text) => {
                let Ok(message) = serde_json::from_str::<Message>(&text) else {
                    tracing::warn!(%text, "an unreadable notice");
                    continue;
                };
                if message.from() == cluster.peer_id {
                    continue;
                }
                match message {
                    Message::Record { doc, .. } => {
                        state.announce_here(Changed::Document(DocumentId::new(doc)));
                    }
                    Message::Everything { .. } => state.announce_here(Changed::Everything),
                    Message::Yjs { doc, .. } => state.yjs.refresh(&state.store, &doc).await,
                }
            }
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_peer_ids_are_told_from_users() {
        assert!(is_replica_peer(&new_peer_id()));
        assert!(!is_replica_peer("r:"));
        assert!(!is_replica_peer("u:editor:abc"));
    }

    #[test]
    fn messages_keep_their_shape() {
        let message = Message::Yjs {
            from: "r:1".into(),
            doc: "d".into(),
        };
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(text, r#"{"what":"yjs","from":"r:1","doc":"d"}"#);
        assert_eq!(serde_json::from_str::<Message>(&text).unwrap(), message);
    }

    #[test]
    fn only_the_secret_is_admitted() {
        let cluster = Cluster {
            peer_id: "r:1".into(),
            url: "ws://127.0.0.1:1/sync".into(),
            secret: "abc".into(),
        };
        assert!(cluster.admits("abc"));
        assert!(!cluster.admits("abd"));
        assert!(!cluster.admits("ab"));
        assert!(!cluster.admits(""));
    }
}
