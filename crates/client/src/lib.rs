//! The offline replica: the library behind the `ravenstvo` CLI (and any future desktop app).
//!
//! A [`Replica`] is one person's copy of the documents they work on: a SQLite file (`store`)
//! under a data directory, a samod repo over it, and the form catalogue for type-checking edits
//! and validating. Everything works with no network; [`Replica::sync`] exchanges documents with
//! a sync server when there is one.
//!
//! This crate owns no policy about paths, flags or output: callers pass the data directory, the
//! author and a progress callback.

mod error;
mod replica;
mod sync;

pub use error::ClientError;
pub use replica::{DATABASE_FILE, DocSummary, Replica};
pub use sync::{DocSync, SyncProgress, SyncReport};
