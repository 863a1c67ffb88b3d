//! Attacks on the password paths, end to end against the real `sync-server --demo`: parallel
//! guesses must get no more password checks than the limits allow (5 a minute per login, 50 per
//! address), however many arrive at once, and parallel logins must not grow the server's
//! memory. Every test starts its own server: the limits count per client address, and every
//! test comes from 127.0.0.1.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use e2e::{Api, Server, demo_password, rss};
use serde_json::{Value, json};

/// What a burst of requests got back, by the answers the server may give to a password check.
#[derive(Debug, Default)]
struct Tally {
    /// 200: the password was checked and right.
    ok: usize,
    /// 401: the password was checked and wrong.
    checked_wrong: usize,
    /// 429: refused before any check, the limit being used up.
    limited: usize,
    /// 503: refused before any check, the server being busy checking other passwords.
    busy: usize,
    /// Anything else, with its body.
    other: Vec<(u16, Value)>,
    /// From the start of the burst (its threads spawned) to the last answer received.
    took: Duration,
}

impl Tally {
    /// Asserts that every refusal carries its code and a Russian message with the wait, and
    /// that nothing else came back.
    fn assert_only_documented_answers(&self) {
        assert!(
            self.other.is_empty(),
            "unexpected answers: {:?}",
            self.other
        );
    }
}

/// Starts the demo server and waits until it answers, so that what a test measures (time,
/// memory) is the attack's and not the server's start.
fn start(dir: &std::path::Path) -> Server {
    let server = Server::start_demo(dir);
    let (status, body) = Api::anonymous(&server).get("/healthz");
    assert_eq!(status, 200, "{body}");
    server
}

/// Sends every body in `bodies` to `path` at the same moment (one thread and one connection
/// each, released together), with `token` as the bearer if given, and tallies the answers.
fn burst(server: &Server, path: &str, token: Option<&str>, bodies: Vec<Value>) -> Tally {
    let start = Barrier::new(bodies.len());
    let began = Instant::now();
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let threads: Vec<_> = bodies
            .into_iter()
            .map(|body| {
                let start = &start;
                scope.spawn(move || {
                    let mut api = Api::anonymous(server);
                    api.token = token.map(str::to_owned);
                    start.wait();
                    api.post(path, &body)
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().expect("a request thread"))
            .collect()
    });
    let mut tally = Tally {
        took: began.elapsed(),
        ..Tally::default()
    };
    for (status, body) in answers {
        let refusal = |code: &str| {
            body["error"] == code
                && body["details"]["retry_after"]
                    .as_u64()
                    .is_some_and(|s| s >= 1)
                && body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("повторите через"))
        };
        match status {
            200 => tally.ok += 1,
            401 if body["error"] == "bad-credentials" => tally.checked_wrong += 1,
            429 if refusal("too-many-attempts") => tally.limited += 1,
            503 if refusal("busy") => tally.busy += 1,
            _ => tally.other.push((status, body)),
        }
    }
    tally
}

/// `n` login bodies with wrong passwords.
fn wrong_logins(n: usize, login: impl Fn(usize) -> String) -> Vec<Value> {
    (0..n)
        .map(|i| json!({ "user": login(i), "password": format!("guess-{i}") }))
        .collect()
}

/// The logins of the `login-failed` rows in the audit log, one per checked wrong password.
fn failed_logins(server: &Server) -> Vec<String> {
    let store = e2e::open_store(&server.data_dir);
    let log = store.audit_log().expect("audit log");
    log.into_iter()
        .filter(|row| row.action == "login-failed")
        .map(|row| row.subject)
        .collect()
}

/// Resident memory of the server in MiB.
fn rss_mib(server: &Server) -> u64 {
    rss(server.pid()) / (1024 * 1024)
}

/// The status of `POST /api/login` sent from the local address `from` (another loopback
/// address than the attack's, so that its per-address limit does not apply). Plain HTTP/1.1
/// over a socket bound before connecting, which the blocking HTTP client cannot do.
fn login_from(server: &Server, from: &str, login: &str, password: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket
            .bind(format!("{from}:0").parse().expect("an address"))
            .expect("bind a second loopback address");
        let target = server.addr().parse().expect("the server's address");
        let mut stream = socket.connect(target).await.expect("connect");
        let body = json!({ "user": login, "password": password }).to_string();
        let request = format!(
            "POST /api/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.addr(),
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("receive");
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|status| status.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
    })
}

#[test]
fn thirty_parallel_guesses_at_one_login_get_at_most_five_checks() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());

    let tally = burst(
        &server,
        "/api/login",
        None,
        wrong_logins(30, |_| "editor".to_owned()),
    );
    eprintln!("30 parallel guesses at one login: {tally:?}");
    tally.assert_only_documented_answers();
    assert!(
        (1..=5).contains(&tally.checked_wrong),
        "at most 5 guesses are checked: {tally:?}"
    );
    assert_eq!(tally.ok, 0);
    assert_eq!(tally.checked_wrong + tally.limited + tally.busy, 30);
    let audited = failed_logins(&server);
    assert_eq!(
        audited.len(),
        tally.checked_wrong,
        "one audit row per checked guess"
    );
    assert!(audited.iter().all(|login| login == "editor"));
    if tally.checked_wrong == 5 {
        let (status, body) = Api::anonymous(&server).post(
            "/api/login",
            &json!({ "user": "editor", "password": demo_password("editor") }),
        );
        assert_eq!(status, 429, "the login is locked for the minute: {body}");
    }
    server.assert_audit_holds();
}

#[test]
fn a_hundred_parallel_logins_from_one_address_get_at_most_fifty_checks() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());

    let tally = burst(
        &server,
        "/api/login",
        None,
        wrong_logins(100, |i| format!("intruder-{i}")),
    );
    eprintln!("100 parallel logins from one address: {tally:?}");
    tally.assert_only_documented_answers();
    assert!(
        (1..=50).contains(&tally.checked_wrong),
        "at most 50 logins are checked: {tally:?}"
    );
    assert_eq!(tally.checked_wrong + tally.limited + tally.busy, 100);
    let audited = failed_logins(&server);
    assert_eq!(
        audited.len(),
        tally.checked_wrong,
        "one audit row per checked login"
    );
    server.assert_audit_holds();
}

#[test]
fn a_hundred_parallel_logins_leave_the_server_memory_bounded() {
    /// Growth allowed over the baseline: two argon2 working areas of 19 MiB are far below it,
    /// one per concurrent check (what the attack got before) far above.
    const MAX_GROWTH_MIB: u64 = 100;
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let before = rss_mib(&server);

    let tally = burst(
        &server,
        "/api/login",
        None,
        wrong_logins(100, |i| format!("stranger-{i}")),
    );
    let after = rss_mib(&server);
    eprintln!(
        "100 parallel logins: RSS {before} MiB before, {after} MiB after, {:.1} s; {tally:?}",
        tally.took.as_secs_f64()
    );
    tally.assert_only_documented_answers();
    assert!(
        after < before + MAX_GROWTH_MIB,
        "RSS grew from {before} to {after} MiB"
    );

    // The server still checks passwords: a person at another address logs in.
    assert_eq!(
        login_from(&server, "127.0.0.2", "director", demo_password("director")),
        200
    );
    assert_eq!(
        login_from(&server, "127.0.0.2", "director", "not-the-password"),
        401
    );
    let settled = rss_mib(&server);
    assert!(
        settled < before + MAX_GROWTH_MIB,
        "RSS grew from {before} to {settled} MiB"
    );
    server.assert_audit_holds();
}

#[test]
fn thirty_parallel_guesses_at_the_current_password_get_at_most_five_checks() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    let stolen = Api::demo(&server, "mentor");

    let guesses = (0..30)
        .map(|i| {
            json!({ "current_password": format!("guess-{i}"), "new_password": "Чужой-пароль-123" })
        })
        .collect();
    let tally = burst(&server, "/api/password", stolen.token.as_deref(), guesses);
    eprintln!("30 parallel guesses at the current password: {tally:?}");
    tally.assert_only_documented_answers();
    assert!(
        (1..=5).contains(&tally.checked_wrong),
        "at most 5 guesses are checked: {tally:?}"
    );
    assert_eq!(tally.checked_wrong + tally.limited + tally.busy, 30);
    if tally.checked_wrong == 5 {
        // The same limit guards the login form.
        let (status, body) = Api::anonymous(&server).post(
            "/api/login",
            &json!({ "user": "mentor", "password": demo_password("mentor") }),
        );
        assert_eq!(status, 429, "{body}");
    }
    server.assert_audit_holds();
}
