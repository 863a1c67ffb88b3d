//! Reading documents made before the forms' 2.0.0 shapes.
//!
//! Forms 1.x dated a schedule row with `start`/`end` (plan and training), `date` (monitoring)
//! or `date`/`month` (agreement schedule), wrote a parent activity's timing as free text,
//! named one training category (`category`), wrote a
//! responsible as one string and answered yes/no questions with booleans. [`to_current`]
//! rewrites such a document into the current shapes (a `timing`, `categories`, a list of
//! responsible, `yes`/`no`) and leaves everything else, and any document already current, as it
//! is; stored documents keep validating after the forms change.

use serde_json::{Map, Value, json};

use crate::timing::from_russian;

/// The document in the current shapes of `form`. A 1.x document is converted; a current one,
/// or one of a form this function does not know, is returned unchanged. Never fails: what it
/// cannot convert it leaves for validation to report.
pub fn to_current(form: &str, mut value: Value) -> Value {
    match form {
        "school-programme" => {
            for row in rows(&mut value, "action_plan") {
                span_to_timing(row);
                responsible_to_list(row);
            }
            for row in rows(&mut value, "professional_development") {
                span_to_timing(row);
                if let Some(category) = row.remove("category") {
                    row.entry("categories").or_insert(json!([category]));
                }
            }
            for row in rows(&mut value, "monitoring") {
                moments_to_timing(row, &["date"]);
                responsible_to_list(row);
            }
            if let Some(plan) = value
                .get_mut("parent_community_plan")
                .and_then(Value::as_object_mut)
            {
                answers(
                    plan,
                    &["agreed_with_governing_body", "communicated_to_parents"],
                );
                let activities = plan.get_mut("activities").and_then(Value::as_array_mut);
                for row in activities.into_iter().flatten() {
                    if let Some(row) = row.as_object_mut() {
                        words_to_timing(row);
                        responsible_to_list(row);
                    }
                }
            }
        }
        "partnership-agreement" => {
            for row in rows(&mut value, "schedule") {
                moments_to_timing(row, &["date", "month"]);
                responsible_to_list(row);
            }
            if let Some(term) = value.get_mut("term").and_then(Value::as_object_mut) {
                answers(term, &["auto_prolongation"]);
            }
            if let Some(approval) = value
                .get_mut("municipal_approval")
                .and_then(Value::as_object_mut)
            {
                answers(approval, &["approval_expected"]);
            }
        }
        _ => {}
    }
    value
}

/// The object rows of the table `key` at the document's root.
fn rows<'v>(value: &'v mut Value, key: &str) -> impl Iterator<Item = &'v mut Map<String, Value>> {
    value
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// `start`/`end` → `timing`: one day is `{"at"}`, two are `{"from", "to"}`.
fn span_to_timing(row: &mut Map<String, Value>) {
    if row.contains_key("timing") {
        return;
    }
    let (start, end) = (row.remove("start"), row.remove("end"));
    let timing = match (start, end) {
        (Some(start), Some(end)) if start == end => json!({ "at": start }),
        (Some(start), Some(end)) => json!({ "from": start, "to": end }),
        (Some(one), None) | (None, Some(one)) => json!({ "at": one }),
        (None, None) => return,
    };
    row.insert("timing".to_owned(), timing);
}

/// The first present of `keys` (a date or a month) → `{"timing": {"at": …}}`; the others are
/// dropped.
fn moments_to_timing(row: &mut Map<String, Value>, keys: &[&str]) {
    let found: Vec<Value> = keys.iter().filter_map(|k| row.remove(*k)).collect();
    if row.contains_key("timing") {
        return;
    }
    if let Some(at) = found.into_iter().find(|v| !v.is_null()) {
        row.insert("timing".to_owned(), json!({ "at": at }));
    }
}

/// A `timing` written as free text (1.x parent activities) → a timing ([`from_russian`]).
fn words_to_timing(row: &mut Map<String, Value>) {
    match row.get("timing") {
        Some(Value::String(text)) if text.trim().is_empty() => {
            row.remove("timing");
        }
        Some(Value::String(text)) => {
            let timing = from_russian(text);
            row.insert("timing".to_owned(), timing);
        }
        _ => {}
    }
}

/// A responsible written as one string → a list of one person (1.x asked for «ФИО и должность
/// ответственного»); an empty string is dropped.
fn responsible_to_list(row: &mut Map<String, Value>) {
    match row.get("responsible") {
        Some(Value::String(text)) if text.trim().is_empty() => {
            row.remove("responsible");
        }
        Some(Value::String(text)) => {
            let list = json!([{ "kind": "person", "name": text }]);
            row.insert("responsible".to_owned(), list);
        }
        _ => {}
    }
}

/// Booleans → `yes`/`no`.
fn answers(object: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(Value::Bool(b)) = object.get(*key) {
            let answer = if *b { "yes" } else { "no" };
            object.insert((*key).to_owned(), Value::from(answer));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_training_and_monitoring_rows_get_timings() {
        let old = json!({
            "action_plan": [
                {"number": "1", "start": "2025-09-01", "end": "2025-10-31", "responsible": "Иванова И. И., директор"},
                {"number": "2", "start": "2025-09-01", "end": "2025-09-01"}
            ],
            "professional_development": [{"category": "teacher", "start": "2025-10-01", "end": "2025-11-15"}],
            "monitoring": [{"stage": "entry", "date": "2025-09-15", "responsible": "Петрова П. П."}],
            "parent_community_plan": {
                "agreed_with_governing_body": true, "communicated_to_parents": false,
                "activities": [{"timing": "ежегодно, март", "responsible": "Классные руководители"}]
            }
        });
        let new = to_current("school-programme", old);
        assert_eq!(
            new["action_plan"][0]["timing"],
            json!({"from": "2025-09-01", "to": "2025-10-31"})
        );
        assert_eq!(
            new["action_plan"][0]["responsible"],
            json!([{"kind": "person", "name": "Иванова И. И., директор"}])
        );
        assert_eq!(new["action_plan"][1]["timing"], json!({"at": "2025-09-01"}));
        assert!(new["action_plan"][1].get("start").is_none());
        assert_eq!(
            new["professional_development"][0]["categories"],
            json!(["teacher"])
        );
        assert_eq!(new["monitoring"][0]["timing"], json!({"at": "2025-09-15"}));
        assert_eq!(
            new["parent_community_plan"],
            json!({
                "agreed_with_governing_body": "yes", "communicated_to_parents": "no",
                "activities": [{
                    "timing": {"recurring": "annually", "note": "март"},
                    "responsible": [{"kind": "person", "name": "Классные руководители"}]
                }]
            })
        );
    }

    #[test]
    fn agreement_schedule_dates_and_months_become_timings() {
        let old = json!({
            "term": {"start": "2025-09-01", "end": "2026-08-31", "auto_prolongation": false},
            "schedule": [{"date": "2025-10-15", "responsible": ""}, {"month": "2025-11"}]
        });
        let new = to_current("partnership-agreement", old);
        assert_eq!(new["schedule"][0], json!({"timing": {"at": "2025-10-15"}}));
        assert_eq!(new["schedule"][1], json!({"timing": {"at": "2025-11"}}));
        assert_eq!(new["term"]["auto_prolongation"], json!("no"));
    }

    #[test]
    fn a_current_document_is_left_as_it_is() {
        let current = json!({
            "action_plan": [{"timing": {"recurring": "annually"}, "responsible": [{"kind": "organisation", "name": "Управление образования"}]}],
            "professional_development": [{"categories": ["director", "teacher"], "timing": {"at": "2026"}}]
        });
        assert_eq!(to_current("school-programme", current.clone()), current);
        assert_eq!(to_current("unknown-form", json!(7)), json!(7));
    }
}
