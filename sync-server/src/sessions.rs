//! Live `/sync` connections and the tokens they were opened with: a connection lives no longer
//! than its token.
//!
//! A websocket is authenticated once, at the upgrade; REST calls are authenticated on every
//! request. So that logging out, closing one's other sessions, changing one's password, an
//! administrator's `revoke-tokens` or `set-password` (another process, on the same database)
//! and expiry also end open connections, every connection is registered here with its token,
//! and [`watch`] re-checks the tokens of all live connections against the store: at once when
//! this process changed sessions ([`LiveSessions::recheck`], called after the account
//! endpoints), and every [`SWEEP_INTERVAL`] for what other processes and the clock did. A
//! connection whose token no longer names a user is closed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Notify;

use crate::state::AppState;
use crate::sync::connection::Closer;

/// How often the tokens of live connections are re-checked when nothing in this process asked.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(2);

/// The close reason sent to a connection whose token died.
pub const TOKEN_ENDED: &str = "session ended: log in again";

/// The live connections, by a number of their own.
#[derive(Default)]
pub struct LiveSessions {
    next: AtomicU64,
    /// Each connection's token (`None` for another replica of this server) and closer.
    live: Mutex<HashMap<u64, (Option<String>, Closer)>>,
    recheck: Notify,
}

/// A connection's place in the registry; dropping it (when the connection ends) removes it.
pub struct Registration {
    id: u64,
    sessions: Arc<LiveSessions>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.id);
    }
}

impl LiveSessions {
    /// Registers a connection opened with `token`, closed through `closer`.
    pub fn register(self: &Arc<Self>, token: &str, closer: Closer) -> Registration {
        self.insert(Some(token.to_owned()), closer)
    }

    /// Registers a connection from another replica of this server (no token: it lives until
    /// either server stops), closed through `closer`.
    pub fn register_replica(self: &Arc<Self>, closer: Closer) -> Registration {
        self.insert(None, closer)
    }

    fn insert(self: &Arc<Self>, token: Option<String>, closer: Closer) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, (token, closer));
        Registration {
            id,
            sessions: self.clone(),
        }
    }

    /// Asks [`watch`] to re-check every live connection's token now.
    pub fn recheck(&self) {
        self.recheck.notify_one();
    }

    /// Closes every live connection with `reason` (the server is stopping); how many.
    pub fn close_all(&self, reason: &str) -> usize {
        let live: Vec<Closer> = self.lock().values().map(|(_, c)| c.clone()).collect();
        for closer in &live {
            closer.close(reason);
        }
        live.len()
    }

    /// How many connections are live.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (Option<String>, Closer)>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Re-checks live connections' tokens until `shutdown` resolves, closing those whose token
/// died.
pub async fn watch(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = state.sessions.recheck.notified() => {}
            () = tokio::time::sleep(SWEEP_INTERVAL) => {}
        }
        let live: Vec<(String, Closer)> = state
            .sessions
            .lock()
            .values()
            .filter(|(_, closer)| !closer.is_closed())
            .filter_map(|(token, closer)| Some((token.clone()?, closer.clone())))
            .collect();
        if live.is_empty() {
            continue;
        }
        let store = state.store.clone();
        let dead = tokio::task::spawn_blocking(move || {
            let now = SystemTime::now();
            let mut verdicts: HashMap<String, bool> = HashMap::new();
            live.into_iter()
                .filter(|(token, _)| {
                    let alive = *verdicts.entry(token.clone()).or_insert_with(|| {
                        // A storage failure keeps the connection: it is re-checked next sweep.
                        store
                            .user_for_token(token, now)
                            .map_or(true, |user| user.is_some())
                    });
                    !alive
                })
                .map(|(_, closer)| closer)
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for closer in &dead {
            closer.close(TOKEN_ENDED);
        }
        if !dead.is_empty() {
            tracing::info!(
                closed = dead.len(),
                "sync connections closed: their session ended"
            );
        }
    }
}

/// Middleware: after a request that may have ended sessions (logout, closing other sessions,
/// a password change) succeeds, re-check the live connections at once.
pub async fn recheck_after_account_changes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let ends_sessions = matches!(
        request.uri().path(),
        "/api/logout" | "/api/logout/others" | "/api/password"
    );
    let response = next.run(request).await;
    if ends_sessions && response.status().is_success() {
        state.sessions.recheck();
    }
    response
}
