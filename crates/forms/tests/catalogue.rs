//! The catalogue on small, hand-made `forms/` folders: loading errors name the file and the
//! place, messages name fields by their titles, regions are added by adding files.

use std::fs;
use std::path::Path;

use forms::{Catalogue, LoadError, LookupError, Severity};
use serde_json::{Value, json};

const COMMON: &str = include_str!("../../../forms/common.schema.json");

fn write(dir: &Path, rel: &str, value: &Value) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A tiny form with one table, one general rule and one region with two rules.
fn mini_forms() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("common.schema.json"), COMMON).unwrap();
    write(
        root,
        "training.schema.json",
        &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://forms.ravenstvo.example/training/2.1.0",
            "title": "План обучения",
            "description": "Учебная форма для тестов.",
            "type": "object",
            "required": ["school", "period", "plan"],
            "additionalProperties": false,
            "properties": {
                "school": {"type": "string", "minLength": 1, "title": "Школа"},
                "period": {"$ref": "https://forms.ravenstvo.example/common/1.0.0#/$defs/period", "title": "Срок"},
                "kind": {"title": "Вид", "oneOf": [
                    {"const": "internal", "title": "Внутреннее"},
                    {"const": "external", "title": "Внешнее"}]},
                "plan": {
                    "type": "array",
                    "title": "План повышения квалификации",
                    "items": {"$ref": "#/$defs/row"}
                }
            },
            "$defs": {
                "row": {
                    "type": "object",
                    "title": "Программа",
                    "required": ["programme", "hours"],
                    "additionalProperties": false,
                    "properties": {
                        "programme": {"type": "string", "title": "Программа"},
                        "hours": {"type": "integer", "minimum": 1, "title": "Объём, часов"},
                        "participants": {"type": "integer", "minimum": 0, "title": "Участников"}
                    }
                }
            }
        }),
    );
    write(
        root,
        "training.rules.json",
        &json!({"rules": [{
            "id": "training.period-order",
            "severity": "error",
            "requirement": "Срок заканчивается не раньше, чем начинается.",
            "message": "окончание раньше начала",
            "pointer": "/period/end",
            "when": {"and": [{"var": "doc.period.start"}, {"var": "doc.period.end"}]},
            "logic": {"<=": [{"var": "doc.period.start"}, {"var": "doc.period.end"}]},
            "source": "general"
        }]}),
    );
    write(
        root,
        "regions/north/region.json",
        &json!({"id": "north", "name": "Северная область", "genitive": "Северной области"}),
    );
    write(
        root,
        "regions/north/training.json",
        &json!({
            "id": "north/training",
            "version": "2025.2",
            "effective_from": "2025-09-01",
            "title": "Требования Северной области",
            "basis": "Приказ № 1",
            "rules": [
                {
                    "id": "north.hours-36",
                    "severity": "error",
                    "requirement": "Каждая программа — не менее 36 часов.",
                    "message": "не менее 36 часов",
                    "each": "/plan",
                    "pointer": "/hours",
                    "schema": {"minimum": 36},
                    "source": "004_57eef827f54cfc46.txt:186",
                    "quote": "объемом не менее 36 часов каждая"
                },
                {
                    "id": "north.staff-4",
                    "severity": "warning",
                    "requirement": "Обучаются не менее 4 человек.",
                    "message": "обучается меньше 4 человек",
                    "pointer": "/plan",
                    "logic": {">=": [{"reduce": [{"var": "doc.plan"}, {"+": [{"var": "accumulator"}, {"var": "current.participants"}]}, 0]}, 4]},
                    "source": "004_57eef827f54cfc46.txt:186",
                    "quote": "не менее 4 человек от каждой школы"
                }
            ]
        }),
    );
    dir
}

fn good_doc() -> Value {
    json!({
        "school": "МБОУ СОШ № 1",
        "period": {"start": "2025-09-01", "end": "2026-06-30"},
        "plan": [
            {"programme": "Формирующее оценивание", "hours": 36, "participants": 3},
            {"programme": "Работа с детьми с ОВЗ", "hours": 72, "participants": 2}
        ]
    })
}

#[test]
fn valid_document_has_no_findings_and_carries_versions() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let report = catalogue
        .validate("training", "north", &good_doc())
        .unwrap();
    assert!(report.valid, "{report:#?}");
    assert!(report.errors.is_empty() && report.warnings.is_empty());
    assert_eq!(report.form_version, "2.1.0");
    assert_eq!(report.requirements_id, "north/training");
    assert_eq!(report.requirements_version, "2025.2");
}

#[test]
fn region_rule_names_the_row_and_the_region() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let mut doc = good_doc();
    doc["plan"][1]["hours"] = json!(24);
    let report = catalogue.validate("training", "north", &doc).unwrap();
    assert!(!report.valid);
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    let error = &report.errors[0];
    assert_eq!(error.rule, "north.hours-36");
    assert_eq!(error.pointer, "/plan/1/hours");
    assert_eq!(
        error.message,
        "План повышения квалификации → строка 2 → Объём, часов: не менее 36 часов (требование Северной области)"
    );
}

#[test]
fn warnings_are_separate_and_keep_the_document_valid() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let mut doc = good_doc();
    doc["plan"][0]["participants"] = json!(1);
    let report = catalogue.validate("training", "north", &doc).unwrap();
    assert!(report.valid);
    assert!(report.errors.is_empty());
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].severity, Severity::Warning);
    assert_eq!(
        report.warnings[0].message,
        "План повышения квалификации: обучается меньше 4 человек (рекомендация Северной области)"
    );
}

#[test]
fn general_rule_compares_dates_across_fields() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let mut doc = good_doc();
    doc["period"]["end"] = json!("2025-08-31");
    let report = catalogue.validate("training", "north", &doc).unwrap();
    let rules: Vec<_> = report.errors.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(rules, ["training.period-order"]);
    assert_eq!(
        report.errors[0].message,
        "Срок → Окончание: окончание раньше начала"
    );
}

#[test]
fn schema_errors_are_russian_and_point_at_the_field() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let mut doc = good_doc();
    doc.as_object_mut().unwrap().remove("school");
    doc["period"]["start"] = json!("01.09.2025");
    doc["plan"][0]["hours"] = json!("сорок");
    doc["kind"] = json!("online");
    let report = catalogue.validate("training", "north", &doc).unwrap();
    let by_rule = |rule: &str| {
        report
            .errors
            .iter()
            .find(|e| e.rule == rule)
            .unwrap_or_else(|| panic!("no {rule} in {report:#?}"))
    };
    let required = by_rule("schema.required");
    assert_eq!(required.pointer, "/school");
    assert_eq!(required.message, "Школа: обязательное поле не заполнено");
    let format = by_rule("schema.format");
    assert_eq!(format.pointer, "/period/start");
    assert!(
        format
            .message
            .starts_with("Срок → Начало: дата должна быть в формате ГГГГ-ММ-ДД"),
        "{}",
        format.message
    );
    let ty = by_rule("schema.type");
    assert_eq!(
        ty.message,
        "План повышения квалификации → строка 1 → Объём, часов: ожидается целое число, указано: текст"
    );
    let choice = by_rule("schema.oneOf");
    assert_eq!(
        choice.message,
        "Вид: значение «online» не из списка; допустимо: «Внутреннее», «Внешнее»"
    );
    // The region's hours rule cannot judge a text and stays silent: the type error says it all.
    assert!(report.errors.iter().all(|e| e.rule != "north.hours-36"));
}

#[test]
fn a_non_object_document_is_a_finding_not_a_crash() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    for doc in [json!([1, 2]), json!("текст"), json!(null), json!(42)] {
        let report = catalogue.validate("training", "north", &doc).unwrap();
        assert!(!report.valid);
        assert_eq!(report.errors[0].rule, "schema.type");
        assert_eq!(report.errors[0].pointer, "");
        assert!(
            report.errors[0]
                .message
                .starts_with("Документ: ожидается раздел с полями"),
            "{}",
            report.errors[0].message
        );
    }
}

#[test]
fn unknown_form_and_region_list_the_known_ones() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    assert_eq!(
        catalogue
            .validate("nope", "north", &good_doc())
            .unwrap_err(),
        LookupError::UnknownForm {
            form: "nope".into(),
            known: vec!["training".into()]
        }
    );
    assert_eq!(
        catalogue
            .validate("training", "south", &good_doc())
            .unwrap_err(),
        LookupError::UnknownRegion {
            region: "south".into(),
            known: vec!["north".into()]
        }
    );
}

#[test]
fn adding_a_region_is_adding_files() {
    let dir = mini_forms();
    write(
        dir.path(),
        "regions/south/region.json",
        &json!({"id": "south", "name": "Южная область", "genitive": "Южной области"}),
    );
    write(
        dir.path(),
        "regions/south/training.json",
        &json!({
            "id": "south/training", "version": "1", "effective_from": "2026-01-01",
            "title": "Требования Южной области", "basis": "Приказ № 2",
            "rules": [{
                "id": "south.kind-required", "severity": "error",
                "requirement": "Указан вид обучения.", "message": "не указан вид обучения",
                "pointer": "", "schema": {"required": ["kind"]}, "source": "test",
                "quote": "указывается вид обучения"
            }]
        }),
    );
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let report = catalogue
        .validate("training", "south", &good_doc())
        .unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].pointer, "/kind");
    assert_eq!(
        report.errors[0].message,
        "Вид: не указан вид обучения (требование Южной области)"
    );
    let mut doc = good_doc();
    doc["kind"] = json!("external");
    assert!(catalogue.validate("training", "south", &doc).unwrap().valid);
}

fn load_error(edit: impl FnOnce(&Path)) -> String {
    let dir = mini_forms();
    edit(dir.path());
    Catalogue::load(dir.path()).unwrap_err().to_string()
}

#[test]
fn malformed_json_in_forms_names_file_line_and_column() {
    let message = load_error(|root| {
        fs::write(root.join("training.rules.json"), "{\"rules\": [\n  {,}\n]}").unwrap()
    });
    assert!(
        message.contains("training.rules.json:2:4: malformed JSON"),
        "{message}"
    );
}

#[test]
fn broken_schema_names_the_file_and_place() {
    let message = load_error(|root| {
        let path = root.join("training.schema.json");
        let mut schema: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        schema["properties"]["school"]["minLength"] = json!("one");
        fs::write(path, schema.to_string()).unwrap();
    });
    assert!(message.contains("training.schema.json"), "{message}");
    assert!(
        message.contains("/properties/school/minLength"),
        "{message}"
    );
}

#[test]
fn broken_rule_names_the_file_and_rule() {
    let message = load_error(|root| {
        let path = root.join("regions/north/training.json");
        let mut set: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        set["rules"][1]["logic"] = json!({"no-such-operator": [1]});
        fs::write(path, set.to_string()).unwrap();
    });
    assert!(message.contains("regions/north/training.json"), "{message}");
    assert!(message.contains("/rules/1/logic"), "{message}");
}

#[test]
fn rule_without_a_check_is_refused() {
    let message = load_error(|root| {
        let path = root.join("training.rules.json");
        let mut rules: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        rules["rules"][0].as_object_mut().unwrap().remove("logic");
        fs::write(path, rules.to_string()).unwrap();
    });
    assert!(message.contains("/rules/0"), "{message}");
    assert!(
        message.contains("exactly one of `logic`, `schema`, `unique` and `sequence`"),
        "{message}"
    );
}

#[test]
fn regional_rule_without_a_quote_is_refused_by_name() {
    let message = load_error(|root| {
        let path = root.join("regions/north/training.json");
        let mut set: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        set["rules"][1].as_object_mut().unwrap().remove("quote");
        fs::write(path, set.to_string()).unwrap();
    });
    assert!(message.contains("regions/north/training.json"), "{message}");
    assert!(
        message.contains("/rules/1") && message.contains("\"north.staff-4\" has no `quote`"),
        "{message}"
    );
}

#[test]
fn general_rules_need_no_quote_and_keep_the_regional_one() {
    let catalogue = Catalogue::load(mini_forms().path()).unwrap();
    let form = catalogue.form("training").unwrap();
    assert!(form.rules.iter().all(|rule| rule.quote.is_none()));
    let set = catalogue.requirement_set("training", "north").unwrap();
    assert_eq!(
        set.rules[0].quote.as_deref(),
        Some("объемом не менее 36 часов каждая")
    );
}

#[test]
fn requirement_set_for_an_unknown_form_is_refused() {
    let message = load_error(|root| write(root, "regions/north/unknown-form.json", &json!({})));
    assert!(message.contains("no form \"unknown-form\""), "{message}");
}

#[test]
fn duplicate_rule_ids_are_refused() {
    let message = load_error(|root| {
        let path = root.join("regions/north/training.json");
        let mut set: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        set["rules"][1]["id"] = json!("north.hours-36");
        fs::write(path, set.to_string()).unwrap();
    });
    assert!(
        message.contains("/rules/1/id") && message.contains("used twice"),
        "{message}"
    );
}

#[test]
fn unresolvable_reference_is_refused_without_network() {
    let message = load_error(|root| {
        let path = root.join("training.schema.json");
        let mut schema: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        schema["properties"]["school"] =
            json!({"$ref": "https://forms.ravenstvo.example/missing/1.0.0"});
        fs::write(path, schema.to_string()).unwrap();
    });
    assert!(message.contains("training.schema.json"), "{message}");
    assert!(message.contains("/properties/school/$ref"), "{message}");
    assert!(matches!(
        Catalogue::load("/nonexistent/forms"),
        Err(LoadError::Io { .. })
    ));
}

#[test]
fn outline_and_template_follow_the_schema() {
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let outline = catalogue.outline("training").unwrap();
    let hours = outline
        .iter()
        .find(|l| l.pointer == "/plan/*/hours")
        .unwrap();
    assert_eq!(hours.title, "Объём, часов");
    assert!(hours.required);
    assert_eq!(hours.depth, 1);
    let kind = outline.iter().find(|l| l.pointer == "/kind").unwrap();
    assert_eq!(kind.kind.describe(), "выбор: Внутреннее | Внешнее");
    let template = catalogue.template("training").unwrap();
    assert_eq!(
        template["plan"],
        json!([{"programme": "", "hours": null, "participants": null}])
    );
    assert_eq!(template["period"], json!({"start": null, "end": null}));
}

#[test]
fn edits_are_type_checked_without_demanding_validity() {
    use forms::{EditError, FieldKind};
    let dir = mini_forms();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    // An incomplete row is fine in a draft; a wrong kind is not.
    catalogue
        .check_edit("training", "/plan/0", &json!({"programme": ""}))
        .unwrap();
    catalogue
        .check_edit("training", "/plan/-", &json!({"hours": 12}))
        .unwrap();
    catalogue
        .check_edit("training", "/school", &json!(null))
        .unwrap();
    assert_eq!(
        catalogue.check_edit("training", "/plan", &json!("не таблица")),
        Err(EditError::WrongKind {
            pointer: "/plan".into(),
            expected: "таблица".into(),
            got: "текст".into()
        })
    );
    assert_eq!(
        catalogue
            .check_edit("training", "/plan/0/hours", &json!(1.5))
            .unwrap_err()
            .message_ru(),
        "/plan/0/hours: здесь должно быть «целое число», а указано: число"
    );
    assert_eq!(
        catalogue.check_edit("training", "/nowhere", &json!(1)),
        Err(EditError::UnknownField {
            pointer: "/nowhere".into()
        })
    );
    assert!(matches!(
        catalogue.check_edit("training", "", &json!({"plan": [{"extra": 1}]})),
        Err(EditError::UnknownField { pointer }) if pointer == "/plan/0/extra"
    ));
    assert_eq!(
        catalogue.field_kind("training", "/period/start").unwrap(),
        Some(FieldKind::Date)
    );
    assert_eq!(
        catalogue
            .field_kind("training", "/plan/*/programme")
            .unwrap(),
        Some(FieldKind::Text)
    );
}

#[test]
fn waiving_a_rule_the_form_does_not_have_is_refused() {
    let message = load_error(|root| {
        let path = root.join("regions/north/training.json");
        let mut set: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        set["waives"] = json!([{
            "rule": "training.no-such-rule",
            "reason": "Область так решила.",
            "source": "004_57eef827f54cfc46.txt:186",
            "quote": "не менее 4 человек от каждой школы"
        }]);
        fs::write(path, set.to_string()).unwrap();
    });
    assert!(message.contains("regions/north/training.json"), "{message}");
    assert!(message.contains("/waives/0/rule"), "{message}");
}

#[test]
fn a_waived_general_rule_is_not_checked_in_that_region() {
    let dir = mini_forms();
    let path = dir.path().join("regions/north/training.json");
    let mut set: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    set["waives"] = json!([{
        "rule": "training.period-order",
        "reason": "Область так решила.",
        "source": "004_57eef827f54cfc46.txt:186",
        "quote": "не менее 4 человек от каждой школы"
    }]);
    fs::write(path, set.to_string()).unwrap();
    let catalogue = Catalogue::load(dir.path()).unwrap();
    let mut doc = good_doc();
    doc["period"] = json!({"start": "2026-05-01", "end": "2025-09-01"});
    let report = catalogue.validate("training", "north", &doc).unwrap();
    assert!(report.valid, "{:?}", report.errors);
}
