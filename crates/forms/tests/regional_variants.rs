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

/// The rule ids of every finding under the Kadoshkino district's set over Mordovia's.
fn kadoshkino_rules_broken(catalogue: &Catalogue, doc: &Value) -> Vec<String> {
    let report = catalogue
        .validate_in("school-programme", "mordovia", Some("kadoshkino"), doc)
        .unwrap();
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

/// A Kadoshkino (Mordovia) programme of a school of category `status`, with or without its agreement with
/// a mentor school and its high-result partner.
fn mordovia_school(status: Option<&str>, mentor: bool, high_result: bool) -> Value {
    let mut doc = valid_example("school-programme", "mordovia.kadoshkino");
    match status {
        Some(status) => doc["school_profile"]["status"] = json!(status),
        None => {
            doc.as_object_mut().unwrap().remove("school_profile");
        }
    }
    let network = &mut doc["network_interaction"];
    if !mentor {
        network.as_object_mut().unwrap().remove("mentor_agreement");
    }
    if !high_result {
        network["partners"]
            .as_array_mut()
            .unwrap()
            .retain(|p| p["kind"] != "high_result");
    }
    doc
}

#[test]
fn kadoshkino_partner_follows_the_school_category() {
    // The Kadoshkino district's roadmap, 002:340: a low-result school agrees with a high-result school; 002:344: a school in
    // adverse social conditions with a mentor school; a school that is both, with both.
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let judge = |status, mentor, high_result| {
        let doc = mordovia_school(status, mentor, high_result);
        kadoshkino_rules_broken(&catalogue, &doc)
    };
    let none: Vec<String> = Vec::new();
    assert_eq!(judge(Some("low_results"), false, true), none);
    assert_eq!(
        judge(Some("low_results"), true, false),
        ["kadoshkino.high-result-agreement"]
    );
    assert_eq!(judge(Some("adverse_conditions"), true, false), none);
    assert_eq!(
        judge(Some("adverse_conditions"), false, true),
        ["kadoshkino.mentor-agreement"]
    );
    assert_eq!(judge(Some("both"), true, true), none);
    assert_eq!(
        judge(Some("both"), false, false),
        [
            "kadoshkino.high-result-agreement",
            "kadoshkino.mentor-agreement"
        ]
    );
}

#[test]
fn kadoshkino_without_a_school_category_demands_neither_agreement() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc = mordovia_school(None, false, false);
    let broken = kadoshkino_rules_broken(&catalogue, &doc);
    assert!(
        !broken.iter().any(|r| r.ends_with("-agreement")),
        "{broken:?}"
    );
}
