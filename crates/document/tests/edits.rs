//! Creating, reading and editing documents by pointer; every refusal leaves the document as it
//! was.

mod support;

use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use document::{DocError, Edit, Meta, PointerProblem, apply, create, get, meta, to_json};
use forms::EditError;
use serde_json::{Value, json};
use support::{FORM, REGION, author, catalogue, sample};

fn set(pointer: &str, value: Value) -> Edit {
    Edit::Set {
        pointer: pointer.to_owned(),
        value,
    }
}

fn splice(pointer: &str, at: usize, delete: usize, insert: &str) -> Edit {
    Edit::Splice {
        pointer: pointer.to_owned(),
        at,
        delete,
        insert: insert.to_owned(),
    }
}

/// The data as a person filled it: what is empty is not filled.
fn filled(data: &Value) -> Value {
    forms::without_empty(data)
}

fn sample_doc() -> Automerge {
    create(&catalogue(), FORM, REGION, &sample(), &author("Анна")).unwrap()
}

/// Applies `edits`, expecting a refusal that leaves the document untouched.
fn refused(doc: &mut Automerge, edits: &[Edit]) -> DocError {
    let (heads, before) = (doc.get_heads(), to_json(doc).unwrap());
    let err = apply(doc, &catalogue(), edits, &author("Анна"), None).unwrap_err();
    assert_eq!(doc.get_heads(), heads, "a refused edit records no change");
    assert_eq!(
        to_json(doc).unwrap(),
        before,
        "a refused edit changes nothing"
    );
    err
}

/// The automerge object type at a path of `data`.
fn object_type(doc: &Automerge, path: &[&str]) -> Option<ObjType> {
    let (_, mut obj) = doc.get(ROOT, "data").unwrap().unwrap();
    let mut value = None;
    for key in path {
        let (v, id) = match key.parse::<usize>() {
            Ok(i) => doc.get(&obj, i).unwrap().unwrap(),
            Err(_) => doc.get(&obj, *key).unwrap().unwrap(),
        };
        value = Some(v.clone());
        obj = id;
    }
    match value? {
        automerge::Value::Object(ty) => Some(ty),
        automerge::Value::Scalar(_) => None,
    }
}

#[test]
fn created_document_reads_back_its_data_and_meta() {
    let doc = sample_doc();
    assert_eq!(filled(&to_json(&doc).unwrap()), filled(&sample()));
    assert_eq!(
        meta(&doc).unwrap(),
        Meta {
            form: FORM.into(),
            form_version: "1.2.0".into(),
            region: REGION.into(),
            municipality: None,
        }
    );
    assert_eq!(doc.get_changes(&[]).len(), 1, "creation is one change");
}

#[test]
fn empty_document_is_an_empty_object() {
    let doc = create(&catalogue(), FORM, REGION, &json!({}), &author("Анна")).unwrap();
    assert_eq!(filled(&to_json(&doc).unwrap()), json!({}));
    // Sections, tables and texts exist from the start, so that two people filling the same
    // one offline both write into the same object.
    let data = to_json(&doc).unwrap();
    assert_eq!(data["school"]["director"]["full_name"], "");
    assert_eq!(data["action_plan"], json!([]));
}

#[test]
fn texts_people_write_are_text_objects_and_codes_and_dates_are_scalars() {
    let doc = sample_doc();
    assert_eq!(object_type(&doc, &["title"]), Some(ObjType::Text));
    assert_eq!(object_type(&doc, &["analysis"]), Some(ObjType::Text));
    assert_eq!(
        object_type(&doc, &["school", "director", "full_name"]),
        Some(ObjType::Text)
    );
    assert_eq!(object_type(&doc, &["goals", "0"]), Some(ObjType::Text));
    assert_eq!(
        object_type(&doc, &["action_plan", "1", "description"]),
        Some(ObjType::Text)
    );
    assert_eq!(object_type(&doc, &["start"]), None);
    assert_eq!(object_type(&doc, &["status"]), None);
    assert_eq!(object_type(&doc, &["directions", "0"]), None);
    assert_eq!(object_type(&doc, &["action_plan", "0", "start"]), None);
    assert_eq!(object_type(&doc, &["action_plan"]), Some(ObjType::List));
    assert_eq!(object_type(&doc, &["action_plan", "0"]), Some(ObjType::Map));
}

#[test]
fn create_refuses_data_of_the_wrong_kind_and_unknown_forms_and_regions() {
    let catalogue = catalogue();
    let err = create(
        &catalogue,
        FORM,
        REGION,
        &json!({"goals": "одна"}),
        &author("А"),
    )
    .unwrap_err();
    assert!(
        matches!(err, DocError::Refused(EditError::WrongKind { .. })),
        "{err}"
    );
    assert_eq!(
        err.message_ru(),
        "/goals: здесь должно быть «список: текст», а указано: текст"
    );
    assert!(matches!(
        create(&catalogue, "nope", REGION, &json!({}), &author("А")),
        Err(DocError::Lookup(_))
    ));
    assert!(matches!(
        create(&catalogue, FORM, "south", &json!({}), &author("А")),
        Err(DocError::Lookup(_))
    ));
}

#[test]
fn set_creates_missing_sections_as_the_schema_describes_them() {
    let mut doc = create(&catalogue(), FORM, REGION, &json!({}), &author("Анна")).unwrap();
    let edits = [set("/school/director/full_name", json!("Пахомова И. Н."))];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    assert_eq!(
        filled(&to_json(&doc).unwrap()),
        json!({"school": {"director": {"full_name": "Пахомова И. Н."}}})
    );
    assert_eq!(
        object_type(&doc, &["school", "director", "full_name"]),
        Some(ObjType::Text)
    );
}

#[test]
fn setting_a_text_updates_the_same_text_object() {
    let mut doc = sample_doc();
    let (_, data) = doc.get(ROOT, "data").unwrap().unwrap();
    let (_, before) = doc.get(&data, "analysis").unwrap().unwrap();
    let edits = [set(
        "/analysis",
        json!("Школа работает в очень сложных условиях."),
    )];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let (_, after) = doc.get(&data, "analysis").unwrap().unwrap();
    assert_eq!(
        before, after,
        "the text keeps its identity, so it stays mergeable"
    );
    assert_eq!(
        get(&doc, "/analysis").unwrap(),
        Some(json!("Школа работает в очень сложных условиях."))
    );
}

#[test]
fn set_writes_scalars_sections_and_rows() {
    let mut doc = sample_doc();
    let edits = [
        set("/pupils", json!(415)),
        set("/budget", json!(99.5)),
        set("/approved", json!(true)),
        set("/status", json!("final")),
        set("/start", Value::Null),
        set("/action_plan/1/hours", json!(8)),
        set("/action_plan/0", json!({"activity": "Аудит"})),
        set("/directions", json!(["parents"])),
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let data = to_json(&doc).unwrap();
    assert_eq!(data["pupils"], json!(415));
    assert_eq!(data["budget"], json!(99.5));
    assert_eq!(data["approved"], json!(true));
    assert_eq!(data["status"], json!("final"));
    assert_eq!(data["start"], Value::Null);
    assert_eq!(data["action_plan"][1]["hours"], json!(8));
    assert_eq!(data["action_plan"][0], json!({"activity": "Аудит"}));
    assert_eq!(data["directions"], json!(["parents"]));
}

#[test]
fn set_of_the_whole_data_replaces_it() {
    let mut doc = sample_doc();
    let edits = [set("", json!({"title": "Новая"}))];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let data = to_json(&doc).unwrap();
    assert_eq!(filled(&data), json!({"title": "Новая"}));
    // The form's containers stay, empty, so later concurrent first edits inside them merge.
    assert_eq!(data["action_plan"], json!([]));
    assert_eq!(data["school"]["director"]["full_name"], json!(""));
}

#[test]
fn unknown_fields_and_wrong_kinds_are_refused() {
    let mut doc = sample_doc();
    let err = refused(&mut doc, &[set("/nickname", json!("x"))]);
    assert!(matches!(
        err,
        DocError::Refused(EditError::UnknownField { .. })
    ));
    assert_eq!(err.message_ru(), "в форме нет поля /nickname");

    let err = refused(&mut doc, &[set("/goals", json!("одна цель"))]);
    assert_eq!(
        err.message_ru(),
        "/goals: здесь должно быть «список: текст», а указано: текст"
    );
    let err = refused(&mut doc, &[set("/action_plan/0/hours", json!("много"))]);
    assert!(matches!(
        err,
        DocError::Refused(EditError::WrongKind { .. })
    ));
}

#[test]
fn malformed_pointers_are_refused() {
    let mut doc = sample_doc();
    let err = refused(&mut doc, &[set("title", json!("x"))]);
    assert!(matches!(
        err,
        DocError::BadPointer {
            problem: PointerProblem::NoLeadingSlash,
            ..
        }
    ));
    let err = refused(&mut doc, &[set("/action_plan/-", json!({}))]);
    assert!(matches!(
        err,
        DocError::BadPointer {
            problem: PointerProblem::AppendOutsideInsert,
            ..
        }
    ));
    let err = refused(&mut doc, &[set("/action_plan/01/hours", json!(1))]);
    assert!(matches!(
        err,
        DocError::BadPointer {
            problem: PointerProblem::NotAnIndex,
            ..
        }
    ));
    let err = refused(&mut doc, &[Edit::Remove { pointer: "".into() }]);
    assert!(matches!(
        err,
        DocError::BadPointer {
            problem: PointerProblem::WholeDocument,
            ..
        }
    ));
}

#[test]
fn rows_are_inserted_before_an_index_or_appended() {
    let mut doc = sample_doc();
    let edits = [
        Edit::Insert {
            pointer: "/action_plan/-".into(),
            value: json!({"activity": "Последнее"}),
        },
        Edit::Insert {
            pointer: "/action_plan/0".into(),
            value: json!({"activity": "Первое"}),
        },
        Edit::Insert {
            pointer: "/goals/1".into(),
            value: json!("Вторая цель"),
        },
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let data = to_json(&doc).unwrap();
    let activities: Vec<&str> = data["action_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["activity"].as_str().unwrap())
        .collect();
    assert_eq!(
        activities,
        [
            "Первое",
            "Самодиагностика",
            "Семинар для учителей",
            "Последнее"
        ]
    );
    assert_eq!(data["goals"][1], json!("Вторая цель"));
    assert_eq!(
        object_type(&doc, &["action_plan", "0", "activity"]),
        Some(ObjType::Text)
    );
}

#[test]
fn inserting_the_first_row_creates_the_table() {
    let mut doc = create(&catalogue(), FORM, REGION, &json!({}), &author("Анна")).unwrap();
    let edits = [Edit::Insert {
        pointer: "/action_plan/-".into(),
        value: json!({"hours": 3}),
    }];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    assert_eq!(
        filled(&to_json(&doc).unwrap()),
        json!({"action_plan": [{"hours": 3}]})
    );
}

#[test]
fn indices_past_the_end_are_refused_with_the_table_size() {
    let mut doc = sample_doc();
    let err = refused(
        &mut doc,
        &[Edit::Insert {
            pointer: "/action_plan/3".into(),
            value: json!({}),
        }],
    );
    assert_eq!(err.message_ru(), "/action_plan/3: в таблице 2 строки");
    let err = refused(&mut doc, &[set("/action_plan/2/hours", json!(1))]);
    assert_eq!(err.message_ru(), "/action_plan/2: в таблице 2 строки");
    let err = refused(
        &mut doc,
        &[Edit::Remove {
            pointer: "/goals/5".into(),
        }],
    );
    assert_eq!(err.message_ru(), "/goals/5: в списке 2 элемента");
}

#[test]
fn inserting_into_something_that_is_not_a_list_is_refused() {
    let mut doc = sample_doc();
    let err = refused(
        &mut doc,
        &[Edit::Insert {
            pointer: "/school/name".into(),
            value: json!("x"),
        }],
    );
    assert!(matches!(err, DocError::NotAList { .. }), "{err}");
}

#[test]
fn remove_deletes_fields_rows_and_items() {
    let mut doc = sample_doc();
    let edits = [
        Edit::Remove {
            pointer: "/action_plan/0".into(),
        },
        Edit::Remove {
            pointer: "/school/director".into(),
        },
        Edit::Remove {
            pointer: "/goals/1".into(),
        },
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let data = to_json(&doc).unwrap();
    assert_eq!(data["action_plan"].as_array().unwrap().len(), 1);
    assert_eq!(
        data["action_plan"][0]["activity"],
        json!("Семинар для учителей")
    );
    assert!(data["school"].get("director").is_none());
    assert_eq!(data["goals"], json!(["Повысить качество обучения"]));
}

#[test]
fn removing_what_is_not_there_is_refused() {
    let mut doc = sample_doc();
    let err = refused(
        &mut doc,
        &[Edit::Remove {
            pointer: "/action_plan/0/end".into(),
        }],
    );
    assert!(matches!(err, DocError::NotFound { .. }));
    assert_eq!(
        err.message_ru(),
        "/action_plan/0/end: в документе здесь ничего нет"
    );
}

#[test]
fn splices_count_unicode_code_points() {
    let mut doc = sample_doc();
    let edits = [
        set("/title", json!("Ёлка 🎄 в школе")),
        splice("/title", 7, 1, "во дворе"),
        splice("/title", 5, 1, "🌲"),
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    assert_eq!(
        get(&doc, "/title").unwrap(),
        Some(json!("Ёлка 🌲 во дворе школе"))
    );
}

#[test]
fn splice_past_the_end_is_refused() {
    let mut doc = sample_doc();
    let len = "Школа работает в сложных условиях.".chars().count();
    let err = refused(&mut doc, &[splice("/analysis", len, 1, "")]);
    assert!(matches!(err, DocError::SpliceOutOfRange { .. }), "{err}");
    assert_eq!(
        err.message_ru(),
        format!(
            "/analysis: в тексте {len} символа, правка с позиции {len} длиной 1 выходит за его конец"
        )
    );
    let err = refused(&mut doc, &[splice("/analysis", len + 1, 0, "x")]);
    assert!(matches!(err, DocError::SpliceOutOfRange { .. }));
    refused(&mut doc, &[splice("/analysis", usize::MAX, 2, "x")]);
}

#[test]
fn splice_into_a_missing_text_field_creates_it() {
    let mut doc = create(&catalogue(), FORM, REGION, &json!({}), &author("Анна")).unwrap();
    let edits = [
        splice("/school/name", 0, 0, "Ш"),
        splice("/school/name", 1, 0, "кола"),
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    assert_eq!(
        filled(&to_json(&doc).unwrap()),
        json!({"school": {"name": "Школа"}})
    );
}

#[test]
fn splice_of_something_that_is_not_a_text_is_refused() {
    let mut doc = sample_doc();
    let err = refused(&mut doc, &[splice("/start", 0, 0, "x")]);
    assert!(matches!(err, DocError::NotAText { .. }), "{err}");
    let err = refused(&mut doc, &[splice("/action_plan/0/hours", 0, 0, "1")]);
    assert!(matches!(err, DocError::NotAText { .. }), "{err}");
    let err = refused(&mut doc, &[splice("/pupils", 0, 0, "1")]);
    assert!(matches!(err, DocError::NotAText { .. }), "{err}");
}

#[test]
fn a_failing_edit_rolls_back_the_whole_batch() {
    let mut doc = sample_doc();
    let err = refused(
        &mut doc,
        &[
            set("/title", json!("Другое название")),
            splice("/analysis", 0, 0, "Кратко: "),
            Edit::Insert {
                pointer: "/action_plan/-".into(),
                value: json!({"activity": "x"}),
            },
            set("/pupils", json!("много")),
        ],
    );
    assert!(matches!(err, DocError::Refused(_)));
}

#[test]
fn a_batch_is_one_change_and_no_change_when_nothing_differs() {
    let mut doc = sample_doc();
    let catalogue = catalogue();
    let edits = [set("/pupils", json!(1)), splice("/analysis", 0, 0, "А")];
    let hash = apply(
        &mut doc,
        &catalogue,
        &edits,
        &author("Анна"),
        Some("правка"),
    )
    .unwrap();
    assert_eq!(doc.get_heads(), vec![hash.unwrap()]);
    assert_eq!(doc.get_changes(&[]).len(), 2);
    let same = [
        set("/pupils", json!(1)),
        set("/goals/0", json!("Повысить качество обучения")),
    ];
    assert_eq!(
        apply(&mut doc, &catalogue, &same, &author("Анна"), None).unwrap(),
        None
    );
    assert_eq!(
        apply(&mut doc, &catalogue, &[], &author("Анна"), None).unwrap(),
        None
    );
    assert_eq!(doc.get_changes(&[]).len(), 2);
}

#[test]
fn get_reads_one_place_or_nothing() {
    let doc = sample_doc();
    assert_eq!(
        get(&doc, "").unwrap().map(|v| filled(&v)),
        Some(filled(&sample()))
    );
    assert_eq!(get(&doc, "/action_plan/1/hours").unwrap(), Some(json!(6)));
    assert_eq!(
        get(&doc, "/school/director/full_name").unwrap(),
        Some(json!("Пахомова Ирина Николаевна"))
    );
    assert_eq!(get(&doc, "/action_plan/7").unwrap(), None);
    assert_eq!(
        get(&doc, "/school/inn").unwrap(),
        Some(json!("")),
        "texts exist, empty, from the start"
    );
    assert_eq!(get(&doc, "/action_plan/0/end").unwrap(), None);
    assert_eq!(get(&doc, "/title/0").unwrap(), None);
    assert!(matches!(
        get(&doc, "/goals/x"),
        Err(DocError::BadPointer { .. })
    ));
    assert!(matches!(
        get(&doc, "goals"),
        Err(DocError::BadPointer { .. })
    ));
}

#[test]
fn an_automerge_document_without_the_layout_is_not_a_form_document() {
    let mut doc = Automerge::new();
    assert!(matches!(meta(&doc), Err(DocError::NotADocument { .. })));
    assert!(matches!(to_json(&doc), Err(DocError::NotADocument { .. })));
    let err = apply(&mut doc, &catalogue(), &[], &author("А"), None).unwrap_err();
    assert!(matches!(err, DocError::NotADocument { .. }));
}

#[test]
fn splices_count_code_points_in_a_utf16_document_too() {
    let saved = sample_doc().save();
    let options =
        automerge::LoadOptions::new().text_encoding(automerge::TextEncoding::Utf16CodeUnit);
    let mut doc = Automerge::load_with_options(&saved, options).unwrap();
    assert_eq!(doc.text_encoding(), automerge::TextEncoding::Utf16CodeUnit);
    let edits = [
        set("/title", json!("🎄🎄 ёлки")),
        splice("/title", 1, 1, "🌲"),
        splice("/title", 3, 4, "сосны"),
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    assert_eq!(get(&doc, "/title").unwrap(), Some(json!("🎄🌲 сосны")));
    let err = refused(&mut doc, &[splice("/title", 8, 1, "")]);
    assert!(
        matches!(err, DocError::SpliceOutOfRange { len: 8, .. }),
        "{err}"
    );
}

#[test]
fn typing_in_one_batch_follows_rows_moved_by_the_batch_itself() {
    let mut doc = sample_doc();
    let edits = [
        splice("/action_plan/1/description", 0, 0, "А"),
        Edit::Insert {
            pointer: "/action_plan/0".into(),
            value: json!({"description": "Б"}),
        },
        splice("/action_plan/1/description", 0, 0, "В"),
        Edit::Remove {
            pointer: "/action_plan/0".into(),
        },
        splice("/action_plan/1/description", 1, 0, "Г"),
        set("/action_plan/1", json!({"description": "Д"})),
        splice("/action_plan/1/description", 1, 0, "Е"),
    ];
    apply(&mut doc, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let data = to_json(&doc).unwrap();
    assert_eq!(
        data["action_plan"][0]["description"],
        json!("ВПровести по методике.")
    );
    assert_eq!(data["action_plan"][1]["description"], json!("ДЕ"));
}
