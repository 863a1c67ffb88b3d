//! Notices between the processes that share one database (several `sync-server` replicas on
//! PostgreSQL): one publishes a short message, every other listening process receives it.
//! On SQLite, which one process owns, there is nobody to tell: publishing does nothing and
//! there is nothing to listen to.

use crate::{Store, StoreError};

/// The PostgreSQL `LISTEN`/`NOTIFY` channel of the notices.
pub(crate) const CHANNEL: &str = "ravenstvo";

/// What a listener receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A message another process (or this one) published.
    Message(String),
    /// The listening connection was lost and made again: messages published meanwhile were
    /// not received, so whatever they would have said must be looked up again.
    MaybeMissed,
    /// Nothing arrived for a while; a chance to stop listening.
    Idle,
}

impl Store {
    /// Whether other processes may share this database (PostgreSQL): then what one process
    /// keeps in memory must be told to the others with [`Store::publish`].
    pub fn shared_by_processes(&self) -> bool {
        self.postgres().is_some()
    }

    /// Tells every process listening on this database ([`Store::listen`]) `message` (at most
    /// 8,000 bytes), once the call returns. Does nothing on SQLite.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the database cannot be reached.
    pub fn publish(&self, message: &str) -> Result<(), StoreError> {
        match self.postgres() {
            Some(pg) => pg.publish(message),
            None => Ok(()),
        }
    }

    /// Starts a thread that hands every notice published on this database to `deliver`, until
    /// `deliver` returns `false` (it is also called with [`Notice::Idle`] when nothing arrives
    /// for half a second, to give it that chance). A lost connection is made again and
    /// reported with [`Notice::MaybeMissed`]. Returns `false` on SQLite: nothing to listen to.
    ///
    /// # Errors
    ///
    /// If the thread cannot be started.
    pub fn listen(
        &self,
        deliver: impl FnMut(Notice) -> bool + Send + 'static,
    ) -> std::io::Result<bool> {
        match self.postgres() {
            Some(pg) => pg.listen(deliver).map(|()| true),
            None => Ok(false),
        }
    }
}
