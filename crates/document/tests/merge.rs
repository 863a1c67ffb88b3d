//! Two people edit forks of one document offline; merging keeps both people's work.

mod support;

use automerge::Automerge;
use document::{Edit, apply, create, to_json};
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

fn insert(pointer: &str, value: Value) -> Edit {
    Edit::Insert {
        pointer: pointer.to_owned(),
        value,
    }
}

/// Forks a sample document, applies `a` and `b` on the two forks, merges both ways and checks
/// that both replicas agree; returns the merged data.
fn merged(a: &[Edit], b: &[Edit]) -> Value {
    let catalogue = catalogue();
    let mut anna = create(&catalogue, FORM, REGION, &sample(), &author("Анна")).unwrap();
    let mut boris = anna.fork();
    apply(&mut anna, &catalogue, a, &author("Анна"), None).unwrap();
    apply(&mut boris, &catalogue, b, &author("Борис"), None).unwrap();
    exchange(&mut anna, &mut boris)
}

fn exchange(a: &mut Automerge, b: &mut Automerge) -> Value {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
    let (a_json, b_json) = (to_json(a).unwrap(), to_json(b).unwrap());
    assert_eq!(a_json, b_json, "replicas converge");
    a_json
}

#[test]
fn edits_of_different_fields_both_survive() {
    let data = merged(
        &[
            set("/pupils", json!(420)),
            set("/school/director/position", json!("и. о. директора")),
        ],
        &[
            set("/status", json!("final")),
            set("/goals/1", json!("Снизить отсев")),
        ],
    );
    assert_eq!(data["pupils"], json!(420));
    assert_eq!(
        data["school"]["director"]["position"],
        json!("и. о. директора")
    );
    assert_eq!(data["status"], json!("final"));
    assert_eq!(data["goals"][1], json!("Снизить отсев"));
}

#[test]
fn one_text_typed_into_at_different_places_keeps_both_edits() {
    // "Школа работает в сложных условиях."
    let data = merged(
        &[splice("/analysis", 0, 5, "Наша школа")],
        &[splice("/analysis", 33, 0, " и справляется")],
    );
    assert_eq!(
        data["analysis"],
        json!("Наша школа работает в сложных условиях и справляется.")
    );
}

#[test]
fn whole_text_sets_merge_character_wise() {
    let data = merged(
        &[set(
            "/analysis",
            json!("Школа работает в очень сложных условиях."),
        )],
        &[set(
            "/analysis",
            json!("Школа работает в сложных условиях села."),
        )],
    );
    assert_eq!(
        data["analysis"],
        json!("Школа работает в очень сложных условиях села.")
    );
}

#[test]
fn rows_inserted_into_one_table_by_two_people_are_both_kept() {
    let data = merged(
        &[insert(
            "/action_plan/-",
            json!({"activity": "От Анны", "hours": 1}),
        )],
        &[
            insert(
                "/action_plan/-",
                json!({"activity": "От Бориса", "hours": 2}),
            ),
            insert("/action_plan/0", json!({"activity": "Борис, в начало"})),
        ],
    );
    let activities: Vec<&str> = data["action_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["activity"].as_str().unwrap())
        .collect();
    assert_eq!(activities.len(), 5);
    assert_eq!(activities[0], "Борис, в начало");
    assert!(activities.contains(&"От Анны"));
    assert!(activities.contains(&"От Бориса"));
}

#[test]
fn one_row_edited_in_different_fields_keeps_both_fields() {
    let data = merged(
        &[set("/action_plan/1/hours", json!(9))],
        &[
            set("/action_plan/1/responsible", json!("Кондратьева Е. В.")),
            splice("/action_plan/1/description", 0, 0, "Для всех учителей."),
        ],
    );
    assert_eq!(
        data["action_plan"][1],
        json!({
            "activity": "Семинар для учителей",
            "description": "Для всех учителей.",
            "start": "2025-10-01",
            "hours": 9,
            "responsible": "Кондратьева Е. В."
        })
    );
}

#[test]
fn a_row_edited_while_another_is_removed_keeps_the_edit() {
    let data = merged(
        &[Edit::Remove {
            pointer: "/action_plan/0".into(),
        }],
        &[set("/action_plan/1/hours", json!(9))],
    );
    assert_eq!(data["action_plan"].as_array().unwrap().len(), 1);
    assert_eq!(data["action_plan"][0]["hours"], json!(9));
}

#[test]
fn one_field_set_by_two_people_has_one_winner_on_both_sides() {
    let catalogue = catalogue();
    let mut anna = create(&catalogue, FORM, REGION, &sample(), &author("Анна")).unwrap();
    let mut boris = anna.fork();
    apply(
        &mut anna,
        &catalogue,
        &[set("/pupils", json!(1))],
        &author("Анна"),
        None,
    )
    .unwrap();
    apply(
        &mut boris,
        &catalogue,
        &[set("/pupils", json!(2))],
        &author("Борис"),
        None,
    )
    .unwrap();
    // Each side merges the other's change into its own: the winner must not depend on who
    // merges whom.
    let mut anna_view = anna.fork();
    anna_view.merge(&mut boris.fork()).unwrap();
    let mut boris_view = boris.fork();
    boris_view.merge(&mut anna.fork()).unwrap();
    let (a, b) = (to_json(&anna_view).unwrap(), to_json(&boris_view).unwrap());
    assert_eq!(a, b);
    assert!(a["pupils"] == json!(1) || a["pupils"] == json!(2));
}

/// Setting a field to `null` replaces the text object, so typing into the old object
/// concurrently is not shown: the clear is the later write of that key. Clearing by
/// `Set ""` instead keeps concurrent typing (see `whole_text_sets_merge_character_wise`).
#[test]
fn clearing_a_text_with_null_wins_over_concurrent_typing() {
    let data = merged(
        &[splice("/title", 0, 0, "Новая ")],
        &[set("/title", Value::Null)],
    );
    assert_eq!(data["title"], Value::Null);
}

#[test]
fn emptying_a_text_keeps_concurrent_typing() {
    let data = merged(
        &[splice("/title", 0, 0, "Новая ")],
        &[set("/title", json!(""))],
    );
    assert_eq!(data["title"], json!("Новая "));
}

#[test]
fn first_edits_inside_an_empty_document_all_survive() {
    // A programme created empty and filled offline by two people at once: each writes into a
    // section, a table and a text that neither had filled yet.
    let catalogue = catalogue();
    let mut anna = create(&catalogue, FORM, REGION, &json!({}), &author("Анна")).unwrap();
    let mut boris = anna.fork();
    let row = |activity: &str| json!({"activity": activity});
    apply(
        &mut anna,
        &catalogue,
        &[
            set("/school/name", json!("МБОУ СОШ с. Красное")),
            insert("/action_plan/-", row("Самодиагностика")),
            splice("/analysis", 0, 0, "Анна: причины."),
        ],
        &author("Анна"),
        None,
    )
    .unwrap();
    apply(
        &mut boris,
        &catalogue,
        &[
            set("/school/director/full_name", json!("Пахомова И. Н.")),
            insert("/action_plan/-", row("Семинар")),
            splice("/analysis", 0, 0, "Борис: ресурсы. "),
        ],
        &author("Борис"),
        None,
    )
    .unwrap();
    let data = exchange(&mut anna, &mut boris);
    assert_eq!(data["school"]["name"], json!("МБОУ СОШ с. Красное"));
    assert_eq!(
        data["school"]["director"]["full_name"],
        json!("Пахомова И. Н.")
    );
    assert_eq!(data["action_plan"].as_array().unwrap().len(), 2);
    let analysis = data["analysis"].as_str().unwrap();
    assert!(
        analysis.contains("Анна: причины.") && analysis.contains("Борис: ресурсы."),
        "{analysis}"
    );
}
