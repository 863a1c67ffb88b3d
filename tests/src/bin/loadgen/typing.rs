//! Live typing fan-out over `/sync`: N clients type into one structured text field of one
//! document at a steady rate; every keystroke (one Automerge change) is timed from the moment
//! it is made to its arrival at each other client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ReadDoc};
use futures::StreamExt;
use samod::DocHandle;
use serde_json::{Value, json};

use crate::clients::{Client, first_text, login};
use crate::measure::{CpuWindow, Rng, Summary, mib, ms, peak_rss};
use crate::target::{Kind, Target};

/// The users typing on our server, alternating: both are parties of the demo's documents.
pub const USERS: [&str; 2] = ["editor", "mentor"];

/// What one run types.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Clients typing at once.
    pub typists: usize,
    /// For how long.
    pub seconds: u64,
    /// Characters a second per typist.
    pub rate: f64,
}

/// The figures of one run against one server.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Which server.
    pub kind: Kind,
    /// Keystrokes made.
    pub keystrokes: usize,
    /// Arrivals expected (keystrokes × other clients) and seen.
    pub expected: usize,
    /// All latencies.
    pub all: Summary,
    /// Latencies of keystrokes made in the last 10 s.
    pub last10: Summary,
    /// Server CPU over the run, seconds (of every server process, with several replicas).
    pub server_cpu: f64,
    /// Server CPU as % of one core, over the first and the last 10 s.
    pub cpu_first10: f64,
    /// See `cpu_first10`.
    pub cpu_last10: f64,
    /// This process's (the clients') CPU as % of one core over the run.
    pub clients_cpu: f64,
    /// Peak resident memory of the server, bytes.
    pub peak_rss: u64,
    /// Bytes through the proxy, both ways.
    pub wire_bytes: u64,
    /// Time from SIGTERM to exit, and whether it exited cleanly.
    pub shutdown: (Duration, Option<bool>),
}

impl Outcome {
    /// Server CPU per keystroke, ms.
    pub fn cpu_per_keystroke(&self) -> f64 {
        self.server_cpu * 1000.0 / self.keystrokes.max(1) as f64
    }

    /// As JSON.
    pub fn json(&self, plan: &Plan) -> Value {
        json!({
            "server": self.kind.name(),
            "typists": plan.typists,
            "seconds": plan.seconds,
            "rate_per_typist": plan.rate,
            "keystrokes": self.keystrokes,
            "arrivals_expected": self.expected,
            "latency": self.all.json(),
            "latency_last_10s": self.last10.json(),
            "server_cpu_s": self.server_cpu,
            "server_cpu_ms_per_keystroke": self.cpu_per_keystroke(),
            "server_cpu_percent_first_10s": self.cpu_first10,
            "server_cpu_percent_last_10s": self.cpu_last10,
            "clients_cpu_percent": self.clients_cpu,
            "server_peak_rss_mib": mib(self.peak_rss),
            "wire_bytes": self.wire_bytes,
            "shutdown_ms": ms(self.shutdown.0),
            "shutdown_clean": self.shutdown.1,
        })
    }
}

/// Keystrokes made: change hash → (when, by which typist).
type Sent = Arc<Mutex<HashMap<ChangeHash, (Instant, usize)>>>;
/// Arrivals: (when the keystroke was made, its latency).
type Arrived = Arc<Mutex<Vec<(Instant, Duration)>>>;

/// The document typed into on the bare server: a copy of the one typed into on ours.
pub struct Seed {
    bytes: Vec<u8>,
}

/// Types into our server (`sync-server --demo`): a demo document both demo parties write.
/// Returns the figures and the document as it was before typing (for the bare run).
pub async fn ours(dir: &std::path::Path, plan: Plan) -> (Outcome, Seed) {
    ours_on(vec![Target::ours(dir, Vec::new()).await], plan).await
}

/// Types into our servers `targets` (replicas of one database when more than one; the first
/// has the demo region): typist `i` is a client of `targets[i % n]`, so with two replicas half
/// of every keystroke's arrivals cross from one to the other.
pub async fn ours_on(targets: Vec<Target>, plan: Plan) -> (Outcome, Seed) {
    let url = targets[0].direct_url();
    let mut tokens = Vec::new();
    for user in USERS {
        tokens.push(login(&url, user, e2e::demo_password(user)).await);
    }
    let document = shared_document(&url, &tokens).await;
    let mut clients = Vec::new();
    let mut handles = Vec::new();
    for i in 0..plan.typists {
        let user = i % USERS.len();
        let peer = format!("u:{}:typist-{i}", USERS[user]);
        let client = Client::connect(&targets[i % targets.len()], Some(&tokens[user]), &peer).await;
        let handle = client
            .repo
            .find(document.parse().expect("a document id"))
            .await
            .expect("running")
            .expect("the server shares the document");
        handles.push(handle);
        clients.push(client);
    }
    let seed = Seed {
        bytes: handles[0].with_document(|doc| doc.save()),
    };
    (type_into(targets, clients, handles, plan).await, seed)
}

/// Types into the bare samod server: the first client creates a copy of `seed`.
pub async fn bare(seed: &Seed, plan: Plan) -> Outcome {
    let target = Target::bare().await;
    let mut clients = Vec::new();
    let mut handles: Vec<DocHandle> = Vec::new();
    for i in 0..plan.typists {
        let peer = format!("u:bare:typist-{i}");
        let client = Client::connect(&target, None, &peer).await;
        let handle = match handles.first() {
            None => {
                let doc = Automerge::load(&seed.bytes).expect("the seed loads");
                let handle = client.repo.create(doc).await.expect("running");
                handle.they_have_our_changes(client.conn).await;
                handle
            }
            Some(first) => client
                .repo
                .find(first.document_id().clone())
                .await
                .expect("running")
                .expect("the server has the document"),
        };
        handles.push(handle);
        clients.push(client);
    }
    type_into(vec![target], clients, handles, plan).await
}

/// A document every token's user may write (its id).
pub async fn shared_document(url: &str, tokens: &[String]) -> String {
    let (url, tokens) = (url.to_owned(), tokens.to_vec());
    tokio::task::spawn_blocking(move || {
        let writable = |token: &str| -> Vec<String> {
            let mut api = e2e::Api::at(&url);
            api.token = Some(token.to_owned());
            let (status, body) = api.get("/api/documents");
            assert_eq!(status, 200, "{body}");
            body.as_array()
                .expect("a list")
                .iter()
                .filter(|d| d["permissions"].to_string().contains("\"write\""))
                .filter_map(|d| d["id"].as_str().map(str::to_owned))
                .collect()
        };
        let first = writable(&tokens[0]);
        let others: Vec<Vec<String>> = tokens[1..].iter().map(|t| writable(t)).collect();
        first
            .into_iter()
            .find(|id| others.iter().all(|o| o.contains(id)))
            .expect("a demo document every typist may write")
    })
    .await
    .expect("listing documents")
}

/// The run itself, once every client has the document.
async fn type_into(
    targets: Vec<Target>,
    clients: Vec<Client>,
    handles: Vec<DocHandle>,
    plan: Plan,
) -> Outcome {
    let text = handles[0]
        .with_document(|doc| first_text(doc))
        .expect("the document has a text field");
    let sent: Sent = Arc::default();
    let arrived: Arrived = Arc::default();
    // Receivers: every change that arrives is looked up among the keystrokes made.
    let mut receivers = Vec::new();
    for (me, handle) in handles.iter().enumerate() {
        let (handle, sent, arrived) = (handle.clone(), sent.clone(), arrived.clone());
        receivers.push(tokio::spawn(async move {
            let mut heads = handle.with_document(|doc| doc.get_heads());
            let mut changes = handle.changes();
            while changes.next().await.is_some() {
                let now = Instant::now();
                let new: Vec<ChangeHash> = handle.with_document(|doc| {
                    let new = doc
                        .get_changes(&heads)
                        .iter()
                        .map(|change| change.hash())
                        .collect();
                    heads = doc.get_heads();
                    new
                });
                let sent = sent.lock().expect("sent");
                let mut arrived = arrived.lock().expect("arrived");
                for hash in new {
                    if let Some((at, by)) = sent.get(&hash)
                        && *by != me
                    {
                        arrived.push((*at, now.duration_since(*at)));
                    }
                }
            }
        }));
    }
    let pids: Vec<u32> = targets.iter().map(Target::pid).collect();
    let bytes = |targets: &[Target]| {
        targets
            .iter()
            .map(Target::bytes)
            .fold((0, 0), |(u, d), (up, down)| (u + up, d + down))
    };
    let (up0, down0) = bytes(&targets);
    let windows: Vec<CpuWindow> = pids.iter().map(|pid| CpuWindow::start(*pid)).collect();
    let clients_window = CpuWindow::start(std::process::id());
    let start = Instant::now();
    let end = start + Duration::from_secs(plan.seconds);
    let period = Duration::from_secs_f64(1.0 / plan.rate);
    let mut typists = Vec::new();
    for (i, handle) in handles.iter().enumerate() {
        let (handle, sent, text) = (handle.clone(), sent.clone(), text.clone());
        // Staggered so that keystrokes do not all fall on the same instant.
        let offset = period.mul_f64(i as f64 / plan.typists as f64);
        typists.push(tokio::spawn(async move {
            let mut rng = Rng::new(i as u64 + 1);
            let mut tick = tokio::time::interval_at((start + offset).into(), period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut made = 0usize;
            loop {
                tick.tick().await;
                if Instant::now() >= end {
                    return made;
                }
                let at = Instant::now();
                let hash = handle.with_document(|doc| {
                    let length = doc.length(&text);
                    let mut tx = doc.transaction();
                    tx.splice_text(&text, rng.below(length + 1), 0, "ж")
                        .expect("a text field");
                    tx.commit().0
                });
                if let Some(hash) = hash {
                    sent.lock().expect("sent").insert(hash, (at, i));
                    made += 1;
                }
            }
        }));
    }
    let samplers: Vec<_> = pids
        .iter()
        .map(|pid| sample_cpu(*pid, plan.seconds, end))
        .collect();
    let mut keystrokes = 0;
    for typist in typists {
        keystrokes += typist.await.expect("a typist");
    }
    let expected = keystrokes * (plan.typists - 1);
    // Waits for the stragglers, at most 30 s.
    let drain = Instant::now();
    while arrived.lock().expect("arrived").len() < expected && drain.elapsed().as_secs() < 30 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let server_cpu: Duration = windows.iter().map(|w| w.used().0).sum();
    let clients_cpu = clients_window.percent();
    let (mut cpu_first10, mut cpu_last10) = (0.0, 0.0);
    for sampler in samplers {
        let (first, last) = sampler.await.expect("the sampler");
        cpu_first10 += first;
        cpu_last10 += last;
    }
    let (up, down) = bytes(&targets);
    let peak = pids.iter().map(|pid| peak_rss(*pid)).sum();
    for receiver in &receivers {
        receiver.abort();
    }
    for client in clients {
        client.stop().await;
    }
    let kind = targets[0].kind;
    let mut shutdown = (Duration::ZERO, Some(true));
    for target in targets {
        let (took, clean) = target.stop(Duration::from_secs(30)).await;
        shutdown.0 = shutdown.0.max(took);
        shutdown.1 = match (shutdown.1, clean) {
            (Some(a), Some(b)) => Some(a && b),
            _ => None,
        };
    }
    let arrived = std::mem::take(&mut *arrived.lock().expect("arrived"));
    let (all, last10) = summaries(&arrived, end);
    Outcome {
        kind,
        keystrokes,
        expected,
        all,
        last10,
        server_cpu: server_cpu.as_secs_f64(),
        cpu_first10,
        cpu_last10,
        clients_cpu,
        peak_rss: peak,
        wire_bytes: (up - up0) + (down - down0),
        shutdown,
    }
}

/// Samples the server's CPU over the first and the last 10 s of a run ending at `end`, as % of
/// one core.
pub fn sample_cpu(pid: u32, seconds: u64, end: Instant) -> tokio::task::JoinHandle<(f64, f64)> {
    tokio::spawn(async move {
        let tenth = Duration::from_secs(seconds.min(10));
        let first = CpuWindow::start(pid);
        tokio::time::sleep(tenth).await;
        let first = first.percent();
        tokio::time::sleep_until((end - tenth).into()).await;
        let last = CpuWindow::start(pid);
        tokio::time::sleep_until(end.into()).await;
        (first, last.percent())
    })
}

/// The latencies of a run ending at `end` (arrivals: when each keystroke was made, its
/// latency), all and those of keystrokes made in its last 10 s.
pub fn summaries(arrived: &[(Instant, Duration)], end: Instant) -> (Summary, Summary) {
    let last10_from = end - Duration::from_secs(10);
    let mut all: Vec<Duration> = arrived.iter().map(|(_, latency)| *latency).collect();
    let mut last10: Vec<Duration> = arrived
        .iter()
        .filter(|(at, _)| *at >= last10_from)
        .map(|(_, latency)| *latency)
        .collect();
    (Summary::of(&mut all), Summary::of(&mut last10))
}
