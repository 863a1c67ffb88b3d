//! The sync server: the meeting point of every replica.
//!
//! It holds one samod [`Repo`](samod::Repo) over the `store` crate's SQLite storage and speaks
//! the automerge-repo websocket protocol on `/sync`, so Rust replicas (`crates/client`) and
//! JavaScript ones (`@automerge/automerge-repo`) are peers of the same network, each bound to
//! an authenticated user and shown only the documents the permission table lets them see
//! (`access`). `/api` is the REST API (`api`): login, documents, submission, signatures,
//! review, the regional registry and its exports (`export`), with an OpenAPI document.
//! `/yjs/{doc}` speaks the y-websocket protocol over a document's narratives (`yjs`),
//! authorised the same way. `/healthz` reports whether storage is writing. `sessions` closes live connections whose
//! token died; `net` times out connections that say nothing. `admin` holds the administrative acts of
//! the `sync-server admin` commands and `demo` the demo region of `--demo`. `web` serves the
//! built web app (`web/dist`) at `/` for every other path.
//!
//! The library takes its listener and its shutdown signal from outside ([`run`]), so tests
//! control both; only `main.rs` reads flags, environment and signals.

pub mod access;
pub mod admin;
pub mod api;
pub mod campaign;
pub mod demo;
pub mod edits;
pub mod export;
mod health;
pub mod net;
pub mod replicas;
pub mod sessions;
mod state;
pub mod sync;
pub mod volume;
pub mod web;
pub mod window;
pub mod yjs;

use std::future::Future;
use std::path::PathBuf;

use anyhow::Context;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get};
use store::Database;
use tokio::net::TcpListener;

pub use state::AppState;

/// The largest REST request body accepted; requests carry small JSON (ids, heads, comments).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How long a stopping server waits for the repo to finish its work (storage writes of what
/// already arrived) before it exits anyway. Under a backlog samod would otherwise work through
/// every queued message first; what was not stored is still on the replicas that sent it,
/// which send it again on their next sync.
pub const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The close reason live connections get when the server stops.
pub const SERVER_STOPPING: &str = "the server is stopping";

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "ravenstvo.sqlite3";

/// What the server needs to run; built by `main.rs` from flags and environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the SQLite database (and nothing else when `database` is set).
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (`--database`, `RAVENSTVO_DATABASE_URL`) to keep everything in
    /// instead of the SQLite file under `data_dir`.
    pub database: Option<String>,
    /// Where the other replicas on the same database reach this one's `/sync`
    /// (`ws://host:port/sync`); by default the listening address (loopback if it is all
    /// addresses).
    pub advertise: Option<String>,
    /// Directory holding the form schemas and regional requirement sets (`forms/`).
    pub forms_dir: PathBuf,
    /// Load the demo region (`--demo`) before serving.
    pub demo: bool,
    /// The built web app served at `/` (`web/dist`); a page on how to build it when absent.
    pub web_dir: PathBuf,
}

impl Config {
    /// The database the server keeps its data in: the PostgreSQL server `database` names, or
    /// the SQLite file [`DATABASE_FILE`] in `data_dir`.
    pub fn database(&self) -> Database {
        database_at(&self.data_dir, self.database.as_deref())
    }
}

/// The database for a data directory and an optional PostgreSQL URL (see [`Config::database`]).
pub fn database_at(data_dir: &std::path::Path, url: Option<&str>) -> Database {
    match url {
        Some(url) => Database::from_location(url, DATABASE_FILE),
        None => Database::Sqlite(data_dir.join(DATABASE_FILE)),
    }
}

/// Serves until `shutdown` resolves, then closes connections and flushes storage.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener
        .local_addr()
        .context("reading the listener's address")?;
    let state = AppState::open(&config, addr).await?;
    if config.demo {
        demo::load(&state, &config.forms_dir).await?;
    }
    let (stop_watching, watching_stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(edits::watch(state.clone(), async {
        let _ = watching_stopped.await;
    }));
    let (stop_sessions, sessions_stopped) = tokio::sync::oneshot::channel::<()>();
    let sessions_watcher = tokio::spawn(sessions::watch(state.clone(), async {
        let _ = sessions_stopped.await;
    }));
    let (stop_compacting, compacting_stopped) = tokio::sync::oneshot::channel::<()>();
    let compactor = tokio::spawn(yjs::rooms::compact(state.clone(), async {
        let _ = compacting_stopped.await;
    }));
    let (stop_reminding, reminding_stopped) = tokio::sync::oneshot::channel::<()>();
    let reminder = tokio::spawn(campaign::reminders::watch(state.clone(), async {
        let _ = reminding_stopped.await;
    }));
    let (stop_touching, touching_stopped) = tokio::sync::watch::channel(false);
    let mut in_touch = Vec::new();
    if let Some(cluster) = &state.cluster {
        tracing::info!(peer = %cluster.peer_id, url = %cluster.url, "joining the other replicas");
        let stopped = || {
            let mut stopped = touching_stopped.clone();
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }
        };
        in_touch.push(tokio::spawn(replicas::keep_in_touch(
            state.clone(),
            (**cluster).clone(),
            stopped(),
        )));
        in_touch.push(tokio::spawn(replicas::listen(
            state.clone(),
            (**cluster).clone(),
            stopped(),
        )));
    }
    // `/yjs` is a route of its own, registered before the web app's fallback. Any other path
    // under `/sync` and `/yjs` (a trailing slash, a second segment) is a JSON 404 too, never
    // the app's page.
    let routes = api::router()
        .route("/sync", get(sync::upgrade))
        .route("/sync/", any(api::no_such_endpoint))
        .route("/sync/{*rest}", any(api::no_such_endpoint))
        .route("/yjs", any(api::no_such_endpoint))
        .route("/yjs/", any(api::no_such_endpoint))
        .route("/yjs/{doc}", get(yjs::upgrade))
        .route("/yjs/{doc}/", any(api::no_such_endpoint))
        .route("/yjs/{doc}/{*rest}", any(api::no_such_endpoint))
        .route("/healthz", get(health::healthz));
    let app = web::serve(routes, &config.web_dir)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            sessions::recheck_after_account_changes,
        ))
        .with_state(state.clone());
    // Websockets outlive the HTTP exchange that upgraded them, so graceful shutdown does not
    // wait for them: they are closed here, at once, so that no more messages reach samod.
    let sessions = state.sessions.clone();
    let shutdown = async move {
        shutdown.await;
        let closed = sessions.close_all(SERVER_STOPPING);
        tracing::info!(closed, "stopping: live connections closed");
    };
    tracing::info!(%addr, database = %config.database(), "serving");
    axum::serve(
        net::TimedListener::new(listener),
        app.into_make_service_with_connect_info::<net::ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("serving HTTP")?;
    tracing::info!("shutting down: flushing storage");
    let _ = stop_watching.send(());
    let _ = watcher.await;
    let _ = stop_sessions.send(());
    let _ = sessions_watcher.await;
    let _ = stop_compacting.send(());
    let _ = compactor.await;
    let _ = stop_reminding.send(());
    let _ = reminder.await;
    let _ = stop_touching.send(true);
    for task in in_touch {
        let _ = task.await;
    }
    state.yjs.flush().await;
    if tokio::time::timeout(STOP_GRACE, state.stop())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_s = STOP_GRACE.as_secs(),
            "the repo did not finish within the grace period; stopping without it \
             (replicas send again what was not stored)"
        );
    }
    tracing::info!("stopped");
    Ok(())
}
