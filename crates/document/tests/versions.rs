//! Versions of a document: importing whole files as minimal edits, history, reading earlier
//! versions and the differences between them.

mod support;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use document::{
    ChangeKind, DocError, Edit, FieldChange, apply, create, diff, format_heads, history, import,
    parse_heads, to_json, to_json_at,
};
use serde_json::{Value, json};
use support::{FORM, REGION, author, catalogue, sample};

fn sample_doc() -> Automerge {
    create(&catalogue(), FORM, REGION, &sample(), &author("Анна")).unwrap()
}

/// The object id of row `i` of the action plan.
fn row_id(doc: &Automerge, i: usize) -> automerge::ObjId {
    let (_, data) = doc.get(ROOT, "data").unwrap().unwrap();
    let (_, plan) = doc.get(&data, "action_plan").unwrap().unwrap();
    doc.get(&plan, i).unwrap().unwrap().1
}

#[test]
fn importing_the_same_data_changes_nothing() {
    let mut doc = sample_doc();
    let summary = import(&mut doc, &catalogue(), &sample(), &author("Анна"), None).unwrap();
    assert_eq!(summary.changed, 0);
    assert_eq!(summary.hash, None);
    assert_eq!(doc.get_changes(&[]).len(), 1);
}

#[test]
fn import_writes_only_the_differences_and_rows_keep_their_identity() {
    let mut doc = sample_doc();
    let second_row = row_id(&doc, 1);
    let mut new = sample();
    new["action_plan"][1]["hours"] = json!(10);
    new["analysis"] = json!("Школа работает в сложных, но понятных условиях.");
    new["school"]
        .as_object_mut()
        .unwrap()
        .remove("municipality");
    let summary = import(
        &mut doc,
        &catalogue(),
        &new,
        &author("Анна"),
        Some("из файла"),
    )
    .unwrap();
    assert_eq!(summary.changed, 3);
    assert!(summary.hash.is_some());
    assert_eq!(filled(&to_json(&doc).unwrap()), filled(&new));
    assert_eq!(
        row_id(&doc, 1),
        second_row,
        "an edited row is updated in place"
    );
}

#[test]
fn import_inserts_and_removes_rows_around_unchanged_ones() {
    let mut doc = sample_doc();
    let (first, second) = (row_id(&doc, 0), row_id(&doc, 1));
    let mut new = sample();
    let plan = new["action_plan"].as_array_mut().unwrap();
    plan.insert(0, json!({"activity": "Новое первое"}));
    plan.insert(2, json!({"activity": "Между", "hours": 2}));
    import(&mut doc, &catalogue(), &new, &author("Анна"), None).unwrap();
    assert_eq!(filled(&to_json(&doc).unwrap()), filled(&new));
    assert_eq!(row_id(&doc, 1), first);
    assert_eq!(row_id(&doc, 3), second);

    // Removing the first row while editing the second keeps the second row's identity.
    let mut newer = new.clone();
    let plan = newer["action_plan"].as_array_mut().unwrap();
    plan.remove(1);
    plan[1]["activity"] = json!("Между, исправлено");
    let between = row_id(&doc, 2);
    let summary = import(&mut doc, &catalogue(), &newer, &author("Анна"), None).unwrap();
    assert_eq!(summary.changed, 2);
    assert_eq!(filled(&to_json(&doc).unwrap()), filled(&newer));
    assert_eq!(row_id(&doc, 1), between);
}

#[test]
fn import_refuses_data_of_the_wrong_kind_and_changes_nothing() {
    let mut doc = sample_doc();
    let heads = doc.get_heads();
    let mut bad = sample();
    bad["action_plan"][0]["hours"] = json!("двенадцать");
    bad["title"] = json!("Изменено");
    assert!(matches!(
        import(&mut doc, &catalogue(), &bad, &author("Анна"), None),
        Err(DocError::Refused(_))
    ));
    assert!(import(&mut doc, &catalogue(), &Value::Null, &author("Анна"), None).is_err());
    assert_eq!(doc.get_heads(), heads);
    assert_eq!(filled(&to_json(&doc).unwrap()), filled(&sample()));
}

#[test]
fn history_names_authors_and_messages_in_causal_order() {
    let mut doc = sample_doc();
    let edits = [Edit::Set {
        pointer: "/pupils".into(),
        value: json!(400),
    }];
    apply(
        &mut doc,
        &catalogue(),
        &edits,
        &author("Борис"),
        Some("уточнил \"число\""),
    )
    .unwrap();
    let entries = history(&doc);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].author.as_deref(), Some("Анна"));
    assert_eq!(entries[0].author_id.as_deref(), Some("id-Анна"));
    assert_eq!(entries[0].message, None);
    assert!(entries[0].deps.is_empty());
    assert_eq!(entries[1].author.as_deref(), Some("Борис"));
    assert_eq!(entries[1].message.as_deref(), Some("уточнил \"число\""));
    assert_eq!(entries[1].deps, vec![entries[0].hash]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (now - entries[1].time).abs() < 600,
        "times are unix seconds"
    );
}

#[test]
fn history_shows_foreign_messages_as_they_are() {
    let mut doc = sample_doc();
    let mut tx = doc.transaction();
    tx.put(ROOT, "note", "from a browser").unwrap();
    tx.commit_with(CommitOptions::default().with_message("Edited in the web app"));
    let last = history(&doc).pop().unwrap();
    assert_eq!(last.author, None);
    assert_eq!(last.author_id, None);
    assert_eq!(last.message.as_deref(), Some("Edited in the web app"));
}

#[test]
fn history_of_merged_replicas_follows_dependencies() {
    let mut a = sample_doc();
    let mut b = a.fork();
    let set = |pointer: &str, value: Value| Edit::Set {
        pointer: pointer.into(),
        value,
    };
    apply(
        &mut a,
        &catalogue(),
        &[set("/pupils", json!(1))],
        &author("А"),
        None,
    )
    .unwrap();
    apply(
        &mut b,
        &catalogue(),
        &[set("/budget", json!(2))],
        &author("Б"),
        None,
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    apply(
        &mut a,
        &catalogue(),
        &[set("/approved", json!(true))],
        &author("А"),
        None,
    )
    .unwrap();
    let entries = history(&a);
    assert_eq!(entries.len(), 4);
    let position = |h: &ChangeHash| entries.iter().position(|e| e.hash == *h).unwrap();
    for (i, entry) in entries.iter().enumerate() {
        for dep in &entry.deps {
            assert!(position(dep) < i, "a change comes after what it depends on");
        }
    }
    assert_eq!(entries[3].deps.len(), 2);
}

#[test]
fn earlier_versions_read_as_they_were() {
    let mut doc = sample_doc();
    let created = doc.get_heads();
    let edits = [Edit::Splice {
        pointer: "/analysis".into(),
        at: 0,
        delete: 5,
        insert: "Наша школа".into(),
    }];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    assert_eq!(
        filled(&to_json_at(&doc, &created).unwrap()),
        filled(&sample())
    );
    assert_eq!(to_json_at(&doc, &[]).unwrap(), json!({}));
    assert_eq!(
        to_json_at(&doc, &doc.get_heads()).unwrap(),
        to_json(&doc).unwrap()
    );
    let unknown = ChangeHash([7; 32]);
    assert!(matches!(
        to_json_at(&doc, &[unknown]),
        Err(DocError::UnknownHeads { .. })
    ));
}

#[test]
fn heads_round_trip_through_text() {
    let mut doc = sample_doc();
    let mut other = doc.fork();
    apply(
        &mut other,
        &catalogue(),
        &[Edit::Set {
            pointer: "/pupils".into(),
            value: json!(3),
        }],
        &author("Б"),
        None,
    )
    .unwrap();
    apply(
        &mut doc,
        &catalogue(),
        &[Edit::Set {
            pointer: "/budget".into(),
            value: json!(3),
        }],
        &author("А"),
        None,
    )
    .unwrap();
    doc.merge(&mut other).unwrap();
    let heads = doc.get_heads();
    assert_eq!(heads.len(), 2);
    let text = format_heads(&heads);
    assert_eq!(text.matches(',').count(), 1);
    assert_eq!(parse_heads(&text).unwrap(), heads);
    assert_eq!(parse_heads(&text.replace(',', " , ")).unwrap(), heads);
    assert_eq!(parse_heads("").unwrap(), vec![]);
    assert!(matches!(parse_heads("abc"), Err(DocError::BadHeads { .. })));
    assert!(matches!(
        parse_heads(&format!("{text},")),
        Err(DocError::BadHeads { .. })
    ));
}

#[test]
fn diff_reports_changed_fields_and_rows_by_identity() {
    let mut doc = sample_doc();
    let before = doc.get_heads();
    let edits = [
        Edit::Insert {
            pointer: "/action_plan/0".into(),
            value: json!({"activity": "Новое"}),
        },
        Edit::Set {
            pointer: "/action_plan/2/hours".into(),
            value: json!(7),
        },
        Edit::Remove {
            pointer: "/goals/0".into(),
        },
        Edit::Splice {
            pointer: "/analysis".into(),
            at: 0,
            delete: 0,
            insert: "Итак, ".into(),
        },
        Edit::Set {
            pointer: "/school/inn".into(),
            value: json!("4807004178"),
        },
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let changes = diff(&doc, &before, &doc.get_heads()).unwrap();
    let change = |pointer: &str, kind, old: Option<Value>, new: Option<Value>| FieldChange {
        pointer: pointer.into(),
        kind,
        old,
        new,
    };
    assert_eq!(
        changes,
        vec![
            change(
                "/action_plan/0",
                ChangeKind::Added,
                None,
                Some(json!({"activity": "Новое"}))
            ),
            change(
                "/action_plan/2/hours",
                ChangeKind::Changed,
                Some(json!(6)),
                Some(json!(7))
            ),
            change(
                "/analysis",
                ChangeKind::Changed,
                Some(json!("Школа работает в сложных условиях.")),
                Some(json!("Итак, Школа работает в сложных условиях."))
            ),
            change(
                "/goals/0",
                ChangeKind::Removed,
                Some(json!("Повысить качество обучения")),
                None
            ),
            change(
                "/school/inn",
                ChangeKind::Added,
                None,
                Some(json!("4807004178"))
            ),
        ]
    );
    assert!(
        diff(&doc, &doc.get_heads(), &doc.get_heads())
            .unwrap()
            .is_empty()
    );
    let from_start = diff(&doc, &[], &before).unwrap();
    assert!(from_start.iter().all(|c| c.kind == ChangeKind::Added));
    assert_eq!(from_start.len(), sample().as_object().unwrap().len());
}

/// The data as a person filled it: what is empty is not filled.
fn filled(data: &Value) -> Value {
    forms::without_empty(data)
}
