//! `/healthz`: is the server up and is its storage writing?

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// 200 with `{"status": "ok"}` while storage writes succeed; 503 with the storage error while
/// they are being retried (a full disk, a locked file, a database server out of reach), so
/// monitoring sees it at once. Both name the database engine (`sqlite`, `postgresql`); a
/// replica on a shared database also names itself (`replica`: its peer id).
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let connections = state.acceptor.connection_count();
    if state.health.is_healthy() {
        (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "connections": connections,
                "database": state.store.engine_name(),
                "replica": state.cluster.as_ref().map(|c| c.peer_id.clone()),
            })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "storage_failing",
                "connections": connections,
                "database": state.store.engine_name(),
                "storage_error": state.health.snapshot().last_failure.map(|f| f.message),
            })),
        )
    }
}
