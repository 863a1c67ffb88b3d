//! `GET /api/documents/{id}/report`: the findings of a document's latest submission, judged now
//! as a submission is (the region's set in force on the submission's date, the municipality's own, the school's other documents),
//! so that a reviewer reads the same findings at the fields as the school did.

use api_types::ErrorBody;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::lifecycle::{SubmissionContext, judge};
use crate::api::{blocking, visible};
use crate::state::AppState;

/// `GET /api/documents/{id}/report`.
#[utoipa::path(get, path = "/api/documents/{id}/report", tag = "lifecycle", security(("bearer" = [])),
    params(("id" = String, Path, description = "Документ")),
    responses(
        (status = 200, description = "Отчёт проверки последней поданной версии (forms::Report)", body = Object),
        (status = 404, description = "Нет такого документа или он ещё не подавался", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<forms::Report>, ApiError> {
    let (dir, record) = visible(&state, &caller, &id).await?;
    let round = record.state.latest().map(|s| s.id.round);
    let store = state.store.clone();
    let doc = record.document.id.clone();
    let stored = blocking(move || store.submissions(&doc)).await?;
    let never = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-submitted",
            "документ ещё не подавался: проверять нечего",
        )
    };
    let submission = stored
        .into_iter()
        .find(|s| Some(s.round) == round)
        .ok_or_else(never)?;
    let content: serde_json::Value =
        serde_json::from_str(&submission.pinned.content).map_err(ApiError::internal)?;
    let context = SubmissionContext::of(&state, &dir, &record).await?;
    // Judged by the edition in force when it was submitted, as it was then.
    let day = submission
        .submitted_at
        .get(..10)
        .unwrap_or_default()
        .to_owned();
    let (report, _) = judge(&state.catalogue, &record, &context, &content, &day)?;
    Ok(Json(report))
}
