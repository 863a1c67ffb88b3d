//! Moving a region's data from its SQLite file to PostgreSQL (`sync-server copy`): every table,
//! row for row, in one PostgreSQL transaction, then checked.
//!
//! The two engines have the same tables and columns (the same migrations in two dialects), so
//! each table is read from SQLite with `SELECT *` and written with PostgreSQL's
//! `json_populate_recordset`, which turns each value into its column's type by name (a blob
//! travels as `\x` hex, which is how PostgreSQL reads `bytea` from text). Rows keep their ids
//! and sequence numbers (`OVERRIDING SYSTEM VALUE`), so the audit log's hash chain, which covers
//! them, still holds; the identity sequences are then moved past the highest copied id. Every
//! table is copied: one of SQLite's that is not known here stops the copy before anything is
//! written, so a later migration cannot be left behind silently.
//!
//! The target must be empty (freshly migrated); the copy is one transaction, so a failure
//! leaves it empty. Afterwards the row counts are compared table by table and the audit chain
//! is verified on the target.

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

use crate::{Store, StoreError};

/// The tables, parents before children. `organisations` refers to itself: its rows are
/// copied by depth (regions, then municipalities, then schools).
const TABLES: &[&str] = &[
    "settings",
    "samod_kv",
    "organisations",
    "users",
    "memberships",
    "tokens",
    "documents",
    "submissions",
    "signatures",
    "audit_log",
    "audit_head",
    "curator_assignments",
    "yjs_updates",
    "yjs_states",
    "identifications",
    "identified_schools",
    "campaigns",
    "campaign_obligations",
    "campaign_schools",
    "reminders",
];

/// SQLite tables that are not data to copy: the migrations' own record (the target has its
/// own), SQLite's counters, and counters of failed logins that only live a minute.
const NOT_COPIED: &[&str] = &["schema_migrations", "sqlite_sequence", "login_failures"];

/// Rows sent to PostgreSQL in one statement, at most.
const BATCH_ROWS: usize = 500;

/// Bytes of row data sent in one statement, at most (a row bigger than this goes alone).
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// How far a copy has come, for progress reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyProgress {
    /// The table being copied.
    pub table: &'static str,
    /// Its rows copied so far.
    pub rows: u64,
    /// Its rows in all.
    pub total: u64,
}

/// What a finished copy moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows per table, in copy order.
    pub tables: Vec<(&'static str, u64)>,
    /// Audit log rows verified on the target.
    pub audit_rows: usize,
}

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The source is not a SQLite file or the target not PostgreSQL.
    #[error("copying goes from a SQLite file to PostgreSQL")]
    WrongEngines,
    /// The target already holds data.
    #[error("the target database is not empty: table {table} has {rows} rows")]
    TargetNotEmpty {
        /// The first table found with rows.
        table: &'static str,
        /// How many.
        rows: u64,
    },
    /// The source has a table this code does not know how to copy.
    #[error("the SQLite file has a table this version does not copy: {0}")]
    UnknownTable(String),
    /// A table's columns differ between the engines.
    #[error(
        "table {table} has other columns on PostgreSQL: sqlite {sqlite:?}, postgresql {postgres:?}"
    )]
    ColumnsDiffer {
        /// The table.
        table: &'static str,
        /// Its columns in the SQLite file.
        sqlite: Vec<String>,
        /// Its columns on PostgreSQL.
        postgres: Vec<String>,
    },
    /// After the copy a table's rows did not match.
    #[error("table {table}: {source_rows} rows in SQLite, {target_rows} on PostgreSQL")]
    CountsDiffer {
        /// The table.
        table: &'static str,
        /// Rows in the source.
        source_rows: u64,
        /// Rows in the target.
        target_rows: u64,
    },
    /// The audit chain does not verify on the target.
    #[error("the audit chain does not verify after the copy: row {seq}: {problem}")]
    AuditBroken {
        /// The first broken row.
        seq: i64,
        /// What is wrong.
        problem: String,
    },
    /// A database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for CopyError {
    fn from(error: rusqlite::Error) -> Self {
        CopyError::Store(StoreError::Sqlite(error))
    }
}

impl From<postgres::Error> for CopyError {
    fn from(error: postgres::Error) -> Self {
        CopyError::Store(StoreError::Postgres(error))
    }
}

impl Store {
    /// Copies everything in this SQLite store into `target`, an empty PostgreSQL store, in one
    /// transaction; `progress` hears of each batch. Then compares the row counts and verifies
    /// the audit chain on the target. The source is only read (stop the server first, so that
    /// nothing is written meanwhile).
    ///
    /// # Errors
    ///
    /// [`CopyError`]: wrong engines, a target with data, a table or column this version does
    /// not know, a database failure (the target is then left as it was), or a check that
    /// failed after the copy.
    pub fn copy_into(
        &self,
        target: &Store,
        mut progress: impl FnMut(CopyProgress) + Send,
    ) -> Result<CopyReport, CopyError> {
        let (Some(pg), None) = (target.postgres(), self.postgres()) else {
            return Err(CopyError::WrongEngines);
        };
        let tables: Vec<String> = self.read(|conn| {
            conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
                .query_map([], |row| row.get(0))?
                .collect()
        })?;
        if let Some(unknown) = tables
            .iter()
            .find(|t| !TABLES.contains(&t.as_str()) && !NOT_COPIED.contains(&t.as_str()))
        {
            return Err(CopyError::UnknownTable(unknown.clone()));
        }
        let mut report = CopyReport::default();
        pg.run(|client| {
            let copied = (|| {
                let mut tx = client.transaction()?;
                for &table in TABLES {
                    let rows: i64 = tx
                        .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                        .get(0);
                    if rows > 0 {
                        return Err(CopyError::TargetNotEmpty {
                            table,
                            rows: rows as u64,
                        });
                    }
                }
                for &table in TABLES {
                    let copied = self.copy_table(&mut tx, table, &mut progress)?;
                    report.tables.push((table, copied));
                }
                tx.commit()?;
                Ok(())
            })();
            Ok(copied)
        })??;
        for &(table, source_rows) in &report.tables {
            let target_rows: i64 = pg.run(|client| {
                Ok(client
                    .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
                    .get(0))
            })?;
            if target_rows as u64 != source_rows {
                return Err(CopyError::CountsDiffer {
                    table,
                    source_rows,
                    target_rows: target_rows as u64,
                });
            }
        }
        report.audit_rows = match target.verify_audit()? {
            Ok(rows) => rows,
            Err(broken) => {
                return Err(CopyError::AuditBroken {
                    seq: broken.seq,
                    problem: broken.problem.to_string(),
                });
            }
        };
        Ok(report)
    }

    /// Copies one table in batches within `tx`; moves its identity sequences past the copied
    /// ids. Returns how many rows it copied.
    fn copy_table(
        &self,
        tx: &mut postgres::Transaction<'_>,
        table: &'static str,
        progress: &mut impl FnMut(CopyProgress),
    ) -> Result<u64, CopyError> {
        let target: Vec<(String, bool)> = tx
            .query(
                "SELECT column_name::text, is_identity = 'YES' FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name",
                &[&table],
            )?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        let target_columns: Vec<String> = target.iter().map(|(name, _)| name.clone()).collect();
        let source_columns: Vec<String> = self.read(|conn| {
            conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
                .query_map([], |row| row.get(0))?
                .collect()
        })?;
        // An identity column PostgreSQL has where SQLite orders by its implicit rowid (a
        // sequence number of insertion) is given the rowid.
        let from_rowid: Vec<&str> = target
            .iter()
            .filter(|(name, identity)| *identity && !source_columns.contains(name))
            .map(|(name, _)| name.as_str())
            .collect();
        let extra: String = from_rowid
            .iter()
            .map(|name| format!(", rowid AS {name}"))
            .collect();
        let select = if table == "organisations" {
            "WITH RECURSIVE depth (id, depth) AS (
                 SELECT id, 0 FROM organisations WHERE parent IS NULL
                 UNION ALL
                 SELECT o.id, d.depth + 1 FROM organisations o JOIN depth d ON o.parent = d.id)
             SELECT o.* FROM organisations o JOIN depth USING (id) ORDER BY depth.depth, o.rowid"
                .to_owned()
        } else {
            format!("SELECT *{extra} FROM {table} ORDER BY rowid")
        };
        let insert = format!(
            "INSERT INTO {table} OVERRIDING SYSTEM VALUE
             SELECT * FROM json_populate_recordset(NULL::{table}, $1::text::json)"
        );
        let mut copied = 0u64;
        self.read(|conn| {
            let total: i64 =
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })?;
            let mut stmt = conn.prepare(&select)?;
            let mut columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let names = columns.clone();
            columns.sort();
            if columns != target_columns {
                return Ok(Err(CopyError::ColumnsDiffer {
                    table,
                    sqlite: columns,
                    postgres: target_columns.clone(),
                }));
            }
            let mut rows = stmt.query([])?;
            let mut batch: Vec<Value> = Vec::new();
            let mut bytes = 0usize;
            let mut flush = |batch: &mut Vec<Value>| -> Result<(), CopyError> {
                if batch.is_empty() {
                    return Ok(());
                }
                let json = Value::Array(std::mem::take(batch)).to_string();
                tx.execute(&insert, &[&json])?;
                Ok(())
            };
            while let Some(row) = rows.next()? {
                let mut object = Map::new();
                for (i, name) in names.iter().enumerate() {
                    let value = match row.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(n) => Value::from(n),
                        ValueRef::Real(x) => Value::from(x),
                        ValueRef::Text(text) => {
                            bytes += text.len();
                            Value::String(String::from_utf8_lossy(text).into_owned())
                        }
                        ValueRef::Blob(blob) => {
                            bytes += blob.len() * 2;
                            Value::String(format!("\\x{}", hex(blob)))
                        }
                    };
                    object.insert(name.clone(), value);
                }
                batch.push(Value::Object(object));
                if batch.len() >= BATCH_ROWS || bytes >= BATCH_BYTES {
                    let n = batch.len() as u64;
                    if let Err(error) = flush(&mut batch) {
                        return Ok(Err(error));
                    }
                    copied += n;
                    bytes = 0;
                    progress(CopyProgress {
                        table,
                        rows: copied,
                        total: total as u64,
                    });
                }
            }
            let n = batch.len() as u64;
            if let Err(error) = flush(&mut batch) {
                return Ok(Err(error));
            }
            copied += n;
            progress(CopyProgress {
                table,
                rows: copied,
                total: total as u64,
            });
            Ok(Ok(()))
        })??;
        // Identity columns continue after the copied ids.
        let identities: Vec<String> = tx
            .query(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
                &[&table],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        for column in identities {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), max({column}))
                     FROM {table} HAVING max({column}) IS NOT NULL"
                ),
                &[],
            )?;
        }
        Ok(copied)
    }
}

/// Lower-case hexadecimal of `bytes`.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}
