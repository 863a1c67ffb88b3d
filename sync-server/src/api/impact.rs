//! `POST /api/requirements/impact`: before a new edition of a region's requirement set takes
//! effect, which of the region's submissions of that form it would fail, by school and rule.
//!
//! Each document's latest submission is judged: its pinned content (read in the current form
//! version, as at submission) under the new set in place of the region's, with the owner
//! municipality's own set layered over it as at submission. Rules across documents are left
//! out (they read the school's other documents as they are at submission time, which a
//! re-judging cannot reproduce). Nothing is stored: verdicts already given stay as they were.
//! Long runs come in pages (`limit`, `after`), each saying how far it got, so that a client
//! shows progress.

use api_types::{ErrorBody, ImpactDocument, ImpactFinding, ImpactRequest, ImpactResponse};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use workflow::{FormKind, OrgId};

use crate::api::auth::Caller;
use crate::api::error::{ApiError, JsonBody};
use crate::api::registry::{coordinated, require_coordinator};
use crate::state::AppState;

/// Submissions judged per page when the request names no limit.
pub const DEFAULT_PAGE: u32 = 200;
/// The most submissions one page may judge.
pub const MAX_PAGE: u32 = 1000;

fn unprocessable(error: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, message)
}

/// `POST /api/requirements/impact` (regional coordinators, for their own region).
#[utoipa::path(post, path = "/api/requirements/impact", tag = "campaigns", security(("bearer" = [])),
    request_body = ImpactRequest,
    responses((status = 200, body = ImpactResponse), (status = 403, body = ErrorBody),
        (status = 422, description = "Неизвестный регион или форма, набор требований с ошибкой", body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<ImpactRequest>,
) -> Result<Json<ImpactResponse>, ApiError> {
    require_coordinator(
        &caller,
        "последствия новых требований проверяет региональный координатор",
    )?;
    let coordinates_region = caller.people.roles.iter().any(|m| {
        m.role == workflow::Role::RegionalCoordinator
            && m.org == OrgId::new(request.region.as_str())
    });
    if !coordinates_region {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "вы не координатор региона {:?}: проверять можно требования своего региона",
                request.region
            ),
        ));
    }
    let form = request
        .form
        .parse::<FormKind>()
        .map_err(|e| unprocessable("unknown-form", e.message_ru()))?;
    let limit = request.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    let catalogue = state.catalogue.clone();
    let origin = std::path::PathBuf::from(format!(
        "{}/{}.json (новая редакция)",
        request.region, request.form
    ));
    let (region, requirements) = (request.region.clone(), request.requirements.clone());
    let new_set = tokio::task::spawn_blocking(move || {
        catalogue.compile_set(&region, form.form_id(), requirements, &origin)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| {
        unprocessable(
            "bad-requirements",
            format!("набор требований не читается: {e}"),
        )
    })?;
    let (dir, records, submissions) = coordinated(&state, &caller).await?;
    let mut latest: Vec<_> = records
        .iter()
        .filter(|r| r.region == request.region && r.document.form == form)
        .filter_map(|record| {
            let round = record.state.latest()?.id.round;
            let stored = submissions
                .iter()
                .find(|s| s.document == record.document.id && s.round == round)?;
            Some((record, stored))
        })
        .collect();
    latest.sort_by(|a, b| a.0.document.id.as_str().cmp(b.0.document.id.as_str()));
    let total = latest.len();
    let start = request.after.as_deref().map_or(0, |after| {
        latest.partition_point(|(r, _)| r.document.id.as_str() <= after)
    });
    let page: Vec<_> = latest.iter().skip(start).take(limit).collect();
    let checked = start + page.len();
    let next = (checked < total)
        .then(|| page.last().map(|(r, _)| r.document.id.as_str().to_owned()))
        .flatten();
    let mut work = Vec::with_capacity(page.len());
    for (record, stored) in &page {
        let municipality = dir
            .municipality_of(&record.document.owner_school)
            .map(|m| (m.id.as_str().to_owned(), m.name.clone()));
        work.push(((*record).clone(), (*stored).clone(), municipality));
    }
    let catalogue = state.catalogue.clone();
    let names = dir.clone();
    let store = state.store.clone();
    let would_fail = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for (record, stored, municipality) in work {
            // The registry's list carries no contents (`all_submissions_lean`): each judged
            // one is read here, on the blocking thread.
            let Some(content) = store
                .submission_content(&record.document.id, stored.round)
                .ok()
                .flatten()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            else {
                continue;
            };
            let current = forms::migrate::to_current(form.form_id(), content);
            let layered = municipality
                .as_ref()
                .map(|(id, _)| id.as_str())
                .filter(|id| {
                    catalogue
                        .region(&record.region)
                        .is_ok_and(|region| region.municipality(id).is_some())
                });
            let Ok(verdict) = catalogue.validate_edition(
                form.form_id(),
                &record.region,
                layered,
                &forms::without_empty(&current),
                None,
                forms::Edition::Replaced(&new_set),
                None,
            ) else {
                continue;
            };
            if verdict.errors.is_empty() {
                continue;
            }
            out.push(ImpactDocument {
                document: record.document.id.as_str().to_owned(),
                round: stored.round,
                school: record.document.owner_school.as_str().to_owned(),
                school_name: names
                    .get(&record.document.owner_school)
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                municipality_name: municipality.map(|(_, name)| name).unwrap_or_default(),
                submitted_at: stored.submitted_at.clone(),
                judged_by: format!(
                    "{} {}",
                    stored.pinned.requirements_id, stored.pinned.requirements_version
                ),
                findings: verdict
                    .errors
                    .iter()
                    .map(|f| ImpactFinding {
                        rule: f.rule.clone(),
                        pointer: f.pointer.clone(),
                        message: f.message.clone(),
                    })
                    .collect(),
            });
        }
        (out, new_set)
    })
    .await
    .map_err(ApiError::internal)?;
    let (would_fail, new_set) = would_fail;
    tracing::info!(user = %caller.user, region = %request.region, form = form.form_id(),
        checked, total, failing = would_fail.len(), "impact of new requirements judged");
    Ok(Json(ImpactResponse {
        requirements_id: new_set.id.clone(),
        version: new_set.version.clone(),
        effective_from: new_set.effective_from.clone(),
        total,
        checked,
        next,
        would_fail,
    }))
}
