//! Form documents over Automerge: creating them, editing them by JSON pointer, reading them as
//! JSON now or at any earlier version, their history and the differences between versions.
//!
//! A document is an [`automerge::Automerge`] whose root holds the form id, its schema version,
//! the region and the form's `data` (see [`create`] for the layout). Everything here is a free
//! function over `&Automerge` / `&mut Automerge`, because the sync layer (samod) lends
//! documents out only inside a closure. The schema decides how each value is stored, so that
//! concurrent offline edits merge as people expect: texts merge character by character, rows of
//! a table keep their identity, different fields never clash.
//!
//! The crate is pure model code: no IO, no async, no knowledge of storage or networks. It
//! depends on `forms` (the schemas) and `automerge` only (and `flate2`, which automerge uses
//! too, to inflate received changes no further than a limit); `store`, `client`, the CLI and
//! the sync server depend on it.
//!
//! Layout: `layout` (root keys, [`create`], [`meta`]), `edit` ([`Edit`], [`apply`]), `import`
//! ([`import`]), `read` ([`to_json`], [`get`]), `fingerprint` ([`content_sha256`] of canonical JSON), `write` (minimal writes shared by edits and
//! imports), `schema` (what the schema says about a place), `history` (change messages,
//! [`history`], heads as text), `diff` ([`diff`]), [`incoming`] (judging a received sync message
//! before it is applied, with `incoming/format.rs` reading Automerge's binary format),
//! `pointer`, `error`. Every walk over a document is bounded by [`MAX_DEPTH`].

mod diff;
mod edit;
mod error;
mod fingerprint;
mod history;
mod import;
pub mod incoming;
mod layout;
pub mod narrative;
mod pointer;
mod read;
mod schema;
mod write;

pub use diff::{ChangeKind, FieldChange, diff};
pub use edit::{Edit, apply};
pub use error::{DocError, PointerProblem};
pub use fingerprint::{canonical_json, content_sha256, text_sha256};
pub use history::{Author, HistoryEntry, format_heads, history, parse_heads};
pub use import::{ImportSummary, import};
pub use layout::{MAX_DEPTH, Meta, create, create_in, meta};
pub use read::{get, to_json, to_json_at};
