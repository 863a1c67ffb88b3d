//! The server's shared state: the repo and its websocket acceptor, the store with accounts and
//! records, the form catalogue, the password gate, the limit on refused registrations, the
//! channel that tells share decisions to re-evaluate, the documents edits arrived for, and the
//! live `/sync` connections.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use forms::Catalogue;
use samod::{AcceptorHandle, PeerId, Repo};
use store::{SqliteStorage, StorageHealth, Store};
use tokio::sync::broadcast;

use crate::Config;
use crate::access::{Changed, Policy};
use crate::api::attempts::{PASSWORD_CHECK_WAIT, PasswordGate};
use crate::api::refusals::RefusalLimiter;
use crate::edits::{ArrivalObserver, Arrivals};
use crate::replicas::{self, Cluster};
use crate::sessions::LiveSessions;
use crate::yjs::rooms::Rooms;

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
    /// The database: documents, accounts, records, audit log.
    pub store: Store,
    /// The forms and regional requirement sets submissions are validated against.
    pub catalogue: Arc<Catalogue>,
    /// Each place's method of identifying schools (`forms/regions/…/identification.json`).
    pub methods: Arc<identification::Methods>,
    /// The way to every password check: failed attempts counted per login and address (in
    /// memory, or in the database when replicas share it), and as many checks at once as the
    /// store has argon2 working areas.
    pub passwords: Arc<PasswordGate>,
    /// Counting of registrations refused because the id is someone else's; lives as long as
    /// the server (a restart forgets the counts).
    pub refusals: Arc<RefusalLimiter>,
    /// Tells `/sync` share decisions that a record changed.
    pub changes: broadcast::Sender<Changed>,
    /// Documents changes arrived for over `/sync`, until compared with their decision.
    pub arrivals: Arc<Arrivals>,
    /// Live `/sync` and `/yjs` connections with their tokens, closed when the token dies.
    pub sessions: Arc<LiveSessions>,
    /// Each document's narratives as the server holds them, with their `/yjs` connections.
    pub yjs: Arc<Rooms>,
    /// This server among the other replicas on the same database; `None` on SQLite.
    pub cluster: Option<Arc<Cluster>>,
}

impl AppState {
    /// Opens the database under the data directory, loads the catalogue and the repo over
    /// the database with the access policy.
    pub async fn open(config: &Config, addr: SocketAddr) -> anyhow::Result<Self> {
        let database = config.database();
        let store =
            Store::open_database(&database).with_context(|| format!("opening {database}"))?;
        let catalogue = Catalogue::load(&config.forms_dir)
            .with_context(|| format!("loading forms from {}", config.forms_dir.display()))?;
        let methods = identification::Methods::load(&config.forms_dir).with_context(|| {
            format!(
                "loading identification methods from {}",
                config.forms_dir.display()
            )
        })?;
        // On a shared database every replica is a peer of its own, fresh at each start; alone
        // on SQLite the server keeps one id.
        let peer_id = if store.shared_by_processes() {
            replicas::new_peer_id()
        } else {
            match store.setting(PEER_ID_SETTING)? {
                Some(id) => id,
                None => {
                    let id = format!("ravenstvo-server-{}", uuid::Uuid::new_v4().simple());
                    store.set_setting(PEER_ID_SETTING, &id)?;
                    id
                }
            }
        };
        let cluster = if store.shared_by_processes() {
            let url = config.advertise.clone().unwrap_or_else(|| {
                let host = if addr.ip().is_unspecified() {
                    std::net::IpAddr::from([127, 0, 0, 1])
                } else {
                    addr.ip()
                };
                format!("ws://{}/sync", SocketAddr::new(host, addr.port()))
            });
            Some(Arc::new(Cluster::join(&store, peer_id.clone(), url)?))
        } else {
            None
        };
        let (changes, _) = broadcast::channel(1024);
        let storage = SqliteStorage::new(store.clone());
        let health = storage.health();
        let arrivals = Arc::new(Arrivals::default());
        let repo = Repo::build_tokio()
            .with_storage(storage)
            .with_observer(ArrivalObserver(arrivals.clone()))
            .with_peer_id(PeerId::from(peer_id.as_str()))
            .with_share_policy(Policy::new(store.clone(), changes.clone()))
            .load()
            .await;
        let url = url::Url::parse(&format!("ws://{addr}/sync")).context("building the sync URL")?;
        let yjs = Arc::new(Rooms::default());
        if let Some(cluster) = &cluster {
            yjs.tell(cluster.clone());
        }
        let acceptor = repo
            .make_acceptor(url)
            .context("the repo stopped while starting")?;
        let passwords = Arc::new(password_gate(&store));
        Ok(Self {
            repo,
            acceptor,
            health,
            store,
            catalogue: Arc::new(catalogue),
            methods: Arc::new(methods),
            passwords,
            refusals: Arc::default(),
            changes,
            arrivals,
            sessions: Arc::default(),
            yjs,
            cluster,
        })
    }

    /// Tells share decisions and `/yjs` connections' rights that `changed` changed, here and
    /// on the other replicas. Nobody listening is fine.
    pub fn announce(&self, changed: Changed) {
        if let Some(cluster) = self.cluster.clone() {
            let (store, changed) = (self.store.clone(), changed.clone());
            tokio::spawn(async move { replicas::tell_changed(&store, &cluster, &changed).await });
        }
        self.announce_here(changed);
    }

    /// As [`AppState::announce`], on this server only (for what another replica told).
    pub fn announce_here(&self, changed: Changed) {
        self.yjs.records_changed();
        let _ = self.changes.send(changed);
    }

    /// Closes the acceptor and stops the repo, which waits for every storage write.
    pub async fn stop(&self) {
        self.acceptor.close();
        self.repo.stop().await;
    }
}

/// The password gate of a server on `store`: failures counted in memory when the server is
/// alone on its database, in the database when other replicas may share it (else each would
/// count on its own, and an attacker get every replica's worth of attempts).
fn password_gate(store: &Store) -> PasswordGate {
    let gate = PasswordGate::new(store::PASSWORD_CHECKS_AT_ONCE, PASSWORD_CHECK_WAIT);
    if store.shared_by_processes() {
        gate.counting_in(store.clone())
    } else {
        gate
    }
}
