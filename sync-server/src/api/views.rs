//! What the API returns about documents, built from the server's records: the wire types of
//! `api_types` with organisation names and Russian labels resolved, and the caller's permitted
//! actions.

use api_types::{
    CommentView, DocumentDetail, DocumentSummary, OrgView, SignatureView, SubmissionView,
};
use store::{DocumentRecord, SignatureRecord, SubmissionRecord};
use workflow::{Directory, OrgId, Verdict};

use crate::access::permitted;
use crate::api::auth::Caller;

/// The view of organisation `id`, named from `directory` (the id again if unknown).
pub fn org(directory: &Directory, id: &OrgId) -> OrgView {
    OrgView {
        id: id.as_str().to_owned(),
        name: directory
            .get(id)
            .map_or_else(|| id.as_str().to_owned(), |org| org.name.clone()),
    }
}

/// The summary of `record` for `caller`.
pub fn summary(directory: &Directory, caller: &Caller, record: &DocumentRecord) -> DocumentSummary {
    let doc = &record.document;
    DocumentSummary {
        id: doc.id.as_str().to_owned(),
        form: doc.form.form_id().to_owned(),
        form_ru: doc.form.label_ru().to_owned(),
        region: record.region.clone(),
        owner_school: org(directory, &doc.owner_school),
        municipality: directory
            .municipality_of(&doc.owner_school)
            .map(|m| org(directory, &m.id)),
        parties: doc
            .all_parties()
            .iter()
            .map(|p| org(directory, p))
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

/// The detail of `record` for `caller`, with its stored submissions and signatures;
/// `field_name` names a pointer's field for comments.
pub fn detail(
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
                            passage: c.passage.as_ref().map(|p| api_types::Passage {
                                start: p.start.try_into().unwrap_or(u32::MAX),
                                end: p.end.try_into().unwrap_or(u32::MAX),
                            }),
                            quote: c.passage.as_ref().map(|p| p.quote.clone()),
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
                        party: org(directory, &s.party),
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
        summary: summary(directory, caller, record),
        heads,
        submissions,
    }
}
