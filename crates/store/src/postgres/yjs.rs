//! Narratives' Yjs updates and compacted states on PostgreSQL; the same answers as SQLite's
//! `yjs.rs`.
//!
//! Sequence numbers come from an identity column, so across processes they follow the order
//! updates were numbered in, not always the order they were committed in: an update numbered
//! below one already compacted may still commit afterwards. Nothing is lost by that: a
//! compaction deletes only the updates it read (an uncommitted one is invisible to its
//! `DELETE` too), and Yjs updates apply in any order. Compactions of one document are
//! serialised across processes by an advisory lock on its id.

use postgres::IsolationLevel;

use super::{Postgres, locks, unsigned};
use crate::StoreError;
use crate::yjs::merge;

impl Postgres {
    /// See [`Store::append_yjs_update`](crate::Store::append_yjs_update).
    pub(crate) fn append_yjs_update(&self, doc_id: &str, update: &[u8]) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute(
                "INSERT INTO yjs_updates (doc_id, update_) VALUES ($1, $2)",
                &[&doc_id, &update],
            )?;
            Ok(())
        })
    }

    /// See [`Store::append_yjs_updates`](crate::Store::append_yjs_updates).
    pub(crate) fn append_yjs_updates(
        &self,
        doc_id: &str,
        updates: &[Vec<u8>],
    ) -> Result<(), StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let insert = tx.prepare("INSERT INTO yjs_updates (doc_id, update_) VALUES ($1, $2)")?;
            for update in updates {
                tx.execute(&insert, &[&doc_id, update])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// See [`Store::yjs_updates`](crate::Store::yjs_updates): the state and the updates are
    /// read from one snapshot.
    pub(crate) fn yjs_updates(&self, doc_id: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        self.run(|client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut out: Vec<Vec<u8>> = tx
                .query_opt("SELECT state FROM yjs_states WHERE doc_id = $1", &[&doc_id])?
                .map(|row| row.get(0))
                .into_iter()
                .collect();
            for row in tx.query(
                "SELECT update_ FROM yjs_updates WHERE doc_id = $1 ORDER BY seq",
                &[&doc_id],
            )? {
                out.push(row.get(0));
            }
            tx.commit()?;
            Ok(out)
        })
    }

    /// See [`Store::yjs_documents_to_compact`](crate::Store::yjs_documents_to_compact).
    pub(crate) fn yjs_documents_to_compact(
        &self,
        min_updates: usize,
    ) -> Result<Vec<String>, StoreError> {
        let min = i64::try_from(min_updates).unwrap_or(i64::MAX);
        self.run(|client| {
            Ok(client
                .query(
                    "SELECT doc_id FROM yjs_updates GROUP BY doc_id HAVING count(*) >= $1
                     ORDER BY doc_id",
                    &[&min],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect())
        })
    }

    /// See [`Store::compact_yjs`](crate::Store::compact_yjs).
    pub(crate) fn compact_yjs(&self, doc_id: &str) -> Result<usize, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            lock_document(&mut tx, doc_id)?;
            let state: Option<Vec<u8>> = tx
                .query_opt("SELECT state FROM yjs_states WHERE doc_id = $1", &[&doc_id])?
                .map(|row| row.get(0));
            let updates: Vec<(i64, Vec<u8>)> = tx
                .query(
                    "SELECT seq, update_ FROM yjs_updates WHERE doc_id = $1 ORDER BY seq",
                    &[&doc_id],
                )?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect();
            if updates.is_empty() {
                return Ok(0);
            }
            let parts = state
                .iter()
                .map(Vec::as_slice)
                .chain(updates.iter().map(|(_, u)| u.as_slice()));
            let merged = merge(parts).map_err(|problem| StoreError::Corrupt {
                what: format!("yjs updates of {doc_id}: {problem}"),
            })?;
            put_state(&mut tx, doc_id, &merged)?;
            let seqs: Vec<i64> = updates.iter().map(|(seq, _)| *seq).collect();
            tx.execute(
                "DELETE FROM yjs_updates WHERE doc_id = $1 AND seq = ANY($2)",
                &[&doc_id, &seqs],
            )?;
            tx.commit()?;
            Ok(updates.len())
        })
    }

    /// See [`Store::yjs_last_update`](crate::Store::yjs_last_update).
    pub(crate) fn yjs_last_update(&self, doc_id: &str) -> Result<Option<i64>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_one(
                    "SELECT max(seq) FROM yjs_updates WHERE doc_id = $1",
                    &[&doc_id],
                )?
                .get(0))
        })
    }

    /// See [`Store::replace_yjs_state`](crate::Store::replace_yjs_state).
    pub(crate) fn replace_yjs_state(
        &self,
        doc_id: &str,
        state: &[u8],
        through: i64,
    ) -> Result<usize, StoreError> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            lock_document(&mut tx, doc_id)?;
            put_state(&mut tx, doc_id, state)?;
            let deleted = tx.execute(
                "DELETE FROM yjs_updates WHERE doc_id = $1 AND seq <= $2",
                &[&doc_id, &through],
            )?;
            tx.commit()?;
            Ok(usize::try_from(deleted).unwrap_or(usize::MAX))
        })
    }

    /// See [`Store::yjs_bytes`](crate::Store::yjs_bytes).
    pub(crate) fn yjs_bytes(&self) -> Result<u64, StoreError> {
        self.run(|client| {
            let bytes: i64 = client
                .query_one(
                    "SELECT ((SELECT coalesce(sum(length(state)), 0) FROM yjs_states)
                          + (SELECT coalesce(sum(length(update_)), 0) FROM yjs_updates))::BIGINT",
                    &[],
                )?
                .get(0);
            Ok(unsigned(bytes))
        })
    }
}

/// Holds document `doc_id`'s compaction lock until the end of `tx`.
fn lock_document(tx: &mut postgres::Transaction<'_>, doc_id: &str) -> Result<(), postgres::Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&locks::YJS, &doc_id],
    )
    .map(drop)
}

/// Sets document `doc_id`'s compacted state.
fn put_state(
    tx: &mut postgres::Transaction<'_>,
    doc_id: &str,
    state: &[u8],
) -> Result<(), postgres::Error> {
    tx.execute(
        "INSERT INTO yjs_states (doc_id, state) VALUES ($1, $2)
         ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state",
        &[&doc_id, &state],
    )
    .map(drop)
}
