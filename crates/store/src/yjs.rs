//! Narratives' Yjs data: updates appended as they arrive (`yjs_updates`), compacted into one
//! state per document (`yjs_states`) in one transaction, so a crash leaves either the updates
//! or the state that replaces them. The server compacts a loaded document from the state of
//! the Yjs document it holds in memory ([`Store::replace_yjs_state`]: one short write, no
//! replay); [`Store::compact_yjs`] replays the stored updates, for documents no room holds.
//! Either way the state is a Yjs document's, so deleted text is kept only as its ids (Yjs's
//! garbage collection), where merging the updates' bytes would keep every deleted character.

use rusqlite::OptionalExtension;

use crate::{Store, StoreError};

/// A document's compaction is due once it has this many updates.
pub const COMPACT_AFTER_UPDATES: usize = 64;

impl Store {
    /// Appends one Yjs update of document `doc_id`'s narratives.
    pub fn append_yjs_update(&self, doc_id: &str, update: &[u8]) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.append_yjs_update(doc_id, update);
        }
        self.write(|conn| {
            conn.execute(
                "INSERT INTO yjs_updates (doc_id, update_) VALUES (?1, ?2)",
                rusqlite::params![doc_id, update],
            )
        })?;
        Ok(())
    }

    /// Appends Yjs updates of document `doc_id`'s narratives in one transaction, in order:
    /// all of them are stored or none.
    pub fn append_yjs_updates(&self, doc_id: &str, updates: &[Vec<u8>]) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.append_yjs_updates(doc_id, updates);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut insert =
                    tx.prepare_cached("INSERT INTO yjs_updates (doc_id, update_) VALUES (?1, ?2)")?;
                for update in updates {
                    insert.execute(rusqlite::params![doc_id, update])?;
                }
            }
            tx.commit()
        })
    }

    /// Document `doc_id`'s narratives as stored: its compacted state (if any) first, then its
    /// updates in arrival order. Applying them in order gives the document. Both are read in
    /// one transaction, so a compaction committed meanwhile is seen entirely or not at all.
    pub fn yjs_updates(&self, doc_id: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.yjs_updates(doc_id);
        }
        self.read(|conn| {
            let tx = conn.unchecked_transaction()?;
            let mut out: Vec<Vec<u8>> = tx
                .query_row(
                    "SELECT state FROM yjs_states WHERE doc_id = ?1",
                    [doc_id],
                    |row| row.get(0),
                )
                .optional()?
                .into_iter()
                .collect();
            {
                let mut stmt =
                    tx.prepare("SELECT update_ FROM yjs_updates WHERE doc_id = ?1 ORDER BY seq")?;
                for update in stmt.query_map([doc_id], |row| row.get(0))? {
                    out.push(update?);
                }
            }
            tx.finish()?;
            Ok(out)
        })
    }

    /// Documents with at least `min_updates` uncompacted updates.
    pub fn yjs_documents_to_compact(&self, min_updates: usize) -> Result<Vec<String>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.yjs_documents_to_compact(min_updates);
        }
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT doc_id FROM yjs_updates GROUP BY doc_id HAVING count(*) >= ?1 ORDER BY doc_id",
            )?;
            stmt.query_map([min_updates as i64], |row| row.get(0))?
                .collect()
        })
    }

    /// Merges document `doc_id`'s state and updates into one state and deletes the updates, in
    /// one transaction; updates appended meanwhile stay for next time. Returns how many
    /// updates were merged. Stored bytes that do not merge are left as they are (an error).
    pub fn compact_yjs(&self, doc_id: &str) -> Result<usize, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.compact_yjs(doc_id);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let state: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT state FROM yjs_states WHERE doc_id = ?1",
                    [doc_id],
                    |row| row.get(0),
                )
                .optional()?;
            let mut updates: Vec<(i64, Vec<u8>)> = Vec::new();
            {
                let mut stmt = tx.prepare(
                    "SELECT seq, update_ FROM yjs_updates WHERE doc_id = ?1 ORDER BY seq",
                )?;
                for row in stmt.query_map([doc_id], |row| Ok((row.get(0)?, row.get(1)?)))? {
                    updates.push(row?);
                }
            }
            let Some(last) = updates.last().map(|(seq, _)| *seq) else {
                return Ok(Ok(0));
            };
            let parts = state
                .iter()
                .map(Vec::as_slice)
                .chain(updates.iter().map(|(_, u)| u.as_slice()));
            let merged = match merge(parts) {
                Ok(merged) => merged,
                Err(e) => return Ok(Err(e)),
            };
            tx.execute(
                "INSERT INTO yjs_states (doc_id, state) VALUES (?1, ?2)
                 ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state",
                rusqlite::params![doc_id, merged],
            )?;
            tx.execute(
                "DELETE FROM yjs_updates WHERE doc_id = ?1 AND seq <= ?2",
                rusqlite::params![doc_id, last],
            )?;
            tx.commit()?;
            Ok(Ok(updates.len()))
        })?
        .map_err(|problem| StoreError::Corrupt {
            what: format!("yjs updates of {doc_id}: {problem}"),
        })
    }

    /// The sequence number of document `doc_id`'s last stored update, if it has any.
    pub fn yjs_last_update(&self, doc_id: &str) -> Result<Option<i64>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.yjs_last_update(doc_id);
        }
        self.read(|conn| {
            conn.query_row(
                "SELECT max(seq) FROM yjs_updates WHERE doc_id = ?1",
                [doc_id],
                |row| row.get(0),
            )
        })
    }

    /// Replaces document `doc_id`'s compacted state with `state` and deletes its updates up to
    /// sequence number `through`, in one short transaction; returns how many were deleted.
    /// `state` must already hold every update up to `through` (the server encodes it from the
    /// room's document after reading `through` with [`Store::yjs_last_update`], and applies
    /// each update to the room before appending it); updates appended later stay.
    pub fn replace_yjs_state(
        &self,
        doc_id: &str,
        state: &[u8],
        through: i64,
    ) -> Result<usize, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.replace_yjs_state(doc_id, state, through);
        }
        self.write(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO yjs_states (doc_id, state) VALUES (?1, ?2)
                 ON CONFLICT (doc_id) DO UPDATE SET state = excluded.state",
                rusqlite::params![doc_id, state],
            )?;
            let deleted = tx.execute(
                "DELETE FROM yjs_updates WHERE doc_id = ?1 AND seq <= ?2",
                rusqlite::params![doc_id, through],
            )?;
            tx.commit()?;
            Ok(deleted)
        })
    }

    /// Bytes of narratives stored: compacted states and pending updates.
    pub fn yjs_bytes(&self) -> Result<u64, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.yjs_bytes();
        }
        self.read(|conn| {
            conn.query_row(
                "SELECT (SELECT coalesce(sum(length(state)), 0) FROM yjs_states)
                      + (SELECT coalesce(sum(length(update_)), 0) FROM yjs_updates)",
                [],
                |row| row.get::<_, i64>(0),
            )
        })
        .map(|n| n as u64)
    }
}

/// The state of a Yjs document made of `parts` (v1 updates), or why they do not apply.
pub(crate) fn merge<'p>(parts: impl Iterator<Item = &'p [u8]>) -> Result<Vec<u8>, String> {
    use yrs::updates::decoder::Decode;
    use yrs::{ReadTxn, StateVector, Transact, Update};
    let doc = yrs::Doc::new();
    {
        let mut txn = doc.transact_mut();
        for part in parts {
            let update = Update::decode_v1(part).map_err(|e| e.to_string())?;
            txn.apply_update(update).map_err(|e| e.to_string())?;
        }
    }
    Ok(doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default()))
}
