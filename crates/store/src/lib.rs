//! Storage for a Ravenstvo replica: one database per process (a client's replica or the sync
//! server), holding samod's Automerge documents and, as later migrations add them, replica
//! settings and the server's records. The database is an embedded SQLite file by default, or a
//! PostgreSQL database that several server processes share ([`Database`]); [`Store`] hides
//! which (`store.rs` holds the engine; `database.rs` names it from one string; `postgres/`
//! holds the PostgreSQL half of every operation, each answering what its SQLite half answers;
//! `calendar.rs` counts days where PostgreSQL's SQL cannot do it as SQLite's does).
//!
//! Layout: [`Store`] (`store.rs`) opens the file (WAL, `synchronous=NORMAL`, foreign keys),
//! applies the versioned schema steps of `migrations.rs`, and offers blocking operations;
//! [`SqliteStorage`] (`storage.rs`) implements samod's `Storage` trait on top of it, on tokio's
//! blocking pool, retrying failures and reporting them through [`StorageHealth`] (`health.rs`);
//! `key.rs` maps samod storage keys to text keys; `ids.rs` accepts a document id only in its
//! canonical (base58check) spelling ([`document_id`]), for every id that comes from outside;
//! `accounts.rs` adds organisations, users (argon2id password hashes), memberships and bearer
//! tokens (stored as SHA-256) to [`Store`];
//! `administration.rs` edits them afterwards (rename, move a school, withdraw a role,
//! deactivate a user, end a curator's assignment);
//! `passwords.rs` makes and checks those hashes in at most [`PASSWORD_CHECKS_AT_ONCE`] argon2
//! working areas per process, reused rather than allocated per check; `records.rs` the document registry (ids spelled
//! canonically; records registered under another spelling are quarantined by migration 4),
//! lifecycle states, pinned submissions and signatures;
//! `campaigns.rs` campaigns (obligations by category, schools, deadlines) and reminders;
//! `audit.rs` the hash-chained audit log that every act is appended to in its own transaction;
//! `yjs.rs` narratives' Yjs updates, appended and compacted into one state per document;
//! `identifications.rs` schools' identification results, preliminary until confirmed;
//! `failures.rs` failures counted per key within a window (the server's failed password
//! checks), shared by every process on the database.
//!
//! This crate knows SQLite, PostgreSQL, samod's storage trait and tokio, and stores the pure types of
//! `workflow`; it must not depend on our other crates, on HTTP, or on how its callers choose
//! paths (they pass them in).

mod accounts;
mod administration;
mod audit;
mod calendar;
mod campaigns;
mod copy;
mod database;
mod error;
mod failures;
mod health;
mod identifications;
mod ids;
mod key;
mod migrations;
mod notices;
mod passwords;
mod postgres;
mod records;
mod storage;
mod store;
mod yjs;

pub use audit::{AuditBreak, AuditEntry, AuditRow};
pub use campaigns::{
    Campaign, CampaignFields, CampaignSchool, DueReminder, NewCampaign, Reminder, ReminderKind,
    SchoolSource,
};
pub use copy::{CopyError, CopyProgress, CopyReport};
pub use database::Database;
pub use error::StoreError;
pub use failures::{FailureKey, HeldFailure};
pub use health::{HealthSnapshot, StorageFailure, StorageHealth, StorageOp};
pub use identifications::{Confirmed, Identification, IdentifiedSchool, NewIdentification};
pub use ids::{DocumentIdError, document_id, repo_document_id};
pub use key::{key_from_str, key_to_string};
pub use notices::Notice;
pub use passwords::PASSWORD_CHECKS_AT_ONCE;
pub use records::{DocumentRecord, Pinned, SignatureRecord, SubmissionRecord};
pub use storage::{DocumentStorage, SqliteStorage};
pub use store::{Store, StoreStats};
pub use yjs::COMPACT_AFTER_UPDATES;

/// The schema version this code brings a database to (the last migration's), the same on
/// SQLite and PostgreSQL.
pub fn schema_version() -> u32 {
    migrations::supported_version()
}
