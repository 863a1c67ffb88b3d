//! Syncing through our stack beside raw samod, and the server's cold start; prints one table.
//!
//! **(b) A fresh replica fetching 200 documents of 50 changes each.** The documents are real
//! forms: `document::create` from each `forms/examples/*.valid.json`, then 49 more changes
//! through `document::apply` by two alternating authors (text splices into narratives, short
//! texts and numbers set), stored into a server data directory through a samod repo over
//! `SqliteStorage`; then the server is started once with `--demo` on that data directory (the
//! demo region's schools and users) and the demo `editor` registers every document (`POST
//! /api/documents`, school `krasnoe`, mentor school `lyceum-44`), so the server shares them
//! with the editor's replicas read-write. Every side below talks through a real websocket on
//! loopback with the same
//! byte-counting TCP proxy in front of the server, and is timed from dialing until every document
//! holds all of the server's changes (then, separately, until the client repo has stopped, i.e.
//! flushed every write). Each run gets fresh copies of the data and a fresh client. Beside wall
//! time, the CPU time of every process involved (from `/proc/PID/stat`) gives a ratio that other
//! work on a shared machine disturbs less.
//! - *ours*: the real `sync-server` binary (`--demo`) and a fresh `client::Replica` (SQLite)
//!   logged in as `editor` before the clock starts, calling `sync(url, &ids, …)`: it lists the
//!   user's documents over REST (`GET /api/documents`), dials `/sync?token=…&peer=u:editor:…`
//!   (the server checks the token and binds the peer id) and syncs 16 documents at a time, each
//!   waiting for heads in both directions, while the server's share policy decides each
//!   document from the permission table;
//! - *samod, SqliteStorage*: two in-process samod repos, the server one over a copy of the same
//!   database file and the client one over a fresh `SqliteStorage`, axum acceptor and
//!   `dial_websocket` as samod's own `axum_transport` test does, `find` for all 200 ids at once
//!   and `we_have_their_changes` on each. Where it matters to the protocol they get our
//!   conditions: the client announces the peer id `u:editor:…`, the acceptor binds the
//!   connection to it, and the server shares read-write without announcing (the decision our
//!   server reaches for the editor, as a constant policy: no token, no lookups);
//! - *samod, in memory*: the same with `InMemoryStorage` on both sides (the server's preloaded
//!   with the same keys and values).
//!
//! **(c) Cold start with 1,000 stored documents.** The server process is spawned on a copy of a
//! data directory holding 1,000 such documents (the 200 above, five times under new ids, all
//! registered as in (b)); we time spawn → its `listening on` line and spawn → a fresh replica,
//! logged in beforehand (its token is in the copied database; the server listens on the same
//! port each time, as the replica's session names it), has fetched one document,
//! and read its `VmRSS`/`VmHWM` from `/proc/PID/status` then and again after one replica fetched
//! all 1,000. Files come from the page cache: "cold" is the process, not the disk. The server
//! prints `listening on` before it opens its database, so the first document is the figure that
//! says when it is ready.
//!
//! Every figure is the median of [`RUNS`] runs. Needs the release binaries:
//! `cargo build --release --workspace --bins`, then `cargo bench -p e2e --bench sync`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash};
use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::get;
use client::Replica;
use document::{Author, Edit};
use e2e::{Api, Server};
use forms::{Catalogue, FieldKind};
use futures::StreamExt;
use samod::storage::{InMemoryStorage, Storage, StorageKey};
use samod::{BackoffConfig, DocumentId, PeerId, Repo, ShareConfig};
use serde_json::Value;
use store::{SqliteStorage, Store, StoreStats};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Documents a fresh replica fetches in (b).
const SYNC_DOCS: usize = 200;
/// Changes in every generated document: the creation and 49 edits.
const CHANGES_PER_DOC: usize = 50;
/// Documents stored on the server in (c).
const COLD_DOCS: usize = 1_000;
/// Runs behind every median.
const RUNS: usize = 3;
/// The server's database file inside its data directory (`sync_server::DATABASE_FILE`; a
/// mismatch shows as a server with no documents, which the checks below catch).
const SERVER_DATABASE: &str = "ravenstvo.sqlite3";
/// The demo user whose replicas sync, and the mentor school the documents are registered with.
const EDITOR: &str = "editor";
const MENTOR_SCHOOL: &str = "lyceum-44";
/// The peer id of the raw samod client: shaped like our replicas' (`u:<user>:<replica>`).
const RAW_CLIENT_PEER: &str = "u:editor:raw-samod";
/// Documents written to storage at once while preparing.
const PREPARE_CONCURRENCY: usize = 32;

/// Phrases spliced into narratives, as a person adds a clause.
const PHRASES: [&str; 6] = [
    " с учётом мнения родительского сообщества",
    " (уточнено на педагогическом совете)",
    " совместно со школой-наставником",
    " по итогам мониторинга за полугодие",
    " в том числе для обучающихся с ОВЗ",
    " с привлечением социальных партнёров",
];

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_owned();
    let server_bin = e2e::bin("sync-server");
    let catalogue =
        Arc::new(Catalogue::load(e2e::root().join("forms")).expect("loading the catalogue"));
    let work = tempfile::tempdir().expect("temp dir");
    let mut generator = Generator::new(&catalogue);

    let prepare = Instant::now();
    let sync_docs = generator.documents(SYNC_DOCS);
    let sync_data = work.path().join("sync-data");
    let (sync_ids, sync_stats) = store_documents(&sync_data, &sync_docs).await;
    register_documents(&sync_data, &sync_ids, &sync_docs).await;
    // The 200 documents again under new ids: the server holds (and loads) each copy on its
    // own, and generating 800 more would cost half the bench's time budget.
    let cold_docs: Vec<Automerge> = sync_docs.iter().cycle().take(COLD_DOCS).cloned().collect();
    let cold_data = work.path().join("cold-data");
    let (cold_ids, cold_stats) = store_documents(&cold_data, &cold_docs).await;
    register_documents(&cold_data, &cold_ids, &cold_docs).await;
    // One logged-in replica, copied for each cold start: logging in is not part of a start.
    let cold_addr = free_addr();
    let cold_replica = work.path().join("cold-replica");
    login_replica(&cold_data, &cold_addr, &cold_replica, &catalogue).await;
    let prepared_in = prepare.elapsed();
    drop(cold_docs);

    let mut memory_keys = HashMap::new();
    {
        let storage = SqliteStorage::new(Store::open(sync_data.join(SERVER_DATABASE)).unwrap());
        for (id, _) in &sync_ids {
            let prefix = StorageKey::from_parts([id.as_str()]).unwrap();
            memory_keys.extend(storage.load_range(prefix).await);
        }
    }

    let mut ours = Vec::new();
    let mut samod_sqlite = Vec::new();
    let mut samod_memory = Vec::new();
    for run in 0..RUNS {
        let dir = work.path().join(format!("b-{run}"));
        ours.push(ours_once(&dir.join("ours"), &sync_data, &sync_ids, &catalogue).await);
        let server_copy = dir.join("samod-server");
        copy_database(&sync_data, &server_copy);
        let server_storage =
            SqliteStorage::new(Store::open(server_copy.join(SERVER_DATABASE)).unwrap());
        let client_storage =
            SqliteStorage::new(Store::open(dir.join("samod-client/db.sqlite3")).unwrap());
        samod_sqlite.push(samod_once(server_storage, client_storage, &sync_ids).await);
        let preloaded = InMemoryStorage::new();
        for (key, value) in &memory_keys {
            preloaded.put(key.clone(), value.clone()).await;
        }
        samod_memory.push(samod_once(preloaded, InMemoryStorage::new(), &sync_ids).await);
    }

    let mut cold = Vec::new();
    for run in 0..RUNS {
        let dir = work.path().join(format!("c-{run}"));
        cold.push(
            cold_once(
                &dir,
                &cold_data,
                &cold_addr,
                &cold_replica,
                &cold_ids,
                &catalogue,
            )
            .await,
        );
    }

    let ours = Sync::median(&ours);
    let samod_sqlite = Sync::median(&samod_sqlite);
    let samod_memory = Sync::median(&samod_memory);
    let cold = Cold::median(&cold);

    println!();
    println!(
        "Server binary: {} · stored for (b): {} samod keys, {} of values · for (c): {} keys, \
         {} · prepared in {:.1} s · medians of {RUNS} runs",
        server_bin.display(),
        sync_stats.keys,
        kib(sync_stats.value_bytes),
        cold_stats.keys,
        kib(cold_stats.value_bytes),
        prepared_in.as_secs_f64(),
    );
    println!();
    println!("### (b) A fresh replica fetches {SYNC_DOCS} documents × {CHANGES_PER_DOC} changes");
    println!();
    println!(
        "| side | synced | synced + client stopped | CPU until synced | client → server | \
         server → client | total on the wire | time ratio | CPU ratio | bytes ratio |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, sample) in [
        ("ours: `sync-server` + `Replica::sync`", &ours),
        ("samod, SqliteStorage both sides", &samod_sqlite),
        ("samod, in memory both sides", &samod_memory),
    ] {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            millis(sample.synced),
            millis(sample.stopped),
            millis(sample.cpu),
            kib(sample.up),
            kib(sample.down),
            kib(sample.up + sample.down),
            ratio(ours.synced.as_secs_f64(), sample.synced.as_secs_f64()),
            ratio(ours.cpu.as_secs_f64(), sample.cpu.as_secs_f64()),
            ratio(
                (ours.up + ours.down) as f64,
                (sample.up + sample.down) as f64
            ),
        );
    }
    println!();
    println!("### (c) Cold start of `sync-server` with {COLD_DOCS} stored documents");
    println!();
    println!("| figure | value |");
    println!("| --- | ---: |");
    println!(
        "| spawn → `listening on` line | {} |",
        millis(cold.listening)
    );
    println!(
        "| spawn → a fresh replica has fetched one document | {} |",
        millis(cold.first_doc)
    );
    println!(
        "| one replica fetches all {COLD_DOCS} (after that) | {} |",
        millis(cold.all_docs)
    );
    println!(
        "| server VmRSS / VmHWM after start and one document | {} / {} |",
        kib(cold.after_start.rss),
        kib(cold.after_start.hwm)
    );
    println!(
        "| server VmRSS / VmHWM after all {COLD_DOCS} fetched | {} / {} |",
        kib(cold.after_all.rss),
        kib(cold.after_all.hwm)
    );
    println!();
    println!(
        "Whole bench: {:.1} s on {cores} cores (load average {load} when it began). Ratios are \
         ours / that side.",
        started.elapsed().as_secs_f64()
    );
}

/// The figures of one sync run.
#[derive(Debug, Clone, Copy)]
struct Sync {
    /// From dialing until every document holds all of the server's changes.
    synced: Duration,
    /// The same, plus stopping the client repo (every storage write done).
    stopped: Duration,
    /// CPU time (user and system) of every process involved until synced: the bench's own
    /// (client, proxy and, for samod, server) plus the server process's for ours.
    cpu: Duration,
    /// Bytes the client sent, counted by the proxy when synced.
    up: u64,
    /// Bytes the server sent, counted by the proxy when synced.
    down: u64,
}

impl Sync {
    fn median(runs: &[Sync]) -> Sync {
        Sync {
            synced: median(runs.iter().map(|s| s.synced)),
            stopped: median(runs.iter().map(|s| s.stopped)),
            cpu: median(runs.iter().map(|s| s.cpu)),
            up: median(runs.iter().map(|s| s.up)),
            down: median(runs.iter().map(|s| s.down)),
        }
    }
}

/// Our stack: the real server process on a copy of `data`, a fresh replica under `dir`.
async fn ours_once(
    dir: &Path,
    data: &Path,
    docs: &[StoredDoc],
    catalogue: &Arc<Catalogue>,
) -> Sync {
    let server_dir = dir.join("server");
    copy_database(data, &server_dir);
    let server = start_server(&server_dir).await;
    let proxy = Proxy::start(server.addr().parse().expect("server address")).await;
    // Logged in (through the proxy, whose address the session names) before the clock starts;
    // the repo announces the user's peer id from the next opening on.
    let replica = Replica::open(&dir.join("client"), catalogue.clone(), "Бенчмарк")
        .await
        .expect("opening the replica");
    replica
        .login(&proxy.url(), EDITOR, e2e::demo_password(EDITOR))
        .await
        .expect("login");
    replica.close().await;
    drop(replica);
    let replica = Replica::open(&dir.join("client"), catalogue.clone(), "Бенчмарк")
        .await
        .expect("opening the replica");
    let ids: Vec<String> = docs.iter().map(|(id, _)| id.clone()).collect();

    let (up_before, down_before) = proxy.bytes();
    let cpu_before = e2e::cpu_time(std::process::id()) + e2e::cpu_time(server.pid());
    let start = Instant::now();
    let report = replica
        .sync(&proxy.url(), &ids, &|_| {})
        .await
        .expect("sync");
    let synced = start.elapsed();
    let cpu = e2e::cpu_time(std::process::id()) + e2e::cpu_time(server.pid()) - cpu_before;
    let (up, down) = proxy.bytes();
    let (up, down) = (up - up_before, down - down_before);

    let stop = Instant::now();
    replica.close().await;
    let stopped = synced + stop.elapsed();
    stop_server(server).await;

    assert_eq!(report.problems().count(), 0, "{report:?}");
    assert_eq!(report.received(), docs.len() * CHANGES_PER_DOC);
    // Checked after reopening, so what was fetched is also what was stored.
    let replica = Replica::open(&dir.join("client"), catalogue.clone(), "Бенчмарк")
        .await
        .expect("reopening the replica");
    for (id, heads) in docs {
        let summary = replica.summary(id).await.expect("a fetched document");
        assert_eq!(summary.changes, CHANGES_PER_DOC, "{id}");
        assert_eq!(
            replica.heads(id).await.unwrap(),
            document::format_heads(heads)
        );
    }
    replica.close().await;
    Sync {
        synced,
        stopped,
        cpu,
        up,
        down,
    }
}

/// Two in-process samod repos over a real websocket through the proxy.
async fn samod_once(
    server_storage: impl Storage,
    client_storage: impl Storage,
    docs: &[StoredDoc],
) -> Sync {
    let server = Repo::build_tokio()
        .with_storage(server_storage)
        .with_peer_id(PeerId::from("server"))
        .with_share_policy(ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = server
        .make_acceptor(format!("ws://{addr}/sync").parse().unwrap())
        .unwrap();
    let app = Router::new().route(
        "/sync",
        get(move |upgrade: WebSocketUpgrade| {
            let acceptor = acceptor.clone();
            async move {
                upgrade.on_upgrade(move |socket| async move {
                    acceptor
                        .accept_axum(socket, Some(PeerId::from(RAW_CLIENT_PEER)))
                        .expect("server running");
                })
            }
        }),
    );
    let http = tokio::spawn(async move { axum::serve(listener, app).await });
    let proxy = Proxy::start(addr).await;
    let client = Repo::build_tokio()
        .with_storage(client_storage)
        .with_peer_id(PeerId::from(RAW_CLIENT_PEER))
        .load()
        .await;
    let ids: Vec<DocumentId> = docs
        .iter()
        .map(|(id, _)| DocumentId::from_str(id).unwrap())
        .collect();

    let cpu_before = e2e::cpu_time(std::process::id());
    let start = Instant::now();
    let dialer = client
        .dial_websocket(
            format!("ws://{}/sync", proxy.addr).parse().unwrap(),
            BackoffConfig::default(),
        )
        .unwrap();
    dialer.established().await.expect("connected");
    let conn = dialer.connection_id().expect("connected");
    let handles = futures::future::join_all(ids.into_iter().map(|id| {
        let found = client.find(id);
        async move {
            let handle = found.await.unwrap().expect("the server has it");
            handle.we_have_their_changes(conn).await;
            handle
        }
    }))
    .await;
    let synced = start.elapsed();
    let cpu = e2e::cpu_time(std::process::id()) - cpu_before;
    let (up, down) = proxy.bytes();
    let stop = Instant::now();
    dialer.close();
    client.stop().await;
    let stopped = synced + stop.elapsed();
    server.stop().await;

    for (handle, (id, heads)) in handles.iter().zip(docs) {
        handle.with_document(|doc| {
            assert_eq!(doc.get_changes(&[]).len(), CHANGES_PER_DOC, "{id}");
            assert_eq!(&doc.get_heads(), heads, "{id}");
        });
    }
    http.abort();
    Sync {
        synced,
        stopped,
        cpu,
        up,
        down,
    }
}

/// The figures of one cold start.
#[derive(Debug, Clone, Copy)]
struct Cold {
    listening: Duration,
    first_doc: Duration,
    all_docs: Duration,
    after_start: Memory,
    after_all: Memory,
}

impl Cold {
    fn median(runs: &[Cold]) -> Cold {
        Cold {
            listening: median(runs.iter().map(|c| c.listening)),
            first_doc: median(runs.iter().map(|c| c.first_doc)),
            all_docs: median(runs.iter().map(|c| c.all_docs)),
            after_start: Memory {
                rss: median(runs.iter().map(|c| c.after_start.rss)),
                hwm: median(runs.iter().map(|c| c.after_start.hwm)),
            },
            after_all: Memory {
                rss: median(runs.iter().map(|c| c.after_all.rss)),
                hwm: median(runs.iter().map(|c| c.after_all.hwm)),
            },
        }
    }
}

/// A process's resident memory in bytes: now and at its peak.
#[derive(Debug, Clone, Copy)]
struct Memory {
    rss: u64,
    hwm: u64,
}

impl Memory {
    fn of(pid: u32) -> Memory {
        Memory {
            rss: e2e::proc_memory(pid, "VmRSS:"),
            hwm: e2e::proc_memory(pid, "VmHWM:"),
        }
    }
}

/// Spawns the server on a copy of `data` and fetches one document, then all of them.
async fn cold_once(
    dir: &Path,
    data: &Path,
    addr: &str,
    logged_in: &Path,
    docs: &[StoredDoc],
    catalogue: &Arc<Catalogue>,
) -> Cold {
    let server_dir = dir.join("server");
    copy_database(data, &server_dir);
    // The replica, logged in, exists before the server is spawned: only the server's start is
    // timed.
    copy_files(logged_in, &dir.join("client"), client::DATABASE_FILE);
    let replica = Replica::open(&dir.join("client"), catalogue.clone(), "Бенчмарк")
        .await
        .expect("opening the replica");
    let ids: Vec<String> = docs.iter().map(|(id, _)| id.clone()).collect();

    let spawned = Instant::now();
    let server = start_server_on(&server_dir, addr).await;
    let listening = spawned.elapsed();
    let report = replica
        .sync(&server.url, &ids[..1], &|_| {})
        .await
        .expect("sync");
    let first_doc = spawned.elapsed();
    assert_eq!(report.received(), CHANGES_PER_DOC, "{report:?}");
    let after_start = Memory::of(server.pid());

    let start = Instant::now();
    let report = replica
        .sync(&server.url, &ids, &|_| {})
        .await
        .expect("sync");
    let all_docs = start.elapsed();
    assert_eq!(report.problems().count(), 0, "{report:?}");
    assert_eq!(report.received(), (docs.len() - 1) * CHANGES_PER_DOC);
    let after_all = Memory::of(server.pid());

    replica.close().await;
    stop_server(server).await;
    Cold {
        listening,
        first_doc,
        all_docs,
        after_start,
        after_all,
    }
}

/// Starts the server binary with `--demo` (a blocking spawn and read of its first line). The
/// demo region is in every data directory already, so it only prints the users.
async fn start_server(data_dir: &Path) -> Server {
    let data_dir = data_dir.to_owned();
    tokio::task::spawn_blocking(move || Server::start_demo(&data_dir))
        .await
        .expect("starting sync-server")
}

/// Starts the server binary on a given address (the demo region is in the data already).
async fn start_server_on(data_dir: &Path, addr: &str) -> Server {
    let (data_dir, addr) = (data_dir.to_owned(), addr.to_owned());
    tokio::task::spawn_blocking(move || Server::start_on(&data_dir, &addr))
        .await
        .expect("starting sync-server")
}

/// Starts the server with `--demo` once on `data_dir` (loading the demo region into it) and
/// registers every document as the demo editor's, with their forms; stops it cleanly.
async fn register_documents(data_dir: &Path, ids: &[StoredDoc], docs: &[Automerge]) {
    let forms: Vec<String> = docs
        .iter()
        .map(|doc| document::meta(doc).expect("a form document").form)
        .collect();
    let server = start_server(data_dir).await;
    let requests: Vec<Value> = ids
        .iter()
        .zip(forms)
        .map(|((id, _), form)| serde_json::json!({ "id": id, "form": form, "mentor": MENTOR_SCHOOL }))
        .collect();
    let server = tokio::task::spawn_blocking(move || {
        let api = Api::demo(&server, EDITOR);
        for request in requests {
            let (status, body) = api.post("/api/documents", &request);
            assert_eq!(status, 201, "registering {request}: {body}");
        }
        server
    })
    .await
    .expect("registering the documents");
    stop_server(server).await;
}

/// A free port on loopback (the server binds it again; tokio sets `SO_REUSEADDR`).
fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").to_string()
}

/// Starts the server on `data_dir` at `addr`, logs a fresh replica in `replica_dir` in as the
/// demo editor there, and stops both: the token stays valid in that data directory's copies.
async fn login_replica(
    data_dir: &Path,
    addr: &str,
    replica_dir: &Path,
    catalogue: &Arc<Catalogue>,
) {
    let server = start_server_on(data_dir, addr).await;
    let replica = Replica::open(replica_dir, catalogue.clone(), "Бенчмарк")
        .await
        .expect("opening the replica");
    replica
        .login(&server.url, EDITOR, e2e::demo_password(EDITOR))
        .await
        .expect("login");
    replica.close().await;
    drop(replica);
    stop_server(server).await;
}

async fn stop_server(server: Server) {
    let stopped = tokio::task::spawn_blocking(move || server.stop())
        .await
        .unwrap();
    assert!(stopped, "sync-server did not stop cleanly");
}

/// A TCP proxy on loopback in front of one server, counting the bytes of every connection.
struct Proxy {
    addr: SocketAddr,
    /// Bytes from clients to the server.
    up: Arc<AtomicU64>,
    /// Bytes from the server to clients.
    down: Arc<AtomicU64>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicU64::new(0));
        let down = Arc::new(AtomicU64::new(0));
        let (up_count, down_count) = (up.clone(), down.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(upstream).await.expect("upstream");
                // Forward each segment at once: the proxy must not add Nagle delays of its own.
                client.set_nodelay(true).unwrap();
                server.set_nodelay(true).unwrap();
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(client_read, server_write, up_count.clone()));
                tokio::spawn(pump(server_read, client_write, down_count.clone()));
            }
        });
        Proxy {
            addr,
            up,
            down,
            accept,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bytes so far: (client → server, server → client).
    fn bytes(&self) -> (u64, u64) {
        (
            self.up.load(Ordering::Relaxed),
            self.down.load(Ordering::Relaxed),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies one direction of a connection, counting bytes, until either side closes.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: Arc<AtomicU64>,
) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                count.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

/// Makes realistic form documents: every valid example in turn, then 49 edits each.
struct Generator<'c> {
    catalogue: &'c Catalogue,
    examples: Vec<Example>,
    authors: [Author; 2],
    /// A linear congruential generator: the same documents on every run.
    seed: u64,
    made: usize,
}

/// A valid example and the places edits go to.
struct Example {
    form: String,
    region: String,
    data: Value,
    /// Long texts (or short ones when a form has none): spliced into.
    narratives: Vec<String>,
    /// Short texts: set to a new value.
    texts: Vec<String>,
    /// Integer fields with their example values: set to another number.
    integers: Vec<(String, i64)>,
}

impl<'c> Generator<'c> {
    fn new(catalogue: &'c Catalogue) -> Self {
        let dir = e2e::root().join("forms/examples");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("forms/examples")
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.to_string_lossy().ends_with(".valid.json"))
            .collect();
        paths.sort();
        let examples: Vec<Example> = paths
            .iter()
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                let mut parts = name.split('.');
                let (form, region) = (parts.next().unwrap(), parts.next().unwrap());
                let data: Value =
                    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                let mut example = Example {
                    form: form.to_owned(),
                    region: region.to_owned(),
                    data: Value::Null,
                    narratives: Vec::new(),
                    texts: Vec::new(),
                    integers: Vec::new(),
                };
                example.collect(catalogue, "", &data);
                if example.narratives.is_empty() {
                    example.narratives = example.texts.clone();
                }
                assert!(!example.narratives.is_empty(), "{name} has no texts");
                example.data = data;
                example
            })
            .collect();
        assert!(!examples.is_empty(), "no valid examples in forms/examples");
        Self {
            catalogue,
            examples,
            authors: [
                Author {
                    id: "school-author".into(),
                    name: "Иванова М. П.".into(),
                },
                Author {
                    id: "mentor-author".into(),
                    name: "Петров С. А.".into(),
                },
            ],
            seed: 7,
            made: 0,
        }
    }

    fn random(&mut self, below: usize) -> usize {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.seed >> 33).unwrap() % below
    }

    fn documents(&mut self, count: usize) -> Vec<Automerge> {
        (0..count).map(|_| self.document()).collect()
    }

    fn document(&mut self) -> Automerge {
        let example = &self.examples[self.made % self.examples.len()];
        self.made += 1;
        let (form, region) = (example.form.clone(), example.region.clone());
        let (narratives, texts, integers) = (
            example.narratives.clone(),
            example.texts.clone(),
            example.integers.clone(),
        );
        let mut doc = document::create(
            self.catalogue,
            &form,
            &region,
            &example.data,
            &self.authors[0],
        )
        .expect("a valid example makes a document");
        for change in 1..CHANGES_PER_DOC {
            let edits = match change % 5 {
                0 if !integers.is_empty() => {
                    let (pointer, value) = &integers[self.random(integers.len())];
                    vec![Edit::Set {
                        pointer: pointer.clone(),
                        value: Value::from(value + i64::try_from(change).unwrap()),
                    }]
                }
                4 if !texts.is_empty() => {
                    let pointer = &texts[self.random(texts.len())];
                    let current = text(&doc, pointer);
                    vec![Edit::Set {
                        pointer: pointer.clone(),
                        value: Value::from(format!("{current} ({change})")),
                    }]
                }
                _ => {
                    let pointer = narratives[self.random(narratives.len())].clone();
                    let len = text(&doc, &pointer).chars().count();
                    let at = self.random(len + 1);
                    // Every third splice also corrects a few characters after the insertion.
                    let delete = if change % 3 == 0 {
                        (len - at).min(4)
                    } else {
                        0
                    };
                    let insert = PHRASES[self.random(PHRASES.len())].to_owned();
                    vec![Edit::Splice {
                        pointer,
                        at,
                        delete,
                        insert,
                    }]
                }
            };
            // A school and its mentor take turns, a few changes each.
            let author = &self.authors[(change / 7) % 2];
            let message = (change % 10 == 0).then(|| format!("правка {change}"));
            let hash =
                document::apply(&mut doc, self.catalogue, &edits, author, message.as_deref())
                    .expect("edits of an example's own fields");
            // With the one change of `create`, this makes `CHANGES_PER_DOC` (counted again on
            // the receiving side; `get_changes` is too slow to count here too).
            assert!(hash.is_some(), "edit {change} changed nothing: {edits:?}");
        }
        doc
    }
}

impl Example {
    fn collect(&mut self, catalogue: &Catalogue, pointer: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    self.collect(catalogue, &format!("{pointer}/{key}"), child);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    self.collect(catalogue, &format!("{pointer}/{index}"), child);
                }
            }
            Value::String(_) => match catalogue.field_kind(&self.form, pointer) {
                Ok(Some(FieldKind::Narrative)) => self.narratives.push(pointer.to_owned()),
                Ok(Some(FieldKind::Text)) => self.texts.push(pointer.to_owned()),
                _ => {}
            },
            Value::Number(number) => {
                if let (Ok(Some(FieldKind::Integer)), Some(n)) =
                    (catalogue.field_kind(&self.form, pointer), number.as_i64())
                {
                    self.integers.push((pointer.to_owned(), n));
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
}

/// The text at `pointer` of a document's data.
fn text(doc: &Automerge, pointer: &str) -> String {
    match document::get(doc, pointer).expect("reading a field") {
        Some(Value::String(text)) => text,
        other => panic!("{pointer} is not a text: {other:?}"),
    }
}

/// A stored document: its id and its heads.
type StoredDoc = (String, Vec<ChangeHash>);

/// Stores the documents into a server data directory through a samod repo over
/// `SqliteStorage`; returns their ids with their heads, and how much was stored.
async fn store_documents(data_dir: &Path, docs: &[Automerge]) -> (Vec<StoredDoc>, StoreStats) {
    let store = Store::open(data_dir.join(SERVER_DATABASE)).expect("opening the database");
    let repo = Repo::build_tokio()
        .with_storage(SqliteStorage::new(store.clone()))
        .load()
        .await;
    let ids = futures::stream::iter(docs)
        .map(|doc| {
            let heads = doc.get_heads();
            let created = repo.create(doc.clone());
            async move {
                let handle = created.await.expect("storing a document");
                (handle.document_id().to_string(), heads)
            }
        })
        .buffered(PREPARE_CONCURRENCY)
        .collect()
        .await;
    repo.stop().await;
    (ids, store.stats().expect("store stats"))
}

/// Copies a data directory's database and its WAL into `to`. Nothing writes to them any more;
/// the shared-memory index is left behind, as SQLite rebuilds it when it opens the copy.
fn copy_database(from: &Path, to: &Path) {
    copy_files(from, to, SERVER_DATABASE);
}

/// Copies the SQLite file `database` in `from` and its WAL into `to`.
fn copy_files(from: &Path, to: &Path, database: &str) {
    std::fs::create_dir_all(to).unwrap();
    for suffix in ["", "-wal"] {
        let name = format!("{database}{suffix}");
        if from.join(&name).exists() {
            std::fs::copy(from.join(&name), to.join(&name)).unwrap();
        }
    }
}

fn median<T: Ord + Copy>(values: impl Iterator<Item = T>) -> T {
    let mut values: Vec<T> = values.collect();
    values.sort();
    values[values.len() / 2]
}

fn millis(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

fn kib(bytes: u64) -> String {
    if bytes >= 10 * 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    }
}

fn ratio(ours: f64, theirs: f64) -> String {
    format!("{:.2}", ours / theirs)
}
