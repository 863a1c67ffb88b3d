//! The PostgreSQL engine behind [`Store`](crate::Store): a pool of blocking connections
//! (`postgres`, the blocking client over `tokio-postgres`, pooled by `r2d2`), the schema's
//! PostgreSQL migrations, and the PostgreSQL half of every operation: samod's key/value data
//! and settings (`kv.rs`), narratives' Yjs updates (`yjs.rs`), the audit log (`audit.rs`),
//! accounts with tokens (`accounts.rs`) and their later edits (`administration.rs`),
//! document records with submissions and signatures (`records.rs`), campaigns and reminders
//! (`campaigns.rs`), identification results (`identifications.rs`), failed password
//! checks counted across processes (`failures.rs`). Each answers what its
//! SQLite half answers; what both halves share (the lifecycle's decision, audit rows, row
//! parsing) lives beside the SQLite half and is called from both.
//!
//! Why a blocking client: the store's API is blocking (async callers go through
//! `spawn_blocking`), so a blocking client with a pool fits it without a second API. That
//! client runs its own small runtime and panics if used on a thread inside a tokio runtime,
//! so [`Postgres::run`] moves such a call to a scoped thread of its own. Threads of tokio's
//! blocking pool count as inside (they cannot be told apart), so they pay a thread start per
//! call; [`DocumentStorage`](crate::DocumentStorage), the busiest caller, runs its operations
//! on the engine's own threads instead (`workers.rs`), where the client is called directly.
//!
//! Several processes may share the database: every check-then-write is serialised by the
//! database (row locks, advisory transaction locks), never by a process's mutex.
//!
//! Durability: a write that has returned is committed. With PostgreSQL's default
//! `synchronous_commit = on` it survives the server crashing; a database run with it off
//! gives that up (a server stopped with `-m immediate` then loses acknowledged commits, as the
//! storage tests' outage test showed while their harness ran that way). While the server is
//! unreachable, [`DocumentStorage`](crate::DocumentStorage) keeps retrying and reports it
//! through [`StorageHealth`](crate::StorageHealth), as for a full disk on SQLite.

mod accounts;
mod administration;
mod audit;
mod campaigns;
mod failures;
mod identifications;
mod kv;
mod migrations;
mod notices;
mod records;
mod workers;
mod yjs;

use std::time::Duration;

use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use r2d2_postgres::r2d2::{Pool, PooledConnection};

use crate::StoreError;
use crate::database::redacted;

pub(crate) use audit::append;

/// Connections a process keeps at most; more callers wait for one.
const MAX_CONNECTIONS: u32 = 16;

/// How long a caller waits for a free connection (or for the server to answer a new one).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled connection to the database.
pub(crate) type Client = PooledConnection<PostgresConnectionManager<NoTls>>;

/// The current time in UTC as the SQLite side writes it (`2026-12-06T01:50:12.345Z`), so that
/// stored times read the same on both engines. `clock_timestamp()`, not `now()`: the time of
/// the statement, as SQLite's, not of the transaction's start.
pub(crate) const NOW_TEXT: &str =
    "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

/// Keys of the advisory locks that serialise writers across processes (first half of
/// `pg_advisory_xact_lock(int, int)`; the second half is 0 or a hash of what is locked).
pub(crate) mod locks {
    /// Applying migrations.
    pub(crate) const MIGRATIONS: i32 = 0x5241_0001;
    /// Appending to the audit log (the chain's head).
    pub(crate) const AUDIT: i32 = 0x5241_0002;
    /// Adding organisations (the tree is checked as a whole before a row is added).
    pub(crate) const ORGANISATIONS: i32 = 0x5241_0003;
    /// Compacting one document's Yjs updates (second half: `hashtext(doc_id)`).
    pub(crate) const YJS: i32 = 0x5241_0004;
}

/// An open PostgreSQL database: the pool and where it points (for errors, without password).
pub(crate) struct Postgres {
    /// The connections; `None` only while being dropped (see `Drop`).
    pool: Option<Pool<PostgresConnectionManager<NoTls>>>,
    /// Threads outside tokio for samod's storage operations (one per connection).
    workers: workers::Workers,
    /// The URL with its password hidden.
    shown: String,
    /// Where to connect, for connections outside the pool (the listener of notices).
    config: postgres::Config,
}

impl Postgres {
    /// Connects a pool to `url` and brings the schema up to date.
    pub(crate) fn connect(url: &str) -> Result<Postgres, StoreError> {
        let shown = redacted(url);
        let connecting = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Connect {
            url: shown.clone(),
            source,
        };
        let config: postgres::Config = url.parse().map_err(|e| connecting(Box::new(e)))?;
        let manager = PostgresConnectionManager::new(config.clone(), NoTls);
        let pool = off_runtime(|| {
            Pool::builder()
                .max_size(MAX_CONNECTIONS)
                .min_idle(Some(1))
                .connection_timeout(CONNECTION_TIMEOUT)
                .build(manager)
        })
        .map_err(|e| connecting(Box::new(e)))?;
        let pg = Postgres {
            pool: Some(pool),
            workers: workers::Workers::new(MAX_CONNECTIONS as usize, "ravenstvo-pg"),
            shown,
            config,
        };
        pg.run(migrations::migrate)?;
        Ok(pg)
    }

    /// Runs `f` on a pooled connection, off any tokio runtime's threads (see the module's
    /// documentation).
    pub(crate) fn run<T: Send>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let pool = self
                .pool
                .as_ref()
                .expect("the pool lives as long as Postgres");
            let mut client = pool.get().map_err(|e| StoreError::Connect {
                url: self.shown.clone(),
                source: Box::new(e),
            })?;
            f(&mut client)
        })
    }
}

impl Postgres {
    /// Runs `f` on one of this database's threads outside tokio, where [`Postgres::run`] calls
    /// the client directly: for async callers (samod's storage) in place of `spawn_blocking`.
    /// The future resolves to `f`'s result, or to why it did not finish.
    pub(crate) fn spawn<T, F>(&self, f: F) -> impl Future<Output = Result<T, String>> + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.workers.spawn(f)
    }
}

/// Runs `f` here, or on a scoped thread when this thread belongs to a tokio runtime (where
/// the blocking client would panic starting its own).
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Closing a connection blocks on the client's runtime too: do it off tokio's threads.
        if let Some(pool) = self.pool.take() {
            off_runtime(move || drop(pool));
        }
    }
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// A count PostgreSQL returned as a (never negative) integer.
pub(crate) fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
