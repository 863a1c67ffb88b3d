//! What the store's tests share: a [`Fixture`] holding a fresh store on either engine, and
//! macros that run one test body on both (`sqlite` and `postgres` tests in a module named
//! after the body).

#![allow(dead_code, unused_macros)]

pub mod postgres;

use store::{Database, DocumentStorage, Store};
use tempfile::TempDir;

/// The engines a store can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on this process's PostgreSQL server.
    Postgres,
}

/// A fresh, empty store on one engine, kept (with its temporary directory) while the test
/// runs.
pub struct Fixture {
    /// The engine.
    pub engine: Engine,
    /// Where the data is.
    pub database: Database,
    /// The store.
    pub store: Store,
    /// The SQLite file's directory, removed when the fixture drops.
    _dir: Option<TempDir>,
}

impl Fixture {
    /// A fresh store on `engine`; `None` (after printing why) when PostgreSQL cannot start
    /// here, so the calling test skips.
    pub fn new(engine: Engine, test: &str) -> Option<Fixture> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let database = Database::Sqlite(dir.path().join("store.sqlite3"));
                let store = Store::open_database(&database).unwrap();
                Some(Fixture {
                    engine,
                    database,
                    store,
                    _dir: Some(dir),
                })
            }
            Engine::Postgres => {
                let url = match postgres::shared().and_then(|server| server.create_database()) {
                    Ok(url) => url,
                    Err(why) => {
                        postgres::skip(test, &why);
                        return None;
                    }
                };
                let database = Database::Postgres(url);
                let store = Store::open_database(&database).unwrap();
                Some(Fixture {
                    engine,
                    database,
                    store,
                    _dir: None,
                })
            }
        }
    }

    /// samod storage on the fixture's store.
    pub fn storage(&self) -> DocumentStorage {
        DocumentStorage::new(self.store.clone())
    }

    /// Another store on the same database with connections of its own, as a second process
    /// (a second server replica) would open it.
    pub fn another_handle(&self) -> Store {
        Store::open_database(&self.database).unwrap()
    }
}

impl Fixture {
    /// Whether anything the database holds (every file of SQLite's directory, every row of
    /// PostgreSQL's database) contains `needle`.
    pub fn stored_bytes_contain(&self, needle: &[u8]) -> bool {
        match &self.database {
            Database::Sqlite(path) => {
                std::fs::read_dir(path.parent().unwrap())
                    .unwrap()
                    .any(|entry| {
                        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                        bytes.windows(needle.len()).any(|window| window == needle)
                    })
            }
            Database::Postgres(url) => {
                let dump = postgres::shared().unwrap().dump(url).unwrap();
                dump.as_bytes()
                    .windows(needle.len())
                    .any(|window| window == needle)
            }
        }
    }

    /// The first column of each row `sql` returns, as text, read through a connection of
    /// its own (as another program would).
    pub fn strings(&self, sql: &str) -> Vec<String> {
        match &self.database {
            Database::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .prepare(sql)
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap(),
            Database::Postgres(url) => {
                let (url, sql) = (url.clone(), sql.to_owned());
                // The blocking client must not run on a runtime's thread.
                std::thread::spawn(move || {
                    ::postgres::Client::connect(&url, ::postgres::NoTls)
                        .unwrap()
                        .query(&sql, &[])
                        .unwrap()
                        .iter()
                        .map(|row| row.get(0))
                        .collect()
                })
                .join()
                .unwrap()
            }
        }
    }

    /// Runs `sql` (statements without results) through a connection of its own.
    pub fn execute(&self, sql: &str) {
        match &self.database {
            Database::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Database::Postgres(url) => {
                let (url, sql) = (url.clone(), sql.to_owned());
                std::thread::spawn(move || {
                    ::postgres::Client::connect(&url, ::postgres::NoTls)
                        .unwrap()
                        .batch_execute(&sql)
                        .unwrap();
                })
                .join()
                .unwrap();
            }
        }
    }
}

/// `on_both_engines!(name, …)`: for each `fn name(fixture: &Fixture)`, the tests
/// `name::sqlite` and `name::postgres`.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                let fixture = crate::support::Fixture::new(
                    crate::support::Engine::Sqlite, stringify!($name)).unwrap();
                super::$name(&fixture);
            }

            #[test]
            fn postgres() {
                if let Some(fixture) = crate::support::Fixture::new(
                    crate::support::Engine::Postgres, stringify!($name)) {
                    super::$name(&fixture);
                }
            }
        }
    )*};
}

/// `tokio_on_both_engines!(name, …)`: for each `async fn name(fixture: Fixture)`, the tokio
/// tests `name::sqlite` and `name::postgres`, on a multi-threaded runtime (4 workers) so that
/// tasks of one test really run at once.
macro_rules! tokio_on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let fixture = crate::support::Fixture::new(
                    crate::support::Engine::Sqlite, stringify!($name)).unwrap();
                super::$name(fixture).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(fixture) = crate::support::Fixture::new(
                    crate::support::Engine::Postgres, stringify!($name)) {
                    super::$name(fixture).await;
                }
            }
        }
    )*};
}
