//! Submitting with validation through our server beside the raw libraries doing the same
//! essential work, in the same run; prints one table and a summary line.
//!
//! **Documents.** `N` programmes (`RAVENSTVO_BENCH_SUBMIT_DOCS`, default [`DEFAULT_DOCS`]) made
//! from `forms/examples/school-programme.lipetsk.valid.json`, each with its own title, so every
//! submission pins different content (about 43 KB of JSON each).
//!
//! - *ours*: the real release `sync-server` binary started with `--demo` in a temp dir. A
//!   `client::Replica` logged in as the demo `editor` (school `krasnoe`) creates 2 × N such
//!   documents with `create_for` (mentor school `lyceum-44`), and one `sync` registers them
//!   (`POST /api/documents`) and sends them over `/sync`. Then, timed: `POST
//!   /api/documents/{id}/submissions {"heads": …}` over HTTP with `ureq`, each answered 201 —
//!   the first N one after another from one client, the other N from 4 concurrent clients
//!   (threads with their own connection and token) taking the next document in turn. Each
//!   submission is what the server does for real: authenticate the token, read the record and
//!   the organisation tree, check the permission table, read the document at those heads,
//!   validate it against the region's requirement set (base schema and regional rules, the
//!   Russian report), canonical JSON and SHA-256, and one immediate SQLite transaction with the
//!   submission, the new status and the hash-chained audit row.
//! - *raw libraries*: for the same N documents' JSON, `jsonschema` validating the base schema
//!   alone (the validator built as `crates/forms/benches/validate.rs` builds its raw one),
//!   keys sorted and `serde_json::to_string` as the canonical form, `sha2` over it, and a
//!   `rusqlite` INSERT of a row of the same columns and size in its own immediate transaction
//!   into a WAL-mode file (`synchronous=NORMAL`, as our store) in a temp dir. In process, no
//!   HTTP; the median of [`RAW_PASSES`] passes over the N documents.
//!
//! Then the reviewer approves all 2 × N, the server restarts, and the reviewer's list of
//! documents (`GET /api/documents`) is timed, first and again, with the server's memory before
//! and after: what a municipality's or a region's list costs once many documents are decided.
//!
//! Beside the totals, the same pieces are timed one by one in this process (ours: `document`
//! and `forms` library calls; raw: each library), to show where a gap comes from, and the
//! server's CPU time per submission is read from `/proc/PID/stat`.
//!
//! Needs the release binaries: `cargo build --release --workspace --bins`, then
//! `cargo bench -p e2e --bench submit`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use client::{Registration, Replica};
use e2e::{Api, Server};
use forms::Catalogue;
use rusqlite::{Connection, TransactionBehavior, params};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{Pinned, Store};
use workflow::{
    Directory, DocumentRef, FormKind, Heads, OrgId, OrgKind, Organisation, Role, Transition,
};

/// Documents submitted per side when `RAVENSTVO_BENCH_SUBMIT_DOCS` is not set.
const DEFAULT_DOCS: usize = 200;
/// Concurrent clients of the second timed pass.
const CLIENTS: usize = 4;
/// Passes of the raw side behind its median.
const RAW_PASSES: usize = 5;
/// The form, region and example every document is made from.
const FORM: &str = "school-programme";
const REGION: &str = "lipetsk";
const EXAMPLE: &str = "school-programme.lipetsk.valid.json";
/// The demo user who submits, and the mentor school the documents are registered with.
const EDITOR: &str = "editor";
const MENTOR_SCHOOL: &str = "lyceum-44";
/// The demo's municipal reviewer of the editor's school, who approves every document before
/// the listing is timed.
const REVIEWER: &str = "reviewer";
/// Timed listings after the first one.
const LISTINGS: u32 = 5;

fn main() {
    let started = Instant::now();
    let docs = std::env::var("RAVENSTVO_BENCH_SUBMIT_DOCS")
        .ok()
        .map(|n| {
            n.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .expect("RAVENSTVO_BENCH_SUBMIT_DOCS must be a positive number")
        })
        .unwrap_or(DEFAULT_DOCS);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_owned();
    let server_bin = e2e::bin("sync-server");
    let catalogue =
        Arc::new(Catalogue::load(e2e::root().join("forms")).expect("loading the catalogue"));
    let work = tempfile::tempdir().expect("temp dir");
    let example: Value =
        serde_json::from_str(&std::fs::read_to_string(e2e::example(EXAMPLE)).unwrap()).unwrap();
    let contents: Vec<Value> = (0..2 * docs).map(|i| variant(&example, i)).collect();

    // Ours: the server with the demo region, and 2 × N documents registered and synced.
    let server = Server::start_demo(&work.path().join("server"));
    let prepare = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (ids, created_in, synced_in) = runtime.block_on(prepare_documents(
        &work.path().join("client"),
        &server.url,
        &catalogue,
        &contents,
    ));
    let prepared_in = prepare.elapsed();
    let (sequential_docs, concurrent_docs) = ids.split_at(docs);

    let api = Api::demo(&server, EDITOR);
    let cpu_before = e2e::cpu_time(server.pid());
    let sequential = submit_all(&[api], sequential_docs);
    let sequential_cpu = e2e::cpu_time(server.pid()) - cpu_before;
    let apis: Vec<Api> = (0..CLIENTS).map(|_| Api::demo(&server, EDITOR)).collect();
    let cpu_before = e2e::cpu_time(server.pid());
    let concurrent = submit_all(&apis, concurrent_docs);
    let concurrent_cpu = e2e::cpu_time(server.pid()) - cpu_before;
    let (status, stored) = Api::demo(&server, EDITOR).get("/api/documents");
    assert_eq!(status, 200, "{stored}");
    let submitted = stored
        .as_array()
        .expect("a list")
        .iter()
        .filter(|d| ids.iter().any(|(id, _)| d["id"] == id.as_str()))
        .filter(|d| d["status"] == "submitted")
        .count();
    assert_eq!(submitted, 2 * docs, "every document is submitted");

    // Listing decided documents: the reviewer approves all 2 × N, the server restarts (no
    // document loaded), and the reviewer lists what they may read, first and again.
    let reviewer = Api::demo(&server, REVIEWER);
    for (id, _) in &ids {
        let (status, body) = reviewer.post(
            &format!("/api/documents/{id}/review"),
            &json!({"verdict": "approve"}),
        );
        assert_eq!(status, 200, "{body}");
    }
    assert!(server.stop(), "sync-server did not stop cleanly");
    let server = Server::start(&work.path().join("server"));
    let rss_at_start = e2e::rss(server.pid());
    let reviewer = Api::demo(&server, REVIEWER);
    // The login's argon2 verification allocates its own working memory (19 MiB by default).
    let rss_after_login = e2e::rss(server.pid());
    let list = || {
        let started = Instant::now();
        let (status, listed) = reviewer.get("/api/documents");
        assert_eq!(status, 200, "{listed}");
        let approved = listed
            .as_array()
            .expect("a list")
            .iter()
            .filter(|d| d["status"] == "approved")
            .count();
        assert!(approved >= 2 * docs, "{approved} approved listed");
        started.elapsed()
    };
    let first_listing = list();
    let rss_after_listing = e2e::rss(server.pid());
    let later_listing = (0..LISTINGS).map(|_| list()).sum::<Duration>() / LISTINGS;
    assert!(server.stop(), "sync-server did not stop cleanly");

    // Raw: the same N documents' JSON, several passes.
    let validator = raw_validator();
    let raw_dir = work.path().join("raw");
    std::fs::create_dir_all(&raw_dir).unwrap();
    let raw_rows: Vec<RawRow> = sequential_docs
        .iter()
        .zip(&contents)
        .map(|((id, heads), content)| RawRow {
            document: id.clone(),
            heads: heads.join(","),
            content: content.clone(),
        })
        .collect();
    let conn = raw_database(&raw_dir.join("raw.sqlite3"));
    let mut passes: Vec<Duration> = (0..RAW_PASSES)
        .map(|pass| raw_pass(&validator, &conn, &raw_rows, pass))
        .collect();
    passes.sort();
    let raw = passes[passes.len() / 2];
    drop(conn);

    let pieces = Pieces::measure(&catalogue, &validator, &raw_dir, &example, sequential_docs);

    let n = docs as f64;
    let ours_rate = n / sequential.wall.as_secs_f64();
    let ours_mean = sequential.mean_latency();
    let concurrent_rate = n / concurrent.wall.as_secs_f64();
    let raw_rate = n / raw.as_secs_f64();
    let raw_mean = raw / u32::try_from(docs).unwrap();
    let ratio = sequential.wall.as_secs_f64() / raw.as_secs_f64();

    println!();
    println!(
        "Server binary: {} · {docs} documents per side of ~{} KB canonical JSON each · \
         {} documents prepared in {:.1} s (`create_for` {:.1} s, `sync` registering and sending \
         them {:.1} s)",
        server_bin.display(),
        canonical(&contents[0]).len() / 1000,
        2 * docs,
        prepared_in.as_secs_f64(),
        created_in.as_secs_f64(),
        synced_in.as_secs_f64(),
    );
    println!();
    println!("### Submitting {docs} documents with validation");
    println!();
    println!(
        "| side | submissions/s | mean latency | p50 | max | server CPU per submission | \
         time ratio ours/that |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| ours: `POST …/submissions`, 1 client | {ours_rate:.0} | {} | {} | {} | {} | 1.00 |",
        ms(ours_mean),
        ms(sequential.percentile(50)),
        ms(sequential.percentile(100)),
        ms(sequential_cpu / u32::try_from(docs).unwrap()),
    );
    println!(
        "| ours: `POST …/submissions`, {CLIENTS} clients | {concurrent_rate:.0} | {} | {} | {} \
         | {} | {:.2} |",
        ms(concurrent.mean_latency()),
        ms(concurrent.percentile(50)),
        ms(concurrent.percentile(100)),
        ms(concurrent_cpu / u32::try_from(docs).unwrap()),
        sequential.wall.as_secs_f64() / concurrent.wall.as_secs_f64(),
    );
    println!(
        "| raw: jsonschema + sorted serde_json + sha2 + rusqlite INSERT (in process) | \
         {raw_rate:.0} | {} | – | – | – | {ratio:.2} |",
        ms(raw_mean),
    );
    println!();
    println!("### The same pieces one by one, in this process (mean of one call)");
    println!();
    println!("| piece | ours | raw | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, ours, raw) in [
        (
            "read the content (`document::to_json_at` / automerge `AutoSerde` → \
             `serde_json::Value`, not in the raw total)",
            Some(pieces.to_json_at),
            Some(pieces.raw_read),
        ),
        (
            "  the same document after 49 more changes (the title set 49 times)",
            Some(pieces.to_json_at_edited),
            None,
        ),
        (
            "  for comparison, not on the server's path: `document::to_json` (current state)",
            Some(pieces.to_json),
            None,
        ),
        (
            "  for comparison, not on the server's path: `Automerge::fork_at` + `to_json`",
            Some(pieces.fork_to_json),
            None,
        ),
        (
            "validate (`Catalogue::validate`: schema + rules + report / jsonschema base schema)",
            Some(pieces.validate),
            Some(pieces.raw_validate),
        ),
        (
            "canonical JSON + SHA-256 (`document::canonical_json` + `content_sha256` / sorted \
             serde_json + sha2)",
            Some(pieces.pin),
            Some(pieces.raw_pin),
        ),
        (
            "  of which one `document::canonical_json` (the server computes it twice)",
            Some(pieces.canonical),
            None,
        ),
        (
            "per-request reads (`user_for_token` + `people_of` + organisation tree + record)",
            Some(pieces.reads),
            None,
        ),
        (
            "store (`Store::transition` Submit: submission + status + audit / one INSERT + \
             commit)",
            Some(pieces.transition),
            Some(pieces.raw_insert),
        ),
    ] {
        let cell = |d: Option<Duration>| d.map_or_else(|| "–".to_owned(), ms);
        let ratio = match (ours, raw) {
            (Some(o), Some(r)) => format!("{:.1}", o.as_secs_f64() / r.as_secs_f64()),
            _ => "–".to_owned(),
        };
        println!("| {name} | {} | {} | {ratio} |", cell(ours), cell(raw));
    }
    println!();
    println!(
        "### Listing {} approved documents (`GET /api/documents` as the reviewer, server just \
         restarted)",
        2 * docs
    );
    println!();
    println!(
        "| first listing | later listings (mean of {LISTINGS}) | server RSS at start | after \
         the login | after the first listing |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: |");
    let mib = |bytes: u64| format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0));
    println!(
        "| {} | {} | {} | {} | {} |",
        ms(first_listing),
        ms(later_listing),
        mib(rss_at_start),
        mib(rss_after_login),
        mib(rss_after_listing),
    );
    println!();
    println!(
        "submit throughput: ours {ours_rate:.0}/s (mean {:.2} ms), ours {CLIENTS} clients \
         {concurrent_rate:.0}/s, raw libraries {raw_rate:.0}/s, ratio ours/raw time = {ratio:.1}",
        ours_mean.as_secs_f64() * 1000.0,
    );
    println!();
    println!(
        "Whole bench: {:.1} s on {cores} cores (load average {load} when it began).",
        started.elapsed().as_secs_f64()
    );
}

/// The example with its own title: document `index` of the run.
fn variant(example: &Value, index: usize) -> Value {
    let mut data = example.clone();
    let title = data["title"].as_str().expect("the example has a title");
    data["title"] = Value::from(format!("{title} (экземпляр {})", index + 1));
    data
}

/// Logs a fresh replica in as the demo editor, creates one document per content and syncs
/// them all (registering each); returns their ids with their heads, and how long creating and
/// syncing took.
async fn prepare_documents(
    dir: &Path,
    url: &str,
    catalogue: &Arc<Catalogue>,
    contents: &[Value],
) -> (Vec<(String, Vec<String>)>, Duration, Duration) {
    let replica = Replica::open(dir, catalogue.clone(), "Бенчмарк")
        .await
        .expect("opening the replica");
    replica
        .login(url, EDITOR, e2e::demo_password(EDITOR))
        .await
        .expect("login");
    // The repo announces the user's peer id from the next opening on.
    replica.close().await;
    drop(replica);
    let replica = Replica::open(dir, catalogue.clone(), "Бенчмарк")
        .await
        .expect("reopening the replica");
    let registration = Registration {
        school: None,
        mentor: Some(MENTOR_SCHOOL.to_owned()),
    };
    let mut ids = Vec::with_capacity(contents.len());
    let start = Instant::now();
    for content in contents {
        let id = replica
            .create_for(FORM, REGION, content, &registration)
            .await
            .expect("creating a document");
        ids.push(id);
    }
    let created = start.elapsed();
    let start = Instant::now();
    let report = replica.sync(url, &[], &|_| {}).await.expect("sync");
    let synced = start.elapsed();
    assert_eq!(report.problems().count(), 0, "{report:?}");
    assert_eq!(report.documents.len(), contents.len(), "{report:?}");
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let heads = replica.heads(&id).await.expect("heads");
        let heads = heads.split(',').map(str::to_owned).collect();
        out.push((id, heads));
    }
    replica.close().await;
    (out, created, synced)
}

/// The latencies of one timed pass and its wall time.
struct Pass {
    wall: Duration,
    latencies: Vec<Duration>,
}

impl Pass {
    fn mean_latency(&self) -> Duration {
        self.latencies.iter().sum::<Duration>() / u32::try_from(self.latencies.len()).unwrap()
    }

    fn percentile(&self, p: usize) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) * p) / 100]
    }
}

/// Submits every document, each client (one thread each) taking the next one in turn;
/// asserts every answer is 201.
fn submit_all(clients: &[Api], docs: &[(String, Vec<String>)]) -> Pass {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let latencies = std::thread::scope(|scope| {
        let workers: Vec<_> = clients
            .iter()
            .map(|api| {
                let next = &next;
                scope.spawn(move || {
                    let mut latencies = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some((id, heads)) = docs.get(index) else {
                            break;
                        };
                        let sent = Instant::now();
                        let (status, body) = api.post(
                            &format!("/api/documents/{id}/submissions"),
                            &json!({ "heads": heads }),
                        );
                        latencies.push(sent.elapsed());
                        assert_eq!(status, 201, "submitting {id}: {body}");
                        assert!(body["content_sha256"].is_string(), "{body}");
                    }
                    latencies
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a submitting client"))
            .collect::<Vec<_>>()
    });
    let wall = start.elapsed();
    assert_eq!(latencies.len(), docs.len());
    Pass { wall, latencies }
}

/// Raw jsonschema on the base schema alone (`forms::baseline`, shared by every benchmark).
fn raw_validator() -> jsonschema::Validator {
    forms::baseline::raw_validator(&e2e::root().join("forms"), FORM)
        .expect("the base schema builds")
}

/// What the raw side stores for one document.
struct RawRow {
    document: String,
    heads: String,
    content: Value,
}

/// A WAL-mode SQLite file with the columns of our `submissions` table.
fn raw_database(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
        .unwrap();
    assert!(mode.eq_ignore_ascii_case("wal"), "{mode}");
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.execute_batch(
        "CREATE TABLE submissions (
             document             TEXT NOT NULL,
             round                INTEGER NOT NULL,
             heads                TEXT NOT NULL,
             form_id              TEXT NOT NULL,
             form_version         TEXT NOT NULL,
             requirements_id      TEXT NOT NULL,
             requirements_version TEXT NOT NULL,
             content_sha256       TEXT NOT NULL,
             content              TEXT NOT NULL,
             submitted_by         TEXT NOT NULL,
             submitted_at         TEXT NOT NULL,
             PRIMARY KEY (document, round)
         );",
    )
    .unwrap();
    conn
}

/// One pass of the raw side over every row; `pass` keeps the rows' keys distinct.
fn raw_pass(
    validator: &jsonschema::Validator,
    conn: &Connection,
    rows: &[RawRow],
    pass: usize,
) -> Duration {
    let round = i64::try_from(pass + 1).unwrap();
    let start = Instant::now();
    for row in rows {
        assert!(
            validator.is_valid(&row.content),
            "{} is valid",
            row.document
        );
        let text = canonical(&row.content);
        let digest = sha256_hex(&text);
        insert(conn, &row.document, round, &row.heads, &digest, &text);
    }
    start.elapsed()
}

/// Keys sorted at every level, then `serde_json::to_string`.
fn canonical(value: &Value) -> String {
    fn sort(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.sort_keys();
                map.values_mut().for_each(sort);
            }
            Value::Array(items) => items.iter_mut().for_each(sort),
            _ => {}
        }
    }
    let mut sorted = value.clone();
    sort(&mut sorted);
    serde_json::to_string(&sorted).unwrap()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn insert(conn: &Connection, document: &str, round: i64, heads: &str, digest: &str, text: &str) {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate).unwrap();
    tx.prepare_cached(
        "INSERT INTO submissions (document, round, heads, form_id, form_version, requirements_id,
             requirements_version, content_sha256, content, submitted_by, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    )
    .unwrap()
    .execute(params![
        document, round, heads, FORM, "1.0.0", REGION, "1.0.0", digest, text, EDITOR,
    ])
    .unwrap();
    tx.commit().unwrap();
}

/// Mean times of single calls, ours and raw, on one document in this process.
struct Pieces {
    to_json_at: Duration,
    to_json_at_edited: Duration,
    raw_read: Duration,
    to_json: Duration,
    fork_to_json: Duration,
    canonical: Duration,
    validate: Duration,
    raw_validate: Duration,
    pin: Duration,
    raw_pin: Duration,
    raw_insert: Duration,
    reads: Duration,
    transition: Duration,
}

impl Pieces {
    fn measure(
        catalogue: &Catalogue,
        validator: &jsonschema::Validator,
        dir: &Path,
        example: &Value,
        docs: &[(String, Vec<String>)],
    ) -> Pieces {
        let budget = Duration::from_millis(500);
        let author = document::Author {
            id: EDITOR.to_owned(),
            name: "Бенчмарк".to_owned(),
        };
        let doc = document::create(catalogue, FORM, REGION, example, &author)
            .expect("the example makes a document");
        let heads = doc.get_heads();
        let content = document::to_json_at(&doc, &heads).unwrap();
        let to_json_at = mean(budget, || {
            std::hint::black_box(document::to_json_at(&doc, &heads).unwrap());
        });
        let mut edited = doc.clone();
        for change in 1..50 {
            let edit = document::Edit::Set {
                pointer: "/title".to_owned(),
                value: Value::from(format!("Программа, редакция {change}")),
            };
            document::apply(&mut edited, catalogue, &[edit], &author, None)
                .expect("setting the title");
        }
        let edited_heads = edited.get_heads();
        let to_json_at_edited = mean(budget, || {
            std::hint::black_box(document::to_json_at(&edited, &edited_heads).unwrap());
        });
        let raw_read = mean(budget, || {
            std::hint::black_box(serde_json::to_value(automerge::AutoSerde::from(&doc)).unwrap());
        });
        let to_json = mean(budget, || {
            std::hint::black_box(document::to_json(&doc).unwrap());
        });
        let fork_to_json = mean(budget, || {
            let fork = doc.fork_at(&heads).unwrap();
            std::hint::black_box(document::to_json(&fork).unwrap());
        });
        let validate = mean(budget, || {
            let report = catalogue
                .validate(FORM, REGION, &forms::without_empty(&content))
                .unwrap();
            assert!(report.valid);
        });
        let raw_validate = mean(budget, || assert!(validator.is_valid(&content)));
        let pin = mean(budget, || {
            std::hint::black_box(document::canonical_json(&content));
            std::hint::black_box(document::content_sha256(&content));
        });
        let canonical_once = mean(budget, || {
            std::hint::black_box(document::canonical_json(&content));
        });
        let raw_pin = mean(budget, || {
            std::hint::black_box(sha256_hex(&canonical(&content)));
        });
        let conn = raw_database(&dir.join("pieces.sqlite3"));
        let text = canonical(&content);
        let digest = sha256_hex(&text);
        let mut round = 0;
        let raw_insert = mean(budget, || {
            round += 1;
            insert(&conn, "piece", round, "heads", &digest, &text);
        });
        let (reads, transition) = store_pieces(&dir.join("store"), docs, &text, &digest);
        Pieces {
            reads,
            transition,
            to_json_at,
            to_json_at_edited,
            raw_read,
            to_json,
            fork_to_json,
            canonical: canonical_once,
            validate,
            raw_validate,
            pin,
            raw_pin,
            raw_insert,
        }
    }
}

/// Our store in this process, set up as the demo region's school and mentor school: the mean
/// time of the reads every submission makes before validating, and of `Store::transition`
/// storing a submission of `content`, over every document of `docs`.
fn store_pieces(
    dir: &Path,
    docs: &[(String, Vec<String>)],
    content: &str,
    digest: &str,
) -> (Duration, Duration) {
    let store = Store::open(dir.join("store.sqlite3")).expect("opening a store");
    for (id, kind, parent) in [
        ("lipetsk", OrgKind::Region, None),
        ("krasninsky", OrgKind::Municipality, Some("lipetsk")),
        ("lipetsk-city", OrgKind::Municipality, Some("lipetsk")),
        (
            "krasnoe",
            OrgKind::School { mentor: false },
            Some("krasninsky"),
        ),
        (
            MENTOR_SCHOOL,
            OrgKind::School { mentor: true },
            Some("lipetsk-city"),
        ),
    ] {
        let org = Organisation {
            id: OrgId::new(id),
            kind,
            parent: parent.map(OrgId::new),
            name: id.to_owned(),
        };
        store.add_organisation(&org, "admin").unwrap();
    }
    let user = store
        .add_user(EDITOR, "Бенчмарк", e2e::demo_password(EDITOR), "admin")
        .unwrap();
    store
        .grant(&user, &OrgId::new("krasnoe"), Role::SchoolEditor, "admin")
        .unwrap();
    let token = store.issue_token(&user, Duration::from_secs(3600)).unwrap();
    for (id, _) in docs {
        let reference = DocumentRef::new(
            id.as_str().into(),
            FormKind::SchoolProgramme,
            OrgId::new("krasnoe"),
            Some(OrgId::new(MENTOR_SCHOOL)),
        );
        store.register_document(&reference, REGION, &user).unwrap();
    }
    let count = u32::try_from(docs.len()).unwrap();

    let start = Instant::now();
    for (id, _) in docs {
        let caller = store
            .user_for_token(&token, SystemTime::now())
            .unwrap()
            .expect("a valid token");
        std::hint::black_box(store.people_of(&caller).unwrap());
        std::hint::black_box(Directory::new(store.organisations().unwrap()).unwrap());
        std::hint::black_box(store.document(&id.as_str().into()).unwrap());
    }
    let reads = start.elapsed() / count;

    let start = Instant::now();
    for (id, heads) in docs {
        let pinned = Pinned {
            form_id: FORM.to_owned(),
            form_version: "1.0.0".to_owned(),
            requirements_id: REGION.to_owned(),
            requirements_version: "1.0.0".to_owned(),
            content_sha256: digest.to_owned(),
            content: content.to_owned(),
        };
        let transition = Transition::Submit {
            heads: Heads::new(heads.iter().cloned()),
            content_sha256: None,
        };
        store
            .transition(&id.as_str().into(), &transition, &user, Some(&pinned))
            .unwrap()
            .expect("a draft can be submitted");
    }
    let transition = start.elapsed() / count;
    (reads, transition)
}

/// Mean time of one call, measured over at least `budget`.
fn mean(budget: Duration, mut f: impl FnMut()) -> Duration {
    for _ in 0..5 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    start.elapsed() / n
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
