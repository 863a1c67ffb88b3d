//! Reconnect storm: N replicas, each with its own account and peer id, go offline, make their
//! edits, and reconnect at once; timed until every replica holds every edit.
//!
//! The replicas are school teams of [`TEAM`]: each generated school has [`FORMS`] documents
//! (a programme and a stimulus-policy change, made empty by `document::create` as the CLI
//! makes them), which its team's replicas all edit, so every reconnecting replica brings edits
//! the others lack and receives theirs. On our server each replica is a user of its own,
//! school editor of its school, logged in with its own token; on the bare samod server (no
//! accounts) the same teams share the same documents, made by the team's first replica.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ReadDoc};
use document::Author;
use futures::StreamExt;
use samod::DocHandle;
use serde_json::{Value, json};

use crate::clients::{Client, first_text, login};
use crate::measure::{CpuWindow, Rng, mib, ms, peak_rss, reset_peak_rss};
use crate::target::{Kind, Target};

/// Replicas per school.
pub const TEAM: usize = 10;
/// The forms each school has a document of.
const FORMS: [&str; 2] = ["school-programme", "stimulus-policy-change"];
/// The demo region and the municipality the generated schools belong to.
const REGION: &str = "lipetsk";
const MUNICIPALITY: &str = "krasninsky";
/// The demo mentor school named on the generated programmes.
const MENTOR: &str = "lyceum-44";
/// The generated accounts' password (they live only in the run's temp directory).
const PASSWORD: &str = "Нагрузка-2026-storm";
/// The longest a storm may take to converge before the run reports it unconverged.
const CONVERGE_BOUND: Duration = Duration::from_secs(600);

/// What one run does.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Replicas.
    pub replicas: usize,
    /// Offline edits per replica (alternating between the team's documents).
    pub edits: usize,
}

impl Plan {
    fn schools(&self) -> usize {
        self.replicas.div_ceil(TEAM)
    }
}

/// The figures of one storm against one server.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Which server.
    pub kind: Kind,
    /// From the first reconnect to the last replica holding every edit.
    pub converged: Option<Duration>,
    /// Server CPU over the storm, seconds.
    pub server_cpu: f64,
    /// Server resident memory when the storm began, bytes.
    pub rss_before: u64,
    /// Server peak resident memory over the storm (over the whole run where the peak could
    /// not be reset: see `peak_is_the_storms`), bytes.
    pub peak_rss: u64,
    /// Whether `peak_rss` is the storm's own.
    pub peak_is_the_storms: bool,
    /// Bytes through the proxy during the storm, both ways.
    pub wire_bytes: u64,
    /// How long the set-up took (accounts, logins, documents, first sync), not measured.
    pub setup: Duration,
}

impl Outcome {
    /// As JSON.
    pub fn json(&self, plan: &Plan) -> Value {
        json!({
            "server": self.kind.name(),
            "replicas": plan.replicas,
            "schools": plan.schools(),
            "documents": plan.schools() * FORMS.len(),
            "offline_edits_per_replica": plan.edits,
            "converged_ms": self.converged.map(ms),
            "server_cpu_s": self.server_cpu,
            "server_rss_before_mib": mib(self.rss_before),
            "server_peak_rss_mib": mib(self.peak_rss),
            "peak_is_the_storms": self.peak_is_the_storms,
            "wire_bytes": self.wire_bytes,
            "setup_s": self.setup.as_secs_f64(),
        })
    }
}

/// One replica: its repo, its connection (while online) and its team's documents.
struct Replica {
    peer: String,
    token: Option<String>,
    client: Client,
    handles: Vec<DocHandle>,
}

/// The storm on our server (`sync-server --demo` with the generated schools and accounts).
pub async fn ours(dir: &std::path::Path, plan: Plan) -> Outcome {
    let started = Instant::now();
    let target = Target::ours(dir, Vec::new()).await;
    let url = target.direct_url();
    let admin = login(&url, "admin", e2e::demo_password("admin")).await;
    let catalogue = forms::Catalogue::load(e2e::root().join("forms")).expect("the forms load");
    let mut replicas: Vec<Replica> = Vec::new();
    for school in 0..plan.schools() {
        eprint!(
            "\r{}: set-up, school {}/{}   ",
            Kind::Ours.name(),
            school + 1,
            plan.schools()
        );
        let org = format!("storm-school-{school:04}");
        rest(
            &url,
            &admin,
            "/api/admin/organisations",
            json!({"id": org, "kind": "school", "parent": MUNICIPALITY,
                   "name": format!("МБОУ СОШ № {school} (нагрузка)")}),
        )
        .await;
        let team = (school * TEAM..((school + 1) * TEAM).min(plan.replicas)).collect::<Vec<_>>();
        let mut documents = Vec::new();
        for (place, n) in team.into_iter().enumerate() {
            let user = format!("storm-{n:05}");
            rest(
                &url,
                &admin,
                "/api/admin/users",
                json!({"login": user, "display_name": format!("Редактор {n}"), "password": PASSWORD}),
            )
            .await;
            rest(
                &url,
                &admin,
                &format!("/api/admin/users/{user}/roles"),
                json!({"org": org, "role": "school-editor"}),
            )
            .await;
            let token = login(&url, &user, PASSWORD).await;
            let peer = format!("u:{user}:storm");
            // The team's first replica makes the documents offline and registers them before
            // it connects (as the CLI does): the server takes no document it has no record of.
            let repo = Client::offline(&peer).await;
            let mut made = Vec::new();
            if place == 0 {
                for form in FORMS {
                    let doc = empty_document(&catalogue, form, &user);
                    let handle = repo.create(doc).await.expect("running");
                    let id = handle.document_id().to_string();
                    rest(
                        &url,
                        &token,
                        "/api/documents",
                        json!({"id": id, "form": form, "owner_school": org, "mentor": MENTOR}),
                    )
                    .await;
                    documents.push(id);
                    made.push(handle);
                }
            }
            let (dialer, conn) = Client::dial(&repo, &target, Some(&token), &peer).await;
            let client = Client { repo, dialer, conn };
            for handle in made {
                handle.they_have_our_changes(client.conn).await;
            }
            let handles = find_all(&client, &documents).await;
            replicas.push(Replica {
                peer,
                token: Some(token),
                client,
                handles,
            });
        }
    }
    storm(target, replicas, plan, started).await
}

/// The same storm on the bare samod server.
pub async fn bare(plan: Plan) -> Outcome {
    let started = Instant::now();
    let target = Target::bare().await;
    let catalogue = forms::Catalogue::load(e2e::root().join("forms")).expect("the forms load");
    let mut replicas: Vec<Replica> = Vec::new();
    let mut documents = Vec::new();
    for n in 0..plan.replicas {
        if n % TEAM == 0 {
            eprint!(
                "\r{}: set-up, school {}/{}   ",
                Kind::Bare.name(),
                n / TEAM + 1,
                plan.schools()
            );
        }
        let peer = format!("u:bare-{n:05}:storm");
        let client = Client::connect(&target, None, &peer).await;
        if n % TEAM == 0 {
            documents.clear();
            for form in FORMS {
                let doc = empty_document(&catalogue, form, &peer);
                let handle = client.repo.create(doc).await.expect("running");
                handle.they_have_our_changes(client.conn).await;
                documents.push(handle.document_id().to_string());
            }
        }
        let handles = find_all(&client, &documents).await;
        replicas.push(Replica {
            peer,
            token: None,
            client,
            handles,
        });
    }
    storm(target, replicas, plan, started).await
}

/// An empty document of `form` in the demo region, as the CLI's `new` makes it.
fn empty_document(catalogue: &forms::Catalogue, form: &str, by: &str) -> Automerge {
    let author = Author {
        id: by.to_owned(),
        name: by.to_owned(),
    };
    document::create(catalogue, form, REGION, &json!({}), &author).expect("an empty document")
}

/// The handles of `documents` in `client`'s repo, fetched from the server.
async fn find_all(client: &Client, documents: &[String]) -> Vec<DocHandle> {
    let mut handles = Vec::new();
    for id in documents {
        let handle = client
            .repo
            .find(id.parse().expect("a document id"))
            .await
            .expect("running")
            .expect("the server has the document");
        handles.push(handle);
    }
    handles
}

/// A REST call that must succeed (set-up).
async fn rest(url: &str, token: &str, path: &str, body: Value) {
    let (url, token, path) = (url.to_owned(), token.to_owned(), path.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut api = e2e::Api::at(&url);
        api.token = Some(token);
        let (status, answer) = api.post(&path, &body);
        assert!(
            (200..300).contains(&status),
            "POST {path}: {status} {answer}"
        );
    })
    .await
    .expect("a REST call");
}

/// Offline edits, the simultaneous reconnect, and the wait for convergence.
async fn storm(
    target: Target,
    mut replicas: Vec<Replica>,
    plan: Plan,
    started: Instant,
) -> Outcome {
    // Every replica holds its team's documents as the server does: then offline.
    for replica in &mut replicas {
        for handle in &replica.handles {
            handle.they_have_our_changes(replica.client.conn).await;
        }
        replica.client.dialer.close();
    }
    for (n, replica) in replicas.iter().enumerate() {
        let mut rng = Rng::new(n as u64 + 7);
        for edit in 0..plan.edits {
            let handle = &replica.handles[edit % replica.handles.len()];
            handle.with_document(|doc| {
                let text = first_text(doc).expect("a text field");
                let length = doc.length(&text);
                let mut tx = doc.transaction();
                tx.splice_text(&text, rng.below(length + 1), 0, "ж")
                    .expect("a text field");
                tx.commit();
            });
        }
    }
    // Each document's heads as each replica sees them, kept by listening to its changes:
    // reading a samod document makes samod regenerate its sync messages for every peer, so
    // polling with reads would add the very traffic being measured.
    let heads: Vec<Vec<Arc<Mutex<Vec<ChangeHash>>>>> = replicas
        .iter()
        .map(|replica| {
            replica
                .handles
                .iter()
                .map(|handle| {
                    let seen = Arc::new(Mutex::new(handle.with_document(|doc| doc.get_heads())));
                    let (mut changes, seen_here) = (handle.changes(), seen.clone());
                    tokio::spawn(async move {
                        while let Some(changed) = changes.next().await {
                            *seen_here.lock().expect("heads") = changed.new_heads;
                        }
                    });
                    seen
                })
                .collect()
        })
        .collect();
    let setup = started.elapsed();
    eprint!(
        "\r{}: reconnecting {} replicas at once   ",
        target.kind.name(),
        replicas.len()
    );
    let pid = target.pid();
    let (up0, down0) = target.bytes();
    let window = CpuWindow::start(pid);
    // The storm's own peak: the set-up's (password hashing above all) is not the storm's.
    let rss_before = crate::measure::rss(pid);
    let peak_is_the_storms = reset_peak_rss(pid);
    let storm_started = Instant::now();
    // All at once.
    let mut dials = Vec::new();
    for replica in &replicas {
        let repo = replica.client.repo.clone();
        let url = target.sync_url(replica.token.as_deref(), &replica.peer);
        dials.push(tokio::spawn(
            async move { Client::dial_url(&repo, url).await },
        ));
    }
    let mut converged = None;
    while storm_started.elapsed() < CONVERGE_BOUND {
        if all_converged(&heads) {
            converged = Some(storm_started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprint!("\r{:60}\r", "");
    // Equal heads mean every replica of a team holds every edit of the team; checked once on
    // the documents themselves.
    if converged.is_some() {
        assert!(
            every_edit_is_there(&replicas, plan.edits),
            "heads agree but edits are missing"
        );
    }
    let (server_cpu, _) = window.used();
    let (up, down) = target.bytes();
    let peak = peak_rss(pid);
    let mut dialers = Vec::new();
    for dial in dials {
        dialers.push(dial.await.expect("a dial"));
    }
    for (replica, (dialer, _)) in replicas.into_iter().zip(dialers) {
        dialer.close();
        replica.client.repo.stop().await;
    }
    let kind = target.kind;
    let _ = target.stop(Duration::from_secs(30)).await;
    Outcome {
        kind,
        converged,
        server_cpu: server_cpu.as_secs_f64(),
        rss_before,
        peak_rss: peak,
        peak_is_the_storms,
        wire_bytes: (up - up0) + (down - down0),
        setup,
    }
}

/// Whether every team's replicas see the same heads of each of the team's documents.
fn all_converged(heads: &[Vec<Arc<Mutex<Vec<ChangeHash>>>>]) -> bool {
    heads.chunks(TEAM).all(|team| {
        (0..team[0].len()).all(|d| {
            let first = team[0][d].lock().expect("heads").clone();
            team.iter()
                .all(|replica| *replica[d].lock().expect("heads") == first)
        })
    })
}

/// Whether each team's documents hold every offline edit of the team: `edits` per replica,
/// alternating over the documents.
fn every_edit_is_there(replicas: &[Replica], edits: usize) -> bool {
    replicas.chunks(TEAM).all(|team| {
        let documents = team[0].handles.len();
        (0..documents).all(|d| {
            let want = team.len() * (0..edits).filter(|e| e % documents == d).count();
            team.iter().all(|replica| {
                replica.handles[d].with_document(|doc| {
                    let text = first_text(doc).expect("a text field");
                    doc.length(&text) >= want
                })
            })
        })
    })
}
