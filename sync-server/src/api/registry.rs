//! The regional registry: the approved submissions of the coordinator's region, filtered by
//! municipality, form, status and decision date, and exported as CSV or XLSX with the school,
//! municipality, form, status, dates and each form's key indicators.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use api_types::{ErrorBody, RegistryFilter, RegistryRow};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use store::{DocumentRecord, Store, StoreError, SubmissionRecord};
use utoipa::IntoParams;
use workflow::{Directory, FormKind, Standing, standings};

use crate::access::directory;
use crate::api::auth::Caller;
use crate::api::blocking;
use crate::api::error::{ApiError, QueryParams};
use crate::export::{self, Format};
use crate::state::AppState;

/// The export's file format, besides the registry's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (the default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
}

/// The rows the caller may see as a coordinator, after `query`'s filters.
async fn rows(
    state: &AppState,
    caller: &Caller,
    query: &RegistryFilter,
) -> Result<Vec<RegistryRow>, ApiError> {
    // Refuse before reading anything: the registry is the coordinators'.
    require_coordinator(caller, "реестр региона ведёт региональный координатор")?;
    if let Some(form) = &query.form {
        form.parse::<FormKind>().map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-form",
                e.message_ru(),
            )
        })?;
    }
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "approved" | "collected")
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-status",
            format!(
                "в реестре бывают статусы approved (одобрен) и collected (принят), а не {status:?}"
            ),
        ));
    }
    for date in [&query.from, &query.to].into_iter().flatten() {
        if !is_date(date) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-date",
                format!("дата {date:?} должна быть в виде ГГГГ-ММ-ДД"),
            ));
        }
    }
    let (dir, records, submissions) = coordinated(state, caller).await?;
    let query = query.clone();
    let store = state.store.clone();
    // Reading pinned contents not seen before is the work here: off the async threads.
    blocking(move || {
        let stored = by_round(&submissions);
        let mut out = Vec::new();
        for record in &records {
            for submission in record
                .state
                .submissions()
                .iter()
                .filter(|s| s.is_approved())
            {
                let key = (record.document.id.as_str(), submission.id.round);
                let Some(stored) = stored.get(&key) else {
                    continue;
                };
                let facts = facts_of(&store, record.document.form, stored)?;
                let row = row(
                    &dir,
                    record,
                    stored,
                    facts,
                    submission.collected_by.is_some(),
                );
                if keep(&row, &query) {
                    out.push(row);
                }
            }
        }
        Ok(out)
    })
    .await
}

/// The organisation tree, the records of the documents `caller` coordinates, and every stored
/// submission without its content (`Store::all_submissions_lean`).
pub async fn coordinated(
    state: &AppState,
    caller: &Caller,
) -> Result<(Directory, Vec<DocumentRecord>, Vec<SubmissionRecord>), ApiError> {
    let store = state.store.clone();
    let (dir, records, submissions) = blocking(move || {
        Ok((
            directory(&store)?,
            store.documents()?,
            store.all_submissions_lean()?,
        ))
    })
    .await?;
    let records = records
        .into_iter()
        .filter(|record| {
            standings(&dir, &caller.people, &caller.user, &record.document)
                .contains(&Standing::Coordinator)
        })
        .collect();
    Ok((dir, records, submissions))
}

/// The stored submissions by (document, round).
pub fn by_round(submissions: &[SubmissionRecord]) -> HashMap<(&str, u32), &SubmissionRecord> {
    submissions
        .iter()
        .map(|s| ((s.document.as_str(), s.round), s))
        .collect()
}

/// `Ok` for a regional coordinator; 403 with `message` for anyone else.
pub fn require_coordinator(caller: &Caller, message: &str) -> Result<(), ApiError> {
    if caller
        .people
        .roles
        .iter()
        .any(|m| m.role == workflow::Role::RegionalCoordinator)
    {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", message))
    }
}

/// Whether `text` is spelled `YYYY-MM-DD`.
pub(crate) fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

fn keep(row: &RegistryRow, query: &RegistryFilter) -> bool {
    let day = row.decided_at.get(..10).unwrap_or_default();
    query
        .municipality
        .as_ref()
        .is_none_or(|m| *m == row.municipality)
        && query.school.as_ref().is_none_or(|s| *s == row.school)
        && query.form.as_ref().is_none_or(|f| *f == row.form)
        && query.status.as_ref().is_none_or(|s| *s == row.status)
        && query.from.as_ref().is_none_or(|from| day >= from.as_str())
        && query.to.as_ref().is_none_or(|to| day <= to.as_str())
}

/// What a registry row shows of a pinned content: its dates, amount and key indicators.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    starts: Option<String>,
    ends: Option<String>,
    amount: Option<f64>,
    indicators: String,
}

/// The most facts kept in [`FACTS`] before it starts afresh.
const FACTS_KEPT: usize = 100_000;

/// Facts by (form, content SHA-256): a pinned content never changes under its hash, so what is
/// read from it once holds for every later request, and a registry of a thousand rows reads
/// only the contents it has not seen.
static FACTS: LazyLock<Mutex<HashMap<(String, String), Facts>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The facts of `stored` (a lean record), read from its content the first time its hash is seen.
fn facts_of(store: &Store, form: FormKind, stored: &SubmissionRecord) -> Result<Facts, StoreError> {
    let key = (
        form.form_id().to_owned(),
        stored.pinned.content_sha256.clone(),
    );
    if let Some(known) = FACTS.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(known.clone());
    }
    let content = store
        .submission_content(&stored.document, stored.round)?
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .unwrap_or_default();
    let facts = facts(form, &content);
    let mut cache = FACTS.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= FACTS_KEPT {
        cache.clear();
    }
    cache.insert(key, facts.clone());
    Ok(facts)
}

/// The facts of one form's content.
fn facts(form: FormKind, content: &Value) -> Facts {
    let text = |pointer: &str| {
        content
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let number = |pointer: &str| content.pointer(pointer).and_then(Value::as_f64);
    let count = |pointer: &str| {
        content
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let (starts, ends, amount, indicators) = match form {
        FormKind::SchoolProgramme => (
            text("/period/start"),
            text("/period/end"),
            number("/grant/amount"),
            format!(
                "показателей: {}; мероприятий плана: {}; обучено педагогов: {}; наставник: {}",
                count("/indicators"),
                count("/action_plan"),
                number("/trained_staff_count").map_or_else(|| "—".into(), |n| n.to_string()),
                text("/mentor_school/short_name").unwrap_or_else(|| "—".into()),
            ),
        ),
        FormKind::PartnershipAgreement => (
            text("/term/start"),
            text("/term/end"),
            number("/funding/amount"),
            format!(
                "договор № {} от {}; совместных проектов: {}; мероприятий графика: {}",
                text("/number").unwrap_or_else(|| "—".into()),
                text("/date").unwrap_or_else(|| "—".into()),
                count("/joint_projects"),
                count("/schedule"),
            ),
        ),
        FormKind::StimulusPolicyChange => (
            text("/effective_date"),
            None,
            None,
            format!(
                "приказ № {} от {}; изменений: {}; критериев: {}",
                text("/order/number").unwrap_or_else(|| "—".into()),
                text("/order/date").unwrap_or_else(|| "—".into()),
                count("/changes"),
                count("/criteria"),
            ),
        ),
    };
    Facts {
        starts,
        ends,
        amount,
        indicators,
    }
}

fn row(
    dir: &Directory,
    record: &DocumentRecord,
    stored: &SubmissionRecord,
    facts: Facts,
    collected: bool,
) -> RegistryRow {
    let doc = &record.document;
    let municipality = dir.municipality_of(&doc.owner_school);
    let Facts {
        starts,
        ends,
        amount,
        indicators,
    } = facts;
    let status = if collected {
        workflow::Status::Collected
    } else {
        workflow::Status::Approved
    };
    RegistryRow {
        document: doc.id.as_str().to_owned(),
        round: stored.round,
        school: doc.owner_school.as_str().to_owned(),
        school_name: dir
            .get(&doc.owner_school)
            .map(|o| o.name.clone())
            .unwrap_or_default(),
        municipality: municipality
            .map(|m| m.id.as_str().to_owned())
            .unwrap_or_default(),
        municipality_name: municipality.map(|m| m.name.clone()).unwrap_or_default(),
        form: doc.form.form_id().to_owned(),
        form_ru: doc.form.label_ru().to_owned(),
        status: status.as_str().to_owned(),
        status_ru: status.label_ru().to_owned(),
        submitted_at: stored.submitted_at.clone(),
        decided_at: stored.decided_at.clone().unwrap_or_default(),
        collected_at: stored.collected_at.clone(),
        starts,
        ends,
        amount,
        indicators,
        requirements: format!(
            "{} {}",
            stored.pinned.requirements_id, stored.pinned.requirements_version
        ),
        content_sha256: stored.pinned.content_sha256.clone(),
    }
}

/// The region's approved submissions, for its coordinator.
#[utoipa::path(get, path = "/api/registry", tag = "registry", security(("bearer" = [])),
    params(RegistryFilter),
    responses((status = 200, body = Vec<RegistryRow>), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<RegistryFilter>,
) -> Result<Json<Vec<RegistryRow>>, ApiError> {
    Ok(Json(rows(&state, &caller, &query).await?))
}

/// The registry as a CSV or XLSX file, with the same filters.
#[utoipa::path(get, path = "/api/registry/export", tag = "registry", security(("bearer" = [])),
    params(RegistryFilter, ExportQuery),
    responses((status = 200, description = "Файл CSV или XLSX"), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<RegistryFilter>,
    QueryParams(export): QueryParams<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = match export.format.as_deref().unwrap_or("csv") {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-format",
                format!("формат {other:?} не поддерживается: csv или xlsx"),
            ));
        }
    };
    let rows = rows(&state, &caller, &query).await?;
    let count = rows.len();
    let bytes = tokio::task::spawn_blocking(move || export::render(&rows, format))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    tracing::info!(user = %caller.user, rows = count, format = format.extension(), "registry exported");
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"registry.{}\"", format.extension()),
            ),
        ],
        bytes,
    )
        .into_response())
}
