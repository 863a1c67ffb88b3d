//! Notices between the processes sharing the database: `pg_notify` on one channel, and a
//! listening connection of its own outside the pool (see [`Store::listen`](crate::Store::listen)).

use std::time::Duration;

use postgres::NoTls;
use postgres::fallible_iterator::FallibleIterator;

use super::Postgres;
use crate::StoreError;
use crate::notices::{CHANNEL, Notice};

/// How long the listener waits for a notice before asking whether it should stop.
const POLL: Duration = Duration::from_millis(500);

/// How long the listener waits before connecting again after losing its connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

impl Postgres {
    /// See [`Store::publish`](crate::Store::publish).
    pub(crate) fn publish(&self, message: &str) -> Result<(), StoreError> {
        self.run(|client| {
            client.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &message])?;
            Ok(())
        })
    }

    /// See [`Store::listen`](crate::Store::listen): a thread with its own connection.
    pub(crate) fn listen(
        &self,
        mut deliver: impl FnMut(Notice) -> bool + Send + 'static,
    ) -> std::io::Result<()> {
        let config = self.config.clone();
        let shown = self.shown.clone();
        std::thread::Builder::new()
            .name("ravenstvo-pg-listen".into())
            .spawn(move || {
                let mut first = true;
                loop {
                    match listen_once(&config, &mut deliver, &mut first) {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(database = %shown, %error, "lost the notices connection; reconnecting");
                        }
                    }
                    std::thread::sleep(RECONNECT_AFTER);
                }
            })
            .map(drop)
    }
}

/// Listens on one connection until `deliver` asks to stop (`Ok`) or the connection fails.
/// Every connection after the first starts with [`Notice::MaybeMissed`].
fn listen_once(
    config: &postgres::Config,
    deliver: &mut impl FnMut(Notice) -> bool,
    first: &mut bool,
) -> Result<(), postgres::Error> {
    // On a thread of its own, outside any tokio runtime: the blocking client may run here.
    {
        let mut client = config.connect(NoTls)?;
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        if !std::mem::take(first) && !deliver(Notice::MaybeMissed) {
            return Ok(());
        }
        loop {
            {
                let mut notifications = client.notifications();
                let mut arrived = notifications.timeout_iter(POLL);
                while let Some(notification) = arrived.next()? {
                    if !deliver(Notice::Message(notification.payload().to_owned())) {
                        return Ok(());
                    }
                }
            }
            // A quiet spell: ask whether anyone still listens, and check the connection.
            if !deliver(Notice::Idle) {
                return Ok(());
            }
            if client.is_closed() {
                client.batch_execute("SELECT 1")?;
            }
        }
    }
}
