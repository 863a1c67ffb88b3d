//! Accounts over HTTP: login (rate-limited), logout (of this session or of all the others),
//! changing one's password, who am I, and the [`Caller`] extractor that every other handler
//! takes, so that no API call runs without a valid bearer token. Logins, failed logins and
//! logouts are security events in the audit log, with the client's address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use api_types::{
    ErrorBody, LoginRequest, LoginResponse, PasswordChange, RoleView, SessionsClosed, WhoAmI,
};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use workflow::{Memberships, UserId};

use crate::api::blocking;
use crate::api::error::{ApiError, JsonBody};
use crate::state::AppState;

/// How long a token lives.
pub const TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Failed logins allowed per login within [`FAILURE_WINDOW`].
const MAX_FAILURES_PER_LOGIN: u32 = 5;
/// Failed logins allowed per client address within [`FAILURE_WINDOW`]: higher, because a
/// whole school may share one address.
const MAX_FAILURES_PER_ADDRESS: u32 = 50;
/// The window over which failures are counted; a refused login waits until it passes.
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

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

/// Counts failed logins per key (a login, an address) to slow down password guessing.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// How long `key` must still wait, if it has used up its failures.
    fn wait(&self, key: &str, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let (count, since) = failures.get(key)?;
        let elapsed = now.duration_since(*since);
        let max = if key.starts_with("addr:") {
            MAX_FAILURES_PER_ADDRESS
        } else {
            MAX_FAILURES_PER_LOGIN
        };
        (*count >= max && elapsed < FAILURE_WINDOW).then(|| FAILURE_WINDOW - elapsed)
    }

    fn fail(&self, key: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Forget old windows so the map does not grow with every name ever tried.
        failures.retain(|_, (_, since)| now.duration_since(*since) < FAILURE_WINDOW);
        let entry = failures.entry(key.to_owned()).or_insert((0, now));
        entry.0 += 1;
    }

    /// The 429 answer (with `Retry-After`) to give instead of checking a password, if any of
    /// `keys` has used up its failures.
    fn refusal(&self, keys: &[String], now: Instant) -> Option<Response> {
        let wait = keys.iter().filter_map(|k| self.wait(k, now)).max()?;
        let seconds = wait.as_secs().max(1);
        let error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-attempts",
            format!("слишком много неудачных попыток ввода пароля; повторите через {seconds} с"),
        )
        .with_details(serde_json::json!({ "retry_after": seconds }));
        Some(
            (
                [(header::RETRY_AFTER, seconds.to_string())],
                error.into_response(),
            )
                .into_response(),
        )
    }

    fn succeed(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(key);
    }
}

/// Logs in with a login and password and returns a bearer token.
#[utoipa::path(post, path = "/api/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, description = "Вход выполнен", body = LoginResponse),
        (status = 401, description = "Неверный логин или пароль", body = ErrorBody),
        (status = 429, description = "Слишком много неудачных попыток", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(crate::net::ClientAddr(peer)): axum::extract::ConnectInfo<
        crate::net::ClientAddr,
    >,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<LoginResponse>, Response> {
    let now = Instant::now();
    let keys = [
        format!("login:{}", request.user),
        format!("addr:{}", peer.ip()),
    ];
    if let Some(refusal) = state.limiter.refusal(&keys, now) {
        return Err(refusal);
    }
    let store = state.store.clone();
    let (login, password) = (request.user.clone(), request.password);
    let address = peer.ip().to_string();
    let verified = blocking(move || {
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
            state.limiter.succeed(&keys[0]);
            tracing::info!(user = %user, "login");
            Ok(Json(LoginResponse {
                token,
                user: user.as_str().to_owned(),
                display_name,
                expires_in: TOKEN_TTL.as_secs(),
            }))
        }
        None => {
            for key in &keys {
                state.limiter.fail(key, now);
            }
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
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    JsonBody(request): JsonBody<PasswordChange>,
) -> Result<Json<SessionsClosed>, Response> {
    let token = bearer(&headers).ok_or_else(|| ApiError::unauthorized().into_response())?;
    let login = caller.user.as_str().to_owned();
    let now = Instant::now();
    let keys = [format!("login:{login}")];
    if let Some(refusal) = state.limiter.refusal(&keys, now) {
        return Err(refusal);
    }
    let weak = |message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak-password", message)
            .with_details(serde_json::json!({ "field": "new_password" }))
            .into_response()
    };
    if let Some(problem) = workflow::password_problem(&login, &request.new_password) {
        return Err(weak(problem));
    }
    if request.new_password == request.current_password {
        return Err(weak("новый пароль совпадает с текущим".to_owned()));
    }
    let store = state.store.clone();
    let user = caller.user.clone();
    let changed = blocking(move || {
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
            state.limiter.succeed(&keys[0]);
            tracing::info!(user = %caller.user, revoked, "password changed");
            Ok(Json(SessionsClosed { revoked }))
        }
        None => {
            state.limiter.fail(&keys[0], now);
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
