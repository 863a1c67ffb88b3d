//! The offline replica: the library behind the `ravenstvo` CLI (and any future desktop app).
//!
//! A [`Replica`] is one person's copy of the documents they work on: a SQLite file (`store`)
//! under a data directory, a samod repo over it, and the form catalogue for type-checking edits
//! and validating. Everything works with no network; [`Replica::sync`] exchanges documents with
//! a sync server when there is one.
//!
//! With an account, [`Replica::login`] keeps the server, the token and the user in the
//! replica; [`Replica::sync`] then registers new documents on the server and dials `/sync` as
//! that user and `/yjs/{doc}` for each document's narratives (kept beside the Automerge
//! document, see `narratives`), and [`Replica::call`] runs any [`api`] call (lifecycle, registry) with the token.
//!
//! This crate owns no policy about paths, flags or output: callers pass the data directory, the
//! author and a progress callback.

mod account;
pub mod api;
mod error;
mod narratives;
mod replica;
mod sync;

pub use account::{Logout, Registration, Session};
pub use api::{ApiClient, ApiError};
pub use error::ClientError;
pub use narratives::NarrativeSync;
pub use replica::{DATABASE_FILE, DocSummary, Replica, document_id};
pub use sync::{DocSync, SyncProgress, SyncReport};
