//! People, permissions and the life of a document.
//!
//! This crate owns the rules of who may do what with a school-support document and how a
//! document moves from draft to the regional registry:
//!
//! - the organisations (region → municipality → school, some schools being mentor schools) and
//!   the [`Directory`] that places a school in its municipality and region;
//! - users' [`Membership`]s with a [`Role`] at an organisation, and curators'
//!   [`CuratorAssignment`]s to schools;
//! - the permission table [`PERMISSIONS`] and [`allowed`], which answers whether a user may
//!   [`Action`] a [`DocumentRef`] and, if not, why ([`Reason`], with a Russian message);
//! - what a password must be ([`password_problem`]);
//! - the lifecycle state machine: a document's [`State`] (its [`Status`], its round and its
//!   [`Submission`]s with their signatures and reviews) and [`apply`], which performs a
//!   [`Transition`] or says in Russian and English why it is illegal ([`TransitionError`]).
//!
//! Signatures, approvals and collection are data about a submission (an exact, immutable
//! version named by its heads), never fields inside the document: nothing a client writes into
//! a document can change them.
//!
//! It is pure: no IO, no clock, no async, no database, no HTTP, no environment. The server and
//! the CLI load organisations, memberships and states from their stores, ask this crate, and
//! persist the answer. It must not depend on any other crate of the workspace.

mod access;
mod document;
mod lifecycle;
mod names;
mod org;
mod password;
mod people;
mod relocate;

pub use access::{
    Action, Decision, PERMISSIONS, Permission, Reason, Standing, allowed, signing_party, standings,
};
pub use document::{DocumentId, DocumentRef, FormKind};
pub use lifecycle::{
    Comment, Context, Heads, InvalidState, Passage, PassageError, Review, Signature, State, Status,
    Submission, SubmissionId, Transition, TransitionError, Verdict, apply,
};
pub use names::ParseError;
pub use org::{Directory, DirectoryError, OrgId, OrgKind, Organisation};
pub use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, password_problem};
pub use people::{CuratorAssignment, Membership, Memberships, Role, UserId};
pub use relocate::MoveError;
