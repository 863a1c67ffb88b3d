//! A samod peer (an automerge-repo replica in-process) logged in as a demo user and dialed into
//! the real server's `/sync`, for the access and replica tests.

use std::time::Duration;

use document::{Author, Edit};
use e2e::{Api, Server, root};
use samod::{BackoffConfig, DocHandle, PeerId, Repo};
use serde_json::Value;

/// How long a peer waits for a document before calling it unavailable.
const FIND_TIMEOUT: Duration = Duration::from_secs(10);

/// A samod peer logged in as a demo user, dialed into the server.
pub struct Peer {
    repo: Repo,
    login: String,
}

impl Peer {
    pub async fn connect(server: &Server, login: &str) -> Peer {
        // A blocking login is fine here: it happens before the peer exists.
        let token = Api::demo(server, login).token.unwrap();
        let peer = format!("u:{login}:{}", uuid_like());
        let repo = Repo::build_tokio()
            .with_peer_id(PeerId::from(peer.as_str()))
            .load()
            .await;
        let url = url::Url::parse(&format!(
            "ws://{}/sync?token={token}&peer={peer}",
            server.addr()
        ))
        .unwrap();
        let dialer = repo
            .dial_websocket(
                url,
                BackoffConfig {
                    initial_delay: Duration::from_millis(100),
                    max_delay: Duration::from_millis(500),
                    max_retries: Some(1),
                },
            )
            .unwrap();
        tokio::time::timeout(Duration::from_secs(10), dialer.established())
            .await
            .expect("connected in time")
            .expect("connected");
        Peer {
            repo,
            login: login.to_owned(),
        }
    }

    /// The document, or `None` when the server does not give it within the timeout.
    pub async fn find(&self, id: &str) -> Option<DocHandle> {
        let id: samod::DocumentId = id.parse().unwrap();
        tokio::time::timeout(FIND_TIMEOUT, self.repo.find(id))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
    }

    /// Sets `pointer` to `value` in the local copy.
    pub fn set(&self, handle: &DocHandle, pointer: &str, value: Value) {
        let catalogue = forms::Catalogue::load(root().join("forms")).unwrap();
        let author = Author {
            id: self.login.clone(),
            name: self.login.clone(),
        };
        handle
            .with_document(|doc| {
                document::apply(
                    doc,
                    &catalogue,
                    &[Edit::Set {
                        pointer: pointer.to_owned(),
                        value,
                    }],
                    &author,
                    None,
                )
            })
            .unwrap();
    }

    pub async fn stop(self) {
        self.repo.stop().await;
    }
}

/// A replica id unique within the test run.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}")
}
