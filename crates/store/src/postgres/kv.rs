//! samod's key/value data (`samod_kv`), replica settings and storage statistics on
//! PostgreSQL; the same answers as the SQLite versions in `store.rs`.

use super::{Postgres, unsigned};
use crate::key::PrefixRange;
use crate::{StoreError, StoreStats};

/// The entries under a prefix: the key equal to the prefix (`$1`), then the keys in
/// `[$2, $3)`, each half a search of the primary key's index (bytewise, `COLLATE "C"`).
const LOAD_RANGE_SQL: &str = "SELECT key, value FROM samod_kv WHERE key = $1
     UNION ALL
     SELECT key, value FROM samod_kv WHERE key >= $2 AND key < $3";

impl Postgres {
    /// See [`Store::setting`](crate::Store::setting).
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt("SELECT value FROM settings WHERE key = $1", &[&key])?
                .map(|row| row.get(0)))
        })
    }

    /// See [`Store::set_setting`](crate::Store::set_setting).
    pub(crate) fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )?;
            Ok(())
        })
    }

    /// See [`Store::settings_with_prefix`](crate::Store::settings_with_prefix).
    pub(crate) fn settings_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.run(|client| {
            Ok(client
                .query(
                    "SELECT key, value FROM settings WHERE left(key, length($1)) = $1 ORDER BY key",
                    &[&prefix],
                )?
                .iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect())
        })
    }

    /// See [`Store::setting_or_insert`](crate::Store::setting_or_insert).
    pub(crate) fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        self.run(|client| {
            client.execute(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )?;
            Ok(client
                .query_one("SELECT value FROM settings WHERE key = $1", &[&key])?
                .get(0))
        })
    }

    /// See [`Store::delete_setting`](crate::Store::delete_setting).
    pub(crate) fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute("DELETE FROM settings WHERE key = $1", &[&key])?;
            Ok(())
        })
    }

    /// See [`Store::document_ids`](crate::Store::document_ids).
    pub(crate) fn document_ids(&self) -> Result<Vec<String>, StoreError> {
        self.run(|client| {
            Ok(client
                .query(
                    "SELECT DISTINCT split_part(key, '/', 1) AS id
                     FROM samod_kv WHERE strpos(key, '/') > 0 ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect())
        })
    }

    /// See [`Store::stats`](crate::Store::stats); `database_bytes` is the whole database's
    /// size on disk.
    pub(crate) fn stats(&self) -> Result<StoreStats, StoreError> {
        self.run(|client| {
            let row = client.query_one(
                "SELECT count(*), coalesce(sum(length(value)), 0)::BIGINT,
                        pg_database_size(current_database())
                 FROM samod_kv",
                &[],
            )?;
            Ok(StoreStats {
                keys: unsigned(row.get(0)),
                value_bytes: unsigned(row.get(1)),
                database_bytes: unsigned(row.get(2)),
            })
        })
    }

    /// See `Store::kv_load`.
    pub(crate) fn kv_load(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt("SELECT value FROM samod_kv WHERE key = $1", &[&key])?
                .map(|row| row.get(0)))
        })
    }

    /// See `Store::kv_load_range`.
    pub(crate) fn kv_load_range(
        &self,
        range: Option<&PrefixRange>,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.run(|client| {
            let rows = match range {
                Some(range) => {
                    client.query(LOAD_RANGE_SQL, &[&range.exact, &range.lower, &range.upper])?
                }
                None => client.query("SELECT key, value FROM samod_kv", &[])?,
            };
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })
    }

    /// See `Store::kv_put`.
    pub(crate) fn kv_put(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute(
                "INSERT INTO samod_kv (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )?;
            Ok(())
        })
    }

    /// See `Store::kv_delete`.
    pub(crate) fn kv_delete(&self, key: &str) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute("DELETE FROM samod_kv WHERE key = $1", &[&key])?;
            Ok(())
        })
    }
}
