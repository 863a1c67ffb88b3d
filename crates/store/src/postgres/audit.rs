//! The hash-chained audit log on PostgreSQL: the same rows and hashes as SQLite's `audit.rs`.
//!
//! Appends from several processes must not fork the chain (two rows both linking to the same
//! head). SQLite gets that from its single writer; here every append first takes the audit
//! advisory lock for the rest of its transaction, then reads the head. Under READ COMMITTED
//! each statement sees what was committed before it began, so the head read after the lock is
//! the one the previous holder committed, and the next appender waits until this transaction
//! ends (commit or rollback).

use postgres::{GenericClient, IsolationLevel};

use super::{NOW_TEXT, Postgres, locks};
use crate::StoreError;
use crate::audit::{AuditEntry, AuditRow, GENESIS, row_hash};

/// The recorded head of the chain: the last row's seq and hash.
type Head = Option<(i64, String)>;

impl Postgres {
    /// See [`Store::audit`](crate::Store::audit).
    pub(crate) fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            append(&mut tx, entry)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// See [`Store::audit_log`](crate::Store::audit_log).
    pub(crate) fn audit_log(&self) -> Result<Vec<AuditRow>, StoreError> {
        self.run(|client| Ok(load_rows(&mut **client)?))
    }

    /// Every row and the recorded head, read from one snapshot (so that an append committed
    /// meanwhile is seen whole or not at all).
    pub(crate) fn audit_rows_and_head(&self) -> Result<(Vec<AuditRow>, Head), StoreError> {
        self.run(|client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let rows = load_rows(&mut tx)?;
            let head = load_head(&mut tx)?;
            tx.commit()?;
            Ok((rows, head))
        })
    }
}

/// Appends `entry` inside the transaction `tx` (the act's own), holding the audit lock until
/// it ends.
pub(crate) fn append(
    tx: &mut postgres::Transaction<'_>,
    entry: &AuditEntry,
) -> Result<(), postgres::Error> {
    tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&locks::AUDIT])?;
    let (last_seq, prev_hash) = load_head(tx)?.unwrap_or((0, GENESIS.to_owned()));
    let seq = last_seq + 1;
    let at: String = tx.query_one(&format!("SELECT {NOW_TEXT}"), &[])?.get(0);
    let details = entry.details.to_string();
    let hash = row_hash(
        seq,
        &at,
        &entry.actor,
        &entry.action,
        &entry.subject,
        &entry.heads,
        &details,
        &prev_hash,
    );
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, heads, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &seq,
            &at,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.heads,
            &details,
            &prev_hash,
            &hash,
        ],
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        &[&seq, &hash],
    )?;
    Ok(())
}

/// The last row's seq and hash as recorded in `audit_head`.
fn load_head(client: &mut impl GenericClient) -> Result<Head, postgres::Error> {
    Ok(client
        .query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .map(|row| (row.get(0), row.get(1))))
}

/// Every row, oldest first.
fn load_rows(client: &mut impl GenericClient) -> Result<Vec<AuditRow>, postgres::Error> {
    Ok(client
        .query(
            "SELECT seq, at, actor, action, subject, heads, details, prev_hash, hash
             FROM audit_log ORDER BY seq",
            &[],
        )?
        .iter()
        .map(|row| AuditRow {
            seq: row.get(0),
            at: row.get(1),
            actor: row.get(2),
            action: row.get(3),
            subject: row.get(4),
            heads: row.get(5),
            details: row.get(6),
            prev_hash: row.get(7),
            hash: row.get(8),
        })
        .collect())
}
