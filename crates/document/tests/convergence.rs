//! Three replicas of one school programme run random edit scripts offline, then merge in random
//! orders. Whatever happened, they must converge, lose no one's edit and still type-check.
//!
//! Two ways of merging are tried: Automerge's `merge` of whole documents, and the sync protocol
//! replicas and the server speak over `/sync` (automerge's `SyncDoc`, encoded messages, as samod
//! sends them), with connections that drop mid-session at random — the message in flight is
//! lost and both sides start a new session, as a reconnect does.
//!
//! "No edit lost" is made checkable by giving each replica its own alphabet for the text it
//! types: replica `r`'s letters can only be deleted by replica `r` (the others never saw them),
//! so the merged text, filtered to `r`'s letters, must equal `r`'s own final text filtered the
//! same way. Rows carry a unique number; a row a replica inserted and kept must be present after
//! merging, exactly as that replica left it.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use automerge::Automerge;
use automerge::sync::{self, SyncDoc};
use document::{Edit, apply, create, get, to_json};
use forms::Catalogue;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use support::{author, real_catalogue};

const FORM: &str = "school-programme";
const REGION: &str = "lipetsk";
const REPLICAS: usize = 3;
/// Letters each replica types, disjoint from each other and from the base document's texts.
const ALPHABETS: [&str; REPLICAS] = ["abcdefgh", "ijklmnop", "qrstuvwx"];
/// Rows of the action plan in the base document.
const BASE_ROWS: usize = 3;
/// Texts present in the base document that every replica may edit.
const TEXTS: [&str; 3] = [
    "/title",
    "/causes_analysis/internal_causes",
    "/causes_analysis/external_causes",
];

/// Scalar fields every replica may set, with how to make a value for each from a seed.
const SCALARS: [(&str, Kind); 6] = [
    ("/school_profile/pupils", Kind::Integer),
    ("/school_profile/settlement", Kind::Settlement),
    ("/period/end", Kind::Date),
    ("/trained_staff_count", Kind::Integer),
    ("/grant/amount", Kind::Number),
    (
        "/parent_community_plan/communicated_to_parents",
        Kind::Boolean,
    ),
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Integer,
    Number,
    Boolean,
    Date,
    Settlement,
}

impl Kind {
    fn value(self, seed: u32) -> Value {
        match self {
            Kind::Integer => json!(seed % 1000),
            Kind::Number => json!(f64::from(seed % 10_000) / 4.0),
            Kind::Boolean => json!(seed.is_multiple_of(2)),
            Kind::Date => json!(format!("2026-{:02}-{:02}", seed % 12 + 1, seed % 28 + 1)),
            Kind::Settlement => json!(["rural", "urban", "settlement"][seed as usize % 3]),
        }
    }
}

/// One step of a script, in terms independent of the document's state; it is interpreted
/// against the replica's current data when run.
#[derive(Debug, Clone)]
enum Op {
    SetScalar {
        field: usize,
        seed: u32,
    },
    /// Types `text` at a position, one splice per character, in one change.
    Type {
        target: u32,
        position: u32,
        text: Vec<u8>,
    },
    Delete {
        target: u32,
        position: u32,
        count: u8,
    },
    /// Replaces a whole text (by a character diff).
    SetText {
        target: u32,
        text: Vec<u8>,
    },
    InsertRow {
        position: u32,
        text: Vec<u8>,
    },
    RemoveRow {
        row: u32,
    },
    SetRowStart {
        row: u32,
        seed: u32,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let letters = || proptest::collection::vec(0u8..8, 0..5);
    prop_oneof![
        (0..SCALARS.len(), any::<u32>()).prop_map(|(field, seed)| Op::SetScalar { field, seed }),
        (any::<u32>(), any::<u32>(), letters()).prop_map(|(target, position, text)| Op::Type {
            target,
            position,
            text
        }),
        (any::<u32>(), any::<u32>(), 0u8..4).prop_map(|(target, position, count)| Op::Delete {
            target,
            position,
            count
        }),
        (any::<u32>(), letters()).prop_map(|(target, text)| Op::SetText { target, text }),
        (any::<u32>(), letters()).prop_map(|(position, text)| Op::InsertRow { position, text }),
        any::<u32>().prop_map(|row| Op::RemoveRow { row }),
        (any::<u32>(), any::<u32>()).prop_map(|(row, seed)| Op::SetRowStart { row, seed }),
    ]
}

/// What one replica did, for checking the merge.
#[derive(Default)]
struct Record {
    /// Scalar places this replica set: a field pointer, or `row:<number>` for a row's timing.
    touched: BTreeSet<String>,
    /// Base rows (by number) this replica removed.
    removed_base_rows: BTreeSet<String>,
}

struct Replica {
    id: usize,
    doc: Automerge,
    inserted: usize,
    record: Record,
}

impl Replica {
    fn letters(&self, codes: &[u8]) -> String {
        let alphabet = ALPHABETS[self.id].as_bytes();
        codes
            .iter()
            .map(|c| char::from(alphabet[*c as usize]))
            .collect()
    }

    fn run(&mut self, catalogue: &Catalogue, op: &Op) {
        // Reading only the places the op needs keeps the test fast in debug builds.
        let rows = get(&self.doc, "/action_plan")
            .unwrap()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        // Texts this replica may edit: the shared ones, the activity of every row it sees.
        let mut texts: Vec<String> = TEXTS.iter().map(|t| (*t).to_owned()).collect();
        texts.extend((0..rows.len()).map(|i| format!("/action_plan/{i}/activity")));
        let text_at = |pointer: &str| -> usize {
            get(&self.doc, pointer)
                .unwrap()
                .as_ref()
                .and_then(Value::as_str)
                .map_or(0, |s| s.chars().count())
        };
        let edits = match op {
            Op::SetScalar { field, seed } => {
                let (pointer, kind) = SCALARS[*field];
                self.record.touched.insert(pointer.to_owned());
                vec![set(pointer, kind.value(*seed))]
            }
            Op::Type {
                target,
                position,
                text,
            } => {
                let pointer = &texts[*target as usize % texts.len()];
                let at = *position as usize % (text_at(pointer) + 1);
                self.letters(text)
                    .chars()
                    .enumerate()
                    .map(|(i, c)| Edit::Splice {
                        pointer: pointer.clone(),
                        at: at + i,
                        delete: 0,
                        insert: c.to_string(),
                    })
                    .collect()
            }
            Op::Delete {
                target,
                position,
                count,
            } => {
                let pointer = &texts[*target as usize % texts.len()];
                let len = text_at(pointer);
                let at = *position as usize % (len + 1);
                vec![Edit::Splice {
                    pointer: pointer.clone(),
                    at,
                    delete: usize::from(*count).min(len - at),
                    insert: String::new(),
                }]
            }
            Op::SetText { target, text } => {
                let pointer = &texts[*target as usize % texts.len()];
                vec![set(pointer, json!(self.letters(text)))]
            }
            Op::InsertRow { position, text } => {
                let at = *position as usize % (rows.len() + 1);
                let number = format!("r{}-{}", self.id, self.inserted);
                self.inserted += 1;
                vec![Edit::Insert {
                    pointer: format!("/action_plan/{at}"),
                    value: json!({
                        "number": number,
                        "activity": self.letters(text),
                        "direction": "management",
                        "timing": {"at": "2026-01-15"}
                    }),
                }]
            }
            Op::RemoveRow { row } if !rows.is_empty() => {
                let index = *row as usize % rows.len();
                let number = rows[index]["number"].as_str().unwrap().to_owned();
                if number.starts_with("base-") {
                    self.record.removed_base_rows.insert(number);
                }
                vec![Edit::Remove {
                    pointer: format!("/action_plan/{index}"),
                }]
            }
            Op::SetRowStart { row, seed } if !rows.is_empty() => {
                let index = *row as usize % rows.len();
                let number = rows[index]["number"].as_str().unwrap();
                self.record.touched.insert(format!("row:{number}"));
                vec![set(
                    &format!("/action_plan/{index}/timing"),
                    json!({"at": Kind::Date.value(*seed)}),
                )]
            }
            Op::RemoveRow { .. } | Op::SetRowStart { .. } => Vec::new(),
        };
        let who = author(&format!("replica-{}", self.id));
        apply(&mut self.doc, catalogue, &edits, &who, None).unwrap();
    }
}

/// Replicas `from` and `to` (distinct), mutably.
fn pair(replicas: &mut [Replica], from: usize, to: usize) -> (&mut Replica, &mut Replica) {
    let (low, high) = replicas.split_at_mut(from.max(to));
    let (first, second) = (&mut low[from.min(to)], &mut high[0]);
    if from < to {
        (first, second)
    } else {
        (second, first)
    }
}

/// Merges replica `from` into replica `to`.
fn merge(replicas: &mut [Replica], from: usize, to: usize) {
    if from == to {
        return;
    }
    let (source, target) = pair(replicas, from, to);
    target.doc.merge(&mut source.doc).unwrap();
}

/// Synchronises replicas `a` and `b` both ways with the sync protocol, messages encoded and
/// decoded as on the wire. When the `cut`-th message is sent the connection drops: that message
/// is lost and both sides begin a new session with fresh sync states. Ends when neither side
/// has anything more to say.
fn sync_pair(replicas: &mut [Replica], a: usize, b: usize, cut: Option<usize>) {
    if a == b {
        return;
    }
    let (a, b) = pair(replicas, a, b);
    let (mut state_a, mut state_b) = (sync::State::new(), sync::State::new());
    let mut sent = 0;
    loop {
        let from_a = a
            .doc
            .generate_sync_message(&mut state_a)
            .map(sync::Message::encode);
        let from_b = b
            .doc
            .generate_sync_message(&mut state_b)
            .map(sync::Message::encode);
        if from_a.is_none() && from_b.is_none() {
            return;
        }
        for (bytes, to_b) in [(from_a, true), (from_b, false)] {
            let Some(bytes) = bytes else { continue };
            sent += 1;
            assert!(sent < 1000, "the sync protocol does not settle");
            if cut == Some(sent) {
                (state_a, state_b) = (sync::State::new(), sync::State::new());
                break;
            }
            let message = sync::Message::decode(&bytes).unwrap();
            if to_b {
                b.doc.receive_sync_message(&mut state_b, message).unwrap();
            } else {
                a.doc.receive_sync_message(&mut state_a, message).unwrap();
            }
        }
    }
}

fn set(pointer: &str, value: Value) -> Edit {
    Edit::Set {
        pointer: pointer.to_owned(),
        value,
    }
}

/// The Lipetsk example programme, cut to a few plan rows with known numbers and with texts
/// that contain none of the replicas' letters.
fn base_data() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/examples/school-programme.lipetsk.valid.json"
    );
    let mut data: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    for (i, pointer) in TEXTS.iter().enumerate() {
        *data.pointer_mut(pointer).unwrap() = json!(format!("Исходный текст номер {i}"));
    }
    let rows = data["action_plan"].as_array_mut().unwrap();
    rows.truncate(BASE_ROWS);
    for (i, row) in rows.iter_mut().enumerate() {
        row["number"] = json!(format!("base-{i}"));
        row["activity"] = json!(format!("Исходное мероприятие {i}"));
    }
    data
}

fn only(text: &str, alphabet: &str) -> String {
    text.chars().filter(|c| alphabet.contains(*c)).collect()
}

fn rows_by_number(data: &Value) -> BTreeMap<String, Value> {
    data["action_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| (row["number"].as_str().unwrap().to_owned(), row.clone()))
        .collect()
}

/// The value of a scalar place named as in [`Record::touched`], if present.
fn scalar(data: &Value, place: &str) -> Option<Value> {
    match place.strip_prefix("row:") {
        Some(number) => rows_by_number(data)
            .get(number)
            .map(|row| row["timing"].clone()),
        None => data.pointer(place).cloned(),
    }
}

fn check(
    catalogue: &Catalogue,
    base: &Value,
    replicas: &[Replica],
    locals: &[Value],
) -> Result<(), TestCaseError> {
    let merged = to_json(&replicas[0].doc).unwrap();
    for replica in &replicas[1..] {
        prop_assert_eq!(
            &to_json(&replica.doc).unwrap(),
            &merged,
            "replicas converge"
        );
        prop_assert_eq!(replica.doc.get_heads(), replicas[0].doc.get_heads());
    }
    prop_assert!(
        catalogue.check_edit(FORM, "", &merged).is_ok(),
        "the merged document still type-checks"
    );

    let merged_rows = rows_by_number(&merged);
    let removed: BTreeSet<&String> = replicas
        .iter()
        .flat_map(|r| &r.record.removed_base_rows)
        .collect();
    for i in 0..BASE_ROWS {
        let number = format!("base-{i}");
        prop_assert_eq!(
            merged_rows.contains_key(&number),
            !removed.contains(&number),
            "a base row is gone exactly when someone removed it: {}",
            number
        );
    }
    for (replica, local) in replicas.iter().zip(locals) {
        let own = format!("r{}-", replica.id);
        let local_rows = rows_by_number(local);
        for (number, row) in local_rows.iter().filter(|(n, _)| n.starts_with(&own)) {
            prop_assert_eq!(merged_rows.get(number), Some(row), "own row kept as left");
        }
        for number in merged_rows.keys().filter(|n| n.starts_with(&own)) {
            prop_assert!(
                local_rows.contains_key(number),
                "a removed own row stays removed"
            );
        }
        // Texts every replica shares, and the activities of the base rows that survived.
        let alphabet = ALPHABETS[replica.id];
        let mut texts: Vec<(Option<&Value>, Option<&Value>)> = TEXTS
            .iter()
            .map(|p| (merged.pointer(p), local.pointer(p)))
            .collect();
        for (number, row) in &merged_rows {
            if let Some(local_row) = local_rows.get(number) {
                texts.push((row.get("activity"), local_row.get("activity")));
            }
        }
        for (merged_text, local_text) in texts {
            let as_str = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
            prop_assert_eq!(
                only(&as_str(merged_text), alphabet),
                only(&as_str(local_text), alphabet),
                "replica {}'s typing survives the merge",
                replica.id
            );
        }
    }

    // A scalar set by one replica has its value; set by several, one of theirs.
    let places: BTreeSet<&String> = replicas.iter().flat_map(|r| &r.record.touched).collect();
    for place in places {
        let Some(value) = scalar(&merged, place) else {
            continue; // its row was removed
        };
        let candidates: Vec<Value> = replicas
            .iter()
            .zip(locals)
            .filter(|(r, _)| r.record.touched.contains(place))
            .filter_map(|(_, local)| scalar(local, place))
            .collect();
        prop_assert!(
            candidates.contains(&value),
            "{} is {} but was set to one of {:?}",
            place,
            value,
            candidates
        );
    }
    let untouched = SCALARS
        .iter()
        .filter(|(p, _)| !replicas.iter().any(|r| r.record.touched.contains(*p)));
    for (pointer, _) in untouched {
        prop_assert_eq!(merged.pointer(pointer), base.pointer(pointer));
    }
    Ok(())
}

/// How replicas exchange what they did.
#[derive(Clone, Copy)]
enum Transport {
    /// `Automerge::merge` of whole documents.
    Merge,
    /// The sync protocol, with connections dropping mid-session.
    SyncProtocol,
}

#[test]
fn replicas_converge_without_losing_edits() {
    converge(Transport::Merge, 64);
}

/// The same property over the sync protocol: however the sessions interleave and wherever a
/// connection drops, a later session brings both sides to the same state, losing nothing.
#[test]
fn replicas_converge_over_the_sync_protocol_despite_dropped_connections() {
    converge(Transport::SyncProtocol, 32);
}

/// Runs the property with `transport`, `default_cases` times unless `PROPTEST_CASES` says.
fn converge(transport: Transport, default_cases: u32) {
    // The catalogue and the base document are made once; every case forks the base.
    let catalogue = real_catalogue();
    let base = base_data();
    let origin = create(&catalogue, FORM, REGION, &base, &author("origin")).unwrap();
    let inputs = (
        proptest::collection::vec(proptest::collection::vec(op(), 0..16), REPLICAS),
        proptest::collection::vec(
            (0..REPLICAS, 0..REPLICAS, proptest::option::of(1usize..8)),
            0..6,
        ),
        Just((0..REPLICAS).collect::<Vec<_>>()).prop_shuffle(),
    );
    // The defaults keep the debug build under half a minute; PROPTEST_CASES asks for more.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_cases);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        // Failing cases are saved beside this file and re-run first, as with `proptest!`.
        source_file: Some(file!()),
        ..ProptestConfig::default()
    });
    let result = runner.run(&inputs, |(scripts, pairwise, final_order)| {
        let mut replicas: Vec<Replica> = (0..REPLICAS)
            .map(|id| Replica {
                id,
                doc: origin.fork(),
                inserted: 0,
                record: Record::default(),
            })
            .collect();
        for (replica, script) in replicas.iter_mut().zip(&scripts) {
            for op in script {
                replica.run(&catalogue, op);
            }
        }
        let locals: Vec<Value> = replicas.iter().map(|r| to_json(&r.doc).unwrap()).collect();

        let exchange = |replicas: &mut [Replica], from: usize, to: usize, cut: Option<usize>| {
            match transport {
                Transport::Merge => merge(replicas, from, to),
                Transport::SyncProtocol => sync_pair(replicas, from, to, cut),
            }
        };
        for (from, to, cut) in pairwise {
            exchange(&mut replicas, from, to, cut);
        }
        // Full exchange: everything flows into the first replica of a random order (the
        // server), then out, with no connection dropping.
        let hub = final_order[0];
        for &other in &final_order[1..] {
            exchange(&mut replicas, other, hub, None);
        }
        for &other in &final_order[1..] {
            exchange(&mut replicas, hub, other, None);
        }
        check(&catalogue, &base, &replicas, &locals)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
