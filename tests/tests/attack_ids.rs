//! Attacks through document ids, on the real server and CLI.
//!
//! A document id is 16 bytes; automerge-repo spells it in base58check, but samod also parses
//! the same bytes spelled as a UUID (any case, braced, `urn:uuid:`, plain hex). The server
//! accepts only the canonical spelling, so another school's document cannot be registered,
//! read or submitted under an alias of its id. Re-registering an existing id is idempotent for
//! the owner school and a generic, audited, rate-limited refusal for anyone who cannot read it.

use e2e::{Api, Replica, Server, example};
use serde_json::{Value, json};

/// The form both schools use: it has no mentor school, so a registration needs only the id.
const FORM: &str = "stimulus-policy-change";

/// School A's editor (МБОУ СОШ с. Красное).
const OWNER: &str = "editor";

/// School B's editor (МБОУ ООШ с. Суходол), who is no party to A's documents.
const STRANGER: &str = "sukhodol-editor";

/// Refused registrations of existing foreign ids a user may make per hour.
const PROBES_PER_HOUR: usize = 10;

/// Creates a valid document in a replica of `login` and syncs it (which registers it).
fn create_and_sync(server: &Server, dir: &std::path::Path, login: &str) -> (Replica, String) {
    let replica = Replica::new(dir, login);
    replica.login(server, login);
    let from = example(&format!("{FORM}.lipetsk.valid.json"));
    let id = replica
        .ok(&[
            "new",
            FORM,
            "--region",
            "lipetsk",
            "--from",
            from.to_str().unwrap(),
        ])
        .trim()
        .to_owned();
    replica.sync(server, &[]);
    (replica, id)
}

/// The same 16 bytes as `id`, spelled every other way samod's parser accepts.
fn aliases(id: &str) -> Vec<String> {
    let parsed: samod::DocumentId = id.parse().expect("a canonical id");
    let hex: String = parsed
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let hyphenated = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    vec![
        hyphenated.clone(),
        hyphenated.to_uppercase(),
        format!("{{{hyphenated}}}"),
        format!("urn:uuid:{hyphenated}"),
        hex.clone(),
        hex.to_uppercase(),
    ]
}

/// `text` as one URL path segment.
fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A canonical id of a document nobody created.
fn unused_id(byte: u8) -> String {
    samod::DocumentId::try_from(vec![byte; 16])
        .expect("16 bytes")
        .to_string()
}

/// The record of `id` as `api` sees it: status, heads and submissions.
fn record(api: &Api, id: &str) -> (String, Value, Value) {
    let (status, body) = api.get(&format!("/api/documents/{id}"));
    assert_eq!(status, 200, "{body}");
    (
        body["status"].as_str().unwrap().to_owned(),
        body["heads"].clone(),
        body["submissions"].clone(),
    )
}

/// The audit rows of `action`, as (actor, subject, details).
fn audited(server: &Server, action: &str) -> Vec<(String, String, Value)> {
    let store = e2e::open_store(&server.data_dir);
    store
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|row| row.action == action)
        .map(|row| {
            (
                row.actor,
                row.subject,
                serde_json::from_str(&row.details).unwrap(),
            )
        })
        .collect()
}

#[test]
fn another_schools_document_cannot_be_registered_read_or_submitted_through_an_alias_of_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let (_, victim) = create_and_sync(&server, &dir.path().join("a"), OWNER);
    let owner = Api::demo(&server, OWNER);
    let before = record(&owner, &victim);
    assert_eq!(before.0, "draft");
    assert_ne!(before.1, json!([]), "the server has the content");
    let heads = before.1.clone();

    let stranger = Api::demo(&server, STRANGER);
    // (alias, registration, show, diff, submission) as the stranger got them.
    let mut answers = Vec::new();
    for alias in aliases(&victim) {
        let (registered, body) =
            stranger.post("/api/documents", &json!({"id": alias, "form": FORM}));
        let path = format!("/api/documents/{}", segment(&alias));
        let (shown, _) = stranger.get(&path);
        let (diffed, diff) = stranger.get(&format!("{path}/diff"));
        let (submitted, _) =
            stranger.post(&format!("{path}/submissions"), &json!({"heads": heads}));
        answers.push((alias, registered, body, shown, diffed, diff, submitted));
    }
    let statuses: Vec<_> = answers
        .iter()
        .map(|(alias, r, _, s, d, _, p)| (alias.clone(), *r, *s, *d, *p))
        .collect();
    for (alias, registered, body, shown, diffed, diff, submitted) in &answers {
        assert_eq!(*registered, 422, "{alias}: {body}; all: {statuses:?}");
        assert_eq!(body["error"], "bad-id", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("base58"),
            "names the expected form: {message}"
        );
        assert_eq!(*shown, 404, "{alias}; all: {statuses:?}");
        assert_eq!(*diffed, 404, "{alias}: {diff}");
        assert!(diff.get("changes").is_none(), "{diff}");
        assert_eq!(*submitted, 404, "{alias}; all: {statuses:?}");
    }
    // The owner's own document is not reachable under an alias either: one spelling only.
    let alias = &aliases(&victim)[0];
    assert_eq!(owner.get(&format!("/api/documents/{alias}")).0, 404);

    // The stranger's CLI refuses an alias before asking the server, with a Russian message.
    let b = Replica::new(&dir.path().join("b"), STRANGER);
    b.login(&server, STRANGER);
    let out = b.run(&["status", alias]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("base58"),
        "{out:?}"
    );

    // Nothing of the victim's became the stranger's, and the victim's document is unchanged.
    let victim_bytes: samod::DocumentId = victim.parse().unwrap();
    for (id, ..) in stranger.documents() {
        let bytes = id.parse::<samod::DocumentId>().ok();
        assert_ne!(bytes.as_ref(), Some(&victim_bytes), "{id} is the victim's");
    }
    assert_eq!(record(&owner, &victim), before);
    for (actor, subject, _) in audited(&server, "register") {
        let bytes = subject.parse::<samod::DocumentId>().ok();
        assert!(
            actor == OWNER || bytes.as_ref() != Some(&victim_bytes),
            "{actor} registered {subject}"
        );
    }
    server.assert_audit_holds();
}

#[test]
fn the_owner_registers_again_idempotently_and_a_stranger_gets_one_generic_limited_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let (_, doc) = create_and_sync(&server, &dir.path().join("a"), OWNER);
    let owner = Api::demo(&server, OWNER);

    // A retry after a lost response: the same registration again is a success.
    let (status, body) = owner.post("/api/documents", &json!({"id": doc, "form": FORM}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], doc);
    assert_eq!(body["owner_school"]["id"], "krasnoe");
    // The same id with another form is a conflict the owner may be told about.
    let (status, body) = owner.post(
        "/api/documents",
        &json!({"id": doc, "form": "school-programme", "mentor": "lyceum-44"}),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "already-registered");

    // A stranger learns only that the id is taken: the same answer for a fresh draft and for
    // a demo agreement of another form, signed and under review.
    let agreement = Api::demo(&server, "admin")
        .documents()
        .into_iter()
        .find(|(_, form, school)| form == "partnership-agreement" && school == "krasnoe")
        .map(|(id, ..)| id)
        .unwrap();
    let stranger = Api::demo(&server, STRANGER);
    let refusal = |id: &str| stranger.post("/api/documents", &json!({"id": id, "form": FORM}));
    let (status, first) = refusal(&doc);
    assert_eq!(status, 409, "{first}");
    assert_eq!(first["error"], "id-unavailable");
    assert_eq!(first["details"], Value::Null);
    let (status, second) = refusal(&agreement);
    assert_eq!(status, 409, "{second}");
    assert_eq!(
        first, second,
        "the refusal depends on nothing about the document"
    );
    let text = first.to_string();
    for secret in [
        doc.as_str(),
        agreement.as_str(),
        "krasnoe",
        "Красное",
        "lyceum-44",
        "черновик",
        "подан",
        "договор",
        "стимулирующих",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }

    // Each refusal is a security event with the address, never the document's owner.
    let events = audited(&server, "register-refused");
    assert_eq!(events.len(), 2, "{events:?}");
    for ((actor, subject, details), id) in events.iter().zip([&doc, &agreement]) {
        assert_eq!(actor, STRANGER);
        assert_eq!(subject, id);
        assert_eq!(details["address"], "127.0.0.1", "{details}");
        assert!(!details.to_string().contains("krasnoe"), "{details}");
    }

    // Probing is limited per user: after ten refusals in an hour every registration of theirs
    // is refused with 429, whether the id exists or not, so the limit reveals nothing either.
    for _ in 2..PROBES_PER_HOUR {
        assert_eq!(refusal(&agreement).0, 409);
    }
    for id in [doc.clone(), unused_id(7)] {
        let (status, body) = refusal(&id);
        assert_eq!(status, 429, "{body}");
        assert_eq!(body["error"], "too-many-refusals");
        assert!(
            body["details"]["retry_after"].as_u64().unwrap() > 0,
            "{body}"
        );
    }
    assert_eq!(
        audited(&server, "register-refused").len(),
        PROBES_PER_HOUR,
        "refusals past the limit are not looked up"
    );
    // The limit is the stranger's alone.
    assert_eq!(
        owner
            .post("/api/documents", &json!({"id": doc, "form": FORM}))
            .0,
        200
    );
    let (status, body) = owner.post("/api/documents", &json!({"id": unused_id(9), "form": FORM}));
    assert_eq!(status, 201, "{body}");
    assert_eq!(record(&owner, &doc).0, "draft");
    server.assert_audit_holds();
}
