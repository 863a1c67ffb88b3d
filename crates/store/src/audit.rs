//! The audit log: every lifecycle transition and every administrative act, appended with who,
//! what, when and which heads, in a hash chain.
//!
//! Row `n` stores `hash_n = SHA-256(seq, at, actor, action, subject, heads, details,
//! hash_{n-1})` (the first row chains to 64 zeros), and `audit_head` keeps the last row's seq
//! and hash. [`Store::verify_audit`] recomputes the chain: an edited row breaks its own hash, a
//! deleted row breaks the sequence or the next row's link, and deleted rows at the end no longer
//! match the head. Rows are appended inside the transaction of the act they record, so an act
//! and its audit row are stored together or not at all.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

/// What the first row chains to.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One act to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who acted: a user id, or `admin` for the command line on the server's machine, or
    /// `system` for what the server observed (an edit after a decision).
    pub actor: String,
    /// What was done: a transition's name (`submit`) or an administrative act (`add-user`).
    pub action: String,
    /// What it was done to: a document id, a user, an organisation.
    pub subject: String,
    /// The document's version concerned, as comma-separated change hashes; empty if none.
    pub heads: String,
    /// Anything else worth keeping, as JSON (the comments of a return, the hash signed, …).
    pub details: serde_json::Value,
}

/// A stored row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    /// Its position, from 1, without gaps.
    pub seq: i64,
    /// When it was appended (UTC, RFC 3339 with milliseconds).
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// What it was done to.
    pub subject: String,
    /// Which version.
    pub heads: String,
    /// Further details as JSON text.
    pub details: String,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// Where the chain is broken: the first bad row and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log broken at row {seq}: {problem}")]
pub struct AuditBreak {
    /// The first row that does not verify (for missing rows at the end, the first missing).
    pub seq: i64,
    /// What is wrong, in English.
    pub problem: String,
}

impl Store {
    /// Appends one entry to the audit log in its own transaction (administrative acts that
    /// have no other write to share a transaction with).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the write fails.
    pub fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.audit(entry);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            append(&tx, entry)?;
            tx.commit()
        })
    }

    /// The whole audit log, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn audit_log(&self) -> Result<Vec<AuditRow>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.audit_log();
        }
        self.read(load_rows)
    }

    /// Recomputes the hash chain. `Ok(n)` with the number of rows when it holds, else the
    /// first broken row.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the log cannot be read; a broken chain is not a store error
    /// but the inner `Err`.
    pub fn verify_audit(&self) -> Result<Result<usize, AuditBreak>, StoreError> {
        if let Some(pg) = self.postgres() {
            let (rows, head) = pg.audit_rows_and_head()?;
            return Ok(verify(&rows, head));
        }
        let (rows, head) = self.read(|conn| Ok((load_rows(conn)?, load_head(conn)?)))?;
        Ok(verify(&rows, head))
    }
}

/// Appends `entry` on `conn`, which must be inside a write transaction (SQLite's write lock
/// serialises appenders; PostgreSQL's version, `postgres::append`, takes an advisory lock).
pub(crate) fn append(conn: &Connection, entry: &AuditEntry) -> rusqlite::Result<()> {
    let (last_seq, prev_hash) = load_head(conn)?.unwrap_or((0, GENESIS.to_owned()));
    let seq = last_seq + 1;
    let at: String = conn.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", [], |row| {
        row.get(0)
    })?;
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
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, subject, heads, details, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        seq,
        at,
        entry.actor,
        entry.action,
        entry.subject,
        entry.heads,
        details,
        prev_hash,
        hash
    ])?;
    conn.prepare_cached(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![seq, hash])?;
    Ok(())
}

fn load_head(conn: &Connection) -> rusqlite::Result<Option<(i64, String)>> {
    conn.prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
}

fn load_rows(conn: &Connection) -> rusqlite::Result<Vec<AuditRow>> {
    conn.prepare_cached(
        "SELECT seq, at, actor, action, subject, heads, details, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?
    .query_map([], |row| {
        Ok(AuditRow {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject: row.get(4)?,
            heads: row.get(5)?,
            details: row.get(6)?,
            prev_hash: row.get(7)?,
            hash: row.get(8)?,
        })
    })?
    .collect()
}

/// Checks `rows` (ordered by seq) against each other and against the recorded head.
pub(crate) fn verify(rows: &[AuditRow], head: Option<(i64, String)>) -> Result<usize, AuditBreak> {
    let mut prev = GENESIS.to_owned();
    for (index, row) in rows.iter().enumerate() {
        let expected_seq = i64::try_from(index).unwrap_or(i64::MAX - 1) + 1;
        let broken = |problem: String| AuditBreak {
            seq: expected_seq,
            problem,
        };
        if row.seq != expected_seq {
            return Err(broken(format!(
                "row {expected_seq} is missing (the next row is {})",
                row.seq
            )));
        }
        if row.prev_hash != prev {
            return Err(broken(
                "it does not link to the previous row's hash (a row before it was changed or \
                 removed)"
                    .to_owned(),
            ));
        }
        let hash = row_hash(
            row.seq,
            &row.at,
            &row.actor,
            &row.action,
            &row.subject,
            &row.heads,
            &row.details,
            &row.prev_hash,
        );
        if hash != row.hash {
            return Err(broken(
                "its content does not match its hash (the row was edited)".to_owned(),
            ));
        }
        prev = hash;
    }
    let last = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    match head {
        None if rows.is_empty() => Ok(0),
        None => Err(AuditBreak {
            seq: 1,
            problem: "the log has rows but no recorded head (the head was removed)".to_owned(),
        }),
        Some((seq, hash)) if seq == last && hash == prev => Ok(rows.len()),
        Some((seq, _)) if seq > last => Err(AuditBreak {
            seq: last + 1,
            problem: format!("rows {} to {seq} are missing at the end", last + 1),
        }),
        Some((seq, _)) => Err(AuditBreak {
            seq: seq.max(1),
            problem: "the recorded head does not match the last row".to_owned(),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn row_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    heads: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    // Each field is length-prefixed so that no two different rows hash the same text.
    let mut hasher = Sha256::new();
    for field in [
        &seq.to_string(),
        at,
        actor,
        action,
        subject,
        heads,
        details,
        prev_hash,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    crate::accounts::hex(&hasher.finalize())
}
