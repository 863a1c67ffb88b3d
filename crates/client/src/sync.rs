//! Exchanging documents with a sync server.
//!
//! The replica dials the server's `/sync` websocket, lets samod synchronise every document it
//! holds (and fetch those asked for), waits until both sides have each other's changes, and
//! reports what moved. Documents sync concurrently, a bounded number at a time.

use std::time::Duration;

use automerge::ChangeHash;
use futures::StreamExt;
use samod::{BackoffConfig, ConnectionId, DocHandle};

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
    /// Synchronises every local document with the server at `server` (an `http(s)://` or
    /// `ws(s)://` base URL), and fetches the documents named in `fetch`.
    pub async fn sync(
        &self,
        server: &str,
        fetch: &[String],
        progress: &(dyn Fn(SyncProgress) + Sync),
    ) -> Result<SyncReport, ClientError> {
        let url = sync_url(server)?;
        let dialer = self.repo.dial_websocket(
            url.clone(),
            BackoffConfig {
                initial_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(1),
                max_retries: Some(2),
            },
        )?;
        let unreachable = |reason: String| ClientError::ServerUnreachable {
            url: server.to_owned(),
            reason,
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, dialer.established()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                dialer.close();
                tracing::debug!(error = %e, "dialing the server failed");
                return Err(unreachable(
                    "соединение не установлено после нескольких попыток".to_owned(),
                ));
            }
            Err(_) => {
                dialer.close();
                return Err(unreachable("нет ответа".to_owned()));
            }
        }
        let Some(conn) = dialer.connection_id() else {
            return Err(unreachable("соединение сразу закрылось".to_owned()));
        };

        let mut ids: Vec<(String, bool)> =
            self.local_ids()?.into_iter().map(|id| (id, true)).collect();
        for id in fetch {
            let canonical = parse_id(id)?.to_string();
            if !ids.iter().any(|(known, _)| *known == canonical) {
                ids.push((canonical, false));
            }
        }
        let total = ids.len();
        progress(SyncProgress::Connected { total });
        let mut report = SyncReport::default();
        let mut results = futures::stream::iter(ids)
            .map(|(id, local)| self.sync_one(id, local, conn))
            .buffer_unordered(CONCURRENCY);
        while let Some(result) = results.next().await {
            report.documents.push(result.clone());
            progress(SyncProgress::Document {
                done: report.documents.len(),
                total,
                result,
            });
        }
        drop(results);
        dialer.close();
        Ok(report)
    }

    fn local_ids(&self) -> Result<Vec<String>, ClientError> {
        Ok(self.store().document_ids()?)
    }

    /// Synchronises one document; `local` says whether the replica had it before (otherwise
    /// every change it ends up with was received).
    async fn sync_one(&self, id: String, local: bool, conn: ConnectionId) -> DocSync {
        let mut outcome = DocSync {
            id: id.clone(),
            received: 0,
            sent: 0,
            problem: None,
        };
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

/// `http://host:port` → `ws://host:port/sync` (and `https` → `wss`); a `ws(s)://…` URL without
/// a path gets `/sync` too.
fn sync_url(server: &str) -> Result<url::Url, ClientError> {
    let bad = || ClientError::ServerUnreachable {
        url: server.to_owned(),
        reason: "неверный адрес сервера".to_owned(),
    };
    let mut url = url::Url::parse(server.trim()).map_err(|_| bad())?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(bad()),
    };
    url.set_scheme(scheme).map_err(|()| bad())?;
    if url.path() == "/" || url.path().is_empty() {
        url.set_path("/sync");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::sync_url;

    #[test]
    fn server_urls_become_sync_websocket_urls() {
        assert_eq!(
            sync_url("http://127.0.0.1:8080").unwrap().as_str(),
            "ws://127.0.0.1:8080/sync"
        );
        assert_eq!(
            sync_url("https://ravenstvo.example/").unwrap().as_str(),
            "wss://ravenstvo.example/sync"
        );
        assert_eq!(
            sync_url("ws://h:1/custom").unwrap().as_str(),
            "ws://h:1/custom"
        );
        assert!(sync_url("ftp://h").is_err());
        assert!(sync_url("не адрес").is_err());
    }
}
