//! The server's copy of each document's narratives, shared by every `/yjs` connection to it:
//! the Yjs document (loaded from the store on first use) with the awareness (who is where) of
//! the people connected, and a channel that passes each accepted message to the others.
//!
//! Accepted updates are stored by the room's writer task ([`Room::store`]): it appends every
//! update waiting at the time in one transaction, then passes them on to the other
//! connections, so a connection streaming updates does not wait for each write and whatever
//! another connection has received is already stored. [`Rooms::flush`] waits for every
//! writer at shutdown. The rooms also count changes of document records ([`Rooms::epoch`]), so
//! a connection may keep its right to write between changes instead of reading it per update.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use document::narrative::Narratives;
use store::Store;
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, broadcast, mpsc, oneshot};
use yrs::sync::Awareness;

use crate::replicas::{Cluster, tell_narratives};
use crate::state::AppState;

/// The sender id relayed updates carry when they came from another replica (no connection of
/// this server has it, so every connection receives them).
const FROM_ANOTHER_REPLICA: u64 = u64::MAX;

/// How often the compaction task looks for documents with many updates.
pub const COMPACT_INTERVAL: Duration = Duration::from_secs(5);

/// Messages queued for the connections of one document before a slow one misses some (it is
/// then closed and reconnects, syncing what it missed).
const ROOM_QUEUE: usize = 8192;

/// Accepted updates waiting for the room's writer before the connections sending more wait.
const APPEND_QUEUE: usize = 4096;

/// The most updates the writer stores in one transaction (and then relays at once: well under
/// [`ROOM_QUEUE`], so a connection busy with its own next message does not lag behind a batch).
const APPEND_BATCH: usize = 256;

/// How long the writer waits before retrying a write that failed.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// One document's narratives and the connections editing them.
pub struct Room {
    /// The Yjs document and its awareness; one message is handled at a time.
    pub awareness: Arc<AsyncMutex<Awareness>>,
    /// Accepted messages, with the id of the connection that sent them.
    pub relay: broadcast::Sender<(u64, Arc<Vec<u8>>)>,
    /// The room's writer task: appends accepted updates, then relays them.
    appends: mpsc::Sender<Append>,
}

/// Work for a room's writer.
enum Append {
    /// An update applied to the room by connection `from`: store it, then relay `relayed`.
    Update {
        from: u64,
        update: Vec<u8>,
        relayed: Vec<u8>,
    },
    /// Answer once everything queued before is stored.
    Flush(oneshot::Sender<()>),
}

impl Room {
    /// Hands an update that connection `from` applied to the room to the room's writer, which
    /// appends it to the store and then relays `relayed` to the room's other connections.
    /// Waits only when the writer is [`APPEND_QUEUE`] updates behind.
    pub async fn store(&self, from: u64, update: Vec<u8>, relayed: Vec<u8>) {
        let append = Append::Update {
            from,
            update,
            relayed,
        };
        if self.appends.send(append).await.is_err() {
            tracing::error!("a room's writer has stopped; an update is kept in memory only");
        }
    }

    /// Waits until every update handed to [`Room::store`] before is stored.
    pub async fn flush(&self) {
        let (done, stored) = oneshot::channel();
        if self.appends.send(Append::Flush(done)).await.is_ok() {
            let _ = stored.await;
        }
    }
}

/// Every document's room, loaded on first use.
#[derive(Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    /// Loading a room is serialised so two connections do not load one twice.
    loading: AsyncMutex<()>,
    /// Counts changes of document records and accounts (see [`Rooms::epoch`]).
    epoch: AtomicU64,
    /// The replicas to tell of stored updates, when the database is shared.
    cluster: std::sync::OnceLock<Arc<Cluster>>,
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
        let (appends, queued) = mpsc::channel(APPEND_QUEUE);
        let cluster = self.cluster.get().cloned();
        tokio::spawn(write(
            store.clone(),
            id.to_owned(),
            queued,
            relay.clone(),
            cluster,
        ));
        let room = Arc::new(Room {
            awareness: Arc::new(AsyncMutex::new(Awareness::new(narratives.doc().clone()))),
            relay,
            appends,
        });
        self.lock().insert(id.to_owned(), room.clone());
        Ok(room)
    }

    /// A copy of document `id`'s narratives as the server holds them now.
    pub async fn snapshot(&self, store: &Store, id: &str) -> anyhow::Result<Narratives> {
        self.pin(store, id).await?.narratives()
    }

    /// Holds document `id`'s room still: no update is judged or applied until the returned
    /// guard is dropped. A submission pins the narratives with it and keeps it until the
    /// submission is stored, so an update is either in the pinned state or refused as frozen.
    pub async fn pin(&self, store: &Store, id: &str) -> anyhow::Result<Pinned> {
        let room = self.room(store, id).await?;
        Ok(Pinned {
            guard: room.awareness.clone().lock_owned().await,
        })
    }

    /// Waits until every loaded room has stored the updates it accepted so far.
    pub async fn flush(&self) {
        let rooms: Vec<Arc<Room>> = self.lock().values().cloned().collect();
        for room in rooms {
            room.flush().await;
        }
    }

    /// A number that changes whenever a document's record or the accounts may have changed
    /// (the server calls [`Rooms::records_changed`] as it tells `/sync`): a right to write
    /// judged at one epoch holds until the epoch moves. A submission moves it while its room is
    /// still pinned, so no update is accepted on a right judged before the freeze.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Moves [`Rooms::epoch`] on.
    pub fn records_changed(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Tells `cluster` of every update the rooms store from now on.
    pub fn tell(&self, cluster: Arc<Cluster>) {
        let _ = self.cluster.set(cluster);
    }

    /// Brings document `id`'s room, if loaded, up to what is stored (another replica stored
    /// updates): applies the stored state and updates and relays what the room lacked to its
    /// connections. Yjs ignores what the room already has.
    pub async fn refresh(&self, store: &Store, id: &str) {
        let Some(room) = self.loaded(id) else {
            return;
        };
        let (reading, doc) = (store.clone(), id.to_owned());
        let stored = match tokio::task::spawn_blocking(move || reading.yjs_updates(&doc)).await {
            Ok(Ok(stored)) => stored,
            Ok(Err(error)) => {
                tracing::warn!(document = %id, %error, "cannot read another replica's narrative updates");
                return;
            }
            Err(error) => {
                tracing::warn!(document = %id, %error, "reading another replica's narrative updates panicked");
                return;
            }
        };
        let lacked = {
            use yrs::updates::decoder::Decode;
            use yrs::{ReadTxn, Transact, Update};
            let awareness = room.awareness.lock().await;
            let doc = awareness.doc();
            let before = doc.transact().state_vector();
            {
                let mut txn = doc.transact_mut();
                for bytes in &stored {
                    // Stored bytes were checked before they were stored.
                    match Update::decode_v1(bytes) {
                        Ok(update) => {
                            if let Err(error) = txn.apply_update(update) {
                                tracing::warn!(document = %id, %error, "a stored narrative update does not apply");
                            }
                        }
                        Err(error) => {
                            tracing::warn!(document = %id, %error, "a stored narrative update does not decode");
                        }
                    }
                }
            }
            let txn = doc.transact();
            (txn.state_vector() != before).then(|| txn.encode_state_as_update_v1(&before))
        };
        if let Some(update) = lacked {
            use yrs::sync::{Message, SyncMessage};
            use yrs::updates::encoder::Encode;
            let relayed = Message::Sync(SyncMessage::Update(update)).encode_v1();
            let _ = room.relay.send((FROM_ANOTHER_REPLICA, Arc::new(relayed)));
        }
    }

    /// [`Rooms::refresh`] for every loaded room (notices from other replicas may have been
    /// missed).
    pub async fn refresh_all(&self, store: &Store) {
        let ids: Vec<String> = self.lock().keys().cloned().collect();
        for id in ids {
            self.refresh(store, &id).await;
        }
    }

    /// Document `id`'s room if it is loaded.
    pub fn loaded(&self, id: &str) -> Option<Arc<Room>> {
        self.lock().get(id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Room>>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A room held still by [`Rooms::pin`].
pub struct Pinned {
    guard: OwnedMutexGuard<Awareness>,
}

impl Pinned {
    /// A copy of the room's narratives as they are while pinned.
    pub fn narratives(&self) -> anyhow::Result<Narratives> {
        use yrs::{ReadTxn, StateVector, Transact};
        let state = self
            .guard
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        Ok(Narratives::from_updates([state.as_slice()])?)
    }
}

/// A room's writer: stores the updates waiting, in one transaction, then relays them in order;
/// a failed write is retried (the updates are in the room's memory and are not relayed until
/// stored). Ends when the room is dropped.
async fn write(
    store: Store,
    id: String,
    mut queued: mpsc::Receiver<Append>,
    relay: broadcast::Sender<(u64, Arc<Vec<u8>>)>,
    cluster: Option<Arc<Cluster>>,
) {
    let mut batch = Vec::with_capacity(APPEND_BATCH);
    while queued.recv_many(&mut batch, APPEND_BATCH).await > 0 {
        let updates: Vec<Vec<u8>> = batch
            .iter_mut()
            .filter_map(|append| match append {
                Append::Update { update, .. } => Some(std::mem::take(update)),
                Append::Flush(_) => None,
            })
            .collect();
        let updates = Arc::new(updates);
        while !updates.is_empty() {
            let (store, doc, stored) = (store.clone(), id.clone(), updates.clone());
            match tokio::task::spawn_blocking(move || store.append_yjs_updates(&doc, &stored)).await
            {
                Ok(Ok(())) => break,
                Ok(Err(error)) => {
                    tracing::error!(document = %id, %error, "cannot store narrative updates; retrying");
                }
                Err(error) => {
                    tracing::error!(document = %id, %error, "storing narrative updates panicked; retrying");
                }
            }
            tokio::time::sleep(RETRY_AFTER).await;
        }
        if let Some(cluster) = cluster.as_ref().filter(|_| !updates.is_empty()) {
            tell_narratives(&store, cluster, &id).await;
        }
        for append in batch.drain(..) {
            match append {
                Append::Update { from, relayed, .. } => {
                    let _ = relay.send((from, Arc::new(relayed)));
                }
                Append::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    }
}

/// Document `id`'s narratives from its stored state and updates.
async fn load(store: &Store, id: &str) -> anyhow::Result<Narratives> {
    let store = store.clone();
    let id = id.to_owned();
    let updates = tokio::task::spawn_blocking(move || store.yjs_updates(&id)).await??;
    Ok(Narratives::from_updates(updates.iter().map(Vec::as_slice))?)
}

/// Every [`COMPACT_INTERVAL`], compacts the stored updates of documents that have at least
/// [`store::COMPACT_AFTER_UPDATES`], until `stop` resolves (see [`compact_one`]).
pub async fn compact(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(COMPACT_INTERVAL);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = tick.tick() => {}
        }
        let store = state.store.clone();
        let due = tokio::task::spawn_blocking(move || {
            store.yjs_documents_to_compact(store::COMPACT_AFTER_UPDATES)
        })
        .await;
        let due = match due {
            Ok(Ok(due)) => due,
            Ok(Err(error)) => {
                tracing::error!(%error, "cannot list narratives to compact");
                continue;
            }
            Err(error) => {
                tracing::error!(%error, "narrative compaction panicked");
                continue;
            }
        };
        for id in due {
            if let Err(error) = compact_one(&state, &id).await {
                tracing::error!(document = %id, %error, "cannot compact narratives");
            }
        }
    }
}

/// Compacts document `id`'s stored narratives; returns how many updates were folded in.
///
/// A document whose room is loaded is compacted from the room's Yjs document, which already
/// holds every stored update (an update is applied to the room before it is appended): the
/// last stored sequence number is read first, the state is encoded under the room's lock
/// (an encoding, no replay), then one short transaction writes the state and deletes the
/// updates up to that number. Updates appended meanwhile stay for next time. Neither step
/// holds the store's writer while replaying, so appends and relays are not held up. A
/// document no room holds is compacted by replaying its stored updates in the store.
pub async fn compact_one(state: &AppState, id: &str) -> anyhow::Result<usize> {
    let started = std::time::Instant::now();
    let room = state.yjs.loaded(id);
    let store = state.store.clone();
    let doc = id.to_owned();
    // With other replicas on the database, the room may lack updates they stored: compact what
    // is stored, under the database's lock, never the room's copy.
    let room = room.filter(|_| !store.shared_by_processes());
    let Some(room) = room else {
        let merged = tokio::task::spawn_blocking(move || store.compact_yjs(&doc)).await??;
        tracing::debug!(document = %id, merged, elapsed = ?started.elapsed(), "narratives compacted by replay");
        return Ok(merged);
    };
    let last = {
        let store = store.clone();
        let doc = doc.clone();
        tokio::task::spawn_blocking(move || store.yjs_last_update(&doc)).await??
    };
    let Some(through) = last else {
        return Ok(0);
    };
    let encoding = std::time::Instant::now();
    let snapshot = {
        use yrs::{ReadTxn, StateVector, Transact};
        let awareness = room.awareness.lock().await;
        awareness
            .doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    };
    let encoded = encoding.elapsed();
    let writing = std::time::Instant::now();
    let bytes = snapshot.len();
    let merged =
        tokio::task::spawn_blocking(move || store.replace_yjs_state(&doc, &snapshot, through))
            .await??;
    tracing::debug!(
        document = %id, merged, bytes, encoded = ?encoded, written = ?writing.elapsed(),
        elapsed = ?started.elapsed(), "narratives compacted from the room"
    );
    Ok(merged)
}
