//! Password attempts: how many may fail, and how many may be checked at once.
//!
//! Every password check (a login, the current password of a password change) first reserves a
//! failure under every key it counts against (the login, the client's address), all keys
//! checked and counted at once, so however many requests arrive at once no more than the
//! limit are checked; a right password gives its reservation back. A server alone on its
//! database counts in memory under one lock ([`LoginLimiter::reserve`]); replicas sharing a
//! PostgreSQL database count in it ([`store::Store::reserve_failures`], under its row locks),
//! so that spreading attempts over replicas gains nothing. Then it waits for
//! one of [`store::PASSWORD_CHECKS_AT_ONCE`] permits of a [`PasswordGate`], so that argon2's
//! working memory is bounded and reused (the store hashes in as many areas as there are
//! permits); a request that cannot get one within [`PASSWORD_CHECK_WAIT`] gives its
//! reservation back and is told the server is busy (503 with `Retry-After`), rather than
//! queueing more work.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use store::{FailureKey, HeldFailure, Store};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::api::blocking;
use crate::api::error::ApiError;
use crate::window::FixedWindow;

/// Failed checks allowed per login within [`FAILURE_WINDOW`].
const MAX_FAILURES_PER_LOGIN: u32 = 5;
/// Failed checks allowed per client address within [`FAILURE_WINDOW`]: higher, because a
/// whole school may share one address.
const MAX_FAILURES_PER_ADDRESS: u32 = 50;
/// The window over which failures are counted; a refused attempt waits until it passes.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// The longest login a key keeps: what was typed may be up to the body limit long, and the
/// limiter keeps every key for a minute. No real login is this long.
const LOGIN_KEY_CHARS: usize = 64;

/// How long a password check waits for a permit before the server answers that it is busy.
pub const PASSWORD_CHECK_WAIT: Duration = Duration::from_secs(2);
/// The `Retry-After` of a busy answer, in seconds.
const BUSY_RETRY_SECONDS: u64 = 1;

/// What a failed password check counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttemptKey {
    /// The login typed (cut to [`LOGIN_KEY_CHARS`]), whether or not it exists.
    Login(String),
    /// The client's address.
    Address(IpAddr),
}

impl AttemptKey {
    /// The key of the login `typed`.
    pub fn login(typed: &str) -> AttemptKey {
        AttemptKey::Login(typed.chars().take(LOGIN_KEY_CHARS).collect())
    }

    /// The key as the database spells it (`login:…`, `address:…`).
    fn spelled(&self) -> String {
        match self {
            AttemptKey::Login(login) => format!("login:{login}"),
            AttemptKey::Address(address) => format!("address:{address}"),
        }
    }

    /// How many failures this key may have within [`FAILURE_WINDOW`].
    fn limit(&self) -> u32 {
        match self {
            AttemptKey::Login(_) => MAX_FAILURES_PER_LOGIN,
            AttemptKey::Address(_) => MAX_FAILURES_PER_ADDRESS,
        }
    }
}

/// Counts failed password checks per [`AttemptKey`] in this process's memory, counting each
/// attempt before its check: the counter of a server alone on its database (SQLite), where a
/// write per login would buy nothing.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    /// The current window of every key that failed or is being checked within the last
    /// [`FAILURE_WINDOW`]; older windows are forgotten as new reservations come.
    windows: Mutex<HashMap<AttemptKey, FixedWindow>>,
}

/// Each key of a reservation with the start of the window it was counted in.
type HeldWindows = Vec<(AttemptKey, Instant)>;

impl LoginLimiter {
    /// Counts one failure under every key, before the password is checked; or, if any key has
    /// used up its failures (checks in progress included), how long until its window passes.
    ///
    /// All keys are checked and counted under one lock, so concurrent attempts cannot together
    /// get more checks than a limit. The caller settles what it holds with
    /// [`LoginLimiter::succeeded`] or [`LoginLimiter::unused`], or keeps it counted.
    pub fn reserve(&self, keys: &[AttemptKey], now: Instant) -> Result<HeldWindows, Duration> {
        let mut windows = self.windows();
        // Forget old windows so the map does not grow with every name ever tried.
        windows.retain(|_, window| !window.has_passed(now, FAILURE_WINDOW));
        let wait = keys
            .iter()
            .filter_map(|key| windows.get(key)?.wait(key.limit(), now, FAILURE_WINDOW))
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        Ok(keys
            .iter()
            .map(|key| {
                let window = windows
                    .entry(key.clone())
                    .or_insert_with(|| FixedWindow::open(now));
                window.add(now, FAILURE_WINDOW);
                (key.clone(), window.since())
            })
            .collect())
    }

    /// The password was right: a login's failures are forgotten (its owner proved the
    /// password), an address gets its slot back.
    pub fn succeeded(&self, held: &[(AttemptKey, Instant)]) {
        let mut windows = self.windows();
        for (key, since) in held {
            match key {
                AttemptKey::Login(_) => {
                    windows.remove(key);
                }
                AttemptKey::Address(_) => LoginLimiter::give_back(&mut windows, key, *since),
            }
        }
    }

    /// The password was never checked: every slot is given back.
    pub fn unused(&self, held: &[(AttemptKey, Instant)]) {
        let mut windows = self.windows();
        for (key, since) in held {
            LoginLimiter::give_back(&mut windows, key, *since);
        }
    }

    /// The windows, locked (a poisoned lock still holds valid counts).
    fn windows(&self) -> MutexGuard<'_, HashMap<AttemptKey, FixedWindow>> {
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives back one slot of `key`'s window opened at `since`; nothing if that window has
    /// passed meanwhile (a newer one does not owe it).
    fn give_back(windows: &mut HashMap<AttemptKey, FixedWindow>, key: &AttemptKey, since: Instant) {
        if let Some(window) = windows.get_mut(key)
            && window.since() == since
        {
            window.give_back();
            if window.count() == 0 {
                windows.remove(key);
            }
        }
    }
}

/// Where failed checks are counted.
#[derive(Debug)]
enum Counter {
    /// In this process's memory: the server is alone on its database (SQLite).
    Memory(LoginLimiter),
    /// In the database, with the same limits and windows, so that every replica sharing it
    /// counts against one limit (PostgreSQL): [`Store::reserve_failures`] checks and counts
    /// under the database's row locks what [`LoginLimiter`] does under its mutex.
    Shared(Store),
}

/// What a reservation holds, in the counter it was made in.
#[derive(Debug)]
enum Held {
    /// Windows of [`Counter::Memory`].
    Memory(HeldWindows),
    /// Failures stored by [`Counter::Shared`], each with the key it counts against.
    Shared(Vec<(AttemptKey, HeldFailure)>),
}

impl Counter {
    /// Counts a failure under every key in advance (see [`LoginLimiter::reserve`]).
    ///
    /// # Errors
    ///
    /// 429 with `Retry-After` if a key has used up its failures; 500 if the database failed
    /// (nothing is checked then).
    async fn reserve(&self, keys: &[AttemptKey]) -> Result<Held, Response> {
        let store = match self {
            Counter::Memory(limiter) => {
                return limiter
                    .reserve(keys, Instant::now())
                    .map(Held::Memory)
                    .map_err(too_many_attempts);
            }
            Counter::Shared(store) => store.clone(),
        };
        let spelled: Vec<(String, u32)> = keys
            .iter()
            .map(|key| (key.spelled(), key.limit()))
            .collect();
        let reserved = blocking(move || {
            let keys: Vec<FailureKey<'_>> = spelled
                .iter()
                .map(|(key, limit)| FailureKey { key, limit: *limit })
                .collect();
            store.reserve_failures(&keys, FAILURE_WINDOW, SystemTime::now())
        })
        .await
        .map_err(IntoResponse::into_response)?;
        match reserved {
            Ok(held) => Ok(Held::Shared(keys.iter().cloned().zip(held).collect())),
            Err(wait) => Err(too_many_attempts(wait)),
        }
    }

    /// Settles `held` after a right password (see [`LoginLimiter::succeeded`]).
    async fn succeeded(&self, held: Held) {
        match (self, held) {
            (Counter::Memory(limiter), Held::Memory(held)) => limiter.succeeded(&held),
            (Counter::Shared(store), Held::Shared(held)) => {
                let store = store.clone();
                settle_shared(blocking(move || {
                    let (logins, addresses): (Vec<_>, Vec<_>) = held
                        .into_iter()
                        .partition(|(key, _)| matches!(key, AttemptKey::Login(_)));
                    for (_, failure) in &logins {
                        store.forget_failures(failure.key())?;
                    }
                    let addresses: Vec<_> = addresses.into_iter().map(|(_, f)| f).collect();
                    store.give_back_failures(&addresses)
                }))
                .await;
            }
            // A reservation is only ever settled in the counter that made it.
            (_, held) => tracing::error!(?held, "reservation settled in another counter"),
        }
    }

    /// Settles `held` when its password was never checked (see [`LoginLimiter::unused`]).
    async fn unused(&self, held: Held) {
        match (self, held) {
            (Counter::Memory(limiter), Held::Memory(held)) => limiter.unused(&held),
            (Counter::Shared(store), Held::Shared(held)) => {
                let store = store.clone();
                let failures: Vec<_> = held.into_iter().map(|(_, f)| f).collect();
                settle_shared(blocking(move || store.give_back_failures(&failures))).await;
            }
            (_, held) => tracing::error!(?held, "reservation settled in another counter"),
        }
    }
}

/// Waits for the database to settle a reservation; if it failed, the failures stay counted
/// (the safe side) and the error is logged.
async fn settle_shared(settled: impl Future<Output = Result<(), ApiError>>) {
    if let Err(error) = settled.await {
        tracing::warn!(?error, "failed password checks could not be given back");
    }
}

/// One failure counted in advance under each key of an attempt. Dropped unsettled (the check
/// failed, the storage failed, or the client went away mid-check) it stays counted: the safe
/// side.
#[must_use = "a reservation stays counted as a failure unless settled"]
#[derive(Debug)]
pub struct Reservation<'a> {
    /// The counter it was counted in.
    counter: &'a Counter,
    /// What it holds there.
    held: Held,
}

impl Reservation<'_> {
    /// The password was right: a login's failures are forgotten (its owner proved the
    /// password), an address gets its slot back.
    pub async fn succeeded(self) {
        self.counter.succeeded(self.held).await;
    }

    /// The password was never checked (the server was busy): every slot is given back.
    pub async fn unused(self) {
        self.counter.unused(self.held).await;
    }

    /// The password was wrong: the failure stays counted (the same as dropping it; spelled
    /// out where it is meant).
    pub fn failed(self) {}
}

/// The way to a password check: the failure limit, then one of a few permits to run argon2.
#[derive(Debug)]
pub struct PasswordGate {
    /// Failed checks per login and per address, in memory or in the database.
    counter: Counter,
    /// One permit per argon2 working area of the store; held for the whole blocking check.
    permits: Arc<Semaphore>,
    /// How long an attempt waits for a permit before it is told the server is busy.
    wait: Duration,
}

/// An attempt let through a [`PasswordGate`]: its failure counted in advance and a permit to
/// check the password.
#[derive(Debug)]
pub struct Admission<'a> {
    /// To settle once the password is checked.
    pub reservation: Reservation<'a>,
    /// To move into the blocking check, so that it is held until argon2 finishes even if the
    /// request is dropped meanwhile.
    pub permit: OwnedSemaphorePermit,
}

impl PasswordGate {
    /// A gate letting `checks_at_once` password checks run at a time, each attempt waiting at
    /// most `wait` for its turn, counting failures in this process's memory.
    pub fn new(checks_at_once: usize, wait: Duration) -> PasswordGate {
        PasswordGate {
            counter: Counter::Memory(LoginLimiter::default()),
            permits: Arc::new(Semaphore::new(checks_at_once)),
            wait,
        }
    }

    /// The same gate counting failures in `store`'s database instead, for a store shared by
    /// processes ([`Store::shared_by_processes`]): every replica then counts against one limit.
    pub fn counting_in(self, store: Store) -> PasswordGate {
        PasswordGate {
            counter: Counter::Shared(store),
            ..self
        }
    }

    /// Counts a failure under `keys` in advance and waits for a permit to check the password.
    ///
    /// # Errors
    ///
    /// The answer to give instead of checking: 429 with `Retry-After` if a key has used up its
    /// failures; 503 with `Retry-After` (and the reservation given back) if no permit came
    /// within the wait; 500 if the database counting failures failed.
    pub async fn admit(&self, keys: &[AttemptKey]) -> Result<Admission<'_>, Response> {
        let reservation = Reservation {
            counter: &self.counter,
            held: self.counter.reserve(keys).await?,
        };
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Admission {
                reservation,
                permit,
            }),
            // The semaphore is never closed; a closed one would mean no checks either way.
            Ok(Err(_)) | Err(_) => {
                reservation.unused().await;
                tracing::warn!("password check refused: every check permit is busy");
                Err(busy())
            }
        }
    }
}

/// The 429 answer for an attempt that must wait `wait` for its window to pass.
fn too_many_attempts(wait: Duration) -> Response {
    // Rounded up: a client that comes back after `Retry-After` seconds must find the window
    // passed, not be refused once more.
    let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    refusal(
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            format!("слишком много неудачных попыток ввода пароля; повторите через {seconds} с"),
        ),
        seconds,
    )
}

/// The 503 answer for an attempt that found every check permit busy.
fn busy() -> Response {
    refusal(
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!(
                "сервер занят проверкой других паролей; повторите через {BUSY_RETRY_SECONDS} с"
            ),
        ),
        BUSY_RETRY_SECONDS,
    )
}

/// `error` with `Retry-After: seconds`, also given in its details.
fn refusal(error: ApiError, seconds: u64) -> Response {
    let error = error.with_details(serde_json::json!({ "retry_after": seconds }));
    (
        [(header::RETRY_AFTER, seconds.to_string())],
        error.into_response(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn keys(login: &str) -> [AttemptKey; 2] {
        [
            AttemptKey::login(login),
            AttemptKey::Address(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ]
    }

    #[test]
    fn reservations_in_flight_count_against_the_limit() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        let held: Vec<_> = (0..MAX_FAILURES_PER_LOGIN)
            .map(|_| limiter.reserve(&keys("editor"), now).unwrap())
            .collect();
        // Nothing has failed yet, but five checks are under way: a sixth must wait.
        let wait = limiter.reserve(&keys("editor"), now).unwrap_err();
        assert_eq!(wait, FAILURE_WINDOW);
        // Another login from the same address is still let through.
        limiter.reserve(&keys("director"), now).unwrap();
        drop(held);
        let later = now + Duration::from_secs(45);
        assert_eq!(
            limiter.reserve(&keys("editor"), later).unwrap_err(),
            Duration::from_secs(15)
        );
        let after_window = now + FAILURE_WINDOW;
        limiter.reserve(&keys("editor"), after_window).unwrap();
    }

    #[test]
    fn an_unchecked_attempt_gives_its_slots_back() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..10 * MAX_FAILURES_PER_LOGIN {
            let held = limiter.reserve(&keys("editor"), now).unwrap();
            limiter.unused(&held);
        }
        assert!(limiter.windows.lock().unwrap().is_empty());
    }

    #[test]
    fn a_right_password_forgets_the_logins_failures_and_frees_its_address_slot() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES_PER_LOGIN - 1 {
            limiter.reserve(&keys("editor"), now).unwrap();
        }
        let held = limiter.reserve(&keys("editor"), now).unwrap();
        limiter.succeeded(&held);
        let windows = limiter.windows.lock().unwrap();
        assert!(!windows.contains_key(&AttemptKey::login("editor")));
        let address = windows[&keys("editor")[1]];
        assert_eq!(address.count(), MAX_FAILURES_PER_LOGIN - 1);
    }

    #[test]
    fn the_address_limit_holds_across_logins() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            limiter
                .reserve(&keys(&format!("stranger-{i}")), now)
                .unwrap();
        }
        assert!(limiter.reserve(&keys("someone-else"), now).is_err());
    }

    #[test]
    fn a_slot_given_back_after_its_window_passed_does_not_free_the_next_window() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        let old = limiter.reserve(&keys("editor"), now).unwrap();
        let later = now + FAILURE_WINDOW;
        for _ in 0..MAX_FAILURES_PER_LOGIN {
            limiter.reserve(&keys("editor"), later).unwrap();
        }
        limiter.unused(&old);
        assert!(limiter.reserve(&keys("editor"), later).is_err());
    }

    #[test]
    fn long_logins_share_one_key() {
        let typed = "x".repeat(10_000);
        assert_eq!(
            AttemptKey::login(&typed),
            AttemptKey::login(&"x".repeat(LOGIN_KEY_CHARS))
        );
    }

    #[tokio::test]
    async fn a_gate_lets_through_as_many_checks_as_it_has_permits_and_refuses_the_rest() {
        let gate = PasswordGate::new(2, Duration::from_millis(50));
        let first = gate.admit(&keys("editor")).await.unwrap();
        let second = gate.admit(&keys("director")).await.unwrap();
        let refused = gate.admit(&keys("mentor")).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
        // The refused attempt was never checked, so it did not count.
        let Counter::Memory(limiter) = &gate.counter else {
            panic!("a new gate counts in memory");
        };
        assert!(
            !limiter
                .windows
                .lock()
                .unwrap()
                .contains_key(&AttemptKey::login("mentor"))
        );
        first.reservation.failed();
        drop(first.permit);
        gate.admit(&keys("mentor"))
            .await
            .unwrap()
            .reservation
            .succeeded()
            .await;
        second.reservation.failed();
    }

    #[tokio::test]
    async fn a_used_up_login_is_refused_with_retry_after() {
        let gate = PasswordGate::new(1, Duration::from_millis(50));
        for _ in 0..MAX_FAILURES_PER_LOGIN {
            let admission = gate.admit(&keys("editor")).await.unwrap();
            admission.reservation.failed();
        }
        let refused = gate.admit(&keys("editor")).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "60");
    }

    #[tokio::test]
    async fn a_gate_counting_in_the_database_keeps_the_same_limits_and_settling() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store.sqlite3")).unwrap();
        let gate = PasswordGate::new(1, Duration::from_millis(50)).counting_in(store.clone());
        for _ in 0..MAX_FAILURES_PER_LOGIN - 1 {
            gate.admit(&keys("editor"))
                .await
                .unwrap()
                .reservation
                .failed();
        }
        // A right password forgets the login's failures: five more may fail after it.
        gate.admit(&keys("editor"))
            .await
            .unwrap()
            .reservation
            .succeeded()
            .await;
        for _ in 0..MAX_FAILURES_PER_LOGIN {
            gate.admit(&keys("editor"))
                .await
                .unwrap()
                .reservation
                .failed();
        }
        let refused = gate.admit(&keys("editor")).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "60");
        // The same database seen by another gate (another replica) refuses too.
        let other = PasswordGate::new(1, Duration::from_millis(50)).counting_in(store);
        let refused = other.admit(&keys("editor")).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        // A busy gate gives its reservation back.
        let held = other.admit(&keys("director")).await.unwrap();
        for _ in 0..2 * MAX_FAILURES_PER_LOGIN {
            let busy = other.admit(&keys("mentor")).await.unwrap_err();
            assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        held.reservation.failed();
        drop(held.permit);
        other
            .admit(&keys("mentor"))
            .await
            .unwrap()
            .reservation
            .failed();
    }
}
