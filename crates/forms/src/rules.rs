//! Named rules: one requirement, one Russian message, one check.
//!
//! A rule's check is either JSON Logic (for comparisons across fields, sums and counts,
//! evaluated by `datalogic-rs`) or a JSON Schema fragment applied to the value at the rule's
//! pointer (how a region tightens the base schema). See `forms/README.md` for the file format.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell};
use std::collections::HashSet;
use std::path::Path;

use datalogic_rs::bumpalo::Bump;
use datalogic_rs::{DataValue, Engine, Logic};
use serde::Deserialize;
use serde_json::Value;

use crate::error::LoadError;
use crate::fast_logic::{self, Fast, Scope, Test};
use crate::pointer;
use crate::report::Severity;
use crate::sequence::{RawSequence, Sequence};
use crate::unique;

/// Memory slots of the fast path kept on the stack; rules needing more use the heap.
const INLINE_SLOTS: usize = 8;
/// Row fields of the fast path kept on the stack; rules reading more use the heap.
const INLINE_ROW_KEYS: usize = 8;
/// Document fields of an engine view collected on the stack; more use the heap.
const INLINE_DOC_FIELDS: usize = 16;
/// Converted document fields one validation remembers.
const FIELD_CACHE: usize = 16;

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
    /// The exact words of the source sentence the rule encodes. Every regional rule has one
    /// (the loader refuses a requirement set without it); general rules cite no document.
    pub quote: Option<String>,
    /// The form of the school's other document the rule also reads (as `other` in its JSON
    /// Logic), e.g. `partnership-agreement`; `None` for a rule of one document.
    pub across: Option<String>,
    /// Array the rule is checked per element of, as pointer segments (`*` = every element).
    each: Option<Vec<String>>,
    /// The pointer of that array when it is a single one (no `*` on the way), escaped.
    each_pointer: Option<String>,
    /// Where a finding points: relative to the element with `each`, absolute otherwise.
    pointer: String,
    /// `pointer`, split.
    pointer_segments: Vec<String>,
    when: Option<Compiled>,
    check: Check,
    /// The top-level fields of the document the rule's JSON Logic reads (`None`: it may read
    /// anything). Only these are converted for the engine, and only if the fast path declines.
    reads: Option<Vec<String>>,
    /// Memory slots the fast path needs for this rule's `doc` reads.
    slots: usize,
    /// The row fields the fast path reads (`item.<key>`), looked up once per row.
    row_keys: Vec<String>,
    /// The parts of the rule's JSON Logic the fast path has the engine evaluate (once per
    /// check: they read only `doc`), compiled for the engine.
    engine_parts: Vec<Logic>,
    /// The top-level fields of the document the engine parts read (`None`: anything).
    part_reads: Option<Vec<String>>,
}

/// JSON Logic compiled twice: for the engine, and for the fast path (flattened) when it fits.
struct Compiled {
    logic: Logic,
    fast: Option<Test>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled {{ fast: {} }}", self.fast.is_some())
    }
}

enum Check {
    Logic(Compiled),
    Schema(Box<jsonschema::Validator>),
    /// The value at `pointer` differs in every element of `each`.
    Unique,
    /// The value at `pointer` differs in every element of `each` that has the same value at
    /// the given pointer (relative to the element): numbers unique within a plan's section.
    UniqueWithin(Vec<String>),
    /// Stages in order within each cycle (see [`crate::sequence`]).
    Sequence(Sequence),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Logic(c) => write!(f, "Check::Logic({c:?})"),
            Check::Schema(_) => f.write_str("Check::Schema"),
            Check::Unique => f.write_str("Check::Unique"),
            Check::UniqueWithin(within) => write!(f, "Check::UniqueWithin({within:?})"),
            Check::Sequence(sequence) => write!(f, "Check::Sequence({sequence:?})"),
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
    #[serde(default)]
    unique: bool,
    /// With `unique`: the pointer (within an element) of the group the value is unique in.
    #[serde(default)]
    within: Option<String>,
    #[serde(default)]
    sequence: Option<RawSequence>,
    source: String,
    #[serde(default)]
    quote: Option<String>,
    #[serde(default)]
    across: Option<String>,
}

/// A place a rule found broken: the finding's pointer.
pub(crate) struct Violation {
    pub(crate) pointer: String,
    /// What the rule's message alone does not say (the other row a comparison names).
    pub(crate) detail: Option<String>,
}

/// What a rule looks at: the document, once converted for JSON Logic, and the arena that
/// holds the conversion. One per validation, shared by all its rules.
pub(crate) struct Subject<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) arena: &'a Bump,
    pub(crate) doc: &'a Value,
    doc_data: std::cell::OnceCell<DataValue<'a>>,
    /// Top-level fields converted so far (the first [`FIELD_CACHE`]; any further one is
    /// converted again when read again).
    fields: std::cell::RefCell<([(&'a str, DataValue<'a>); FIELD_CACHE], usize)>,
    /// Whether the document already broke its base schema: then a rule that cannot be
    /// evaluated (a wrong type under it) stays silent, since the schema finding says it all.
    pub(crate) schema_broken: bool,
    /// The school's confirmed identification, as rules read it (`identification`), when the
    /// caller knows it.
    pub(crate) identification: Option<&'a Value>,
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
            fields: std::cell::RefCell::new(([("", DataValue::Null); FIELD_CACHE], 0)),
            schema_broken,
            identification: None,
        }
    }

    /// The document for the engine: whole, or only the given top-level fields (converted once
    /// per validation each, shared by every rule that reads them).
    fn doc_view(&self, reads: Option<&[String]>) -> DataValue<'a> {
        let Some(keys) = reads else {
            return *self.doc_data.get_or_init(|| to_data(self.doc, self.arena));
        };
        let Value::Object(map) = self.doc else {
            return to_data(self.doc, self.arena);
        };
        let mut cache = self.fields.borrow_mut();
        let fields = keys.iter().filter_map(|key| {
            let (key, value) = map.get_key_value(key.as_str())?;
            let (cached, count) = &mut *cache;
            let data = match cached[..*count].iter().find(|(k, _)| *k == key.as_str()) {
                Some((_, data)) => *data,
                None => {
                    let data = to_data(value, self.arena);
                    if let Some(place) = cached.get_mut(*count) {
                        *place = (key.as_str(), data);
                        *count += 1;
                    }
                    data
                }
            };
            Some((key.as_str(), data))
        });
        // Collected on the stack (rules read a few fields), then copied into the arena.
        let mut inline = [("", DataValue::Null); INLINE_DOC_FIELDS];
        let mut count = 0;
        let mut spilled = Vec::new();
        for field in fields {
            match inline.get_mut(count) {
                Some(place) if spilled.is_empty() => {
                    *place = field;
                    count += 1;
                }
                _ => {
                    if spilled.is_empty() {
                        spilled.extend_from_slice(&inline);
                    }
                    spilled.push(field);
                }
            }
        }
        let fields = if spilled.is_empty() {
            &inline[..count]
        } else {
            &spilled[..]
        };
        DataValue::Object(self.arena.alloc_slice_copy(fields))
    }
}

/// Borrows a `serde_json::Value` into the arena as a `DataValue` without copying strings.
///
/// It recurses once per level: `validate` refuses documents nested deeper than
/// [`crate::MAX_DEPTH`] before any rule sees them.
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

/// What one rule's check keeps across the places it looks at.
struct Context<'c, 'a> {
    /// The document as the engine sees it, built on first need.
    view: &'c OnceCell<DataValue<'a>>,
    /// The document as the rule's engine parts see it (only what they read).
    parts_view: &'c OnceCell<DataValue<'a>>,
    /// The fast path's remembered `doc` reads, kept for the whole check.
    remembered: &'c [std::cell::Cell<Option<fast_logic::Val<'a>>>],
}

/// One place a rule is checked on: the whole document, or one element of an array.
struct Target<'t, 'a> {
    /// Pointer of the array holding the element (`""` for the whole document).
    array: &'t str,
    value: &'a Value,
    /// The element's index, `None` for the whole document.
    index: Option<usize>,
    /// The element's fields the fast path reads (the rule's `row_keys`).
    row: &'t [Option<&'a Value>],
}

impl Target<'_, '_> {
    /// The target's pointer, built only when a finding needs it.
    fn pointer(&self) -> String {
        match self.index {
            Some(index) => format!("{}/{index}", self.array),
            None => String::new(),
        }
    }
}

impl Rule {
    /// Parses and compiles one rule; `place` is its JSON pointer inside `file`. A regional
    /// rule must quote its source.
    pub(crate) fn compile(
        raw: &Value,
        file: &Path,
        place: &str,
        regional: bool,
        engine: &Engine,
        registry: &jsonschema::Registry<'static>,
    ) -> Result<Self, LoadError> {
        let mut raw: RawRule = serde_json::from_value(raw.clone())
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
        match &raw.quote {
            Some(quote) if quote.trim().is_empty() => {
                return Err(LoadError::invalid(
                    file,
                    at("quote"),
                    format!("rule {:?}: quote must not be empty", raw.id),
                ));
            }
            None if regional => {
                return Err(LoadError::invalid(
                    file,
                    place,
                    format!(
                        "rule {:?} has no `quote`: a regional rule quotes the words of its source",
                        raw.id
                    ),
                ));
            }
            _ => {}
        }
        if let Some(other) = &raw.across {
            let problem = if !regional {
                Some("`across` belongs to a requirement set, not to a form's general rules")
            } else if raw.each.is_some() {
                Some("a rule `across` documents is checked once per document: no `each`")
            } else if raw.logic.is_none() {
                Some("a rule `across` documents needs `logic` (reading `doc` and `other`)")
            } else if other.trim().is_empty() {
                Some("`across` names the other document's form")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(LoadError::invalid(file, at("across"), problem));
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
        let mut layout = fast_logic::Layout::default();
        let mut compile_logic = |field: &str, logic: &Value| {
            let known: HashSet<&str> = engine
                .builtin_operator_names()
                .chain(crate::timing::OPERATORS)
                .collect();
            if let Some((inner, op)) = unknown_operator(logic, &known, String::new()) {
                return Err(LoadError::invalid(
                    file,
                    format!("{}{inner}", at(field)),
                    format!("unknown JSON Logic operator {op:?}"),
                ));
            }
            let compiled = engine
                .compile(logic)
                .map_err(|e| LoadError::invalid(file, at(field), format!("bad JSON Logic: {e}")))?;
            Ok(Compiled {
                logic: compiled,
                fast: Fast::compile(logic, &mut layout).map(|fast| Test::new(&fast)),
            })
        };
        let when = raw
            .when
            .as_ref()
            .map(|w| compile_logic("when", w))
            .transpose()?;
        if raw.within.is_some() && !raw.unique {
            return Err(LoadError::invalid(
                file,
                at("within"),
                "`within` belongs to a `unique` check",
            ));
        }
        if let Some(within) = raw.within.as_deref().filter(|w| !pointer::is_valid(w)) {
            return Err(LoadError::invalid(
                file,
                at("within"),
                format!("{within:?} is not a JSON pointer"),
            ));
        }
        let check = match (&raw.logic, &raw.schema, raw.unique) {
            _ if raw.sequence.is_some() => {
                if raw.logic.is_some() || raw.schema.is_some() || raw.unique || each.is_none() {
                    return Err(LoadError::invalid(
                        file,
                        at("sequence"),
                        "a `sequence` needs `each` and no other check",
                    ));
                }
                let raw_sequence = raw.sequence.take().expect("checked above");
                Check::Sequence(
                    Sequence::compile(raw_sequence)
                        .map_err(|e| LoadError::invalid(file, at("sequence"), e))?,
                )
            }
            (Some(logic), None, false) => Check::Logic(compile_logic("logic", logic)?),
            (None, None, true) if each.is_some() => match &raw.within {
                Some(within) => Check::UniqueWithin(pointer::segments(within)),
                None => Check::Unique,
            },
            (None, None, true) => {
                return Err(LoadError::invalid(
                    file,
                    at("unique"),
                    "`unique` needs `each`: unique among what?",
                ));
            }
            (None, Some(schema), false) => {
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
                    "a rule needs exactly one of `logic`, `schema`, `unique` and `sequence`",
                ));
            }
        };
        let mut reads = Some(Vec::new());
        for logic in [&raw.when, &raw.logic].into_iter().flatten() {
            collect_reads(logic, &mut reads);
        }
        if let (Some(keys), Some(first)) = (&mut reads, each.as_ref().and_then(|e| e.first())) {
            keys.push(first.clone());
        }
        if let Some(keys) = &mut reads {
            keys.sort();
            keys.dedup();
        }
        let engine_parts = layout
            .engine_parts
            .iter()
            .map(|part| engine.compile(part))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LoadError::invalid(file, place, format!("bad JSON Logic: {e}")))?;
        let mut part_reads = Some(Vec::new());
        for part in &layout.engine_parts {
            collect_reads(part, &mut part_reads);
        }
        if let Some(keys) = &mut part_reads {
            keys.sort();
            keys.dedup();
        }
        let each_pointer = each
            .as_ref()
            .filter(|segments| segments.iter().all(|s| s != "*"))
            .map(|segments| {
                segments
                    .iter()
                    .map(|s| format!("/{}", pointer::escape(s)))
                    .collect()
            });
        Ok(Self {
            pointer_segments: pointer::segments(&raw.pointer),
            slots: layout.slots,
            row_keys: layout.row_keys,
            engine_parts,
            part_reads,
            each_pointer,
            reads,
            id: raw.id,
            severity: raw.severity,
            requirement: raw.requirement,
            message: raw.message,
            source: raw.source,
            quote: raw.quote,
            across: raw.across,
            each,
            pointer: raw.pointer,
            when,
            check,
        })
    }

    /// Checks a rule `across` documents: whether it holds for `doc` beside `other` (the school's
    /// document of the form the rule names), by the engine on `{"doc": …, "other": …}`.
    /// `Err(())` when it cannot be evaluated (a wrong type in either document).
    pub(crate) fn holds_across<'a>(
        &'a self,
        subject: &Subject<'a>,
        other: &'a Value,
    ) -> Result<bool, ()> {
        let arena = subject.arena;
        let doc = *subject.doc_data.get_or_init(|| to_data(subject.doc, arena));
        let fields = arena.alloc_slice_copy(&[("doc", doc), ("other", to_data(other, arena))]);
        let root: &DataValue<'_> = arena.alloc(DataValue::Object(fields));
        let holds =
            |compiled: &Compiled| match subject.engine.evaluate(&compiled.logic, root, arena) {
                Ok(v) => Ok(subject.engine.truthy(v)),
                Err(_) => Err(()),
            };
        if let Some(when) = &self.when
            && !holds(when)?
        {
            return Ok(true);
        }
        match &self.check {
            Check::Logic(logic) => holds(logic),
            Check::Schema(_) | Check::Unique | Check::UniqueWithin(_) | Check::Sequence(_) => {
                Ok(true)
            }
        }
    }

    /// Where a finding of the rule points when it has no `each`.
    pub(crate) fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Checks the rule against the document and appends every place it is broken.
    pub(crate) fn check<'a>(&'a self, subject: &Subject<'a>, out: &mut Vec<Violation>) {
        let view = OnceCell::new();
        let parts_view = OnceCell::new();
        let inline: [Cell<Option<fast_logic::Val<'a>>>; INLINE_SLOTS] =
            std::array::from_fn(|_| Cell::new(None));
        let spilled;
        let remembered = if self.slots <= INLINE_SLOTS {
            &inline[..self.slots]
        } else {
            spilled = fast_logic::memory(self.slots);
            &spilled[..]
        };
        let context = Context {
            view: &view,
            parts_view: &parts_view,
            remembered,
        };
        let Some(path) = &self.each else {
            let target = Target {
                array: "",
                value: subject.doc,
                index: None,
                row: &[],
            };
            self.check_target(subject, &context, &target, out);
            return;
        };
        // One array (no `*` on the path) needs no list of them.
        let single;
        let mut expanded = Vec::new();
        let arrays: &[(Cow<'_, str>, &Vec<Value>)] = match &self.each_pointer {
            Some(at) => match pointer::value_at(subject.doc, path) {
                Some(Value::Array(items)) => {
                    single = [(Cow::Borrowed(at.as_str()), items)];
                    &single
                }
                _ => &[],
            },
            None => {
                expand(subject.doc, path, String::new(), &mut expanded);
                &expanded
            }
        };
        match &self.check {
            Check::Unique => return self.check_unique(arrays, None, out),
            Check::UniqueWithin(within) => return self.check_unique(arrays, Some(within), out),
            Check::Sequence(sequence) => {
                for (array, items) in arrays {
                    for found in sequence.check(items) {
                        out.push(Violation {
                            pointer: format!("{array}/{}{}", found.index, self.pointer),
                            detail: Some(found.detail),
                        });
                    }
                }
                return;
            }
            Check::Logic(_) | Check::Schema(_) => {}
        }
        let mut inline_row = [None; INLINE_ROW_KEYS];
        let mut spilled_row;
        let row = if self.row_keys.len() <= INLINE_ROW_KEYS {
            &mut inline_row[..self.row_keys.len()]
        } else {
            spilled_row = vec![None; self.row_keys.len()];
            &mut spilled_row[..]
        };
        for (array, items) in arrays {
            for (index, value) in items.iter().enumerate() {
                fast_logic::resolve_row(value, &self.row_keys, row);
                let target = Target {
                    array,
                    value,
                    index: Some(index),
                    row,
                };
                self.check_target(subject, &context, &target, out);
            }
        }
    }

    fn check_unique(
        &self,
        arrays: &[(Cow<'_, str>, &Vec<Value>)],
        within: Option<&[String]>,
        out: &mut Vec<Violation>,
    ) {
        for (array, items) in arrays {
            let keys = items.iter().map(|item| {
                let key = unique_key(pointer::value_at(item, &self.pointer_segments))?;
                match within {
                    // The group and the value, joined by a character no one types.
                    // (No group: the value itself, which never holds that character.)
                    Some(group) => match unique_key(pointer::value_at(item, group)) {
                        Some(group) => Some(Cow::Owned(format!("{group}\u{1f}{key}"))),
                        None => Some(key),
                    },
                    None => Some(key),
                }
            });
            for index in unique::repeats(keys) {
                out.push(Violation {
                    pointer: format!("{array}/{index}{}", self.pointer),
                    detail: None,
                });
            }
        }
    }

    /// Evaluates JSON Logic on the fast path when it can, with the engine otherwise.
    /// `Err(())` means the engine could not evaluate it either (a wrong type underneath).
    #[inline]
    fn holds<'a>(
        &'a self,
        compiled: &'a Compiled,
        subject: &Subject<'a>,
        context: &Context<'_, 'a>,
        target: &Target<'_, 'a>,
        scope: &Scope<'_, 'a>,
    ) -> Result<bool, ()> {
        if let Some(fast) = &compiled.fast
            && let Ok(answer) = fast.holds(scope)
        {
            return Ok(answer);
        }
        self.holds_by_engine(compiled, subject, context, target)
    }

    /// [`Rule::holds`] where the fast path declined: the engine on `{doc, item, index}`.
    #[inline(never)]
    fn holds_by_engine<'a>(
        &'a self,
        compiled: &'a Compiled,
        subject: &Subject<'a>,
        context: &Context<'_, 'a>,
        target: &Target<'_, 'a>,
    ) -> Result<bool, ()> {
        let arena = subject.arena;
        let doc = *context
            .view
            .get_or_init(|| subject.doc_view(self.reads.as_deref()));
        let fields: &[(&str, DataValue<'_>)] = match target.index {
            Some(index) => {
                // The element as the engine sees it: the same conversion the whole document
                // view holds at its place.
                let item = to_data(target.value, arena);
                let mut fields = vec![
                    ("doc", doc),
                    ("item", item),
                    ("index", DataValue::from_i64(index as i64)),
                ];
                if let Some(identification) = subject.identification {
                    fields.push((crate::IDENTIFICATION_ROOT, to_data(identification, arena)));
                }
                arena.alloc_slice_copy(&fields)
            }
            None => match subject.identification {
                Some(identification) => arena.alloc_slice_copy(&[
                    ("doc", doc),
                    (crate::IDENTIFICATION_ROOT, to_data(identification, arena)),
                ]),
                None => arena.alloc_slice_copy(&[("doc", doc)]),
            },
        };
        let root: &DataValue<'_> = arena.alloc(DataValue::Object(fields));
        match subject.engine.evaluate(&compiled.logic, root, arena) {
            Ok(v) => Ok(subject.engine.truthy(v)),
            Err(_) => Err(()),
        }
    }

    /// One of the rule's engine parts, evaluated by the engine on `{"doc": …}` (they read
    /// only `doc`), with the document converted only as far as the parts read it.
    #[inline(never)]
    fn evaluate_part<'a>(
        &'a self,
        part: usize,
        subject: &Subject<'a>,
        context: &Context<'_, 'a>,
    ) -> Option<&'a DataValue<'a>> {
        let arena = subject.arena;
        let doc = *context
            .parts_view
            .get_or_init(|| subject.doc_view(self.part_reads.as_deref()));
        let root: &DataValue<'_> =
            arena.alloc(DataValue::Object(arena.alloc_slice_copy(&[("doc", doc)])));
        let logic = self.engine_parts.get(part)?;
        subject.engine.evaluate(logic, root, arena).ok()
    }

    fn check_target<'a>(
        &'a self,
        subject: &Subject<'a>,
        context: &Context<'_, 'a>,
        target: &Target<'_, 'a>,
        out: &mut Vec<Violation>,
    ) {
        let engine = |part: usize| self.evaluate_part(part, subject, context);
        let scope = Scope {
            doc: subject.doc,
            item: target.index.map(|i| (target.value, i)),
            row: target.row,
            remembered: context.remembered,
            engine: Some(&engine),
            local: None,
        };
        if let Some(when) = &self.when {
            match self.holds(when, subject, context, target, &scope) {
                Ok(true) => {}
                Ok(false) => return,
                Err(()) if subject.schema_broken => return,
                Err(()) => {}
            }
        }
        match &self.check {
            Check::Logic(logic) => {
                let passed = match self.holds(logic, subject, context, target, &scope) {
                    Ok(passed) => passed,
                    // A rule that cannot be evaluated on a well-typed document is reported as
                    // broken rather than silently passed: nothing unverified may be submitted.
                    Err(()) => subject.schema_broken,
                };
                if !passed {
                    out.push(Violation {
                        pointer: pointer::join(&target.pointer(), &self.pointer),
                        detail: None,
                    });
                }
            }
            Check::Schema(validator) => {
                let Some(value) = pointer::value_at(target.value, &self.pointer_segments) else {
                    return;
                };
                if validator.is_valid(value) {
                    return;
                }
                let here = pointer::join(&target.pointer(), &self.pointer);
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
                        out.push(Violation {
                            pointer: at,
                            detail: None,
                        });
                    }
                }
            }
            Check::Unique | Check::UniqueWithin(_) | Check::Sequence(_) => {}
        }
    }
}

/// What a `unique` check compares of a row: the value at its pointer, `None` when empty.
fn unique_key(value: Option<&Value>) -> Option<Cow<'_, str>> {
    match value? {
        Value::Null => None,
        // A first byte that is a character and no space: not blank, no need to trim.
        Value::String(s)
            if s.as_bytes()
                .first()
                .is_some_and(|b| b.is_ascii() && !char::from(*b).is_whitespace()) =>
        {
            Some(Cow::Borrowed(s.as_str()))
        }
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// Most rules one table pass checks together.
const TABLE_MEMBERS: usize = 8;
/// Memory slots of one table pass kept on the stack; more use the heap.
const TABLE_SLOTS: usize = 32;

/// The rules of one list checked per row of the same array, planned at load: each such array
/// is walked once, its rows' fields looked up once for all its rules (rather than once per
/// rule), and the findings are then reported rule by rule, in the list's order.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    tables: Vec<Table>,
    /// Per rule of the list: whether a table pass checks it.
    grouped: Vec<bool>,
}

/// Rules checked together per row of one array.
#[derive(Debug)]
struct Table {
    /// The array's path (no `*` on it) and pointer.
    path: Vec<String>,
    pointer: String,
    /// The rules' positions in their list, in order.
    members: Vec<usize>,
    /// The row fields any of them reads, looked up once per row.
    keys: Vec<String>,
    /// Per member: where its own row fields sit in `keys` (`None`: in the same places).
    places: Vec<Option<Vec<usize>>>,
    /// Per `unique` member whose pointer names one field: that field's place in `keys`.
    unique_keys: Vec<Option<usize>>,
}

impl Tables {
    /// Groups the rules of one list by the array they are checked per row of (rules with
    /// JSON Logic or `unique` only; an array checked by one rule alone keeps its own pass).
    pub(crate) fn plan(rules: &[Rule]) -> Tables {
        let mut tables: Vec<Table> = Vec::new();
        for (position, rule) in rules.iter().enumerate() {
            let Some(at) = &rule.each_pointer else {
                continue;
            };
            let own: &[String] = match &rule.check {
                Check::Logic(_) => &rule.row_keys,
                Check::Unique if rule.pointer_segments.len() == 1 => &rule.pointer_segments,
                Check::Unique => &[],
                Check::Schema(_) | Check::UniqueWithin(_) | Check::Sequence(_) => continue,
            };
            if own.len() > INLINE_ROW_KEYS {
                continue;
            }
            let fits = |table: &Table| {
                let added = own.iter().filter(|k| !table.keys.contains(k)).count();
                table.pointer == *at
                    && table.members.len() < TABLE_MEMBERS
                    && table.keys.len() + added <= INLINE_ROW_KEYS
            };
            let table = match tables.iter().position(fits) {
                Some(found) => &mut tables[found],
                None => {
                    tables.push(Table {
                        path: rule.each.clone().unwrap_or_default(),
                        pointer: at.clone(),
                        members: Vec::new(),
                        keys: Vec::new(),
                        places: Vec::new(),
                        unique_keys: Vec::new(),
                    });
                    tables.last_mut().expect("just pushed")
                }
            };
            for key in own {
                if !table.keys.contains(key) {
                    table.keys.push(key.clone());
                }
            }
            let places: Vec<usize> = own
                .iter()
                .map(|key| {
                    table
                        .keys
                        .iter()
                        .position(|k| k == key)
                        .expect("just added")
                })
                .collect();
            if matches!(rule.check, Check::Unique) {
                table.places.push(None);
                table.unique_keys.push(places.first().copied());
            } else {
                let same = places.iter().enumerate().all(|(i, place)| i == *place);
                table.places.push((!same).then_some(places));
                table.unique_keys.push(None);
            }
            table.members.push(position);
        }
        tables.retain(|table| table.members.len() > 1);
        let mut grouped = vec![false; rules.len()];
        for table in &tables {
            for &member in &table.members {
                grouped[member] = true;
            }
        }
        Tables { tables, grouped }
    }

    /// Whether a table pass checks the rule at `position` of the list.
    #[inline]
    pub(crate) fn covers(&self, position: usize) -> bool {
        self.grouped.get(position).copied().unwrap_or(false)
    }

    /// Runs every table pass over `rules` (the list planned), appending what each rule found
    /// with the rule's position; a rule's findings come in the order its own check gives.
    pub(crate) fn check<'a>(
        &'a self,
        rules: &'a [Rule],
        subject: &Subject<'a>,
        out: &mut Vec<(usize, Violation)>,
    ) {
        for table in &self.tables {
            table.check(rules, subject, out);
        }
    }
}

impl Table {
    fn check<'a>(
        &'a self,
        rules: &'a [Rule],
        subject: &Subject<'a>,
        out: &mut Vec<(usize, Violation)>,
    ) {
        let Some(Value::Array(items)) = pointer::value_at(subject.doc, &self.path) else {
            return;
        };
        let members = self.members.len();
        let views: [OnceCell<DataValue<'a>>; TABLE_MEMBERS] =
            std::array::from_fn(|_| OnceCell::new());
        let parts_views: [OnceCell<DataValue<'a>>; TABLE_MEMBERS] =
            std::array::from_fn(|_| OnceCell::new());
        let mut offsets = [0usize; TABLE_MEMBERS + 1];
        for k in 0..TABLE_MEMBERS {
            let slots = self.members.get(k).map_or(0, |&p| rules[p].slots);
            offsets[k + 1] = offsets[k] + slots;
        }
        let total = offsets[members];
        let inline: [Cell<Option<fast_logic::Val<'a>>>; TABLE_SLOTS] =
            std::array::from_fn(|_| Cell::new(None));
        let spilled;
        let memory = if total <= TABLE_SLOTS {
            &inline[..total]
        } else {
            spilled = fast_logic::memory(total);
            &spilled[..]
        };
        let contexts: [Context<'_, 'a>; TABLE_MEMBERS] = std::array::from_fn(|k| Context {
            view: &views[k],
            parts_view: &parts_views[k],
            remembered: &memory[offsets[k]..offsets[k + 1]],
        });
        let mut repeats: [Option<unique::Repeats<'a>>; TABLE_MEMBERS] = std::array::from_fn(|k| {
            let rule = &rules[*self.members.get(k)?];
            matches!(rule.check, Check::Unique).then(|| unique::Repeats::with_capacity(items.len()))
        });
        let mut row = [None; INLINE_ROW_KEYS];
        let row = &mut row[..self.keys.len()];
        let mut own = [None; INLINE_ROW_KEYS];
        let mut found = Vec::new();
        for (index, value) in items.iter().enumerate() {
            fast_logic::resolve_row(value, &self.keys, row);
            for (k, &position) in self.members.iter().enumerate() {
                let rule = &rules[position];
                if let Some(seen) = &mut repeats[k] {
                    let at = match self.unique_keys[k] {
                        Some(place) => row[place],
                        None => pointer::value_at(value, &rule.pointer_segments),
                    };
                    seen.note(index, unique_key(at));
                    continue;
                }
                let fields: &[Option<&'a Value>] = match &self.places[k] {
                    None => &row[..rule.row_keys.len()],
                    Some(places) => {
                        for (field, &place) in own.iter_mut().zip(places) {
                            *field = row[place];
                        }
                        &own[..places.len()]
                    }
                };
                let target = Target {
                    array: &self.pointer,
                    value,
                    index: Some(index),
                    row: fields,
                };
                rule.check_target(subject, &contexts[k], &target, &mut found);
                if !found.is_empty() {
                    out.extend(found.drain(..).map(|violation| (position, violation)));
                }
            }
        }
        for (k, seen) in repeats.iter().enumerate() {
            let Some(seen) = seen else { continue };
            let rule = &rules[self.members[k]];
            for index in &seen.found {
                out.push((
                    self.members[k],
                    Violation {
                        pointer: format!("{}/{index}{}", self.pointer, rule.pointer),
                        detail: None,
                    },
                ));
            }
        }
    }
}

/// Adds the top-level document fields `logic` reads through `{"var": "doc.<field>…"}`; sets
/// `None` when it may read more than that says (the whole `doc`, a computed path, `val`).
fn collect_reads(logic: &Value, reads: &mut Option<Vec<String>>) {
    match logic {
        Value::Object(map) => {
            for (op, args) in map {
                match (op.as_str(), args) {
                    ("val", _) => *reads = None,
                    ("var", Value::String(path)) => note_read(path, reads),
                    ("var", Value::Array(parts)) => match parts.first() {
                        Some(Value::String(path)) => note_read(path, reads),
                        Some(Value::Number(_)) => {}
                        _ => *reads = None,
                    },
                    ("var", Value::Number(_)) => {}
                    ("var", _) => *reads = None,
                    _ => {}
                }
                collect_reads(args, reads);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_reads(item, reads)),
        _ => {}
    }
}

fn note_read(path: &str, reads: &mut Option<Vec<String>>) {
    let mut parts = path.split('.');
    match (parts.next(), parts.next()) {
        (Some("doc"), Some(field)) => {
            if let Some(keys) = reads {
                keys.push(field.to_owned());
            }
        }
        (Some("doc"), None) | (Some(""), None) => *reads = None,
        _ => {}
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

/// Every array under an `each` path, with its pointer; `*` stands for every element of an
/// array on the way.
fn expand<'a>(
    value: &'a Value,
    path: &[String],
    at: String,
    out: &mut Vec<(Cow<'_, str>, &'a Vec<Value>)>,
) {
    let Some((head, rest)) = path.split_first() else {
        if let Value::Array(items) = value {
            out.push((Cow::Owned(at), items));
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
