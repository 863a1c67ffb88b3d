//! The crash campaign: the real server killed with SIGKILL at random moments while CLI
//! replicas edit and sync (structured fields over `/sync`, narratives over `/yjs`), replicas
//! killed mid-sync, and a disk that fills up under the server. After each round every edit a
//! replica had committed locally must be everywhere once they resync, every SQLite file must
//! pass `PRAGMA integrity_check`, and `sync-server audit verify` must hold.
//!
//! Bounded: `RAVENSTVO_CRASH_ROUNDS` rounds (3 by default, short enough for CI; set more for a
//! longer run), `RAVENSTVO_CRASH_SEED` to replay a run's random moments (each run prints its
//! seed and its tally).

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::{Api, Replica, Server};
use serde_json::Value;

/// The narrative the replicas write into (`x-narrative`, synced over `/yjs`).
const NARRATIVE: &str = "/causes_analysis/internal_causes";
/// The structured text field they write into (Automerge text, synced over `/sync`).
const FIELD: &str = "/title";

/// The server's SQLite file in its data directory.
const SERVER_DATABASE: &str = "ravenstvo.sqlite3";
/// A replica's SQLite file in its data directory.
const REPLICA_DATABASE: &str = "replica.sqlite3";

/// A small deterministic generator (xorshift64*): the campaign's random moments, replayable
/// from the printed seed.
struct Random(u64);

impl Random {
    fn from_env() -> Random {
        let seed = std::env::var("RAVENSTVO_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            .max(1);
        eprintln!("crash campaign seed: RAVENSTVO_CRASH_SEED={seed}");
        Random(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn rounds() -> usize {
    std::env::var("RAVENSTVO_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
}

/// The demo programme of school krasnoe: its editor, its director and its mentor school's
/// editor may all write it.
fn programme(server: &Server) -> String {
    Api::demo(server, "admin")
        .documents()
        .into_iter()
        .find(|(_, form, school)| form == "school-programme" && school == "krasnoe")
        .map(|(id, ..)| id)
        .expect("the demo has krasnoe's programme")
}

/// One replica of the campaign and the markers it has committed locally.
struct Writer {
    replica: Replica,
    login: &'static str,
    committed: Vec<String>,
}

impl Writer {
    /// Makes one structured and one narrative edit, each carrying its own marker; keeps the
    /// markers of the edits the CLI reported as done (committed to the replica's SQLite).
    fn edit(&mut self, doc: &str, tag: &str) {
        for (pointer, kind) in [(FIELD, "s"), (NARRATIVE, "n")] {
            let marker = format!("[{tag}-{}-{kind}]", self.login);
            let out = self.replica.run(&[
                "edit", doc, "text", pointer, "--at", "0", "--insert", &marker,
            ]);
            assert!(
                out.status.success(),
                "an offline edit failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            self.committed.push(marker);
        }
    }

    /// Syncs until a sync succeeds (the server may be restarting), at most `tries` times.
    fn sync(&self, server: &Server, doc: &str, tries: usize) {
        for _ in 0..tries {
            let out = self
                .replica
                .run(&["sync", "--server", &server.url, "--doc", doc]);
            if out.status.success() {
                return;
            }
            thread::sleep(Duration::from_millis(200));
        }
        panic!("{} could not sync in {tries} tries", self.login);
    }
}

/// Text of both fields as a replica holds them.
fn texts(replica: &Replica, doc: &str) -> String {
    let data = replica.json(doc);
    let text = |pointer: &str| {
        data.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    format!("{}\n{}", text(FIELD), text(NARRATIVE))
}

/// Asserts `PRAGMA integrity_check` answers `ok` for the SQLite file at `path`.
fn assert_integrity(path: &Path) {
    let connection = rusqlite::Connection::open(path).expect("open the SQLite file");
    let verdict: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check runs");
    assert_eq!(verdict, "ok", "{}", path.display());
}

/// Counts the markers in `want` missing from what `replica` holds.
fn lost(replica: &Replica, doc: &str, want: &[String]) -> Vec<String> {
    let held = texts(replica, doc);
    want.iter()
        .filter(|marker| !held.contains(marker.as_str()))
        .cloned()
        .collect()
}

/// A replica logged in as the reviewer (who may read the programme) that never syncs: the
/// template of [`converge`]'s fresh replicas (logging in costs a password check each time).
fn checker(server: &Server, dir: &Path) -> std::path::PathBuf {
    let checker = dir.join("checker");
    Replica::new(&checker, "Проверка").login(server, "reviewer");
    checker
}

/// After a round: every replica resyncs (twice round the ring, so each one's edits reach the
/// others) and a fresh replica (a copy of `checker`) fetches the server's copy; every
/// committed marker must be in all of them. Returns the markers lost (printed by the caller;
/// the test asserts none).
fn converge(server: &Server, doc: &str, writers: &[Writer], checker: &Path) -> Vec<String> {
    for _ in 0..2 {
        for writer in writers {
            writer.sync(server, doc, 20);
        }
    }
    let want: Vec<String> = writers
        .iter()
        .flat_map(|w| w.committed.iter().cloned())
        .collect();
    let mut missing = Vec::new();
    for writer in writers {
        for marker in lost(&writer.replica, doc, &want) {
            missing.push(format!("{marker} missing at {}", writer.login));
        }
    }
    // The server's own copy, through a replica that never held any of it: a copy of a
    // logged-in replica that has no document yet.
    let fresh_dir = checker.with_file_name("fresh");
    let _ = std::fs::remove_dir_all(&fresh_dir);
    std::fs::create_dir_all(&fresh_dir).unwrap();
    for entry in std::fs::read_dir(checker).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), fresh_dir.join(entry.file_name())).unwrap();
    }
    let fresh = Replica::new(&fresh_dir, "Проверка");
    fresh.sync(server, &[doc]);
    for marker in lost(&fresh, doc, &want) {
        missing.push(format!("{marker} missing at the server"));
    }
    missing
}

#[test]
fn sigkilled_servers_and_replicas_lose_no_committed_edit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let first = Server::start_demo(&data);
    let addr = first.addr();
    let url = first.url.clone();
    let mut server = Some(first);
    let doc = programme(server.as_ref().unwrap());
    let mut writers: Vec<Writer> = ["editor", "director", "mentor"]
        .into_iter()
        .map(|login| {
            let replica = Replica::new(&dir.path().join(login), login);
            replica.login_to(&url, login);
            replica.ok(&["sync", "--server", &url, "--doc", &doc]);
            Writer {
                replica,
                login,
                committed: Vec::new(),
            }
        })
        .collect();
    let checker = checker(server.as_ref().unwrap(), dir.path());
    let mut random = Random::from_env();
    let rounds = rounds();
    let started = Instant::now();
    let mut server_kills = 0;
    let mut replica_kills = 0;
    let mut lost_total = 0;
    for round in 0..rounds {
        let round_started = Instant::now();
        for writer in &mut writers {
            writer.edit(&doc, &format!("r{round}"));
        }
        // Everyone syncs at once; one replica's sync is killed at a random moment, and the
        // server is killed at another.
        let victim = random.below(writers.len() as u64) as usize;
        let replica_kill_after = Duration::from_millis(random.below(1500));
        let server_kill_after = Duration::from_millis(random.below(1500));
        let mut children: Vec<_> = writers
            .iter()
            .map(|w| {
                w.replica
                    .command(&["sync", "--server", &url, "--doc", &doc])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start ravenstvo sync")
            })
            .collect();
        let moment = Instant::now();
        let mut server_alive = true;
        let mut victim_alive = true;
        while server_alive || victim_alive {
            let now = moment.elapsed();
            if victim_alive && now >= replica_kill_after {
                if children[victim].try_wait().unwrap().is_none() {
                    children[victim].kill().unwrap();
                    replica_kills += 1;
                }
                victim_alive = false;
            }
            if server_alive && now >= server_kill_after {
                server.take().expect("running").kill();
                server_kills += 1;
                server_alive = false;
            }
            thread::sleep(Duration::from_millis(5));
        }
        for child in &mut children {
            let _ = child.wait();
        }
        // Everything on disk survived the kills.
        assert_integrity(&data.join(SERVER_DATABASE));
        for writer in &writers {
            assert_integrity(&writer.replica.data_dir.join(REPLICA_DATABASE));
        }
        let restarted = Server::start_on(&data, &addr);
        restarted.assert_audit_holds();
        let missing = converge(&restarted, &doc, &writers, &checker);
        lost_total += missing.len();
        assert!(missing.is_empty(), "round {round}: {missing:#?}");
        restarted.assert_audit_holds();
        server = Some(restarted);
        eprintln!(
            "round {round}: server killed after {server_kill_after:?}, replica {} after \
             {replica_kill_after:?}; converged, {:.1} s",
            writers[victim].login,
            round_started.elapsed().as_secs_f64()
        );
    }
    let edits: usize = writers.iter().map(|w| w.committed.len()).sum();
    eprintln!(
        "crash campaign: {rounds} rounds, {server_kills} server kills, {replica_kills} replica \
         kills mid-sync, {edits} edits committed, {lost_total} lost, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Sets the largest file the server process may write (`prlimit --fsize`, the soft limit, which
/// needs no privilege to raise again): past it every write fails with `EFBIG`, as on a full
/// disk; `None` lifts the limit.
fn limit_file_size(server: &Server, bytes: Option<u64>) {
    let limit = bytes.map_or("unlimited".to_owned(), |b| b.to_string());
    let status = Command::new("prlimit")
        .args([
            "--pid",
            &server.pid().to_string(),
            &format!("--fsize={limit}:"),
        ])
        .status()
        .expect("run prlimit (util-linux)");
    assert!(status.success(), "prlimit failed");
}

/// `/healthz`'s status code.
fn health(server: &Server) -> u16 {
    Api::anonymous(server).get("/healthz").0
}

#[test]
fn a_full_disk_makes_writes_fail_loudly_and_loses_nothing_once_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let server = Server::start_demo_ignoring_file_size_signal(&data);
    let doc = programme(&server);
    let mut writers: Vec<Writer> = ["editor", "mentor"]
        .into_iter()
        .map(|login| {
            let replica = Replica::new(&dir.path().join(login), login);
            replica.login(&server, login);
            replica.sync(&server, &[&doc]);
            Writer {
                replica,
                login,
                committed: Vec::new(),
            }
        })
        .collect();
    let api = Api::demo(&server, "editor");
    let checker = checker(&server, dir.path());
    // The disk fills up: no file of the server's may grow past 64 KiB any more.
    limit_file_size(&server, Some(64 * 1024));
    let mut storage_failing = false;
    let mut refused_writes = 0;
    for round in 0..3 {
        for writer in &mut writers {
            writer.edit(&doc, &format!("full{round}"));
            // The sync may fail or not; the replica keeps its edits either way.
            let _ = writer
                .replica
                .run(&["sync", "--server", &server.url, "--doc", &doc]);
        }
        // A REST write needs the disk: an error with a JSON body, never a crash or a lie.
        let (status, body) = api.post(
            "/api/documents",
            &serde_json::json!({
                "id": samod::DocumentId::try_from(vec![0xA0 + round; 16]).unwrap().to_string(),
                "form": "stimulus-policy-change",
            }),
        );
        assert!(
            status < 500 || (matches!(status, 500 | 503) && body["error"].is_string()),
            "{status} {body}"
        );
        if status >= 500 {
            refused_writes += 1;
        }
        storage_failing |= health(&server) == 503;
    }
    assert!(
        storage_failing,
        "/healthz never reported the failing storage"
    );
    assert!(server_alive(&server), "the server died of a full disk");
    // Space returns: the storage's retries succeed, health comes back by itself.
    limit_file_size(&server, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    while health(&server) != 200 {
        assert!(Instant::now() < deadline, "storage did not recover");
        thread::sleep(Duration::from_millis(200));
    }
    for writer in &writers {
        writer.sync(&server, &doc, 5);
    }
    // Then the hosting provider kills it: what it acknowledged is on disk, intact.
    let addr = server.addr();
    server.kill();
    assert_integrity(&data.join(SERVER_DATABASE));
    let restarted = Server::start_on(&data, &addr);
    restarted.assert_audit_holds();
    let missing = converge(&restarted, &doc, &writers, &checker);
    let edits: usize = writers.iter().map(|w| w.committed.len()).sum();
    eprintln!(
        "full disk: {edits} edits committed, {refused_writes} REST writes refused, {} lost",
        missing.len()
    );
    assert!(missing.is_empty(), "{missing:#?}");
}

/// Whether the server's process is still running.
fn server_alive(server: &Server) -> bool {
    Path::new(&format!("/proc/{}", server.pid())).exists()
}
