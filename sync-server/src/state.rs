//! The server's shared state: the repo, its websocket acceptor and storage health.

use std::net::SocketAddr;

use anyhow::Context;
use samod::{AcceptorHandle, PeerId, Repo};
use store::{SqliteStorage, StorageHealth, Store};

use crate::{Config, DATABASE_FILE};

/// Settings key under which the server keeps its stable samod peer id.
const PEER_ID_SETTING: &str = "server_peer_id";

/// Shared by every request handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The samod repo holding every document the server has; lives as long as the server.
    pub repo: Repo,
    /// Accepts websocket connections into the repo (`/sync`).
    pub acceptor: AcceptorHandle,
    /// Whether storage writes are going through (reported by `/healthz`).
    pub health: StorageHealth,
}

impl AppState {
    /// Opens the database under the data directory and loads the repo over it.
    pub async fn open(config: &Config, addr: SocketAddr) -> anyhow::Result<Self> {
        let path = config.data_dir.join(DATABASE_FILE);
        let store = Store::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let peer_id = match store.setting(PEER_ID_SETTING)? {
            Some(id) => id,
            None => {
                let id = format!("ravenstvo-server-{}", uuid::Uuid::new_v4().simple());
                store.set_setting(PEER_ID_SETTING, &id)?;
                id
            }
        };
        let storage = SqliteStorage::new(store.clone());
        let health = storage.health();
        let repo = Repo::build_tokio()
            .with_storage(storage)
            .with_peer_id(PeerId::from(peer_id.as_str()))
            .load()
            .await;
        let url = url::Url::parse(&format!("ws://{addr}/sync")).context("building the sync URL")?;
        let acceptor = repo
            .make_acceptor(url)
            .context("the repo stopped while starting")?;
        Ok(Self {
            repo,
            acceptor,
            health,
        })
    }

    /// Closes the acceptor and stops the repo, which waits for every storage write.
    pub async fn stop(&self) {
        self.acceptor.close();
        self.repo.stop().await;
    }
}
