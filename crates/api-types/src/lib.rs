//! The wire format of the REST API (`/api`): every request and response body, written once
//! and shared by the server, which serialises them (and describes them in its OpenAPI
//! document through [`utoipa::ToSchema`]), and the client, which deserialises them.
//!
//! The types are plain data: ids, names, Russian labels and timestamps as strings, exactly as
//! they travel in JSON. Building them from the server's records is the server's business
//! (`sync_server::api::views`); calling the API is the client's (`client::api`). Changing a
//! field here changes the API for both at once; the end-to-end tests (`tests/tests/api.rs`)
//! check the JSON itself.
//!
//! This crate depends on nothing of ours: the validation report of a submission is a type
//! parameter of [`SubmitResponse`] (`forms::Report` on both sides).

mod campaigns;

pub use campaigns::*;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

// ---------------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------------

/// `POST /api/login` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The login.
    pub user: String,
    /// The password.
    pub password: String,
}

/// `POST /api/login` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// The bearer token: `Authorization: Bearer <token>`, or `?token=` on websockets.
    pub token: String,
    /// The user's id.
    pub user: String,
    /// Their name.
    pub display_name: String,
    /// Seconds the token is valid for.
    pub expires_in: u64,
}

/// `POST /api/password` body: the caller changes their own password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The password now (asked again: a token left on a shared computer must not be enough).
    pub current_password: String,
    /// The new one.
    pub new_password: String,
}

/// Answer of `POST /api/password` and `POST /api/logout/others`: the caller's other sessions
/// are closed, this one stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionsClosed {
    /// How many other tokens of the caller were revoked.
    pub revoked: usize,
}

/// One role of a user, with the organisation's name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleView {
    /// Organisation id.
    pub org: String,
    /// Organisation name.
    pub org_name: String,
    /// Role (`school-editor`, …).
    pub role: String,
    /// The role in Russian.
    pub role_ru: String,
}

/// `GET /api/whoami` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WhoAmI {
    /// The user's id (login).
    pub user: String,
    /// Their name.
    pub display_name: String,
    /// Their roles.
    pub roles: Vec<RoleView>,
    /// Schools they are assigned to as a curator.
    pub curated: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

/// An organisation, by id and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A document as listed: who owns it, where it stands, what the caller may do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentSummary {
    /// The automerge-repo document id.
    pub id: String,
    /// The form (`school-programme`, …).
    pub form: String,
    /// The form in Russian.
    pub form_ru: String,
    /// The region whose requirements apply.
    pub region: String,
    /// The owner school.
    pub owner_school: OrgView,
    /// Its municipality.
    pub municipality: Option<OrgView>,
    /// Every party, owner first.
    pub parties: Vec<OrgView>,
    /// `draft`, `submitted`, `returned`, `approved`, `collected`.
    pub status: String,
    /// The status in Russian.
    pub status_ru: String,
    /// The current round, from 1.
    pub round: u32,
    /// When registered.
    pub created_at: String,
    /// When the lifecycle last changed.
    pub updated_at: String,
    /// What the caller may do now (`read`, `write`, `submit`, `sign`, `review`, `collect`,
    /// `export`).
    pub permissions: Vec<String>,
}

/// A reviewer's comment on a field, as the server reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CommentView {
    /// The JSON pointer of the field (`/goals/0`), `""` for the whole document.
    pub pointer: String,
    /// The field's name in Russian, with its row, when the pointer names a known field.
    pub field: Option<String>,
    /// The comment.
    pub text: String,
    /// The passage of a narrative field the comment is on (absent for a comment on the whole
    /// field): character offsets into the narrative's plain text as submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<Passage>,
    /// The words of `passage` in the submitted version, quoted by the server when the comment
    /// was made: they stay what the reviewer meant however the text changes later. Present
    /// exactly when `passage` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// A passage of a narrative's plain text: the characters from `start` up to (not including)
/// `end`. Offsets count Unicode scalar values (Rust `char`s; in JavaScript, code points as
/// `Array.from(text)` yields them, not UTF-16 units) of the plain text the server validates
/// and shows: one line per block joined by `\n`, bullet items starting `• `, ordered items
/// `1. ` (`document::narrative::plain_text`; in the web app `narrative/plain.ts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Passage {
    /// The first character of the passage, from 0.
    pub start: u32,
    /// The character after the passage's last; greater than `start` and at most the text's
    /// length.
    pub end: u32,
}

/// A director's signature on a submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignatureView {
    /// The school signed for.
    pub party: OrgView,
    /// The director.
    pub signed_by: String,
    /// When.
    pub signed_at: String,
    /// The SHA-256 of the content signed.
    pub content_sha256: String,
}

/// One submission and what happened to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmissionView {
    /// Its round.
    pub round: u32,
    /// The exact version, as change hashes.
    pub heads: Vec<String>,
    /// Who submitted.
    pub submitted_by: String,
    /// When.
    pub submitted_at: String,
    /// Form and version judged against.
    pub form_version: String,
    /// Requirement set id.
    pub requirements_id: String,
    /// Requirement set version.
    pub requirements_version: String,
    /// SHA-256 of the canonical JSON of the submitted content.
    pub content_sha256: String,
    /// Directors' signatures on it.
    pub signatures: Vec<SignatureView>,
    /// `approved`, `returned`, or absent while under review.
    pub verdict: Option<String>,
    /// The reviewer.
    pub reviewed_by: Option<String>,
    /// When decided.
    pub decided_at: Option<String>,
    /// The comments of a return.
    pub comments: Vec<CommentView>,
    /// Who accepted it into the registry.
    pub collected_by: Option<String>,
    /// When.
    pub collected_at: Option<String>,
}

/// A document with its whole lifecycle (`GET /api/documents/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DocumentDetail {
    /// What the list shows.
    #[serde(flatten)]
    pub summary: DocumentSummary,
    /// The current version of the server's copy (its heads), empty if it has no content yet.
    pub heads: Vec<String>,
    /// Every submission, oldest first.
    pub submissions: Vec<SubmissionView>,
}

/// An organisation a document can name: a school or mentor school of the caller's region
/// (`GET /api/organisations`), to pick the mentor school of a new document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganisationView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `school` or `mentor-school`.
    pub kind: String,
    /// Its municipality.
    pub municipality: Option<OrgView>,
}

/// `POST /api/documents` body: registers a document the client created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// The automerge-repo id of the document the client created.
    pub id: String,
    /// Its form (`school-programme`, `partnership-agreement`, `stimulus-policy-change`).
    #[schema(pattern = "^(school-programme|partnership-agreement|stimulus-policy-change)$")]
    pub form: String,
    /// The owner school; may be left out by someone who edits for exactly one school.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_school: Option<String>,
    /// The mentor school, for the programme and the agreement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentor: Option<String>,
}

/// One changed field in a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    /// The JSON pointer.
    pub pointer: String,
    /// The field's name in Russian.
    pub field: String,
    /// `added`, `removed` or `changed`.
    pub kind: String,
    /// The value before.
    pub old: Option<Value>,
    /// The value after.
    pub new: Option<Value>,
}

/// The changes between two versions (`GET /api/documents/{id}/diff`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DiffView {
    /// The round of the older version, when it is the last one the caller reviewed.
    pub from_round: Option<u32>,
    /// The older version's heads (empty: the empty document).
    pub from: Vec<String>,
    /// The newer version's heads.
    pub to: Vec<String>,
    /// What changed, in document order.
    pub changes: Vec<ChangeView>,
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

/// `POST /api/documents/{id}/submissions` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// The exact version to submit: its heads (change hashes), as the client sees them.
    #[schema(schema_with = heads_schema)]
    pub heads: Vec<String>,
}

/// The schema of a version's heads: one or more change hashes, 64 lower-case hex digits each.
fn heads_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[0-9a-f]{64}$")),
        )
        .min_items(Some(1))
        .build()
}

/// A stored submission (`POST /api/documents/{id}/submissions` answer).
///
/// `R` is the validation report: `forms::Report` on the server and in the client, left as a
/// parameter so that the wire format does not depend on the validator; the default, a JSON
/// value, reads any report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(bound = "", description = "A stored submission.")]
pub struct SubmitResponse<R = Value> {
    /// The document after the submission.
    pub document: DocumentSummary,
    /// The round opened.
    pub round: u32,
    /// The version submitted.
    pub heads: Vec<String>,
    /// SHA-256 of the canonical JSON of the submitted content.
    pub content_sha256: String,
    /// The validation report (valid; warnings may remain).
    #[schema(value_type = Object)]
    pub report: R,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Approve the version under review.
    Approve,
    /// Return it to the school with comments.
    Return,
}

impl Verdict {
    /// The verdict's name in the API (`approve`, `return`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approve => "approve",
            Verdict::Return => "return",
        }
    }
}

/// A comment to attach to a return.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewComment {
    /// The field (JSON pointer, `/goals/0`), `""` for the whole document.
    pub pointer: String,
    /// What should change.
    pub text: String,
    /// A passage of the field's text the comment is on; only for a narrative field (`x-narrative`),
    /// offsets into its plain text in the version under review (see [`Passage`]). The server
    /// refuses (422) a passage on another field, an empty one or one past the text's end, and
    /// quotes the passage itself ([`CommentView::quote`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<Passage>,
}

/// `POST /api/documents/{id}/review` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReviewRequest {
    /// Approve or return.
    pub verdict: Verdict,
    /// For a return: what should change, each on a field.
    #[serde(default)]
    pub comments: Vec<NewComment>,
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/// Filters of the regional registry (`GET /api/registry` and its export); `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryFilter {
    /// Only this municipality (organisation id).
    pub municipality: Option<String>,
    /// Only this school (organisation id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    /// Only this form.
    #[param(pattern = "^(school-programme|partnership-agreement|stimulus-policy-change)$")]
    pub form: Option<String>,
    /// `approved` (not yet accepted) or `collected` (accepted into the registry).
    #[param(pattern = "^(approved|collected)$")]
    pub status: Option<String>,
    /// Decided on or after this date (YYYY-MM-DD).
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub from: Option<String>,
    /// Decided on or before this date (YYYY-MM-DD).
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub to: Option<String>,
}

/// One approved submission in the regional registry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegistryRow {
    /// The document.
    pub document: String,
    /// The round approved.
    pub round: u32,
    /// The school's id.
    pub school: String,
    /// The school's name.
    pub school_name: String,
    /// The municipality's id.
    pub municipality: String,
    /// The municipality's name.
    pub municipality_name: String,
    /// The form.
    pub form: String,
    /// The form in Russian.
    pub form_ru: String,
    /// `approved` or `collected`.
    pub status: String,
    /// The status in Russian.
    pub status_ru: String,
    /// Submitted at.
    pub submitted_at: String,
    /// Approved at.
    pub decided_at: String,
    /// Accepted into the registry at.
    pub collected_at: Option<String>,
    /// When what the document describes begins (programme period, agreement term, policy
    /// change effective date).
    pub starts: Option<String>,
    /// When it ends.
    pub ends: Option<String>,
    /// Money involved (grant or funding), roubles.
    pub amount: Option<f64>,
    /// The form's key indicators in a line of Russian.
    pub indicators: String,
    /// Requirement set and version judged against.
    pub requirements: String,
    /// SHA-256 of the approved content.
    pub content_sha256: String,
}

// ---------------------------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------------------------

/// How many documents of one municipality are in one status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DashboardCell {
    /// The municipality's id.
    pub municipality: String,
    /// The municipality's name.
    pub municipality_name: String,
    /// The status (`draft`, `submitted`, `returned`, `approved`, `collected`).
    pub status: String,
    /// The status in Russian.
    pub status_ru: String,
    /// How many documents.
    pub count: u32,
}

/// A finding reported in the latest submissions, with the documents it was reported in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FindingCount {
    /// The rule's id.
    pub rule: String,
    /// `error` or `warning`.
    pub severity: String,
    /// One of its messages, in Russian.
    pub example: String,
    /// In how many documents it was reported.
    pub count: u32,
    /// Those documents' ids.
    pub documents: Vec<String>,
}

/// `GET /api/dashboard`: where the documents of the coordinator's region stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DashboardView {
    /// Documents by municipality and status (only non-empty cells).
    pub cells: Vec<DashboardCell>,
    /// The findings of the documents' latest submissions, most frequent first.
    pub findings: Vec<FindingCount>,
}

// ---------------------------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------------------------

/// An account as the administrator sees it (`GET /api/admin/users`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AdminUser {
    /// The login.
    pub user: String,
    /// The name people read.
    pub display_name: String,
    /// Every role held, with its organisation.
    pub roles: Vec<RoleView>,
    /// Whether the account may log in (deactivated accounts keep their roles).
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The schools the user is assigned to as a curator.
    #[serde(default)]
    pub curated: Vec<OrgView>,
}

fn active_by_default() -> bool {
    true
}

/// `POST /api/admin/users/{user}/password` body: the password an administrator sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasswordReset {
    /// The new password (judged as a user's own would be).
    pub new_password: String,
}

/// One row of the audit log (`GET /api/admin/audit`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditRowView {
    /// Its place in the chain.
    pub seq: i64,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// To what.
    pub subject: String,
    /// Details as JSON text.
    pub details: String,
    /// The row's hash, chained to the one before.
    pub hash: String,
}

/// Filters of the audit log; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only subjects containing this text.
    pub subject: Option<String>,
    /// Only rows from this day on (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// Only rows up to this day, inclusive (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
    /// At most this many rows, newest first (default 200, at most 1000).
    pub limit: Option<usize>,
}

/// `GET /api/admin/audit/verify`: whether the hash chain holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditCheck {
    /// Whether every row's hash is right and chained.
    pub holds: bool,
    /// How many rows were checked (when it holds).
    pub rows: usize,
    /// The first broken row.
    pub broken_at: Option<i64>,
    /// What is wrong there, in English.
    pub problem: Option<String>,
}

mod administration;
pub use administration::{
    AdminOrganisation, CuratedDocument, CuratedSchool, CuratorSchool, NewOrganisation, NewUser,
    OrganisationRename, RoleGrant, SchoolMove, UserActive,
};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The body of every error response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code (`invalid-document`, `forbidden`, …).
    pub error: String,
    /// What went wrong, in Russian, for the person.
    pub message: String,
    /// Structured detail: a validation report, allowed statuses, the field at fault.
    #[serde(default)]
    #[schema(required = true)]
    pub details: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_detail_is_its_summary_flattened() {
        let detail = DocumentDetail {
            summary: DocumentSummary {
                id: "abc".into(),
                round: 1,
                ..Default::default()
            },
            heads: vec!["h".into()],
            submissions: Vec::new(),
        };
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["id"], "abc");
        assert_eq!(json["heads"], json!(["h"]));
        assert!(json.get("summary").is_none());
        assert_eq!(
            serde_json::from_value::<DocumentDetail>(json).unwrap(),
            detail
        );
    }

    #[test]
    fn requests_read_as_the_server_expects() {
        let review: ReviewRequest = serde_json::from_value(json!({"verdict": "approve"})).unwrap();
        assert_eq!(review.verdict, Verdict::Approve);
        assert!(review.comments.is_empty());
        assert!(serde_json::from_value::<ReviewRequest>(json!({"verdict": "maybe"})).is_err());
        let register = RegisterRequest {
            id: "x".into(),
            form: "school-programme".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&register).unwrap(),
            json!({"id": "x", "form": "school-programme"})
        );
        let error: ErrorBody =
            serde_json::from_value(json!({"error": "e", "message": "m"})).unwrap();
        assert_eq!(error.details, Value::Null);
    }
}

// ---------------------------------------------------------------------------------------------
// Identification of schools
// ---------------------------------------------------------------------------------------------

/// Query of `POST /api/identification` (the body is the CSV or XLSX table) and of
/// `GET /api/identification` (only `region` is read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdentificationQuery {
    /// The region (`mordovia`).
    pub region: String,
    /// The municipality whose own method applies (`kadoshkino`); absent for a region's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    /// The year identified (`2025`); required when uploading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
}

/// A category a school is assigned to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategoryView {
    /// The method's code (`low_results`).
    pub id: String,
    /// In Russian.
    pub title: String,
}

/// One school's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentifiedSchoolView {
    /// The school's organisation id.
    pub school: String,
    /// Its name as the table gave it.
    pub name: String,
    /// Its categories (empty: none).
    pub categories: Vec<CategoryView>,
    /// The programme form's «Категория школы» code they stand for (`low_results`,
    /// `adverse_conditions`, `both`), which rules asking for the category read once confirmed.
    pub status: Option<String>,
    /// Why, in Russian: per category a summary, then each indicator found
    /// («4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5»).
    pub reasons: Vec<String>,
}

/// A stored identification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentificationView {
    /// Its number.
    pub id: i64,
    /// The region.
    pub region: String,
    /// The municipality, when the method is a municipality's.
    pub municipality: Option<String>,
    /// The year.
    pub year: i32,
    /// The method applied: `<place>/identification` and its version.
    pub method_id: String,
    /// The method's version.
    pub method_version: String,
    /// SHA-256 of the uploaded file.
    pub input_sha256: String,
    /// Who computed it.
    pub computed_by: String,
    /// When (UTC).
    pub computed_at: String,
    /// `preliminary` until the regional coordinator confirms it, then `confirmed`.
    pub state: String,
    /// «предварительно» / «подтверждено».
    pub state_ru: String,
    /// Who confirmed it.
    pub confirmed_by: Option<String>,
    /// When.
    pub confirmed_at: Option<String>,
    /// The schools (for a school's own view, only that school).
    pub schools: Vec<IdentifiedSchoolView>,
}

/// `GET /api/schools/{school}/identification`: the identification in effect for a school.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SchoolIdentification {
    /// The school.
    pub school: String,
    /// The confirmed identification that names it (latest year), with only its row; `None`
    /// when none does: rules then read the category the school's document declares.
    pub in_effect: Option<IdentificationView>,
}
