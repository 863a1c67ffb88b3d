//! What our benchmarks measure against: the raw `jsonschema` validator of a form's base schema
//! alone, and a programme grown to many action-plan rows. One definition, so that the forms
//! benchmark, the profiling driver and the submit benchmark compare with the same thing.

use std::path::Path;

use serde_json::Value;

/// The form the validation benchmarks measure.
pub const FORM: &str = "school-programme";
/// The region whose requirements they apply.
pub const REGION: &str = "lipetsk";
/// Action-plan rows of the "large" document (the issue asks for at least 200).
pub const LARGE_ROWS: usize = 240;

/// The documents the validation benchmarks measure: the valid Lipetsk programme example as
/// written ("typical") and the same with its action plan grown to [`LARGE_ROWS`] ("large").
///
/// # Errors
///
/// A message naming the example that cannot be read or parsed.
pub fn programmes(forms_dir: &Path) -> Result<(Value, Value), String> {
    let path = forms_dir.join(format!("examples/{FORM}.{REGION}.valid.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let typical: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let large = grow_action_plan(&typical, LARGE_ROWS);
    Ok((typical, large))
}

/// Raw `jsonschema` (draft 2020-12, formats checked) on `form`'s base schema in `forms_dir`,
/// with the shared definitions of `common.schema.json` registered, and nothing else of ours.
///
/// # Errors
///
/// A message naming the file that cannot be read or parsed, or the schema that does not build.
pub fn raw_validator(forms_dir: &Path, form: &str) -> Result<jsonschema::Validator, String> {
    let read = |name: &str| -> Result<Value, String> {
        let path = forms_dir.join(name);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let common = read("common.schema.json")?;
    let schema = read(&format!("{form}.schema.json"))?;
    let id = common["$id"]
        .as_str()
        .ok_or("common.schema.json has no $id")?
        .to_owned();
    let registry = jsonschema::Registry::new()
        .add(id, common)
        .and_then(|registry| registry.prepare())
        .map_err(|e| format!("registering common.schema.json: {e}"))?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&schema)
        .map_err(|e| format!("{form}.schema.json: {e}"))
}

/// `programme` with its action plan cycled up to `rows` rows, each numbered anew
/// (`1.1` … `1.10`, `2.1` …) so that numbers stay unique.
pub fn grow_action_plan(programme: &Value, rows: usize) -> Value {
    let mut doc = programme.clone();
    let plan = programme["action_plan"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if plan.is_empty() {
        return doc;
    }
    let grown: Vec<Value> = (0..rows)
        .map(|i| {
            let mut row = plan[i % plan.len()].clone();
            if let Some(number) = row.get_mut("number") {
                *number = Value::from(format!("{}.{}", i / 10 + 1, i % 10 + 1));
            }
            row
        })
        .collect();
    doc["action_plan"] = Value::Array(grown);
    doc
}
