//! Exchanging documents with a sync server.
//!
//! The replica dials the server's `/sync` websocket, lets samod synchronise every document it
//! holds (and fetch those asked for), waits until both sides have each other's changes, and
//! reports what moved. Documents sync concurrently, a bounded number at a time.

use std::time::Duration;

use automerge::ChangeHash;
use futures::StreamExt;
use samod::{BackoffConfig, ConnectionId, DocHandle};

use crate::account::{Session, blocking};
use crate::api::{ApiClient, ApiError, DocumentSummary, server_base};
use crate::error::ClientError;
use crate::replica::{Replica, parse_id};

/// How long to wait for the server to answer the first connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one document may take to synchronise before it is reported as unfinished.
const DOC_TIMEOUT: Duration = Duration::from_secs(60);
/// How many documents synchronise at once.
const CONCURRENCY: usize = 16;

/// One step of a sync, for a progress display.
#[derive(Debug, Clone)]
pub enum SyncProgress {
    /// Connected to the server; `total` documents will be synchronised.
    Connected {
        /// Number of documents to synchronise.
        total: usize,
    },
    /// One document finished.
    Document {
        /// How many are done so far (including this one).
        done: usize,
        /// How many there are.
        total: usize,
        /// What happened to it.
        result: DocSync,
    },
}

/// What happened to one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocSync {
    /// The document id.
    pub id: String,
    /// Changes received from the server.
    pub received: usize,
    /// Changes the server did not have and now has.
    pub sent: usize,
    /// `None` when done; otherwise why it could not finish (the server lacks it, a timeout).
    pub problem: Option<String>,
}

/// The outcome of a whole sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Every document, in the order they finished.
    pub documents: Vec<DocSync>,
}

impl SyncReport {
    /// Total changes received.
    pub fn received(&self) -> usize {
        self.documents.iter().map(|d| d.received).sum()
    }

    /// Total changes sent.
    pub fn sent(&self) -> usize {
        self.documents.iter().map(|d| d.sent).sum()
    }

    /// Documents that could not be synchronised.
    pub fn problems(&self) -> impl Iterator<Item = &DocSync> {
        self.documents.iter().filter(|d| d.problem.is_some())
    }
}

impl Replica {
    /// Synchronises every local document with the server at `server` (an `http://` or
    /// `ws://` base URL), and fetches the documents named in `fetch`.
    ///
    /// When someone is logged in, the documents created here and not yet registered on the
    /// server are registered first (with the form, owner school and mentor recorded by
    /// [`Replica::create_for`]); a refused registration becomes that document's problem in the
    /// report and the document is not sent. The websocket then carries the token and the peer
    /// id `u:<user>:<replica>`. Documents fetched from the server are noted as registered.
    ///
    /// # Errors
    ///
    /// [`ClientError::ServerUnreachable`] or [`ClientError::Api`] (unreachable, or 401 for a
    /// token the server no longer accepts); [`ClientError::NotLoggedIn`] when the server
    /// wants an account and nobody is logged in; [`ClientError::OtherServer`] when logged in
    /// elsewhere; [`ClientError::SessionChanged`] after a login or logout since opening.
    pub async fn sync(
        &self,
        server: &str,
        fetch: &[String],
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncReport, ClientError> {
        let mut ids: Vec<(String, bool)> =
            self.local_ids()?.into_iter().map(|id| (id, true)).collect();
        for id in fetch {
            let canonical = parse_id(id)?.to_string();
            if !ids.iter().any(|(known, _)| *known == canonical) {
                ids.push((canonical, false));
            }
        }
        self.sync_ids(server, ids, progress).await
    }

    /// Synchronises only the local documents `ids` (registering them first when needed), for
    /// example the one about to be submitted.
    ///
    /// # Errors
    ///
    /// As [`Replica::sync`]; [`ClientError::NotFound`] for a document not held here.
    pub async fn sync_only(
        &self,
        server: &str,
        ids: &[String],
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncReport, ClientError> {
        let mut selected = Vec::new();
        for id in ids {
            let handle = self.handle(id).await?;
            selected.push((handle.document_id().to_string(), true));
        }
        self.sync_ids(server, selected, progress).await
    }

    async fn sync_ids(
        &self,
        server: &str,
        mut ids: Vec<(String, bool)>,
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncReport, ClientError> {
        let base = server_base(server)?;
        let session = self.session()?;
        if session != self.opened_as {
            return Err(ClientError::SessionChanged);
        }
        let mut refused = Vec::new();
        let mut listed = None;
        if let Some(session) = &session {
            if session.server != base {
                return Err(ClientError::OtherServer {
                    logged_in: session.server.clone(),
                    asked: base,
                });
            }
            let local: Vec<String> = ids
                .iter()
                .filter(|(_, local)| *local)
                .map(|(id, _)| id.clone())
                .collect();
            let pending = self.pending_registrations(&base, &local).await?;
            refused = self.register(session.api()?, pending).await?;
            ids.retain(|(id, _)| !refused.iter().any(|(r, _)| r == id));
            let api = session.api()?;
            listed = Some(blocking(move || Ok(api.documents()?)).await?);
        }
        let url = sync_url(&base, session.as_ref(), &self.replica_id()?)?;
        let dialer = self.repo.dial_websocket(
            url,
            BackoffConfig {
                initial_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(1),
                max_retries: Some(2),
            },
        )?;
        let failed = match tokio::time::timeout(CONNECT_TIMEOUT, dialer.established()).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "dialing the server failed");
                Some("соединение не установлено после нескольких попыток")
            }
            Err(_) => Some("нет ответа"),
        };
        if let Some(reason) = failed {
            dialer.close();
            return Err(self.why_not_connected(&base, session, reason).await);
        }
        let Some(conn) = dialer.connection_id() else {
            return Err(ClientError::ServerUnreachable {
                url: base,
                reason: "соединение сразу закрылось".to_owned(),
            });
        };

        let total = ids.len() + refused.len();
        progress(SyncProgress::Connected { total });
        let mut report = SyncReport::default();
        for (id, problem) in refused {
            let result = DocSync {
                id,
                received: 0,
                sent: 0,
                problem: Some(problem),
            };
            report.documents.push(result.clone());
            progress(SyncProgress::Document {
                done: report.documents.len(),
                total,
                result,
            });
        }
        let fetched: Vec<String> = ids
            .iter()
            .filter(|(_, local)| !*local)
            .map(|(id, _)| id.clone())
            .collect();
        let mut results = futures::stream::iter(ids)
            .map(|(id, local)| {
                let access = access_of(listed.as_ref(), &id);
                self.sync_one(id, local, conn, access)
            })
            .buffer_unordered(CONCURRENCY);
        while let Some(mut result) = results.next().await {
            if let (Some(session), None) = (&session, &result.problem) {
                match self.sync_narratives(&base, session, &result.id).await {
                    Ok(narratives) => {
                        if let Some(reason) = narratives.refused {
                            result.problem =
                                Some(format!("изменения текстов не приняты сервером: {reason}"));
                        }
                    }
                    Err(problem) => result.problem = Some(problem),
                }
            }
            report.documents.push(result.clone());
            progress(SyncProgress::Document {
                done: report.documents.len(),
                total,
                result,
            });
        }
        drop(results);
        dialer.close();
        if self.opened_as.is_some() {
            let arrived: Vec<String> = fetched
                .into_iter()
                .filter(|id| {
                    report
                        .documents
                        .iter()
                        .any(|d| d.id == *id && d.problem.is_none())
                })
                .collect();
            self.mark_fetched(&base, &arrived)?;
        }
        Ok(report)
    }

    /// Why `/sync` refused or failed: asks the REST API whether the token (or the lack of
    /// one) is the reason, else reports the server unreachable.
    async fn why_not_connected(
        &self,
        base: &str,
        session: Option<Session>,
        reason: &str,
    ) -> ClientError {
        let unreachable = ClientError::ServerUnreachable {
            url: base.to_owned(),
            reason: reason.to_owned(),
        };
        let Ok(api) = ApiClient::new(base, session.as_ref().map(|s| s.token().to_owned())) else {
            return unreachable;
        };
        match blocking(move || Ok(api.whoami()?)).await {
            Err(ClientError::Api(e @ ApiError::Refused { status: 401, .. })) => match session {
                Some(_) => ClientError::Api(e),
                None => ClientError::NotLoggedIn,
            },
            Err(e @ ClientError::Api(ApiError::Unreachable { .. })) => e,
            _ => unreachable,
        }
    }

    fn local_ids(&self) -> Result<Vec<String>, ClientError> {
        Ok(self.store().document_ids()?)
    }

    /// Synchronises one document; `local` says whether the replica had it before (otherwise
    /// every change it ends up with was received).
    async fn sync_one(
        &self,
        id: String,
        local: bool,
        conn: ConnectionId,
        access: Access,
    ) -> DocSync {
        let mut outcome = DocSync {
            id: id.clone(),
            received: 0,
            sent: 0,
            problem: None,
        };
        if access == Access::None {
            outcome.problem = Some("на сервере его нет или у вас нет доступа к нему".to_owned());
            return outcome;
        }
        let handle = match self.find_anywhere(&id).await {
            Ok(Some(handle)) => handle,
            Ok(None) => {
                outcome.problem = Some("нет ни здесь, ни на сервере".to_owned());
                return outcome;
            }
            Err(e) => {
                outcome.problem = Some(e.message_ru());
                return outcome;
            }
        };
        // Heads, not a count: counting every change decodes the whole history, which costs
        // milliseconds per document; the changes received are those not behind these heads.
        let before = if local {
            handle.with_document(|doc| doc.get_heads())
        } else {
            Vec::new()
        };
        if let Access::ReadOnly { status } = &access {
            // The server ignores a read-only peer's changes: take theirs, and say what of ours
            // stays here instead of waiting for an acknowledgement that never comes.
            let exchange = async {
                let (_, ()) = tokio::join!(
                    their_heads(&handle, conn),
                    handle.we_have_their_changes(conn),
                );
                let (now, _) = handle.peers();
                now.get(&conn)
                    .and_then(|s| s.their_heads.clone())
                    .unwrap_or_default()
            };
            match tokio::time::timeout(DOC_TIMEOUT, exchange).await {
                Ok(theirs) => {
                    let (received, unsent) = handle.with_document(|doc| {
                        (
                            doc.get_changes(&before).len(),
                            doc.get_changes(&theirs).len(),
                        )
                    });
                    outcome.received = received;
                    if unsent > 0 {
                        outcome.problem = Some(format!(
                            "ваши правки ({unsent}) сервер не принимает: документ «{status}», \
                             изменять его вам сейчас нельзя"
                        ));
                    }
                }
                Err(_) => outcome.problem = Some("сервер не ответил вовремя".to_owned()),
            }
            return outcome;
        }
        let exchange = async {
            // The server's first heads arrive before it can have sent us anything, so the
            // changes it lacked are exactly ours not covered by those heads.
            let (theirs, (), ()) = tokio::join!(
                their_heads(&handle, conn),
                handle.we_have_their_changes(conn),
                handle.they_have_our_changes(conn),
            );
            theirs
        };
        match tokio::time::timeout(DOC_TIMEOUT, exchange).await {
            Ok(their_initial) => {
                let (received, sent) = handle.with_document(|doc| {
                    (
                        doc.get_changes(&before).len(),
                        doc.get_changes(&their_initial).len(),
                    )
                });
                outcome.received = received;
                outcome.sent = sent;
            }
            Err(_) => outcome.problem = Some("сервер не ответил вовремя".to_owned()),
        }
        outcome
    }

    /// Finds a document locally or, failing that, on connected peers.
    async fn find_anywhere(&self, id: &str) -> Result<Option<DocHandle>, ClientError> {
        Ok(self.repo.find(parse_id(id)?).await?)
    }
}

/// What the server lets this user do with a document over `/sync`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Access {
    /// Anonymous sync: the server did not say.
    Unknown,
    /// Read and write.
    Write,
    /// Read only; the document's status in Russian, for the message.
    ReadOnly {
        /// The status in Russian.
        status: String,
    },
    /// Not at all (not registered there, or not the user's).
    None,
}

/// The access to `id` among the documents the server `listed` for the user.
fn access_of(listed: Option<&Vec<DocumentSummary>>, id: &str) -> Access {
    let Some(listed) = listed else {
        return Access::Unknown;
    };
    match listed.iter().find(|d| d.id == id) {
        None => Access::None,
        Some(doc) if doc.permissions.iter().any(|p| p == "write") => Access::Write,
        Some(doc) => Access::ReadOnly {
            status: doc.status_ru.clone(),
        },
    }
}

/// The heads the server first said it had for this document (empty if it had nothing).
async fn their_heads(handle: &DocHandle, conn: ConnectionId) -> Vec<ChangeHash> {
    let (current, mut changes) = handle.peers();
    if let Some(heads) = current.get(&conn).and_then(|s| s.their_heads.clone()) {
        return heads;
    }
    while let Some(update) = changes.next().await {
        if let Some(heads) = update.get(&conn).and_then(|s| s.their_heads.clone()) {
            return heads;
        }
    }
    Vec::new()
}

/// The websocket URL of `/sync` on the server at `base` (`http://host:port`): `ws://…/sync`,
/// with `?token=…&peer=u:<user>:<replica>` (percent-encoded) when logged in.
fn sync_url(base: &str, session: Option<&Session>, replica: &str) -> Result<url::Url, ClientError> {
    let bad = || ClientError::ServerUnreachable {
        url: base.to_owned(),
        reason: "неверный адрес сервера".to_owned(),
    };
    let mut url = url::Url::parse(base).map_err(|_| bad())?;
    url.set_scheme("ws").map_err(|()| bad())?;
    let path = format!("{}/sync", url.path().trim_end_matches('/'));
    url.set_path(&path);
    if let Some(session) = session {
        url.query_pairs_mut()
            .append_pair("token", session.token())
            .append_pair("peer", &session.peer_id(replica));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::sync_url;

    #[test]
    fn server_bases_become_sync_websocket_urls() {
        assert_eq!(
            sync_url("http://127.0.0.1:8080", None, "r")
                .unwrap()
                .as_str(),
            "ws://127.0.0.1:8080/sync"
        );
        assert_eq!(
            sync_url("http://h/app", None, "r").unwrap().as_str(),
            "ws://h/app/sync"
        );
    }

    #[test]
    fn a_session_adds_its_token_and_peer_id_percent_encoded() {
        let session = crate::Session::new("http://h:1", "editor", "Анна", "t+k/en=");
        assert_eq!(
            sync_url("http://h:1", Some(&session), "abc")
                .unwrap()
                .as_str(),
            "ws://h:1/sync?token=t%2Bk%2Fen%3D&peer=u%3Aeditor%3Aabc"
        );
    }
}
