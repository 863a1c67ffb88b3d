//! `GET /api/curator/schools`: the curator's page — the schools assigned to the caller, each
//! with its documents and what the latest submission of each was found to lack (judged now as
//! a submission is, as `GET /api/documents/{id}/report` does). Read-only: a curator reads and
//! comments, never decides.

use api_types::{CuratedDocument, CuratedSchool, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use workflow::{Action, Role};

use crate::access::directory;
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::lifecycle::{SubmissionContext, judge};
use crate::api::{authorize, blocking, views};
use crate::state::AppState;

/// `GET /api/curator/schools`.
#[utoipa::path(get, path = "/api/curator/schools", tag = "documents", security(("bearer" = [])),
    responses(
        (status = 200, description = "Закреплённые за куратором школы, их документы и замечания проверки",
            body = Vec<CuratedSchool>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Не куратор", body = ErrorBody),
    ))]
pub async fn schools(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CuratedSchool>>, ApiError> {
    let curator = caller.people.roles.iter().any(|m| m.role == Role::Curator);
    if !curator {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "эта страница — для кураторов, закреплённых за школами",
        ));
    }
    let assigned: Vec<_> = caller
        .people
        .curated
        .iter()
        .map(|a| a.school.clone())
        .collect();
    let store = state.store.clone();
    let (dir, per_school) = blocking(move || {
        let dir = directory(&store)?;
        let per_school = assigned
            .into_iter()
            .map(|school| Ok((school.clone(), store.documents_of(&school)?)))
            .collect::<Result<Vec<_>, store::StoreError>>()?;
        Ok((dir, per_school))
    })
    .await?;
    let mut out = Vec::new();
    for (school, records) in per_school {
        let mut documents = Vec::new();
        for record in records {
            if authorize(&dir, &caller, &record, Action::Read).is_err() {
                continue;
            }
            documents.push(judged(&state, &dir, &caller, &record).await?);
        }
        documents.sort_by(|a, b| b.document.updated_at.cmp(&a.document.updated_at));
        out.push(CuratedSchool {
            school: views::org(&dir, &school),
            municipality: dir
                .municipality_of(&school)
                .map(|m| views::org(&dir, &m.id)),
            documents,
        });
    }
    out.sort_by(|a, b| a.school.name.cmp(&b.school.name));
    Ok(Json(out))
}

/// One document with its latest submission's findings.
async fn judged(
    state: &AppState,
    dir: &workflow::Directory,
    caller: &Caller,
    record: &store::DocumentRecord,
) -> Result<CuratedDocument, ApiError> {
    let mut out = CuratedDocument {
        document: views::summary(dir, caller, record),
        ..CuratedDocument::default()
    };
    let Some(round) = record.state.latest().map(|s| s.id.round) else {
        return Ok(out);
    };
    let store = state.store.clone();
    let id = record.document.id.clone();
    let stored = blocking(move || store.submissions(&id)).await?;
    let Some(submission) = stored.into_iter().find(|s| s.round == round) else {
        return Ok(out);
    };
    let content: serde_json::Value =
        serde_json::from_str(&submission.pinned.content).map_err(ApiError::internal)?;
    let context = SubmissionContext::of(state, dir, record).await?;
    let day = submission
        .submitted_at
        .get(..10)
        .unwrap_or_default()
        .to_owned();
    let (report, _) = judge(&state.catalogue, record, &context, &content, &day)?;
    out.judged_round = Some(round);
    out.errors = report.errors.len();
    out.warnings = report.warnings.len();
    out.findings = report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|f| f.message.clone())
        .collect();
    Ok(out)
}
