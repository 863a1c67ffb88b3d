//! The server's copy of each document's narratives, shared by every `/yjs` connection to it:
//! the Yjs document (loaded from the store on first use) with the awareness (who is where) of
//! the people connected, and a channel that passes each accepted message to the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use document::narrative::Narratives;
use store::Store;
use tokio::sync::{Mutex as AsyncMutex, broadcast};
use yrs::sync::Awareness;

use crate::state::AppState;

/// How often the compaction task looks for documents with many updates.
pub const COMPACT_INTERVAL: Duration = Duration::from_secs(5);

/// Messages queued for the connections of one document before a slow one misses some (it is
/// then closed and reconnects, syncing what it missed).
const ROOM_QUEUE: usize = 1024;

/// One document's narratives and the connections editing them.
pub struct Room {
    /// The Yjs document and its awareness; one message is handled at a time.
    pub awareness: AsyncMutex<Awareness>,
    /// Accepted messages, with the id of the connection that sent them.
    pub relay: broadcast::Sender<(u64, Arc<Vec<u8>>)>,
}

/// Every document's room, loaded on first use.
#[derive(Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    /// Loading a room is serialised so two connections do not load one twice.
    loading: AsyncMutex<()>,
}

impl Rooms {
    /// The room of document `id` (canonical spelling), loaded from the store if needed.
    pub async fn room(&self, store: &Store, id: &str) -> anyhow::Result<Arc<Room>> {
        if let Some(room) = self.lock().get(id) {
            return Ok(room.clone());
        }
        let _loading = self.loading.lock().await;
        if let Some(room) = self.lock().get(id) {
            return Ok(room.clone());
        }
        let narratives = load(store, id).await?;
        let (relay, _) = broadcast::channel(ROOM_QUEUE);
        let room = Arc::new(Room {
            awareness: AsyncMutex::new(Awareness::new(narratives.doc().clone())),
            relay,
        });
        self.lock().insert(id.to_owned(), room.clone());
        Ok(room)
    }

    /// A copy of document `id`'s narratives as the server holds them now.
    pub async fn snapshot(&self, store: &Store, id: &str) -> anyhow::Result<Narratives> {
        let room = self.room(store, id).await?;
        let state = {
            let awareness = room.awareness.lock().await;
            use yrs::{ReadTxn, StateVector, Transact};
            awareness
                .doc()
                .transact()
                .encode_state_as_update_v1(&StateVector::default())
        };
        Ok(Narratives::from_updates([state.as_slice()])?)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Room>>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Document `id`'s narratives from its stored state and updates.
async fn load(store: &Store, id: &str) -> anyhow::Result<Narratives> {
    let store = store.clone();
    let id = id.to_owned();
    let updates = tokio::task::spawn_blocking(move || store.yjs_updates(&id)).await??;
    Ok(Narratives::from_updates(updates.iter().map(Vec::as_slice))?)
}

/// Every [`COMPACT_INTERVAL`], merges the stored updates of documents that have at least
/// [`store::COMPACT_AFTER_UPDATES`] into their state, until `stop` resolves.
pub async fn compact(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(COMPACT_INTERVAL);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = tick.tick() => {}
        }
        let store = state.store.clone();
        let done = tokio::task::spawn_blocking(move || {
            for id in store.yjs_documents_to_compact(store::COMPACT_AFTER_UPDATES)? {
                let merged = store.compact_yjs(&id)?;
                tracing::debug!(document = %id, merged, "narratives compacted");
            }
            Ok::<_, store::StoreError>(())
        })
        .await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "cannot compact narratives"),
            Err(error) => tracing::error!(%error, "narrative compaction panicked"),
        }
    }
}
