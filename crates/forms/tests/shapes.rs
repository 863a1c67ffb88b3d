//! The 2.0.0 shapes on the real `forms/` catalogue: rows named the way documents name them,
//! numbering restarting per section, stage order per cycle, and 1.x documents read through
//! `forms::migrate`.

use std::path::{Path, PathBuf};

use forms::{Catalogue, Report};
use serde_json::{Value, json};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

fn read(path: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn example(name: &str) -> Value {
    read(forms_dir().join("examples").join(name))
}

fn errors_of<'r>(report: &'r Report, rule: &str) -> Vec<&'r forms::Finding> {
    report.errors.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn the_kadoshkino_roadmap_as_printed_fails_once_on_its_reversed_interval_named_by_section() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc = example("school-programme.mordovia.invalid.programme.action-dates-order.json");
    let report = catalogue
        .validate("school-programme", "mordovia", &doc)
        .unwrap();
    let found = errors_of(&report, "programme.action-dates-order");
    assert_eq!(found.len(), 1, "{:#?}", report.errors);
    assert!(
        found[0]
            .message
            .contains("План мероприятий → 2022 год, № 9 → Сроки"),
        "{}",
        found[0].message
    );
}

#[test]
fn a_wrong_programme_period_is_one_finding_per_table_not_one_per_row() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut doc = example("school-programme.mordovia.valid.kadoshkino-roadmap.json");
    doc["period"] = json!({"start": "2030-01-01", "end": "2031-12-31"});
    let report = catalogue
        .validate("school-programme", "mordovia", &doc)
        .unwrap();
    let found = errors_of(&report, "programme.action-within-period");
    assert_eq!(found.len(), 1, "{:#?}", report.errors);
    let rows = doc["action_plan"].as_array().unwrap().len();
    // Every dated row is marked; «ежегодно» and the like are within any period.
    assert!(found[0].also.len() > rows / 2, "{:#?}", found[0]);
    assert_eq!(found[0].pointer, "/action_plan/0/timing");
    assert!(
        found[0].message.starts_with(&format!(
            "План мероприятий → 2021 год, № 1; 2021 год, № 2; 2021 год, № 3 и ещё {} → Сроки: ",
            found[0].also.len() - 2
        )),
        "{}",
        found[0].message
    );
    // Each rule's own cause once: no rule repeats.
    let mut rules: Vec<&str> = report.errors.iter().map(|f| f.rule.as_str()).collect();
    rules.dedup();
    assert_eq!(rules.len(), report.errors.len(), "{:#?}", report.errors);
}

#[test]
fn numbers_restart_in_each_section_but_not_within_one() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut doc = example("school-programme.mordovia.valid.kadoshkino-roadmap.json");
    // «1» in 2021, 2022 and 2023 is lawful; a second «1» in 2022 is not.
    let plan = doc["action_plan"].as_array_mut().unwrap();
    let second = plan
        .iter()
        .position(|r| r["section"] == "2022 год" && r["number"] == "2")
        .unwrap();
    plan[second]["number"] = json!("1");
    let report = catalogue
        .validate("school-programme", "mordovia", &doc)
        .unwrap();
    let found = errors_of(&report, "programme.action-numbers-unique");
    assert_eq!(found.len(), 1, "{:#?}", report.errors);
    assert_eq!(found[0].pointer, format!("/action_plan/{second}/number"));
    assert!(
        found[0].message.contains("2022 год, № 1"),
        "{}",
        found[0].message
    );
}

#[test]
fn a_stage_out_of_order_names_the_row_it_comes_after() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let doc = example("school-programme.mordovia.invalid.programme.monitoring-stage-order.json");
    let report = catalogue
        .validate("school-programme", "mordovia", &doc)
        .unwrap();
    let found = errors_of(&report, "programme.monitoring-stage-order");
    assert_eq!(found.len(), 1, "{:#?}", report.errors);
    assert!(
        found[0]
            .message
            .contains("этап «промежуточный» (29 ноября 2027 г.) идёт после этапа «итоговый» (15 ноября 2027 г., строка 7)"),
        "{}",
        found[0].message
    );
}

#[test]
fn vague_timings_lie_within_the_period_and_an_unstaged_monitoring_is_lawful() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut doc = example("school-programme.oryol.valid.json");
    let first_year = doc["period"]["start"].as_str().unwrap()[..4].to_owned();
    let plan = doc["action_plan"].as_array_mut().unwrap();
    plan[0]["timing"] = json!({"recurring": "annually"});
    plan[1]["timing"] =
        json!({"recurring": "as_needed", "note": "постоянно, по мере необходимости"});
    plan[2]["timing"] = json!({ "at": first_year });
    let monitoring = doc["monitoring"].as_array_mut().unwrap();
    for row in monitoring.iter_mut() {
        row.as_object_mut().unwrap().remove("stage");
    }
    let report = catalogue
        .validate("school-programme", "oryol", &doc)
        .unwrap();
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
}

#[test]
fn every_v1_fixture_migrates_to_a_valid_document() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/v1");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let mut parts = name.split('.');
        let (form, region) = (parts.next().unwrap(), parts.next().unwrap());
        let old = read(path.clone());
        let as_is = catalogue.validate(form, region, &old).unwrap();
        assert!(!as_is.valid, "{name}: a 1.x document is not 2.0.0 as it is");
        let current = forms::migrate::to_current(form, old);
        let report = catalogue.validate(form, region, &current).unwrap();
        assert!(report.valid, "{name}: {:#?}", report.errors);
        assert!(report.warnings.is_empty(), "{name}: {:#?}", report.warnings);
        assert_eq!(report.form_version, "2.0.0");
        seen += 1;
    }
    assert_eq!(seen, 8, "two forms × four regions");
}

#[test]
fn reversed_periods_are_found_in_spans_and_in_intervals_alike() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let mut doc = example("school-programme.lipetsk.valid.json");
    let timings = [
        json!({"from": "2025-10", "to": "2025-09"}),
        json!({"intervals": [{"at": "2025-10"}, {"from": "2026-03", "to": "2026-01-31"}]}),
        json!({"from": "2025-10", "to": "2025-10-01"}),
        json!({"recurring": "separate_schedule"}),
    ];
    let plan = doc["action_plan"].as_array_mut().unwrap();
    for (row, timing) in plan.iter_mut().zip(&timings) {
        row["timing"] = timing.clone();
    }
    let report = catalogue
        .validate("school-programme", "lipetsk", &doc)
        .unwrap();
    // One cause (a period's end before its start), one finding marking both rows.
    let found = errors_of(&report, "programme.action-dates-order");
    let pointers: Vec<&str> = found
        .iter()
        .flat_map(|f| std::iter::once(&f.pointer).chain(&f.also))
        .map(String::as_str)
        .collect();
    assert_eq!(
        pointers,
        ["/action_plan/0/timing", "/action_plan/1/timing"],
        "{:#?}",
        report.errors
    );
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn edits_of_the_new_shapes_are_type_checked() {
    let catalogue = Catalogue::load(forms_dir()).unwrap();
    let form = "school-programme";
    let ok = |pointer: &str, value: Value| {
        catalogue
            .check_edit(form, pointer, &value)
            .unwrap_or_else(|e| panic!("{pointer}: {e}"));
    };
    ok(
        "/action_plan/0/timing",
        json!({"intervals": [{"at": "2022-02"}, {"from": "2022-03", "to": "2022-06"}], "note": "согласно графику"}),
    );
    ok("/action_plan/0/timing/intervals/1/to", json!("2022-06"));
    ok(
        "/curator",
        json!({"pending": true, "assigned_by": "ГАУДПО ЛО «ИРО»"}),
    );
    ok("/curator/full_name", json!("Иванова Ирина Ивановна"));
    ok(
        "/professional_development/0/categories",
        json!(["director", "deputy", "teacher"]),
    );
    ok(
        "/monitoring/0/responsible",
        json!([{"kind": "organisation", "name": "Управление образования"}]),
    );
    let refused = catalogue.check_edit(form, "/action_plan/0/start", &json!("2025-09-01"));
    assert!(
        matches!(refused, Err(forms::EditError::UnknownField { .. })),
        "{refused:?}"
    );
    let refused = catalogue.check_edit(form, "/action_plan/0/timing/intervals", &json!("сентябрь"));
    assert!(
        matches!(refused, Err(forms::EditError::WrongKind { .. })),
        "{refused:?}"
    );
}
