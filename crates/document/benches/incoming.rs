//! `document::incoming::check_sync_message` beside automerge's own `receive_sync_message` of
//! the same message, in the same run: what the /sync guard adds to applying a message.
//!
//! Messages, all honest, all judged against (and applied to) the server's copy of a school
//! programme:
//!
//! - **typing**: one change typing a word into a narrative field, as a client sends it while
//!   someone types;
//! - **history**: 5,000 such changes by one person (about 1 MB), sent as a list of changes (a
//!   V1 message, as a peer does with a few changes, or a peer without V2);
//! - **whole document**: the same document sent whole on its first sync (V2).
//!
//! Each is timed alone, best of several runs; the server's copy is cloned before each
//! `receive_sync_message`, outside the timing. The ratio is check / receive.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use automerge::Automerge;
use automerge::sync::{Message, MessageVersion, State, SyncDoc};
use document::incoming::{Limits, check_sync_message};
use document::{Author, Edit, apply, create};
use forms::Catalogue;

const FORM: &str = "school-programme";
const REGION: &str = "lipetsk";
/// Changes of the "history" message.
const HISTORY: usize = 5_000;

fn author() -> Author {
    Author {
        id: "bench".into(),
        name: "Бенчмарк".into(),
    }
}

/// The best of `runs` timings of `f`, each run preceded by an untimed `setup`.
fn best<S, T>(runs: usize, mut setup: impl FnMut() -> S, mut f: impl FnMut(S) -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let input = setup();
            let started = Instant::now();
            black_box(f(input));
            started.elapsed()
        })
        .min()
        .expect("at least one run")
}

/// A sync message carrying `chunks` (a V1 list of changes).
fn changes_message(chunks: Vec<Vec<u8>>) -> Vec<u8> {
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

/// The first message with changes a client sends a server that has nothing yet.
fn whole_document(client: &Automerge) -> Vec<u8> {
    let (mut server, mut client) = (Automerge::new(), client.clone());
    let (mut server_state, mut client_state) = (State::new(), State::new());
    loop {
        if let Some(message) = client.generate_sync_message(&mut client_state) {
            if !message.changes.is_empty() {
                return message.encode();
            }
            server
                .receive_sync_message(&mut server_state, message)
                .expect("an honest message applies");
        }
        if let Some(message) = server.generate_sync_message(&mut server_state) {
            client
                .receive_sync_message(&mut client_state, message)
                .expect("an honest message applies");
        }
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let catalogue = Catalogue::load(root.join("forms")).expect("forms/ loads");
    let (programme, _) = forms::baseline::programmes(&root.join("forms")).expect("the example");
    let server = create(&catalogue, FORM, REGION, &programme, &author()).expect("a programme");
    let mut client = server.fork();

    let words = [
        "Школа ",
        "проводит ",
        "открытые ",
        "уроки ",
        "для ",
        "родителей. ",
    ];
    let mut history = Vec::with_capacity(HISTORY);
    let mut at = 0;
    for i in 0..HISTORY {
        let word = words[i % words.len()];
        let edit = Edit::Splice {
            pointer: "/causes_analysis/internal_causes".into(),
            at,
            delete: 0,
            insert: word.into(),
        };
        apply(&mut client, &catalogue, &[edit], &author(), None).expect("typing applies");
        at += word.chars().count();
        let change = client.get_last_local_change().expect("a change was made");
        history.push(change.raw_bytes().to_vec());
    }
    let messages = [
        ("typing", changes_message(vec![history[0].clone()])),
        ("history", changes_message(history)),
        ("whole document", whole_document(&client)),
    ];

    let limits = Limits::default();
    println!(
        "{:<16} {:>10} {:>8} {:>14} {:>14} {:>7}",
        "message", "bytes", "ops", "check", "receive", "ratio"
    );
    for (name, message) in &messages {
        let base = if *name == "whole document" {
            Automerge::new()
        } else {
            server.clone()
        };
        let admitted = check_sync_message(&base, message, &limits).expect("honest: admitted");
        let runs = match (quick, message.len()) {
            (true, _) => 1,
            (false, len) if len < 10_000 => 2_000,
            _ => 15,
        };
        let check = best(
            runs,
            || (),
            |()| check_sync_message(&base, message, &limits),
        );
        let receive = best(
            runs,
            || {
                (
                    base.clone(),
                    State::new(),
                    Message::decode(message).expect("a message"),
                )
            },
            |(mut doc, mut state, decoded)| {
                doc.receive_sync_message(&mut state, decoded)
                    .expect("an honest message applies");
                doc
            },
        );
        println!(
            "{:<16} {:>10} {:>8} {:>14?} {:>14?} {:>7.2}",
            name,
            message.len(),
            admitted.ops,
            check,
            receive,
            check.as_secs_f64() / receive.as_secs_f64()
        );
    }
}
