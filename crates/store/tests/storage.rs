//! `DocumentStorage` as samod's `Storage`: real databases (SQLite files in fresh temp dirs,
//! and fresh PostgreSQL databases), a real tokio runtime. samod's own `InMemoryStorage` serves
//! as the reference for what the trait means; every test of the trait's semantics runs on
//! both engines (`name::sqlite`, `name::postgres`).

#[macro_use]
mod support;

use std::collections::HashMap;
use std::time::Duration;

use samod::storage::{InMemoryStorage, Storage, StorageKey};
use store::{SqliteStorage, StorageOp, Store};
use support::Fixture;
use tempfile::TempDir;

fn key(text: &str) -> StorageKey {
    store::key_from_str(text).unwrap()
}

fn open() -> (TempDir, SqliteStorage) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("replica.sqlite3")).unwrap();
    (dir, SqliteStorage::new(store))
}

/// Deterministic bytes that differ from one `seed` to the next.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect()
}

tokio_on_both_engines!(
    put_then_load_returns_the_value_and_delete_removes_it,
    put_overwrites_an_existing_value,
    load_range_returns_exactly_what_samods_in_memory_storage_returns,
    ten_megabyte_value_round_trips,
    many_keys_across_many_documents_are_all_kept,
    concurrent_puts_and_loads_from_many_tasks_lose_nothing,
    load_that_fails_is_retried_rather_than_answered_not_found,
);

/// Waits (up to 10 s) until `condition` holds.
async fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn put_then_load_returns_the_value_and_delete_removes_it(fixture: Fixture) {
    let storage = fixture.storage();
    let k = key("doc/incremental/abc");
    assert_eq!(storage.load(k.clone()).await, None);
    storage.put(k.clone(), b"change".to_vec()).await;
    assert_eq!(storage.load(k.clone()).await, Some(b"change".to_vec()));
    storage.delete(k.clone()).await;
    assert_eq!(storage.load(k.clone()).await, None);
    // Deleting what is not there is not an error (samod may delete twice).
    storage.delete(k).await;
    assert!(storage.health().is_healthy());
}

async fn put_overwrites_an_existing_value(fixture: Fixture) {
    let storage = fixture.storage();
    let k = key("doc/snapshot/h");
    storage.put(k.clone(), b"first".to_vec()).await;
    storage.put(k.clone(), b"second".to_vec()).await;
    assert_eq!(storage.load(k).await, Some(b"second".to_vec()));
    assert_eq!(storage.store().stats().unwrap().keys, 1);
}

async fn load_range_returns_exactly_what_samods_in_memory_storage_returns(fixture: Fixture) {
    let storage = fixture.storage();
    let sqlite = storage;
    let memory = InMemoryStorage::new();
    let keys = [
        "a",
        "a/b",
        "a/b/c",
        "a/b/c/d",
        "a/b/~",
        "a/bc",
        "a/bc/d",
        "a/b.c",
        "a/b-",
        "a/a",
        "a/c",
        "b/b",
        "storage-adapter-id",
    ];
    for (i, text) in keys.iter().enumerate() {
        let value = bytes(i as u64, 16);
        sqlite.put(key(text), value.clone()).await;
        memory.put(key(text), value).await;
    }
    let expected_under_a_b: HashMap<StorageKey, Vec<u8>> = ["a/b", "a/b/c", "a/b/c/d", "a/b/~"]
        .iter()
        .map(|text| {
            let i = keys.iter().position(|k| k == text).unwrap();
            (key(text), bytes(i as u64, 16))
        })
        .collect();
    assert_eq!(sqlite.load_range(key("a/b")).await, expected_under_a_b);
    for prefix in ["", "a", "a/b", "a/b/c", "a/bc", "b", "c", "a/b/c/d/e"] {
        assert_eq!(
            sqlite.load_range(key(prefix)).await,
            memory.load_range(key(prefix)).await,
            "prefix {prefix:?}"
        );
    }
}

async fn ten_megabyte_value_round_trips(fixture: Fixture) {
    let storage = fixture.storage();
    let value = bytes(7, 10 * 1024 * 1024);
    storage.put(key("doc/snapshot/big"), value.clone()).await;
    assert!(storage.load(key("doc/snapshot/big")).await == Some(value.clone()));
    let range = storage.load_range(key("doc/snapshot")).await;
    assert!(range.get(&key("doc/snapshot/big")) == Some(&value));
}

async fn many_keys_across_many_documents_are_all_kept(fixture: Fixture) {
    let storage = fixture.storage();
    for doc in 0..50 {
        for change in 0..100 {
            let k = key(&format!("doc{doc:02}/incremental/{change:04}"));
            storage.put(k, bytes(doc * 1000 + change, 64)).await;
        }
    }
    assert_eq!(storage.store().stats().unwrap().keys, 5000);
    assert_eq!(storage.load_range(key("")).await.len(), 5000);
    let one = storage.load_range(key("doc07/incremental")).await;
    assert_eq!(one.len(), 100);
    for change in 0..100 {
        let k = key(&format!("doc07/incremental/{change:04}"));
        assert_eq!(one[&k], bytes(7000 + change, 64));
    }
    assert_eq!(storage.store().document_ids().unwrap().len(), 50);
}

async fn concurrent_puts_and_loads_from_many_tasks_lose_nothing(fixture: Fixture) {
    let storage = fixture.storage();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..8u64 {
        let storage = storage.clone();
        tasks.spawn(async move {
            for i in 0..200u64 {
                let k = key(&format!("doc{task}/incremental/{i:04}"));
                storage.put(k.clone(), bytes(task * 1000 + i, 256)).await;
                // Read back something written earlier by this task, while others write.
                let earlier = key(&format!("doc{task}/incremental/{:04}", i / 2));
                assert_eq!(
                    storage.load(earlier).await,
                    Some(bytes(task * 1000 + i / 2, 256))
                );
            }
            let mine = storage.load_range(key(&format!("doc{task}"))).await;
            assert_eq!(mine.len(), 200);
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap();
    }
    let all = storage.load_range(key("")).await;
    assert_eq!(all.len(), 1600);
    for task in 0..8u64 {
        for i in 0..200u64 {
            let k = key(&format!("doc{task}/incremental/{i:04}"));
            assert_eq!(all[&k], bytes(task * 1000 + i, 256));
        }
    }
    assert!(storage.health().is_healthy());
}

#[tokio::test]
async fn put_on_a_full_disk_waits_reports_unhealthy_and_completes_when_space_returns() {
    let (dir, storage) = open();
    let store = storage.store().clone();
    storage.put(key("doc/snapshot/old"), bytes(1, 1024)).await;
    // Cap the database at its current size: the next put that needs new pages cannot fit.
    store.set_size_limit(Some(0)).unwrap();

    let value = bytes(2, 256 * 1024);
    let put = tokio::spawn({
        let storage = storage.clone();
        let value = value.clone();
        async move { storage.put(key("doc/snapshot/new"), value).await }
    });
    let health = storage.health();
    eventually("health reports the failing put", || !health.is_healthy()).await;
    // Let it fail a few more times: still not done, still reported.
    eventually("several failed attempts", || {
        health.snapshot().failed_attempts >= 3
    })
    .await;
    assert!(
        !put.is_finished(),
        "a put that cannot be written must not complete"
    );
    let snapshot = health.snapshot();
    assert_eq!(snapshot.failing_operations, 1);
    let failure = snapshot.last_failure.expect("the failure is reported");
    assert_eq!(failure.operation, StorageOp::Put);
    assert_eq!(failure.key, "doc/snapshot/new");
    assert!(failure.message.contains("full"), "{}", failure.message);
    // Reads go on while the write is stuck.
    assert_eq!(
        storage.load(key("doc/snapshot/old")).await,
        Some(bytes(1, 1024))
    );

    store.set_size_limit(None).unwrap();
    tokio::time::timeout(Duration::from_secs(10), put)
        .await
        .expect("the put completes once there is room")
        .unwrap();
    assert!(health.is_healthy());
    assert!(health.snapshot().last_failure.is_some(), "history is kept");
    assert_eq!(
        storage.load(key("doc/snapshot/new")).await,
        Some(value.clone())
    );

    // And it is in the file, not just in some buffer.
    drop((storage, store));
    let reopened = SqliteStorage::new(Store::open(dir.path().join("replica.sqlite3")).unwrap());
    assert_eq!(reopened.load(key("doc/snapshot/new")).await, Some(value));
    assert_eq!(
        reopened.load(key("doc/snapshot/old")).await,
        Some(bytes(1, 1024))
    );
}

async fn load_that_fails_is_retried_rather_than_answered_not_found(fixture: Fixture) {
    let storage = fixture.storage();
    storage.put(key("doc/snapshot/h"), b"state".to_vec()).await;
    // Another connection takes the table away, so every read of it fails.
    fixture.execute("ALTER TABLE samod_kv RENAME TO samod_kv_away");

    let load = tokio::spawn({
        let storage = storage.clone();
        async move { storage.load(key("doc/snapshot/h")).await }
    });
    let health = storage.health();
    eventually("health reports the failing load", || !health.is_healthy()).await;
    assert!(
        !load.is_finished(),
        "a failed read must not answer \"not found\""
    );
    let failure = health.snapshot().last_failure.unwrap();
    assert_eq!(failure.operation, StorageOp::Load);
    assert!(failure.message.contains("samod_kv"), "{}", failure.message);

    fixture.execute("ALTER TABLE samod_kv_away RENAME TO samod_kv");
    let loaded = tokio::time::timeout(Duration::from_secs(10), load)
        .await
        .expect("the load completes once the table is back")
        .unwrap();
    assert_eq!(loaded, Some(b"state".to_vec()));
    assert!(health.is_healthy());
}

/// The promise of `synchronous=NORMAL` in WAL mode: once `put` has returned, killing the
/// process (SIGKILL, no destructors, no checkpoint) loses nothing. The test runs itself as a
/// child process that writes and then waits to be killed.
#[test]
fn put_that_returned_survives_sigkill_of_the_process() {
    const CHILD_ENV: &str = "RAVENSTVO_STORE_SIGKILL_CHILD_DB";
    const TEST_NAME: &str = "put_that_returned_survives_sigkill_of_the_process";
    // libtest prints "test <name> ... " without a newline first, so look for the marker
    // anywhere in a line.
    const STORED: &str = "sigkill-child: put returned";
    let value = bytes(3, 100_000);

    if let Ok(path) = std::env::var(CHILD_ENV) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let storage = SqliteStorage::new(Store::open(&path).unwrap());
            storage.put(key("doc/incremental/last"), value).await;
            println!("{STORED}");
            std::io::Write::flush(&mut std::io::stdout()).unwrap();
            std::future::pending::<()>().await;
        });
        return;
    }

    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.sqlite3");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let stored = stdout
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains(STORED));
        let _ = tx.send(stored);
    });
    let stored = rx.recv_timeout(Duration::from_secs(60));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert_eq!(
        stored,
        Ok(true),
        "the child process did not report its write"
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let loaded = runtime.block_on(async {
        let storage = SqliteStorage::new(Store::open(&path).unwrap());
        storage.load(key("doc/incremental/last")).await
    });
    assert!(loaded == Some(value), "the write was lost");
}

/// PostgreSQL's "never drop a write": the server goes away (stopped as if it crashed) while a
/// put is under way; the put waits, reports unhealthy, and completes once the server is back,
/// and the value is there. A server of its own, so that other tests do not lose theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn put_while_postgres_is_down_waits_and_completes_when_it_is_back() {
    let test = "put_while_postgres_is_down_waits_and_completes_when_it_is_back";
    let server = match support::postgres::PostgresServer::start() {
        Ok(server) => server,
        Err(why) => return support::postgres::skip(test, &why),
    };
    let database = store::Database::Postgres(server.create_database().unwrap());
    let storage = store::DocumentStorage::new(Store::open_database(&database).unwrap());
    storage.put(key("doc/snapshot/old"), bytes(1, 1024)).await;

    server.stop().unwrap();
    let value = bytes(2, 64 * 1024);
    let put = tokio::spawn({
        let storage = storage.clone();
        let value = value.clone();
        async move { storage.put(key("doc/snapshot/new"), value).await }
    });
    let health = storage.health();
    // A pooled connection's failure shows at once; a new one is waited for up to 10 s first.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while health.is_healthy() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the failing put was never reported"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !put.is_finished(),
        "a put that cannot be written must not complete"
    );
    let failure = health
        .snapshot()
        .last_failure
        .expect("the failure is reported");
    assert_eq!(failure.operation, StorageOp::Put);
    assert_eq!(failure.key, "doc/snapshot/new");

    server.restart().unwrap();
    tokio::time::timeout(Duration::from_secs(60), put)
        .await
        .expect("the put completes once the server is back")
        .unwrap();
    assert!(health.is_healthy());
    assert_eq!(storage.load(key("doc/snapshot/new")).await, Some(value));
    assert_eq!(
        storage.load(key("doc/snapshot/old")).await,
        Some(bytes(1, 1024))
    );
    // Stores close before the server they point at.
    drop(storage);
}
