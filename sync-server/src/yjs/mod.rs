//! `/yjs/{doc}`: the y-websocket protocol (sync step 1 and 2, updates, awareness; `yrs::sync`)
//! over a document's narratives, for the web app's editors and any Yjs client.
//!
//! Authenticated and authorised as `/sync` is: the token (`?token=` or `Authorization:
//! Bearer`) names the user, and the permission table decides on the server's record of the
//! document. A stranger (or an unknown id) gets 404 and no socket; a reader gets the text and
//! the others' awareness, and any update of theirs that would change something is refused
//! (answered with the protocol's permission-denied message, never applied); who may write is
//! asked again for every update, so a submission freezes the narratives for its parties at
//! once. A message that does not decode, or is larger than
//! [`document::narrative::MAX_UPDATE_BYTES`], closes that connection and changes nothing.
//! Accepted updates are appended to the store before they are passed on; an update to a
//! returned, approved or collected document starts a new round, as an Automerge edit does.
//! The connection is registered with its token ([`crate::sessions`]) and closes with it.

pub mod connection;
pub mod rooms;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use workflow::Action;

use crate::access::{decide, directory};
use crate::api::auth::{authenticate, bearer};
use crate::api::blocking;
use crate::api::error::ApiError;
use crate::state::AppState;
use crate::sync::connection::Closer;

/// Query parameters of `/yjs/{doc}`.
#[derive(Debug, Deserialize)]
pub struct YjsQuery {
    /// Bearer token for browsers, which cannot set headers on websockets.
    token: Option<String>,
}

/// Checks the token and the caller's standing toward the document, then upgrades.
pub async fn upgrade(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<YjsQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(token) = query.token.or_else(|| bearer(&headers)) else {
        return ApiError::unauthorized().into_response();
    };
    let caller = match authenticate(&state, &token).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let Ok(doc) = store::document_id(&id) else {
        return ApiError::no_document(&id).into_response();
    };
    let store = state.store.clone();
    let user = caller.user.clone();
    let looked = blocking(move || {
        let record = store.document(&doc)?;
        Ok(record.map(|record| {
            let dir = directory(&store);
            dir.map(|dir| decide(&dir, &caller.people, &user, &record, Action::Read).is_allowed())
        }))
    })
    .await;
    match looked {
        Ok(Some(Ok(true))) => {}
        Ok(Some(Err(e))) => return ApiError::from(e).into_response(),
        Ok(_) => return ApiError::no_document(&id).into_response(),
        Err(e) => return e.into_response(),
    }
    let room = match state.yjs.room(&state.store, &id).await {
        Ok(room) => room,
        Err(e) => return ApiError::internal(e.to_string()).into_response(),
    };
    upgrade
        .max_message_size(document::narrative::MAX_UPDATE_BYTES + 1024)
        .max_frame_size(document::narrative::MAX_UPDATE_BYTES + 1024)
        .on_upgrade(move |socket| async move {
            let closer = Closer::default();
            let registration = state.sessions.register(&token, closer.clone());
            connection::serve(state, socket, id, caller.user, room, closer, registration).await;
        })
}
