//! `loadgen`: puts the real `sync-server` under load beside a bare samod server and prints
//! what it measured (a table, and JSON in a file).
//!
//! ```text
//! cargo run --release -p e2e --bin loadgen -- typing [--typists 4,8,16,32] [--seconds 60]
//! cargo run --release -p e2e --bin loadgen -- storm [--replicas 10,100,1000] [--edits 50]
//! cargo run --release -p e2e --bin loadgen -- scale [--typists 4,8] [--seconds 30]
//! cargo run --release -p e2e --bin loadgen -- storm --smoke
//! ```
//!
//! Every server runs on loopback on port 0 with a temporary data directory and stops at the
//! end; the clients are light (samod repos and yrs peers in this process) so that the server
//! is what is measured.

mod bare;
mod clients;
mod measure;
mod scale;
mod storm;
mod target;
mod typing;
mod typing_yjs;

use std::path::PathBuf;
use std::process::Command;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

/// Нагрузочные сценарии для sync-server.
#[derive(Parser)]
#[command(name = "loadgen")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    /// Куда записать результаты в JSON (по умолчанию target/loadgen/<сценарий>.json).
    #[arg(long, global = true)]
    json: Option<PathBuf>,
    /// Короткий прогон за секунды (для scripts/test.sh).
    #[arg(long, global = true)]
    smoke: bool,
}

#[derive(Subcommand)]
enum Scenario {
    /// Набор текста: N клиентов печатают в один документ.
    Typing {
        /// Числа печатающих через запятую.
        #[arg(long, value_delimiter = ',', default_values_t = [4, 8, 16, 32])]
        typists: Vec<usize>,
        /// Длительность, с.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Символов в секунду на каждого.
        #[arg(long, default_value_t = 6.0)]
        rate: f64,
        /// Куда печатать: sync (структурное поле через /sync), yjs (текст через /yjs).
        #[arg(long, value_delimiter = ',', default_values_t = [Transport::Sync, Transport::Yjs])]
        transport: Vec<Transport>,
    },
    /// Шторм переподключений: N реплик, каждая со своими правками офлайн, подключаются разом.
    Storm {
        /// Числа реплик через запятую.
        #[arg(long, value_delimiter = ',', default_values_t = [10, 100, 1000])]
        replicas: Vec<usize>,
        /// Правок офлайн на каждую реплику.
        #[arg(long, default_value_t = 50)]
        edits: usize,
    },
    /// Масштабирование: тот же набор текста через /sync на одном сервере с SQLite, на одном с
    /// PostgreSQL и на двух репликах одной базы PostgreSQL.
    Scale {
        /// Числа печатающих через запятую.
        #[arg(long, value_delimiter = ',', default_values_t = [4, 8])]
        typists: Vec<usize>,
        /// Длительность, с.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Символов в секунду на каждого.
        #[arg(long, default_value_t = 6.0)]
        rate: f64,
    },
    /// Сервер samod без всего остального (запускается самим loadgen для сравнения).
    #[command(hide = true)]
    BareServer,
}

/// Which websocket the typists type over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Transport {
    /// A structured text field, Automerge over `/sync`.
    Sync,
    /// A narrative, Yjs over `/yjs/{doc}`.
    Yjs,
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Sync => "sync",
            Transport::Yjs => "yjs",
        })
    }
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if let Scenario::BareServer = cli.scenario {
        runtime.block_on(bare::serve());
        return;
    }
    build_server();
    let (name, figures) = runtime.block_on(run(&cli));
    let path = cli.json.clone().unwrap_or_else(|| {
        e2e::root()
            .join("target/loadgen")
            .join(format!("{name}.json"))
    });
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("creating the JSON's directory");
    }
    std::fs::write(&path, serde_json::to_string_pretty(&figures).expect("JSON"))
        .expect("writing the JSON");
    println!("\nJSON: {}", path.display());
    let failures = incomplete(&figures);
    if !failures.is_empty() {
        eprintln!("incomplete runs:\n  {}", failures.join("\n  "));
        std::process::exit(1);
    }
}

/// The runs that did not complete (keystrokes that never arrived, storms that never
/// converged), found in the figures: a run that lost work fails the tool.
fn incomplete(figures: &Value) -> Vec<String> {
    let mut failures = Vec::new();
    let tables = match figures["tables"].as_array() {
        Some(tables) => tables.clone(),
        None => vec![figures.clone()],
    };
    for table in tables {
        for run in table["runs"].as_array().into_iter().flatten() {
            for side in ["ours", "bare", "sqlite", "postgres", "replicas"] {
                let figures = &run[side];
                let name = format!(
                    "{} {} {}",
                    table["transport"].as_str().unwrap_or(""),
                    figures["server"].as_str().unwrap_or(side),
                    run["typists"]
                        .as_u64()
                        .or(run["replicas"].as_u64())
                        .unwrap_or(0)
                );
                if let (Some(expected), Some(seen)) = (
                    figures["arrivals_expected"].as_u64(),
                    figures["latency"]["count"].as_u64(),
                ) && seen < expected
                {
                    failures.push(format!("{name}: {seen} of {expected} keystrokes arrived"));
                }
                if figures.get("converged_ms").is_some_and(Value::is_null) {
                    failures.push(format!("{name}: the storm did not converge"));
                }
            }
        }
    }
    failures
}

async fn run(cli: &Cli) -> (&'static str, Value) {
    match &cli.scenario {
        Scenario::Typing {
            typists,
            seconds,
            rate,
            transport,
        } => {
            let (typists, seconds) = if cli.smoke {
                (vec![3], 3)
            } else {
                (typists.clone(), *seconds)
            };
            let mut tables = Vec::new();
            for &transport in transport {
                tables.push(typing_table(transport, &typists, seconds, *rate).await);
            }
            ("typing", json!({ "scenario": "typing", "tables": tables }))
        }
        Scenario::Storm { replicas, edits } => {
            let (replicas, edits) = if cli.smoke {
                (vec![storm::TEAM], 5)
            } else {
                (replicas.clone(), *edits)
            };
            ("storm", storm_table(&replicas, edits).await)
        }
        Scenario::Scale {
            typists,
            seconds,
            rate,
        } => {
            let (typists, seconds) = if cli.smoke {
                (vec![2], 3)
            } else {
                (typists.clone(), *seconds)
            };
            ("scale", scale::table(&typists, seconds, *rate).await)
        }
        Scenario::BareServer => unreachable!("handled before"),
    }
}

/// Builds the `sync-server` binary of this profile when run through cargo (`cargo run` sets
/// `CARGO`), so the server measured is the current source's.
fn build_server() {
    let Ok(cargo) = std::env::var("CARGO") else {
        return;
    };
    let exe = std::env::current_exe().expect("this executable");
    let release = exe.components().any(|c| c.as_os_str() == "release");
    let mut command = Command::new(cargo);
    command.args(["build", "-p", "sync-server", "--bin", "sync-server"]);
    if release {
        command.arg("--release");
    }
    let status = command.status().expect("running cargo build");
    assert!(status.success(), "building sync-server failed");
}

async fn typing_table(transport: Transport, counts: &[usize], seconds: u64, rate: f64) -> Value {
    let mut rows = Vec::new();
    let over = match transport {
        Transport::Sync => "/sync (a structured text field, Automerge)",
        Transport::Yjs => "/yjs (a narrative, Yjs)",
    };
    println!(
        "\nLive typing over {over}: {seconds} s at {rate} chars/s per typist\n\
         {:<12} {:>7} {:>10} {:>22} {:>14} {:>9} {:>9} {:>9} {:>8} {:>9}",
        "server",
        "typists",
        "keys",
        "p50/p99/max ms",
        "p99 last 10s",
        "cpu ms/k",
        "cpu% 1st",
        "cpu% last",
        "clients%",
        "stop ms"
    );
    for &typists in counts {
        let plan = typing::Plan {
            typists,
            seconds,
            rate,
        };
        let dir = tempfile::tempdir().expect("a temp dir");
        let (ours, bare) = match transport {
            Transport::Sync => {
                let (ours, seed) = typing::ours(dir.path(), plan).await;
                (ours, typing::bare(&seed, plan).await)
            }
            Transport::Yjs => (
                typing_yjs::ours(dir.path(), plan).await,
                typing_yjs::bare(plan).await,
            ),
        };
        for outcome in [&ours, &bare] {
            println!(
                "{:<12} {:>7} {:>10} {:>22} {:>14.0} {:>9.3} {:>9.1} {:>9.1} {:>8.1} {:>9.0}",
                match (transport, outcome.kind) {
                    (Transport::Yjs, target::Kind::Bare) => "bare yrs",
                    (_, kind) => kind.name(),
                },
                typists,
                format!("{}/{}", outcome.all.count, outcome.expected),
                outcome.all.spread(),
                outcome.last10.p99,
                outcome.cpu_per_keystroke(),
                outcome.cpu_first10,
                outcome.cpu_last10,
                outcome.clients_cpu,
                measure::ms(outcome.shutdown.0),
            );
        }
        let ratio = measure::ratio(ours.cpu_per_keystroke(), bare.cpu_per_keystroke());
        println!(
            "{:<12} {typists:>7} CPU per keystroke ratio {ratio:.2}",
            "ratio"
        );
        rows.push(json!({
            "typists": typists,
            "ours": ours.json(&plan),
            "bare": bare.json(&plan),
            "cpu_per_keystroke_ratio": ratio,
        }));
    }
    json!({ "transport": transport.to_string(), "runs": rows })
}

async fn storm_table(counts: &[usize], edits: usize) -> Value {
    let mut rows = Vec::new();
    println!(
        "Reconnect storm over /sync: {edits} offline edits per replica, teams of {} per school\n\
         {:<12} {:>8} {:>6} {:>14} {:>10} {:>16} {:>12} {:>9}",
        storm::TEAM,
        "server",
        "replicas",
        "docs",
        "converged ms",
        "cpu s",
        "RSS→peak MiB",
        "wire KiB",
        "setup s"
    );
    for &replicas in counts {
        let plan = storm::Plan { replicas, edits };
        let dir = tempfile::tempdir().expect("a temp dir");
        let ours = storm::ours(dir.path(), plan).await;
        let bare = storm::bare(plan).await;
        for outcome in [&ours, &bare] {
            println!(
                "{:<12} {:>8} {:>6} {:>14} {:>10.2} {:>16} {:>12.0} {:>9.1}",
                outcome.kind.name(),
                replicas,
                replicas.div_ceil(storm::TEAM) * 2,
                outcome
                    .converged
                    .map_or("not converged".to_owned(), |d| format!(
                        "{:.0}",
                        measure::ms(d)
                    )),
                outcome.server_cpu,
                format!(
                    "{:.0}→{:.0}{}",
                    measure::mib(outcome.rss_before),
                    measure::mib(outcome.peak_rss),
                    if outcome.peak_is_the_storms { "" } else { "*" }
                ),
                outcome.wire_bytes as f64 / 1024.0,
                outcome.setup.as_secs_f64(),
            );
        }
        let time_ratio = match (ours.converged, bare.converged) {
            (Some(a), Some(b)) => measure::ratio(measure::ms(a), measure::ms(b)),
            _ => 0.0,
        };
        let cpu_ratio = measure::ratio(ours.server_cpu, bare.server_cpu);
        println!(
            "{:<12} {replicas:>8} time ratio {time_ratio:.2}, CPU ratio {cpu_ratio:.2}",
            "ratio"
        );
        rows.push(json!({
            "replicas": replicas,
            "ours": ours.json(&plan),
            "bare": bare.json(&plan),
            "time_ratio": time_ratio,
            "cpu_ratio": cpu_ratio,
        }));
    }
    json!({ "scenario": "storm", "transport": "/sync", "runs": rows })
}
