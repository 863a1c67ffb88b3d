//! Editions of a requirement set: a region publishes a new file with a later effective date;
//! a document is judged by the edition in force on its date, the newest is what `forms/` says
//! today, and a set given after loading (an impact report's) compiles as a file would.

use std::path::Path;

use forms::{Catalogue, Edition};
use serde_json::Value;

fn repo_forms() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Lipetsk's programme set with the staff threshold raised from 10 to 40 (the valid example
/// trains 30), as edition `version` from `effective_from`.
fn tightened(version: &str, effective_from: &str) -> Value {
    let text = std::fs::read_to_string(repo_forms().join("regions/lipetsk/school-programme.json"))
        .unwrap();
    let mut set: Value = serde_json::from_str(&text).unwrap();
    set["version"] = version.into();
    set["effective_from"] = effective_from.into();
    let rule = &mut set["rules"][0];
    assert_eq!(rule["id"], "lipetsk.pd-staff-min-10");
    rule["logic"]["and"][1][">="][1]["if"][2] = 40.into();
    set
}

fn valid_programme() -> Value {
    let text =
        std::fs::read_to_string(repo_forms().join("examples/school-programme.lipetsk.valid.json"))
            .unwrap();
    forms::without_empty(&serde_json::from_str(&text).unwrap())
}

fn forms_with_edition(version: &str, effective_from: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_forms(), dir.path());
    std::fs::write(
        dir.path()
            .join("regions/lipetsk/school-programme.next.json"),
        serde_json::to_string_pretty(&tightened(version, effective_from)).unwrap(),
    )
    .unwrap();
    dir
}

#[test]
fn each_day_is_judged_by_the_edition_in_force_on_it() {
    let dir = forms_with_edition("2026.1", "2026-01-01");
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let on = |day| {
        catalogue
            .requirement_set_on("school-programme", "lipetsk", day)
            .unwrap()
            .version
            .clone()
    };
    assert_eq!(on("2025-12-31"), "2025.4");
    assert_eq!(on("2026-01-01"), "2026.1");
    assert_eq!(on("2027-05-01"), "2026.1");
    // Before any edition: the oldest.
    assert_eq!(on("2020-01-01"), "2025.4");
    // The newest is what the catalogue shows and validates by without a date.
    assert_eq!(
        catalogue
            .requirement_set("school-programme", "lipetsk")
            .unwrap()
            .version,
        "2026.1"
    );

    let doc = valid_programme();
    let judged = |day| {
        catalogue
            .validate_edition(
                "school-programme",
                "lipetsk",
                None,
                &doc,
                None,
                Edition::On(day),
                None,
            )
            .unwrap()
    };
    let before = judged("2025-10-01");
    assert!(before.valid, "{before:#?}");
    assert_eq!(before.requirements_version, "2025.4");
    let after = judged("2026-02-01");
    assert!(!after.valid);
    assert_eq!(after.requirements_version, "2026.1");
    let rules: Vec<&str> = after.errors.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["lipetsk.pd-staff-min-10"]);
}

#[test]
fn a_set_given_after_loading_replaces_the_regions_for_an_impact_report() {
    let catalogue = Catalogue::load(repo_forms()).unwrap();
    let origin = Path::new("new.json");
    let set = catalogue
        .compile_set(
            "lipetsk",
            "school-programme",
            tightened("2027.1", "2027-01-01"),
            origin,
        )
        .unwrap();
    assert_eq!(
        (set.id.as_str(), set.version.as_str()),
        ("lipetsk/school-programme", "2027.1")
    );
    let doc = valid_programme();
    let now = catalogue
        .validate_edition(
            "school-programme",
            "lipetsk",
            None,
            &doc,
            None,
            Edition::Newest,
            None,
        )
        .unwrap();
    assert!(now.valid);
    let then = catalogue
        .validate_edition(
            "school-programme",
            "lipetsk",
            None,
            &doc,
            None,
            Edition::Replaced(&set),
            None,
        )
        .unwrap();
    assert!(!then.valid);
    assert_eq!(then.requirements_version, "2027.1");

    // A set for another region's id, a broken rule, an unknown form: refused, naming why.
    let mut wrong_id = tightened("2027.1", "2027-01-01");
    wrong_id["id"] = "oryol/school-programme".into();
    let error = catalogue
        .compile_set("lipetsk", "school-programme", wrong_id, origin)
        .unwrap_err();
    assert!(
        error.to_string().contains("lipetsk/school-programme"),
        "{error}"
    );
    let mut bad_date = tightened("2027.1", "2027-01-01");
    bad_date["effective_from"] = "января".into();
    assert!(
        catalogue
            .compile_set("lipetsk", "school-programme", bad_date, origin)
            .is_err()
    );
    assert!(
        catalogue
            .compile_set(
                "lipetsk",
                "no-such-form",
                tightened("1", "2027-01-01"),
                origin
            )
            .is_err()
    );
}

#[test]
fn two_editions_with_one_version_are_refused() {
    let dir = forms_with_edition("2025.4", "2026-01-01");
    let error = Catalogue::load(dir.path()).unwrap_err();
    assert!(error.to_string().contains("same version"), "{error}");
}
