//! `Store`: the database, its migrations, settings and the questions the server asks of it.
//! Real databases: SQLite files in fresh temp dirs and fresh PostgreSQL databases; what is
//! not about the SQLite file itself runs on both engines.

#[macro_use]
mod support;

use samod::storage::Storage;
use store::{Database, DocumentStorage, Store, StoreError};
use support::Fixture;

on_both_engines!(
    settings_are_absent_until_set_and_setting_again_replaces,
    reopening_applies_each_migration_once,
    database_migrated_by_newer_code_is_refused_and_left_untouched,
);

tokio_on_both_engines!(
    reopening_keeps_documents_and_settings,
    document_ids_are_the_documents_with_samod_data_not_other_keys,
    stats_count_keys_and_value_bytes,
    two_stores_on_one_database_see_each_others_writes,
);

/// The versions recorded in `schema_migrations`, read through a connection of its own.
fn recorded_versions(fixture: &Fixture) -> Vec<u32> {
    fixture
        .strings("SELECT CAST(version AS TEXT) AS shown FROM schema_migrations ORDER BY version")
        .iter()
        .map(|v| v.parse().unwrap())
        .collect()
}

/// Several server processes starting at once on a new PostgreSQL database: each migration
/// is applied once (the advisory lock), and every one of them opens it.
#[test]
fn processes_opening_a_new_postgres_database_at_once_migrate_it_once() {
    let test = "processes_opening_a_new_postgres_database_at_once_migrate_it_once";
    let url = match support::postgres::shared().and_then(|server| server.create_database()) {
        Ok(url) => url,
        Err(why) => return support::postgres::skip(test, &why),
    };
    let database = Database::Postgres(url);
    std::thread::scope(|scope| {
        let opening: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| Store::open_database(&database).unwrap()))
            .collect();
        for store in opening {
            store.join().unwrap().set_setting("opened", "yes").unwrap();
        }
    });
    let store = Store::open_database(&database).unwrap();
    assert_eq!(store.setting("opened").unwrap().as_deref(), Some("yes"));
    assert_eq!(store.engine_name(), "postgresql");
    assert_eq!(store.path(), None);
}

#[test]
fn open_creates_missing_parent_directories_and_a_wal_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/replicas/school.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.path(), Some(path.as_path()));
    assert_eq!(store.engine_name(), "sqlite");
    assert!(path.is_file());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

fn settings_are_absent_until_set_and_setting_again_replaces(fixture: &Fixture) {
    let store = &fixture.store;
    assert_eq!(store.setting("server_url").unwrap(), None);
    store
        .set_setting("server_url", "wss://a.example/sync")
        .unwrap();
    store
        .set_setting("server_url", "wss://b.example/sync")
        .unwrap();
    assert_eq!(
        store.setting("server_url").unwrap().as_deref(),
        Some("wss://b.example/sync")
    );
}

async fn reopening_keeps_documents_and_settings(fixture: Fixture) {
    {
        let store = fixture.another_handle();
        store.set_setting("peer_id", "school-42").unwrap();
        let storage = DocumentStorage::new(store);
        storage
            .put(
                store::key_from_str("doc/snapshot/h").unwrap(),
                vec![1, 2, 3],
            )
            .await;
    }
    let store = fixture.another_handle();
    assert_eq!(
        store.setting("peer_id").unwrap().as_deref(),
        Some("school-42")
    );
    let storage = DocumentStorage::new(store);
    assert_eq!(
        storage
            .load(store::key_from_str("doc/snapshot/h").unwrap())
            .await,
        Some(vec![1, 2, 3])
    );
}

fn reopening_applies_each_migration_once(fixture: &Fixture) {
    let first = recorded_versions(fixture);
    assert!(!first.is_empty());
    assert_eq!(first[0], 1);
    assert!(first.windows(2).all(|w| w[0] < w[1]), "{first:?}");
    for _ in 0..3 {
        drop(fixture.another_handle());
    }
    assert_eq!(recorded_versions(fixture), first);
}

fn database_migrated_by_newer_code_is_refused_and_left_untouched(fixture: &Fixture) {
    fixture.store.set_setting("kept", "yes").unwrap();
    let supported = *recorded_versions(fixture).last().unwrap();
    fixture.execute(&format!(
        "INSERT INTO schema_migrations (version, applied_at) VALUES ({}, 'later')",
        supported + 7
    ));

    match Store::open_database(&fixture.database) {
        Err(StoreError::TooNew {
            found,
            supported: known,
        }) => {
            assert_eq!(found, supported + 7);
            assert_eq!(known, supported);
        }
        Err(other) => panic!("expected TooNew, got {other}"),
        Ok(_) => panic!("a newer database must be refused"),
    }
    let kept = fixture.strings("SELECT value FROM settings WHERE key = 'kept'");
    assert_eq!(kept, ["yes"]);
    assert_eq!(*recorded_versions(fixture).last().unwrap(), supported + 7);
}

async fn document_ids_are_the_documents_with_samod_data_not_other_keys(fixture: Fixture) {
    let store = fixture.store.clone();
    let storage = fixture.storage();
    for text in [
        "storage-adapter-id",
        "docB/incremental/1",
        "docA/snapshot/1",
        "docA/incremental/1",
        "docA/incremental/2",
    ] {
        storage
            .put(store::key_from_str(text).unwrap(), b"x".to_vec())
            .await;
    }
    assert_eq!(store.document_ids().unwrap(), ["docA", "docB"]);
}

async fn stats_count_keys_and_value_bytes(fixture: Fixture) {
    let store = fixture.store.clone();
    let storage = fixture.storage();
    for i in 0..10 {
        let k = store::key_from_str(&format!("doc/incremental/{i}")).unwrap();
        storage.put(k, vec![0; 1000]).await;
    }
    let stats = store.stats().unwrap();
    assert_eq!(stats.keys, 10);
    assert_eq!(stats.value_bytes, 10_000);
    assert!(stats.database_bytes >= 10_000, "{stats:?}");
}

async fn two_stores_on_one_database_see_each_others_writes(fixture: Fixture) {
    let a = fixture.storage();
    let b = DocumentStorage::new(fixture.another_handle());
    let k = store::key_from_str("doc/incremental/1").unwrap();
    a.put(k.clone(), b"from a".to_vec()).await;
    assert_eq!(b.load(k).await, Some(b"from a".to_vec()));
}
