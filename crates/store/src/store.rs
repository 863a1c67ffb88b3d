//! [`Store`]: the database file, its connections and its plain (blocking) operations.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use crate::health::StorageHealth;
use crate::key::PrefixRange;
use crate::migrations;
use crate::postgres::Postgres;
use crate::{Database, StoreError};

/// How long a connection waits for another process's lock before giving up with
/// `SQLITE_BUSY`. Generous: a checkpoint or another replica process on the same file is normal.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle read connections kept for reuse; more are opened when reads overlap and closed after.
/// Opening one costs SQLite a schema parse and a statistics load: with a few hundred replicas
/// reconnecting, four idle ones made that churn a visible share of the server's CPU (the
/// load tool's storm, profiled), so as many are kept as reads commonly overlap.
const MAX_IDLE_READERS: usize = 16;

/// The WAL file is truncated back to this size after a checkpoint, so one burst of large
/// writes does not leave a large `-wal` file behind for ever.
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// One replica's database: samod's documents, replica settings, and the server's records.
///
/// The data lives in one SQLite file ([`Store::open`], the default) or in a PostgreSQL
/// database that several server processes share ([`Store::open_database`] with
/// [`Database::Postgres`]); which one is hidden from callers: every operation answers the
/// same on both (their tests run on both), except [`Store::set_size_limit`], which caps a
/// SQLite file.
///
/// Cheap to clone; clones share the connections. The methods block on SQLite, so async code
/// calls them from `tokio::task::spawn_blocking` (as [`DocumentStorage`](crate::DocumentStorage)
/// does).
///
/// Durability (SQLite): the file is in WAL mode with `synchronous=NORMAL`. A write that has returned
/// survives the process being killed (even with SIGKILL); only an operating-system crash or a
/// power cut can lose the last transactions, never corrupt the file.
#[derive(Clone)]
pub struct Store {
    /// The connections and health, shared by every clone; closed when the last clone drops.
    inner: Arc<Inner>,
}

/// Shared state behind every clone of a [`Store`].
struct Inner {
    /// The database engine and its connections.
    engine: Engine,
    /// Reports operations of [`DocumentStorage`](crate::DocumentStorage) that keep failing;
    /// shared by every storage made from this store.
    health: StorageHealth,
}

/// Which database a [`Store`] keeps its data in. Only this crate sees it: every public method
/// of [`Store`] answers the same on both engines (each method that differs asks
/// [`Store::postgres`] first and hands over to `postgres/`).
pub(crate) enum Engine {
    /// One SQLite file (the default, embedded).
    Sqlite(SqliteFile),
    /// A PostgreSQL database shared by several processes.
    Postgres(Postgres),
}

/// An open SQLite database file.
///
/// Why one writer and a pool of readers rather than one connection: SQLite admits one writer at
/// a time per file anyway, and queueing writers on our own mutex is fairer and cheaper than
/// letting several connections spin on `SQLITE_BUSY`. In WAL mode, though, readers never block
/// the writer nor each other, so separate read connections let samod load documents while a
/// large write (or a write stuck retrying on a full disk) is in progress.
pub(crate) struct SqliteFile {
    /// The database file.
    path: PathBuf,
    /// The only connection that writes; held for the length of one write transaction.
    writer: Mutex<Connection>,
    /// Idle `query_only` connections; a read takes one (or opens one) and puts it back.
    readers: Mutex<Vec<Connection>>,
}

/// How much samod data a store holds, for benchmarks and monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Number of samod keys.
    pub keys: u64,
    /// Total size of their values in bytes.
    pub value_bytes: u64,
    /// Size of the database in bytes (pages in use, including those still in the WAL).
    pub database_bytes: u64,
}

impl Store {
    /// Opens (creating it and its parent directories if need be) the database at `path` and
    /// brings its schema up to date.
    ///
    /// # Errors
    ///
    /// [`StoreError::TooNew`] if newer code has migrated the file; [`StoreError::CreateDir`],
    /// [`StoreError::Open`], [`StoreError::NoWal`] or [`StoreError::Migration`] otherwise.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let opening = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(opening)?;
        writer.busy_timeout(BUSY_TIMEOUT).map_err(opening)?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
            .map_err(opening)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal { path, mode });
        }
        writer
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(opening)?;
        writer
            .pragma_update(None, "foreign_keys", true)
            .map_err(opening)?;
        writer
            .pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)
            .map_err(opening)?;
        migrations::migrate(&mut writer)?;
        Ok(Store::with_engine(Engine::Sqlite(SqliteFile {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })))
    }

    /// Opens the database `database` names: for [`Database::Sqlite`], the file as
    /// [`Store::open`] does; for [`Database::Postgres`], connects a pool to the server and
    /// brings the schema up to date (the same versions as SQLite's, applied once even when
    /// several processes start together).
    ///
    /// # Errors
    ///
    /// As [`Store::open`] for SQLite; [`StoreError::Connect`], [`StoreError::TooNew`] or
    /// [`StoreError::PostgresMigration`] for PostgreSQL.
    pub fn open_database(database: &Database) -> Result<Store, StoreError> {
        match database {
            Database::Sqlite(path) => Store::open(path),
            Database::Postgres(url) => Ok(Store::with_engine(Engine::Postgres(Postgres::connect(
                url,
            )?))),
        }
    }

    /// A store over `engine`, with fresh health.
    fn with_engine(engine: Engine) -> Store {
        Store {
            inner: Arc::new(Inner {
                engine,
                health: StorageHealth::default(),
            }),
        }
    }

    /// The engine, for the methods that differ between SQLite and PostgreSQL.
    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The PostgreSQL engine, if this store is on PostgreSQL.
    pub(crate) fn postgres(&self) -> Option<&Postgres> {
        match self.engine() {
            Engine::Postgres(pg) => Some(pg),
            Engine::Sqlite(_) => None,
        }
    }

    /// The SQLite database file, or `None` on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match self.engine() {
            Engine::Sqlite(file) => Some(&file.path),
            Engine::Postgres(_) => None,
        }
    }

    /// Which engine holds the data, for logs and health reports: `sqlite` or `postgresql`.
    pub fn engine_name(&self) -> &'static str {
        match self.engine() {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgresql",
        }
    }

    /// The replica setting `key`, if it has been set.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.setting(key);
        }
        self.read(|conn| {
            conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
                .query_row([key], |row| row.get(0))
                .optional()
        })
    }

    /// Sets the replica setting `key` to `value`, replacing any earlier value.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the write fails.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.set_setting(key, value);
        }
        self.write(|conn| {
            conn.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])
            .map(drop)
        })
    }

    /// Every setting whose key starts with `prefix`, by key.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the query fails.
    pub fn settings_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.settings_with_prefix(prefix);
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
            )?
            .query_map([prefix], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect()
        })
    }

    /// The setting `key`, set to `value` first if it had none: when several processes start
    /// at once, all of them get the value of the one that set it.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database fails.
    pub fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.setting_or_insert(key, value);
        }
        self.write(|conn| {
            conn.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            )?
            .execute([key, value])?;
            conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
                .query_row([key], |row| row.get(0))
        })
    }

    /// Removes the setting `key`, if any.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the write fails.
    pub fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.delete_setting(key);
        }
        self.write(|conn| {
            conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?
                .execute([key])
                .map(drop)
        })
    }

    /// The automerge-repo document ids this replica holds data for, sorted.
    ///
    /// samod keeps everything about a document under keys whose first component is the
    /// document id (`<id>/snapshot/<hash>`, `<id>/incremental/<hash>`); its only other key is
    /// the one-component `storage-adapter-id`. So the ids are the first components of keys with
    /// more than one component. Reads every key (not the values): O(number of keys).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn document_ids(&self) -> Result<Vec<String>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.document_ids();
        }
        self.read(|conn| {
            conn.prepare_cached(
                "SELECT DISTINCT substr(key, 1, instr(key, '/') - 1) AS id
                 FROM samod_kv WHERE instr(key, '/') > 0 ORDER BY id",
            )?
            .query_map([], |row| row.get(0))?
            .collect()
        })
    }

    /// How many samod keys and bytes the store holds.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the query fails.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.stats();
        }
        self.read(|conn| {
            let (keys, value_bytes): (i64, i64) = conn.query_row(
                "SELECT count(*), coalesce(sum(length(value)), 0) FROM samod_kv",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            let pages: i64 = conn.pragma_query_value(None, "page_count", |row| row.get(0))?;
            let page_size: i64 = conn.pragma_query_value(None, "page_size", |row| row.get(0))?;
            Ok(StoreStats {
                keys: unsigned(keys),
                value_bytes: unsigned(value_bytes),
                database_bytes: unsigned(pages) * unsigned(page_size),
            })
        })
    }

    /// The health of the samod storage operations made through this store (shared by every
    /// [`DocumentStorage`](crate::DocumentStorage) built on it).
    pub fn health(&self) -> StorageHealth {
        self.inner.health.clone()
    }

    /// Caps the database at about `max_bytes` (SQLite's `max_page_count`; never below its
    /// current size), or lifts the cap with `None`. Writes from this process that would grow the
    /// file past the cap fail as if the disk were full, which is how the full-disk path is
    /// tested; it can also serve as a quota. SQLite only: a PostgreSQL database's size is the
    /// server's to limit.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if the pragma fails; [`StoreError::NotOnPostgres`] on
    /// PostgreSQL.
    pub fn set_size_limit(&self, max_bytes: Option<u64>) -> Result<(), StoreError> {
        self.write(|conn| {
            // SQLite clamps the page count to its own maximum, so u32::MAX means "no cap".
            let pages = match max_bytes {
                None => i64::from(u32::MAX),
                Some(bytes) => {
                    let page_size: i64 =
                        conn.pragma_query_value(None, "page_size", |row| row.get(0))?;
                    let pages = bytes / unsigned(page_size).max(1);
                    i64::try_from(pages).unwrap_or(i64::MAX).max(1)
                }
            };
            conn.pragma_update(None, "max_page_count", pages)
        })
    }

    /// The value stored under the samod key `key`.
    pub(crate) fn kv_load(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.kv_load(key);
        }
        self.read(|conn| {
            conn.prepare_cached("SELECT value FROM samod_kv WHERE key = ?1")?
                .query_row([key], |row| row.get(0))
                .optional()
        })
    }

    /// Every samod entry under `range` (all of them for `None`), as text keys.
    ///
    /// Two index searches, the exact key and the half-open range, never a scan.
    pub(crate) fn kv_load_range(
        &self,
        range: Option<&PrefixRange>,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.kv_load_range(range);
        }
        self.read(|conn| match range {
            Some(range) => conn
                .prepare_cached(LOAD_RANGE_SQL)?
                .query_map([&range.exact, &range.lower, &range.upper], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?
                .collect(),
            None => conn
                .prepare_cached("SELECT key, value FROM samod_kv")?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect(),
        })
    }

    /// Stores `value` under the samod key `key`, replacing any earlier value.
    pub(crate) fn kv_put(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.kv_put(key, value);
        }
        self.write(|conn| {
            conn.prepare_cached(
                "INSERT INTO samod_kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(rusqlite::params![key, value])
            .map(drop)
        })
    }

    /// Removes the samod key `key` (nothing happens if it is absent).
    pub(crate) fn kv_delete(&self, key: &str) -> Result<(), StoreError> {
        if let Some(pg) = self.postgres() {
            return pg.kv_delete(key);
        }
        self.write(|conn| {
            conn.prepare_cached("DELETE FROM samod_kv WHERE key = ?1")?
                .execute([key])
                .map(drop)
        })
    }

    /// Runs `f` on the SQLite writer connection; one writer at a time. On PostgreSQL (an
    /// operation without a PostgreSQL half), [`StoreError::NotOnPostgres`] naming the caller.
    #[track_caller]
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        Ok(f(&mut lock(&self.sqlite()?.writer))?)
    }

    /// Runs `f` on a read-only SQLite connection from the pool (opening one if none is idle).
    /// On PostgreSQL, [`StoreError::NotOnPostgres`] naming the caller.
    #[track_caller]
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let file = self.sqlite()?;
        let idle = lock(&file.readers).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => file.open_reader()?,
        };
        let result = f(&conn);
        // A connection that just failed may be in a bad state: let it close rather than reuse it.
        if result.is_ok() {
            let mut readers = lock(&file.readers);
            if readers.len() < MAX_IDLE_READERS {
                readers.push(conn);
            }
        }
        Ok(result?)
    }

    /// The SQLite file; on PostgreSQL the error naming the caller that has no PostgreSQL
    /// version yet.
    #[track_caller]
    fn sqlite(&self) -> Result<&SqliteFile, StoreError> {
        match self.engine() {
            Engine::Sqlite(file) => Ok(file),
            Engine::Postgres(_) => Err(StoreError::NotOnPostgres {
                at: std::panic::Location::caller(),
            }),
        }
    }
}

impl SqliteFile {
    /// A new connection that refuses to write (`query_only`), for [`Store::read`].
    fn open_reader(&self) -> Result<Connection, StoreError> {
        let opening = |source| StoreError::Open {
            path: self.path.clone(),
            source,
        };
        let conn = Connection::open(&self.path).map_err(opening)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(opening)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(opening)?;
        Ok(conn)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Store");
        match self.engine() {
            Engine::Sqlite(file) => out.field("path", &file.path),
            Engine::Postgres(pg) => out.field("postgres", pg),
        };
        out.finish_non_exhaustive()
    }
}

/// The entries under a prefix: the key equal to the prefix (`?1`), then the keys in
/// `[?2, ?3)`. Each half is a search of the primary-key index.
const LOAD_RANGE_SQL: &str = "SELECT key, value FROM samod_kv WHERE key = ?1
     UNION ALL
     SELECT key, value FROM samod_kv WHERE key >= ?2 AND key < ?3";

/// A count SQLite returned as a (never negative) integer.
fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Locks `mutex`, ignoring poisoning: a panic elsewhere cannot leave a connection half-way
/// through a transaction (an unwinding `Transaction` rolls back), so the connection is usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_can_be_shared_across_threads_and_tasks() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<Store>();
        shareable::<crate::DocumentStorage>();
        shareable::<crate::StorageHealth>();
    }

    #[test]
    fn load_range_searches_the_key_index_instead_of_scanning() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("replica.sqlite3")).unwrap();
        let plan: Vec<String> = store
            .read(|conn| {
                conn.prepare(&format!("EXPLAIN QUERY PLAN {LOAD_RANGE_SQL}"))?
                    .query_map(["a/b", "a/b/", "a/b0"], |row| row.get::<_, String>(3))?
                    .collect()
            })
            .unwrap();
        let searches = plan
            .iter()
            .filter(|line| line.starts_with("SEARCH"))
            .count();
        assert_eq!(searches, 2, "{plan:#?}");
        assert!(
            plan.iter().all(|line| !line.starts_with("SCAN")),
            "{plan:#?}"
        );
    }
}
