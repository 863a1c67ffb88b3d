//! Scaling out, measured: the same live typing over `/sync` (`typing::ours_on`) against one
//! server on its SQLite file, one server on PostgreSQL, and two replicas on one PostgreSQL
//! database with the typists split between them (half of each keystroke's arrivals then cross
//! from one replica to the other), side by side in one run.
//!
//! PostgreSQL is the throwaway cluster of the tests (`e2e::postgres`, Debian's binaries, on
//! loopback in a temp directory); its own processes' CPU is not counted in the servers' CPU.

use std::ffi::OsString;
use std::time::Duration;

use serde_json::{Value, json};

use crate::measure;
use crate::target::Target;
use crate::typing::{self, Outcome, Plan};

/// The setups compared, in the table's order.
const SETUPS: [&str; 3] = [
    "sqlite, 1 server",
    "postgresql, 1 server",
    "postgresql, 2 replicas",
];

/// Runs every setup for each count of typists; prints the table and returns its JSON.
pub async fn table(counts: &[usize], seconds: u64, rate: f64) -> Value {
    let pg = match e2e::postgres::shared() {
        Ok(pg) => pg,
        Err(why) => panic!("PostgreSQL cannot start: {why}"),
    };
    println!(
        "\nScaling out: live typing over /sync, {seconds} s at {rate} chars/s per typist\n\
         {:<24} {:>7} {:>10} {:>18} {:>13} {:>9} {:>10}",
        "setup", "typists", "keys", "p50/p99/max ms", "p99 last 10s", "cpu ms/k", "peak MiB"
    );
    let mut runs = Vec::new();
    for &typists in counts {
        let plan = Plan {
            typists,
            seconds,
            rate,
        };
        let mut outcomes = Vec::new();
        for (setup, name) in SETUPS.iter().enumerate() {
            let dir = tempfile::tempdir().expect("a temp dir");
            let targets = match setup {
                0 => vec![Target::ours(dir.path(), Vec::new()).await],
                _ => {
                    let url = pg.create_database().expect("a database");
                    let flag: Vec<OsString> = vec!["--database".into(), url.into()];
                    let mut targets = vec![Target::ours(&dir.path().join("a"), flag.clone()).await];
                    if setup == 2 {
                        targets.push(Target::ours_without_demo(&dir.path().join("b"), flag).await);
                        // The replicas find each other within a heartbeat or two.
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    targets
                }
            };
            let (outcome, _) = typing::ours_on(targets, plan).await;
            print_row(name, typists, &outcome);
            outcomes.push((name, outcome));
        }
        let base = outcomes[0].1.cpu_per_keystroke();
        for (name, outcome) in &outcomes[1..] {
            println!(
                "{:<24} {typists:>7} CPU per keystroke / sqlite's: {:.2}",
                name,
                measure::ratio(outcome.cpu_per_keystroke(), base)
            );
        }
        let mut run = json!({ "typists": typists });
        for (name, outcome) in &outcomes {
            run[side(name)] = outcome.json(&plan);
            run[side(name)]["server"] = json!(name);
        }
        runs.push(run);
    }
    json!({ "transport": "sync", "scenario": "scale", "runs": runs })
}

/// The JSON key of a setup.
pub fn side(setup: &str) -> &'static str {
    match setup {
        "sqlite, 1 server" => "sqlite",
        "postgresql, 1 server" => "postgres",
        _ => "replicas",
    }
}

fn print_row(name: &str, typists: usize, outcome: &Outcome) {
    println!(
        "{:<24} {:>7} {:>10} {:>18} {:>13.0} {:>9.3} {:>10.0}",
        name,
        typists,
        format!("{}/{}", outcome.all.count, outcome.expected),
        outcome.all.spread(),
        outcome.last10.p99,
        outcome.cpu_per_keystroke(),
        measure::mib(outcome.peak_rss),
    );
}
