//! Campaigns over HTTP: a regional coordinator opens one (`POST /api/campaigns`); the region,
//! each municipality and each school see what is owed and where it stands, each within its
//! own reach (`GET /api/campaigns`, `/api/campaigns/{id}/status`, `/export`); a school reads
//! its obligations and reminders (`GET /api/obligations`).
//!
//! Who sees which school's rows: a regional coordinator or administrator every school of
//! their region, a municipal reviewer their municipality's, a school's team their own school,
//! a curator the schools assigned to them. A campaign where the caller sees no school and that
//! is not their region's is an unknown one (404).

use std::collections::BTreeMap;

use api_types::{
    CampaignExportQuery, CampaignStatus, CampaignView, ErrorBody, ObligationsView,
    OpenCampaignRequest, SchoolCampaign,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use store::{
    Campaign, CampaignSchool, DocumentRecord, NewCampaign, SchoolSource, SubmissionRecord,
};
use workflow::{Directory, FormKind, OrgId, OrgKind, Role};

use crate::access::directory;
use crate::api::auth::Caller;
use crate::api::blocking;
use crate::api::error::{ApiError, JsonBody};
use crate::campaign::{self, reminders, status};
use crate::export::Format;
use crate::state::AppState;

/// The campaigns' and the impact report's part of the OpenAPI document (merged into
/// [`crate::api::openapi::ApiDoc`]'s when served).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(open, list, show, export, obligations, crate::api::impact::report),
    components(schemas(
        OpenCampaignRequest,
        api_types::CampaignSchoolRequest,
        CampaignView,
        CampaignStatus,
        api_types::ObligationRow,
        api_types::MunicipalityCounts,
        ObligationsView,
        SchoolCampaign,
        api_types::ReminderView,
        api_types::ImpactRequest,
        api_types::ImpactResponse,
        api_types::ImpactDocument,
        api_types::ImpactFinding,
    ))
)]
pub struct CampaignsDoc;

/// Reminder warning when the request names none, in days before the submission deadline.
pub const DEFAULT_REMIND_DAYS: u32 = 14;

fn unprocessable(error: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, message)
}

fn no_campaign(id: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-campaign",
        format!("кампании № {id} нет или она вам недоступна"),
    )
}

/// The campaign number of a path, or the unknown campaign's 404 for anything else.
fn campaign_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>().map_err(|_| no_campaign(text))
}

/// Whether `caller` may see `school`'s obligations.
pub fn sees(dir: &Directory, caller: &Caller, school: &OrgId) -> bool {
    caller.people.roles.iter().any(|m| match m.role {
        Role::RegionalCoordinator | Role::MunicipalReviewer | Role::Administrator => {
            dir.is_within(school, &m.org)
        }
        Role::SchoolEditor | Role::SchoolDirector | Role::MentorEditor | Role::MentorDirector => {
            &m.org == school
        }
        Role::Curator => caller.people.curates(&caller.user, school),
    })
}

/// The regions `caller` coordinates.
fn coordinated_regions(caller: &Caller) -> Vec<OrgId> {
    caller
        .people
        .roles
        .iter()
        .filter(|m| m.role == Role::RegionalCoordinator)
        .map(|m| m.org.clone())
        .collect()
}

/// The default obligations: a supported school owes the programme, the agreement and the
/// policy change (001: the school's column); a mentor school its own policy change.
pub fn default_owes() -> BTreeMap<String, Vec<FormKind>> {
    BTreeMap::from([
        ("supported".to_owned(), FormKind::ALL.to_vec()),
        ("mentor".to_owned(), vec![FormKind::StimulusPolicyChange]),
    ])
}

/// The category the organisations data gives a school: `mentor` for a mentor school,
/// `supported` for any other.
fn category_of(dir: &Directory, school: &OrgId) -> Option<&'static str> {
    match dir.get(school)?.kind {
        OrgKind::School { mentor: true } => Some("mentor"),
        OrgKind::School { mentor: false } => Some("supported"),
        _ => None,
    }
}

/// Checks `request` and turns it into the campaign to store, for `region`.
fn plan(
    dir: &Directory,
    region: &OrgId,
    request: OpenCampaignRequest,
    valid_day: &dyn Fn(&str) -> bool,
) -> Result<NewCampaign, ApiError> {
    if !(2000..=2100).contains(&request.year) {
        return Err(unprocessable(
            "bad-year",
            format!("год кампании {} вне 2000–2100", request.year),
        ));
    }
    for (name, day) in [
        ("submit_by", &request.submit_by),
        ("decide_by", &request.decide_by),
    ] {
        if !valid_day(day) {
            return Err(unprocessable(
                "bad-date",
                format!("{name}: дата {day:?} должна быть в виде ГГГГ-ММ-ДД"),
            ));
        }
    }
    if request.decide_by < request.submit_by {
        return Err(unprocessable(
            "bad-date",
            "срок решения муниципалитета (decide_by) не может быть раньше срока подачи (submit_by)",
        ));
    }
    let remind_days = request.remind_days.unwrap_or(DEFAULT_REMIND_DAYS);
    if remind_days > 365 {
        return Err(unprocessable(
            "bad-remind-days",
            "напоминать можно не раньше чем за 365 дней до срока",
        ));
    }
    let owes = match request.owes {
        None => default_owes(),
        Some(asked) => {
            let mut owes = BTreeMap::new();
            for (category, forms) in asked {
                let well_named = !category.is_empty()
                    && category.len() <= 64
                    && category
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !well_named {
                    return Err(unprocessable(
                        "bad-category",
                        format!(
                            "категория {category:?}: строчные латинские буквы, цифры и дефис, до 64 знаков"
                        ),
                    ));
                }
                if forms.is_empty() {
                    return Err(unprocessable(
                        "bad-category",
                        format!("категории {category:?} не назначено ни одного документа"),
                    ));
                }
                let mut kinds = Vec::new();
                for form in forms {
                    let kind = form
                        .parse::<FormKind>()
                        .map_err(|e| unprocessable("unknown-form", e.message_ru()))?;
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
                owes.insert(category, kinds);
            }
            if owes.is_empty() {
                return Err(unprocessable(
                    "bad-category",
                    "укажите, какие документы должна подать хотя бы одна категория школ",
                ));
            }
            owes
        }
    };
    let schools = match request.schools {
        None => dir
            .schools_within(region)
            .filter_map(|school| {
                let category = category_of(dir, &school.id)?;
                owes.contains_key(category).then(|| CampaignSchool {
                    school: school.id.clone(),
                    category: category.to_owned(),
                    source: SchoolSource::Organisations,
                })
            })
            .collect(),
        Some(listed) => {
            let mut schools: Vec<CampaignSchool> = Vec::new();
            for asked in listed {
                let school = OrgId::new(asked.school.as_str());
                let Some(default) =
                    category_of(dir, &school).filter(|_| dir.is_within(&school, region))
                else {
                    return Err(unprocessable(
                        "unknown-school",
                        format!("школы {} нет в регионе {region}", asked.school),
                    ));
                };
                if schools.iter().any(|s| s.school == school) {
                    return Err(unprocessable(
                        "duplicate-school",
                        format!("школа {} указана дважды", asked.school),
                    ));
                }
                let category = asked.category.unwrap_or_else(|| default.to_owned());
                if !owes.contains_key(&category) {
                    return Err(unprocessable(
                        "bad-category",
                        format!(
                            "у школы {} категория {category:?}, а кампания назначает документы категориям: {}",
                            asked.school,
                            owes.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                schools.push(CampaignSchool {
                    school,
                    category,
                    source: SchoolSource::Listed,
                });
            }
            schools
        }
    };
    if schools.is_empty() {
        return Err(unprocessable("no-schools", "в кампании нет ни одной школы"));
    }
    Ok(NewCampaign {
        region: region.clone(),
        year: request.year,
        title: request
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| format!("Кампания {} года", request.year)),
        submit_by: request.submit_by,
        decide_by: request.decide_by,
        remind_days,
        owes,
        schools,
    })
}

/// `POST /api/campaigns`: a regional coordinator opens a campaign in their region.
#[utoipa::path(post, path = "/api/campaigns", tag = "campaigns", security(("bearer" = [])),
    request_body = OpenCampaignRequest,
    responses((status = 201, body = CampaignView), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<OpenCampaignRequest>,
) -> Result<(StatusCode, Json<CampaignView>), ApiError> {
    let Some(region) = coordinated_regions(&caller).into_iter().next() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "открывает кампанию региональный координатор",
        ));
    };
    let store = state.store.clone();
    let (dir, submit_ok, decide_ok) = {
        let (submit_by, decide_by) = (request.submit_by.clone(), request.decide_by.clone());
        blocking(move || {
            Ok((
                directory(&store)?,
                store.add_days(&submit_by, 0)?.is_some(),
                store.add_days(&decide_by, 0)?.is_some(),
            ))
        })
        .await?
    };
    let (submit_by, decide_by) = (request.submit_by.clone(), request.decide_by.clone());
    let valid_day = |day: &str| (day == submit_by && submit_ok) || (day == decide_by && decide_ok);
    let new = plan(&dir, &region, request, &valid_day)?;
    let store = state.store.clone();
    let user = caller.user.clone();
    let stored = blocking(move || store.open_campaign(&new, &user)).await?;
    tracing::info!(user = %caller.user, campaign = stored.id, "campaign opened");
    Ok((
        StatusCode::CREATED,
        Json(status::view(&dir, &stored, &|s| sees(&dir, &caller, s))),
    ))
}

/// Everything a campaign's views read: the tree, the campaigns, the region's records, every
/// stored submission, today.
struct Snapshot {
    dir: Directory,
    campaigns: Vec<Campaign>,
    records: Vec<DocumentRecord>,
    submissions: Vec<SubmissionRecord>,
    today: String,
}

async fn snapshot(state: &AppState) -> Result<Snapshot, ApiError> {
    let store = state.store.clone();
    blocking(move || {
        Ok(Snapshot {
            dir: directory(&store)?,
            campaigns: store.campaigns()?,
            records: store.documents()?,
            submissions: store.all_submissions()?,
            today: store.today()?,
        })
    })
    .await
}

/// Whether `caller` may see `campaign` at all: it is their region's, or they see a school in it.
fn may_see(dir: &Directory, caller: &Caller, campaign: &Campaign) -> bool {
    coordinated_regions(caller).contains(&campaign.campaign.region)
        || campaign
            .campaign
            .schools
            .iter()
            .any(|s| sees(dir, caller, &s.school))
}

/// The status of campaign `id` as `caller` may see it, recording the reminders it calls for.
async fn campaign_status(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<CampaignStatus, ApiError> {
    let snap = snapshot(state).await?;
    let campaign = snap
        .campaigns
        .iter()
        .find(|c| c.id == id)
        .filter(|c| may_see(&snap.dir, caller, c))
        .ok_or_else(|| no_campaign(id))?;
    let visible = |school: &OrgId| sees(&snap.dir, caller, school);
    let rows = status::rows(
        &snap.dir,
        campaign,
        &snap.records,
        &snap.submissions,
        &snap.today,
        &visible,
    );
    remind(state, campaign, &snap, &rows).await?;
    Ok(CampaignStatus {
        campaign: status::view(&snap.dir, campaign, &visible),
        today: snap.today.clone(),
        municipalities: status::counts(&rows),
        rows,
    })
}

/// Records the reminders `rows` of `campaign` call for.
async fn remind(
    state: &AppState,
    campaign: &Campaign,
    snap: &Snapshot,
    rows: &[api_types::ObligationRow],
) -> Result<(), ApiError> {
    let store = state.store.clone();
    let (submit_by, days) = (
        campaign.campaign.submit_by.clone(),
        campaign.campaign.remind_days,
    );
    let remind_from = blocking(move || store.add_days(&submit_by, -i64::from(days)))
        .await?
        .unwrap_or_else(|| campaign.campaign.submit_by.clone());
    let due = reminders::due(campaign, rows, &snap.today, &remind_from);
    let store = state.store.clone();
    let added = blocking(move || store.record_reminders(&due)).await?;
    if !added.is_empty() {
        tracing::info!(
            campaign = campaign.id,
            reminders = added.len(),
            "reminders recorded"
        );
    }
    Ok(())
}

/// Records the reminders every campaign calls for now (the periodic task's work).
///
/// # Errors
///
/// 500 if the store fails.
pub async fn remind_all(state: &AppState) -> Result<(), ApiError> {
    let snap = snapshot(state).await?;
    for campaign in &snap.campaigns {
        let rows = status::rows(
            &snap.dir,
            campaign,
            &snap.records,
            &snap.submissions,
            &snap.today,
            &|_| true,
        );
        remind(state, campaign, &snap, &rows).await?;
    }
    Ok(())
}

/// `GET /api/campaigns`: the campaigns the caller may see, newest first.
#[utoipa::path(get, path = "/api/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Vec<CampaignView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<CampaignView>>, ApiError> {
    let store = state.store.clone();
    let (dir, campaigns) = blocking(move || Ok((directory(&store)?, store.campaigns()?))).await?;
    Ok(Json(
        campaigns
            .iter()
            .filter(|c| may_see(&dir, &caller, c))
            .map(|c| status::view(&dir, c, &|s| sees(&dir, &caller, s)))
            .collect(),
    ))
}

/// `GET /api/campaigns/{id}/status`: per school and form owed, the document's state, late or
/// missing, and counts by municipality — of the schools the caller may see.
#[utoipa::path(get, path = "/api/campaigns/{id}/status", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Номер кампании")),
    responses((status = 200, body = CampaignStatus), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CampaignStatus>, ApiError> {
    let id = campaign_id(&id)?;
    Ok(Json(campaign_status(&state, &caller, id).await?))
}

/// `GET /api/campaigns/{id}/export?format=csv|xlsx`: the status's rows as a file.
#[utoipa::path(get, path = "/api/campaigns/{id}/export", tag = "campaigns", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Номер кампании"), CampaignExportQuery),
    responses((status = 200, description = "Файл CSV или XLSX"), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<CampaignExportQuery>,
) -> Result<Response, ApiError> {
    let id = campaign_id(&id)?;
    let format = match query.format.as_deref().unwrap_or("csv") {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        other => {
            return Err(unprocessable(
                "bad-format",
                format!("формат {other:?} не поддерживается: csv или xlsx"),
            ));
        }
    };
    let status = campaign_status(&state, &caller, id).await?;
    let bytes = tokio::task::spawn_blocking(move || campaign::export::render(&status.rows, format))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"campaign-{id}.{}\"",
                    format.extension()
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/obligations`: what the caller's own schools owe in each campaign, and their
/// reminders (a school's home page).
#[utoipa::path(get, path = "/api/obligations", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = ObligationsView), (status = 401, body = ErrorBody)))]
pub async fn obligations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ObligationsView>, ApiError> {
    let own: Vec<OrgId> = caller
        .people
        .roles
        .iter()
        .filter(|m| {
            matches!(
                m.role,
                Role::SchoolEditor
                    | Role::SchoolDirector
                    | Role::MentorEditor
                    | Role::MentorDirector
            )
        })
        .map(|m| m.org.clone())
        .collect();
    let snap = snapshot(&state).await?;
    let mine = |school: &OrgId| own.contains(school);
    let mut campaigns = Vec::new();
    for campaign in &snap.campaigns {
        if !campaign.campaign.schools.iter().any(|s| mine(&s.school)) {
            continue;
        }
        let rows = status::rows(
            &snap.dir,
            campaign,
            &snap.records,
            &snap.submissions,
            &snap.today,
            &mine,
        );
        remind(&state, campaign, &snap, &rows).await?;
        campaigns.push(SchoolCampaign {
            campaign: status::view(&snap.dir, campaign, &mine),
            rows,
        });
    }
    let store = state.store.clone();
    let schools = own.clone();
    let stored = blocking(move || {
        let mut all = Vec::new();
        for school in &schools {
            all.extend(store.reminders_of(school)?);
        }
        Ok(all)
    })
    .await?;
    let mut reminders: Vec<_> = stored
        .iter()
        .map(|r| {
            let title = snap
                .campaigns
                .iter()
                .find(|c| c.id == r.campaign)
                .map_or_else(String::new, |c| c.campaign.title.clone());
            reminders::view(r, &title)
        })
        .collect();
    reminders.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(Json(ObligationsView {
        campaigns,
        reminders,
    }))
}
