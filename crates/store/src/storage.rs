//! [`DocumentStorage`]: samod's [`Storage`] over a [`Store`] (on either engine), retrying
//! instead of failing.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use samod::storage::{Storage, StorageKey};

use crate::health::{StorageFailure, StorageHealth, StorageOp};
use crate::key::{PrefixRange, key_from_str, key_to_string};
use crate::{Store, StoreError};

/// The wait after an operation's first failure; it doubles after each further failure...
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(10);
/// ...up to this, so a repaired disk is noticed within a second.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(1);

/// The name [`DocumentStorage`] had while SQLite was the only engine; callers move to the new
/// name as they learn to open PostgreSQL.
pub type SqliteStorage = DocumentStorage;

/// samod's [`Storage`] in the `samod_kv` table of a [`Store`], on SQLite or PostgreSQL.
///
/// # Contract
///
/// samod's trait cannot return errors, and a `put` that quietly did nothing would lose an edit
/// that samod believes is saved. So every operation is retried until it succeeds: after each
/// failure it logs `tracing::error!` with the key, records the failure in the store's
/// [`StorageHealth`] (unhealthy while any operation is failing), waits (10 ms, doubling up to
/// 1 s) and tries again. The returned future completes only when the operation has succeeded:
/// a completed `put` is committed to the database and survives the process being killed.
/// Reads are retried the same way, because answering "not found" for a key that exists would
/// make samod treat a document as missing or empty. The cost: while the disk is full or broken,
/// those operations (and `Repo::stop`, which waits for them) do not finish; the health report
/// is how operators learn it.
///
/// Operations run on tokio's blocking thread pool (SQLite) or on the PostgreSQL engine's own
/// threads, and need a tokio runtime. As the trait
/// permits, concurrent operations on the same key are not ordered; samod's keys name their
/// content (change and compaction hashes), so this never matters to it.
#[derive(Debug, Clone)]
pub struct DocumentStorage {
    /// The database; its health is shared by every storage built on it.
    store: Store,
}

impl DocumentStorage {
    /// samod storage in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether this storage's operations are succeeding (same as [`Store::health`]).
    pub fn health(&self) -> StorageHealth {
        self.store.health()
    }
}

impl Storage for DocumentStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let store = self.store.clone();
        let key = key_to_string(&key);
        retry(
            self.store.clone(),
            StorageOp::Load,
            key.clone(),
            move || store.kv_load(&key),
        )
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let store = self.store.clone();
        let range = PrefixRange::new(&prefix).map(Arc::new);
        let rows = retry(
            self.store.clone(),
            StorageOp::LoadRange,
            key_to_string(&prefix),
            move || store.kv_load_range(range.as_deref()),
        );
        async move {
            rows.await
                .into_iter()
                .filter_map(|(text, value)| match key_from_str(&text) {
                    Ok(key) => Some((key, value)),
                    Err(_) => {
                        // Only something other than samod can have written such a row; samod
                        // could not name it, so it is not samod's data.
                        tracing::warn!(key = %text, "skipping a samod_kv row that is not a storage key");
                        None
                    }
                })
                .collect()
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let store = self.store.clone();
        let key = key_to_string(&key);
        // Shared, not copied, between attempts: values can be megabytes.
        let data = Arc::new(data);
        retry(self.store.clone(), StorageOp::Put, key.clone(), move || {
            store.kv_put(&key, &data)
        })
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let store = self.store.clone();
        let key = key_to_string(&key);
        retry(
            self.store.clone(),
            StorageOp::Delete,
            key.clone(),
            move || store.kv_delete(&key),
        )
    }
}

/// Runs `attempt` on the blocking pool until it succeeds, backing off and reporting each
/// failure (see [`DocumentStorage`]'s contract).
async fn retry<T, F>(store: Store, operation: StorageOp, key: String, attempt: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Clone + Send + 'static,
{
    let health = store.health();
    let mut delay = FIRST_RETRY_DELAY;
    let mut failures = 0u64;
    // Present while this operation counts as failing; dropping it (on success, or when the
    // caller drops the future) takes the operation off the failing count.
    let mut failing: Option<Failing> = None;
    loop {
        // On PostgreSQL, the engine's own threads (see `postgres/workers.rs`); on SQLite,
        // tokio's blocking pool.
        let finished = match store.postgres() {
            Some(pg) => pg.spawn(attempt.clone()).await,
            None => tokio::task::spawn_blocking(attempt.clone())
                .await
                .map_err(|join_error| join_error.to_string()),
        };
        let outcome = match finished {
            Ok(result) => result.map_err(|error| error_chain(&error)),
            Err(why) => Err(format!("storage task did not finish: {why}")),
        };
        match outcome {
            Ok(value) => {
                if failures > 0 {
                    tracing::info!(%operation, %key, failures, "storage operation succeeded after failures");
                }
                return value;
            }
            Err(message) => {
                failures += 1;
                tracing::error!(
                    %operation,
                    %key,
                    failures,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    error = %message,
                    "storage operation failed; retrying"
                );
                let failure = StorageFailure {
                    operation,
                    key: key.clone(),
                    message,
                    at: SystemTime::now(),
                };
                health.failed(failure, failing.is_none());
                failing.get_or_insert_with(|| Failing(health.clone()));
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY_DELAY);
            }
        }
    }
}

/// Marks one operation as failing in a [`StorageHealth`] for as long as it lives.
struct Failing(StorageHealth);

impl Drop for Failing {
    fn drop(&mut self) {
        self.0.recovered();
    }
}

/// `error` and its causes, joined by ": ".
fn error_chain(error: &dyn Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
