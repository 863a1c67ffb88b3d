//! Full validation (base schema + region rules + report) beside raw `jsonschema` validating the
//! base schema alone, on the same documents, in the same run.
//!
//! Documents: the Lipetsk programme example as written ("typical") and the same programme with
//! its action plan grown to 240 rows ("large"). After criterion's own statistics the bench
//! prints a table with the ratio and validations per second on one core.
//!
//! Targets (issue 3): ratio ≤ 2 on the large document, ≥ 10,000 validations/s of the typical one.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::Criterion;
use forms::Catalogue;
use serde_json::Value;

const FORM: &str = "school-programme";
const REGION: &str = "lipetsk";
const LARGE_ROWS: usize = 240;

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The valid Lipetsk programme with its action plan cycled up to `rows` rows.
fn large(typical: &Value, rows: usize) -> Value {
    forms::baseline::grow_action_plan(typical, rows)
}

/// Raw jsonschema on the base schema alone (`forms::baseline`, shared by every benchmark).
fn raw_validator() -> jsonschema::Validator {
    forms::baseline::raw_validator(&forms_dir(), FORM).expect("the base schema builds")
}

/// Mean time of one call, measured over at least `budget`.
fn mean(budget: Duration, mut f: impl FnMut()) -> Duration {
    for _ in 0..10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        for _ in 0..16 {
            f();
        }
        n += 16;
    }
    start.elapsed() / n
}

fn main() {
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let typical = read(&forms_dir().join(format!("examples/{FORM}.{REGION}.valid.json")));
    let large = large(&typical, LARGE_ROWS);
    for (name, doc) in [("typical", &typical), ("large", &large)] {
        let report = catalogue.validate(FORM, REGION, doc).unwrap();
        assert!(
            report.valid && report.warnings.is_empty(),
            "the {name} document must be valid: {report:#?}"
        );
    }
    let raw = raw_validator();
    assert!(raw.is_valid(&large));

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("validate");
    for (name, doc) in [("typical", &typical), ("large", &large)] {
        group.bench_function(format!("ravenstvo_full/{name}"), |b| {
            b.iter(|| catalogue.validate(FORM, REGION, black_box(doc)).unwrap())
        });
        group.bench_function(format!("raw_jsonschema_base/{name}"), |b| {
            b.iter(|| raw.is_valid(black_box(doc)))
        });
    }
    group.finish();
    criterion.final_summary();

    let budget = Duration::from_secs(2);
    println!(
        "\nSide by side (mean of one validation, one core, {} action-plan rows in the large document):",
        LARGE_ROWS
    );
    println!(
        "| document | rows | ravenstvo full | raw jsonschema (base only) | ratio | ravenstvo validations/s |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, doc) in [("typical", &typical), ("large", &large)] {
        let ours = mean(budget, || {
            black_box(catalogue.validate(FORM, REGION, black_box(doc)).unwrap());
        });
        let theirs = mean(budget, || {
            black_box(raw.is_valid(black_box(doc)));
        });
        let rows = doc["action_plan"].as_array().map_or(0, Vec::len);
        println!(
            "| {name} | {rows} | {:.1} µs | {:.1} µs | {:.2} | {:.0} |",
            ours.as_secs_f64() * 1e6,
            theirs.as_secs_f64() * 1e6,
            ours.as_secs_f64() / theirs.as_secs_f64(),
            1.0 / ours.as_secs_f64()
        );
    }
}
