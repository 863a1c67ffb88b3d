//! The REST API against the real server binary with the demo region: accounts and tokens,
//! who sees and does what, the lifecycle from submission to the registry, exports, bad input,
//! and the audit log's chain. No mocks: a real SQLite file in a temp dir, real HTTP.

use std::collections::BTreeSet;

use e2e::{Api, DEMO_USERS, Server, server_command};
use serde_json::{Value, json};

/// The demo's documents as (form, owner school) → id, read by the administrator who sees all.
fn demo_documents(server: &Server) -> Vec<(String, String, String)> {
    Api::demo(server, "admin").documents()
}

fn find(docs: &[(String, String, String)], form: &str, school: &str) -> String {
    docs.iter()
        .find(|(_, f, s)| f == form && s == school)
        .map(|(id, ..)| id.clone())
        .unwrap_or_else(|| panic!("no {form} of {school} in {docs:?}"))
}

fn visible(api: &Api) -> BTreeSet<(String, String)> {
    api.documents()
        .into_iter()
        .map(|(_, form, school)| (form, school))
        .collect()
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn login_issues_a_token_and_wrong_passwords_are_refused_then_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let anonymous = Api::anonymous(&server);
    let (status, body) = anonymous.post(
        "/api/login",
        &json!({"user": "editor", "password": "demo-editor"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token"].as_str().unwrap().len(), 64);
    assert_eq!(body["user"], "editor");

    let (status, body) = anonymous.post("/api/login", &json!({"user": "editor", "password": "x"}));
    assert_eq!(status, 401);
    assert_eq!(body["error"], "bad-credentials");
    assert_eq!(body["message"], "неверный логин или пароль");
    let (status, _) = anonymous.post("/api/login", &json!({"user": "nobody", "password": "x"}));
    assert_eq!(status, 401);

    // Five failures for one login lock it for a minute, even with the right password.
    for _ in 0..4 {
        anonymous.post("/api/login", &json!({"user": "editor", "password": "x"}));
    }
    let (status, body) = anonymous.post(
        "/api/login",
        &json!({"user": "editor", "password": "demo-editor"}),
    );
    assert_eq!(status, 429, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("повторите через")
    );
    // Other logins from the same address are not locked by it.
    let (status, _) = anonymous.post(
        "/api/login",
        &json!({"user": "director", "password": "demo-director"}),
    );
    assert_eq!(status, 200);
}

#[test]
fn forged_missing_and_revoked_tokens_are_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let anonymous = Api::anonymous(&server);
    for path in ["/api/documents", "/api/whoami", "/api/registry"] {
        let (status, body) = anonymous.get(path);
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["error"], "unauthorized");
    }
    let mut forged = Api::anonymous(&server);
    forged.token = Some("0".repeat(64));
    assert_eq!(forged.get("/api/documents").0, 401);

    // A token past its expiry is refused (its expiry moved into the past in the database).
    // (SQLite's SQL; the store's own tests expire tokens on both engines.)
    if !e2e::on_postgres() {
        let expiring = Api::demo(&server, "director");
        assert_eq!(expiring.get("/api/whoami").0, 200);
        let db = rusqlite::Connection::open(server.data_dir.join("ravenstvo.sqlite3")).unwrap();
        db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        db.execute(
            "UPDATE tokens SET expires_at = 1 WHERE user_id = 'director'",
            [],
        )
        .unwrap();
        let (status, body) = expiring.get("/api/whoami");
        assert_eq!(status, 401, "an expired token still works: {body}");
    }

    let editor = Api::demo(&server, "editor");
    let (status, me) = editor.get("/api/whoami");
    assert_eq!(status, 200);
    assert_eq!(me["roles"][0]["role"], "school-editor");
    assert_eq!(me["roles"][0]["org"], "krasnoe");
    assert_eq!(editor.post("/api/logout", &Value::Null).0, 204);
    assert_eq!(
        editor.get("/api/documents").0,
        401,
        "a revoked token still works"
    );
}

#[test]
fn each_role_sees_exactly_the_documents_the_table_gives_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let krasnoe_all = [
        ("school-programme", "krasnoe"),
        ("partnership-agreement", "krasnoe"),
        ("stimulus-policy-change", "krasnoe"),
    ];
    let sukhodol_all = [
        ("school-programme", "sukhodol"),
        ("stimulus-policy-change", "sukhodol"),
    ];
    let everything: BTreeSet<_> = set(&krasnoe_all)
        .union(&set(&sukhodol_all))
        .cloned()
        .collect();
    let expected: [(&str, BTreeSet<(String, String)>); 12] = [
        ("editor", set(&krasnoe_all)),
        ("director", set(&krasnoe_all)),
        // The mentor school is a party to the programme and the agreement, not to the policy.
        (
            "mentor",
            set(&[
                ("school-programme", "krasnoe"),
                ("partnership-agreement", "krasnoe"),
            ]),
        ),
        (
            "mentor-director",
            set(&[
                ("school-programme", "krasnoe"),
                ("partnership-agreement", "krasnoe"),
            ]),
        ),
        // Both schools are in the reviewer's municipality.
        ("reviewer", everything.clone()),
        // The region sees what has been submitted: not drafts, not returned versions.
        (
            "coordinator",
            set(&[
                ("school-programme", "krasnoe"),
                ("partnership-agreement", "krasnoe"),
                ("stimulus-policy-change", "sukhodol"),
            ]),
        ),
        ("curator", set(&krasnoe_all)),
        ("admin", everything),
        ("sukhodol-editor", set(&sukhodol_all)),
        // Mordovia's schools have no demo documents, and see none of Lipetsk's.
        ("kadoshkino-editor", set(&[])),
        ("insar-editor", set(&[])),
        ("mordovia-coordinator", set(&[])),
    ];
    assert_eq!(expected.len(), DEMO_USERS.len());
    for (login, documents) in expected {
        let api = Api::demo(&server, login);
        assert_eq!(visible(&api), documents, "{login}");
    }
}

#[test]
fn a_school_that_knows_another_schools_document_id_still_cannot_touch_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let programme = find(&docs, "school-programme", "krasnoe");
    let stranger = Api::demo(&server, "sukhodol-editor");
    let (status, body) = stranger.get(&format!("/api/documents/{programme}"));
    assert_eq!(status, 404, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("не найден или нет доступа")
    );
    for (path, body) in [
        ("submissions", json!({"heads": ["00"]})),
        ("signatures", Value::Null),
        ("review", json!({"verdict": "approve"})),
        ("collect", Value::Null),
    ] {
        let (status, _) = stranger.post(&format!("/api/documents/{programme}/{path}"), &body);
        assert_eq!(status, 404, "{path}");
    }
    // The same answer as for a document that does not exist, so ids cannot be probed.
    let (status, _) = stranger.get("/api/documents/2pGptkPin4tJUHWEBjWkCsXnckmw");
    assert_eq!(status, 404);
}

#[test]
fn roles_may_only_do_what_the_table_says_and_are_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let agreement = find(&docs, "partnership-agreement", "krasnoe");
    let path = |what: &str| format!("/api/documents/{agreement}/{what}");
    // A curator reads but does not review; an editor does not sign; a coordinator does not
    // approve.
    let curator = Api::demo(&server, "curator");
    let (status, body) = curator.post(&path("review"), &json!({"verdict": "approve"}));
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("муниципалитет"),
        "{body}"
    );
    let editor = Api::demo(&server, "editor");
    let (status, body) = editor.post(&path("signatures"), &Value::Null);
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("директора"),
        "{body}"
    );
    let coordinator = Api::demo(&server, "coordinator");
    assert_eq!(
        coordinator
            .post(&path("review"), &json!({"verdict": "approve"}))
            .0,
        403
    );
    // The permissions listed are the ones the table gives.
    let (_, detail) =
        Api::demo(&server, "mentor-director").get(&format!("/api/documents/{agreement}"));
    assert_eq!(detail["permissions"], json!(["read", "sign"]), "{detail}");
    let (_, detail) = Api::demo(&server, "reviewer").get(&format!("/api/documents/{agreement}"));
    assert_eq!(detail["permissions"], json!(["read", "review"]), "{detail}");
    // The owner's director has signed this version already: nothing more to do but read.
    let (_, detail) = Api::demo(&server, "director").get(&format!("/api/documents/{agreement}"));
    assert_eq!(detail["permissions"], json!(["read"]), "{detail}");
}

#[test]
fn an_agreement_goes_from_signatures_to_approval_to_the_registry_and_its_exports() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let agreement = find(&docs, "partnership-agreement", "krasnoe");
    let path = |what: &str| format!("/api/documents/{agreement}/{what}");
    let reviewer = Api::demo(&server, "reviewer");
    // Only the owner's director has signed: approval waits for the mentor school's.
    let (status, body) = reviewer.post(&path("review"), &json!({"verdict": "approve"}));
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "transition-refused");
    let mentor_director = Api::demo(&server, "mentor-director");
    let (status, body) = mentor_director.post(&path("signatures"), &Value::Null);
    assert_eq!(status, 201, "{body}");
    let (status, body) = mentor_director.post(&path("signatures"), &Value::Null);
    assert_eq!(status, 409, "signed twice: {body}");
    let (status, body) = reviewer.post(&path("review"), &json!({"verdict": "approve"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");

    let (_, detail) = reviewer.get(&format!("/api/documents/{agreement}"));
    let submission = &detail["submissions"][0];
    let hash = submission["content_sha256"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    let signatures = submission["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2);
    assert!(
        signatures.iter().all(|s| s["content_sha256"] == hash),
        "{signatures:?}"
    );
    assert_eq!(submission["verdict"], "approved");
    assert_eq!(submission["reviewed_by"], "reviewer");

    let coordinator = Api::demo(&server, "coordinator");
    let (status, rows) = coordinator.get("/api/registry?status=approved");
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["document"] == agreement.as_str()),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r["status"] == "approved"));
    let (status, body) = coordinator.post(&path("collect"), &Value::Null);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "collected");
    let (_, collected) =
        coordinator.get("/api/registry?status=collected&form=partnership-agreement");
    let collected = collected.as_array().unwrap();
    assert_eq!(collected.len(), 1);
    assert_eq!(collected[0]["municipality"], "krasninsky");
    assert_eq!(collected[0]["amount"], 300000.0);
    assert!(
        collected[0]["indicators"]
            .as_str()
            .unwrap()
            .contains("17/РОВ-2025")
    );
    let (_, none) = coordinator.get("/api/registry?municipality=lipetsk-city");
    assert_eq!(none, json!([]));

    let (status, csv) = coordinator.get_bytes("/api/registry/export?format=csv");
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}Школа,Муниципалитет,Форма,Статус"),
        "{}",
        lines[0]
    );
    // The collected programme and agreement, and Суходол's approved policy change.
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(csv.contains("МБОУ СОШ с. Красное"));
    let (status, xlsx) = coordinator.get_bytes("/api/registry/export?format=xlsx");
    assert_eq!(status, 200);
    assert_eq!(&xlsx[..2], b"PK", "an XLSX file is a zip");
    let (status, body) = coordinator.get("/api/registry/export?format=pdf");
    assert_eq!(status, 422, "{body}");
    // The registry is the coordinator's.
    assert_eq!(reviewer.get("/api/registry").0, 403);
}

#[test]
fn a_returned_document_shows_its_comments_on_named_fields() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let policy = find(&docs, "stimulus-policy-change", "krasnoe");
    let (status, detail) = Api::demo(&server, "editor").get(&format!("/api/documents/{policy}"));
    assert_eq!(status, 200);
    assert_eq!(detail["status"], "returned");
    let comment = &detail["submissions"][0]["comments"][0];
    assert_eq!(comment["pointer"], "/criteria/0/points");
    let field = comment["field"].as_str().unwrap();
    assert!(field.contains("строка 1"), "{field}");
    assert!(
        detail["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("write"))
    );
}

#[test]
fn concurrent_submits_of_one_version_make_one_submission() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let draft = find(&docs, "school-programme", "sukhodol");
    let editor = Api::demo(&server, "sukhodol-editor");
    let (_, detail) = editor.get(&format!("/api/documents/{draft}"));
    let heads = detail["heads"].clone();
    assert!(!heads.as_array().unwrap().is_empty(), "{detail}");
    let statuses: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let editor = &editor;
                let (draft, heads) = (&draft, &heads);
                scope.spawn(move || {
                    editor.post(
                        &format!("/api/documents/{draft}/submissions"),
                        &json!({ "heads": heads }),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let created: Vec<_> = statuses.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(created.len(), 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|(s, _)| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let (_, detail) = editor.get(&format!("/api/documents/{draft}"));
    assert_eq!(detail["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(detail["status"], "submitted");
    assert_eq!(
        created[0].1["content_sha256"],
        detail["submissions"][0]["content_sha256"]
    );
}

#[test]
fn bad_requests_get_a_russian_4xx_never_a_500() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let agreement = find(&docs, "partnership-agreement", "krasnoe");
    let draft = find(&docs, "school-programme", "sukhodol");
    let editor = Api::demo(&server, "sukhodol-editor");
    let submissions = format!("/api/documents/{draft}/submissions");
    let cases: Vec<(u16, Value)> = vec![
        editor.post_raw(&submissions, "application/json", b"{\"heads\": ["),
        editor.post_raw(&submissions, "application/json", b"{}"),
        editor.post_raw(&submissions, "text/plain", b"heads"),
        oversized(&server, &editor, &submissions),
        editor.post(&submissions, &json!({"heads": []})),
        editor.post(&submissions, &json!({"heads": ["not-a-hash"]})),
        editor.post(&submissions, &json!({"heads": ["ab".repeat(32)]})),
        editor.post(
            "/api/documents",
            &json!({"id": "x", "form": "school-programme"}),
        ),
        editor.post(
            "/api/documents",
            &json!({"id": draft, "form": "annual-report"}),
        ),
        editor.get("/api/no/such/thing"),
        Api::demo(&server, "reviewer").post(
            &format!("/api/documents/{agreement}/review"),
            &json!({"verdict": "maybe"}),
        ),
        Api::anonymous(&server).post_raw("/api/login", "application/json", b"{\"user\": "),
    ];
    let expected = [400, 422, 415, 413, 422, 422, 422, 422, 422, 404, 422, 400];
    for ((status, body), want) in cases.iter().zip(expected) {
        assert_eq!(*status, want, "{body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.chars().any(|c| ('а'..='я').contains(&c)),
            "not a Russian message: {body}"
        );
        assert!(body["error"].is_string(), "{body}");
    }
}

/// Posts a 2 MiB JSON body to `path`, writing it from a second thread while reading the
/// answer, which the server may send before it has read the whole body.
fn oversized(server: &Server, api: &Api, path: &str) -> (u16, Value) {
    use std::io::{Read, Write};
    const SIZE: usize = 2 * 1024 * 1024;
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    let token = api.token.as_deref().unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {SIZE}\r\nConnection: close\r\n\r\n",
        server.addr(),
    )
    .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        // The server may close the connection once it has refused: write errors are expected.
        let _ = writer.write_all(&vec![b' '; SIZE]);
    });
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.ends_with(b"}") {
            break;
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    sender.join().unwrap();
    let answer = String::from_utf8_lossy(&bytes).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn comments_must_point_at_fields_of_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let docs = demo_documents(&server);
    let agreement = find(&docs, "partnership-agreement", "krasnoe");
    let reviewer = Api::demo(&server, "reviewer");
    let review = format!("/api/documents/{agreement}/review");
    let (status, body) = reviewer.post(
        &review,
        &json!({"verdict": "return", "comments": [{"pointer": "/no_such_field", "text": "?"}]}),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["details"]["pointer"], "/no_such_field");
    let (status, body) = reviewer.post(&review, &json!({"verdict": "return", "comments": []}));
    assert_eq!(status, 422, "a return needs a comment: {body}");
    let (status, body) = reviewer.post(
        &review,
        &json!({"verdict": "return", "comments": [{"pointer": "/term/end", "text": "Срок короче учебного года"}]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "returned");
}

#[test]
fn the_openapi_document_lists_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let (status, doc) = Api::anonymous(&server).get("/api/openapi.json");
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/login",
        "/api/documents",
        "/api/documents/{id}/submissions",
        "/api/documents/{id}/review",
        "/api/registry/export",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn admin_commands_set_up_accounts_and_the_audit_chain_catches_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let ok = |args: &[&str]| {
        let out = server_command(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    ok(&[
        "admin",
        "add-org",
        "oryol",
        "--kind",
        "region",
        "--name",
        "Орловская область",
        "--data-dir",
        data,
    ]);
    ok(&[
        "admin",
        "add-org",
        "mtsensk",
        "--kind",
        "municipality",
        "--parent",
        "oryol",
        "--name",
        "Мценский район",
        "--data-dir",
        data,
    ]);
    let out = server_command(&[
        "admin",
        "add-org",
        "x",
        "--kind",
        "school",
        "--parent",
        "oryol",
        "--name",
        "X",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success(), "a school directly under a region");
    let mut add_user = e2e::server_process(&[
        "admin",
        "add-user",
        "petrova",
        "--name",
        "Петрова",
        "--password-stdin",
        "--data-dir",
        data,
    ])
    .stdin(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write;
    add_user
        .stdin
        .take()
        .unwrap()
        .write_all(b"long-enough-password\n")
        .unwrap();
    assert!(add_user.wait().unwrap().success());
    ok(&[
        "admin",
        "grant",
        "petrova",
        "mtsensk",
        "municipal-reviewer",
        "--data-dir",
        data,
    ]);
    let out = server_command(&[
        "admin",
        "grant",
        "petrova",
        "mtsensk",
        "school-editor",
        "--data-dir",
        data,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("нельзя выдать"));

    let server = Server::start(dir.path());
    let api = Api::login(&server, "petrova", "long-enough-password");
    let (_, me) = api.get("/api/whoami");
    assert_eq!(me["roles"][0]["role"], "municipal-reviewer");
    assert!(server.stop());

    let verified = ok(&["audit", "verify", "--data-dir", data]);
    // Two organisations, the user, the grant, and petrova's login.
    assert!(verified.contains("записей — 5"), "{verified}");
    if e2e::on_postgres() {
        // Tampering is done with SQLite's own SQL below; the store's tests tamper on both.
        return;
    }
    let db = rusqlite::Connection::open(dir.path().join("ravenstvo.sqlite3")).unwrap();
    db.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 3", [])
        .unwrap();
    let out = server_command(&["audit", "verify", "--data-dir", data]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("запись 3"), "{said}");
}
