//! The administrator's REST endpoints against the real server with the demo region: the
//! accounts with their roles, a password reset that closes the user's sessions, closing
//! sessions, the audit log filtered and its chain verified; everyone else refused.

use e2e::{Api, Server};
use serde_json::json;

#[test]
fn an_administrator_resets_a_password_closes_sessions_and_reads_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let admin = Api::demo(&server, "admin");

    let (status, users) = admin.get("/api/admin/users");
    assert_eq!(status, 200, "{users}");
    let editor = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "editor")
        .expect("the editor is listed");
    assert_eq!(editor["roles"][0]["role"], "school-editor");
    assert_eq!(editor["roles"][0]["org_name"], "МБОУ СОШ с. Красное");

    // A reset closes the editor's session; the new password logs in, the old one does not.
    let session = Api::demo(&server, "editor");
    assert_eq!(session.get("/api/whoami").0, 200);
    let new_password = "новый-пароль-для-редактора";
    let (status, body) = admin.post(
        "/api/admin/users/editor/password",
        &json!({ "new_password": new_password }),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["revoked"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(session.get("/api/whoami").0, 401);
    let again = Api::login(&server, "editor", new_password);
    assert_eq!(again.get("/api/whoami").0, 200);
    let anonymous = Api::anonymous(&server);
    let (status, _) = anonymous.post(
        "/api/login",
        &json!({ "user": "editor", "password": "demo-editor" }),
    );
    assert_eq!(status, 401);

    // Weak passwords and unknown users are refused with reasons.
    let (status, body) = admin.post(
        "/api/admin/users/editor/password",
        &json!({ "new_password": "editor" }),
    );
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "weak-password");
    let (status, body) = admin.post(
        "/api/admin/users/nobody/password",
        &json!({ "new_password": "достаточно-длинный-пароль" }),
    );
    assert_eq!(status, 404, "{body}");

    // Closing sessions.
    let (status, body) = admin.post("/api/admin/users/editor/sessions/close", &json!({}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], 1);
    assert_eq!(again.get("/api/whoami").0, 401);

    // The audit log, newest first, filtered by action and actor; its chain holds.
    let (status, rows) = admin.get("/api/admin/audit?action=set-password&actor=admin");
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0]["subject"].as_str().unwrap().contains("editor"));
    let (_, all) = admin.get("/api/admin/audit?limit=5");
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        all.windows(2)
            .all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64())
    );
    assert_eq!(all[0]["action"], "revoke-tokens");
    let (status, check) = admin.get("/api/admin/audit/verify");
    assert_eq!(status, 200);
    assert_eq!(check["holds"], true, "{check}");
    assert!(check["rows"].as_u64().unwrap() > 10);

    // Nobody else.
    for user in ["coordinator", "reviewer", "director"] {
        let api = Api::demo(&server, user);
        for path in [
            "/api/admin/users",
            "/api/admin/audit",
            "/api/admin/audit/verify",
        ] {
            assert_eq!(api.get(path).0, 403, "{user} {path}");
        }
        let (status, _) = api.post("/api/admin/users/editor/sessions/close", &json!({}));
        assert_eq!(status, 403, "{user}");
    }
    let (_, openapi) = admin.get("/api/openapi.json");
    assert!(openapi["paths"]["/api/admin/users/{user}/password"]["post"].is_object());
    server.assert_audit_holds();
}
