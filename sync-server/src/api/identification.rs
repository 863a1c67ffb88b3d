//! Identification of schools over HTTP: the regional coordinator uploads a table of indicators
//! (CSV or XLSX) for a year; the server applies the place's method (`identification` crate,
//! `forms/regions/…/identification.json`), stores the result preliminary with who computed it
//! and the file's SHA-256 (audited), and it takes effect once the coordinator confirms it. A
//! school reads its own category and reasons; rules that ask for the school's category read
//! the confirmed one at submission ([`in_effect_for_rules`]).

use std::collections::BTreeSet;

use api_types::{
    CategoryView, ErrorBody, IdentificationQuery, IdentificationView, IdentifiedSchoolView,
    SchoolIdentification,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use identification::Method;
use store::{Confirmed, Identification, IdentifiedSchool, NewIdentification};
use workflow::{Directory, OrgId, OrgKind, Role};

use crate::access::directory;
use crate::api::auth::Caller;
use crate::api::blocking;
use crate::api::error::ApiError;
use crate::state::AppState;

/// Years an identification may be for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

fn not_found(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        format!("{what} не найдено или нет доступа"),
    )
}

/// `Ok` when the caller is the regional coordinator of `region`; 403 otherwise.
fn require_coordinator_of(caller: &Caller, region: &str) -> Result<(), ApiError> {
    let coordinator = caller
        .people
        .of(&caller.user)
        .any(|m| m.role == Role::RegionalCoordinator && m.org.as_str() == region);
    if coordinator {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "идентификацию школ проводит и подтверждает региональный координатор этого региона",
        ))
    }
}

/// Whether the caller may see `school`'s identification: the school's own people, its
/// municipality's reviewers, its region's coordinators, administrators above it.
fn may_see_school(dir: &Directory, caller: &Caller, school: &OrgId) -> bool {
    caller.people.of(&caller.user).any(|m| match m.role {
        Role::SchoolEditor | Role::SchoolDirector => &m.org == school,
        Role::MunicipalReviewer | Role::RegionalCoordinator | Role::Administrator => {
            dir.is_within(school, &m.org)
        }
        _ => false,
    })
}

fn view(methods: &identification::Methods, found: &Identification) -> IdentificationView {
    let method = methods.get(&found.region, found.municipality.as_deref());
    let title = |id: &str| {
        method
            .and_then(|m| m.categories.iter().find(|c| c.id == id))
            .map_or_else(|| id.to_owned(), |c| c.title.clone())
    };
    IdentificationView {
        id: found.id,
        region: found.region.clone(),
        municipality: found.municipality.clone(),
        year: found.year,
        method_id: found.method_id.clone(),
        method_version: found.method_version.clone(),
        input_sha256: found.input_sha256.clone(),
        computed_by: found.computed_by.clone(),
        computed_at: found.computed_at.clone(),
        state: if found.confirmed() {
            "confirmed"
        } else {
            "preliminary"
        }
        .to_owned(),
        state_ru: if found.confirmed() {
            "подтверждено"
        } else {
            "предварительно"
        }
        .to_owned(),
        confirmed_by: found.confirmed_by.clone(),
        confirmed_at: found.confirmed_at.clone(),
        schools: found
            .schools
            .iter()
            .map(|s| IdentifiedSchoolView {
                school: s.school.clone(),
                name: s.name.clone(),
                categories: s
                    .categories
                    .iter()
                    .map(|id| CategoryView {
                        id: id.clone(),
                        title: title(id),
                    })
                    .collect(),
                status: s.status.clone(),
                reasons: s.reasons.clone(),
            })
            .collect(),
    }
}

/// The place's method and the schools its table may name.
fn place(
    state: &AppState,
    dir: &Directory,
    region: &str,
    municipality: Option<&str>,
) -> Result<(Method, BTreeSet<String>), ApiError> {
    let unknown =
        |what: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown-place", what);
    let region_org = dir
        .get(&OrgId::new(region))
        .filter(|o| o.kind == OrgKind::Region)
        .ok_or_else(|| unknown(format!("нет региона «{region}»")))?;
    let within = match municipality {
        Some(m) => {
            let org = dir
                .get(&OrgId::new(m))
                .filter(|o| {
                    o.kind == OrgKind::Municipality && o.parent.as_ref() == Some(&region_org.id)
                })
                .ok_or_else(|| unknown(format!("в регионе «{region}» нет муниципалитета «{m}»")))?;
            org.id.clone()
        }
        None => region_org.id.clone(),
    };
    let method = state
        .methods
        .get(region, municipality)
        .cloned()
        .ok_or_else(|| {
            let place = municipality.map_or_else(
                || format!("региона «{region}»"),
                |m| format!("муниципалитета «{m}»"),
            );
            let hint = state
                .methods
                .iter()
                .filter(|(r, _, _)| *r == region)
                .map(|(_, m, _)| {
                    m.map_or_else(
                        || "без --municipality".to_owned(),
                        |m| format!("--municipality {m}"),
                    )
                })
                .collect::<Vec<_>>();
            let hint = if hint.is_empty() {
                String::new()
            } else {
                format!(" (методика есть: {})", hint.join(", "))
            };
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no-method",
                format!("у {place} нет своей методики идентификации{hint}"),
            )
        })?;
    let schools = dir
        .schools_within(&within)
        .map(|s| s.id.as_str().to_owned())
        .collect();
    Ok((method, schools))
}

/// Uploads a table of indicators (the body: CSV, `;` or `,` separated, UTF-8; or XLSX) for a
/// year and computes each school's category by the place's method. Stored preliminary.
#[utoipa::path(post, path = "/api/identification", tag = "identification",
    security(("bearer" = [])), params(IdentificationQuery),
    request_body(content = Vec<u8>, description = "Таблица показателей: CSV (UTF-8) или XLSX",
        content_type = "text/csv"),
    responses(
        (status = 201, body = IdentificationView),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Таблица с ошибками (строка и столбец каждой) или нет методики; ничего не сохранено", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<IdentificationQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<IdentificationView>), ApiError> {
    require_coordinator_of(&caller, &query.region)?;
    let year = query.year.filter(|y| YEARS.contains(y)).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-year",
            "укажите год идентификации (year), например 2025",
        )
    })?;
    let store = state.store.clone();
    let dir = blocking(move || directory(&store)).await?;
    let (method, known) = place(&state, &dir, &query.region, query.municipality.as_deref())?;
    let input_sha256 = identification::sha256_hex(&body);
    let results = {
        let method = method.clone();
        tokio::task::spawn_blocking(move || identification::identify(&method, &body, Some(&known)))
            .await
            .map_err(ApiError::internal)?
    }
    .map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-table",
            e.message_ru(),
        )
        .with_details(serde_json::json!({ "errors": e.cells() }))
    })?;
    let new = NewIdentification {
        region: query.region.clone(),
        municipality: query.municipality.clone(),
        year,
        method_id: method.id.clone(),
        method_version: method.version.clone(),
        input_sha256,
        computed_by: caller.user.as_str().to_owned(),
        schools: results
            .into_iter()
            .map(|r| IdentifiedSchool {
                school: r.school,
                name: r.name,
                categories: r.categories,
                status: r.status,
                reasons: r.reasons,
            })
            .collect(),
    };
    let store = state.store.clone();
    let stored = blocking(move || store.add_identification(&new)).await?;
    Ok((StatusCode::CREATED, Json(view(&state.methods, &stored))))
}

/// The region's identifications, newest first (the coordinator's).
#[utoipa::path(get, path = "/api/identification", tag = "identification",
    security(("bearer" = [])), params(IdentificationQuery),
    responses((status = 200, body = Vec<IdentificationView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<IdentificationQuery>,
) -> Result<Json<Vec<IdentificationView>>, ApiError> {
    require_coordinator_of(&caller, &query.region)?;
    let store = state.store.clone();
    let region = query.region.clone();
    let found = blocking(move || store.identifications_of(&region)).await?;
    Ok(Json(
        found
            .iter()
            .filter(|i| query.municipality.is_none() || i.municipality == query.municipality)
            .filter(|i| query.year.is_none_or(|y| i.year == y))
            .map(|i| view(&state.methods, i))
            .collect(),
    ))
}

async fn coordinators(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Identification, ApiError> {
    let store = state.store.clone();
    let found = blocking(move || store.identification(id))
        .await?
        .ok_or_else(|| not_found("результат идентификации"))?;
    require_coordinator_of(caller, &found.region)
        .map_err(|_| not_found("результат идентификации"))?;
    Ok(found)
}

/// One identification with every school (the coordinator of its region).
#[utoipa::path(get, path = "/api/identification/{id}", tag = "identification",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = IdentificationView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<IdentificationView>, ApiError> {
    let found = coordinators(&state, &caller, id).await?;
    Ok(Json(view(&state.methods, &found)))
}

/// The coordinator confirms a preliminary identification: from now on its categories take
/// effect (audited). 409 if it was confirmed already.
#[utoipa::path(post, path = "/api/identification/{id}/confirm", tag = "identification",
    security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = IdentificationView), (status = 404, body = ErrorBody),
        (status = 409, description = "Уже подтверждено", body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<IdentificationView>, ApiError> {
    coordinators(&state, &caller, id).await?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    match blocking(move || store.confirm_identification(id, &by)).await? {
        Confirmed::Now(found) => Ok(Json(view(&state.methods, &found))),
        Confirmed::Already(found) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already-confirmed",
            format!(
                "результат идентификации № {id} уже подтверждён ({})",
                found.confirmed_at.unwrap_or_default()
            ),
        )),
        Confirmed::Unknown => Err(not_found("результат идентификации")),
    }
}

/// The identification in effect for a school: the confirmed one for the latest year that
/// names it, with only its row. The school's own people, its municipality and region see it.
#[utoipa::path(get, path = "/api/schools/{school}/identification", tag = "identification",
    security(("bearer" = [])), params(("school" = String, Path)),
    responses((status = 200, body = SchoolIdentification), (status = 404, body = ErrorBody)))]
pub async fn of_school(
    State(state): State<AppState>,
    caller: Caller,
    Path(school): Path<String>,
) -> Result<Json<SchoolIdentification>, ApiError> {
    let store = state.store.clone();
    let dir = blocking(move || directory(&store)).await?;
    let org = OrgId::new(&school);
    if !matches!(dir.get(&org).map(|o| o.kind), Some(OrgKind::School { .. }))
        || !may_see_school(&dir, &caller, &org)
    {
        return Err(not_found("школа"));
    }
    let store = state.store.clone();
    let asked = school.clone();
    let found = blocking(move || store.identification_in_effect(&asked)).await?;
    Ok(Json(SchoolIdentification {
        school,
        in_effect: found.map(|f| view(&state.methods, &f)),
    }))
}

/// What rules asking for the school's category read at submission
/// (`forms::IDENTIFICATION_ROOT`): the confirmed identification in effect for the school, as
/// `{"status", "categories", "year", "id"}`; `None` when there is none, and the rules then read
/// the category the document declares.
///
/// # Errors
///
/// 500 if the store cannot be read.
pub async fn in_effect_for_rules(
    state: &AppState,
    school: &OrgId,
) -> Result<Option<serde_json::Value>, ApiError> {
    let store = state.store.clone();
    let school = school.as_str().to_owned();
    let found = blocking(move || store.identification_in_effect(&school)).await?;
    Ok(found.and_then(|f| {
        let row = f.schools.first()?;
        Some(serde_json::json!({
            "id": f.id,
            "year": f.year,
            "status": row.status,
            "categories": row.categories,
        }))
    }))
}
