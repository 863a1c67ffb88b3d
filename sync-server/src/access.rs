//! Who may see and change which document, for REST handlers and for `/sync`.
//!
//! Both ask `workflow::allowed` with the caller's memberships, the organisation tree and the
//! server's record of the document (owner school, parties, status), never anything inside the
//! CRDT. For `/sync` the answer becomes a samod [`ShareConfig`] per (document, peer):
//! read-write when the peer may write, read-only when they may only read, nothing otherwise
//! (the document is then unavailable to them and their changes to it are dropped). The
//! decision is re-evaluated whenever the document's state changes (a submission freezes it for
//! its parties) or accounts change.

use futures::{Stream, StreamExt};
use samod::{PeerId, ShareConfig, SharePolicy};
use store::{DocumentRecord, Store, StoreError};
use tokio::sync::broadcast;
use workflow::{
    Action, Decision, Directory, DocumentId, Memberships, UserId, allowed, signing_party,
};

/// The prefix of an authenticated peer id: `u:<user>:<replica>`.
const PEER_PREFIX: &str = "u:";

/// The peer id a user's replica must present: `u:<user>:<replica>`.
pub fn peer_id_for(user: &UserId, replica: &str) -> String {
    format!("{PEER_PREFIX}{}:{replica}", user.as_str())
}

/// The user an authenticated peer id belongs to.
pub fn user_of_peer(peer: &str) -> Option<UserId> {
    let rest = peer.strip_prefix(PEER_PREFIX)?;
    let (user, replica) = rest.rsplit_once(':')?;
    (!user.is_empty() && !replica.is_empty()).then(|| UserId::new(user))
}

/// What one user may do to one document, as the permission table says.
pub fn decide(
    directory: &Directory,
    people: &Memberships,
    user: &UserId,
    record: &DocumentRecord,
    action: Action,
) -> Decision {
    allowed(directory, people, user, &record.document, action)
}

/// The organisation tree as stored.
///
/// # Errors
///
/// [`StoreError`] if it cannot be read or no longer forms a tree.
pub fn directory(store: &Store) -> Result<Directory, StoreError> {
    Directory::new(store.organisations()?).map_err(StoreError::InvalidOrganisation)
}

/// Every action `user` may take on `record` now, for clients to show buttons: the table's
/// answer, less signing once the user's school has signed the version under review.
pub fn permitted(
    directory: &Directory,
    people: &Memberships,
    user: &UserId,
    record: &DocumentRecord,
) -> Vec<Action> {
    let signed_already = || {
        let party = signing_party(directory, people, user, &record.document);
        let current = record.state.current();
        match (party, current) {
            (Some(party), Some(submission)) => submission.is_signed_by(&party),
            _ => true,
        }
    };
    Action::ALL
        .into_iter()
        .filter(|action| decide(directory, people, user, record, *action).is_allowed())
        .filter(|action| *action != Action::Sign || !signed_already())
        .collect()
}

/// How a document is shared with a user's replica.
fn share_config(store: &Store, document: &DocumentId, user: &UserId) -> ShareConfig {
    let decided = (|| {
        let Some(record) = store.document(document)? else {
            return Ok(ShareConfig::none());
        };
        let people = store.people_of(user)?;
        let directory = directory(store)?;
        let may = |action| decide(&directory, &people, user, &record, action).is_allowed();
        // No announcements: a replica gets the documents it asks for, not every document it
        // may read (a coordinator would otherwise download the whole region on each sync).
        Ok::<_, StoreError>(if may(Action::Write) {
            ShareConfig::read_write().with_announce(false)
        } else if may(Action::Read) {
            ShareConfig::read_only().with_announce(false)
        } else {
            ShareConfig::none()
        })
    })();
    decided.unwrap_or_else(|error| {
        // Fail closed: a storage failure shares nothing until the next decision.
        tracing::error!(%error, %document, "cannot decide sharing; denying");
        ShareConfig::none()
    })
}

/// The samod share policy of the server: [`share_config`] for the user behind the peer id,
/// re-evaluated when the document (or everything) changes.
#[derive(Clone)]
pub struct Policy {
    store: Store,
    changes: broadcast::Sender<Changed>,
}

/// What changed, for share decisions to be re-evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// One document's record (its status).
    Document(DocumentId),
    /// Accounts or organisations: every decision may change.
    Everything,
}

impl Policy {
    /// A policy over `store`, re-evaluating on `changes`.
    pub fn new(store: Store, changes: broadcast::Sender<Changed>) -> Policy {
        Policy { store, changes }
    }
}

impl SharePolicy for Policy {
    fn share(
        &self,
        doc_id: samod::DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        if crate::replicas::is_replica_peer(&peer_id.to_string()) {
            // Another replica of this server: every document, announced, so that a document
            // open on both stays in sync (see `crate::replicas`).
            return futures::stream::once(async { ShareConfig::read_write() }).boxed();
        }
        let document = DocumentId::new(doc_id.to_string());
        let user = user_of_peer(&peer_id.to_string());
        let store = self.store.clone();
        let receiver = self.changes.subscribe();
        futures::stream::unfold((true, receiver), move |(first, mut receiver)| {
            let (store, document, user) = (store.clone(), document.clone(), user.clone());
            async move {
                let user = user?;
                if !first {
                    loop {
                        match receiver.recv().await {
                            Ok(Changed::Document(id)) if id != document => continue,
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => break,
                            Err(broadcast::error::RecvError::Closed) => return None,
                        }
                    }
                }
                let config =
                    tokio::task::spawn_blocking(move || share_config(&store, &document, &user))
                        .await
                        .unwrap_or_else(|_| ShareConfig::none());
                Some((config, (false, receiver)))
            }
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_ids_carry_their_user() {
        let user = UserId::new("ivanova");
        let peer = peer_id_for(&user, "3f2a");
        assert_eq!(user_of_peer(&peer), Some(user));
        assert_eq!(user_of_peer("u:a:b:c"), Some(UserId::new("a:b")));
        assert_eq!(user_of_peer("ravenstvo-server-1"), None);
        assert_eq!(user_of_peer("u::x"), None);
        assert_eq!(user_of_peer("u:x:"), None);
    }
}
