//! Accounts over HTTP: login (rate-limited), logout (of this session or of all the others),
//! changing one's password, who am I, and the [`Caller`] extractor that every other handler
//! takes, so that no API call runs without a valid bearer token. Logins, failed logins and
//! logouts are security events in the audit log, with the client's address. Every password
//! check goes through the [`PasswordGate`](crate::api::attempts::PasswordGate) first.

use std::time::{Duration, SystemTime};

use api_types::{
    ErrorBody, LoginRequest, LoginResponse, PasswordChange, RoleView, SessionsClosed, WhoAmI,
};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use workflow::{Memberships, UserId};

use crate::api::attempts::{Admission, AttemptKey};
use crate::api::blocking;
use crate::api::error::{ApiError, JsonBody};
use crate::state::AppState;

/// How long a token lives.
pub const TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// An authenticated caller: the user behind the bearer token, with their roles.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who.
    pub user: UserId,
    /// Their roles and curator assignments.
    pub people: Memberships,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        authenticate(state, &token).await
    }
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}

/// The caller a token belongs to, or 401.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let store = state.store.clone();
    let token = token.to_owned();
    let found = blocking(move || {
        let Some(user) = store.user_for_token(&token, SystemTime::now())? else {
            return Ok(None);
        };
        let people = store.people_of(&user)?;
        Ok(Some(Caller { user, people }))
    })
    .await?;
    found.ok_or_else(ApiError::unauthorized)
}

/// Longest login kept in the audit log for a failed attempt: what was typed may be anything.
const AUDITED_LOGIN_CHARS: usize = 64;

/// The audit entry of a login, a failed login or a logout by `who` from `address` (never the
/// password or the token).
fn security_event(who: &str, action: &str, address: &str) -> store::AuditEntry {
    let who: String = who.chars().take(AUDITED_LOGIN_CHARS).collect();
    store::AuditEntry {
        actor: who.clone(),
        action: action.to_owned(),
        subject: who,
        heads: String::new(),
        details: serde_json::json!({ "address": address }),
    }
}

/// Logs in with a login and password and returns a bearer token.
#[utoipa::path(post, path = "/api/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Вход выполнен", body = LoginResponse),
        (status = 401, description = "Неверный логин или пароль", body = ErrorBody),
        (status = 429, description = "Слишком много неудачных попыток", body = ErrorBody),
        (status = 503, description = "Сервер занят проверкой других паролей", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(crate::net::ClientAddr(peer)): axum::extract::ConnectInfo<
        crate::net::ClientAddr,
    >,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, Response> {
    let keys = [
        AttemptKey::login(&request.user),
        AttemptKey::Address(peer.ip()),
    ];
    let Admission {
        reservation,
        permit,
    } = state.passwords.admit(&keys).await?;
    let store = state.store.clone();
    let (login, password) = (request.user.clone(), request.password);
    let address = peer.ip().to_string();
    let verified = blocking(move || {
        // Held until argon2 is done, even if the client goes away meanwhile.
        let _permit = permit;
        let Some(user) = store.verify_password(&login, &password)? else {
            store.audit(&security_event(&login, "login-failed", &address))?;
            return Ok(None);
        };
        let token = store.issue_token(&user, TOKEN_TTL)?;
        let name = store.display_name(&user)?.unwrap_or_default();
        store.audit(&security_event(user.as_str(), "login", &address))?;
        Ok(Some((user, token, name)))
    })
    .await
    .map_err(IntoResponse::into_response)?;
    match verified {
        Some((user, token, display_name)) => {
            reservation.succeeded().await;
            tracing::info!(user = %user, "login");
            Ok(Json(LoginResponse {
                token,
                user: user.as_str().to_owned(),
                display_name,
                expires_in: TOKEN_TTL.as_secs(),
            }))
        }
        None => {
            reservation.failed();
            tracing::info!(login = %request.user, "failed login");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad-credentials",
                "неверный логин или пароль",
            )
            .into_response())
        }
    }
}

/// Revokes the caller's token.
#[utoipa::path(post, path = "/api/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "Токен отозван"), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(crate::net::ClientAddr(peer)): axum::extract::ConnectInfo<
        crate::net::ClientAddr,
    >,
    headers: HeaderMap,
    caller: Caller,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers).ok_or_else(ApiError::unauthorized)?;
    let store = state.store.clone();
    let address = peer.ip().to_string();
    blocking(move || {
        if store.revoke_token(&token)? {
            store.audit(&security_event(caller.user.as_str(), "logout", &address))?;
        }
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes every token of the caller's but this one ("sign me out on the other computers").
#[utoipa::path(post, path = "/api/logout/others", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "Другие сеансы закрыты", body = SessionsClosed),
        (status = 401, body = ErrorBody),
    ))]
pub async fn logout_others(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Json<SessionsClosed>, ApiError> {
    let token = bearer(&headers).ok_or_else(ApiError::unauthorized)?;
    let store = state.store.clone();
    let user = caller.user.clone();
    let revoked = blocking(move || store.revoke_tokens(&user, Some(&token), user.as_str())).await?;
    tracing::info!(user = %caller.user, revoked, "other sessions closed");
    Ok(Json(SessionsClosed { revoked }))
}

/// Changes the caller's password: the current one is asked again (and wrong guesses count
/// towards the same limit as logins), the new one must pass `workflow::password_problem`;
/// every other session of the caller is closed, this one stays.
#[utoipa::path(post, path = "/api/password", tag = "accounts", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Пароль изменён, другие сеансы закрыты", body = SessionsClosed),
        (status = 401, description = "Текущий пароль неверен", body = ErrorBody),
        (status = 422, description = "Новый пароль не подходит", body = ErrorBody),
        (status = 429, description = "Слишком много неудачных попыток", body = ErrorBody),
        (status = 503, description = "Сервер занят проверкой других паролей", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    JsonBody(request): JsonBody<PasswordChange>,
) -> Result<Json<SessionsClosed>, Response> {
    let token = bearer(&headers).ok_or_else(|| ApiError::unauthorized().into_response())?;
    let login = caller.user.as_str().to_owned();
    let weak = |message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak-password", message)
            .with_details(serde_json::json!({ "field": "new_password" }))
            .into_response()
    };
    // Judged before any hashing: a weak new password costs no check and no attempt.
    if let Some(problem) = workflow::password_problem(&login, &request.new_password) {
        return Err(weak(problem));
    }
    if request.new_password == request.current_password {
        return Err(weak("новый пароль совпадает с текущим".to_owned()));
    }
    let keys = [AttemptKey::login(&login)];
    let Admission {
        reservation,
        permit,
    } = state.passwords.admit(&keys).await?;
    let store = state.store.clone();
    let user = caller.user.clone();
    let changed = blocking(move || {
        // One permit covers both argon2 runs: checking the current password, hashing the new.
        let _permit = permit;
        if store.verify_password(user.as_str(), &request.current_password)? != Some(user.clone()) {
            return Ok(None);
        }
        let revoked =
            store.set_password(&user, &request.new_password, Some(&token), user.as_str())?;
        Ok(Some(revoked))
    })
    .await
    .map_err(IntoResponse::into_response)?;
    match changed {
        Some(revoked) => {
            reservation.succeeded().await;
            tracing::info!(user = %caller.user, revoked, "password changed");
            Ok(Json(SessionsClosed { revoked }))
        }
        None => {
            reservation.failed();
            tracing::info!(user = %caller.user, "password change with a wrong current password");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad-credentials",
                "текущий пароль неверен",
            )
            .with_details(serde_json::json!({ "field": "current_password" }))
            .into_response())
        }
    }
}

/// Who the token belongs to and what roles they hold.
#[utoipa::path(get, path = "/api/whoami", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
pub async fn whoami(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<WhoAmI>, ApiError> {
    let store = state.store.clone();
    let user = caller.user.clone();
    let (name, orgs) =
        blocking(move || Ok((store.display_name(&user)?, store.organisations()?))).await?;
    let roles = caller
        .people
        .roles
        .iter()
        .map(|m| RoleView {
            org: m.org.as_str().to_owned(),
            org_name: orgs
                .iter()
                .find(|o| o.id == m.org)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            role: m.role.as_str().to_owned(),
            role_ru: m.role.label_ru().to_owned(),
        })
        .collect();
    Ok(Json(WhoAmI {
        user: caller.user.as_str().to_owned(),
        display_name: name.unwrap_or_default(),
        roles,
        curated: caller
            .people
            .curated
            .iter()
            .map(|a| a.school.as_str().to_owned())
            .collect(),
    }))
}
