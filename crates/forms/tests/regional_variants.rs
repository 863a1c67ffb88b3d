//! Regional rules whose demand depends on the school: the real `forms/` catalogue judges
//! variants of the valid examples that the one-valid-document-per-region naming of
//! `forms/examples/` cannot hold.

use std::path::{Path, PathBuf};

use forms::Catalogue;
use serde_json::{Value, json};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn valid_example(form: &str, region: &str) -> Value {
    let path = forms_dir().join(format!("examples/{form}.{region}.valid.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The rule ids of every finding, errors and warnings alike.
fn rules_broken(catalogue: &Catalogue, form: &str, region: &str, doc: &Value) -> Vec<String> {
    let report = catalogue.validate(form, region, doc).unwrap();
    report.findings().map(|f| f.rule.clone()).collect()
}

/// A Lipetsk programme of a school with `staff` teachers and managers, `trained` of whom are
/// trained (the plan's rows shrunk so that the general counting rules still hold).
fn lipetsk_small_school(staff: u64, trained: u64) -> Value {
    let mut doc = valid_example("school-programme", "lipetsk");
    doc["school_profile"]["pedagogical_staff"] = json!(staff);
    doc["trained_staff_count"] = json!(trained);
    for row in doc["professional_development"].as_array_mut().unwrap() {
        row["participants"] = json!(trained);
    }
    doc
}

#[test]
fn lipetsk_small_school_complies_by_training_all_its_staff() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc = lipetsk_small_school(7, 7);
    assert_eq!(
        rules_broken(&catalogue, "school-programme", "lipetsk", &doc),
        Vec::<String>::new()
    );
}

#[test]
fn lipetsk_small_school_training_fewer_than_all_its_staff_breaks_the_minimum() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc = lipetsk_small_school(7, 6);
    assert_eq!(
        rules_broken(&catalogue, "school-programme", "lipetsk", &doc),
        ["lipetsk.pd-staff-min-10"]
    );
}

#[test]
fn lipetsk_school_of_ten_or_more_still_trains_at_least_ten() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc = lipetsk_small_school(12, 9);
    assert_eq!(
        rules_broken(&catalogue, "school-programme", "lipetsk", &doc),
        ["lipetsk.pd-staff-min-10"]
    );
}

/// A programme whose self-diagnosis ends three weeks after the programme starts.
fn late_self_diagnosis(region: &str) -> Value {
    let mut doc = valid_example("school-programme", region);
    let start = doc["period"]["start"].as_str().unwrap().to_owned();
    let (year, rest) = start.split_once('-').unwrap();
    let (month, _) = rest.split_once('-').unwrap();
    doc["self_diagnosis"]["date"] = json!(format!("{year}-{month}-22"));
    assert!(doc["self_diagnosis"]["date"].as_str().unwrap() > start.as_str());
    doc
}

#[test]
fn oryol_accepts_a_self_diagnosis_after_the_programme_starts() {
    // Oryol develops its self-diagnosis model during the project (003:25, 39).
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let set = catalogue
        .requirement_set("school-programme", "oryol")
        .unwrap();
    assert!(set.waives("programme.self-diagnosis-before-start"));
    let doc = late_self_diagnosis("oryol");
    assert_eq!(
        rules_broken(&catalogue, "school-programme", "oryol", &doc),
        Vec::<String>::new()
    );
}

#[test]
fn other_regions_still_want_the_self_diagnosis_before_the_start() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    for region in ["lipetsk", "leningrad", "mordovia"] {
        let doc = late_self_diagnosis(region);
        assert_eq!(
            rules_broken(&catalogue, "school-programme", region, &doc),
            ["programme.self-diagnosis-before-start"],
            "{region}"
        );
    }
}
