//! Editing through `document::apply` beside the same operations on raw `automerge`, in the same
//! run, on two traces:
//!
//! - **programme**: filling in a school programme the way a person does, re-typing the four
//!   regional example programmes into one document (twice over, until at least 100,000
//!   operations): sections and scalar fields set, rows appended to tables, every text typed
//!   character by character with occasional typos corrected by backspace. Raw automerge does the
//!   same puts, inserts and `splice_text`s on object ids it keeps in a map by pointer, as a
//!   hand-written client would.
//! - **automerge-paper**: the standard sequential text trace (259,778 single-character edits of
//!   a LaTeX paper) spliced into one narrative field; the final text must equal `endContent`.
//!
//! Both sides commit one change per 100 operations, with a message and a time. The table after
//! criterion's statistics gives the best of several alternating runs of each whole trace and the
//! ratio (target ≤ 1.3).

use std::collections::HashMap;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ObjId, ObjType, Prop, ROOT, ReadDoc, ScalarValue};
use criterion::{BatchSize, Criterion};
use document::{Author, Edit, apply, create, to_json};
use forms::{Catalogue, FieldKind};
use serde_json::{Map, Value, json};

const FORM: &str = "school-programme";
const REGION: &str = "lipetsk";
const EXAMPLE_REGIONS: [&str; 4] = ["lipetsk", "leningrad", "mordovia", "oryol"];
/// The programme trace is at least this long.
const MIN_OPS: usize = 100_000;
/// Operations per change, on both sides.
const BATCH: usize = 100;
/// The narrative field the paper trace is typed into.
const PAPER_FIELD: &str = "/causes_analysis/internal_causes";

fn root_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn author() -> Author {
    Author {
        id: "bench".into(),
        name: "Бенчмарк".into(),
    }
}

/// A value as raw automerge writes it: the client knows which strings are texts.
#[derive(Debug, Clone)]
enum RawValue {
    Map(Vec<(String, RawValue)>),
    List(Vec<RawValue>),
    Text(String),
    Scalar(ScalarValue),
}

/// One operation on raw automerge; objects are named by pointer and looked up in the client's
/// map of object ids.
#[derive(Debug, Clone)]
enum RawOp {
    Splice {
        text: String,
        at: usize,
        delete: isize,
        insert: String,
    },
    Put {
        parent: String,
        key: String,
        value: RawValue,
    },
    Append {
        list: String,
        value: RawValue,
    },
}

/// A trace: the same operations for both sides, and the document they start from.
struct Trace {
    name: &'static str,
    base: Automerge,
    ours: Vec<Edit>,
    raw: Vec<RawOp>,
    expected: Value,
}

/// Builds the programme trace while keeping a JSON model of the document it produces.
struct Filler<'c> {
    catalogue: &'c Catalogue,
    model: Value,
    ours: Vec<Edit>,
    raw: Vec<RawOp>,
    /// A tiny linear congruential generator: the trace is the same on every run.
    seed: u64,
}

impl Filler<'_> {
    fn random(&mut self, below: u64) -> u64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.seed >> 33) % below
    }

    fn is_text(&self, pointer: &str) -> bool {
        matches!(
            self.catalogue.field_kind(FORM, pointer).unwrap(),
            Some(FieldKind::Text | FieldKind::Narrative) | None
        )
    }

    /// `value` with its texts emptied and its tables and lists emptied: what is created before
    /// typing.
    fn skeleton(&self, pointer: &str, value: &Value) -> (Value, RawValue) {
        match value {
            Value::Object(map) => {
                let (mut ours, mut raw) = (Map::new(), Vec::new());
                for (key, child) in map {
                    let (o, r) = self.skeleton(&format!("{pointer}/{key}"), child);
                    ours.insert(key.clone(), o);
                    raw.push((key.clone(), r));
                }
                (Value::Object(ours), RawValue::Map(raw))
            }
            Value::Array(_) => (json!([]), RawValue::List(Vec::new())),
            Value::String(_) if self.is_text(pointer) => (json!(""), RawValue::Text(String::new())),
            scalar => (scalar.clone(), RawValue::Scalar(to_scalar(scalar))),
        }
    }

    /// Fills the place `pointer` (inside the existing `parent` with key `key`) with `value`.
    fn fill(&mut self, parent: &str, key: &str, value: &Value) {
        let pointer = format!("{parent}/{key}");
        if self.model.pointer(&pointer).is_none() {
            let (ours, raw) = self.skeleton(&pointer, value);
            self.model.pointer_mut(parent).unwrap()[key] = ours.clone();
            self.ours.push(Edit::Set {
                pointer: pointer.clone(),
                value: ours,
            });
            self.raw.push(RawOp::Put {
                parent: parent.to_owned(),
                key: key.to_owned(),
                value: raw,
            });
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    self.fill(&pointer, k, v);
                }
            }
            Value::Array(items) => {
                for item in items {
                    let index = self
                        .model
                        .pointer(&pointer)
                        .unwrap()
                        .as_array()
                        .unwrap()
                        .len();
                    let item_pointer = format!("{pointer}/{index}");
                    let (ours, raw) = self.skeleton(&item_pointer, item);
                    self.model
                        .pointer_mut(&pointer)
                        .unwrap()
                        .as_array_mut()
                        .unwrap()
                        .push(ours.clone());
                    self.ours.push(Edit::Insert {
                        pointer: format!("{pointer}/-"),
                        value: ours,
                    });
                    self.raw.push(RawOp::Append {
                        list: pointer.clone(),
                        value: raw,
                    });
                    self.fill_in_place(&item_pointer, item);
                }
            }
            Value::String(text) if self.is_text(&pointer) => self.type_text(&pointer, text),
            scalar => {
                if self.model.pointer(&pointer) != Some(scalar) {
                    *self.model.pointer_mut(&pointer).unwrap() = scalar.clone();
                    self.ours.push(Edit::Set {
                        pointer: pointer.clone(),
                        value: scalar.clone(),
                    });
                    self.raw.push(RawOp::Put {
                        parent: parent.to_owned(),
                        key: key.to_owned(),
                        value: RawValue::Scalar(to_scalar(scalar)),
                    });
                }
            }
        }
    }

    /// Fills a freshly inserted element whose skeleton is already in place.
    fn fill_in_place(&mut self, pointer: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    self.fill(pointer, k, v);
                }
            }
            Value::String(text) if self.is_text(pointer) => self.type_text(pointer, text),
            _ => {}
        }
    }

    /// Types `text` at the end of the text at `pointer` (after a space if it is not empty),
    /// with a typo corrected by backspace now and then.
    fn type_text(&mut self, pointer: &str, text: &str) {
        let current = self
            .model
            .pointer(pointer)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        let typed = if current.is_empty() {
            text.to_owned()
        } else {
            format!(" {text}")
        };
        for (len, c) in (current.chars().count()..).zip(typed.chars()) {
            if self.random(40) == 0 {
                self.splice(pointer, len, 0, "ж");
                self.splice(pointer, len, 1, "");
            }
            self.splice(pointer, len, 0, c.encode_utf8(&mut [0; 4]));
        }
        *self.model.pointer_mut(pointer).unwrap() = json!(format!("{current}{typed}"));
    }

    fn splice(&mut self, pointer: &str, at: usize, delete: usize, insert: &str) {
        self.ours.push(Edit::Splice {
            pointer: pointer.to_owned(),
            at,
            delete,
            insert: insert.to_owned(),
        });
        self.raw.push(RawOp::Splice {
            text: pointer.to_owned(),
            at,
            delete: delete as isize,
            insert: insert.to_owned(),
        });
    }
}

fn to_scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => n
            .as_i64()
            .map(ScalarValue::Int)
            .unwrap_or_else(|| ScalarValue::F64(n.as_f64().unwrap())),
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        _ => ScalarValue::Null,
    }
}

fn programme_trace(catalogue: &Catalogue) -> Trace {
    let examples: Vec<Value> = EXAMPLE_REGIONS
        .iter()
        .map(|region| {
            let path = root_dir().join(format!("forms/examples/{FORM}.{region}.valid.json"));
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
        })
        .collect();
    let mut filler = Filler {
        catalogue,
        model: json!({}),
        ours: Vec::new(),
        raw: Vec::new(),
        seed: 7,
    };
    while filler.ours.len() < MIN_OPS {
        for example in &examples {
            for (key, value) in example.as_object().unwrap() {
                filler.fill("", key, value);
            }
        }
    }
    assert_eq!(filler.ours.len(), filler.raw.len());
    Trace {
        name: "programme",
        base: create(catalogue, FORM, REGION, &json!({}), &author()).unwrap(),
        ours: filler.ours,
        raw: filler.raw,
        expected: filler.model,
    }
}

fn paper_trace(catalogue: &Catalogue) -> Trace {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/traces/automerge-paper.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let trace: Value = serde_json::from_str(&text).unwrap();
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for txn in trace["txns"].as_array().unwrap() {
        for patch in txn["patches"].as_array().unwrap() {
            let at = patch[0].as_u64().unwrap() as usize;
            let delete = patch[1].as_u64().unwrap() as usize;
            let insert = patch[2].as_str().unwrap().to_owned();
            ours.push(Edit::Splice {
                pointer: PAPER_FIELD.to_owned(),
                at,
                delete,
                insert: insert.clone(),
            });
            raw.push(RawOp::Splice {
                text: PAPER_FIELD.to_owned(),
                at,
                delete: delete as isize,
                insert,
            });
        }
    }
    let start = trace["startContent"].as_str().unwrap();
    let end = trace["endContent"].as_str().unwrap();
    let base_data = json!({"causes_analysis": {"internal_causes": start}});
    Trace {
        name: "automerge-paper",
        base: create(catalogue, FORM, REGION, &base_data, &author()).unwrap(),
        ours,
        raw,
        expected: json!({"causes_analysis": {"internal_causes": end}}),
    }
}

fn run_ours(doc: &mut Automerge, catalogue: &Catalogue, edits: &[Edit]) {
    let author = author();
    for batch in edits.chunks(BATCH) {
        apply(doc, catalogue, batch, &author, None).unwrap();
    }
}

/// Object ids by pointer, as a raw client would keep them.
type Ids = HashMap<String, ObjId>;

/// The ids of every map, list and text of the document's data.
fn collect_ids(doc: &Automerge) -> Ids {
    fn walk(doc: &Automerge, obj: ObjId, pointer: String, ids: &mut Ids) {
        match doc.object_type(&obj).unwrap() {
            ObjType::Map | ObjType::Table => {
                for item in doc.map_range(&obj, ..) {
                    if let automerge::ValueRef::Object(_) = item.value {
                        walk(doc, item.id(), format!("{pointer}/{}", item.key), ids);
                    }
                }
            }
            ObjType::List => {
                for item in doc.list_range(&obj, ..) {
                    if let automerge::ValueRef::Object(_) = item.value {
                        walk(doc, item.id(), format!("{pointer}/{}", item.index), ids);
                    }
                }
            }
            ObjType::Text => {}
        }
        ids.insert(pointer, obj);
    }
    let mut ids = Ids::new();
    let (_, data) = doc.get(ROOT, "data").unwrap().unwrap();
    walk(doc, data, String::new(), &mut ids);
    ids
}

fn raw_write(
    tx: &mut Transaction<'_>,
    ids: &mut Ids,
    parent: &ObjId,
    prop: Prop,
    insert: bool,
    pointer: String,
    value: &RawValue,
) {
    let object = |tx: &mut Transaction<'_>, ty| match (&prop, insert) {
        (Prop::Seq(i), true) => tx.insert_object(parent, *i, ty).unwrap(),
        _ => tx.put_object(parent, prop.clone(), ty).unwrap(),
    };
    match value {
        RawValue::Scalar(s) => match (&prop, insert) {
            (Prop::Seq(i), true) => tx.insert(parent, *i, s.clone()).unwrap(),
            _ => tx.put(parent, prop.clone(), s.clone()).unwrap(),
        },
        RawValue::Text(text) => {
            let obj = object(tx, ObjType::Text);
            tx.splice_text(&obj, 0, 0, text).unwrap();
            ids.insert(pointer, obj);
        }
        RawValue::Map(entries) => {
            let obj = object(tx, ObjType::Map);
            for (key, child) in entries {
                let child_pointer = format!("{pointer}/{key}");
                raw_write(
                    tx,
                    ids,
                    &obj,
                    Prop::Map(key.clone()),
                    false,
                    child_pointer,
                    child,
                );
            }
            ids.insert(pointer, obj);
        }
        RawValue::List(items) => {
            let obj = object(tx, ObjType::List);
            for (i, child) in items.iter().enumerate() {
                raw_write(
                    tx,
                    ids,
                    &obj,
                    Prop::Seq(i),
                    true,
                    format!("{pointer}/{i}"),
                    child,
                );
            }
            ids.insert(pointer, obj);
        }
    }
}

fn run_raw(doc: &mut Automerge, ids: &mut Ids, ops: &[RawOp]) {
    let message = r#"{"author_id":"bench","author":"Бенчмарк","message":null}"#;
    for batch in ops.chunks(BATCH) {
        let mut tx = doc.transaction();
        for op in batch {
            match op {
                RawOp::Splice {
                    text,
                    at,
                    delete,
                    insert,
                } => tx.splice_text(&ids[text], *at, *delete, insert).unwrap(),
                RawOp::Put { parent, key, value } => {
                    let parent_id = ids[parent].clone();
                    let pointer = format!("{parent}/{key}");
                    raw_write(
                        &mut tx,
                        ids,
                        &parent_id,
                        Prop::Map(key.clone()),
                        false,
                        pointer,
                        value,
                    );
                }
                RawOp::Append { list, value } => {
                    let list_id = ids[list].clone();
                    let index = tx.length(&list_id);
                    let pointer = format!("{list}/{index}");
                    raw_write(
                        &mut tx,
                        ids,
                        &list_id,
                        Prop::Seq(index),
                        true,
                        pointer,
                        value,
                    );
                }
            }
        }
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        tx.commit_with(
            CommitOptions::default()
                .with_message(message)
                .with_time(time),
        );
    }
}

/// Wall time of one run of `f` on a fresh fork of `base`.
fn time(base: &Automerge, f: impl FnOnce(&mut Automerge)) -> Duration {
    let mut doc = base.fork();
    let start = Instant::now();
    f(&mut doc);
    let elapsed = start.elapsed();
    black_box(doc);
    elapsed
}

fn main() {
    let catalogue = Catalogue::load(root_dir().join("forms")).expect("forms/ loads");
    let traces = [programme_trace(&catalogue), paper_trace(&catalogue)];

    // Both sides must build the same document.
    for trace in &traces {
        let mut ours = trace.base.fork();
        run_ours(&mut ours, &catalogue, &trace.ours);
        let mut raw = trace.base.fork();
        run_raw(&mut raw, &mut collect_ids(&trace.base), &trace.raw);
        let (ours, raw) = (to_json(&ours).unwrap(), to_json(&raw).unwrap());
        assert!(
            ours == trace.expected,
            "{}: apply built another document",
            trace.name
        );
        assert!(
            raw == trace.expected,
            "{}: raw automerge built another document",
            trace.name
        );
    }

    let quick = std::env::args().any(|a| a == "--test");
    let mut criterion = Criterion::default().sample_size(10).configure_from_args();
    let mut group = criterion.benchmark_group("editing");
    group.measurement_time(Duration::from_secs(20));
    for trace in &traces {
        group.bench_function(format!("document_apply/{}", trace.name), |b| {
            b.iter_batched(
                || trace.base.fork(),
                |mut doc| run_ours(&mut doc, &catalogue, &trace.ours),
                BatchSize::PerIteration,
            )
        });
        let ids = collect_ids(&trace.base);
        group.bench_function(format!("raw_automerge/{}", trace.name), |b| {
            b.iter_batched(
                || (trace.base.fork(), ids.clone()),
                |(mut doc, mut ids)| run_raw(&mut doc, &mut ids, &trace.raw),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
    criterion.final_summary();

    let runs = if quick { 1 } else { 5 };
    println!("\nWhole traces, best of {runs} runs, one change per {BATCH} operations:");
    println!("| trace | operations | document::apply | raw automerge | ratio | µs per op (ours) |");
    println!("|---|---|---|---|---|---|");
    for trace in &traces {
        let ids = collect_ids(&trace.base);
        // Runs alternate between the two sides so that a busy machine slows both alike.
        let (mut ours, mut raw) = (Duration::MAX, Duration::MAX);
        for _ in 0..runs {
            ours = ours.min(time(&trace.base, |doc| {
                run_ours(doc, &catalogue, &trace.ours)
            }));
            raw = raw.min(time(&trace.base, |doc| {
                run_raw(doc, &mut ids.clone(), &trace.raw)
            }));
        }
        println!(
            "| {} | {} | {:.3} s | {:.3} s | {:.2} | {:.2} |",
            trace.name,
            trace.ours.len(),
            ours.as_secs_f64(),
            raw.as_secs_f64(),
            ours.as_secs_f64() / raw.as_secs_f64(),
            ours.as_secs_f64() * 1e6 / trace.ours.len() as f64
        );
    }
}
