//! Failed password checks on two `sync-server` replicas sharing one PostgreSQL database count
//! against one limit (5 a minute per login), so spreading guesses over replicas gains an
//! attacker nothing: alternating guesses are refused after 5 in total, not 5 per replica; a
//! burst split over both gets at most 5 checks; a right password on one replica forgets the
//! login's failures on the other too.
//!
//! Needs PostgreSQL (Debian's `postgresql` package); skipped without it unless
//! `RAVENSTVO_REQUIRE_POSTGRES=1`, as the store's PostgreSQL tests.

use std::sync::Barrier;

use e2e::{Api, Server, demo_password, postgres};
use serde_json::{Value, json};

/// The two replicas on one fresh database, the first with the demo region.
fn replicas(dir: &std::path::Path, test: &str) -> Option<(Server, Server)> {
    let pg = match postgres::shared() {
        Ok(pg) => pg,
        Err(why) => {
            postgres::skip(test, &why);
            return None;
        }
    };
    let url = pg.create_database().expect("a database");
    let flag = |url: &str| vec!["--database".into(), url.into()];
    let a = Server::start_with(&dir.join("a"), true, &flag(&url));
    let b = Server::start_with(&dir.join("b"), false, &flag(&url));
    Some((a, b))
}

/// `POST /api/login` as `user` with `password` on `server`.
fn login(server: &Server, user: &str, password: &str) -> (u16, Value) {
    Api::anonymous(server).post("/api/login", &json!({ "user": user, "password": password }))
}

/// Asserts that `answer` is the refusal of a used-up login: 429, its code, a wait of at most
/// the window, and the Russian message naming it.
fn assert_locked((status, body): &(u16, Value)) {
    assert_eq!(*status, 429, "{body}");
    assert_eq!(body["error"], "too-many-attempts", "{body}");
    let wait = body["details"]["retry_after"].as_u64().unwrap();
    assert!((1..=60).contains(&wait), "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("повторите через {wait} с")),
        "{body}"
    );
}

#[test]
fn guesses_alternating_between_replicas_are_refused_after_five_in_total() {
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b)) = replicas(dir.path(), "replica_logins") else {
        return;
    };
    for i in 0..5 {
        let server = if i % 2 == 0 { &a } else { &b };
        let (status, body) = login(server, "editor", &format!("guess-{i}"));
        assert_eq!(status, 401, "guess {i}: {body}");
        assert_eq!(body["error"], "bad-credentials");
    }
    // A sixth guess, on either replica, is refused before any check; so is the right
    // password, until the window passes (as on one server).
    assert_locked(&login(&b, "editor", "guess-5"));
    assert_locked(&login(&a, "editor", "guess-6"));
    assert_locked(&login(&a, "editor", demo_password("editor")));
    assert_locked(&login(&b, "editor", demo_password("editor")));
    // Another login from the same address is not locked.
    let (status, body) = login(&b, "director", demo_password("director"));
    assert_eq!(status, 200, "{body}");
    a.assert_audit_holds();
}

#[test]
fn a_right_password_on_one_replica_forgets_the_failures_counted_on_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b)) = replicas(dir.path(), "replica_logins") else {
        return;
    };
    for i in 0..4 {
        assert_eq!(login(&a, "editor", &format!("guess-{i}")).0, 401);
    }
    let (status, body) = login(&b, "editor", demo_password("editor"));
    assert_eq!(status, 200, "{body}");
    // The owner proved the password: five more guesses are checked before the lock.
    for i in 0..5 {
        let server = if i % 2 == 0 { &b } else { &a };
        assert_eq!(login(server, "editor", &format!("again-{i}")).0, 401);
    }
    assert_locked(&login(&a, "editor", "again-5"));
}

#[test]
fn a_burst_of_guesses_split_over_both_replicas_gets_at_most_five_checks() {
    let dir = tempfile::tempdir().unwrap();
    let Some((a, b)) = replicas(dir.path(), "replica_logins") else {
        return;
    };
    let start = Barrier::new(30);
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..30)
            .map(|i| {
                let (start, server) = (&start, if i % 2 == 0 { &a } else { &b });
                scope.spawn(move || {
                    let api = Api::anonymous(server);
                    start.wait();
                    api.post(
                        "/api/login",
                        &json!({ "user": "editor", "password": format!("guess-{i}") }),
                    )
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let checked = answers.iter().filter(|(status, _)| *status == 401).count();
    let limited = answers.iter().filter(|(status, _)| *status == 429).count();
    let busy = answers.iter().filter(|(status, _)| *status == 503).count();
    assert_eq!(checked + limited + busy, 30, "{answers:?}");
    assert!(
        (1..=5).contains(&checked),
        "at most 5 guesses checked on both replicas together: {answers:?}"
    );
    if checked == 5 {
        assert_locked(&login(&a, "editor", demo_password("editor")));
        assert_locked(&login(&b, "editor", demo_password("editor")));
    }
}
