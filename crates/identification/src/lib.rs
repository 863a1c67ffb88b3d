//! Identifying schools by each region's own method.
//!
//! A region (or a municipality with a method of its own) keeps its method as data,
//! `forms/regions/<region>/identification.json` (or `…/municipalities/<m>/identification.json`):
//! the table's columns (Russian headers), the categories a school may be assigned to, each
//! with its indicators quoted from the source, their checks (comparisons with the source's
//! strict or non-strict bounds, rankings over all the table's schools, decisions with their
//! basis) and how many must hold. [`table::read`] reads an uploaded CSV or XLSX,
//! [`input::parse`] checks it whole (every problem by row and column, nothing half-taken),
//! [`evaluate`] gives each school its categories and reasons in Russian, [`template`] writes
//! an empty table. No IO beyond [`Method::load`] reading a file; nothing server-side.

pub mod error;
pub mod evaluate;
pub mod input;
pub mod method;
pub mod number;
pub mod table;
pub mod template;

pub use error::{CellError, InputError, LoadError};
pub use evaluate::{SchoolResult, evaluate};
pub use method::{Method, Methods, Scope};

use std::collections::BTreeSet;

/// Reads `bytes` (CSV or XLSX), checks them against `method` and the `known` schools, and
/// evaluates: the whole pipeline of one upload.
///
/// # Errors
///
/// [`InputError`] when the table cannot be read or has any bad row; nothing is evaluated then.
pub fn identify(
    method: &Method,
    bytes: &[u8],
    known: Option<&BTreeSet<String>>,
) -> Result<Vec<SchoolResult>, InputError> {
    let table = table::read(bytes)?;
    let input = input::parse(&table, method, known)?;
    Ok(evaluate(method, &input))
}

/// The SHA-256 of an uploaded file, in lower-case hex (what a stored result says it was
/// computed from).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
