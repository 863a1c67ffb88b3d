//! Light clients: samod repos in this process, in memory, each dialling `/sync` as its own
//! peer; and the logins that give them tokens.

use std::time::Duration;

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ValueRef};
use samod::{BackoffConfig, ConnectionId, DialerHandle, PeerId, Repo};

use crate::target::Target;

/// One connected client repo.
pub struct Client {
    /// Its repo (in memory).
    pub repo: Repo,
    /// Its connection to the server.
    pub dialer: DialerHandle<std::convert::Infallible>,
    /// The connection's id (for `we_have_their_changes` and the like).
    pub conn: ConnectionId,
}

impl Client {
    /// A repo with peer id `peer` dialled to `target` with `token` (none for the bare server).
    pub async fn connect(target: &Target, token: Option<&str>, peer: &str) -> Client {
        let repo = Client::offline(peer).await;
        let conn = Client::dial(&repo, target, token, peer).await;
        Client {
            dialer: conn.0,
            conn: conn.1,
            repo,
        }
    }

    /// A repo with peer id `peer`, not connected.
    pub async fn offline(peer: &str) -> Repo {
        Repo::build_tokio()
            .with_peer_id(PeerId::from(peer))
            .load()
            .await
    }

    /// Dials `repo` to `target`; returns once the connection is established.
    pub async fn dial(
        repo: &Repo,
        target: &Target,
        token: Option<&str>,
        peer: &str,
    ) -> (DialerHandle<std::convert::Infallible>, ConnectionId) {
        Client::dial_url(repo, target.sync_url(token, peer)).await
    }

    /// Dials `repo` to the `/sync` websocket at `url`; returns once the connection is
    /// established.
    pub async fn dial_url(
        repo: &Repo,
        url: url::Url,
    ) -> (DialerHandle<std::convert::Infallible>, ConnectionId) {
        let dialer = repo
            .dial_websocket(
                url,
                BackoffConfig {
                    initial_delay: Duration::from_millis(200),
                    max_delay: Duration::from_secs(2),
                    max_retries: Some(20),
                },
            )
            .expect("the repo is running");
        tokio::time::timeout(Duration::from_secs(120), dialer.established())
            .await
            .expect("connected within 120 s")
            .expect("connected");
        let conn = dialer.connection_id().expect("connected");
        (dialer, conn)
    }

    /// Closes the connection and stops the repo.
    pub async fn stop(self) {
        self.dialer.close();
        self.repo.stop().await;
    }
}

/// Logs `login` in over REST at `url` (`http://…`); its token.
pub async fn login(url: &str, login: &str, password: &str) -> String {
    let (url, login, password) = (url.to_owned(), login.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || {
        e2e::Api::login_at(&url, &login, &password)
            .token
            .expect("a token")
    })
    .await
    .expect("logging in")
}

/// The first text object found in `doc` below its root, breadth first (a structured text
/// field of a form document).
pub fn first_text(doc: &Automerge) -> Option<ObjId> {
    let mut queue = vec![ObjId::Root];
    let mut next = 0;
    while next < queue.len() && next < 10_000 {
        let obj = queue[next].clone();
        next += 1;
        let keys: Vec<(Option<ObjType>, ObjId)> = match doc.object_type(&obj) {
            Ok(ObjType::Map | ObjType::Table) => doc
                .map_range(&obj, ..)
                .map(|item| (object_type(&item.value), item.id()))
                .collect(),
            Ok(ObjType::List) => doc
                .list_range(&obj, ..)
                .map(|item| (object_type(&item.value), item.id()))
                .collect(),
            _ => continue,
        };
        for (value, id) in keys {
            match value {
                Some(ObjType::Text) => return Some(id),
                Some(_) => queue.push(id),
                None => {}
            }
        }
    }
    None
}

fn object_type(value: &ValueRef<'_>) -> Option<ObjType> {
    match value {
        ValueRef::Object(kind) => Some(*kind),
        ValueRef::Scalar(_) => None,
    }
}
