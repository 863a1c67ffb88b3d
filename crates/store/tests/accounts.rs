//! Accounts on `Store`: organisations, users and passwords, memberships, bearer tokens, and the
//! migration that adds them. Real databases: SQLite files in fresh temp dirs and fresh
//! PostgreSQL databases; every test but SQLite's upgrade from version 1 runs on both.

#[macro_use]
mod support;

use std::time::{Duration, SystemTime};

use store::{Store, StoreError};
use support::Fixture;
use workflow::{Membership, OrgId, OrgKind, Organisation, Role, UserId};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-1729";

on_both_engines!(
    password_is_stored_only_as_a_hash,
    right_password_verifies_and_wrong_password_or_unknown_login_do_not,
    same_password_gets_a_different_salt_for_each_user,
    duplicate_login_is_refused_and_keeps_the_first_password,
    token_round_trips_to_its_user_until_it_expires,
    revoked_token_is_refused_and_other_tokens_still_work,
    new_password_closes_every_other_session_and_is_audited,
    token_is_stored_only_as_a_hash,
    token_for_unknown_user_is_refused,
    memberships_round_trip_and_regrant_changes_nothing,
    grant_refuses_unknown_user_unknown_organisation_and_misfit_role,
    organisations_keep_the_tree_and_round_trip,
);

fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> Organisation {
    Organisation {
        id: OrgId::new(id),
        kind,
        parent: parent.map(OrgId::new),
        name: format!("«{id}»"),
    }
}

/// A region with one municipality and one supported school.
fn add_tree(store: &Store) {
    store
        .add_organisation(&org("lipetsk", OrgKind::Region, None), "admin")
        .unwrap();
    store
        .add_organisation(
            &org("lipetsk/elets", OrgKind::Municipality, Some("lipetsk")),
            "admin",
        )
        .unwrap();
    store
        .add_organisation(
            &org(
                "lipetsk/elets/school-3",
                OrgKind::School { mentor: false },
                Some("lipetsk/elets"),
            ),
            "admin",
        )
        .unwrap();
}

fn password_is_stored_only_as_a_hash(fixture: &Fixture) {
    let store = fixture.another_handle();
    store
        .add_user("ivanova", "Иванова А. П.", PASSWORD, "admin")
        .unwrap();
    // Sanity: the search does see what is written (the login), just not the password.
    assert!(fixture.stored_bytes_contain(b"ivanova"));
    assert!(!fixture.stored_bytes_contain(PASSWORD.as_bytes()));
    drop(store);
    assert!(!fixture.stored_bytes_contain(PASSWORD.as_bytes()));

    let hash = fixture.strings("SELECT password_hash FROM users").remove(0);
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

fn right_password_verifies_and_wrong_password_or_unknown_login_do_not(fixture: &Fixture) {
    let store = fixture.another_handle();
    let id = store
        .add_user("ivanova", "Иванова А. П.", PASSWORD, "admin")
        .unwrap();
    assert_eq!(id, UserId::new("ivanova"));

    assert_eq!(
        store.verify_password("ivanova", PASSWORD).unwrap(),
        Some(id)
    );
    assert_eq!(store.verify_password("ivanova", "wrong").unwrap(), None);
    assert_eq!(store.verify_password("ivanova", "").unwrap(), None);
    assert_eq!(store.verify_password("petrov", PASSWORD).unwrap(), None);
}

fn same_password_gets_a_different_salt_for_each_user(fixture: &Fixture) {
    let store = fixture.another_handle();
    store.add_user("a", "A", PASSWORD, "admin").unwrap();
    store.add_user("b", "B", PASSWORD, "admin").unwrap();
    let hashes = fixture.strings("SELECT password_hash FROM users");
    assert_eq!(hashes.len(), 2);
    assert_ne!(hashes[0], hashes[1]);
}

fn duplicate_login_is_refused_and_keeps_the_first_password(fixture: &Fixture) {
    let store = fixture.another_handle();
    store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    match store.add_user("ivanova", "Другая Иванова", "other", "admin") {
        Err(StoreError::DuplicateLogin { login }) => assert_eq!(login, "ivanova"),
        other => panic!("expected DuplicateLogin, got {other:?}"),
    }
    assert!(
        store
            .verify_password("ivanova", PASSWORD)
            .unwrap()
            .is_some()
    );
    assert!(store.verify_password("ivanova", "other").unwrap().is_none());
}

fn token_round_trips_to_its_user_until_it_expires(fixture: &Fixture) {
    let store = fixture.another_handle();
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    let token = store.issue_token(&user, Duration::from_secs(60)).unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    let now = SystemTime::now();
    assert_eq!(store.user_for_token(&token, now).unwrap(), Some(user));
    let later = now + Duration::from_secs(61);
    assert_eq!(store.user_for_token(&token, later).unwrap(), None);
    assert_eq!(store.user_for_token("forged", now).unwrap(), None);
}

fn revoked_token_is_refused_and_other_tokens_still_work(fixture: &Fixture) {
    let store = fixture.another_handle();
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    let ttl = Duration::from_secs(3600);
    let revoked = store.issue_token(&user, ttl).unwrap();
    let kept = store.issue_token(&user, ttl).unwrap();
    assert_ne!(revoked, kept);

    assert!(store.revoke_token(&revoked).unwrap());
    assert!(!store.revoke_token(&revoked).unwrap(), "already revoked");
    assert!(!store.revoke_token("never-issued").unwrap());
    let now = SystemTime::now();
    assert_eq!(store.user_for_token(&revoked, now).unwrap(), None);
    assert_eq!(store.user_for_token(&kept, now).unwrap(), Some(user));
}

fn new_password_closes_every_other_session_and_is_audited(fixture: &Fixture) {
    let store = fixture.another_handle();
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    let other = store
        .add_user("petrova", "Петрова", PASSWORD, "admin")
        .unwrap();
    let ttl = Duration::from_secs(3600);
    let here = store.issue_token(&user, ttl).unwrap();
    let laptop = store.issue_token(&user, ttl).unwrap();
    let phone = store.issue_token(&user, ttl).unwrap();
    let neighbour = store.issue_token(&other, ttl).unwrap();
    store.revoke_token(&phone).unwrap();

    let revoked = store
        .set_password(&user, "Новый-пароль-2026", Some(&here), "ivanova")
        .unwrap();
    assert_eq!(revoked, 1, "the laptop only: the phone was already out");
    assert_eq!(store.verify_password("ivanova", PASSWORD).unwrap(), None);
    assert_eq!(
        store
            .verify_password("ivanova", "Новый-пароль-2026")
            .unwrap(),
        Some(user.clone())
    );
    let now = SystemTime::now();
    assert_eq!(
        store.user_for_token(&here, now).unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.user_for_token(&laptop, now).unwrap(), None);
    assert_eq!(
        store.user_for_token(&neighbour, now).unwrap(),
        Some(other.clone())
    );
    assert!(!fixture.stored_bytes_contain("Новый-пароль-2026".as_bytes()));

    // An administrator's reset keeps no session; "sign out everywhere" keeps the caller's.
    assert_eq!(
        store
            .set_password(&user, "Сброшен-админом", None, "admin")
            .unwrap(),
        1
    );
    assert_eq!(store.user_for_token(&here, now).unwrap(), None);
    let a = store.issue_token(&other, ttl).unwrap();
    assert_eq!(store.revoke_tokens(&other, Some(&a), "petrova").unwrap(), 1);
    assert_eq!(store.user_for_token(&a, now).unwrap(), Some(other.clone()));
    assert_eq!(store.user_for_token(&neighbour, now).unwrap(), None);

    let log = store.audit_log().unwrap();
    let acts: Vec<(&str, &str, &str)> = log
        .iter()
        .skip(2)
        .map(|r| (r.actor.as_str(), r.action.as_str(), r.subject.as_str()))
        .collect();
    assert_eq!(
        acts,
        [
            ("ivanova", "set-password", "ivanova"),
            ("admin", "set-password", "ivanova"),
            ("petrova", "revoke-tokens", "petrova"),
        ]
    );
    assert!(log.iter().all(|r| !r.details.contains("пароль")));
    assert!(store.verify_audit().unwrap().is_ok());
    assert!(matches!(
        store.set_password(&UserId::new("nobody"), "Длинный-пароль", None, "admin"),
        Err(StoreError::UnknownUser { .. })
    ));
}

fn token_is_stored_only_as_a_hash(fixture: &Fixture) {
    let store = fixture.another_handle();
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    let token = store.issue_token(&user, Duration::from_secs(60)).unwrap();
    assert!(!fixture.stored_bytes_contain(token.as_bytes()));
    drop(store);
    assert!(!fixture.stored_bytes_contain(token.as_bytes()));
    // Still usable after reopening: the hash is enough to recognise it.
    let store = fixture.another_handle();
    assert_eq!(
        store.user_for_token(&token, SystemTime::now()).unwrap(),
        Some(user)
    );
}

fn token_for_unknown_user_is_refused(fixture: &Fixture) {
    let store = fixture.another_handle();
    match store.issue_token(&UserId::new("ghost"), Duration::from_secs(60)) {
        Err(StoreError::UnknownUser { id }) => assert_eq!(id.as_str(), "ghost"),
        other => panic!("expected UnknownUser, got {other:?}"),
    }
}

fn memberships_round_trip_and_regrant_changes_nothing(fixture: &Fixture) {
    let store = fixture.another_handle();
    add_tree(&store);
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    let school = OrgId::new("lipetsk/elets/school-3");
    let region = OrgId::new("lipetsk");
    store
        .grant(&user, &school, Role::SchoolDirector, "admin")
        .unwrap();
    store
        .grant(&user, &school, Role::SchoolEditor, "admin")
        .unwrap();
    store
        .grant(&user, &region, Role::Administrator, "admin")
        .unwrap();
    store
        .grant(&user, &school, Role::SchoolDirector, "admin")
        .unwrap();

    let membership = |org: &OrgId, role| Membership {
        user: user.clone(),
        org: org.clone(),
        role,
    };
    assert_eq!(
        store.memberships(&user).unwrap(),
        [
            membership(&region, Role::Administrator),
            membership(&school, Role::SchoolDirector),
            membership(&school, Role::SchoolEditor),
        ]
    );
    assert!(store.memberships(&UserId::new("other")).unwrap().is_empty());
    // Survives reopening.
    drop(store);
    assert_eq!(
        fixture.another_handle().memberships(&user).unwrap().len(),
        3
    );
}

fn grant_refuses_unknown_user_unknown_organisation_and_misfit_role(fixture: &Fixture) {
    let store = fixture.another_handle();
    add_tree(&store);
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    let school = OrgId::new("lipetsk/elets/school-3");

    assert!(matches!(
        store.grant(&UserId::new("ghost"), &school, Role::SchoolEditor, "admin"),
        Err(StoreError::UnknownUser { .. })
    ));
    assert!(matches!(
        store.grant(&user, &OrgId::new("nowhere"), Role::SchoolEditor, "admin"),
        Err(StoreError::UnknownOrganisation { id }) if id.as_str() == "nowhere"
    ));
    assert!(matches!(
        store.grant(&user, &school, Role::MunicipalReviewer, "admin"),
        Err(StoreError::RoleDoesNotFit {
            role: Role::MunicipalReviewer,
            ..
        })
    ));
    assert!(store.memberships(&user).unwrap().is_empty());
}

fn organisations_keep_the_tree_and_round_trip(fixture: &Fixture) {
    let store = fixture.another_handle();
    add_tree(&store);
    assert!(matches!(
        store.add_organisation(&org("lipetsk", OrgKind::Region, None), "admin"),
        Err(StoreError::InvalidOrganisation(_))
    ));
    assert!(matches!(
        store.add_organisation(
            &org("orphan", OrgKind::School { mentor: true }, Some("nowhere")),
            "admin",
        ),
        Err(StoreError::InvalidOrganisation(_))
    ));
    let orgs = store.organisations().unwrap();
    let ids: Vec<&str> = orgs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["lipetsk", "lipetsk/elets", "lipetsk/elets/school-3"]);
    assert_eq!(orgs[2].kind, OrgKind::School { mentor: false });
    assert_eq!(orgs[2].parent, Some(OrgId::new("lipetsk/elets")));
    assert!(workflow::Directory::new(orgs).is_ok());
}

#[test]
fn version_one_database_migrates_and_keeps_samod_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite3");
    // A database as version-1 code left it: migration 1's tables, recorded, with samod data.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = wal;
             CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
             CREATE TABLE samod_kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);
             CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '2025-01-01T00:00:00.000Z');
             INSERT INTO samod_kv VALUES ('doc-a/snapshot/h1', x'0102'), ('storage-adapter-id', x'03');
             INSERT INTO settings VALUES ('peer', 'server-1');",
        )
        .unwrap();
    }

    let store = Store::open(&path).unwrap();
    assert_eq!(store.document_ids().unwrap(), ["doc-a"]);
    assert_eq!(store.stats().unwrap().keys, 2);
    assert_eq!(store.setting("peer").unwrap().as_deref(), Some("server-1"));
    let user = store
        .add_user("ivanova", "Иванова", PASSWORD, "admin")
        .unwrap();
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.document_ids().unwrap(), ["doc-a"]);
    assert_eq!(store.stats().unwrap().value_bytes, 3);
    assert_eq!(
        store.verify_password("ivanova", PASSWORD).unwrap(),
        Some(user)
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<u32> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
}
