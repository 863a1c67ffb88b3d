//! The validation report: what a person (or the server) learns about a document.

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document cannot be submitted until this is fixed.
    Error,
    /// Recommended but not required; the document stays valid.
    Warning,
}

/// One finding about one place in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// JSON pointer of the field concerned (`""` is the whole document).
    pub pointer: String,
    /// Id of the rule that was broken: `schema.<keyword>` for the base schema, the rule's own
    /// id otherwise.
    pub rule: String,
    /// The Russian message, naming the field by its titles (with the row for arrays).
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
    /// The other rows where the same rule failed the same way: one cause is reported once
    /// (the message names every row), and each of these pointers is marked like `pointer`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

/// The verdict on one document against one form and one region's requirements.
///
/// A report is data, not an `Err`: an invalid draft is a normal thing to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// `true` when there are no errors (warnings do not count).
    pub valid: bool,
    /// Form id, e.g. `school-programme`.
    pub form: String,
    /// Version of the form's base schema.
    pub form_version: String,
    /// Region id, e.g. `leningrad`.
    pub region: String,
    /// The municipality whose own requirement set was applied over the region's, e.g.
    /// `kadoshkino` (absent when only the region's applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    /// Id of the requirement set applied, e.g. `leningrad/school-programme`; with a
    /// municipality's set, both joined: `mordovia/school-programme + mordovia/kadoshkino/school-programme`.
    pub requirements_id: String,
    /// Version of the requirement set, e.g. `2025.2`; with a municipality's set, both joined
    /// the same way: `2025.4 + 2025.1`.
    pub requirements_version: String,
    /// Findings that block submission.
    pub errors: Vec<Finding>,
    /// Recommendations that do not block submission.
    pub warnings: Vec<Finding>,
}

impl Report {
    /// Every finding, errors first.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.errors.iter().chain(&self.warnings)
    }
}
