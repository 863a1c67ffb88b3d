//! Edits arriving over `/sync` to documents already decided on.
//!
//! A document that was returned, approved or collected goes back to draft (a new round) as
//! soon as one of its parties edits it; the decision stays with the version it was about.
//! The repo reports every sync message it has applied ([`ArrivalObserver`], a samod
//! [`RepoObserver`], called before the repo answers the sender); the document is marked in
//! [`Arrivals`] and the [`watch`] task compares its heads with the decision's and records the
//! new round. Nothing has to load every decided document to find the edited ones: the list of
//! documents only looks again at those still marked.
//!
//! Every request about one document compares it too (`api::visible`), so an edit applied just
//! before a crash, before the watcher got to it, is noticed when the document is next opened.
//! (Marking every decided document at start would load them all into the repo, which keeps
//! what it loads.)

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use samod::{RepoEvent, RepoObserver};
use tokio::sync::Notify;
use workflow::DocumentId;

use crate::api::{blocking, observe_edits};
use crate::state::AppState;

/// Documents changes may have arrived for since they were last compared with their decision.
#[derive(Debug, Default)]
pub struct Arrivals {
    /// Document id → the mark's number (a newer mark replaces an older one).
    marked: Mutex<HashMap<String, u64>>,
    next: AtomicU64,
    wake: Notify,
}

impl Arrivals {
    /// Marks `id` and wakes the watcher.
    pub fn mark(&self, id: &str) {
        let mark = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id.to_owned(), mark);
        self.wake.notify_one();
    }

    /// Whether `id` is marked: changes may have arrived that nobody compared yet.
    pub fn is_marked(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// Every mark now.
    fn marks(&self) -> Vec<(String, u64)> {
        self.lock().iter().map(|(id, m)| (id.clone(), *m)).collect()
    }

    /// Clears `id`'s mark if it is still `mark` (a newer arrival keeps it marked).
    fn clear(&self, id: &str, mark: u64) {
        let mut marked = self.lock();
        if marked.get(id) == Some(&mark) {
            marked.remove(id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.marked.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Marks a document in [`Arrivals`] each time the repo has applied a sync message for it.
pub struct ArrivalObserver(pub Arc<Arrivals>);

impl RepoObserver for ArrivalObserver {
    fn observe(&self, event: &RepoEvent) {
        if let RepoEvent::SyncMessageReceived { document_id, .. } = event {
            self.0.mark(&document_id.to_string());
        }
    }
}

/// Compares every marked document with its decision, as marks arrive, until `stop` resolves.
pub async fn watch(state: AppState, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = state.arrivals.wake.notified() => {}
        }
        for (id, mark) in state.arrivals.marks() {
            if let Err(e) = look_again(&state, &id).await {
                tracing::warn!(document = %id, error = %e.message(), "cannot compare with its decision");
                continue;
            }
            state.arrivals.clear(&id, mark);
        }
    }
}

/// Compares `id` with its decision, if it has one, and records a new round if it was edited.
async fn look_again(state: &AppState, id: &str) -> Result<(), crate::api::error::ApiError> {
    let store = state.store.clone();
    let doc = DocumentId::new(id);
    // A document the server holds but nobody registered has no decision to compare with;
    // `observe_edits` leaves undecided ones alone.
    if let Some(record) = blocking(move || store.document(&doc)).await? {
        observe_edits(state, record).await?;
    }
    Ok(())
}
