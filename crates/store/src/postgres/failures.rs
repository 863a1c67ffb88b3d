//! Failures counted per key within a window on PostgreSQL, shared by every process on the
//! database; the same answers as the SQLite half in `failures.rs`, which decides for both.
//!
//! A reservation locks each key's row (creating it empty if need be) in the order of the
//! keys, so two reservations over the same keys wait for each other rather than deadlock, and
//! either counts under every key or, rolled back, under none. Passed windows are deleted in a
//! statement of their own before the transaction, skipping rows another reservation holds:
//! deleting them inside it would lock rows of keys outside its order.

use std::time::Duration;

use super::Postgres;
use crate::StoreError;
use crate::failures::{FailureKey, HeldFailure, Window, decide, held, parts};

impl Postgres {
    /// See [`Store::reserve_failures`](crate::Store::reserve_failures); `window` and `now` in
    /// milliseconds.
    pub(crate) fn reserve_failures(
        &self,
        keys: &[FailureKey<'_>],
        window: i64,
        now: i64,
    ) -> Result<Result<Vec<HeldFailure>, Duration>, StoreError> {
        self.run(|client| {
            client.execute(
                "DELETE FROM login_failures WHERE key IN (
                     SELECT key FROM login_failures WHERE window_start <= $1
                     FOR UPDATE SKIP LOCKED)",
                &[&now.saturating_sub(window)],
            )?;
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by_key(|&i| keys[i].key);
            let mut tx = client.transaction()?;
            let mut found = vec![None; keys.len()];
            for i in order {
                // Creates the key's row empty or locks the one there, returning what it holds.
                let row = tx.query_one(
                    "INSERT INTO login_failures (key, window_start, count) VALUES ($1, $2, 0)
                     ON CONFLICT (key) DO UPDATE SET count = login_failures.count
                     RETURNING window_start, count",
                    &[&keys[i].key, &now],
                )?;
                found[i] = Some(Window {
                    since: row.get(0),
                    count: row.get(1),
                });
            }
            let counted = match decide(keys, &found, window, now) {
                Ok(counted) => counted,
                Err(wait) => {
                    // Nothing counted, and no empty row left behind.
                    tx.rollback()?;
                    return Ok(Err(wait));
                }
            };
            for (key, counted) in keys.iter().zip(&counted) {
                tx.execute(
                    "UPDATE login_failures SET window_start = $2, count = $3 WHERE key = $1",
                    &[&key.key, &counted.since, &counted.count],
                )?;
            }
            tx.commit()?;
            Ok(Ok(held(keys, &counted)))
        })
    }

    /// See [`Store::give_back_failures`](crate::Store::give_back_failures).
    pub(crate) fn give_back_failures(&self, held: &[HeldFailure]) -> Result<(), StoreError> {
        let mut held: Vec<_> = held.iter().map(parts).collect();
        // The reservations' lock order.
        held.sort_unstable();
        self.run(|client| {
            let mut tx = client.transaction()?;
            for (key, since) in &held {
                tx.execute(
                    "UPDATE login_failures SET count = count - 1
                     WHERE key = $1 AND window_start = $2 AND count > 0",
                    &[key, since],
                )?;
                tx.execute(
                    "DELETE FROM login_failures WHERE key = $1 AND count <= 0",
                    &[key],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// See [`Store::forget_failures`](crate::Store::forget_failures).
    pub(crate) fn forget_failures(&self, key: &str) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute("DELETE FROM login_failures WHERE key = $1", &[&key])?;
            Ok(())
        })
    }
}
