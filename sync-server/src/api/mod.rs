//! The REST API under `/api`: accounts, documents and their lifecycle, the regional registry.
//!
//! Every handler but login takes a [`Caller`](auth::Caller), so no call runs unauthenticated;
//! every document handler asks the permission table through [`authorize`] before it looks at
//! the document. Errors are [`ApiError`](error::ApiError)s: `{error, message, details}` with a
//! Russian message.
//!
//! A document id from a client is parsed only by `store::document_id`, which accepts the
//! canonical (base58check) spelling alone: an id spelled otherwise (a UUID, hex) is refused
//! before any lookup, as an unknown id is (404 in paths, 422 when registering), so no alias
//! of one document's bytes can stand for another record.

pub mod admin;
pub mod admin_edits;
pub mod attempts;
pub mod auth;
pub mod campaigns;
pub mod curator;
pub mod dashboard;
pub mod documents;
pub mod error;
pub mod identification;
pub mod impact;
pub mod lifecycle;
pub mod openapi;
pub mod organisations;
pub mod refusals;
pub mod registry;
pub mod report;
pub mod views;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get, post};
use samod::DocHandle;
use store::{DocumentRecord, StoreError};
use workflow::{Action, Decision, Directory, DocumentId, Reason, Transition, UserId};

use crate::access::{Changed, decide, directory};
use crate::state::AppState;
use auth::Caller;
use error::ApiError;

/// The user recorded as acting when the server itself observes something (an edit after a
/// decision arriving through `/sync`).
pub const SYSTEM_USER: &str = "system";

/// The routes under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/logout/others", post(auth::logout_others))
        .route("/api/password", post(auth::change_password))
        .route("/api/whoami", get(auth::whoami))
        .route(
            "/api/documents",
            get(documents::list).post(documents::register),
        )
        .route("/api/organisations", get(organisations::list))
        .route("/api/documents/{id}", get(documents::show))
        .route("/api/documents/{id}/diff", get(documents::diff))
        .route("/api/documents/{id}/report", get(report::show))
        .route("/api/documents/{id}/submissions", post(lifecycle::submit))
        .route("/api/documents/{id}/signatures", post(lifecycle::sign))
        .route("/api/documents/{id}/review", post(lifecycle::review))
        .route("/api/documents/{id}/collect", post(lifecycle::collect))
        .route("/api/registry", get(registry::list))
        .route("/api/registry/export", get(registry::export))
        .route("/api/dashboard", get(dashboard::show))
        .route(
            "/api/admin/users",
            get(admin::users).post(admin_edits::add_user),
        )
        .route(
            "/api/admin/users/{user}/active",
            post(admin_edits::set_active),
        )
        .route("/api/admin/users/{user}/roles", post(admin_edits::grant))
        .route(
            "/api/admin/users/{user}/roles/withdraw",
            post(admin_edits::withdraw),
        )
        .route("/api/admin/users/{user}/schools", post(admin_edits::assign))
        .route(
            "/api/admin/users/{user}/schools/withdraw",
            post(admin_edits::unassign),
        )
        .route(
            "/api/admin/organisations",
            get(admin_edits::organisations).post(admin_edits::add_organisation),
        )
        .route(
            "/api/admin/organisations/{org}/name",
            post(admin_edits::rename_organisation),
        )
        .route(
            "/api/admin/organisations/{org}/municipality",
            post(admin_edits::move_school),
        )
        .route("/api/curator/schools", get(curator::schools))
        .route("/api/campaigns", get(campaigns::list).post(campaigns::open))
        .route("/api/campaigns/{id}/status", get(campaigns::show))
        .route("/api/campaigns/{id}/export", get(campaigns::export))
        .route("/api/obligations", get(campaigns::obligations))
        .route("/api/requirements/impact", post(impact::report))
        .route(
            "/api/admin/users/{user}/password",
            post(admin::reset_password),
        )
        .route(
            "/api/admin/users/{user}/sessions/close",
            post(admin::close_sessions),
        )
        .route("/api/admin/audit", get(admin::audit))
        .route("/api/admin/audit/verify", get(admin::verify))
        .route(
            "/api/identification",
            get(identification::list).post(identification::upload),
        )
        .route("/api/identification/{id}", get(identification::show))
        .route(
            "/api/identification/{id}/confirm",
            post(identification::confirm),
        )
        .route(
            "/api/schools/{school}/identification",
            get(identification::of_school),
        )
        .route("/api/openapi.json", get(openapi::document))
        // Unknown API paths answer JSON here rather than falling through to the web app.
        .route("/api", any(no_such_endpoint))
        .route("/api/", any(no_such_endpoint))
        .route("/api/{*rest}", any(no_such_endpoint))
}

/// The answer to a path under `/api` (or `/sync`, `/yjs`) that names no endpoint.
pub(crate) async fn no_such_endpoint() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no-such-endpoint",
        "нет такого адреса API",
    )
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// The document `id` (as a client spelled it) with the organisation tree, if the caller has
/// any standing toward it; 404 otherwise: for an unknown id, and for an id not spelled
/// canonically, which is refused before anything is looked up.
pub async fn visible(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(Directory, DocumentRecord), ApiError> {
    let doc = store::document_id(id).map_err(|_| ApiError::no_document(id))?;
    let store = state.store.clone();
    let (dir, record) = blocking(move || Ok((directory(&store)?, store.document(&doc)?))).await?;
    let record = record.ok_or_else(|| ApiError::no_document(id))?;
    let record = observe_edits(state, record).await?;
    authorize(&dir, caller, &record, Action::Read)?;
    Ok((dir, record))
}

/// `Ok` when the caller may do `action` to `record`; 404 for a stranger, 409 when their role
/// allows it but not in the document's status, 403 with the reason in Russian otherwise.
pub fn authorize(
    directory: &Directory,
    caller: &Caller,
    record: &DocumentRecord,
    action: Action,
) -> Result<(), ApiError> {
    let reason = match decide(directory, &caller.people, &caller.user, record, action) {
        Decision::Allowed => return Ok(()),
        Decision::Denied(Reason::NoAccess) => {
            return Err(ApiError::no_document(record.document.id.as_str()));
        }
        Decision::Denied(reason) => reason,
    };
    // Allowed to this role but not in the document's current status: a conflict with the
    // document's state rather than a question of rights.
    let (status, error) = match reason {
        Reason::WrongStatus { .. } => (StatusCode::CONFLICT, "wrong-status"),
        _ => (StatusCode::FORBIDDEN, "forbidden"),
    };
    Err(
        ApiError::new(status, error, reason.message_ru()).with_details(serde_json::json!({
            "action": action.as_str(),
            "status": record.document.status.as_str(),
            "reason": reason.to_string(),
        })),
    )
}

/// The server's live copy of document `id`, loaded from storage (or asked of connected peers).
/// Only a canonically spelled id finds content (records hold no other spelling).
pub async fn handle(state: &AppState, id: &DocumentId) -> Result<DocHandle, ApiError> {
    let doc_id =
        store::repo_document_id(id.as_str()).map_err(|_| ApiError::no_document(id.as_str()))?;
    state
        .repo
        .find(doc_id)
        .await
        .map_err(|_| ApiError::internal("the repo is stopping"))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "not-synced",
                format!(
                    "документ {id} зарегистрирован, но его содержимое ещё не получено сервером: \
                     синхронизируйте его (ravenstvo sync)"
                ),
            )
        })
}

/// The current heads of the server's copy as change hashes, if it has the document.
pub async fn current_heads(state: &AppState, id: &DocumentId) -> Option<Vec<String>> {
    let handle = handle(state, id).await.ok()?;
    Some(handle.with_document(|doc| doc.get_heads().iter().map(ToString::to_string).collect()))
}

/// Applies the edit the server has observed since a decision: a returned, approved or
/// collected document whose content moved on from its latest submission starts a new round
/// (the decision stays with the version decided). Other records are returned unchanged.
pub async fn observe_edits(
    state: &AppState,
    record: DocumentRecord,
) -> Result<DocumentRecord, ApiError> {
    use workflow::Status::{Approved, Collected, Returned};
    if !matches!(record.document.status, Returned | Approved | Collected) {
        return Ok(record);
    }
    let Some(latest) = record.state.latest() else {
        return Ok(record);
    };
    let Some(mut now) = current_heads(state, &record.document.id).await else {
        return Ok(record);
    };
    let mut submitted = latest.heads.hashes().to_vec();
    now.sort_unstable();
    submitted.sort_unstable();
    if now == submitted {
        return Ok(record);
    }
    start_new_round(state, record).await
}

/// Starts the new round of a returned, approved or collected document that was just edited
/// (over `/sync` or a narrative over `/yjs`); other records are returned unchanged.
pub async fn start_new_round(
    state: &AppState,
    record: DocumentRecord,
) -> Result<DocumentRecord, ApiError> {
    use workflow::Status::{Approved, Collected, Returned};
    if !matches!(record.document.status, Returned | Approved | Collected) {
        return Ok(record);
    }
    let store = state.store.clone();
    let id = record.document.id.clone();
    let edited =
        blocking(move || store.transition(&id, &Transition::Edit, &UserId::new(SYSTEM_USER), None))
            .await?;
    match edited {
        Ok(next) => {
            tracing::info!(document = %next.document.id, round = next.state.round(), "edit after a decision: new round");
            state.announce(Changed::Document(next.document.id.clone()));
            Ok(next)
        }
        // Another request applied it first; read what it stored.
        Err(_) => {
            let store = state.store.clone();
            let id = record.document.id.clone();
            let stored = blocking(move || store.document(&id)).await?;
            Ok(stored.unwrap_or(record))
        }
    }
}
