//! `Store::copy_into`: a SQLite store copied into an empty PostgreSQL store reads back the same
//! (organisations whose parent came later, campaigns, identifications in their uploaded order,
//! narratives, the audit chain), goes on writing after the copied ids, and a second copy into
//! it is refused.

#[macro_use]
mod support;

use std::collections::BTreeMap;

use store::{
    CampaignSchool, CopyError, IdentifiedSchool, NewCampaign, NewIdentification, SchoolSource,
    Store,
};
use support::{Engine, Fixture};
use workflow::{FormKind, OrgId, OrgKind, Organisation};

fn add(store: &Store, id: &str, kind: OrgKind, parent: Option<&str>) {
    store
        .add_organisation(
            &Organisation {
                id: OrgId::new(id),
                kind,
                parent: parent.map(OrgId::new),
                name: format!("«{id}»"),
            },
            "admin",
        )
        .unwrap();
}

fn identification(year: i32, schools: &[&str]) -> NewIdentification {
    NewIdentification {
        region: "lipetsk".to_owned(),
        municipality: None,
        year,
        method_id: "lipetsk/identification".to_owned(),
        method_version: "1".to_owned(),
        input_sha256: "cd".repeat(32),
        computed_by: "coordinator".to_owned(),
        schools: schools
            .iter()
            .map(|id| IdentifiedSchool {
                school: (*id).to_owned(),
                name: format!("«{id}»"),
                categories: vec!["low_results".to_owned()],
                status: Some("low_results".to_owned()),
                reasons: vec!["по решению".to_owned()],
            })
            .collect(),
    }
}

fn campaign(year: i32) -> NewCampaign {
    NewCampaign {
        region: OrgId::new("lipetsk"),
        year,
        title: format!("Кампания {year} года"),
        submit_by: format!("{year}-09-30"),
        decide_by: format!("{year}-10-31"),
        remind_days: 14,
        owes: BTreeMap::from([("supported".to_owned(), FormKind::ALL.to_vec())]),
        schools: vec![CampaignSchool {
            school: OrgId::new("krasnoe"),
            category: "supported".to_owned(),
            source: SchoolSource::Listed,
        }],
    }
}

#[test]
fn a_sqlite_store_copied_into_postgresql_reads_back_the_same_and_goes_on() {
    let Some(target) = Fixture::new(Engine::Postgres, "copy") else {
        return;
    };
    let source = Fixture::new(Engine::Sqlite, "copy").unwrap();
    let store = &source.store;
    add(store, "lipetsk", OrgKind::Region, None);
    add(store, "krasninsky", OrgKind::Municipality, Some("lipetsk"));
    add(
        store,
        "krasnoe",
        OrgKind::School { mentor: false },
        Some("krasninsky"),
    );
    // A municipality added after the school, and the school moved into it: its parent's row
    // comes after its own.
    add(store, "dankovsky", OrgKind::Municipality, Some("lipetsk"));
    store
        .move_school(&OrgId::new("krasnoe"), &OrgId::new("dankovsky"), "admin")
        .unwrap();
    let user = store
        .add_user(
            "coordinator",
            "Координатор",
            "a long enough password 1",
            "admin",
        )
        .unwrap();
    store.open_campaign(&campaign(2026), &user).unwrap();
    store
        .add_identification(&identification(2026, &["z-school", "a-school", "m-school"]))
        .unwrap();
    store
        .append_yjs_updates("doc-1", &[vec![1, 2, 3], vec![0, 255, 7]])
        .unwrap();
    store.set_setting("some-setting", "значение").unwrap();

    let mut tables = Vec::new();
    let report = store
        .copy_into(&target.store, |step| {
            if step.rows == step.total {
                tables.push(step.table);
            }
        })
        .unwrap();
    assert!(tables.contains(&"organisations") && tables.contains(&"yjs_updates"));
    assert_eq!(report.audit_rows, store.audit_log().unwrap().len());

    let copy = &target.store;
    assert_eq!(
        copy.organisations().unwrap(),
        store.organisations().unwrap()
    );
    assert_eq!(copy.campaigns().unwrap(), store.campaigns().unwrap());
    assert_eq!(
        copy.identifications_of("lipetsk").unwrap(),
        store.identifications_of("lipetsk").unwrap()
    );
    assert_eq!(
        copy.yjs_updates("doc-1").unwrap(),
        store.yjs_updates("doc-1").unwrap()
    );
    assert_eq!(
        copy.setting("some-setting").unwrap().as_deref(),
        Some("значение")
    );
    assert_eq!(copy.audit_log().unwrap(), store.audit_log().unwrap());

    // Writing goes on after the copied ids.
    copy.open_campaign(&campaign(2027), &user).unwrap();
    copy.add_identification(&identification(2027, &["b-school"]))
        .unwrap();
    copy.append_yjs_updates("doc-1", &[vec![9]]).unwrap();
    assert_eq!(copy.campaigns().unwrap().len(), 2);
    assert_eq!(copy.identifications_of("lipetsk").unwrap().len(), 2);
    assert_eq!(copy.yjs_updates("doc-1").unwrap().len(), 3);
    assert!(copy.verify_audit().unwrap().is_ok());

    // Not twice, and not the other way.
    let again = store.copy_into(copy, |_| {});
    assert!(
        matches!(again, Err(CopyError::TargetNotEmpty { .. })),
        "{again:?}"
    );
    let backwards = copy.copy_into(store, |_| {});
    assert!(
        matches!(backwards, Err(CopyError::WrongEngines)),
        "{backwards:?}"
    );
}
