//! `document::incoming` on real sync messages between two Automerge peers (the server's copy
//! and a client's), and on messages a hostile peer crafts: what an honest peer sends passes,
//! what inflates too far, holds too many operations or nests too deep is refused, and nothing
//! makes it panic.

mod support;

use std::num::NonZeroU64;

use automerge::legacy::{Key, ObjectId, Op, OpId, OpType, SortedVec};
use automerge::sync::{Message, MessageVersion, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ExpandedChange, ObjId, ObjType, ROOT, ReadDoc};
use document::incoming::{Admitted, Limits, Refusal, check_sync_message};
use document::{Edit, MAX_DEPTH, apply, create, to_json};
use proptest::prelude::*;
use serde_json::json;
use sha2::Digest;
use support::{FORM, REGION, author, catalogue, sample};

/// Syncs `client` into `server` until neither has more to say, judging every message the
/// client sends before the server applies it. Returns the verdicts on the messages that
/// carried changes, or the first refusal (nothing of that message applied).
fn sync(
    server: &mut Automerge,
    client: &mut Automerge,
    limits: &Limits,
) -> Result<Vec<Admitted>, Refusal> {
    let (mut server_state, mut client_state) = (State::new(), State::new());
    let mut admitted = Vec::new();
    for _ in 0..20 {
        let mut quiet = true;
        if let Some(message) = client.generate_sync_message(&mut client_state) {
            quiet = false;
            let bytes = message.encode();
            let verdict = check_sync_message(server, &bytes, limits)?;
            if verdict.changes_bytes > 0 {
                admitted.push(verdict);
            }
            let message = Message::decode(&bytes).unwrap();
            server
                .receive_sync_message(&mut server_state, message)
                .unwrap();
        }
        if let Some(message) = server.generate_sync_message(&mut server_state) {
            quiet = false;
            client
                .receive_sync_message(&mut client_state, message)
                .unwrap();
        }
        if quiet {
            return Ok(admitted);
        }
    }
    panic!("the sync did not settle");
}

/// The first message carrying changes that `client` sends a `server` in a fresh sync.
fn first_changes(server: &Automerge, client: &Automerge) -> Vec<u8> {
    let (mut server, mut client) = (server.clone(), client.clone());
    let (mut server_state, mut client_state) = (State::new(), State::new());
    for _ in 0..20 {
        if let Some(message) = client.generate_sync_message(&mut client_state) {
            if !message.changes.is_empty() {
                return message.encode();
            }
            server
                .receive_sync_message(&mut server_state, message)
                .unwrap();
        }
        if let Some(message) = server.generate_sync_message(&mut server_state) {
            client
                .receive_sync_message(&mut client_state, message)
                .unwrap();
        }
    }
    panic!("the client sent no changes");
}

/// The chunk types a message's changes start with (one per listed byte string).
fn chunk_kinds(message: &[u8]) -> Vec<u8> {
    let message = Message::decode(message).unwrap();
    message.changes.iter().map(|chunk| chunk[8]).collect()
}

/// A sync message carrying `chunks` as a peer could send them.
fn message_with(chunks: Vec<Vec<u8>>) -> Vec<u8> {
    Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: Vec::new(),
        changes: chunks.into(),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode()
}

/// A form document as a school starts it, and a server that has it.
fn synced_pair() -> (Automerge, Automerge) {
    let mut client = create(&catalogue(), FORM, REGION, &sample(), &author("Анна")).unwrap();
    let mut server = Automerge::new();
    sync(&mut server, &mut client, &Limits::default()).unwrap();
    (server, client)
}

/// The id of the `data` map as counter and actor.
fn data_id(doc: &Automerge) -> OpId {
    match doc.get(ROOT, "data").unwrap().unwrap().1 {
        ObjId::Id(counter, actor, _) => OpId(counter, actor),
        ObjId::Root => panic!("data is not the root"),
    }
}

/// A change by a new actor making `levels` maps nested one in another under `parent`, built
/// without a document (a document would apply each level; a hostile peer need not).
fn nesting_change(
    parent: OpId,
    levels: u64,
    deps: Vec<automerge::ChangeHash>,
) -> automerge::Change {
    let actor = ActorId::random();
    let operations = (1..=levels)
        .map(|counter| Op {
            action: OpType::Make(ObjType::Map),
            obj: if counter == 1 {
                ObjectId::Id(parent.clone())
            } else {
                ObjectId::Id(OpId(counter - 1, actor.clone()))
            },
            key: Key::Map("a".into()),
            pred: SortedVec::new(),
            insert: false,
        })
        .collect();
    automerge::Change::from(ExpandedChange {
        operations,
        actor_id: actor,
        hash: None,
        seq: 1,
        start_op: NonZeroU64::MIN,
        time: 0,
        message: None,
        deps,
        extra_bytes: Vec::new(),
        author: None,
    })
}

#[test]
fn messages_of_an_honest_sync_are_admitted_and_apply() {
    let (mut server, mut client) = synced_pair();
    // A few edits, so that the next one travels as a change rather than the whole document.
    let catalogue = catalogue();
    for (i, activity) in ["Педсовет", "Семинар", "Открытый урок"].iter().enumerate()
    {
        let edits = [Edit::Insert {
            pointer: "/action_plan/-".into(),
            value: json!({"activity": activity, "description": "Обсудить итоги.", "hours": i}),
        }];
        apply(&mut client, &catalogue, &edits, &author("Анна"), None).unwrap();
        let verdicts = sync(&mut server, &mut client, &Limits::default()).unwrap();
        assert!(!verdicts.is_empty() && verdicts.iter().all(|v| v.ops > 0));
    }
    let edits = [Edit::Splice {
        pointer: "/analysis".into(),
        at: 0,
        delete: 0,
        insert: "Коротко: ".into(),
    }];
    apply(&mut client, &catalogue, &edits, &author("Анна"), None).unwrap();
    let message = first_changes(&server, &client);
    let kinds = chunk_kinds(&message);
    assert!(
        kinds.iter().all(|kind| *kind == 1 || *kind == 2),
        "{kinds:?}"
    );
    let verdict = check_sync_message(&server, &message, &Limits::default()).unwrap();
    assert_eq!(verdict.ops, "Коротко: ".chars().count());
    assert_eq!(verdict.changes_bytes, verdict.inflated_bytes);
    sync(&mut server, &mut client, &Limits::default()).unwrap();
    assert_eq!(server.get_heads(), client.get_heads());
    assert_eq!(to_json(&server).unwrap(), to_json(&client).unwrap());
}

#[test]
fn a_whole_document_on_first_sync_is_admitted_when_normal_and_refused_when_deep() {
    let mut client = create(&catalogue(), FORM, REGION, &sample(), &author("Анна")).unwrap();
    // Enough text that saving deflates a column.
    let edits = [Edit::Set {
        pointer: "/analysis".into(),
        value: json!("Школа работает в сложных условиях. ".repeat(200)),
    }];
    apply(&mut client, &catalogue(), &edits, &author("Анна"), None).unwrap();
    let server = Automerge::new();
    let message = first_changes(&server, &client);
    assert_eq!(
        Message::decode(&message).unwrap().version,
        MessageVersion::V2
    );
    assert_eq!(chunk_kinds(&message), vec![0]);
    let verdict = check_sync_message(&server, &message, &Limits::default()).unwrap();
    assert!(
        verdict.inflated_bytes > verdict.changes_bytes,
        "{verdict:?}"
    );
    assert!(verdict.ops > 7_000, "{verdict:?}");

    // The same document with 40 maps nested under `data/x`.
    let mut tx = client.transaction();
    let (_, mut obj) = tx.get(ROOT, "data").unwrap().unwrap();
    for i in 0..40 {
        obj = tx
            .put_object(&obj, if i == 0 { "x" } else { "a" }, ObjType::Map)
            .unwrap();
    }
    tx.commit();
    let message = first_changes(&server, &client);
    assert_eq!(chunk_kinds(&message), vec![0]);
    assert_eq!(
        check_sync_message(&server, &message, &Limits::default()),
        Err(Refusal::TooDeep {
            depth: 41,
            limit: MAX_DEPTH
        })
    );
}

#[test]
fn a_change_nesting_twenty_thousand_maps_is_refused_by_depth() {
    let (server, _) = synced_pair();
    let change = nesting_change(data_id(&server), 20_000, server.get_heads());
    let message = message_with(vec![change.raw_bytes().to_vec()]);
    assert_eq!(
        check_sync_message(&server, &message, &Limits::default()),
        Err(Refusal::TooDeep {
            depth: 20_001,
            limit: MAX_DEPTH
        })
    );
    // Compressed, it is refused the same way.
    let mut change = change;
    let compressed = change.bytes().into_owned();
    assert_eq!(
        chunk_kinds(&message_with(vec![compressed.clone()])),
        vec![2]
    );
    assert!(matches!(
        check_sync_message(&server, &message_with(vec![compressed]), &Limits::default()),
        Err(Refusal::TooDeep { depth: 20_001, .. })
    ));
}

#[test]
fn depth_follows_objects_across_changes_of_a_message_and_into_the_server_copy() {
    let (mut server, _) = synced_pair();
    let first = nesting_change(data_id(&server), 20, server.get_heads());
    let deepest = OpId(20, first.actor_id().clone());
    let second = nesting_change(deepest, 20, vec![first.hash()]);
    // Together: 1 (data) + 20 + 20.
    let both = message_with(vec![
        first.raw_bytes().to_vec(),
        second.raw_bytes().to_vec(),
    ]);
    assert_eq!(
        check_sync_message(&server, &both, &Limits::default()),
        Err(Refusal::TooDeep {
            depth: 41,
            limit: MAX_DEPTH
        })
    );
    // The first alone is admitted; once the server has it, the second is judged on top of it.
    let alone = message_with(vec![first.raw_bytes().to_vec()]);
    let verdict = check_sync_message(&server, &alone, &Limits::default()).unwrap();
    assert_eq!(verdict.ops, 20);
    let second_alone = message_with(vec![second.raw_bytes().to_vec()]);
    // Before: its parent is known to neither, and counts as the data map (see `incoming`).
    assert_eq!(
        check_sync_message(&server, &second_alone, &Limits::default())
            .unwrap()
            .ops,
        20
    );
    server.apply_changes([first]).unwrap();
    assert_eq!(
        check_sync_message(&server, &second_alone, &Limits::default()),
        Err(Refusal::TooDeep {
            depth: 41,
            limit: MAX_DEPTH
        })
    );
}

/// Appends `value` as unsigned LEB128.
fn uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends `value` as signed LEB128.
fn sleb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A change chunk by a new actor typing `n` characters `x` at the start of the text `text`,
/// encoded column by column as Automerge encodes such a change (runs: every operation is in
/// the same text, inserts after the previous one, sets a one-byte string). Typing two million
/// characters into a document takes unoptimised Automerge half a minute and more than half a
/// gigabyte; a peer can send the same change without ever having a document.
fn typing_change(text: &OpId, n: u64, deps: &[automerge::ChangeHash]) -> Vec<u8> {
    let run = |count: u64, value: u64| {
        let mut out = Vec::new();
        sleb(&mut out, count as i64);
        uleb(&mut out, value);
        out
    };
    let mut key_actor = vec![0, 1]; // one null (the head of the text), then the author, 0
    key_actor.extend(run(n - 1, 0));
    let mut key_counter = Vec::new(); // deltas: 0 (the head), then +1 for each previous op
    sleb(&mut key_counter, 1);
    sleb(&mut key_counter, 0);
    sleb(&mut key_counter, n as i64 - 1);
    sleb(&mut key_counter, 1);
    let mut insert = Vec::new(); // no false, then n true
    uleb(&mut insert, 0);
    uleb(&mut insert, n);
    let columns: [(u32, Vec<u8>); 9] = [
        (0x01, run(n, 1)),              // object actor: the text's creator, actor 1
        (0x02, run(n, text.0)),         // object counter
        (0x11, key_actor),              // key actor
        (0x13, key_counter),            // key counter
        (0x34, insert),                 // insert
        (0x42, run(n, 1)),              // action: set
        (0x56, run(n, 1 << 4 | 6)),     // value metadata: a string of one byte
        (0x57, vec![b'x'; n as usize]), // values
        (0x70, run(n, 0)),              // no predecessors
    ];
    let actor = ActorId::random();
    let mut body = Vec::new();
    uleb(&mut body, deps.len() as u64);
    for dep in deps {
        body.extend_from_slice(&dep.0);
    }
    uleb(&mut body, actor.to_bytes().len() as u64);
    body.extend_from_slice(actor.to_bytes());
    uleb(&mut body, 1); // seq
    uleb(&mut body, 1); // start op
    sleb(&mut body, 0); // time
    uleb(&mut body, 0); // no message
    uleb(&mut body, 1); // one other actor: the text's creator
    uleb(&mut body, text.1.to_bytes().len() as u64);
    body.extend_from_slice(text.1.to_bytes());
    uleb(&mut body, columns.len() as u64);
    for (spec, data) in &columns {
        uleb(&mut body, u64::from(*spec));
        uleb(&mut body, data.len() as u64);
    }
    for (_, data) in &columns {
        body.extend_from_slice(data);
    }
    let mut len = Vec::new();
    uleb(&mut len, body.len() as u64);
    let hash = sha2::Sha256::digest([&[1u8][..], &len, &body].concat());
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83];
    chunk.extend_from_slice(&hash[..4]);
    chunk.push(1);
    chunk.extend_from_slice(&len);
    chunk.extend_from_slice(&body);
    chunk
}

#[test]
fn a_text_insert_of_two_million_characters_is_refused_by_its_operations() {
    let (mut server, _) = synced_pair();
    let (_, data) = server.get(ROOT, "data").unwrap().unwrap();
    let (_, text) = server.get(&data, "analysis").unwrap().unwrap();
    let ObjId::Id(counter, actor, _) = text.clone() else {
        panic!("a text is not the root");
    };
    let text_id = OpId(counter, actor);
    // The encoding is Automerge's: a short one applies and types what it says.
    let short = typing_change(&text_id, 5, &server.get_heads());
    let verdict = check_sync_message(
        &server,
        &message_with(vec![short.clone()]),
        &Limits::default(),
    );
    assert_eq!(verdict.map(|v| v.ops), Ok(5));
    let before = server.text(&text).unwrap();
    server
        .apply_changes([automerge::Change::try_from(&short[..]).unwrap()])
        .unwrap();
    let after = server.text(&text).unwrap();
    assert_eq!(after.replacen("xxxxx", "", 1), before);

    let long = typing_change(&text_id, 2_000_000, &server.get_heads());
    let mut compressed = automerge::Change::try_from(&long[..]).unwrap();
    for chunk in [long, compressed.bytes().into_owned()] {
        let refused = check_sync_message(&server, &message_with(vec![chunk]), &Limits::default());
        assert!(
            matches!(refused, Err(Refusal::TooManyOps { ops, limit: 500_000 }) if ops > 500_000),
            "{refused:?}"
        );
    }
}

#[test]
fn a_real_compressed_change_past_the_inflate_limit_is_refused() {
    let (server, mut client) = synced_pair();
    let mut tx = client.transaction();
    let (_, data) = tx.get(ROOT, "data").unwrap().unwrap();
    tx.put(&data, "title", "я".repeat(2 << 20)).unwrap();
    tx.commit();
    let mut change = client.get_last_local_change().unwrap().clone();
    let compressed = change.bytes().into_owned();
    assert!(compressed.len() < 64 << 10, "{}", compressed.len());
    let message = message_with(vec![compressed]);
    let verdict = check_sync_message(&server, &message, &Limits::default()).unwrap();
    assert!(verdict.inflated_bytes > 4 << 20 && verdict.changes_bytes < 64 << 10);
    let limits = Limits {
        max_inflated_bytes: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        check_sync_message(&server, &message, &limits),
        Err(Refusal::TooLarge {
            inflated: (1 << 20) + 1,
            limit: 1 << 20
        })
    );
}

#[test]
fn bundles_unknown_chunks_and_bad_checksums_are_refused() {
    let (server, mut client) = synced_pair();
    let mut tx = client.transaction();
    let (_, data) = tx.get(ROOT, "data").unwrap().unwrap();
    tx.put(&data, "pupils", 413).unwrap();
    tx.commit();
    let chunk = client.get_last_local_change().unwrap().raw_bytes().to_vec();
    for (kind, refusal) in [
        (3, Refusal::UnsupportedChunk(3)),
        (9, Refusal::UnsupportedChunk(9)),
    ] {
        let mut other = chunk.clone();
        other[8] = kind;
        assert_eq!(
            check_sync_message(&server, &message_with(vec![other]), &Limits::default()),
            Err(refusal)
        );
    }
    let mut bad = chunk.clone();
    bad[4] ^= 1;
    assert!(matches!(
        check_sync_message(&server, &message_with(vec![bad]), &Limits::default()),
        Err(Refusal::Malformed(_))
    ));
    // Split across two listed byte strings, the chunk is what Automerge reads: admitted.
    let (a, b) = chunk.split_at(20);
    let verdict = check_sync_message(
        &server,
        &message_with(vec![a.to_vec(), b.to_vec()]),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(verdict.ops, 1);
}

/// Real messages of every kind the checker reads, as their chunks (type and data, the data of a
/// compressed change inflated): a whole document, a change, a compressed change; the server
/// copy they are judged against.
fn real_chunks() -> (Automerge, Vec<(u8, Vec<u8>)>) {
    let (server, mut client) = synced_pair();
    let whole = Message::decode(&first_changes(&Automerge::new(), &client)).unwrap();
    let mut tx = client.transaction();
    let (_, data) = tx.get(ROOT, "data").unwrap().unwrap();
    let row = tx.put_object(&data, "x", ObjType::Map).unwrap();
    let text = tx.put_object(&row, "t", ObjType::Text).unwrap();
    tx.splice_text(&text, 0, 0, &"текст ".repeat(100)).unwrap();
    tx.commit();
    let change = client.get_last_local_change().unwrap().raw_bytes().to_vec();
    let data_of = |chunk: &[u8]| {
        chunk[9 + (chunk[9..].iter().position(|b| b & 0x80 == 0).unwrap() + 1)..].to_vec()
    };
    let document = whole.changes.iter().next().unwrap().to_vec();
    let chunks = vec![
        (0, data_of(&document)),
        (1, data_of(&change)),
        (2, data_of(&change)),
    ];
    for (kind, data) in &chunks {
        let message = message_with(vec![chunk(*kind, data)]);
        let verdict = check_sync_message(&server, &message, &Limits::default());
        assert!(
            verdict.as_ref().is_ok_and(|v| v.ops > 250),
            "{kind}: {verdict:?}"
        );
    }
    (server, chunks)
}

/// A chunk of `kind` holding `data` (for a compressed change, `data` is deflated here), with
/// the checksum its (inflated) data calls for: a mutated chunk then reaches the parsers behind
/// the checksum.
fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
    let checksum_of = |kind: u8, data: &[u8]| {
        let mut len = Vec::new();
        uleb(&mut len, data.len() as u64);
        sha2::Sha256::digest([&[kind][..], &len, data].concat())
    };
    let (hash, body) = match kind {
        2 => {
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut encoder, data).unwrap();
            (checksum_of(1, data), encoder.finish().unwrap())
        }
        _ => (checksum_of(kind, data), data.to_vec()),
    };
    let mut out = vec![0x85, 0x6f, 0x4a, 0x83];
    out.extend_from_slice(&hash[..4]);
    out.push(kind);
    uleb(&mut out, body.len() as u64);
    out.extend_from_slice(&body);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let doc = Automerge::new();
        let _ = check_sync_message(&doc, &bytes, &Limits::default());
        // Behind a valid envelope, the bytes reach the chunk parser.
        let _ = check_sync_message(&doc, &message_with(vec![bytes]), &Limits::default());
    }

    #[test]
    fn mutated_real_messages_never_panic(
        which in 0usize..3,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        thread_local! {
            static REAL: (Automerge, Vec<(u8, Vec<u8>)>) = real_chunks();
        }
        REAL.with(|(server, chunks)| {
            let (kind, original) = &chunks[which];
            let mut data = original.clone();
            let mut whole = message_with(vec![chunk(*kind, original)]);
            for (at, byte, how) in &edits {
                for target in [&mut data, &mut whole] {
                    let i = at.index(target.len());
                    match how {
                        0 => target[i] = *byte,
                        1 => target.insert(i, *byte),
                        _ => {
                            target.remove(i);
                        }
                    }
                }
            }
            // Mutated inside a chunk with a valid checksum, and mutated anywhere.
            let inside = message_with(vec![chunk(*kind, &data)]);
            let _ = check_sync_message(server, &inside, &Limits::default());
            let _ = check_sync_message(server, &whole, &Limits::default());
        });
    }
}
