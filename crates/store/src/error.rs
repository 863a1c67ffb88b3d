//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong opening or using a [`Store`](crate::Store).
///
/// [`SqliteStorage`](crate::SqliteStorage) never returns these: samod's storage trait cannot
/// carry errors, so it retries and reports through [`StorageHealth`](crate::StorageHealth).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory that should hold the database file could not be created.
    #[error("cannot create directory {path}")]
    CreateDir {
        /// The directory we tried to create.
        path: PathBuf,
        /// Why the file system refused.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open the database file (or set it up for use).
    #[error("cannot open database {path}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },
    /// The database refused write-ahead logging (for example on a network file system), so the
    /// durability and concurrency we promise cannot be kept.
    #[error("database {path} cannot use write-ahead logging (journal mode is {mode})")]
    NoWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite kept instead.
        mode: String,
    },
    /// The database was written by newer code: it records a schema version this code does not
    /// know, so touching it could lose data.
    #[error("database schema version {found} is newer than this program supports ({supported})")]
    TooNew {
        /// The highest migration recorded in the database.
        found: u32,
        /// The highest migration this code knows.
        supported: u32,
    },
    /// A migration step failed; its transaction was rolled back and the database is left at the
    /// previous version.
    #[error("migration {version} ({description}) failed")]
    Migration {
        /// The migration's version.
        version: u32,
        /// What the migration does.
        description: &'static str,
        /// SQLite's reason.
        #[source]
        source: rusqlite::Error,
    },
    /// A string is not a samod storage key (an empty component, or a leading, trailing or
    /// doubled "/").
    #[error("invalid storage key {key:?}")]
    InvalidKey {
        /// The offending string.
        key: String,
    },
    /// A query failed.
    #[error("sqlite query failed")]
    Sqlite(#[from] rusqlite::Error),
}
