//! `/sync`: the automerge-repo websocket protocol, handed to samod, for authenticated peers
//! only.
//!
//! The token (`?token=`, or `Authorization: Bearer` for clients that can set headers) names
//! the user; the peer id the replica will announce (`?peer=`) must be that user's
//! (`u:<user>:<replica>`), and the transport is bound to it, so a client cannot claim someone
//! else's id. What the peer may then see and change is decided per document by
//! [`Policy`](crate::access::Policy).
//!
//! Between the socket and samod sits the connection's [`guard`]: every message is judged
//! (sender, document id, registration, size, depth) before samod sees it, and the
//! [`connection`] closes when the guard refuses a message, when the peer does not join in
//! time, or when its token dies ([`crate::sessions`]). [`wire`] reads the messages'
//! envelopes.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::access::user_of_peer;
use crate::api::auth::{authenticate, bearer};
use crate::api::error::ApiError;
use crate::replicas::is_replica_peer;
use crate::state::AppState;
use connection::Closer;

pub mod connection;
pub mod guard;
pub mod wire;

/// The largest websocket message accepted. A sync message carries at most a document's
/// changes (compressed); a bigger one is garbage or an attack, and closes that connection
/// only. What a message may inflate to and how many operations it may carry are bounded
/// separately (`document::incoming::Limits`), before samod applies it.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// Query parameters of `/sync`.
#[derive(Debug, Deserialize)]
pub struct SyncQuery {
    /// Bearer token for browsers, which cannot set headers on websockets.
    token: Option<String>,
    /// The peer id the replica announces in its handshake: `u:<user>:<replica>`.
    peer: Option<String>,
    /// The cluster's secret, when another server replica on the same database dials in
    /// (its peer id is then `r:<uuid>`; see [`crate::replicas`]).
    replica: Option<String>,
}

/// Checks the token and the claimed peer id, then upgrades to a websocket bound to that peer.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SyncQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Some(secret) = &query.replica {
        return upgrade_replica(state, secret, query.peer, upgrade);
    }
    let Some(token) = query.token.or_else(|| bearer(&headers)) else {
        return ApiError::unauthorized().into_response();
    };
    let caller = match authenticate(&state, &token).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let Some(peer) = query.peer else {
        return ApiError::bad_request(
            "не указан идентификатор реплики (?peer=u:<логин>:<реплика>)",
        )
        .into_response();
    };
    if peer.len() > wire::MAX_NAME_CHARS {
        return ApiError::bad_request(format!(
            "идентификатор реплики длиннее {} символов",
            wire::MAX_NAME_CHARS
        ))
        .into_response();
    }
    if user_of_peer(&peer).as_ref() != Some(&caller.user) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "foreign-peer",
            format!(
                "идентификатор реплики {peer} не принадлежит пользователю {}",
                caller.user
            ),
        )
        .into_response();
    }
    connect(state, upgrade, peer, Some(token))
}

/// Upgrades to a websocket bound to `peer` and hands it to the repo, registered among the live
/// connections with its `token` (none for another replica).
fn connect(
    state: AppState,
    upgrade: WebSocketUpgrade,
    peer: String,
    token: Option<String>,
) -> Response {
    upgrade
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let closer = Closer::default();
            let registration = match &token {
                Some(token) => state.sessions.register(token, closer.clone()),
                None => state.sessions.register_replica(closer.clone()),
            };
            connection::accept(&state, socket, peer, closer, registration);
        })
}

/// Another replica of this server on the same database dialing in: admitted with the cluster's
/// secret and a replica peer id, and trusted with every document (each replica applied the
/// permission table to what its own clients sent).
fn upgrade_replica(
    state: AppState,
    secret: &str,
    peer: Option<String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let admitted = state.cluster.as_ref().is_some_and(|c| c.admits(secret));
    if !admitted {
        return ApiError::unauthorized().into_response();
    }
    let Some(peer) = peer.filter(|p| is_replica_peer(p) && p.len() <= wire::MAX_NAME_CHARS) else {
        return ApiError::bad_request("не указан идентификатор сервера (?peer=r:<uuid>)")
            .into_response();
    };
    connect(state, upgrade, peer, None)
}
