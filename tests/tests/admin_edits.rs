//! The administrator's edits against the real server with the demo region: organisations
//! added, renamed and a school moved (which changes who reviews its documents), users added,
//! deactivated and reactivated, roles granted and withdrawn, curators assigned; the same acts
//! from `sync-server admin`; the curator's page of their schools. Everyone else refused;
//! everything audited.

use e2e::{Api, Server, server_command};
use serde_json::json;

#[test]
fn an_administrator_edits_organisations_users_roles_and_curators() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let admin = Api::demo(&server, "admin");

    // Organisations: the region's tree, a new municipality and school, a rename.
    let (status, orgs) = admin.get("/api/admin/organisations");
    assert_eq!(status, 200, "{orgs}");
    let ids: Vec<&str> = orgs
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"krasnoe") && ids.contains(&"lipetsk"),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&"mordovia"),
        "the Lipetsk administrator sees only Lipetsk"
    );
    let (status, body) = admin.post(
        "/api/admin/organisations",
        &json!({"id": "dankov", "kind": "municipality", "parent": "lipetsk", "name": "Данковский муниципальный район"}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["kind_ru"], "муниципалитет");
    let (status, body) = admin.post(
        "/api/admin/organisations",
        &json!({"id": "dankov-school", "kind": "school", "parent": "dankov", "name": "МБОУ СОШ г. Данкова"}),
    );
    assert_eq!(status, 201, "{body}");
    for (bad, error) in [
        (
            json!({"id": "с пробелом", "kind": "school", "parent": "dankov", "name": "x"}),
            "bad-field",
        ),
        (
            json!({"id": "x2", "kind": "ministry", "parent": "dankov", "name": "x"}),
            "bad-field",
        ),
        (
            json!({"id": "x3", "kind": "region", "parent": "lipetsk", "name": "x"}),
            "bad-field",
        ),
        (
            json!({"id": "x4", "kind": "school", "parent": "lipetsk", "name": "x"}),
            "invalid-organisation",
        ),
        (
            json!({"id": "krasnoe", "kind": "school", "parent": "dankov", "name": "x"}),
            "invalid-organisation",
        ),
    ] {
        let (status, body) = admin.post("/api/admin/organisations", &bad);
        assert_eq!(status, 422, "{bad} → {body}");
        assert_eq!(body["error"], error, "{body}");
    }
    let (status, _) = admin.post(
        "/api/admin/organisations",
        &json!({"id": "x5", "kind": "school", "parent": "kadoshkino", "name": "x"}),
    );
    assert_eq!(status, 403, "another region's municipality is out of scope");
    let (status, body) = admin.post(
        "/api/admin/organisations/dankov-school/name",
        &json!({"name": "  МБОУ СОШ № 1 г. Данкова "}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "МБОУ СОШ № 1 г. Данкова");

    // Moving Суходол to Данков: the Краснинский reviewer loses its documents.
    let reviewer = Api::demo(&server, "reviewer");
    let sukhodol = |api: &Api| {
        api.documents()
            .iter()
            .filter(|(_, _, school)| school == "sukhodol")
            .count()
    };
    assert!(sukhodol(&reviewer) > 0);
    let (status, body) = admin.post(
        "/api/admin/organisations/sukhodol/municipality",
        &json!({"municipality": "dankov"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["parent"], "dankov");
    assert_eq!(sukhodol(&reviewer), 0);
    let (status, body) = admin.post(
        "/api/admin/organisations/sukhodol/municipality",
        &json!({"municipality": "kadoshkino"}),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin.post(
        "/api/admin/organisations/krasninsky/municipality",
        &json!({"municipality": "dankov"}),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "cannot-move");

    // Users: added, given a role, deactivated (no login, session closed), reactivated.
    let (status, body) = admin.post(
        "/api/admin/users",
        &json!({"login": "orlova", "display_name": "Орлова Н. В.", "password": "пароль-для-орловой"}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["active"], true);
    let (status, body) = admin.post(
        "/api/admin/users",
        &json!({"login": "orlova", "display_name": "Другая", "password": "пароль-для-другой"}),
    );
    assert_eq!((status, body["error"].as_str()), (409, Some("login-taken")));
    let (status, body) = admin.post(
        "/api/admin/users",
        &json!({"login": "weak", "display_name": "Слабый", "password": "weak"}),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("weak-password"))
    );
    let (status, body) = admin.post(
        "/api/admin/users/orlova/roles",
        &json!({"org": "dankov", "role": "municipal-reviewer"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"][0]["role_ru"], "специалист муниципалитета");
    let (status, body) = admin.post(
        "/api/admin/users/orlova/roles",
        &json!({"org": "dankov-school", "role": "municipal-reviewer"}),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("role-does-not-fit"))
    );
    let orlova = Api::login(&server, "orlova", "пароль-для-орловой");
    assert!(
        sukhodol(&orlova) > 0,
        "the new reviewer of Данков sees Суходол's documents"
    );
    let (status, body) = admin.post("/api/admin/users/orlova/active", &json!({"active": false}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], 1);
    assert_eq!(orlova.get("/api/whoami").0, 401);
    let anonymous = Api::anonymous(&server);
    let login = json!({"user": "orlova", "password": "пароль-для-орловой"});
    assert_eq!(anonymous.post("/api/login", &login).0, 401);
    let (_, users) = admin.get("/api/admin/users");
    let listed = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "orlova")
        .unwrap()
        .clone();
    assert_eq!(listed["active"], false);
    let (status, _) = admin.post("/api/admin/users/admin/active", &json!({"active": false}));
    assert_eq!(status, 422, "an administrator cannot lock themselves out");
    assert_eq!(
        admin
            .post("/api/admin/users/orlova/active", &json!({"active": true}))
            .0,
        200
    );
    assert_eq!(anonymous.post("/api/login", &login).0, 200);
    let (status, body) = admin.post(
        "/api/admin/users/orlova/roles/withdraw",
        &json!({"org": "dankov", "role": "municipal-reviewer"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"], json!([]));
    let (status, _) = admin.post(
        "/api/admin/users/orlova/roles/withdraw",
        &json!({"org": "dankov", "role": "municipal-reviewer"}),
    );
    assert_eq!(status, 404);

    // Curator assignments: the demo curator gets Суходол too, then loses Красное.
    let curator = Api::demo(&server, "curator");
    let (status, page) = curator.get("/api/curator/schools");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["school"]["id"], "krasnoe");
    let returned = page[0]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["document"]["status"] == "returned")
        .expect("Красное's returned policy change");
    assert_eq!(returned["judged_round"], 1);
    assert_eq!(
        returned["findings"].as_array().unwrap().len(),
        returned["errors"].as_u64().unwrap() as usize
            + returned["warnings"].as_u64().unwrap() as usize
    );
    let (status, body) = admin.post(
        "/api/admin/users/curator/schools",
        &json!({"school": "sukhodol"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["curated"].as_array().unwrap().len(), 2);
    let (status, body) = admin.post(
        "/api/admin/users/orlova/schools",
        &json!({"school": "sukhodol"}),
    );
    assert_eq!(status, 422, "not a curator: {body}");
    let (status, body) = admin.post(
        "/api/admin/users/curator/schools",
        &json!({"school": "dankov"}),
    );
    assert_eq!(status, 422, "not a school: {body}");
    let (status, body) = admin.post(
        "/api/admin/users/curator/schools/withdraw",
        &json!({"school": "krasnoe"}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, page) = curator.get("/api/curator/schools");
    let schools: Vec<&str> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["school"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(schools, ["sukhodol"]);
    assert_eq!(
        page[0]["municipality"]["name"],
        "Данковский муниципальный район"
    );

    // Nobody else edits; only curators have the curator's page.
    for user in ["coordinator", "reviewer", "curator"] {
        let api = Api::demo(&server, user);
        assert_eq!(api.get("/api/admin/organisations").0, 403, "{user}");
        for (path, body) in [
            (
                "/api/admin/organisations",
                json!({"id": "y", "kind": "school", "parent": "dankov", "name": "y"}),
            ),
            (
                "/api/admin/organisations/krasnoe/name",
                json!({"name": "y"}),
            ),
            (
                "/api/admin/users",
                json!({"login": "y", "display_name": "y", "password": "пароль-пароль"}),
            ),
            ("/api/admin/users/editor/active", json!({"active": false})),
            (
                "/api/admin/users/editor/roles",
                json!({"org": "krasnoe", "role": "school-director"}),
            ),
            (
                "/api/admin/users/curator/schools",
                json!({"school": "krasnoe"}),
            ),
        ] {
            assert_eq!(api.post(path, &body).0, 403, "{user} {path}");
        }
    }
    assert_eq!(
        Api::demo(&server, "reviewer").get("/api/curator/schools").0,
        403
    );

    // Every act is in the audit log under the administrator's name.
    let (_, rows) = admin.get("/api/admin/audit?actor=admin&limit=1000");
    let actions: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    for action in [
        "add-organisation",
        "rename-organisation",
        "move-school",
        "add-user",
        "grant",
        "deactivate-user",
        "activate-user",
        "revoke",
        "assign-curator",
        "unassign-curator",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    let today = rows[0]["at"].as_str().unwrap()[..10].to_owned();
    let (_, dated) = admin.get(&format!(
        "/api/admin/audit?from={today}&to={today}&action=move-school"
    ));
    assert_eq!(dated.as_array().unwrap().len(), 1, "{dated}");
    let (_, none) = admin.get("/api/admin/audit?to=2000-01-01");
    assert_eq!(none, json!([]));
    assert_eq!(admin.get("/api/admin/audit?from=вчера").0, 422);
    let (_, openapi) = admin.get("/api/openapi.json");
    assert!(openapi["paths"]["/api/admin/organisations/{org}/municipality"]["post"].is_object());
    assert!(openapi["paths"]["/api/curator/schools"]["get"].is_object());
    server.assert_audit_holds();
}

#[test]
fn the_command_line_renames_moves_withdraws_and_deactivates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--data-dir", data, "admin"];
        all.extend_from_slice(args);
        let out = server_command(&all);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for args in [
        &[
            "add-org",
            "lipetsk",
            "--kind",
            "region",
            "--name",
            "Липецкая область",
        ][..],
        &[
            "add-org",
            "oryol",
            "--kind",
            "region",
            "--name",
            "Орловская область",
        ],
        &[
            "add-org",
            "elets",
            "--kind",
            "municipality",
            "--parent",
            "lipetsk",
            "--name",
            "Елец",
        ],
        &[
            "add-org",
            "dankov",
            "--kind",
            "municipality",
            "--parent",
            "lipetsk",
            "--name",
            "Данков",
        ],
        &[
            "add-org",
            "mtsensk",
            "--kind",
            "municipality",
            "--parent",
            "oryol",
            "--name",
            "Мценск",
        ],
        &[
            "add-org",
            "school-3",
            "--kind",
            "school",
            "--parent",
            "elets",
            "--name",
            "Школа 3",
        ],
        &["rename-org", "school-3", "--name", "МБОУ СОШ № 3 г. Ельца"],
        &["move-school", "school-3", "--municipality", "dankov"],
        &["grant", "zhdanov", "lipetsk", "curator"],
    ] {
        let (code, out, err) = run(args);
        if args[0] == "grant" {
            assert_eq!(code, Some(1), "no such user yet: {out}{err}");
        } else {
            assert_eq!(code, Some(0), "{args:?}: {out}{err}");
        }
    }
    let (code, _, err) = run(&["move-school", "school-3", "--municipality", "mtsensk"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("в другом регионе"), "{err}");
    let (code, _, err) = run(&["rename-org", "nowhere", "--name", "x"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("не найдена"), "{err}");

    let out = e2e::server_process(&[
        "--data-dir",
        data,
        "admin",
        "add-user",
        "zhdanov",
        "--name",
        "Жданов",
        "--password-stdin",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .spawn()
    .and_then(|mut child| {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"pass-for-zhdanov\n")?;
        child.wait_with_output()
    })
    .unwrap();
    assert!(out.status.success());
    for (args, says) in [
        (&["grant", "zhdanov", "lipetsk", "curator"][..], "выдана"),
        (&["assign-curator", "zhdanov", "school-3"], "закреплён"),
        (
            &["unassign-curator", "zhdanov", "school-3"],
            "больше не закреплён",
        ),
        (&["unassign-curator", "zhdanov", "school-3"], "и не был"),
        (&["revoke", "zhdanov", "lipetsk", "curator"], "снята"),
        (&["revoke", "zhdanov", "lipetsk", "curator"], "не было"),
        (&["deactivate", "zhdanov"], "отключена"),
        (&["activate", "zhdanov"], "снова включена"),
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(out.contains(says), "{args:?}: {out}");
    }
    let verify = server_command(&["--data-dir", data, "audit", "verify"]);
    assert!(verify.status.success());
}
