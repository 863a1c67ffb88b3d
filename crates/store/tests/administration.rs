//! Editing accounts and organisations on `Store`: renaming, moving a school within its
//! region, withdrawing roles, deactivating and reactivating users, ending curator
//! assignments; each act audited. Real databases: SQLite files in fresh temp dirs and fresh
//! PostgreSQL databases, every test on both.

#[macro_use]
mod support;

use std::time::{Duration, SystemTime};

use store::{Store, StoreError};
use support::Fixture;
use workflow::{MoveError, OrgId, OrgKind, Organisation, Role, UserId};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-1729";

on_both_engines!(
    an_organisation_is_renamed_and_a_school_moves_within_its_region_only,
    a_deactivated_user_cannot_log_in_or_use_a_token_and_comes_back_as_they_were,
    roles_and_curator_assignments_are_withdrawn_and_audited,
);

fn add(store: &Store, id: &str, kind: OrgKind, parent: Option<&str>) {
    let org = Organisation {
        id: OrgId::new(id),
        kind,
        parent: parent.map(OrgId::new),
        name: format!("«{id}»"),
    };
    store.add_organisation(&org, "admin").unwrap();
}

/// Two regions; Lipetsk with two municipalities and a school.
fn tree(store: &Store) {
    add(store, "lipetsk", OrgKind::Region, None);
    add(store, "oryol", OrgKind::Region, None);
    add(store, "elets", OrgKind::Municipality, Some("lipetsk"));
    add(store, "krasninsky", OrgKind::Municipality, Some("lipetsk"));
    add(store, "mtsensk", OrgKind::Municipality, Some("oryol"));
    add(
        store,
        "school-3",
        OrgKind::School { mentor: false },
        Some("elets"),
    );
}

fn last_action(store: &Store) -> (String, String, String) {
    let row = store.audit_log().unwrap().pop().unwrap();
    (row.action, row.subject, row.details)
}

fn an_organisation_is_renamed_and_a_school_moves_within_its_region_only(fixture: &Fixture) {
    let store = &fixture.store;
    tree(store);
    let school = OrgId::new("school-3");

    store
        .rename_organisation(&school, "МБОУ СОШ № 3 г. Ельца", "root")
        .unwrap();
    let orgs = store.organisations().unwrap();
    let renamed = orgs.iter().find(|o| o.id == school).unwrap();
    assert_eq!(renamed.name, "МБОУ СОШ № 3 г. Ельца");
    let (action, subject, details) = last_action(store);
    assert_eq!(
        (action.as_str(), subject.as_str()),
        ("rename-organisation", "school-3")
    );
    assert!(details.contains("«school-3»"), "{details}");

    store
        .move_school(&school, &OrgId::new("krasninsky"), "root")
        .unwrap();
    let orgs = store.organisations().unwrap();
    let moved = orgs.iter().find(|o| o.id == school).unwrap();
    assert_eq!(moved.parent, Some(OrgId::new("krasninsky")));
    assert_eq!(last_action(store).0, "move-school");

    let refused = store.move_school(&school, &OrgId::new("mtsensk"), "root");
    assert!(
        matches!(
            refused,
            Err(StoreError::CannotMove(MoveError::OtherRegion { .. }))
        ),
        "{refused:?}"
    );
    let refused = store.move_school(&OrgId::new("elets"), &OrgId::new("krasninsky"), "root");
    assert!(matches!(
        refused,
        Err(StoreError::CannotMove(MoveError::NotASchool { .. }))
    ));
    assert!(matches!(
        store.rename_organisation(&OrgId::new("nowhere"), "x", "root"),
        Err(StoreError::UnknownOrganisation { .. })
    ));
    assert_eq!(
        store.verify_audit().unwrap().map(|_| ()),
        Ok(()),
        "the chain holds"
    );
}

fn a_deactivated_user_cannot_log_in_or_use_a_token_and_comes_back_as_they_were(fixture: &Fixture) {
    let store = &fixture.store;
    tree(store);
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "root")
        .unwrap();
    store
        .grant(&user, &OrgId::new("school-3"), Role::SchoolEditor, "root")
        .unwrap();
    let token = store.issue_token(&user, Duration::from_secs(3600)).unwrap();

    let closed = store.set_active(&user, false, "root").unwrap();
    assert_eq!(closed, 1);
    assert_eq!(store.verify_password("ivanova", PASSWORD).unwrap(), None);
    assert_eq!(
        store.user_for_token(&token, SystemTime::now()).unwrap(),
        None
    );
    assert_eq!(store.deactivated_users().unwrap(), vec![user.clone()]);
    assert_eq!(last_action(store).0, "deactivate-user");
    // A reset keeps the account deactivated.
    store
        .set_password(&user, "Another-Long-Password-42", None, "root")
        .unwrap();
    assert_eq!(
        store
            .verify_password("ivanova", "Another-Long-Password-42")
            .unwrap(),
        None
    );
    // Deactivating again changes nothing and is not audited.
    let rows = store.audit_log().unwrap().len();
    assert_eq!(store.set_active(&user, false, "root").unwrap(), 0);
    assert_eq!(store.audit_log().unwrap().len(), rows);

    store.set_active(&user, true, "root").unwrap();
    assert_eq!(
        store
            .verify_password("ivanova", "Another-Long-Password-42")
            .unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.memberships(&user).unwrap().len(), 1, "roles kept");
    assert!(store.deactivated_users().unwrap().is_empty());
    assert_eq!(last_action(store).0, "activate-user");
    assert!(matches!(
        store.set_active(&UserId::new("nobody"), false, "root"),
        Err(StoreError::UnknownUser { .. })
    ));
}

fn roles_and_curator_assignments_are_withdrawn_and_audited(fixture: &Fixture) {
    let store = &fixture.store;
    tree(store);
    let user = store
        .add_user("zhdanov", "Жданов", PASSWORD, "root")
        .unwrap();
    let region = OrgId::new("lipetsk");
    let school = OrgId::new("school-3");
    store.grant(&user, &region, Role::Curator, "root").unwrap();
    store.assign_curator(&user, &school, "root").unwrap();
    assert_eq!(store.curator_assignments().unwrap().len(), 1);

    assert!(store.unassign_curator(&user, &school, "root").unwrap());
    assert_eq!(last_action(store).0, "unassign-curator");
    assert!(!store.unassign_curator(&user, &school, "root").unwrap());
    assert!(store.curator_assignments().unwrap().is_empty());
    assert!(store.people_of(&user).unwrap().curated.is_empty());

    assert!(store.revoke(&user, &region, Role::Curator, "root").unwrap());
    let (action, subject, details) = last_action(store);
    assert_eq!((action.as_str(), subject.as_str()), ("revoke", "zhdanov"));
    assert!(details.contains("curator"), "{details}");
    assert!(!store.revoke(&user, &region, Role::Curator, "root").unwrap());
    assert!(store.memberships(&user).unwrap().is_empty());
    assert!(matches!(
        store.revoke(&UserId::new("nobody"), &region, Role::Curator, "root"),
        Err(StoreError::UnknownUser { .. })
    ));
}
