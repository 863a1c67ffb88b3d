//! The administrator's edits under `/api/admin`: organisations (list, add, rename, move a
//! school), users (add, deactivate and reactivate), roles (grant, withdraw) and curator
//! assignments (assign, withdraw).
//!
//! Who may do what: any administrator adds, deactivates and reactivates accounts (as they
//! reset passwords); an act on an organisation (adding one under it, renaming it, moving a
//! school, a role held there, a curator assigned to a school) needs an administrator's role at
//! that organisation or above it, and a move needs it at both ends. Regions are added on the
//! server's machine (`sync-server admin add-org`). Every act goes through the same `store`
//! function as the command line, so it is checked and audited the same way, and every decision
//! of `/sync` is re-evaluated afterwards.

use api_types::{
    AdminOrganisation, AdminUser, CuratorSchool, ErrorBody, NewOrganisation, NewUser,
    OrganisationRename, RoleGrant, SchoolMove, SessionsClosed, UserActive,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use store::StoreError;
use workflow::{Directory, OrgId, OrgKind, Organisation, Role, UserId};

use crate::access::{Changed, directory};
use crate::admin::kind_name;
use crate::api::admin::{require_admin, unknown_user, user_view};
use crate::api::auth::Caller;
use crate::api::blocking;
use crate::api::error::{ApiError, JsonBody};
use crate::state::AppState;

/// The longest id, login or name accepted.
const MAX_ID_CHARS: usize = 64;
/// The longest organisation or person name accepted.
const MAX_NAME_CHARS: usize = 300;

/// 422 `bad-field` naming `field`.
fn bad_field(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad-field", message)
        .with_details(serde_json::json!({ "field": field }))
}

/// `Ok` when `id` is 1–64 Latin letters, digits or `extra` characters.
fn check_id(field: &str, id: &str, extra: &[char]) -> Result<(), ApiError> {
    let fine = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c));
    if fine {
        Ok(())
    } else {
        let allowed: String = extra.iter().map(|c| format!(" «{c}»")).collect();
        Err(bad_field(
            field,
            format!(
                "«{id}» не подходит: от 1 до {MAX_ID_CHARS} латинских букв, цифр и знаков{allowed}"
            ),
        ))
    }
}

/// The trimmed name, or 422 when it is empty or too long.
fn check_name(field: &str, name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad_field(
            field,
            format!("название должно быть непустым и не длиннее {MAX_NAME_CHARS} знаков"),
        ));
    }
    Ok(name.to_owned())
}

/// `Ok` when the caller administers `org` (holds the administrator's role there or above);
/// 403 otherwise, 404 for an unknown organisation.
fn require_scope(dir: &Directory, caller: &Caller, org: &OrgId) -> Result<(), ApiError> {
    if dir.get(org).is_none() {
        return Err(no_such_org(org.as_str()));
    }
    let administers = caller
        .people
        .roles
        .iter()
        .any(|m| m.role == Role::Administrator && dir.is_within(org, &m.org));
    if administers {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("организация «{org}» вне ведения вашей роли администратора"),
        ))
    }
}

/// 404 for an unknown organisation.
fn no_such_org(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-such-organisation",
        format!("организации «{id}» нет"),
    )
}

/// The view of one organisation.
fn org_view(org: &Organisation) -> AdminOrganisation {
    let (kind, kind_ru) = kind_name(org.kind);
    AdminOrganisation {
        id: org.id.as_str().to_owned(),
        kind: kind.to_owned(),
        kind_ru: kind_ru.to_owned(),
        parent: org.parent.as_ref().map(|p| p.as_str().to_owned()),
        name: org.name.clone(),
    }
}

/// The organisation tree, after checking the caller is an administrator.
async fn admin_directory(state: &AppState, caller: &Caller) -> Result<Directory, ApiError> {
    require_admin(caller)?;
    let store = state.store.clone();
    blocking(move || directory(&store)).await
}

/// `GET /api/admin/organisations`.
#[utoipa::path(get, path = "/api/admin/organisations", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "Организации, которые ведёт администратор, по идентификатору",
            body = Vec<AdminOrganisation>),
        (status = 403, body = ErrorBody),
    ))]
pub async fn organisations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AdminOrganisation>>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let out = dir
        .iter()
        .filter(|org| require_scope(&dir, &caller, &org.id).is_ok())
        .map(org_view)
        .collect();
    Ok(Json(out))
}

/// `POST /api/admin/organisations`.
#[utoipa::path(post, path = "/api/admin/organisations", tag = "admin", security(("bearer" = [])),
    request_body = NewOrganisation,
    responses(
        (status = 201, description = "Организация добавлена", body = AdminOrganisation),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Неверный идентификатор, вид или место в дереве", body = ErrorBody),
    ))]
pub async fn add_organisation(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<NewOrganisation>,
) -> Result<(StatusCode, Json<AdminOrganisation>), ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    check_id("id", &request.id, &['-', '_'])?;
    let name = check_name("name", &request.name)?;
    let kind = match crate::admin::parse_kind(&request.kind) {
        Ok(OrgKind::Region) => {
            return Err(bad_field(
                "kind",
                "регион добавляется на сервере: sync-server admin add-org",
            ));
        }
        Ok(kind) => kind,
        Err(e) => return Err(bad_field("kind", e.to_string())),
    };
    let parent = OrgId::new(request.parent.clone());
    require_scope(&dir, &caller, &parent)?;
    let org = Organisation {
        id: OrgId::new(request.id.clone()),
        kind,
        parent: Some(parent),
        name,
    };
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let stored = org.clone();
    let added = tokio::task::spawn_blocking(move || store.add_organisation(&stored, &by))
        .await
        .map_err(ApiError::internal)?;
    match added {
        Ok(()) => {
            state.announce(Changed::Everything);
            Ok((StatusCode::CREATED, Json(org_view(&org))))
        }
        Err(StoreError::InvalidOrganisation(reason)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-organisation",
            reason.message_ru(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/admin/organisations/{org}/name`.
#[utoipa::path(post, path = "/api/admin/organisations/{org}/name", tag = "admin", security(("bearer" = [])),
    params(("org" = String, Path, description = "Организация")),
    request_body = OrganisationRename,
    responses(
        (status = 200, description = "Переименована", body = AdminOrganisation),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn rename_organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    JsonBody(request): JsonBody<OrganisationRename>,
) -> Result<Json<AdminOrganisation>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let id = OrgId::new(org);
    require_scope(&dir, &caller, &id)?;
    let name = check_name("name", &request.name)?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let (target, new_name) = (id.clone(), name.clone());
    blocking(move || store.rename_organisation(&target, &new_name, &by)).await?;
    let mut renamed = dir
        .get(&id)
        .cloned()
        .ok_or_else(|| no_such_org(id.as_str()))?;
    renamed.name = name;
    state.announce(Changed::Everything);
    Ok(Json(org_view(&renamed)))
}

/// `POST /api/admin/organisations/{org}/municipality`: moves a school.
#[utoipa::path(post, path = "/api/admin/organisations/{org}/municipality", tag = "admin", security(("bearer" = [])),
    params(("org" = String, Path, description = "Школа")),
    request_body = SchoolMove,
    responses(
        (status = 200, description = "Школа перенесена", body = AdminOrganisation),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Не школа, не муниципалитет или другой регион", body = ErrorBody),
    ))]
pub async fn move_school(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    JsonBody(request): JsonBody<SchoolMove>,
) -> Result<Json<AdminOrganisation>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let (school, to) = (OrgId::new(org), OrgId::new(request.municipality));
    require_scope(&dir, &caller, &school)?;
    require_scope(&dir, &caller, &to)?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let (moving, target) = (school.clone(), to.clone());
    let moved = tokio::task::spawn_blocking(move || store.move_school(&moving, &target, &by))
        .await
        .map_err(ApiError::internal)?;
    match moved {
        Ok(()) => {
            state.announce(Changed::Everything);
            let mut view = dir
                .get(&school)
                .cloned()
                .ok_or_else(|| no_such_org(school.as_str()))?;
            view.parent = Some(to);
            Ok(Json(org_view(&view)))
        }
        Err(StoreError::CannotMove(reason)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot-move",
            reason.message_ru(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/admin/users`: adds an account.
#[utoipa::path(post, path = "/api/admin/users", tag = "admin", security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Пользователь добавлен", body = AdminUser),
        (status = 403, body = ErrorBody),
        (status = 409, description = "Логин занят", body = ErrorBody),
        (status = 422, description = "Неверный логин, имя или слабый пароль", body = ErrorBody),
    ))]
pub async fn add_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<AdminUser>), ApiError> {
    require_admin(&caller)?;
    check_id("login", &request.login, &['-', '_', '.'])?;
    let name = check_name("display_name", &request.display_name)?;
    if let Some(problem) = workflow::password_problem(&request.login, &request.password) {
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak-password", problem)
                .with_details(serde_json::json!({ "field": "password" })),
        );
    }
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let login = request.login.clone();
    let added = tokio::task::spawn_blocking(move || {
        store.add_user(&login, &name, &request.password, &by)?;
        let dir = directory(&store)?;
        user_view(&store, &dir, &UserId::new(login))
    })
    .await
    .map_err(ApiError::internal)?;
    match added {
        Ok(user) => Ok((StatusCode::CREATED, Json(user))),
        Err(StoreError::DuplicateLogin { login }) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "login-taken",
            format!("логин «{login}» уже занят"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/admin/users/{user}/active`: deactivates or reactivates an account.
#[utoipa::path(post, path = "/api/admin/users/{user}/active", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин")),
    request_body = UserActive,
    responses(
        (status = 200, description = "Сделано; при отключении закрыты все сеансы", body = SessionsClosed),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Отключить себя нельзя", body = ErrorBody),
    ))]
pub async fn set_active(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    JsonBody(request): JsonBody<UserActive>,
) -> Result<Json<SessionsClosed>, ApiError> {
    require_admin(&caller)?;
    if !request.active && login == caller.user.as_str() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "self-deactivation",
            "свою учётную запись отключить нельзя",
        ));
    }
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let done = tokio::task::spawn_blocking(move || store.set_active(&user, request.active, &by))
        .await
        .map_err(ApiError::internal)?;
    match done {
        Ok(revoked) => {
            tracing::info!(user = %login, by = %caller.user, active = request.active, revoked, "account activity set");
            state.announce(Changed::Everything);
            Ok(Json(SessionsClosed { revoked }))
        }
        Err(StoreError::UnknownUser { .. }) => Err(unknown_user(&login)),
        Err(e) => Err(e.into()),
    }
}

/// The role and organisation of a grant, checked: a known role, an organisation the caller
/// administers.
fn grant_of(
    dir: &Directory,
    caller: &Caller,
    request: &RoleGrant,
) -> Result<(OrgId, Role), ApiError> {
    let role: Role = request
        .role
        .parse()
        .map_err(|e: workflow::ParseError| bad_field("role", e.message_ru()))?;
    let org = OrgId::new(request.org.clone());
    require_scope(dir, caller, &org)?;
    Ok((org, role))
}

/// The account after an edit, or the edit's error in Russian.
fn edited(
    outcome: Result<AdminUser, StoreError>,
    login: &str,
) -> Result<Json<AdminUser>, ApiError> {
    match outcome {
        Ok(user) => Ok(Json(user)),
        Err(StoreError::UnknownUser { .. }) => Err(unknown_user(login)),
        Err(StoreError::UnknownOrganisation { id }) => Err(no_such_org(id.as_str())),
        Err(StoreError::RoleDoesNotFit { role, org, .. }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "role-does-not-fit",
            format!(
                "роль «{}» нельзя выдать в организации «{org}»: она не даёт там прав",
                role.label_ru()
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/admin/users/{user}/roles`: grants a role.
#[utoipa::path(post, path = "/api/admin/users/{user}/roles", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин")),
    request_body = RoleGrant,
    responses(
        (status = 200, description = "Роль выдана", body = AdminUser),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Неизвестная роль или роль не подходит организации", body = ErrorBody),
    ))]
pub async fn grant(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    JsonBody(request): JsonBody<RoleGrant>,
) -> Result<Json<AdminUser>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let (org, role) = grant_of(&dir, &caller, &request)?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        store.grant(&user, &org, role, &by)?;
        user_view(&store, &dir, &user)
    })
    .await
    .map_err(ApiError::internal)?;
    state.announce(Changed::Everything);
    edited(outcome, &login)
}

/// `POST /api/admin/users/{user}/roles/withdraw`: withdraws a role.
#[utoipa::path(post, path = "/api/admin/users/{user}/roles/withdraw", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин")),
    request_body = RoleGrant,
    responses(
        (status = 200, description = "Роль снята", body = AdminUser),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Нет такого пользователя, организации или роли у него", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    JsonBody(request): JsonBody<RoleGrant>,
) -> Result<Json<AdminUser>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let (org, role) = grant_of(&dir, &caller, &request)?;
    if login == caller.user.as_str() && role == Role::Administrator {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "self-withdrawal",
            "свою роль администратора снять нельзя: это сделает другой администратор",
        ));
    }
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let held = store.revoke(&user, &org, role, &by)?;
        Ok::<_, StoreError>((held, user_view(&store, &dir, &user)?))
    })
    .await
    .map_err(ApiError::internal)?;
    match outcome {
        Ok((false, _)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-role",
            format!(
                "у «{login}» нет роли «{}» в «{}»",
                role.label_ru(),
                request.org
            ),
        )),
        Ok((true, user)) => {
            state.announce(Changed::Everything);
            Ok(Json(user))
        }
        Err(e) => edited(Err(e), &login),
    }
}

/// The school of a curator assignment, checked: a school the caller administers.
fn curated_school(
    dir: &Directory,
    caller: &Caller,
    request: &CuratorSchool,
) -> Result<OrgId, ApiError> {
    let school = OrgId::new(request.school.clone());
    require_scope(dir, caller, &school)?;
    if !matches!(
        dir.get(&school).map(|o| o.kind),
        Some(OrgKind::School { .. })
    ) {
        return Err(bad_field(
            "school",
            format!("«{school}» — не школа: куратора закрепляют за школами"),
        ));
    }
    Ok(school)
}

/// `POST /api/admin/users/{user}/schools`: assigns a curator to a school.
#[utoipa::path(post, path = "/api/admin/users/{user}/schools", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин куратора")),
    request_body = CuratorSchool,
    responses(
        (status = 200, description = "Куратор закреплён", body = AdminUser),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Не школа или пользователь не куратор", body = ErrorBody),
    ))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    JsonBody(request): JsonBody<CuratorSchool>,
) -> Result<Json<AdminUser>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let school = curated_school(&dir, &caller, &request)?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let curator = store
            .memberships(&user)?
            .iter()
            .any(|m| m.role == Role::Curator);
        if !curator && store.display_name(&user)?.is_some() {
            return Ok(None);
        }
        store.assign_curator(&user, &school, &by)?;
        user_view(&store, &dir, &user).map(Some)
    })
    .await
    .map_err(ApiError::internal)?;
    match outcome {
        Ok(None) => Err(bad_field(
            "user",
            format!("«{login}» не куратор: сначала выдайте ему роль «куратор»"),
        )),
        Ok(Some(user)) => {
            state.announce(Changed::Everything);
            Ok(Json(user))
        }
        Err(e) => edited(Err(e), &login),
    }
}

/// `POST /api/admin/users/{user}/schools/withdraw`: ends a curator's assignment.
#[utoipa::path(post, path = "/api/admin/users/{user}/schools/withdraw", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин куратора")),
    request_body = CuratorSchool,
    responses(
        (status = 200, description = "Закрепление снято", body = AdminUser),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Нет такого пользователя или закрепления", body = ErrorBody),
    ))]
pub async fn unassign(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    JsonBody(request): JsonBody<CuratorSchool>,
) -> Result<Json<AdminUser>, ApiError> {
    let dir = admin_directory(&state, &caller).await?;
    let school = curated_school(&dir, &caller, &request)?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let held = store.unassign_curator(&user, &school, &by)?;
        Ok::<_, StoreError>((held, user_view(&store, &dir, &user)?))
    })
    .await
    .map_err(ApiError::internal)?;
    match outcome {
        Ok((false, _)) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-such-assignment",
            format!("«{login}» не закреплён за «{}»", request.school),
        )),
        Ok((true, user)) => {
            state.announce(Changed::Everything);
            Ok(Json(user))
        }
        Err(e) => edited(Err(e), &login),
    }
}
