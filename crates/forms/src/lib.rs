//! Form catalogue and validation.
//!
//! This crate owns the meaning of `forms/`: the base JSON Schemas of the three forms, the
//! cross-field rules every region applies, and each region's versioned requirement set. It
//! compiles them once ([`Catalogue::load`]) and judges documents against them
//! ([`Catalogue::validate`]), returning a [`Report`] whose messages are Russian and name fields
//! by their titles, with the row for tables.
//!
//! It is pure: no IO beyond reading `forms/` at load time, no network, no async. It must not
//! depend on any other crate of the workspace; everything else depends on it.

pub mod baseline;
mod catalogue;
mod depth;
mod edit_check;
mod error;
mod fast_logic;
mod messages;
pub mod migrate;
mod outline;
mod pointer;
mod report;
mod rules;
mod schema_docs;
mod sequence;
pub mod timing;
mod timing_logic;
mod unique;
mod validate;

pub use catalogue::{
    Catalogue, Editions, Form, ID_PREFIX, Municipality, Region, RequirementSet, Waiver, in_force,
};
pub use depth::MAX_DEPTH;
pub use edit_check::EditError;
pub use error::{LoadError, LookupError};
pub use outline::{FieldKind, FieldLine, without_empty};
pub use report::{Finding, Report, Severity};
pub use rules::Rule;
pub use validate::Edition;

/// The name under which a rule's JSON Logic reads the school's confirmed identification
/// (`{"var": "identification.status"}`: `low_results`, `adverse_conditions`, `both` or `null`),
/// beside `doc`. Absent (`null`) where nobody passed one: local validation, the browser, a
/// school without a confirmed identification. See [`Catalogue::validate_identified`].
pub const IDENTIFICATION_ROOT: &str = "identification";
