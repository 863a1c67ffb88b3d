//! Rules across a school's documents: the Lipetsk programme must name the mentor school and
//! the agreement of the school's partnership agreement. Checked only when the caller says what
//! documents the school has; a missing document is a warning that the rule was not checked.

use std::fs;
use std::path::{Path, PathBuf};

use forms::{Catalogue, Severity};
use serde_json::{Value, json};

const SAME_MENTOR: &str = "lipetsk.agreement-same-mentor";
const REFERENCED: &str = "lipetsk.agreement-referenced";
const AGREEMENT: &str = "partnership-agreement";

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn example(name: &str) -> Value {
    let text = fs::read_to_string(forms_dir().join("examples").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn programme() -> Value {
    example("school-programme.lipetsk.valid.json")
}

fn agreement() -> Value {
    example("partnership-agreement.lipetsk.valid.json")
}

fn rules(findings: &[forms::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn a_programme_that_agrees_with_the_school_s_agreement_passes() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let agreement = agreement();
    let report = catalogue
        .validate_with(
            "school-programme",
            "lipetsk",
            None,
            &programme(),
            &[(AGREEMENT, &agreement)],
        )
        .unwrap();
    assert!(report.valid, "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn another_mentor_or_another_agreement_number_is_an_error() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut agreement = agreement();
    agreement["mentor_school"]["organisation"]["name"] =
        json!("Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 12» г. Липецка");
    agreement["number"] = json!("99/2025");
    let report = catalogue
        .validate_with(
            "school-programme",
            "lipetsk",
            None,
            &programme(),
            &[(AGREEMENT, &agreement)],
        )
        .unwrap();
    assert!(!report.valid);
    assert_eq!(rules(&report.errors), [SAME_MENTOR, REFERENCED]);
    let mentor = &report.errors[0];
    assert_eq!(mentor.pointer, "/mentor_school");
    assert_eq!(mentor.severity, Severity::Error);
    assert!(
        mentor.message.starts_with("Школа-наставник: "),
        "{}",
        mentor.message
    );
    assert!(
        mentor.message.ends_with("(требование Липецкой области)"),
        "{}",
        mentor.message
    );
    assert_eq!(
        report.errors[1].pointer,
        "/network_interaction/mentor_agreement"
    );
}

#[test]
fn one_matching_agreement_among_several_is_enough() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let good = agreement();
    let mut other = agreement();
    other["number"] = json!("1/2024");
    let report = catalogue
        .validate_with(
            "school-programme",
            "lipetsk",
            None,
            &programme(),
            &[
                (AGREEMENT, &other),
                ("stimulus-policy-change", &json!({})),
                (AGREEMENT, &good),
            ],
        )
        .unwrap();
    assert!(report.valid, "{:?}", report.errors);
}

#[test]
fn without_the_agreement_the_rules_say_so_as_warnings() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let policy = example("stimulus-policy-change.lipetsk.valid.json");
    let report = catalogue
        .validate_with(
            "school-programme",
            "lipetsk",
            None,
            &programme(),
            &[("stimulus-policy-change", &policy)],
        )
        .unwrap();
    assert!(report.valid, "{:?}", report.errors);
    assert_eq!(rules(&report.warnings), [SAME_MENTOR, REFERENCED]);
    for warning in &report.warnings {
        assert_eq!(warning.severity, Severity::Warning);
        assert!(
            warning
                .message
                .contains("не проверено, нет документа школы «Договор о сетевом партнёрстве"),
            "{}",
            warning.message
        );
    }
}

#[test]
fn without_a_word_about_other_documents_the_rules_are_not_checked() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut doc = programme();
    doc["network_interaction"]["mentor_agreement"]["number"] = json!("1/1999");
    let report = catalogue
        .validate("school-programme", "lipetsk", &doc)
        .unwrap();
    assert!(report.valid, "{:?}", report.errors);
    assert!(report.warnings.is_empty());
}

#[test]
fn an_agreement_of_the_wrong_shape_does_not_pass_the_rule() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let broken = json!({"number": ["17/РОВ-2025"], "mentor_school": "Лицей"});
    let report = catalogue
        .validate_with(
            "school-programme",
            "lipetsk",
            None,
            &programme(),
            &[(AGREEMENT, &broken)],
        )
        .unwrap();
    assert!(!report.valid);
    assert!(
        rules(&report.errors).contains(&REFERENCED),
        "{:?}",
        report.errors
    );
}

/// A copy of `forms/` with one more Lipetsk rule.
fn with_rule(rule: Value) -> Result<Catalogue, forms::LoadError> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&forms_dir(), dir.path());
    let path = dir
        .path()
        .join("regions/lipetsk/partnership-agreement.json");
    let mut set: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    set["rules"].as_array_mut().unwrap().push(rule);
    fs::write(&path, set.to_string()).unwrap();
    Catalogue::load(dir.path())
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

#[test]
fn the_loader_refuses_rules_across_unknown_forms_or_per_row() {
    let rule = |extra: Value| {
        let mut rule = json!({
            "id": "lipetsk.test-across",
            "severity": "error",
            "requirement": "Проверка.",
            "message": "проверка",
            "pointer": "",
            "logic": {"==": [{"var": "doc.number"}, {"var": "other.number"}]},
            "source": "001_a8ebc891ec79302a.txt:33",
            "quote": "Принять участие в сетевом взаимодействии школ"
        });
        rule.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        rule
    };
    assert!(with_rule(rule(json!({"across": "school-programme"}))).is_ok());
    for (extra, expected) in [
        (json!({"across": "budget"}), "another form"),
        (json!({"across": "partnership-agreement"}), "another form"),
        (
            json!({"across": "school-programme", "each": "/schedule"}),
            "no `each`",
        ),
    ] {
        let error = with_rule(rule(extra.clone())).unwrap_err();
        assert!(error.to_string().contains(expected), "{extra}: {error}");
    }
}
