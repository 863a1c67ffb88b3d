//! Named rules: one requirement, one Russian message, one check.
//!
//! A rule's check is either JSON Logic (for comparisons across fields, sums and counts,
//! evaluated by `datalogic-rs`) or a JSON Schema fragment applied to the value at the rule's
//! pointer (how a region tightens the base schema). See `forms/README.md` for the file format.

use std::collections::HashSet;
use std::path::Path;

use datalogic_rs::bumpalo::Bump;
use datalogic_rs::{DataValue, Engine, Logic};
use serde::Deserialize;
use serde_json::Value;

use crate::error::LoadError;
use crate::pointer;
use crate::report::Severity;

/// One named requirement.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, e.g. `leningrad.pd-hours-min-36`.
    pub id: String,
    /// Error or warning.
    pub severity: Severity,
    /// The demand in plain Russian, a full sentence.
    pub requirement: String,
    /// What is wrong, short, without the field name.
    pub message: String,
    /// Where the requirement comes from (seed file and line, or `general`).
    pub source: String,
    /// Array the rule is checked per element of, as pointer segments (`*` = every element).
    each: Option<Vec<String>>,
    /// Where a finding points: relative to the element with `each`, absolute otherwise.
    pointer: String,
    when: Option<Logic>,
    check: Check,
}

enum Check {
    Logic(Logic),
    Schema(Box<jsonschema::Validator>),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Logic(_) => f.write_str("Check::Logic"),
            Check::Schema(_) => f.write_str("Check::Schema"),
        }
    }
}

/// A rule as written in a file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    severity: Severity,
    requirement: String,
    message: String,
    #[serde(default)]
    each: Option<String>,
    #[serde(default)]
    pointer: String,
    #[serde(default)]
    when: Option<Value>,
    #[serde(default)]
    logic: Option<Value>,
    #[serde(default)]
    schema: Option<Value>,
    source: String,
}

/// A place a rule found broken: the finding's pointer.
pub(crate) struct Violation {
    pub(crate) pointer: String,
}

/// What a rule looks at: the document, once converted for JSON Logic, and the arena that
/// holds the conversion. One per validation, shared by all its rules.
pub(crate) struct Subject<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) arena: &'a Bump,
    pub(crate) doc: &'a Value,
    doc_data: std::cell::OnceCell<DataValue<'a>>,
    /// Whether the document already broke its base schema: then a rule that cannot be
    /// evaluated (a wrong type under it) stays silent, since the schema finding says it all.
    pub(crate) schema_broken: bool,
}

impl<'a> Subject<'a> {
    pub(crate) fn new(
        engine: &'a Engine,
        arena: &'a Bump,
        doc: &'a Value,
        schema_broken: bool,
    ) -> Self {
        Self {
            engine,
            arena,
            doc,
            doc_data: std::cell::OnceCell::new(),
            schema_broken,
        }
    }

    fn doc_data(&self) -> DataValue<'a> {
        *self.doc_data.get_or_init(|| to_data(self.doc, self.arena))
    }
}

/// Borrows a `serde_json::Value` into the arena as a `DataValue` without copying strings.
fn to_data<'a>(value: &'a Value, arena: &'a Bump) -> DataValue<'a> {
    match value {
        Value::Null => DataValue::Null,
        Value::Bool(b) => DataValue::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => DataValue::from_i64(i),
            (None, Some(f)) => DataValue::from_f64(f),
            (None, None) => DataValue::Null,
        },
        Value::String(s) => DataValue::String(s.as_str()),
        Value::Array(items) => {
            DataValue::Array(arena.alloc_slice_fill_iter(items.iter().map(|v| to_data(v, arena))))
        }
        Value::Object(map) => DataValue::Object(
            arena.alloc_slice_fill_iter(map.iter().map(|(k, v)| (k.as_str(), to_data(v, arena)))),
        ),
    }
}

/// One element a rule is checked on.
struct Target<'a> {
    pointer: String,
    value: &'a Value,
    index: usize,
}

impl Rule {
    /// Parses and compiles one rule; `place` is its JSON pointer inside `file`.
    pub(crate) fn compile(
        raw: &Value,
        file: &Path,
        place: &str,
        engine: &Engine,
        registry: &jsonschema::Registry<'static>,
    ) -> Result<Self, LoadError> {
        let raw: RawRule = serde_json::from_value(raw.clone())
            .map_err(|e| LoadError::invalid(file, place, format!("bad rule: {e}")))?;
        let at = |field: &str| format!("{place}/{field}");
        if raw.id.trim().is_empty() || raw.id.contains(char::is_whitespace) {
            return Err(LoadError::invalid(
                file,
                at("id"),
                "rule id must be a non-empty word",
            ));
        }
        for (field, text) in [
            ("requirement", &raw.requirement),
            ("message", &raw.message),
            ("source", &raw.source),
        ] {
            if text.trim().is_empty() {
                return Err(LoadError::invalid(
                    file,
                    at(field),
                    format!("{field} must not be empty"),
                ));
            }
        }
        if !pointer::is_valid(&raw.pointer) {
            return Err(LoadError::invalid(
                file,
                at("pointer"),
                "not a JSON pointer",
            ));
        }
        let each = match &raw.each {
            Some(p) if p.is_empty() || !pointer::is_valid(p) => {
                return Err(LoadError::invalid(
                    file,
                    at("each"),
                    "`each` must point at an array",
                ));
            }
            Some(p) => Some(pointer::segments(p)),
            None => None,
        };
        let compile_logic = |field: &str, logic: &Value| {
            let known: HashSet<&str> = engine.builtin_operator_names().collect();
            if let Some((inner, op)) = unknown_operator(logic, &known, String::new()) {
                return Err(LoadError::invalid(
                    file,
                    format!("{}{inner}", at(field)),
                    format!("unknown JSON Logic operator {op:?}"),
                ));
            }
            engine
                .compile(logic)
                .map_err(|e| LoadError::invalid(file, at(field), format!("bad JSON Logic: {e}")))
        };
        let when = raw
            .when
            .as_ref()
            .map(|w| compile_logic("when", w))
            .transpose()?;
        let check = match (&raw.logic, &raw.schema) {
            (Some(logic), None) => Check::Logic(compile_logic("logic", logic)?),
            (None, Some(schema)) => {
                if let Err(e) = jsonschema::meta::validate(schema) {
                    return Err(LoadError::invalid(
                        file,
                        at("schema"),
                        format!("bad JSON Schema: {e}"),
                    ));
                }
                let validator = crate::catalogue::schema_options(registry)
                    .build(schema)
                    .map_err(|e| {
                        LoadError::invalid(file, at("schema"), format!("bad JSON Schema: {e}"))
                    })?;
                Check::Schema(Box::new(validator))
            }
            _ => {
                return Err(LoadError::invalid(
                    file,
                    place,
                    "a rule needs exactly one of `logic` and `schema`",
                ));
            }
        };
        Ok(Self {
            id: raw.id,
            severity: raw.severity,
            requirement: raw.requirement,
            message: raw.message,
            source: raw.source,
            each,
            pointer: raw.pointer,
            when,
            check,
        })
    }

    /// Checks the rule against the document and appends every place it is broken.
    pub(crate) fn check(&self, subject: &Subject<'_>, out: &mut Vec<Violation>) {
        match &self.each {
            None => {
                let target = Target {
                    pointer: String::new(),
                    value: subject.doc,
                    index: 0,
                };
                self.check_target(subject, &target, None, out);
            }
            Some(path) => {
                let mut targets = Vec::new();
                expand(subject.doc, path, String::new(), &mut targets);
                let doc_data = subject.doc_data();
                for target in &targets {
                    let item = data_at(doc_data, &target.pointer);
                    self.check_target(subject, target, Some(item), out);
                }
            }
        }
    }

    fn check_target(
        &self,
        subject: &Subject<'_>,
        target: &Target<'_>,
        item: Option<DataValue<'_>>,
        out: &mut Vec<Violation>,
    ) {
        let arena = subject.arena;
        let root = || {
            let doc = subject.doc_data();
            let fields: &[(&str, DataValue<'_>)] = match item {
                Some(item) => arena.alloc_slice_copy(&[
                    ("doc", doc),
                    ("item", item),
                    ("index", DataValue::from_i64(target.index as i64)),
                ]),
                None => arena.alloc_slice_copy(&[("doc", doc)]),
            };
            &*arena.alloc(DataValue::Object(fields))
        };
        if let Some(when) = &self.when {
            match subject.engine.evaluate(when, root(), arena) {
                Ok(v) if subject.engine.truthy(v) => {}
                Ok(_) => return,
                Err(_) if subject.schema_broken => return,
                Err(_) => {}
            }
        }
        let here = pointer::join(&target.pointer, &self.pointer);
        match &self.check {
            Check::Logic(logic) => {
                let passed = match subject.engine.evaluate(logic, root(), arena) {
                    Ok(v) => subject.engine.truthy(v),
                    // A rule that cannot be evaluated on a well-typed document is reported as
                    // broken rather than silently passed: nothing unverified may be submitted.
                    Err(_) => subject.schema_broken,
                };
                if !passed {
                    out.push(Violation { pointer: here });
                }
            }
            Check::Schema(validator) => {
                let Some(value) = target.value.pointer(&self.pointer) else {
                    return;
                };
                let mut seen = HashSet::new();
                for error in validator.iter_errors(value) {
                    let mut at = pointer::join(&here, error.instance_path().as_str());
                    if let jsonschema::error::ValidationErrorKind::Required { property } =
                        error.kind()
                    {
                        at.push('/');
                        at.push_str(&pointer::escape(property.as_str().unwrap_or_default()));
                    }
                    if seen.insert(at.clone()) {
                        out.push(Violation { pointer: at });
                    }
                }
            }
        }
    }
}

/// The first single-key object whose key is not an operator the engine knows: datalogic
/// compiles unknown operators and fails only when it meets them, which for a rule file is too
/// late. Returns the pointer inside the logic and the operator's name.
fn unknown_operator(logic: &Value, known: &HashSet<&str>, at: String) -> Option<(String, String)> {
    match logic {
        Value::Object(map) if map.len() == 1 => {
            let (op, args) = map.iter().next().expect("one key");
            if !known.contains(op.as_str()) {
                return Some((at, op.clone()));
            }
            unknown_operator(args, known, format!("{at}/{}", pointer::escape(op)))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| unknown_operator(item, known, format!("{at}/{i}"))),
        _ => None,
    }
}

/// Every element under an `each` path, with `*` standing for every element of an array.
fn expand<'a>(value: &'a Value, path: &[String], at: String, out: &mut Vec<Target<'a>>) {
    let Some((head, rest)) = path.split_first() else {
        if let Value::Array(items) = value {
            for (i, item) in items.iter().enumerate() {
                out.push(Target {
                    pointer: format!("{at}/{i}"),
                    value: item,
                    index: i,
                });
            }
        }
        return;
    };
    match (head.as_str(), value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                expand(item, rest, format!("{at}/{i}"), out);
            }
        }
        (key, Value::Object(map)) => {
            if let Some(child) = map.get(key) {
                expand(child, rest, format!("{at}/{}", pointer::escape(key)), out);
            }
        }
        (key, Value::Array(items)) => {
            if let Some(child) = key.parse::<usize>().ok().and_then(|i| items.get(i)) {
                expand(child, rest, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
}

/// The converted value at a pointer (the pointer is known to exist in the document).
fn data_at<'a>(mut data: DataValue<'a>, at: &str) -> DataValue<'a> {
    for segment in pointer::segments(at) {
        data = match data {
            DataValue::Object(fields) => fields
                .iter()
                .find(|(k, _)| *k == segment)
                .map_or(DataValue::Null, |(_, v)| *v),
            DataValue::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).copied())
                .unwrap_or(DataValue::Null),
            _ => DataValue::Null,
        };
    }
    data
}
