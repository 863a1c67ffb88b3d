//! The automerge-paper editing trace (259,778 single-character edits, `../shared/data/traces/`)
//! typed into a narrative, side by side, in one run; prints one table.
//!
//! - *raw yrs*: one `XmlText` (in an `XmlFragment`, as a narrative's paragraph) applying each
//!   patch in memory, one transaction per patch;
//! - *our narrative*: `document::narrative::Editor::splice` per patch (line breaks become
//!   paragraphs, a splice inside a line touches that line only), one update per patch;
//! - *raw Automerge Text*: `splice_text` per patch, one commit per patch;
//! - *through our server*: a Yjs client logged in as the demo `editor` types the trace into
//!   the narrative over `/yjs` (one update message per patch), a second client logged in as
//!   `mentor` is subscribed; timed until the second holds the final text. Then the server's
//!   stored bytes after compaction (`yjs_states` + `yjs_updates`) and the time a fresh client
//!   takes to load the narrative.
//!
//! Each row checks the final text against the trace's `endContent`. `NARRATIVE_OPS=N` replays
//! only the first N patches (all by default), `AUTOMERGE_OPS=M` only the first M of those in
//! the Automerge row (in a debug build its commit per patch slows down as the document grows); `TRACES_DIR` names the traces' folder when
//! `../shared/data/traces` is not beside the checkout. Needs the binaries of the profile it runs in:
//! `cargo build --release --workspace --bins`, then `cargo bench -p e2e --bench narrative`.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use document::narrative::Narratives;
use e2e::{Api, Server, root};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{GetString, Text, Transact, XmlFragment, XmlTextPrelim};

const KEY: &str = "/causes_analysis/internal_causes";

struct Trace {
    start: String,
    end: String,
    patches: Vec<(usize, usize, String)>,
    complete: bool,
}

fn trace() -> Trace {
    // `TRACES_DIR` for a checkout whose `shared/` is elsewhere (a git worktree).
    let dir = std::env::var_os("TRACES_DIR")
        .map_or_else(|| root().join("../shared/data/traces"), Into::into);
    let path = Path::new(&dir).join("automerge-paper.json.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let trace: Value = serde_json::from_str(&text).unwrap();
    let mut patches = Vec::new();
    for txn in trace["txns"].as_array().unwrap() {
        for patch in txn["patches"].as_array().unwrap() {
            patches.push((
                patch[0].as_u64().unwrap() as usize,
                patch[1].as_u64().unwrap() as usize,
                patch[2].as_str().unwrap().to_owned(),
            ));
        }
    }
    let limit: usize = std::env::var("NARRATIVE_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(patches.len());
    let complete = limit >= patches.len();
    patches.truncate(limit);
    let start = trace["startContent"].as_str().unwrap().to_owned();
    let mut end = trace["endContent"].as_str().unwrap().to_owned();
    if !complete {
        let mut chars: Vec<char> = start.chars().collect();
        for (at, delete, insert) in &patches {
            chars.splice(*at..*at + *delete, insert.chars());
        }
        end = chars.into_iter().collect();
    }
    Trace {
        start,
        end,
        patches,
        complete,
    }
}

fn raw_yrs(trace: &Trace) -> (Duration, usize) {
    let started = Instant::now();
    let doc = yrs::Doc::new();
    let fragment = doc.get_or_insert_xml_fragment("t");
    let text = {
        let mut txn = doc.transact_mut();
        fragment.insert(&mut txn, 0, XmlTextPrelim::new(trace.start.as_str()))
    };
    for (at, delete, insert) in &trace.patches {
        let mut txn = doc.transact_mut();
        if *delete > 0 {
            text.remove_range(&mut txn, *at as u32, *delete as u32);
        }
        if !insert.is_empty() {
            text.insert(&mut txn, *at as u32, insert);
        }
    }
    let elapsed = started.elapsed();
    let txn = doc.transact();
    assert_eq!(text.get_string(&txn), trace.end, "raw yrs");
    let bytes = {
        use yrs::ReadTxn;
        txn.encode_state_as_update_v1(&yrs::StateVector::default())
            .len()
    };
    (elapsed, bytes)
}

fn ours(trace: &Trace) -> (Duration, usize, usize) {
    let narratives = Narratives::new();
    narratives.set_text(KEY, &trace.start);
    let started = Instant::now();
    let mut editor = narratives.editor(KEY);
    let mut update_bytes = 0;
    for (at, delete, insert) in &trace.patches {
        update_bytes += editor.splice(*at, *delete, insert).unwrap().len();
    }
    let elapsed = started.elapsed();
    assert_eq!(narratives.text(KEY).unwrap(), trace.end, "our narrative");
    (elapsed, narratives.encode_state().len(), update_bytes)
}

/// The Automerge row replays the first `AUTOMERGE_OPS` patches only (all by default): in an
/// unoptimised build a commit per patch grows slower with the document (6,000 patches took
/// 4.4 times as long as 3,000), so a debug run of the whole trace takes very long.
fn raw_automerge(trace: &Trace, ops: usize) -> (Duration, usize) {
    let mut doc = Automerge::new();
    let text = {
        let mut tx = doc.transaction();
        let text = tx.put_object(ROOT, "t", ObjType::Text).unwrap();
        tx.splice_text(&text, 0, 0, &trace.start).unwrap();
        tx.commit();
        text
    };
    let started = Instant::now();
    for (at, delete, insert) in trace.patches.iter().take(ops) {
        let mut tx = doc.transaction();
        tx.splice_text(&text, *at, *delete as isize, insert)
            .unwrap();
        tx.commit();
    }
    let elapsed = started.elapsed();
    if ops >= trace.patches.len() {
        assert_eq!(doc.text(&text).unwrap(), trace.end, "raw automerge");
    }
    (elapsed, doc.save().len())
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects to `/yjs/{doc}` and completes the initial sync into `narratives`.
async fn connect(server: &Server, login: &str, doc: &str, narratives: &Narratives) -> Ws {
    let token = Api::demo(server, login).token.unwrap();
    connect_at(&server.addr(), &token, doc, narratives).await
}

/// Connects to `addr` with `token` and syncs `narratives` (sync step 1 with their state
/// vector; the server's step 2 carries what they lack).
async fn connect_at(addr: &str, token: &str, doc: &str, narratives: &Narratives) -> Ws {
    let url = format!("ws://{addr}/yjs/{doc}?token={token}");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let sv = yrs::StateVector::decode_v1(&narratives.state_vector()).unwrap();
    ws.send(WsMessage::Binary(
        Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1().into(),
    ))
    .await
    .unwrap();
    loop {
        let Some(Ok(WsMessage::Binary(bytes))) = ws.next().await else {
            panic!("no initial sync");
        };
        if receive(&bytes, narratives) {
            return ws;
        }
    }
}

/// Applies what a server message carries; whether it was the sync step 2.
fn receive(bytes: &[u8], narratives: &Narratives) -> bool {
    let mut decoder = DecoderV1::new(Cursor::new(bytes));
    let mut step2 = false;
    for message in MessageReader::new(&mut decoder) {
        match message.unwrap() {
            Message::Sync(SyncMessage::SyncStep2(update)) => {
                narratives.apply_update(&update).unwrap();
                step2 = true;
            }
            Message::Sync(SyncMessage::Update(update)) => {
                narratives.apply_update(&update).unwrap();
            }
            _ => {}
        }
    }
    step2
}

struct Served {
    /// Bytes of the typist's websocket messages and of those the subscriber received.
    sent_bytes: usize,
    received_bytes: usize,
    /// How often the subscriber was closed for lagging and connected again.
    reconnects: usize,
    typed: Duration,
    received: Duration,
    stored_before: u64,
    stored_after: u64,
    load: Duration,
}

async fn through_server(trace: &Trace, server: &Server, data_dir: &Path) -> Served {
    let doc = Api::demo(server, "admin")
        .documents()
        .into_iter()
        .find(|(_, f, s)| f == "school-programme" && s == "krasnoe")
        .map(|(id, ..)| id)
        .unwrap();
    let typist = Narratives::new();
    let mut typing = connect(server, "editor", &doc, &typist).await;
    let update = typist.set_text(KEY, &trace.start);
    typing
        .send(WsMessage::Binary(
            Message::Sync(SyncMessage::Update(update))
                .encode_v1()
                .into(),
        ))
        .await
        .unwrap();
    let reader = Narratives::new();
    let reader_token = Api::demo(server, "mentor").token.unwrap();
    let addr = server.addr();
    let mut reading = connect_at(&addr, &reader_token, &doc, &reader).await;
    while reader.text(KEY).as_deref() != Some(trace.start.as_str()) {
        let Some(Ok(WsMessage::Binary(bytes))) = reading.next().await else {
            panic!("the reader lost its connection");
        };
        receive(&bytes, &reader);
    }
    let started = Instant::now();
    let end = trace.end.clone();
    let reader_doc = doc.clone();
    let receiving = tokio::spawn(async move {
        let mut received_bytes = 0;
        let mut reconnects = 0;
        while reader.text(KEY).as_deref() != Some(end.as_str()) {
            match tokio::time::timeout(Duration::from_secs(120), reading.next()).await {
                Ok(Some(Ok(WsMessage::Binary(bytes)))) => {
                    received_bytes += bytes.len();
                    receive(&bytes, &reader);
                }
                Ok(Some(Ok(WsMessage::Close(_))) | None) => {
                    // The server closes a subscriber that falls a room's queue behind; like
                    // y-websocket, it connects again and syncs what it missed.
                    reconnects += 1;
                    reading = connect_at(&addr, &reader_token, &reader_doc, &reader).await;
                }
                Ok(Some(Ok(_))) => {}
                other => panic!("the reader stopped: {other:?}"),
            }
        }
        (started.elapsed(), received_bytes, reconnects)
    });
    let mut editor = typist.editor(KEY);
    let mut sent_bytes = 0;
    for (at, delete, insert) in &trace.patches {
        let update = editor.splice(*at, *delete, insert).unwrap();
        let message = Message::Sync(SyncMessage::Update(update)).encode_v1();
        sent_bytes += message.len();
        typing
            .send(WsMessage::Binary(message.into()))
            .await
            .unwrap();
    }
    let typed = started.elapsed();
    let (received, received_bytes, reconnects) = receiving.await.unwrap();
    let db = data_dir.join("ravenstvo.sqlite3");
    let stored = || -> u64 {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.query_row(
            "SELECT (SELECT coalesce(sum(length(state)), 0) FROM yjs_states)
                  + (SELECT coalesce(sum(length(update_)), 0) FROM yjs_updates)",
            [],
            |row| row.get::<_, i64>(0),
        )
        .unwrap() as u64
    };
    let stored_before = stored();
    // The server compacts every 5 s; wait until no update is left uncompacted.
    let mut stored_after = stored_before;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let conn = rusqlite::Connection::open(&db).unwrap();
        let pending: i64 = conn
            .query_row("SELECT count(*) FROM yjs_updates", [], |row| row.get(0))
            .unwrap();
        stored_after = stored();
        if pending < 64 {
            break;
        }
    }
    let fresh = Narratives::new();
    let loading = Instant::now();
    let _ws = connect(server, "reviewer", &doc, &fresh).await;
    let load = loading.elapsed();
    assert_eq!(
        fresh.text(KEY).unwrap(),
        trace.end,
        "loaded from the server"
    );
    Served {
        sent_bytes,
        received_bytes,
        reconnects,
        typed,
        received,
        stored_before,
        stored_after,
        load,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let trace = trace();
    println!(
        "automerge-paper: {} patches{}, final text {} characters",
        trace.patches.len(),
        if trace.complete { "" } else { " (a prefix)" },
        trace.end.chars().count()
    );
    let (yrs_time, yrs_bytes) = raw_yrs(&trace);
    let (our_time, our_bytes, our_update_bytes) = ours(&trace);
    let am_ops: usize = std::env::var("AUTOMERGE_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .map_or(trace.patches.len(), |n: usize| n.min(trace.patches.len()));
    let (am_time, am_bytes) = raw_automerge(&trace, am_ops);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path());
    let served = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(through_server(&trace, &server, dir.path()));
    let ratio = |d: Duration| d.as_secs_f64() / yrs_time.as_secs_f64();
    println!("| path | time | × raw yrs | bytes |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| raw yrs (XmlText, in memory) | {} | 1.0 | {yrs_bytes} (state) |",
        ms(yrs_time)
    );
    println!(
        "| our narrative (Editor::splice) | {} | {:.1} | {our_bytes} (state); {our_update_bytes} (sum of updates) |",
        ms(our_time),
        ratio(our_time)
    );
    let am_label = if am_ops < trace.patches.len() {
        format!(" (first {am_ops} patches)")
    } else {
        String::new()
    };
    println!(
        "| raw Automerge Text (commit per patch){am_label} | {} | {:.1} | {am_bytes} (saved) |",
        ms(am_time),
        ratio(am_time)
    );
    println!(
        "| through the server: typed / received by a subscriber | {} / {} | {:.1} | {} stored before compaction, {} after |",
        ms(served.typed),
        ms(served.received),
        ratio(served.received),
        served.stored_before,
        served.stored_after
    );
    println!(
        "| on the wire: sent by the typist / received by the subscriber | | | {} / {} ({} reconnects of the subscriber) |",
        served.sent_bytes, served.received_bytes, served.reconnects
    );
    println!(
        "| a fresh client loads the narrative | {} | | |",
        ms(served.load)
    );
}
