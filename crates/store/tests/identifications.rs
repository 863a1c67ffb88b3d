//! Identification results: stored preliminary, confirmed once, the latest confirmed year in
//! effect for a school, each act in the audit log. Every test runs on both engines.

#[macro_use]
mod support;

use store::{Confirmed, IdentifiedSchool, NewIdentification};
use support::Fixture;

on_both_engines!(
    only_a_confirmed_identification_takes_effect_and_the_latest_year_wins,
    schools_come_back_in_the_uploaded_table_s_order,
);

/// The table's rows are not sorted by school id; they come back as uploaded.
fn schools_come_back_in_the_uploaded_table_s_order(fixture: &Fixture) {
    let mut upload = new(2026, None);
    let names = ["z-school", "a-school", "m-school", "b-school"];
    upload.schools = names
        .iter()
        .map(|id| IdentifiedSchool {
            school: (*id).to_owned(),
            name: format!("«{id}»"),
            categories: Vec::new(),
            status: None,
            reasons: Vec::new(),
        })
        .collect();
    let stored = fixture.store.add_identification(&upload).unwrap();
    let order: Vec<&str> = stored.schools.iter().map(|s| s.school.as_str()).collect();
    assert_eq!(order, names);
    let listed = fixture.store.identifications_of("mordovia").unwrap();
    let order: Vec<&str> = listed[0]
        .schools
        .iter()
        .map(|s| s.school.as_str())
        .collect();
    assert_eq!(order, names);
}

fn new(year: i32, status: Option<&str>) -> NewIdentification {
    NewIdentification {
        region: "mordovia".to_owned(),
        municipality: Some("kadoshkino".to_owned()),
        year,
        method_id: "mordovia/kadoshkino/identification".to_owned(),
        method_version: "2025.1".to_owned(),
        input_sha256: "ab".repeat(32),
        computed_by: "coordinator".to_owned(),
        schools: vec![IdentifiedSchool {
            school: "kadoshkino-school".to_owned(),
            name: "МБОУ «Кадошкинская СОШ»".to_owned(),
            categories: status
                .map(|_| "low_results".to_owned())
                .into_iter()
                .collect(),
            status: status.map(str::to_owned),
            reasons: vec!["4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5".to_owned()],
        }],
    }
}

fn only_a_confirmed_identification_takes_effect_and_the_latest_year_wins(fixture: &Fixture) {
    let store = &fixture.store;
    let first = store
        .add_identification(&new(2025, Some("low_results")))
        .unwrap();
    assert!(!first.confirmed());
    assert_eq!(first.schools[0].reasons.len(), 1);
    assert_eq!(
        store.identification_in_effect("kadoshkino-school").unwrap(),
        None
    );
    let Confirmed::Now(confirmed) = store
        .confirm_identification(first.id, "coordinator")
        .unwrap()
    else {
        panic!("confirmed now");
    };
    assert_eq!(confirmed.confirmed_by.as_deref(), Some("coordinator"));
    assert!(matches!(
        store
            .confirm_identification(first.id, "coordinator")
            .unwrap(),
        Confirmed::Already(_)
    ));
    assert_eq!(
        store.confirm_identification(999, "coordinator").unwrap(),
        Confirmed::Unknown
    );
    let effect = store
        .identification_in_effect("kadoshkino-school")
        .unwrap()
        .unwrap();
    assert_eq!(effect.id, first.id);
    assert_eq!(effect.schools[0].status.as_deref(), Some("low_results"));
    // A later year, preliminary: the earlier stays in effect until it is confirmed.
    let later = store.add_identification(&new(2026, None)).unwrap();
    assert_eq!(
        store
            .identification_in_effect("kadoshkino-school")
            .unwrap()
            .unwrap()
            .id,
        first.id
    );
    store
        .confirm_identification(later.id, "coordinator")
        .unwrap();
    let effect = store
        .identification_in_effect("kadoshkino-school")
        .unwrap()
        .unwrap();
    assert_eq!(
        (effect.id, effect.schools[0].status.clone()),
        (later.id, None)
    );
    assert_eq!(store.identification_in_effect("elsewhere").unwrap(), None);
    assert_eq!(store.identifications_of("mordovia").unwrap().len(), 2);
    let actions: Vec<String> = store
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "identify",
            "confirm-identification",
            "identify",
            "confirm-identification"
        ]
    );
    assert_eq!(store.verify_audit().unwrap(), Ok(4));
}
