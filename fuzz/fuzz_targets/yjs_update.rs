//! Yjs messages on `/yjs/{doc}`, judged as the server's connection judges them: the
//! y-websocket framing (`yrs::sync::MessageReader`), every update through
//! `Narratives::check_update` before anything is applied, then applied to a room's document
//! that already holds narratives. Beside "never panics" it holds the server's rule for
//! readers: an update the server deems to bring nothing (no new structs and no deletions,
//! `connection::apply`'s novelty test, which lets a reader's update pass without asking for
//! the right to write) leaves the stored state exactly as it was.
#![no_main]

use std::sync::LazyLock;

use document::narrative::Narratives;
use libfuzzer_sys::fuzz_target;
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::DecoderV1;
use yrs::{ReadTxn, Transact};

/// The room's state before the message: two narratives with some text.
static BASE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let narratives = Narratives::new();
    narratives.set_text("/subject", "Предмет соглашения: сетевое взаимодействие.");
    narratives.set_text("/causes/analysis", "Низкие результаты; первая строка.\nВторая.");
    narratives.encode_state()
});

fuzz_target!(|data: &[u8]| {
    if data.len() > document::narrative::MAX_UPDATE_BYTES {
        return;
    }
    let mut decoder = DecoderV1::new(Cursor::new(data));
    let mut updates = Vec::new();
    for message in MessageReader::new(&mut decoder) {
        match message {
            Ok(Message::Sync(SyncMessage::SyncStep2(raw) | SyncMessage::Update(raw))) => {
                updates.push(raw)
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
    // Also the bytes as one bare update (what the relay and the store carry).
    updates.push(data.to_vec());
    for raw in updates {
        let Ok(update) = Narratives::check_update(&raw) else {
            continue;
        };
        let narratives = Narratives::from_updates([&BASE[..]]).expect("base loads");
        let before = narratives.encode_state();
        let have = narratives.doc().transact().state_vector();
        let brings_nothing = !update.extends(&have) && update.delete_set().is_empty();
        if narratives.apply_update(&raw).is_err() {
            continue;
        }
        if brings_nothing {
            assert_eq!(
                before,
                narratives.encode_state(),
                "an update judged to bring nothing changed the state"
            );
        }
        for key in narratives.keys() {
            let _ = narratives.blocks(&key);
            let _ = narratives.prosemirror(&key);
        }
    }
});
