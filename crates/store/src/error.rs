//! The crate's one error type.

use std::path::PathBuf;

use workflow::{DocumentId, OrgId, OrgKind, Role, UserId};

/// Everything that can go wrong opening or using a [`Store`](crate::Store).
///
/// [`DocumentStorage`](crate::DocumentStorage) never returns these: samod's storage trait cannot
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
    /// An account with this login already exists.
    #[error("login {login:?} is already taken")]
    DuplicateLogin {
        /// The login asked for.
        login: String,
    },
    /// The organisation would break the region → municipality → school tree (or its id is
    /// taken); nothing was written.
    #[error("invalid organisation")]
    InvalidOrganisation(#[source] workflow::DirectoryError),
    /// No organisation has this identifier.
    #[error("unknown organisation {id}")]
    UnknownOrganisation {
        /// The identifier asked for.
        id: OrgId,
    },
    /// No user has this identifier.
    #[error("unknown user {id}")]
    UnknownUser {
        /// The identifier asked for.
        id: UserId,
    },
    /// The role cannot be held at an organisation of this kind (a reviewer at a school), so
    /// the grant would give no rights; it was refused.
    #[error("role {} cannot be held at {org} ({kind:?})", role.as_str())]
    RoleDoesNotFit {
        /// The role asked for.
        role: Role,
        /// The organisation.
        org: OrgId,
        /// Its kind.
        kind: OrgKind,
    },
    /// The school cannot move to that municipality (see `workflow::MoveError`); nothing was
    /// written.
    #[error("cannot move the school")]
    CannotMove(#[source] workflow::MoveError),
    /// Hashing a password or reading a stored hash failed (a corrupt `password_hash` column,
    /// or no randomness for a salt).
    #[error("password hashing failed: {0}")]
    PasswordHash(argon2::password_hash::Error),
    /// A token lifetime so long that its expiry cannot be represented.
    #[error("token lifetime {ttl:?} is out of range")]
    TokenLifetime {
        /// The lifetime asked for.
        ttl: std::time::Duration,
    },
    /// A document id not in its canonical spelling was given to register; nothing was
    /// written.
    #[error("invalid document id")]
    BadDocumentId(#[source] crate::DocumentIdError),
    /// A document with this id is already registered.
    #[error("document {id} is already registered")]
    DuplicateDocument {
        /// The id asked for.
        id: DocumentId,
    },
    /// No document with this id is registered.
    #[error("unknown document {id}")]
    UnknownDocument {
        /// The id asked for.
        id: DocumentId,
    },
    /// A submit was asked without the pinned content the server validated (a caller's bug).
    #[error("submission of {id} has no pinned content")]
    MissingPin {
        /// The document.
        id: DocumentId,
    },
    /// A record could not be turned into JSON for storage.
    #[error("cannot serialise a record")]
    Json(#[source] serde_json::Error),
    /// Stored narrative (Yjs) data that does not merge.
    #[error("stored data is corrupt: {what}")]
    Corrupt {
        /// What could not be read.
        what: String,
    },
    /// A query failed.
    #[error("sqlite query failed")]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL server could not be reached, refused the connection, or no pooled
    /// connection became free in time.
    #[error("cannot connect to database {url}")]
    Connect {
        /// The database URL, its password hidden.
        url: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A PostgreSQL migration step failed; its transaction was rolled back and the database is
    /// left at the previous version.
    #[error("migration {version} ({description}) failed on postgresql")]
    PostgresMigration {
        /// The migration's version.
        version: u32,
        /// What the migration does.
        description: &'static str,
        /// PostgreSQL's reason.
        #[source]
        source: postgres::Error,
    },
    /// A PostgreSQL query failed.
    #[error("postgresql query failed")]
    Postgres(#[from] postgres::Error),
    /// The operation exists only on SQLite ([`Store::set_size_limit`](crate::Store::set_size_limit)
    /// caps a SQLite file), or new code forgot its PostgreSQL half (the store's tests run
    /// every operation on both engines to catch that); nothing was read or written.
    #[error("this store operation is not available on postgresql (called at {at})")]
    NotOnPostgres {
        /// Where in the store the operation was called from.
        at: &'static std::panic::Location<'static>,
    },
}
