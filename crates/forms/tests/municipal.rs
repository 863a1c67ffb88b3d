//! Municipal requirement sets: a municipality's set is layered over its region's (both apply),
//! its findings name the municipality, reports name both sets; the loader refuses a municipal
//! set that clashes with its region's.

use std::fs;
use std::path::{Path, PathBuf};

use forms::{Catalogue, LoadError, LookupError, Severity};
use serde_json::{Value, json};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn example(name: &str) -> Value {
    let text = fs::read_to_string(forms_dir().join("examples").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A copy of `forms/` to change in a test.
fn forms_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&forms_dir(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn write(dir: &Path, rel: &str, value: &Value) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

fn set(id: &str, rules: Value) -> Value {
    json!({
        "id": id,
        "version": "2026.1",
        "effective_from": "2026-01-01",
        "title": "Требования района",
        "basis": "Программа района.",
        "rules": rules
    })
}

/// A rule of a made-up district's set, quoting a line of Leningrad's source.
fn district_rule(id: &str) -> Value {
    json!({
        "id": id,
        "severity": "error",
        "requirement": "Не менее 72 часов повышения квалификации.",
        "message": "не менее 72 часов",
        "each": "/professional_development",
        "pointer": "/hours",
        "when": {"!!": [{"var": "item.hours"}]},
        "logic": {">=": [{"var": "item.hours"}, 72]},
        "source": "004_57eef827f54cfc46.txt:186",
        "quote": "По данным программам (объемом не менее 36 часов каждая)"
    })
}

fn add_district(root: &Path, rules: Value) {
    write(
        root,
        "regions/leningrad/municipalities/gatchina/municipality.json",
        &json!({"id": "gatchina", "name": "Гатчинский муниципальный район",
                "genitive": "Гатчинского муниципального района"}),
    );
    write(
        root,
        "regions/leningrad/municipalities/gatchina/school-programme.json",
        &set("leningrad/gatchina/school-programme", rules),
    );
}

#[test]
fn kadoshkino_demands_apply_in_the_district_only() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc =
        example("school-programme.mordovia.kadoshkino.invalid.kadoshkino.monitoring-stages.json");

    let district = catalogue
        .validate_in("school-programme", "mordovia", Some("kadoshkino"), &doc)
        .unwrap();
    assert!(!district.valid);
    assert_eq!(district.municipality.as_deref(), Some("kadoshkino"));
    assert_eq!(
        district.requirements_id,
        "mordovia/school-programme + mordovia/kadoshkino/school-programme"
    );
    let region_set = catalogue
        .requirement_set("school-programme", "mordovia")
        .unwrap();
    let district_set = catalogue
        .municipal_set("school-programme", "mordovia", "kadoshkino")
        .unwrap()
        .unwrap();
    assert_eq!(
        district.requirements_version,
        format!("{} + {}", region_set.version, district_set.version)
    );
    let finding = district
        .errors
        .iter()
        .find(|f| f.rule == "kadoshkino.monitoring-stages")
        .expect("the district's rule is checked");
    assert!(
        finding
            .message
            .ends_with("(требование Кадошкинского муниципального района)"),
        "{}",
        finding.message
    );

    // The Republic itself has no demands of its own: the same document is valid there.
    let republic = catalogue
        .validate("school-programme", "mordovia", &doc)
        .unwrap();
    assert!(republic.valid, "{:?}", republic.errors);
    assert_eq!(republic.municipality, None);
    assert_eq!(republic.requirements_id, "mordovia/school-programme");
    assert!(region_set.rules.is_empty());
}

#[test]
fn a_municipality_without_a_set_for_the_form_adds_nothing_and_an_unknown_one_is_an_error() {
    let dir = forms_copy();
    add_district(dir.path(), json!([district_rule("gatchina.pd-hours-72")]));
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let agreement = example("partnership-agreement.leningrad.valid.json");
    let report = catalogue
        .validate_in(
            "partnership-agreement",
            "leningrad",
            Some("gatchina"),
            &agreement,
        )
        .unwrap();
    assert!(report.valid);
    assert_eq!(report.municipality, None);
    assert_eq!(report.requirements_id, "leningrad/partnership-agreement");

    let unknown = catalogue
        .validate_in(
            "partnership-agreement",
            "leningrad",
            Some("luga"),
            &agreement,
        )
        .unwrap_err();
    assert!(matches!(
        &unknown,
        LookupError::UnknownMunicipality { municipality, known, .. }
            if municipality == "luga" && known == &["gatchina".to_owned()]
    ));
    assert!(
        unknown.message_ru().contains("gatchina"),
        "{}",
        unknown.message_ru()
    );
}

#[test]
fn the_region_s_rules_and_the_municipality_s_both_apply() {
    let dir = forms_copy();
    add_district(dir.path(), json!([district_rule("gatchina.pd-hours-72")]));
    let catalogue = Catalogue::load(dir.path()).unwrap();
    // Breaks Leningrad's 36 hours, so it breaks the district's 72 too.
    let doc = example("school-programme.leningrad.invalid.leningrad.pd-hours-min-36.json");
    let report = catalogue
        .validate_in("school-programme", "leningrad", Some("gatchina"), &doc)
        .unwrap();
    let region = report
        .errors
        .iter()
        .find(|f| f.rule == "leningrad.pd-hours-min-36")
        .expect("the region's rule still applies");
    assert!(
        region
            .message
            .ends_with("(требование Ленинградской области)")
    );
    let district = report
        .errors
        .iter()
        .find(|f| f.rule == "gatchina.pd-hours-72")
        .expect("the district's rule applies");
    assert_eq!(district.severity, Severity::Error);
    assert!(
        district
            .message
            .ends_with("(требование Гатчинского муниципального района)"),
        "{}",
        district.message
    );
    // On the region's valid programme the district's rule is the only difference.
    let valid = example("school-programme.leningrad.valid.json");
    let alone = catalogue
        .validate("school-programme", "leningrad", &valid)
        .unwrap();
    let layered = catalogue
        .validate_in("school-programme", "leningrad", Some("gatchina"), &valid)
        .unwrap();
    assert!(alone.valid);
    assert!(
        layered
            .errors
            .iter()
            .all(|f| f.rule == "gatchina.pd-hours-72")
    );
}

#[test]
fn a_municipal_set_may_waive_a_general_rule() {
    let dir = forms_copy();
    add_district(dir.path(), json!([]));
    let path = dir
        .path()
        .join("regions/leningrad/municipalities/gatchina/school-programme.json");
    let mut value: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    value["waives"] = json!([{
        "rule": "programme.action-dates-order",
        "reason": "Проверка для теста.",
        "source": "004_57eef827f54cfc46.txt:186",
        "quote": "По данным программам (объемом не менее 36 часов каждая)"
    }]);
    fs::write(&path, value.to_string()).unwrap();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let doc = example("school-programme.leningrad.invalid.programme.action-dates-order.json");
    let alone = catalogue
        .validate("school-programme", "leningrad", &doc)
        .unwrap();
    assert!(!alone.valid);
    let layered = catalogue
        .validate_in("school-programme", "leningrad", Some("gatchina"), &doc)
        .unwrap();
    assert!(layered.valid, "{:?}", layered.errors);
}

#[test]
fn the_loader_refuses_municipal_sets_that_clash_with_the_region() {
    let reused = forms_copy();
    add_district(
        reused.path(),
        json!([district_rule("leningrad.pd-hours-min-36")]),
    );
    let error = Catalogue::load(reused.path()).unwrap_err();
    assert!(
        matches!(&error, LoadError::Invalid { message, .. } if message.contains("region's set")),
        "{error}"
    );

    let misnamed = forms_copy();
    add_district(misnamed.path(), json!([]));
    write(
        misnamed.path(),
        "regions/leningrad/municipalities/gatchina/school-programme.json",
        &set("leningrad/school-programme", json!([])),
    );
    let error = Catalogue::load(misnamed.path()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("leningrad/gatchina/school-programme"),
        "{error}"
    );

    let unquoted = forms_copy();
    let mut rule = district_rule("gatchina.pd-hours-72");
    rule.as_object_mut().unwrap().remove("quote");
    add_district(unquoted.path(), json!([rule]));
    let error = Catalogue::load(unquoted.path()).unwrap_err();
    assert!(error.to_string().contains("quote"), "{error}");
}
