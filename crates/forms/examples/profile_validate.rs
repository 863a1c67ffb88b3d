//! A deterministic driver for instruction-count profiling of validation.
//!
//! Wall-clock benchmarks are noisy on a shared machine; instruction counts are not. This runs
//! `N` validations of one document, either full (`ours`) or raw `jsonschema` on the base schema
//! alone (`raw`), so that `valgrind --tool=callgrind` can compare the two:
//!
//! ```sh
//! cargo build --release -p forms --example profile_validate
//! valgrind --tool=callgrind --toggle-collect='profile_validate::run' \
//!     target/release/examples/profile_validate ours large 100
//! ```
//!
//! Arguments: `ours|raw`, `typical|large` (the Lipetsk programme as written, or with its action
//! plan grown to 240 rows, as in the bench), and the number of validations.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use forms::Catalogue;
use forms::baseline::{FORM, REGION};
use serde_json::Value;

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

/// Raw jsonschema on the base schema alone (`forms::baseline`, shared by every benchmark).
fn raw_validator() -> jsonschema::Validator {
    forms::baseline::raw_validator(&forms_dir(), FORM).expect("the base schema builds")
}

/// The measured part: `n` validations, ours or raw.
#[inline(never)]
fn run(ours: bool, catalogue: &Catalogue, raw: &jsonschema::Validator, doc: &Value, n: usize) {
    for _ in 0..n {
        if ours {
            let report = catalogue.validate(FORM, REGION, black_box(doc)).unwrap();
            assert!(report.valid);
            black_box(report);
        } else {
            assert!(raw.is_valid(black_box(doc)));
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, which, n] = args.as_slice() else {
        eprintln!("usage: profile_validate ours|raw typical|large N");
        std::process::exit(2);
    };
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let raw = raw_validator();
    let (typical, large) = forms::baseline::programmes(&forms_dir()).expect("the examples load");
    let doc = match which.as_str() {
        "typical" => typical,
        "large" => large,
        other => panic!("unknown document {other}"),
    };
    run(
        mode == "ours",
        &catalogue,
        &raw,
        &doc,
        n.parse().expect("N is a number"),
    );
}
