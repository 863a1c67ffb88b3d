//! `Store`: the file, its migrations, settings and the questions the server asks of it. Real
//! database files in fresh temp dirs.

use samod::storage::Storage;
use store::{SqliteStorage, Store, StoreError};

fn migration_versions(path: &std::path::Path) -> Vec<u32> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn open_creates_missing_parent_directories_and_a_wal_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/replicas/school.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.path(), path);
    assert!(path.is_file());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn settings_are_absent_until_set_and_setting_again_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("replica.sqlite3")).unwrap();
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

#[tokio::test]
async fn reopening_keeps_documents_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite3");
    {
        let store = Store::open(&path).unwrap();
        store.set_setting("peer_id", "school-42").unwrap();
        let storage = SqliteStorage::new(store);
        storage
            .put(
                store::key_from_str("doc/snapshot/h").unwrap(),
                vec![1, 2, 3],
            )
            .await;
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.setting("peer_id").unwrap().as_deref(),
        Some("school-42")
    );
    let storage = SqliteStorage::new(store);
    assert_eq!(
        storage
            .load(store::key_from_str("doc/snapshot/h").unwrap())
            .await,
        Some(vec![1, 2, 3])
    );
}

#[test]
fn reopening_applies_each_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite3");
    drop(Store::open(&path).unwrap());
    let first = migration_versions(&path);
    assert!(!first.is_empty());
    assert_eq!(first[0], 1);
    assert!(first.windows(2).all(|w| w[0] < w[1]), "{first:?}");
    for _ in 0..3 {
        drop(Store::open(&path).unwrap());
    }
    assert_eq!(migration_versions(&path), first);
}

#[test]
fn database_migrated_by_newer_code_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite3");
    let store = Store::open(&path).unwrap();
    store.set_setting("kept", "yes").unwrap();
    drop(store);
    let supported = *migration_versions(&path).last().unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 'later')",
            [supported + 7],
        )
        .unwrap();

    match Store::open(&path) {
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
    let conn = rusqlite::Connection::open(&path).unwrap();
    let kept: String = conn
        .query_row("SELECT value FROM settings WHERE key = 'kept'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(kept, "yes");
    assert_eq!(*migration_versions(&path).last().unwrap(), supported + 7);
}

#[tokio::test]
async fn document_ids_are_the_documents_with_samod_data_not_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("replica.sqlite3")).unwrap();
    let storage = SqliteStorage::new(store.clone());
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

#[tokio::test]
async fn stats_count_keys_and_value_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("replica.sqlite3")).unwrap();
    let storage = SqliteStorage::new(store.clone());
    for i in 0..10 {
        let k = store::key_from_str(&format!("doc/incremental/{i}")).unwrap();
        storage.put(k, vec![0; 1000]).await;
    }
    let stats = store.stats().unwrap();
    assert_eq!(stats.keys, 10);
    assert_eq!(stats.value_bytes, 10_000);
    assert!(stats.database_bytes >= 10_000, "{stats:?}");
}

#[tokio::test]
async fn two_stores_on_one_file_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite3");
    let a = SqliteStorage::new(Store::open(&path).unwrap());
    let b = SqliteStorage::new(Store::open(&path).unwrap());
    let k = store::key_from_str("doc/incremental/1").unwrap();
    a.put(k.clone(), b"from a".to_vec()).await;
    assert_eq!(b.load(k).await, Some(b"from a".to_vec()));
}
