//! automerge-repo messages on `/sync`, judged as the server's guard judges them: the envelope
//! (`sync_server::sync::wire::Envelope::read`), then a `sync`/`request` payload by
//! `document::incoming::check_sync_message` against the server's copy of a real document.
//! What the judge admits is applied as samod would apply it (Automerge's sync protocol) and
//! read back with the server's readers: nothing may panic, and what the judge admits may not
//! make a document deeper than `MAX_DEPTH` or break the readers.
#![no_main]

use std::sync::LazyLock;

use automerge::Automerge;
use automerge::sync::{self, SyncDoc};
use document::incoming::{Limits, check_sync_message};
use libfuzzer_sys::fuzz_target;
use sync_server::sync::wire::Envelope;

/// The server's copy: a realistic document made from an example.
static BASE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let catalogue = forms::Catalogue::load(format!("{root}/forms")).expect("forms/ loads");
    let example = std::fs::read(format!(
        "{root}/forms/examples/partnership-agreement.mordovia.valid.json"
    ))
    .expect("example");
    let data: serde_json::Value = serde_json::from_slice(&example).expect("example JSON");
    let author = document::Author {
        id: "fuzz".into(),
        name: "fuzz".into(),
    };
    let doc =
        document::create(&catalogue, "partnership-agreement", "mordovia", &data, &author)
            .expect("example document");
    doc.save()
});

fuzz_target!(|data: &[u8]| {
    // The raw bytes as a whole websocket message.
    let payload = match Envelope::read(data) {
        Ok(envelope) => envelope.data.map(<[u8]>::to_vec),
        // Not an envelope: judge the bytes as a sync payload itself, so the fuzzer reaches
        // the change checks without having to build CBOR first.
        Err(_) => Some(data.to_vec()),
    };
    let Some(payload) = payload else {
        return;
    };
    let mut doc = Automerge::load(&BASE).expect("base loads");
    let limits = Limits::default();
    if check_sync_message(&doc, &payload, &limits).is_err() {
        return;
    }
    let Ok(message) = sync::Message::decode(&payload) else {
        return;
    };
    let mut state = sync::State::new();
    if doc.receive_sync_message(&mut state, message).is_err() {
        return;
    }
    // The server's readers on what it now holds: refusals are fine, panics are not.
    let _ = document::to_json(&doc);
    let _ = document::history(&doc);
    let _ = doc.save();
});
