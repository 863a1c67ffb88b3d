//! Document records on `Store`: registration, transitions with their pinned submissions and
//! signatures, concurrent submits, and the hash-chained audit log catching tampering. Real
//! databases (SQLite files in fresh temp dirs, fresh PostgreSQL databases): every test but
//! SQLite's upgrade from version 3 runs on both engines. Tampering is done through a
//! connection of its own, as someone with access to the database would.

#[macro_use]
mod support;

use store::{Pinned, Store, StoreError};
use support::Fixture;
use workflow::{
    DocumentId, DocumentRef, FormKind, Heads, OrgId, OrgKind, Organisation, Status, Transition,
    TransitionError, UserId,
};

on_both_engines!(
    registration_fixes_owner_and_parties_and_is_audited,
    a_signature_is_bound_to_the_submitted_content_hash,
    a_submit_without_its_pinned_content_is_refused,
    concurrent_submits_of_one_version_make_one_submission,
    the_audit_chain_detects_an_edited_row,
    the_audit_chain_detects_deleted_rows_in_the_middle_and_at_the_end,
    only_a_canonically_spelled_id_can_be_registered,
    documents_of_lists_a_school_s_documents_only,
    one_id_registered_at_once_through_two_handles_makes_one_record,
);

/// Two replicas registering the same id at once: one record, one audit row; every other
/// attempt is told the id is taken.
fn one_id_registered_at_once_through_two_handles_makes_one_record(f: &Fixture) {
    seed(&f.store);
    let replicas = [f.store.clone(), f.another_handle()];
    let doc = DocumentRef::new(
        doc_id(7),
        FormKind::SchoolProgramme,
        OrgId::new("school"),
        Some(OrgId::new("mentor")),
    );
    let results: Vec<_> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..8)
            .map(|n| {
                let (store, doc) = (&replicas[n % 2], &doc);
                scope.spawn(move || store.register_document(doc, "lipetsk", &UserId::new("editor")))
            })
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(refused, StoreError::DuplicateDocument { .. }),
            "{refused:?}"
        );
    }
    assert_eq!(f.store.documents().unwrap().len(), 1);
    let registrations = f
        .store
        .audit_log()
        .unwrap()
        .iter()
        .filter(|row| row.action == "register")
        .count();
    assert_eq!(registrations, 1);
    assert!(f.store.verify_audit().unwrap().is_ok());
}

/// Organisations (a region, a municipality, a school and its mentor) and four users.
fn seed(store: &Store) {
    for (id, kind, parent) in [
        ("lipetsk", OrgKind::Region, None),
        ("krasnoe", OrgKind::Municipality, Some("lipetsk")),
        ("school", OrgKind::School { mentor: false }, Some("krasnoe")),
        ("mentor", OrgKind::School { mentor: true }, Some("krasnoe")),
    ] {
        let org = Organisation {
            id: OrgId::new(id),
            kind,
            parent: parent.map(OrgId::new),
            name: id.to_owned(),
        };
        store.add_organisation(&org, "admin").unwrap();
    }
    for login in ["editor", "director", "mentor-director", "reviewer"] {
        store.add_user(login, login, "password-1", "admin").unwrap();
    }
}

/// A SQLite store with [`seed`]'s rows, for SQLite's own upgrade test.
fn sqlite_fixture() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.sqlite3");
    let store = Store::open(&path).unwrap();
    seed(&store);
    (dir, path, store)
}

/// A canonical document id: base58check of 16 bytes, as samod prints it.
fn doc_id(byte: u8) -> DocumentId {
    let bytes = samod::DocumentId::try_from(vec![byte; 16]).unwrap();
    store::document_id(&bytes.to_string()).unwrap()
}

/// The same bytes as `id`, spelled as a UUID (which samod parses too).
fn uuid_alias(id: &DocumentId) -> String {
    let bytes: samod::DocumentId = id.as_str().parse().unwrap();
    let hex: String = bytes
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn agreement(store: &Store) -> DocumentId {
    let doc = DocumentRef::new(
        doc_id(1),
        FormKind::PartnershipAgreement,
        OrgId::new("school"),
        Some(OrgId::new("mentor")),
    );
    store
        .register_document(&doc, "lipetsk", &UserId::new("editor"))
        .unwrap();
    doc.id
}

fn pinned(content: &str) -> Pinned {
    Pinned {
        form_id: "partnership-agreement".into(),
        form_version: "1.0.0".into(),
        requirements_id: "lipetsk/partnership-agreement".into(),
        requirements_version: "2025.1".into(),
        content_sha256: format!("sha-of-{content}"),
        content: content.into(),
    }
}

fn submit(heads: &str) -> Transition {
    Transition::Submit {
        heads: Heads::new([heads]),
        content_sha256: None,
    }
}

fn registration_fixes_owner_and_parties_and_is_audited(f: &Fixture) {
    seed(&f.store);
    let id = agreement(&f.store);
    let record = f.store.document(&id).unwrap().unwrap();
    assert_eq!(record.document.owner_school, OrgId::new("school"));
    assert!(record.document.is_party(&OrgId::new("mentor")));
    assert_eq!(record.document.status, Status::Draft);
    assert_eq!(record.region, "lipetsk");
    let again = DocumentRef::new(
        id.clone(),
        FormKind::SchoolProgramme,
        OrgId::new("mentor"),
        None,
    );
    assert!(matches!(
        f.store
            .register_document(&again, "lipetsk", &UserId::new("editor")),
        Err(StoreError::DuplicateDocument { .. })
    ));
    let stranger = DocumentRef::new(doc_id(2), FormKind::SchoolProgramme, "ghost".into(), None);
    assert!(matches!(
        f.store
            .register_document(&stranger, "lipetsk", &UserId::new("editor")),
        Err(StoreError::UnknownOrganisation { .. })
    ));
    let log = f.store.audit_log().unwrap();
    // 4 organisations, 4 users, one registration.
    assert_eq!(log.len(), 9);
    assert_eq!(log[8].action, "register");
    assert_eq!(f.store.verify_audit().unwrap(), Ok(9));
}

fn a_signature_is_bound_to_the_submitted_content_hash(f: &Fixture) {
    seed(&f.store);
    let id = agreement(&f.store);
    let director = UserId::new("director");
    f.store
        .transition(
            &id,
            &submit("h1"),
            &UserId::new("editor"),
            Some(&pinned("v1")),
        )
        .unwrap()
        .unwrap();
    let sign = Transition::Sign {
        party: OrgId::new("school"),
    };
    let record = f
        .store
        .transition(&id, &sign, &director, None)
        .unwrap()
        .unwrap();
    assert_eq!(record.document.status, Status::Submitted);
    let signatures = f.store.signatures(&id).unwrap();
    assert_eq!(signatures.len(), 1);
    assert_eq!(signatures[0].content_sha256, "sha-of-v1");
    assert_eq!(signatures[0].signed_by, director);
    // The same party cannot sign twice.
    assert!(
        f.store
            .transition(&id, &sign, &director, None)
            .unwrap()
            .is_err()
    );
    let submissions = f.store.submissions(&id).unwrap();
    assert_eq!(submissions[0].pinned.content, "v1");
    assert_eq!(submissions[0].heads, Heads::new(["h1"]));
}

fn a_submit_without_its_pinned_content_is_refused(f: &Fixture) {
    seed(&f.store);
    let id = agreement(&f.store);
    assert!(matches!(
        f.store
            .transition(&id, &submit("h1"), &UserId::new("editor"), None),
        Err(StoreError::MissingPin { .. })
    ));
    assert_eq!(f.store.submissions(&id).unwrap(), []);
}

fn concurrent_submits_of_one_version_make_one_submission(f: &Fixture) {
    seed(&f.store);
    let id = agreement(&f.store);
    // Two handles with connections of their own, as two server replicas would have.
    let replicas = [f.store.clone(), f.another_handle()];
    let threads: Vec<_> = (0..8)
        .map(|n| {
            let store = replicas[n % 2].clone();
            let id = id.clone();
            std::thread::spawn(move || {
                store
                    .transition(
                        &id,
                        &submit("h1"),
                        &UserId::new("editor"),
                        Some(&pinned("v1")),
                    )
                    .unwrap()
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(refused, TransitionError::AlreadySubmitted { .. }),
            "{refused:?}"
        );
    }
    assert_eq!(f.store.submissions(&id).unwrap().len(), 1);
}

fn the_audit_chain_detects_an_edited_row(f: &Fixture) {
    seed(&f.store);
    let id = agreement(&f.store);
    f.store
        .transition(
            &id,
            &submit("h1"),
            &UserId::new("editor"),
            Some(&pinned("v1")),
        )
        .unwrap()
        .unwrap();
    assert_eq!(f.store.verify_audit().unwrap(), Ok(10));
    f.execute("UPDATE audit_log SET actor = 'director' WHERE seq = 10");
    let broken = f.store.verify_audit().unwrap().unwrap_err();
    assert_eq!(broken.seq, 10);
    assert!(broken.problem.contains("edited"), "{}", broken.problem);
}

fn the_audit_chain_detects_deleted_rows_in_the_middle_and_at_the_end(f: &Fixture) {
    seed(&f.store);
    agreement(&f.store);
    f.execute("DELETE FROM audit_log WHERE seq = 9");
    let broken = f.store.verify_audit().unwrap().unwrap_err();
    assert_eq!(broken.seq, 9, "{broken}");

    let g = Fixture::new(f.engine, "deleted rows, second database").unwrap();
    seed(&g.store);
    agreement(&g.store);
    g.execute("DELETE FROM audit_log WHERE seq = 5");
    let broken = g.store.verify_audit().unwrap().unwrap_err();
    assert_eq!(broken.seq, 5, "{broken}");
    assert!(broken.problem.contains("missing"), "{}", broken.problem);
}

fn only_a_canonically_spelled_id_can_be_registered(f: &Fixture) {
    seed(&f.store);
    let victim = agreement(&f.store);
    for alias in [
        uuid_alias(&victim),
        uuid_alias(&doc_id(3)),
        "doc-3".to_owned(),
    ] {
        let doc = DocumentRef::new(
            DocumentId::new(alias.as_str()),
            FormKind::StimulusPolicyChange,
            OrgId::new("mentor"),
            None,
        );
        assert!(
            matches!(
                f.store
                    .register_document(&doc, "lipetsk", &UserId::new("mentor-director")),
                Err(StoreError::BadDocumentId(_))
            ),
            "{alias}"
        );
        assert_eq!(f.store.document(&doc.id).unwrap(), None);
    }
    assert_eq!(f.store.documents().unwrap().len(), 1);
}

#[test]
fn records_registered_under_an_alias_by_earlier_code_are_quarantined_on_upgrade() {
    let (_dir, path, store) = sqlite_fixture();
    let victim = agreement(&store);
    let alias = uuid_alias(&victim);
    drop(store);
    // The database as version-3 code could leave it: another school's record under a UUID
    // spelling of the victim's bytes, and one under a text that is no id at all.
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        for (id, owner, by) in [
            (alias.as_str(), "mentor", "mentor-director"),
            ("doc-9", "school", "editor"),
        ] {
            raw.execute(
                "INSERT INTO documents (id, form, region, owner_school, parties, created_by,
                     created_at, status, state, updated_at)
                 SELECT ?1, form, region, ?2, '[]', ?3, created_at, status, state, updated_at
                 FROM documents WHERE id = ?4",
                [id, owner, by, victim.as_str()],
            )
            .unwrap();
        }
        raw.execute_batch(
            "ALTER TABLE documents DROP COLUMN quarantined_at;
             DROP TABLE yjs_updates;
             DROP TABLE yjs_states;
             DROP TABLE reminders;
             DROP TABLE campaign_schools;
             DROP TABLE campaign_obligations;
             DROP TABLE campaigns;
             DROP TABLE identified_schools;
             DROP TABLE identifications;
             DROP TABLE login_failures;
             DELETE FROM schema_migrations WHERE version >= 4;",
        )
        .unwrap();
    }

    let store = Store::open(&path).unwrap();
    let ids: Vec<DocumentId> = store
        .documents()
        .unwrap()
        .into_iter()
        .map(|r| r.document.id)
        .collect();
    assert_eq!(ids, std::slice::from_ref(&victim));
    assert_eq!(
        store.document(&DocumentId::new(alias.as_str())).unwrap(),
        None
    );
    assert!(matches!(
        store.transition(
            &DocumentId::new(alias.as_str()),
            &submit("h1"),
            &UserId::new("mentor-director"),
            Some(&pinned("v1")),
        ),
        Err(StoreError::UnknownDocument { .. })
    ));
    let log = store.audit_log().unwrap();
    let quarantined: Vec<(&str, serde_json::Value)> = log
        .iter()
        .filter(|row| row.action == "quarantine-document")
        .map(|row| {
            (
                row.subject.as_str(),
                serde_json::from_str(&row.details).unwrap(),
            )
        })
        .collect();
    assert_eq!(quarantined.len(), 2, "{quarantined:?}");
    assert_eq!(quarantined[0].0, alias);
    assert_eq!(quarantined[0].1["same_bytes_as"], victim.as_str());
    assert_eq!(quarantined[0].1["owner_school"], "mentor");
    assert_eq!(quarantined[1].0, "doc-9");
    assert_eq!(quarantined[1].1["same_bytes_as"], serde_json::Value::Null);
    assert_eq!(store.verify_audit().unwrap(), Ok(log.len()));
    drop(store);
    // Once: opening again quarantines nothing more.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.audit_log().unwrap().len(), log.len());
}

fn documents_of_lists_a_school_s_documents_only(f: &Fixture) {
    seed(&f.store);
    let agreement = agreement(&f.store);
    let programme = DocumentRef::new(
        doc_id(2),
        FormKind::SchoolProgramme,
        OrgId::new("school"),
        Some(OrgId::new("mentor")),
    );
    f.store
        .register_document(&programme, "lipetsk", &UserId::new("editor"))
        .unwrap();
    let mentors = DocumentRef::new(
        doc_id(3),
        FormKind::StimulusPolicyChange,
        OrgId::new("mentor"),
        None,
    );
    f.store
        .register_document(&mentors, "lipetsk", &UserId::new("mentor-director"))
        .unwrap();
    let mut ids: Vec<DocumentId> = f
        .store
        .documents_of(&OrgId::new("school"))
        .unwrap()
        .into_iter()
        .map(|record| record.document.id)
        .collect();
    ids.sort();
    let mut expected = vec![agreement, programme.id];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(
        f.store
            .documents_of(&OrgId::new("krasnoe"))
            .unwrap()
            .is_empty()
    );
}
