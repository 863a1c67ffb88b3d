//! The sync server: the meeting point of every replica.
//!
//! It holds one samod [`Repo`](samod::Repo) over the `store` crate's SQLite storage and speaks
//! the automerge-repo websocket protocol on `/sync`, so Rust replicas (`crates/client`) and
//! JavaScript ones (`@automerge/automerge-repo`) are peers of the same network. `/healthz`
//! reports whether storage is writing.
//!
//! The library takes its listener and its shutdown signal from outside ([`run`]), so tests
//! control both; only `main.rs` reads flags, environment and signals.

mod health;
mod identity;
mod state;
mod sync;

use std::future::Future;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

pub use identity::Identity;
pub use state::AppState;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "ravenstvo.sqlite3";

/// What the server needs to run; built by `main.rs` from flags and environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory holding the SQLite database.
    pub data_dir: PathBuf,
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
    let app = Router::new()
        .route("/sync", get(sync::upgrade))
        .route("/healthz", get(health::healthz))
        .with_state(state.clone());
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "serving");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving HTTP")?;
    tracing::info!("shutting down: flushing storage");
    state.stop().await;
    tracing::info!("stopped");
    Ok(())
}
