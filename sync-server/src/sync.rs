//! `/sync`: the automerge-repo websocket protocol, handed to samod.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::identity::Identity;
use crate::state::AppState;

/// The largest websocket message accepted. A sync message carries at most a document's
/// changes; a bigger one is garbage or an attack, and closes that connection only.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Query parameters of `/sync`.
#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    /// Bearer token for browsers, which cannot set headers on websockets.
    token: Option<String>,
}

/// Upgrades to a websocket and gives it to the repo, bound to the established identity.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SyncQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let identity = Identity::establish(&headers, query.token.as_deref());
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            match state
                .acceptor
                .accept_axum(socket, identity.expected_peer_id())
            {
                Ok(_) => tracing::debug!(?identity, "sync connection accepted"),
                Err(_) => tracing::warn!("sync connection refused: the repo is stopping"),
            }
        })
}
