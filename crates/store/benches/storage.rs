//! `SqliteStorage` beside samod's own `InMemoryStorage` and `TokioFilesystemStorage`, doing the
//! same samod-shaped work in the same run.
//!
//! The data: `DOCS` documents, each with one 32 KiB snapshot and 49 incremental changes of
//! 512 bytes under samod's real key layout (`<doc id>/snapshot/<hash>`,
//! `<doc id>/incremental/<hash>`): 1,000 entries, about 1.2 MB. The work:
//! - `put_sequential`: every entry into an empty storage, one `put` awaited after another;
//! - `put_concurrent`: the same, all puts in flight at once (as samod's I/O loop issues them);
//! - `load_documents`: for each document the two `load_range`s samod makes to load it.
//!
//! Files go under cargo's target tmp dir (a real disk, not a tmpfs). Neither SQLite (WAL,
//! `synchronous=NORMAL`) nor samod's filesystem storage syncs to disk on each write, so both
//! promise the same thing: survive a process crash, not a power cut. After criterion's
//! statistics the bench prints a table of medians with the ratios.

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use samod::storage::{InMemoryStorage, Storage, StorageKey, TokioFilesystemStorage};
use store::{SqliteStorage, Store};
use tempfile::TempDir;
use tokio::runtime::Runtime;

const DOCS: usize = 20;
const INCREMENTALS_PER_DOC: usize = 49;
const SNAPSHOT_BYTES: usize = 32 * 1024;
const INCREMENTAL_BYTES: usize = 512;
/// Runs per storage and workload behind each median in the table.
const TABLE_RUNS: usize = 9;

/// One samod-like data set.
struct Workload {
    /// Every (key, value), documents in order.
    entries: Vec<(StorageKey, Vec<u8>)>,
    /// Per document, the two prefixes samod loads it by.
    load_prefixes: Vec<[StorageKey; 2]>,
}

/// Pseudo-random but repeatable bytes.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 56) as u8
    }

    fn take(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next()).collect()
    }

    /// Text over `alphabet`, like document ids (base58) and change hashes (hex).
    fn text(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[usize::from(self.next()) % alphabet.len()] as char)
            .collect()
    }
}

fn workload() -> Workload {
    const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    const HEX: &[u8] = b"0123456789abcdef";
    let mut bytes = Bytes(42);
    let mut entries = Vec::new();
    let mut load_prefixes = Vec::new();
    for _ in 0..DOCS {
        let doc = bytes.text(BASE58, 28);
        let key = |kind: &str, hash: &str| StorageKey::from_parts([doc.as_str(), kind, hash]);
        let hash = bytes.text(HEX, 64);
        entries.push((key("snapshot", &hash).unwrap(), bytes.take(SNAPSHOT_BYTES)));
        for _ in 0..INCREMENTALS_PER_DOC {
            let hash = bytes.text(HEX, 64);
            entries.push((
                key("incremental", &hash).unwrap(),
                bytes.take(INCREMENTAL_BYTES),
            ));
        }
        load_prefixes.push([
            StorageKey::from_parts([doc.as_str(), "snapshot"]).unwrap(),
            StorageKey::from_parts([doc.as_str(), "incremental"]).unwrap(),
        ]);
    }
    Workload {
        entries,
        load_prefixes,
    }
}

/// The three storages under test, each made fresh (and empty) on demand.
#[derive(Clone, Copy)]
enum Kind {
    InMemory,
    Filesystem,
    Sqlite,
}

const KINDS: [Kind; 3] = [Kind::InMemory, Kind::Filesystem, Kind::Sqlite];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::InMemory => "in_memory",
            Kind::Filesystem => "filesystem",
            Kind::Sqlite => "sqlite",
        }
    }
}

/// A fresh storage of some kind and the directory it lives in (removed on drop).
struct Fresh {
    _dir: TempDir,
    storage: AnyStorage,
}

/// Static dispatch over the three storage types.
#[derive(Clone)]
enum AnyStorage {
    InMemory(InMemoryStorage),
    Filesystem(TokioFilesystemStorage),
    Sqlite(SqliteStorage),
}

fn fresh(kind: Kind) -> Fresh {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let storage = match kind {
        Kind::InMemory => AnyStorage::InMemory(InMemoryStorage::new()),
        Kind::Filesystem => {
            AnyStorage::Filesystem(TokioFilesystemStorage::new(dir.path().join("samod")))
        }
        Kind::Sqlite => AnyStorage::Sqlite(SqliteStorage::new(
            Store::open(dir.path().join("replica.sqlite3")).unwrap(),
        )),
    };
    Fresh { _dir: dir, storage }
}

impl AnyStorage {
    async fn put(&self, key: StorageKey, value: Vec<u8>) {
        match self {
            AnyStorage::InMemory(s) => s.put(key, value).await,
            AnyStorage::Filesystem(s) => s.put(key, value).await,
            AnyStorage::Sqlite(s) => s.put(key, value).await,
        }
    }

    async fn load_range(&self, prefix: StorageKey) -> usize {
        match self {
            AnyStorage::InMemory(s) => s.load_range(prefix).await.len(),
            AnyStorage::Filesystem(s) => s.load_range(prefix).await.len(),
            AnyStorage::Sqlite(s) => s.load_range(prefix).await.len(),
        }
    }
}

async fn put_sequential(storage: &AnyStorage, work: &Workload) {
    for (key, value) in &work.entries {
        storage.put(key.clone(), value.clone()).await;
    }
}

async fn put_concurrent(storage: &AnyStorage, work: &Workload) {
    let mut tasks = tokio::task::JoinSet::new();
    for (key, value) in &work.entries {
        let storage = storage.clone();
        let (key, value) = (key.clone(), value.clone());
        tasks.spawn(async move { storage.put(key, value).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

async fn load_documents(storage: &AnyStorage, work: &Workload) -> usize {
    let mut loaded = 0;
    for prefixes in &work.load_prefixes {
        for prefix in prefixes {
            loaded += storage.load_range(prefix.clone()).await;
        }
    }
    loaded
}

/// A storage of `kind` already holding the whole workload.
fn filled(runtime: &Runtime, kind: Kind, work: &Workload) -> Fresh {
    let fresh = fresh(kind);
    runtime.block_on(put_sequential(&fresh.storage, work));
    assert_eq!(
        runtime.block_on(load_documents(&fresh.storage, work)),
        work.entries.len(),
        "{} holds every entry",
        kind.name()
    );
    fresh
}

/// Median time of `TABLE_RUNS` runs of `run`, each on what `setup` made (neither setup nor
/// dropping what `run` returns is timed).
fn median<S, F: Future>(
    runtime: &Runtime,
    mut setup: impl FnMut() -> S,
    mut run: impl FnMut(S) -> F,
) -> Duration {
    let mut times: Vec<Duration> = (0..TABLE_RUNS)
        .map(|_| {
            let state = setup();
            let start = Instant::now();
            let output = black_box(runtime.block_on(run(state)));
            let elapsed = start.elapsed();
            drop(output);
            elapsed
        })
        .collect();
    times.sort();
    times[TABLE_RUNS / 2]
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let work = workload();
    let total_bytes: usize = work.entries.iter().map(|(_, v)| v.len()).sum();

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("storage");
    for kind in KINDS {
        group.bench_function(format!("put_sequential/{}", kind.name()), |b| {
            b.iter_batched(
                || fresh(kind),
                |f| {
                    runtime.block_on(put_sequential(&f.storage, &work));
                    f
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function(format!("put_concurrent/{}", kind.name()), |b| {
            b.iter_batched(
                || fresh(kind),
                |f| {
                    runtime.block_on(put_concurrent(&f.storage, &work));
                    f
                },
                BatchSize::PerIteration,
            )
        });
        let full = filled(&runtime, kind, &work);
        group.bench_function(format!("load_documents/{}", kind.name()), |b| {
            b.iter(|| runtime.block_on(load_documents(&full.storage, &work)))
        });
    }
    group.finish();
    criterion.final_summary();

    println!(
        "\nSide by side: {} entries ({} documents × 1 snapshot of {} KiB + {} changes of {} B, {:.1} MB), median of {} runs:",
        work.entries.len(),
        DOCS,
        SNAPSHOT_BYTES / 1024,
        INCREMENTALS_PER_DOC,
        INCREMENTAL_BYTES,
        total_bytes as f64 / 1e6,
        TABLE_RUNS
    );
    println!(
        "| work | samod InMemoryStorage | samod TokioFilesystemStorage | SqliteStorage | sqlite / in-memory | sqlite / filesystem |"
    );
    println!("|---|---|---|---|---|---|");
    type Row = (&'static str, [Duration; 3]);
    let mut rows: Vec<Row> = Vec::new();
    rows.push((
        "put_sequential",
        KINDS.map(|kind| {
            median(
                &runtime,
                || fresh(kind),
                |f| async {
                    put_sequential(&f.storage, &work).await;
                    f
                },
            )
        }),
    ));
    rows.push((
        "put_concurrent",
        KINDS.map(|kind| {
            median(
                &runtime,
                || fresh(kind),
                |f| async {
                    put_concurrent(&f.storage, &work).await;
                    f
                },
            )
        }),
    ));
    let full = KINDS.map(|kind| filled(&runtime, kind, &work));
    rows.push((
        "load_documents",
        [0, 1, 2].map(|i| median(&runtime, || &full[i], |f| load_documents(&f.storage, &work))),
    ));
    for (name, [memory, files, sqlite]) in rows {
        println!(
            "| {name} | {} | {} | {} | {:.1} | {:.2} |",
            millis(memory),
            millis(files),
            millis(sqlite),
            sqlite.as_secs_f64() / memory.as_secs_f64(),
            sqlite.as_secs_f64() / files.as_secs_f64()
        );
    }
    if let AnyStorage::Sqlite(sqlite) = &full[2].storage {
        let stats = sqlite.store().stats().unwrap();
        println!(
            "\nSQLite file: {} keys, {:.1} MB of values, {:.1} MB of pages.",
            stats.keys,
            stats.value_bytes as f64 / 1e6,
            stats.database_bytes as f64 / 1e6,
        );
    }
}
