//! What the API returns about documents: plain JSON views of the server's records, with
//! organisation names and Russian labels resolved, and the caller's permitted actions.

use serde::Serialize;
use store::{DocumentRecord, SignatureRecord, SubmissionRecord};
use utoipa::ToSchema;
use workflow::{Directory, OrgId, Verdict};

use crate::access::permitted;
use crate::api::auth::Caller;

/// An organisation, by id and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl OrgView {
    /// The view of `id`, named from `directory` (the id again if unknown).
    pub fn of(directory: &Directory, id: &OrgId) -> OrgView {
        OrgView {
            id: id.as_str().to_owned(),
            name: directory
                .get(id)
                .map_or_else(|| id.as_str().to_owned(), |org| org.name.clone()),
        }
    }
}

/// A document as listed: who owns it, where it stands, what the caller may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
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

impl DocumentSummary {
    /// The summary of `record` for `caller`.
    pub fn of(directory: &Directory, caller: &Caller, record: &DocumentRecord) -> DocumentSummary {
        let doc = &record.document;
        DocumentSummary {
            id: doc.id.as_str().to_owned(),
            form: doc.form.form_id().to_owned(),
            form_ru: doc.form.label_ru().to_owned(),
            region: record.region.clone(),
            owner_school: OrgView::of(directory, &doc.owner_school),
            municipality: directory
                .municipality_of(&doc.owner_school)
                .map(|m| OrgView::of(directory, &m.id)),
            parties: doc
                .all_parties()
                .iter()
                .map(|p| OrgView::of(directory, p))
                .collect(),
            status: doc.status.as_str().to_owned(),
            status_ru: doc.status.label_ru().to_owned(),
            round: record.state.round(),
            created_at: record.created_at.clone(),
            updated_at: record.updated_at.clone(),
            permissions: permitted(directory, &caller.people, &caller.user, record)
                .into_iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
        }
    }
}

/// A reviewer's comment on a field.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct CommentView {
    /// The JSON pointer of the field (`/goals/0`), `""` for the whole document.
    pub pointer: String,
    /// The field's name in Russian, with its row, when the pointer names a known field.
    #[serde(default, skip_deserializing)]
    pub field: Option<String>,
    /// The comment.
    pub text: String,
}

/// A director's signature.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, ToSchema)]
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

/// A document with its whole lifecycle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentDetail {
    /// What the list shows.
    #[serde(flatten)]
    pub summary: DocumentSummary,
    /// The current version of the server's copy (its heads), empty if it has no content yet.
    pub heads: Vec<String>,
    /// Every submission, oldest first.
    pub submissions: Vec<SubmissionView>,
}

impl DocumentDetail {
    /// The detail of `record` for `caller`, with its stored submissions and signatures;
    /// `field_name` names a pointer's field for comments.
    pub fn of(
        directory: &Directory,
        caller: &Caller,
        record: &DocumentRecord,
        heads: Vec<String>,
        stored: &[SubmissionRecord],
        signatures: &[SignatureRecord],
        field_name: &dyn Fn(&str) -> Option<String>,
    ) -> DocumentDetail {
        let submissions = record
            .state
            .submissions()
            .iter()
            .map(|submission| {
                let round = submission.id.round;
                let pinned = stored.iter().find(|s| s.round == round);
                let (verdict, comments) = match submission.review.as_ref().map(|r| &r.verdict) {
                    Some(Verdict::Approved) => (Some("approved"), Vec::new()),
                    Some(Verdict::Returned { comments }) => (
                        Some("returned"),
                        comments
                            .iter()
                            .map(|c| CommentView {
                                pointer: c.pointer.clone(),
                                field: field_name(&c.pointer),
                                text: c.text.clone(),
                            })
                            .collect(),
                    ),
                    None => (None, Vec::new()),
                };
                SubmissionView {
                    round,
                    heads: submission.heads.hashes().to_vec(),
                    submitted_by: submission.by.as_str().to_owned(),
                    submitted_at: pinned.map(|p| p.submitted_at.clone()).unwrap_or_default(),
                    form_version: pinned
                        .map(|p| p.pinned.form_version.clone())
                        .unwrap_or_default(),
                    requirements_id: pinned
                        .map(|p| p.pinned.requirements_id.clone())
                        .unwrap_or_default(),
                    requirements_version: pinned
                        .map(|p| p.pinned.requirements_version.clone())
                        .unwrap_or_default(),
                    content_sha256: pinned
                        .map(|p| p.pinned.content_sha256.clone())
                        .unwrap_or_default(),
                    signatures: signatures
                        .iter()
                        .filter(|s| s.round == round)
                        .map(|s| SignatureView {
                            party: OrgView::of(directory, &s.party),
                            signed_by: s.signed_by.as_str().to_owned(),
                            signed_at: s.signed_at.clone(),
                            content_sha256: s.content_sha256.clone(),
                        })
                        .collect(),
                    verdict: verdict.map(str::to_owned),
                    reviewed_by: submission.review.as_ref().map(|r| r.by.as_str().to_owned()),
                    decided_at: pinned.and_then(|p| p.decided_at.clone()),
                    comments,
                    collected_by: submission
                        .collected_by
                        .as_ref()
                        .map(|u| u.as_str().to_owned()),
                    collected_at: pinned.and_then(|p| p.collected_at.clone()),
                }
            })
            .collect();
        DocumentDetail {
            summary: DocumentSummary::of(directory, caller, record),
            heads,
            submissions,
        }
    }
}
