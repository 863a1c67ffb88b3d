//! The administrator's endpoints under `/api/admin`: the accounts with their roles, setting a
//! user's password, closing a user's sessions, the audit log with filters and its chain
//! verified. Every handler refuses anyone who is not an administrator before reading anything.

use api_types::{
    AdminUser, AuditCheck, AuditFilter, AuditRowView, ErrorBody, PasswordReset, RoleView,
    SessionsClosed,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use store::{Store, StoreError};
use workflow::{Directory, Role, UserId};

use crate::access::directory;
use crate::api::views;

use crate::api::auth::Caller;
use crate::api::blocking;
use crate::api::error::{ApiError, JsonBody, QueryParams};
use crate::state::AppState;

/// How many audit rows one answer holds unless asked for fewer.
pub const AUDIT_PAGE: usize = 200;
/// The most audit rows one answer holds.
pub const AUDIT_MAX: usize = 1000;

/// `Ok` for an administrator; 403 for anyone else.
pub(crate) fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller
        .people
        .roles
        .iter()
        .any(|m| m.role == Role::Administrator)
    {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "это может только администратор",
        ))
    }
}

/// 404 for a login with no account.
pub(crate) fn unknown_user(login: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-such-user",
        format!("пользователя {login:?} нет"),
    )
}

/// `GET /api/admin/users`.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "Все пользователи с ролями, по логину", body = Vec<AdminUser>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Не администратор", body = ErrorBody),
    ))]
pub async fn users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<AdminUser>>, ApiError> {
    require_admin(&caller)?;
    let store = state.store.clone();
    let users = blocking(move || {
        let dir = directory(&store)?;
        let deactivated = store.deactivated_users()?;
        store
            .users()?
            .into_iter()
            .map(|(id, display_name)| view(&store, &dir, id, display_name, &deactivated))
            .collect::<Result<Vec<_>, StoreError>>()
    })
    .await?;
    Ok(Json(users))
}

/// One account as the administrator sees it, read afresh after an edit.
///
/// # Errors
///
/// [`StoreError::UnknownUser`] when there is no such account; [`StoreError::Sqlite`] if the
/// database fails.
pub(crate) fn user_view(
    store: &Store,
    dir: &Directory,
    user: &UserId,
) -> Result<AdminUser, StoreError> {
    let name = store
        .display_name(user)?
        .ok_or_else(|| StoreError::UnknownUser { id: user.clone() })?;
    view(store, dir, user.clone(), name, &store.deactivated_users()?)
}

/// The view of account `id` named `display_name`, with its roles and curated schools.
fn view(
    store: &Store,
    dir: &Directory,
    id: UserId,
    display_name: String,
    deactivated: &[UserId],
) -> Result<AdminUser, StoreError> {
    let people = store.people_of(&id)?;
    let roles = people
        .roles
        .into_iter()
        .map(|m| RoleView {
            org_name: dir.get(&m.org).map(|o| o.name.clone()).unwrap_or_default(),
            org: m.org.as_str().to_owned(),
            role: m.role.as_str().to_owned(),
            role_ru: m.role.label_ru().to_owned(),
        })
        .collect();
    Ok(AdminUser {
        active: !deactivated.contains(&id),
        curated: people
            .curated
            .iter()
            .map(|a| views::org(dir, &a.school))
            .collect(),
        user: id.as_str().to_owned(),
        display_name,
        roles,
    })
}

/// `POST /api/admin/users/{user}/password`: sets the password and closes every session.
#[utoipa::path(post, path = "/api/admin/users/{user}/password", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин")),
    request_body = PasswordReset,
    responses(
        (status = 200, description = "Пароль задан, сеансы закрыты", body = SessionsClosed),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "Слабый пароль", body = ErrorBody),
    ))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
    JsonBody(request): JsonBody<PasswordReset>,
) -> Result<Json<SessionsClosed>, ApiError> {
    require_admin(&caller)?;
    if let Some(problem) = workflow::password_problem(&login, &request.new_password) {
        return Err(
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak-password", problem)
                .with_details(serde_json::json!({ "field": "new_password" })),
        );
    }
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let revoked = tokio::task::spawn_blocking(move || {
        store.set_password(&user, &request.new_password, None, &by)
    })
    .await
    .map_err(ApiError::internal)?;
    match revoked {
        Ok(revoked) => {
            tracing::info!(user = %login, by = %caller.user, revoked, "password reset");
            Ok(Json(SessionsClosed { revoked }))
        }
        Err(StoreError::UnknownUser { .. }) => Err(unknown_user(&login)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/admin/users/{user}/sessions/close`: closes every session of the user.
#[utoipa::path(post, path = "/api/admin/users/{user}/sessions/close", tag = "admin", security(("bearer" = [])),
    params(("user" = String, Path, description = "Логин")),
    responses(
        (status = 200, description = "Сеансы закрыты", body = SessionsClosed),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn close_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Path(login): Path<String>,
) -> Result<Json<SessionsClosed>, ApiError> {
    require_admin(&caller)?;
    let store = state.store.clone();
    let by = caller.user.as_str().to_owned();
    let user = UserId::new(login.clone());
    let revoked = tokio::task::spawn_blocking(move || store.revoke_tokens(&user, None, &by))
        .await
        .map_err(ApiError::internal)?;
    match revoked {
        Ok(revoked) => Ok(Json(SessionsClosed { revoked })),
        Err(StoreError::UnknownUser { .. }) => Err(unknown_user(&login)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/admin/audit`: the audit log, newest first, filtered.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", security(("bearer" = [])),
    params(AuditFilter),
    responses(
        (status = 200, description = "Записи журнала, новые сверху", body = Vec<AuditRowView>),
        (status = 403, body = ErrorBody),
    ))]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(filter): QueryParams<AuditFilter>,
) -> Result<Json<Vec<AuditRowView>>, ApiError> {
    require_admin(&caller)?;
    for date in [&filter.from, &filter.to].into_iter().flatten() {
        if !date.is_empty() && !crate::api::registry::is_date(date) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-date",
                format!("дата {date:?} должна быть в виде ГГГГ-ММ-ДД"),
            ));
        }
    }
    let store = state.store.clone();
    let rows = blocking(move || store.audit_log()).await?;
    let limit = filter.limit.unwrap_or(AUDIT_PAGE).min(AUDIT_MAX);
    let keep = |value: &str, wanted: &Option<String>| {
        wanted.as_deref().is_none_or(|w| w.is_empty() || value == w)
    };
    let out = rows
        .into_iter()
        .rev()
        .filter(|r| {
            keep(&r.actor, &filter.actor)
                && keep(&r.action, &filter.action)
                && filter
                    .subject
                    .as_deref()
                    .is_none_or(|s| r.subject.contains(s))
                && filter
                    .from
                    .as_deref()
                    .is_none_or(|from| from.is_empty() || day(&r.at) >= from)
                && filter
                    .to
                    .as_deref()
                    .is_none_or(|to| to.is_empty() || day(&r.at) <= to)
        })
        .take(limit)
        .map(|r| AuditRowView {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            details: r.details,
            hash: r.hash,
        })
        .collect();
    Ok(Json(out))
}

/// The day (`YYYY-MM-DD`) of an RFC 3339 time.
fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// `GET /api/admin/audit/verify`: recomputes the audit log's hash chain.
#[utoipa::path(get, path = "/api/admin/audit/verify", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "Цепочка проверена", body = AuditCheck),
        (status = 403, body = ErrorBody),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<AuditCheck>, ApiError> {
    require_admin(&caller)?;
    let store = state.store.clone();
    let checked = blocking(move || store.verify_audit()).await?;
    Ok(Json(match checked {
        Ok(rows) => AuditCheck {
            holds: true,
            rows,
            broken_at: None,
            problem: None,
        },
        Err(broken) => AuditCheck {
            holds: false,
            rows: 0,
            broken_at: Some(broken.seq),
            problem: Some(broken.problem),
        },
    }))
}
