//! Passwords and sessions end to end: a user changing their own password (REST and
//! `ravenstvo passwd`), closing their other sessions, and an administrator's reset with
//! `sync-server admin`. The real server binary with the demo region, real HTTP, real CLI.

use std::io::Write;
use std::process::{Command, Stdio};

use e2e::{Api, Replica, Server, server_command};
use serde_json::json;

/// `whoami`'s status for a client: 200 while its token is valid, 401 once revoked.
fn whoami(api: &Api) -> u16 {
    api.get("/api/whoami").0
}

fn change(api: &Api, current: &str, new: &str) -> (u16, serde_json::Value) {
    api.post(
        "/api/password",
        &json!({"current_password": current, "new_password": new}),
    )
}

#[test]
fn a_changed_password_closes_the_other_sessions_and_refuses_weak_or_wrong_input() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let here = Api::demo(&server, "editor");
    let laptop = Api::demo(&server, "editor");
    let neighbour = Api::demo(&server, "director");

    let (status, body) = change(&here, "not-my-password", "Новый-пароль-школы");
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "bad-credentials");
    assert_eq!(body["message"], "текущий пароль неверен");
    assert_eq!(body["details"]["field"], "current_password");
    for (new, expected) in [
        ("коротко", "не менее 8 символов"),
        ("editor", "не менее 8 символов"),
        ("zzzzzzzzzz", "одного повторяющегося символа"),
        ("demo-editor", "совпадает с текущим"),
    ] {
        let (status, body) = change(&here, "demo-editor", new);
        assert_eq!(status, 422, "{new}: {body}");
        assert_eq!(body["error"], "weak-password");
        assert_eq!(body["details"]["field"], "new_password");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(expected), "{new}: {message}");
    }
    assert_eq!(whoami(&laptop), 200, "nothing changed yet");

    let (status, body) = change(&here, "demo-editor", "Новый-пароль-школы");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], 1, "the laptop's session");
    assert_eq!(whoami(&here), 200, "the session that changed it stays");
    assert_eq!(whoami(&laptop), 401);
    assert_eq!(whoami(&neighbour), 200, "another user is not touched");
    let anonymous = Api::anonymous(&server);
    let (status, _) = anonymous.post(
        "/api/login",
        &json!({"user": "editor", "password": "demo-editor"}),
    );
    assert_eq!(status, 401, "the old password no longer works");
    Api::login(&server, "editor", "Новый-пароль-школы");
    // Changing a password needs a session: no token, no change.
    let (status, _) = change(&anonymous, "Новый-пароль-школы", "Ещё-один-пароль");
    assert_eq!(status, 401);
}

#[test]
fn guessing_the_current_password_with_a_stolen_session_is_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let stolen = Api::demo(&server, "mentor");
    for _ in 0..5 {
        let (status, _) = change(&stolen, "guess", "Чужой-пароль-123");
        assert_eq!(status, 401);
    }
    let (status, body) = change(&stolen, "demo-mentor", "Чужой-пароль-123");
    assert_eq!(status, 429, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("повторите через")
    );
    // The same limit guards the login form.
    let (status, _) = Api::anonymous(&server).post(
        "/api/login",
        &json!({"user": "mentor", "password": "demo-mentor"}),
    );
    assert_eq!(status, 429);
}

#[test]
fn closing_the_other_sessions_keeps_this_one() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let here = Api::demo(&server, "reviewer");
    let others = [
        Api::demo(&server, "reviewer"),
        Api::demo(&server, "reviewer"),
    ];
    let (status, body) = here.post("/api/logout/others", &json!({}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], 2);
    assert_eq!(whoami(&here), 200);
    assert!(others.iter().all(|api| whoami(api) == 401));
    let (status, body) = here.post("/api/logout/others", &json!({}));
    assert_eq!((status, body["revoked"].as_u64()), (200, Some(0)));
}

#[test]
fn the_cli_changes_the_password_and_closes_the_other_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let replica = Replica::new(&dir.path().join("replica"), "Директор");
    replica.login(&server, "director");
    let elsewhere = Api::demo(&server, "director");

    let passwd = |input: &str| {
        let mut child = Command::new(e2e::bin("ravenstvo"))
            .args(["passwd", "--password-stdin"])
            .env("RAVENSTVO_DATA_DIR", &replica.data_dir)
            .env("RAVENSTVO_FORMS_DIR", e2e::root().join("forms"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = passwd("wrong\nДиректорский-пароль\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("текущий пароль неверен"));
    let out = passwd("demo-director\nкоротко\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("не менее 8 символов"));

    let out = passwd("demo-director\nДиректорский-пароль\n");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("Пароль изменён. Другие сеансы закрыты: 1"),
        "{stdout}"
    );
    assert_eq!(whoami(&elsewhere), 401);
    assert!(
        replica.ok(&["whoami"]).contains("director"),
        "this replica stays logged in"
    );
    // The new password works elsewhere; closing the other sessions from here ends that one.
    let elsewhere = Api::login(&server, "director", "Директорский-пароль");
    let stdout = replica.ok(&["logout", "--others"]);
    assert!(stdout.contains("Другие сеансы закрыты: 1"), "{stdout}");
    assert_eq!(whoami(&elsewhere), 401);
    assert!(replica.ok(&["whoami"]).contains("director"));
}

#[test]
fn an_administrator_resets_a_password_and_closes_every_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let data = server.data_dir.to_str().unwrap().to_owned();
    let sessions = [Api::demo(&server, "curator"), Api::demo(&server, "curator")];

    let reset = |login: &str, password: &str| {
        let mut child = e2e::server_process(&[
            "admin",
            "set-password",
            login,
            "--password-stdin",
            "--data-dir",
            &data,
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let out = reset("curator", "curator");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("не менее 8"));
    let out = reset("nobody", "Достаточно-длинный");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("нет пользователя \"nobody\""));

    let out = reset("curator", "Пароль-от-администратора");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("закрыто сеансов: 2"));
    assert!(sessions.iter().all(|api| whoami(api) == 401));
    let curator = Api::login(&server, "curator", "Пароль-от-администратора");
    let out = server_command(&["admin", "revoke-tokens", "curator", "--data-dir", &data]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("сеансы curator закрыты: 1"));
    assert_eq!(whoami(&curator), 401);

    let out = server_command(&["audit", "verify", "--data-dir", &data]);
    assert!(out.status.success(), "{out:?}");
    let store = e2e::open_store(&server.data_dir);
    let acts: Vec<(String, String, String)> = store
        .audit_log()
        .unwrap()
        .into_iter()
        .filter(|row| row.action == "set-password" || row.action == "revoke-tokens")
        .map(|row| (row.actor, row.action, row.subject))
        .collect();
    let expected = [("admin", "set-password"), ("admin", "revoke-tokens")]
        .map(|(actor, action)| (actor.to_owned(), action.to_owned(), "curator".to_owned()));
    assert_eq!(acts, expected);
}

#[test]
fn logins_failed_logins_and_logouts_are_security_events_in_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let anonymous = Api::anonymous(&server);
    let (status, _) = anonymous.post(
        "/api/login",
        &json!({"user": "coordinator", "password": "wrong-password"}),
    );
    assert_eq!(status, 401);
    let typed = "x".repeat(300);
    let (status, _) = anonymous.post("/api/login", &json!({"user": typed, "password": "p"}));
    assert_eq!(status, 401);
    let coordinator = Api::demo(&server, "coordinator");
    let (status, _) = coordinator.post("/api/logout", &json!({}));
    assert_eq!(status, 204);

    let store = e2e::open_store(&server.data_dir);
    let log = store.audit_log().unwrap();
    let events: Vec<(&str, &str, &str)> = log
        .iter()
        .filter(|row| ["login", "login-failed", "logout"].contains(&row.action.as_str()))
        .map(|row| {
            (
                row.actor.as_str(),
                row.action.as_str(),
                row.details.as_str(),
            )
        })
        .collect();
    let address = r#"{"address":"127.0.0.1"}"#;
    let cut = "x".repeat(64);
    assert_eq!(
        events,
        [
            ("coordinator", "login-failed", address),
            (cut.as_str(), "login-failed", address),
            ("coordinator", "login", address),
            ("coordinator", "logout", address),
        ]
    );
    assert!(
        log.iter()
            .all(|row| !row.details.contains("wrong-password") && !row.details.contains("demo-")),
        "no password in the log"
    );
    assert!(store.verify_audit().unwrap().is_ok());
}
