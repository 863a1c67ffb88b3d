//! Full validation (base schema + region rules + report) beside raw `jsonschema` validating the
//! base schema alone, on the same documents, in the same run.
//!
//! Documents: the Lipetsk programme example as written ("typical") and the same programme with
//! its action plan grown to 240 rows ("large"). After criterion's own statistics the bench
//! prints a table with the ratio and validations per second on one core, measured with the two
//! sides alternating in short rounds (medians), so that the machine's drift falls on both.
//!
//! Targets (issue 3): ratio ≤ 2 on the large document, ≥ 10,000 validations/s of the typical one.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::Criterion;
use forms::Catalogue;
use forms::baseline::{FORM, LARGE_ROWS, REGION};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

/// Raw jsonschema on the base schema alone (`forms::baseline`, shared by every benchmark).
fn raw_validator() -> jsonschema::Validator {
    forms::baseline::raw_validator(&forms_dir(), FORM).expect("the base schema builds")
}

/// Rounds of the side-by-side table, and the time each side gets per round.
const ROUNDS: usize = 60;
const SLICE: Duration = Duration::from_millis(25);

/// Mean time of one call over at least `budget`.
fn mean(budget: Duration, f: &mut impl FnMut()) -> Duration {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        for _ in 0..8 {
            f();
        }
        n += 8;
    }
    start.elapsed() / n
}

/// The two sides measured in alternation, `ROUNDS` short slices each, so that whatever the
/// machine does meanwhile (frequency, a neighbour's load) falls on both alike. Returns the
/// median time of each side and the median of the per-round ratios.
fn side_by_side(mut ours: impl FnMut(), mut theirs: impl FnMut()) -> (Duration, Duration, f64) {
    for _ in 0..20 {
        ours();
        theirs();
    }
    let mut rounds: Vec<(Duration, Duration)> = (0..ROUNDS)
        .map(|_| (mean(SLICE, &mut ours), mean(SLICE, &mut theirs)))
        .collect();
    let mut ratios: Vec<f64> = rounds
        .iter()
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    rounds.sort_by_key(|(a, _)| *a);
    let ours_median = rounds[ROUNDS / 2].0;
    rounds.sort_by_key(|(_, b)| *b);
    (ours_median, rounds[ROUNDS / 2].1, ratios[ROUNDS / 2])
}

fn main() {
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let (typical, large) = forms::baseline::programmes(&forms_dir()).expect("the examples load");
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

    println!(
        "\nSide by side ({ROUNDS} alternating rounds of {} ms per side, one core, {LARGE_ROWS} \
         action-plan rows in the large document; medians):",
        SLICE.as_millis()
    );
    println!(
        "| document | rows | ravenstvo full | raw jsonschema (base only) | ratio | ravenstvo validations/s |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, doc) in [("typical", &typical), ("large", &large)] {
        let (ours, theirs, ratio) = side_by_side(
            || {
                black_box(catalogue.validate(FORM, REGION, black_box(doc)).unwrap());
            },
            || {
                black_box(raw.is_valid(black_box(doc)));
            },
        );
        let rows = doc["action_plan"].as_array().map_or(0, Vec::len);
        println!(
            "| {name} | {rows} | {:.1} µs | {:.1} µs | {ratio:.2} | {:.0} |",
            ours.as_secs_f64() * 1e6,
            theirs.as_secs_f64() * 1e6,
            1.0 / ours.as_secs_f64()
        );
    }
}
