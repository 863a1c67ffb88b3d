//! A small hand-made form with every kind of field, loaded into a catalogue, and a filled-in
//! document of it; shared by the test binaries.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use document::Author;
use forms::Catalogue;
use serde_json::{Value, json};

const COMMON: &str = include_str!("../../../../forms/common.schema.json");
const COMMON_ID: &str = "https://forms.ravenstvo.example/common/1.0.0";

/// The test form's id.
pub const FORM: &str = "programme";
/// The test region's id.
pub const REGION: &str = "north";

fn write(dir: &Path, rel: &str, value: &Value) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A catalogue with one form, `programme` 1.2.0, and one region, `north`.
pub fn catalogue() -> Catalogue {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("common.schema.json"), COMMON).unwrap();
    let narrative = format!("{COMMON_ID}#/$defs/narrative");
    let date = format!("{COMMON_ID}#/$defs/date");
    let organisation = format!("{COMMON_ID}#/$defs/organisation");
    write(
        root,
        "programme.schema.json",
        &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://forms.ravenstvo.example/programme/1.2.0",
            "title": "Программа",
            "description": "Учебная форма для тестов документа.",
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "title": {"type": "string", "title": "Название"},
                "school": {"$ref": organisation, "title": "Школа"},
                "analysis": {"$ref": narrative, "title": "Анализ"},
                "start": {"$ref": date, "title": "Начало"},
                "pupils": {"type": "integer", "title": "Обучающихся"},
                "budget": {"type": "number", "title": "Бюджет"},
                "approved": {"type": "boolean", "title": "Утверждена"},
                "status": {"title": "Статус", "oneOf": [
                    {"const": "draft", "title": "Черновик"},
                    {"const": "final", "title": "Итоговая"}]},
                "goals": {"type": "array", "title": "Цели", "items": {"type": "string", "title": "Цель"}},
                "directions": {"type": "array", "title": "Направления", "uniqueItems": true,
                    "items": {"$ref": "#/$defs/direction"}},
                "action_plan": {"type": "array", "title": "План мероприятий",
                    "items": {"$ref": "#/$defs/action"}}
            },
            "$defs": {
                "direction": {"title": "Направление", "oneOf": [
                    {"const": "management", "title": "Управление"},
                    {"const": "teaching", "title": "Преподавание"},
                    {"const": "parents", "title": "Родители"}]},
                "action": {
                    "type": "object",
                    "title": "Мероприятие",
                    "additionalProperties": false,
                    "properties": {
                        "activity": {"type": "string", "title": "Мероприятие"},
                        "description": {"$ref": narrative, "title": "Описание"},
                        "start": {"$ref": date, "title": "Начало"},
                        "hours": {"type": "integer", "title": "Часов"},
                        "responsible": {"type": "string", "title": "Ответственный"}
                    }
                }
            }
        }),
    );
    write(
        root,
        "regions/north/region.json",
        &json!({"id": "north", "name": "Северная область", "genitive": "Северной области"}),
    );
    Catalogue::load(root).unwrap()
}

/// The real catalogue of the project.
pub fn real_catalogue() -> Catalogue {
    Catalogue::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms")).unwrap()
}

/// Someone editing.
pub fn author(name: &str) -> Author {
    Author {
        id: format!("id-{name}"),
        name: name.to_owned(),
    }
}

/// A filled-in programme.
pub fn sample() -> Value {
    json!({
        "title": "Программа перехода",
        "school": {
            "name": "МБОУ СОШ с. Красное",
            "municipality": "Краснинский район",
            "director": {"full_name": "Пахомова Ирина Николаевна", "position": "директор"}
        },
        "analysis": "Школа работает в сложных условиях.",
        "start": "2025-09-01",
        "pupils": 412,
        "budget": 1250000.5,
        "approved": false,
        "status": "draft",
        "goals": ["Повысить качество обучения", "Снизить долю неуспевающих"],
        "directions": ["management", "teaching"],
        "action_plan": [
            {"activity": "Самодиагностика", "description": "Провести по методике.", "start": "2025-09-15", "hours": 12, "responsible": "Пахомова И. Н."},
            {"activity": "Семинар для учителей", "description": "", "start": "2025-10-01", "hours": 6, "responsible": "Сафонов А. П."}
        ]
    })
}
