//! `GET /api/dashboard`: where every document of the coordinator's region stands — counts by
//! municipality and status, and the findings reported most often in the documents' latest
//! submissions (their pinned content judged against the region's requirement set in force on
//! their submission date and
//! the municipality's own, if it has one; rules across a school's documents are left to
//! submission, which reads the school's other documents).

use std::collections::{BTreeMap, HashMap};

use crate::api::auth::Caller;
use crate::api::blocking;
use crate::api::error::ApiError;
use crate::api::registry::{by_round, coordinated, require_coordinator};
use crate::state::AppState;
use api_types::{DashboardCell, DashboardView, ErrorBody, FindingCount};
use axum::Json;
use axum::extract::State;

/// How many of the most frequent findings the dashboard lists.
pub const TOP_FINDINGS: usize = 10;

/// `GET /api/dashboard`.
#[utoipa::path(get, path = "/api/dashboard", tag = "registry", security(("bearer" = [])),
    responses(
        (status = 200, description = "Документы региона по муниципалитетам и состояниям; частые замечания проверки",
            body = DashboardView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Не региональный координатор", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DashboardView>, ApiError> {
    require_coordinator(&caller, "сводку по региону видит региональный координатор")?;
    let (dir, records, submissions) = coordinated(&state, &caller).await?;
    let mut cells: BTreeMap<(String, &'static str), DashboardCell> = BTreeMap::new();
    let mut findings: BTreeMap<String, FindingCount> = BTreeMap::new();
    let stored = by_round(&submissions);
    let mut judged = HashMap::new();
    for record in &records {
        let (id, name) = dir.municipality_of(&record.document.owner_school).map_or(
            (String::new(), "без муниципалитета".to_owned()),
            |m| (m.id.as_str().to_owned(), m.name.clone()),
        );
        let status = record.document.status;
        cells
            .entry((name.clone(), status.as_str()))
            .or_insert_with(|| DashboardCell {
                municipality: id.clone(),
                municipality_name: name,
                status: status.as_str().to_owned(),
                status_ru: status.label_ru().to_owned(),
                count: 0,
            })
            .count += 1;
        let Some(latest) = record.state.latest() else {
            continue;
        };
        let Some(stored) = stored.get(&(record.document.id.as_str(), latest.id.round)) else {
            continue;
        };
        // The municipality's own set applies where the catalogue has one, as at submission.
        let layered = state
            .catalogue
            .region(&record.region)
            .is_ok_and(|region| region.municipality(&id).is_some());
        let key = (
            stored.pinned.content_sha256.as_str(),
            record.document.form.form_id(),
            record.region.as_str(),
            layered.then_some(id.clone()),
            stored.submitted_at.get(..10).unwrap_or_default(),
        );
        // Equal content judged by the same editions has the same findings: judged once.
        let report = match judged.get(&key) {
            Some(report) => report,
            None => {
                let store = state.store.clone();
                let (doc, round) = (stored.document.clone(), stored.round);
                let text = blocking(move || store.submission_content(&doc, round)).await?;
                let report = text
                    .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                    .and_then(|content| {
                        state
                            .catalogue
                            // Judged by the editions in force when it was submitted.
                            .validate_edition(
                                record.document.form.form_id(),
                                &record.region,
                                layered.then_some(id.as_str()),
                                &forms::without_empty(&content),
                                None,
                                forms::Edition::On(
                                    stored.submitted_at.get(..10).unwrap_or_default(),
                                ),
                                // Rules asking for the school's category fall back to the
                                // declared one here: the dashboard counts findings, it does
                                // not decide.
                                None,
                            )
                            .ok()
                    });
                judged.entry(key).or_insert(report)
            }
        };
        let Some(report) = report else {
            continue;
        };
        let mut seen = Vec::new();
        for finding in report.errors.iter().chain(&report.warnings) {
            if seen.contains(&&finding.rule) {
                continue;
            }
            seen.push(&finding.rule);
            let entry = findings
                .entry(finding.rule.clone())
                .or_insert_with(|| FindingCount {
                    rule: finding.rule.clone(),
                    severity: match finding.severity {
                        forms::Severity::Error => "error",
                        forms::Severity::Warning => "warning",
                    }
                    .to_owned(),
                    example: finding.message.clone(),
                    ..FindingCount::default()
                });
            entry.count += 1;
            entry.documents.push(record.document.id.as_str().to_owned());
        }
    }
    let mut findings: Vec<FindingCount> = findings.into_values().collect();
    findings.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
    findings.truncate(TOP_FINDINGS);
    Ok(Json(DashboardView {
        cells: cells.into_values().collect(),
        findings,
    }))
}
