//! Failures counted per key within a fixed window, kept in the database so that every process
//! sharing it (several `sync-server` replicas on PostgreSQL) counts against one limit: the
//! server's failed password checks per login and per client address.
//!
//! A window opens at a key's first counted failure and lasts the caller's window length; a
//! key whose window holds its limit refuses further failures until the window passes. A
//! reservation counts one failure under every key at once, before the caller does what may
//! fail, so concurrent callers cannot together go past a limit; it is given back if it turned
//! out not to count. Passed windows are deleted as reservations come, so the table holds only
//! keys tried within the last window.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::{Store, StoreError};

/// One key a reservation counts a failure under, with how many failures its window may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureKey<'a> {
    /// What is counted (the caller's spelling, for example `login:editor`).
    pub key: &'a str,
    /// How many failures one window of this key may hold.
    pub limit: u32,
}

/// A failure counted in advance under one key, in the window that was open when it was
/// counted: giving it back after that window passed does not free the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldFailure {
    /// The key it was counted under.
    key: String,
    /// When that key's window opened, in milliseconds since the Unix epoch.
    since: i64,
}

impl HeldFailure {
    /// The key the failure was counted under.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A key's window as stored: when it opened (milliseconds since the Unix epoch) and how many
/// failures it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// When it opened.
    pub(crate) since: i64,
    /// Failures counted in it.
    pub(crate) count: i64,
}

impl Store {
    /// Counts one failure under every key of `keys` (distinct keys) at `now`, in one
    /// transaction; or, if any key's window already holds its limit (failures reserved and
    /// not given back included), counts nothing and answers how long until the last such
    /// window passes. A key whose window has passed starts a new one at `now`. Windows are
    /// `window` long; one table serves one window length.
    ///
    /// Concurrent reservations, from this process or any other sharing the database, are
    /// serialised by the database, so together they never count more than a limit.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database cannot be reached or written; nothing is counted then.
    pub fn reserve_failures(
        &self,
        keys: &[FailureKey<'_>],
        window: Duration,
        now: SystemTime,
    ) -> Result<Result<Vec<HeldFailure>, Duration>, StoreError> {
        let (window, now) = (millis(window), unix_millis(now));
        if let Some(pg) = self.postgres() {
            return pg.reserve_failures(keys, window, now);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Forget passed windows, so the table does not grow with every name ever tried.
            tx.prepare_cached("DELETE FROM login_failures WHERE window_start <= ?1")?
                .execute([now.saturating_sub(window)])?;
            let found = keys
                .iter()
                .map(|key| {
                    tx.prepare_cached(
                        "SELECT window_start, count FROM login_failures WHERE key = ?1",
                    )?
                    .query_row([key.key], |row| {
                        Ok(Window {
                            since: row.get(0)?,
                            count: row.get(1)?,
                        })
                    })
                    .optional()
                })
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let counted = match decide(keys, &found, window, now) {
                Ok(counted) => counted,
                Err(wait) => {
                    // Keeps the clean-up; counts nothing.
                    tx.commit()?;
                    return Ok(Err(wait));
                }
            };
            for (key, counted) in keys.iter().zip(&counted) {
                tx.prepare_cached(
                    "INSERT INTO login_failures (key, window_start, count) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE
                     SET window_start = excluded.window_start, count = excluded.count",
                )?
                .execute(params![key.key, counted.since, counted.count])?;
            }
            tx.commit()?;
            Ok(Ok(held(keys, &counted)))
        })
    }

    /// Takes back failures that turned out not to count: one from each key's window, if it is
    /// still the window the failure was counted in; a window left empty is deleted. In one
    /// transaction.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database cannot be reached or written; the failures stay
    /// counted then.
    pub fn give_back_failures(&self, held: &[HeldFailure]) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.give_back_failures(held);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for failure in held {
                tx.prepare_cached(
                    "UPDATE login_failures SET count = count - 1
                     WHERE key = ?1 AND window_start = ?2 AND count > 0",
                )?
                .execute(params![failure.key, failure.since])?;
                tx.prepare_cached("DELETE FROM login_failures WHERE key = ?1 AND count <= 0")?
                    .execute([&failure.key])?;
            }
            tx.commit()
        })
    }

    /// Forgets every failure counted under `key` (its owner proved the password): its window
    /// is deleted, whichever it is.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database cannot be reached or written.
    pub fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.forget_failures(key);
        }
        self.write(|conn| {
            conn.prepare_cached("DELETE FROM login_failures WHERE key = ?1")?
                .execute([key])
                .map(drop)
        })
    }
}

/// What a reservation at `now` makes of the keys whose stored windows are `found` (in the
/// same order): each key's window with the failure counted, or, if any key's window holds
/// its limit, the longest wait until such a window passes. Both engines decide here.
pub(crate) fn decide(
    keys: &[FailureKey<'_>],
    found: &[Option<Window>],
    window: i64,
    now: i64,
) -> Result<Vec<Window>, Duration> {
    let mut wait: Option<i64> = None;
    let mut counted = Vec::with_capacity(keys.len());
    for (key, found) in keys.iter().zip(found) {
        // A window that opened "after" now (another process's clock is ahead) has just begun.
        let open = found.filter(|w| now.saturating_sub(w.since) < window);
        match open {
            Some(w) if w.count >= i64::from(key.limit) => {
                let left = window - now.saturating_sub(w.since).max(0);
                wait = Some(wait.map_or(left, |longest| longest.max(left)));
            }
            Some(w) => counted.push(Window {
                since: w.since,
                count: w.count + 1,
            }),
            None => counted.push(Window {
                since: now,
                count: 1,
            }),
        }
    }
    match wait {
        Some(left) => Err(Duration::from_millis(u64::try_from(left).unwrap_or(0))),
        None => Ok(counted),
    }
}

/// The failures held under `keys` once counted in the windows `counted`.
pub(crate) fn held(keys: &[FailureKey<'_>], counted: &[Window]) -> Vec<HeldFailure> {
    keys.iter()
        .zip(counted)
        .map(|(key, counted)| HeldFailure {
            key: key.key.to_owned(),
            since: counted.since,
        })
        .collect()
}

/// `failure`'s key and window start, for the PostgreSQL half.
pub(crate) fn parts(failure: &HeldFailure) -> (&str, i64) {
    (&failure.key, failure.since)
}

/// `time` in milliseconds since the Unix epoch (0 before it).
fn unix_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `length` in milliseconds.
fn millis(length: Duration) -> i64 {
    i64::try_from(length.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn keys() -> [FailureKey<'static>; 2] {
        [
            FailureKey {
                key: "login:editor",
                limit: 2,
            },
            FailureKey {
                key: "address:127.0.0.1",
                limit: 5,
            },
        ]
    }

    #[test]
    fn a_full_window_refuses_for_as_long_as_it_has_left() {
        let full = Window {
            since: 1_000,
            count: 2,
        };
        let wait = decide(&keys(), &[Some(full), None], MINUTE, 16_000).unwrap_err();
        assert_eq!(wait, Duration::from_secs(45));
    }

    #[test]
    fn a_passed_window_starts_over_and_an_open_one_counts_on() {
        let passed = Window { since: 0, count: 2 };
        let open = Window {
            since: 30_000,
            count: 4,
        };
        let counted = decide(&keys(), &[Some(passed), Some(open)], MINUTE, MINUTE).unwrap();
        assert_eq!(
            counted,
            [
                Window {
                    since: MINUTE,
                    count: 1
                },
                Window {
                    since: 30_000,
                    count: 5
                }
            ]
        );
    }

    #[test]
    fn a_window_from_a_clock_ahead_waits_no_longer_than_its_length() {
        let ahead = Window {
            since: 10_000,
            count: 2,
        };
        let wait = decide(&keys(), &[Some(ahead), None], MINUTE, 0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
    }
}
