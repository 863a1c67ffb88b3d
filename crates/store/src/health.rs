//! [`StorageHealth`]: whether samod's storage operations are currently succeeding.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Shared view of the storage operations that failed and are being retried.
///
/// [`DocumentStorage`](crate::DocumentStorage) never gives up on an operation (samod's trait has no
/// way to report an error, and dropping a write would lose an edit), so a broken disk shows up
/// here instead: as long as any operation is stuck retrying, [`is_healthy`](Self::is_healthy) is
/// false, and the server's `/healthz` reports it. Clones share the same state.
#[derive(Debug, Clone, Default)]
pub struct StorageHealth {
    /// Counters and the last failure, updated by every retrying operation.
    state: Arc<Mutex<HealthSnapshot>>,
}

/// The state of a [`StorageHealth`] at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthSnapshot {
    /// Operations that have failed at least once and not succeeded yet.
    pub failing_operations: usize,
    /// Failed attempts since the store was opened (recovered ones included).
    pub failed_attempts: u64,
    /// The most recent failure; kept after recovery, for diagnosis.
    pub last_failure: Option<StorageFailure>,
}

/// One failed attempt of a storage operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageFailure {
    /// What was attempted.
    pub operation: StorageOp,
    /// The samod key (or key prefix, for a range load), "/"-joined.
    pub key: String,
    /// SQLite's error, with its causes.
    pub message: String,
    /// When the attempt failed.
    pub at: SystemTime,
}

/// The samod storage operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageOp {
    /// `Storage::load`.
    Load,
    /// `Storage::load_range`.
    LoadRange,
    /// `Storage::put`.
    Put,
    /// `Storage::delete`.
    Delete,
}

impl StorageHealth {
    /// True when no storage operation is failing right now.
    pub fn is_healthy(&self) -> bool {
        self.snapshot().failing_operations == 0
    }

    /// The counters and last failure, read together.
    pub fn snapshot(&self) -> HealthSnapshot {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records a failed attempt; `first` when the operation had not failed before, which makes
    /// it count as failing until [`recovered`](Self::recovered).
    pub(crate) fn failed(&self, failure: StorageFailure, first: bool) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.failed_attempts += 1;
        if first {
            state.failing_operations += 1;
        }
        state.last_failure = Some(failure);
    }

    /// An operation that had failed has ended (succeeded, or was cancelled by its caller).
    pub(crate) fn recovered(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.failing_operations = state.failing_operations.saturating_sub(1);
    }
}

impl std::fmt::Display for StorageOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StorageOp::Load => "load",
            StorageOp::LoadRange => "load_range",
            StorageOp::Put => "put",
            StorageOp::Delete => "delete",
        })
    }
}
