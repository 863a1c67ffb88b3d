//! Attacks on `/sync` by logged-in users, each performed against the real server: a
//! connection outliving its token, document ids that are long or unknown, forged senders of
//! ephemeral messages, silent TCP connections, and changes that are too large or too deep.
//! Each test asserts the server held: the attacker's connection is closed, the server answers,
//! the victim's documents are unchanged, memory stays bounded, the audit chain holds.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc};
use e2e::raw_peer::{Field, Next, RawPeer, encode};
use e2e::{Api, Server, rss, server_command};
use serde_json::json;

fn token(server: &Server, login: &str) -> String {
    Api::demo(server, login).token.expect("logged in")
}

/// A document of the demo editor's school that the editor may write.
fn editors_draft(server: &Server) -> String {
    e2e::writable_document(server, "editor")
}

/// The server's current heads of `doc`, as `who` sees them.
fn heads(server: &Server, who: &str, doc: &str) -> serde_json::Value {
    let (status, body) = Api::demo(server, who).get(&format!("/api/documents/{doc}"));
    assert_eq!(status, 200, "{body}");
    body["heads"].clone()
}

fn healthy(server: &Server) -> bool {
    Api::anonymous(server).get("/healthz").0 == 200
}

/// Writes one field of `doc` through `peer` and reports whether the server's heads moved
/// within 15 s.
fn write_moves_heads(server: &Server, peer: &mut RawPeer, doc: &str) -> bool {
    let before = heads(server, "editor", doc);
    let (mut copy, mut state) = peer.fetch(doc);
    let data = match copy.get(automerge::ROOT, "data").unwrap() {
        Some((_, id)) => id,
        None => panic!("the document has data"),
    };
    let mut tx = copy.transaction();
    tx.put(&data, "note", "written after the session ended")
        .unwrap();
    tx.commit();
    peer.push(doc, &mut copy, &mut state);
    // The server applies the change asynchronously; a loaded CI machine may take seconds.
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if heads(server, "editor", doc) != before {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// One way of ending the session of a token.
type EndSession = fn(&Server, &str);

#[test]
fn a_connection_ends_with_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = editors_draft(&server);
    // Control: a live token's connection writes.
    let live = token(&server, "editor");
    let mut peer = RawPeer::connect(&server.addr(), &live, "u:editor:control");
    assert!(
        write_moves_heads(&server, &mut peer, &doc),
        "a live session writes"
    );

    // Each way a session ends closes its open connection at once, and writes stop.
    let ways: [(&str, EndSession); 4] = [
        ("logout", |server, token| {
            let mut api = Api::at(&server.url);
            api.token = Some(token.to_owned());
            assert_eq!(api.post("/api/logout", &json!({})).0, 204);
        }),
        ("logout of the other sessions", |server, _| {
            let other = Api::demo(server, "editor");
            assert_eq!(other.post("/api/logout/others", &json!({})).0, 200);
        }),
        (
            "administrator's revoke-tokens (another process)",
            |server, _| {
                let output = server_command(&[
                    "admin",
                    "revoke-tokens",
                    "editor",
                    "--data-dir",
                    server.data_dir.to_str().unwrap(),
                ]);
                assert!(output.status.success(), "{output:?}");
            },
        ),
        ("password change", |server, _| {
            let other = Api::demo(server, "editor");
            let body =
                json!({"current_password": "demo-editor", "new_password": "другой-пароль-1"});
            assert_eq!(other.post("/api/password", &body).0, 200);
            let back = Api::login(server, "editor", "другой-пароль-1");
            let body =
                json!({"current_password": "другой-пароль-1", "new_password": "demo-editor"});
            assert_eq!(back.post("/api/password", &body).0, 200);
        }),
    ];
    for (way, end) in ways {
        let token = token(&server, "editor");
        let mut peer = RawPeer::connect(&server.addr(), &token, "u:editor:victim");
        peer.fetch(&doc);
        let start = Instant::now();
        end(&server, &token);
        assert!(
            peer.closed_within(Duration::from_secs(5)),
            "{way}: the open connection is closed"
        );
        eprintln!("{way}: closed after {:?}", start.elapsed());
        let before = heads(&server, "editor", &doc);
        let _ = peer.push(
            &doc,
            &mut automerge::Automerge::new(),
            &mut Default::default(),
        );
        assert_eq!(
            heads(&server, "editor", &doc),
            before,
            "{way}: nothing written"
        );
    }
    assert!(healthy(&server));
    server.assert_audit_holds();
}

#[test]
fn a_huge_document_id_is_refused_before_it_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let token = token(&server, "sukhodol-editor");
    for size in [250_000, 1_000_000] {
        let mut attacker = RawPeer::connect(&server.addr(), &token, "u:sukhodol-editor:a");
        // Base58 digits, which samod decodes in time quadratic in the length.
        let long: String = "2Tpb2jjghmYMcGmkHth9jcr6wE8i"
            .chars()
            .cycle()
            .take(size)
            .collect();
        let start = Instant::now();
        let message = attacker.sync_message("request", &long, &[0x42]);
        attacker.send(&message);
        assert!(attacker.closed_within(Duration::from_secs(5)), "closed");
        assert!(healthy(&server));
        let elapsed = start.elapsed();
        eprintln!("documentId of {size} characters: closed and healthy after {elapsed:?}");
        assert!(elapsed < Duration::from_secs(5));
    }
    // Non-canonical spellings of a real id are refused the same way.
    let doc = editors_draft(&server);
    let bytes = bs58_decode(&doc);
    let uuid = bytes[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let mut attacker = RawPeer::connect(&server.addr(), &token, "u:sukhodol-editor:b");
    let message = attacker.sync_message("request", &uuid, &[0x42]);
    attacker.send(&message);
    assert!(attacker.closed_within(Duration::from_secs(5)));
    server.assert_audit_holds();
}

/// The bytes of a base58 string (the id and its 4-byte checksum).
fn bs58_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut bytes: Vec<u8> = Vec::new();
    for c in text.bytes() {
        let mut carry = ALPHABET.iter().position(|&a| a == c).expect("base58") as u32;
        for byte in bytes.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    bytes
}

#[test]
fn requests_for_unknown_documents_are_answered_bounded_and_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = editors_draft(&server);
    let token = token(&server, "sukhodol-editor");
    let mut attacker = RawPeer::connect(&server.addr(), &token, "u:sukhodol-editor:flood");
    let before = rss(server.pid());
    let start = Instant::now();
    // Random well-formed ids: each is answered doc-unavailable by the server itself.
    let mut answered = 0;
    let mut closed = false;
    for i in 0..10_000u32 {
        let id = random_document_id(i);
        if !attacker.send(&attacker.sync_message("request", &id, &[0x42])) {
            closed = true;
            break;
        }
        if i < 50
            && let Next::Message(m) = attacker.next(Duration::from_secs(5))
        {
            assert_eq!(m.kind, "doc-unavailable");
            assert_eq!(m.document.as_deref(), Some(id.as_str()));
            answered += 1;
        }
    }
    closed = closed || attacker.closed_within(Duration::from_secs(5));
    eprintln!(
        "10,000 unknown requests: {answered} answered, closed: {closed}, after {:?}; RSS {} → {} MiB",
        start.elapsed(),
        before >> 20,
        rss(server.pid()) >> 20
    );
    assert_eq!(
        answered, 50,
        "the first requests are answered doc-unavailable"
    );
    assert!(closed, "a flood of unknown requests closes the connection");
    // Another school's fetch is not delayed, and nothing stayed behind.
    let mut editor = RawPeer::connect(
        &server.addr(),
        &self::token(&server, "editor"),
        "u:editor:x",
    );
    let fetch_start = Instant::now();
    let (copy, _) = editor.fetch(&doc);
    assert!(!copy.get_heads().is_empty());
    eprintln!("another school's fetch took {:?}", fetch_start.elapsed());
    assert!(fetch_start.elapsed() < Duration::from_secs(5));
    let after = rss(server.pid());
    assert!(after < before + (40 << 20), "RSS {before} → {after}");
    server.assert_audit_holds();
}

/// A canonical automerge-repo id of 16 pseudo-random bytes (base58check).
fn random_document_id(seed: u32) -> String {
    let mut bytes = [0u8; 16];
    let mut x = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xDEAD_BEEF;
    for byte in &mut bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = (x & 0xff) as u8;
    }
    let id = samod::DocumentId::try_from(bytes.to_vec()).expect("16 bytes");
    id.to_string()
}

#[test]
fn an_ephemeral_message_cannot_speak_for_someone_else() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = editors_draft(&server);
    let mut editor = RawPeer::connect(&server.addr(), &token(&server, "editor"), "u:editor:e");
    editor.fetch(&doc);
    // The municipality's reviewer may read it (and so may send presence on it).
    let mut mentor = RawPeer::connect(&server.addr(), &token(&server, "reviewer"), "u:reviewer:m");
    mentor.fetch(&doc);
    let ephemeral = |sender: &str, target: &str, count: u64| {
        encode(&[
            ("type", Field::Text("ephemeral")),
            ("senderId", Field::Text(sender)),
            ("targetId", Field::Text(target)),
            ("documentId", Field::Text(&doc)),
            ("sessionId", Field::Text("s1")),
            ("count", Field::Uint(count)),
            ("data", Field::Bytes(b"\xa1\x64name\x68Reviewer")),
        ])
    };
    // Control: presence under one's own id reaches the other party, with that sender.
    let honest = ephemeral("u:reviewer:m", &mentor.server_peer.clone(), 1);
    assert!(mentor.send(&honest));
    let seen = wait_for(&mut editor, "ephemeral");
    assert_eq!(
        seen.and_then(|m| m.sender).as_deref(),
        Some("u:reviewer:m"),
        "an honest ephemeral message arrives with its true sender"
    );
    // The attack: the same message claiming to come from the director.
    let forged = ephemeral("u:director:spoofed", &mentor.server_peer.clone(), 2);
    assert!(mentor.send(&forged));
    assert!(
        mentor.closed_within(Duration::from_secs(5)),
        "the forger is disconnected"
    );
    assert_eq!(
        wait_for(&mut editor, "ephemeral"),
        None,
        "nothing forged is relayed"
    );
    assert!(healthy(&server));
}

fn wait_for(peer: &mut RawPeer, kind: &str) -> Option<e2e::raw_peer::Received> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        match peer.next(Duration::from_millis(500)) {
            Next::Message(m) if m.kind == kind => return Some(m),
            Next::Closed => return None,
            _ => {}
        }
    }
    None
}

#[test]
fn silent_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let addr = server.addr();
    let mut silent: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(&addr).expect("connects"))
        .collect();
    std::thread::sleep(Duration::from_secs(12));
    let mut closed = 0;
    for stream in &mut silent {
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut byte = [0u8; 1];
        let open = matches!(
            stream.read(&mut byte),
            Err(ref e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
        );
        if !open {
            closed += 1;
        }
    }
    eprintln!("500 silent connections: {closed} closed by the server after 12 s");
    assert_eq!(closed, 500, "every silent connection is closed");
    assert!(healthy(&server));
}

/// Sends `change`'s sync message for `doc` and asserts the server refused it: the connection
/// closed, the heads unchanged, the server healthy, and its memory bounded.
fn refused(server: &Server, doc: &str, what: &str, edit: impl FnOnce(&mut automerge::Automerge)) {
    // A peer id of its own per attack: a second connection must not depend on how fast the
    // server forgets the first one it closed.
    let bomber = format!(
        "u:editor:{}",
        what.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join("-")
    );
    let mut peer = RawPeer::connect(&server.addr(), &token(server, "editor"), &bomber);
    let (mut copy, mut state) = peer.fetch(doc);
    edit(&mut copy);
    let before_heads = heads(server, "editor", doc);
    let before = rss(server.pid());
    let start = Instant::now();
    assert!(
        peer.push(doc, &mut copy, &mut state),
        "{what}: the message was sent"
    );
    assert!(
        peer.closed_within(Duration::from_secs(60)),
        "{what}: not closed within 60 s"
    );
    let after = rss(server.pid());
    eprintln!(
        "{what}: refused after {:?}; RSS {} → {} MiB",
        start.elapsed(),
        before >> 20,
        after >> 20
    );
    assert!(healthy(server));
    assert_eq!(
        heads(server, "editor", doc),
        before_heads,
        "{what}: nothing applied"
    );
    assert!(
        after < before + (150 << 20),
        "{what}: RSS {before} → {after}"
    );
    // Reading the document still works.
    let (status, _) = Api::demo(server, "editor").get(&format!("/api/documents/{doc}/diff"));
    assert_eq!(status, 200);
}

#[test]
fn changes_too_large_or_too_deep_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = editors_draft(&server);
    let data = |copy: &automerge::Automerge| copy.get(automerge::ROOT, "data").unwrap().unwrap().1;
    refused(&server, &doc, "a value nested 20,000 levels deep", |copy| {
        let mut obj = data(copy);
        let mut tx = copy.transaction();
        for _ in 0..20_000 {
            obj = tx.put_object(&obj, "x", ObjType::Map).unwrap();
        }
        tx.commit();
    });
    refused(
        &server,
        &doc,
        "a 2 MB text insert (1,000,000 characters)",
        |copy| {
            let obj = data(copy);
            let mut tx = copy.transaction();
            let text = tx.put_object(&obj, "bomb", ObjType::Text).unwrap();
            tx.splice_text(&text, 0, 0, &"ж".repeat(1_000_000)).unwrap();
            tx.commit();
        },
    );
    // An honest edit after all that still goes through.
    let mut peer = RawPeer::connect(&server.addr(), &token(&server, "editor"), "u:editor:honest");
    assert!(write_moves_heads(&server, &mut peer, &doc));
    server.assert_audit_holds();
}

#[test]
fn a_compressed_change_that_inflates_to_a_gibibyte_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("server"));
    let doc = editors_draft(&server);
    let mut peer = RawPeer::connect(&server.addr(), &token(&server, "editor"), "u:editor:bomb");
    let (_, _) = peer.fetch(&doc);
    let message = automerge::sync::Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: vec![compressed_chunk_inflating_to(1 << 30)].into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let bytes = message.encode();
    eprintln!("the bomb: {} KiB on the wire", bytes.len() >> 10);
    let before_heads = heads(&server, "editor", &doc);
    let before = rss(server.pid());
    let start = Instant::now();
    peer.send(&peer.sync_message("sync", &doc, &bytes));
    assert!(peer.closed_within(Duration::from_secs(30)), "closed");
    let after = rss(server.pid());
    eprintln!(
        "1 GiB inflation bomb: refused after {:?}; RSS {} → {} MiB",
        start.elapsed(),
        before >> 20,
        after >> 20
    );
    assert!(healthy(&server));
    assert_eq!(heads(&server, "editor", &doc), before_heads);
    assert!(after < before + (100 << 20), "RSS {before} → {after}");
    server.assert_audit_holds();
}

/// A compressed-change chunk (type 2) whose raw deflate stream inflates to `size` zero bytes,
/// built without ever holding them: one self-contained deflate block of 1 MiB of zeros,
/// repeated, then a final empty block.
fn compressed_chunk_inflating_to(size: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let block = {
        let zeros = vec![0u8; 1 << 20];
        let mut compress = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(8 << 10);
        compress
            .compress_vec(&zeros, &mut out, FlushCompress::Full)
            .unwrap();
        out
    };
    let mut deflate = Vec::with_capacity(block.len() * (size >> 20) + 2);
    for _ in 0..(size >> 20) {
        deflate.extend_from_slice(&block);
    }
    // A final fixed-Huffman block holding only its end-of-block code.
    deflate.extend_from_slice(&[0x03, 0x00]);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    let mut len = deflate.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            chunk.push(byte);
            break;
        }
        chunk.push(byte | 0x80);
    }
    chunk.extend_from_slice(&deflate);
    chunk
}
