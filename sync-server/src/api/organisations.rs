//! `GET /api/organisations`: the schools and mentor schools of the caller's regions, for
//! choosing the mentor school of a new document.

use api_types::{ErrorBody, OrgView, OrganisationView};
use axum::Json;
use axum::extract::State;
use workflow::{OrgId, OrgKind};

use super::auth::Caller;
use super::blocking;
use super::error::ApiError;
use crate::access::directory;
use crate::state::AppState;

/// `GET /api/organisations`.
#[utoipa::path(get, path = "/api/organisations", tag = "documents", security(("bearer" = [])),
    responses(
        (status = 200, description = "Школы и школы-наставники регионов пользователя, по названию",
            body = Vec<OrganisationView>),
        (status = 401, body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<OrganisationView>>, ApiError> {
    let store = state.store.clone();
    let dir = blocking(move || directory(&store)).await?;
    let mut regions: Vec<OrgId> = caller
        .people
        .roles
        .iter()
        .map(|m| &m.org)
        .chain(caller.people.curated.iter().map(|a| &a.school))
        .filter_map(|org| dir.region_of(org).map(|r| r.id.clone()))
        .collect();
    regions.sort();
    regions.dedup();
    let mut schools: Vec<OrganisationView> = regions
        .iter()
        .flat_map(|region| dir.schools_within(region))
        .map(|school| OrganisationView {
            id: school.id.as_str().to_owned(),
            name: school.name.clone(),
            kind: match school.kind {
                OrgKind::School { mentor: true } => "mentor-school",
                _ => "school",
            }
            .to_owned(),
            municipality: dir.municipality_of(&school.id).map(|m| OrgView {
                id: m.id.as_str().to_owned(),
                name: m.name.clone(),
            }),
        })
        .collect();
    schools.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(Json(schools))
}
