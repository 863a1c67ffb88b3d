//! The attack suite: every way to read or change a school's document, tried as another
//! school and as each role that may only read it, against the real server. Every attempt must
//! fail without a 5xx, within bounded memory, and leave the victim's document (its Automerge
//! heads and its narratives) and the audit chain as they were.
//!
//! The victim is a demo document of school krasnoe, returned for changes. The attackers: the
//! editor of another school (`sukhodol-editor`), the regional coordinator (who sees a returned
//! document no more than a stranger does), and the readers: the municipal reviewer, the curator, the
//! administrator.

use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use document::narrative::Narratives;
use e2e::raw_peer::{Next, RawPeer};
use e2e::{Api, Server, rss};
use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message as WsMessage, WebSocket};
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::DecoderV1;
use yrs::updates::encoder::Encode;

/// Who attacks, and whether they may read the victim (a draft).
const ATTACKERS: &[(&str, bool)] = &[
    ("sukhodol-editor", false),
    ("coordinator", false),
    ("reviewer", true),
    ("curator", true),
    ("admin", true),
];

/// The victim: krasnoe's returned stimulus-policy change, which its editor may write and the
/// coordinator may not read (only submitted, approved and collected documents).
fn victim(server: &Server) -> String {
    let (status, body) = Api::demo(server, "editor").get("/api/documents");
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["status"] == "returned"
                && d["owner_school"]["id"] == "krasnoe"
                && d["permissions"].to_string().contains("\"write\"")
        })
        .and_then(|d| d["id"].as_str())
        .expect("the demo has a returned document of krasnoe")
        .to_owned()
}

/// What the victim is: its record's heads and status as its editor sees them, and its
/// narratives as the server's room holds them.
fn fingerprint(server: &Server, owner: &Api, id: &str) -> (Value, Value, String) {
    let (status, body) = owner.get(&format!("/api/documents/{id}"));
    assert_eq!(status, 200, "{body}");
    let token = owner.token.clone().unwrap();
    let mut yjs = Yjs::connect(server, &token, id).expect("the owner opens /yjs");
    let narratives = Narratives::from_updates([&yjs.state()[..]]).expect("the state applies");
    let mut texts: Vec<String> = narratives
        .keys()
        .into_iter()
        .map(|key| format!("{key}={}", narratives.text(&key).unwrap_or_default()))
        .collect();
    texts.sort();
    (
        body["heads"].clone(),
        body["status"].clone(),
        texts.join("\n"),
    )
}

/// `id` with every character percent-encoded: the same URL path as `id` itself.
fn percent_encoded(id: &str) -> String {
    id.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The spellings of `id` a client might try besides the canonical one (and its
/// percent-encoding, which is the same path).
fn aliases(id: &str) -> Vec<String> {
    let bytes = id
        .parse::<samod::DocumentId>()
        .ok()
        .map(|parsed| parsed.as_bytes().to_vec());
    let mut spellings = vec![
        id.to_uppercase(),
        id.to_lowercase(),
        format!("{id}/"),
        format!("{id}%2F"),
        format!("automerge:{id}"),
        format!("automerge%3A{id}"),
        format!("%20{id}"),
        format!("{id}%00"),
        format!("{id}.json"),
        format!("./{id}"),
    ];
    if let Some(bytes) = bytes {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        spellings.push(format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        ));
        spellings.push(hex);
    }
    spellings.retain(|s| s != id);
    spellings
}

/// A blocking y-websocket client of `/yjs/{doc}`.
struct Yjs {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
}

impl Yjs {
    /// Connects with `token`; `Err(status)` when the upgrade is refused.
    fn connect(server: &Server, token: &str, doc: &str) -> Result<Yjs, u16> {
        let url = format!("ws://{}/yjs/{doc}?token={token}", server.addr());
        let (ws, _) = match tungstenite::connect(url) {
            Ok(ok) => ok,
            Err(tungstenite::Error::Http(response)) => return Err(response.status().as_u16()),
            Err(e) => panic!("connecting to /yjs: {e}"),
        };
        if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
        }
        Ok(Yjs { ws })
    }

    fn send(&mut self, bytes: Vec<u8>) -> bool {
        self.ws.send(WsMessage::Binary(bytes.into())).is_ok()
    }

    /// The protocol messages received within `timeout`; `None` once the server closed.
    fn receive(&mut self, timeout: Duration) -> Option<Vec<Message>> {
        let start = Instant::now();
        let mut messages = Vec::new();
        while start.elapsed() < timeout {
            match self.ws.read() {
                Ok(WsMessage::Binary(bytes)) => {
                    let mut decoder = DecoderV1::new(Cursor::new(&bytes[..]));
                    messages.extend(MessageReader::new(&mut decoder).flatten());
                    if !messages.is_empty() {
                        return Some(messages);
                    }
                }
                Ok(WsMessage::Close(_)) => return None,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
        Some(messages)
    }

    /// The server's whole state (its sync step 2 to an empty step 1).
    fn state(&mut self) -> Vec<u8> {
        let empty = yrs::StateVector::default();
        assert!(self.send(Message::Sync(SyncMessage::SyncStep1(empty)).encode_v1()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            for message in self.receive(Duration::from_secs(1)).expect("open") {
                if let Message::Sync(SyncMessage::SyncStep2(update)) = message {
                    return update;
                }
            }
        }
        panic!("no sync step 2 from the server");
    }

    /// Whether the server closes the connection within `timeout`.
    fn closed_within(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.receive(Duration::from_millis(200)).is_none() {
                return true;
            }
        }
        false
    }
}

/// Asserts a status is no 5xx, naming what was tried.
fn no_5xx(what: &str, status: u16, body: &Value) {
    assert!(status < 500, "{what}: {status} {body}");
}

/// REST: every document endpoint under every spelling of the id. Nothing is changed; only a
/// reader's canonical GETs succeed.
fn rest_attacks(api: &Api, id: &str, reads: bool, login: &str) {
    let mut spellings = aliases(id);
    spellings.push(id.to_owned());
    spellings.push(percent_encoded(id));
    for spelling in &spellings {
        let canonical = spelling == id || *spelling == percent_encoded(id);
        for suffix in ["", "/diff", "/report"] {
            let path = format!("/api/documents/{spelling}{suffix}");
            let (status, body) = api.get(&path);
            no_5xx(&format!("{login} GET {path}"), status, &body);
            if !(canonical && reads) {
                assert!(status >= 400, "{login} GET {path}: {status} {body}");
            }
        }
        for (suffix, body) in [
            ("submissions", json!({"heads": ["00".repeat(32)]})),
            ("signatures", json!({})),
            ("review", json!({"verdict": "approve", "comments": []})),
            ("collect", json!({})),
        ] {
            let path = format!("/api/documents/{spelling}/{suffix}");
            let (status, answer) = api.post(&path, &body);
            no_5xx(&format!("{login} POST {path}"), status, &answer);
            assert!(status >= 400, "{login} POST {path}: {status} {answer}");
        }
        // Registering the taken id (in any spelling) as one's own.
        let (status, answer) = api.post(
            "/api/documents",
            &json!({"id": spelling, "form": "school-programme", "mentor": "sukhodol"}),
        );
        no_5xx(&format!("{login} registers {spelling}"), status, &answer);
        if !canonical || !reads {
            assert!(status >= 400, "{login} registers {spelling}: {status}");
        }
    }
}

/// `/sync`: a claimed peer id is refused at the upgrade; a stranger's request is answered
/// `doc-unavailable`; anyone's change is dropped.
fn sync_attacks(server: &Server, api: &Api, id: &str, reads: bool, login: &str) {
    let token = api.token.clone().unwrap();
    for claimed in ["u:editor:laptop", "u:editor", "editor", "storage-server-x"] {
        let url = format!("ws://{}/sync?token={token}&peer={claimed}", server.addr());
        match tungstenite::connect(url) {
            Err(tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                assert!(
                    (400..500).contains(&status),
                    "{login} as {claimed}: {status}"
                );
            }
            Ok(_) => panic!("{login} connected to /sync as {claimed}"),
            Err(e) => panic!("{login} as {claimed}: {e}"),
        }
    }
    let mut peer = RawPeer::connect(&server.addr(), &token, &format!("u:{login}:attack"));
    let mut doc = Automerge::new();
    let mut state = automerge::sync::State::new();
    if reads {
        let (fetched, fetched_state) = peer.fetch(id);
        doc = fetched;
        state = fetched_state;
    } else {
        let first = doc.generate_sync_message(&mut state).unwrap();
        assert!(peer.send(&peer.sync_message("request", id, &first.encode())));
        let unavailable = loop {
            match peer.next(Duration::from_secs(5)) {
                Next::Message(m) if m.kind == "doc-unavailable" => break true,
                Next::Message(m) if m.kind == "sync" => break false,
                Next::Message(_) => {}
                Next::Quiet | Next::Closed => break false,
            }
        };
        assert!(
            unavailable,
            "{login} was not told the document is unavailable"
        );
    }
    let mut tx = doc.transaction();
    tx.put(ROOT, "title", format!("захвачено: {login}"))
        .unwrap();
    tx.put(ROOT, "hijacked", true).unwrap();
    tx.commit();
    // Pushed both ways: as a sync message and as a request carrying the change.
    let _ = peer.push(id, &mut doc, &mut state);
    let mut fresh = automerge::sync::State::new();
    if let Some(message) = doc.generate_sync_message(&mut fresh) {
        let _ = peer.send(&peer.sync_message("request", id, &message.encode()));
    }
    // Whatever comes back, the server's copy must not move (checked by the caller).
    let _ = peer.next(Duration::from_millis(500));
}

/// `/yjs/{doc}`: a stranger cannot open it in any spelling; a reader's updates are answered
/// "permission denied" and change nothing; an oversized message closes the connection.
fn yjs_attacks(server: &Server, api: &Api, id: &str, reads: bool, login: &str) {
    let token = api.token.clone().unwrap();
    for spelling in aliases(id) {
        match Yjs::connect(server, &token, &spelling) {
            Err(status) => assert!((400..500).contains(&status), "{login} /yjs/{spelling}"),
            Ok(_) => panic!("{login} opened /yjs/{spelling}"),
        }
    }
    match Yjs::connect(server, &token, id) {
        Err(status) => {
            assert!(!reads, "a reader ({login}) could not open /yjs: {status}");
            assert_eq!(status, 404, "{login} /yjs/{id}");
        }
        Ok(mut yjs) => {
            assert!(reads, "{login} opened /yjs/{id}");
            let state = yjs.state();
            let mine = Narratives::from_updates([&state[..]]).unwrap();
            let key = mine
                .keys()
                .into_iter()
                .next()
                .unwrap_or_else(|| "/causes_analysis/internal_causes".to_owned());
            let update = mine.set_text(&key, &format!("захвачено: {login}"));
            let mut denied = false;
            for bytes in [
                Message::Sync(SyncMessage::Update(update.clone())).encode_v1(),
                Message::Sync(SyncMessage::SyncStep2(update)).encode_v1(),
            ] {
                assert!(yjs.send(bytes));
                let deadline = Instant::now() + Duration::from_secs(5);
                while Instant::now() < deadline {
                    let messages = yjs.receive(Duration::from_millis(500)).expect("open");
                    if messages.iter().any(|m| matches!(m, Message::Auth(Some(_)))) {
                        denied = true;
                        break;
                    }
                }
            }
            assert!(
                denied,
                "{login}'s update was not answered permission denied"
            );
            // Over the size limit: the connection closes, the server stays.
            let huge = vec![0u8; document::narrative::MAX_UPDATE_BYTES + 1];
            yjs.send(Message::Sync(SyncMessage::Update(huge)).encode_v1());
            assert!(
                yjs.closed_within(Duration::from_secs(10)),
                "{login}'s oversized /yjs message did not close the connection"
            );
        }
    }
}

/// Bodies no honest client sends: oversized, deeply nested, compressed, not JSON. Made once.
struct HostileBodies(Vec<(&'static str, &'static str, Vec<u8>)>);

impl HostileBodies {
    fn new() -> HostileBodies {
        let big = format!(
            "{{\"id\":\"{}\",\"form\":\"school-programme\"}}",
            "x".repeat(2 * 1024 * 1024)
        );
        let nested = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        let nested_object = format!(
            "{{\"heads\":{}1{}}}",
            "{\"a\":".repeat(50_000),
            "}".repeat(50_000)
        );
        // 64 MiB of spaces, gzipped to about 64 KiB: sent as JSON, never inflated.
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![b' '; 1024 * 1024];
        for _ in 0..64 {
            std::io::Write::write_all(&mut gzip, &block).unwrap();
        }
        HostileBodies(vec![
            ("2 MiB", "application/json", big.into_bytes()),
            ("nested arrays", "application/json", nested.into_bytes()),
            (
                "nested objects",
                "application/json",
                nested_object.into_bytes(),
            ),
            ("gzip bomb", "application/json", gzip.finish().unwrap()),
            ("not JSON", "text/plain", b"\xff\xfe\x00garbage".to_vec()),
        ])
    }
}

/// Every hostile body to the endpoints that take one.
fn body_attacks(api: &Api, id: &str, login: &str, bodies: &HostileBodies) {
    let paths = [
        "/api/documents".to_owned(),
        format!("/api/documents/{id}/submissions"),
        format!("/api/documents/{id}/review"),
    ];
    for path in &paths {
        for (what, content_type, body) in &bodies.0 {
            // A body over the limit may be cut off before it is all sent: that is a refusal too.
            if let Ok((status, answer)) = api.try_post_raw(path, content_type, body) {
                no_5xx(&format!("{login} {what} to {path}"), status, &answer);
                assert!(status >= 400, "{login} {what} to {path}: {status}");
            }
        }
    }
}

/// Tokens die on live connections: after logout the attacker's `/sync` and `/yjs`
/// connections close, and the old token opens nothing.
fn token_attacks(server: &Server, api: &Api, id: &str, reads: bool, login: &str) {
    let token = api.token.clone().unwrap();
    let mut peer = RawPeer::connect(&server.addr(), &token, &format!("u:{login}:old"));
    let mut yjs = reads.then(|| Yjs::connect(server, &token, id).expect("a reader opens /yjs"));
    let (status, body) = api.post("/api/logout", &json!({}));
    assert!(status < 300, "{login} logout: {status} {body}");
    assert!(
        peer.closed_within(Duration::from_secs(10)),
        "{login}'s /sync outlived the token"
    );
    if let Some(yjs) = &mut yjs {
        assert!(
            yjs.closed_within(Duration::from_secs(10)),
            "{login}'s /yjs outlived the token"
        );
    }
    let (status, body) = api.get(&format!("/api/documents/{id}"));
    assert_eq!(status, 401, "{login}'s old token: {body}");
    assert!(Yjs::connect(server, &token, id).is_err());
    let url = format!(
        "ws://{}/sync?token={token}&peer=u:{login}:old",
        server.addr()
    );
    assert!(
        tungstenite::connect(url).is_err(),
        "{login}'s old token opened /sync"
    );
}

#[test]
fn another_school_and_every_reader_fail_every_attack_and_the_victim_stays_intact() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let id = victim(&server);
    let owner = Api::demo(&server, "editor");
    let before = fingerprint(&server, &owner, &id);
    let bodies = HostileBodies::new();
    for &(login, reads) in ATTACKERS {
        let started = Instant::now();
        let api = Api::demo(&server, login);
        rest_attacks(&api, &id, reads, login);
        sync_attacks(&server, &api, &id, reads, login);
        yjs_attacks(&server, &api, &id, reads, login);
        body_attacks(&api, &id, login, &bodies);
        token_attacks(&server, &api, &id, reads, login);
        assert_eq!(
            fingerprint(&server, &owner, &id),
            before,
            "{login} changed the victim"
        );
        eprintln!(
            "{login}: every attack failed ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    let (status, body) = Api::anonymous(&server).get("/healthz");
    assert_eq!(status, 200, "{body}");
    server.assert_audit_holds();
}

#[test]
fn floods_of_requests_and_connections_get_no_5xx_and_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let id = victim(&server);
    let owner = Api::demo(&server, "editor");
    let before = fingerprint(&server, &owner, &id);
    let stranger = Api::demo(&server, "sukhodol-editor");
    let token = stranger.token.clone().unwrap();
    let rss_before = rss(server.pid());
    // 8 threads × 60 requests for the victim, every spelling, as a stranger.
    let url = server.url.clone();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (url, token, id) = (url.clone(), token.clone(), id.clone());
            thread::spawn(move || {
                let mut api = Api::at(&url);
                api.token = Some(token);
                let spellings: Vec<String> = aliases(&id).into_iter().chain([id]).collect();
                let mut statuses = Vec::new();
                for i in 0..60 {
                    let spelling = &spellings[(t + i) % spellings.len()];
                    statuses.push(api.get(&format!("/api/documents/{spelling}")).0);
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert!(
        statuses.iter().all(|s| matches!(s, 404 | 422 | 429 | 400)),
        "{statuses:?}"
    );
    // 150 websockets held open at once on /sync, and 150 refused /yjs upgrades.
    let mut peers = Vec::new();
    for i in 0..150 {
        peers.push(RawPeer::connect(
            &server.addr(),
            &token,
            &format!("u:sukhodol-editor:flood{i}"),
        ));
    }
    for _ in 0..150 {
        assert_eq!(Yjs::connect(&server, &token, &id).err(), Some(404));
    }
    let rss_during = rss(server.pid());
    drop(peers);
    let (status, body) = Api::anonymous(&server).get("/healthz");
    assert_eq!(status, 200, "{body}");
    let grown = rss_during.saturating_sub(rss_before);
    eprintln!(
        "flood: {} requests, 150 sync connections, 150 refused yjs upgrades; RSS grew {} KiB",
        statuses.len(),
        grown / 1024
    );
    assert!(grown < 128 * 1024 * 1024, "RSS grew by {grown} bytes");
    assert_eq!(fingerprint(&server, &owner, &id), before);
    server.assert_audit_holds();
}

#[test]
fn stray_paths_and_bad_queries_get_json_errors_the_openapi_document_names() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let id = victim(&server);
    let coordinator = Api::demo(&server, "coordinator");
    // Paths beside /sync and /yjs/{doc} are JSON 404s, never the web app's page.
    for path in [
        "/sync/".to_owned(),
        "/sync/x".to_owned(),
        "/yjs".to_owned(),
        "/yjs/".to_owned(),
        format!("/yjs/{id}/"),
        format!("/yjs/{id}/x"),
    ] {
        let (status, body) = coordinator.get(&path);
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"], "no-such-endpoint", "{path}");
    }
    // A query string of the wrong type is a JSON 400 (axum's own answer is plain text).
    let (status, body) = Api::demo(&server, "admin").get("/api/admin/audit?limit=many");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "bad-query");
    // And the OpenAPI document says so: every operation needing a token documents 401,
    // every one reading a body 400/413/415/422, every one naming something in its path 404.
    let (_, openapi) = Api::anonymous(&server).get("/api/openapi.json");
    let mut operations = 0;
    for (path, item) in openapi["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = &operation["responses"];
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            let mut want = Vec::new();
            if secured {
                want.push("401");
            }
            if operation["requestBody"].is_object() {
                want.extend(["400", "413", "415", "422"]);
            }
            if path.contains('{') {
                want.push("404");
            }
            for status in want {
                assert!(
                    responses[status].is_object(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
    assert!(operations > 20, "{operations} operations");
    assert_eq!(
        openapi["paths"]["/api/documents/{id}/diff"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .count(),
        2,
        "diff's from and to are query parameters"
    );
}
