//! The replica's narratives: each document's Yjs updates kept in the replica's SQLite beside
//! its Automerge document, edited offline, read into the document's JSON, and exchanged with
//! the server over `/yjs/{doc}` (the y-websocket protocol) by `sync`.

use std::time::Duration;

use document::narrative::{Narratives, is_narrative, narrative_key, parse_markdown};
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::encoding::read::Cursor;
use yrs::sync::protocol::MessageReader;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;

use crate::account::Session;
use crate::error::ClientError;
use crate::replica::{Replica, parse_id};

/// How long one document's narrative exchange may take.
const NARRATIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// What a narrative sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NarrativeSync {
    /// Whether the server's state brought anything new.
    pub received: bool,
    /// Why the server refused our narrative edits, if it did (a read-only role, a submitted
    /// document).
    pub refused: Option<String>,
}

/// A narrative edit: a splice of its plain text or its whole new text.
pub(crate) enum NarrativeEdit<'e> {
    Splice {
        at: usize,
        delete: usize,
        insert: &'e str,
    },
    Text(&'e str),
    Markdown(&'e str),
}

impl Replica {
    /// Document `id`'s narratives as stored here.
    pub fn narratives(&self, id: &str) -> Result<Narratives, ClientError> {
        let id = parse_id(id)?.to_string();
        let updates = self.store().yjs_updates(&id)?;
        Ok(Narratives::from_updates(updates.iter().map(Vec::as_slice))?)
    }

    /// Whether the field at `pointer` of document `id` is a narrative.
    pub async fn is_narrative(&self, id: &str, pointer: &str) -> Result<bool, ClientError> {
        let handle = self.handle(id).await?;
        let form = handle.with_document(|doc| document::meta(doc))?.form;
        Ok(is_narrative(self.catalogue(), &form, pointer)?)
    }

    /// Replaces the narrative at `pointer` from Markdown (headings, lists, emphasis) with the
    /// fewest Yjs operations.
    pub async fn set_narrative_markdown(
        &self,
        id: &str,
        pointer: &str,
        markdown: &str,
    ) -> Result<(), ClientError> {
        self.edit_narrative(id, pointer, NarrativeEdit::Markdown(markdown))
            .await
    }

    /// Applies one narrative edit and stores its update.
    pub(crate) async fn edit_narrative(
        &self,
        id: &str,
        pointer: &str,
        edit: NarrativeEdit<'_>,
    ) -> Result<(), ClientError> {
        let handle = self.handle(id).await?;
        let canonical = handle.document_id().to_string();
        let (form, key, legacy) = handle.with_document(|doc| -> Result<_, ClientError> {
            let form = document::meta(doc)?.form;
            let key = narrative_key(doc, pointer)?;
            let legacy = document::get(doc, pointer)?
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            Ok((form, key, legacy))
        })?;
        if !is_narrative(self.catalogue(), &form, pointer)? {
            return Err(document::DocError::NotAText {
                pointer: pointer.to_owned(),
            }
            .into());
        }
        let narratives = self.narratives(&canonical)?;
        let mut updates = Vec::new();
        if !narratives.has(&key) && !legacy.is_empty() {
            // Text written before narratives moved to Yjs becomes the narrative's start, the
            // same operations on every replica.
            updates.push(narratives.seed(&key, &legacy));
        }
        updates.push(match edit {
            NarrativeEdit::Splice { at, delete, insert } => {
                narratives.splice(&key, at, delete, insert)?
            }
            NarrativeEdit::Text(text) => narratives.set_text(&key, text),
            NarrativeEdit::Markdown(markdown) => {
                narratives.set_blocks(&key, &parse_markdown(markdown))
            }
        });
        for update in updates.iter().filter(|u| !u.is_empty()) {
            self.store().append_yjs_update(&canonical, update)?;
        }
        Ok(())
    }

    /// `data` (document `id`'s JSON from Automerge) with its narratives' text.
    pub(crate) async fn with_narratives(
        &self,
        id: &str,
        data: &mut Value,
        heads: Option<&[automerge::ChangeHash]>,
    ) -> Result<(), ClientError> {
        let handle = self.handle(id).await?;
        let narratives = self.narratives(handle.document_id().to_string().as_str())?;
        handle.with_document(|doc| match heads {
            Some(heads) => narratives.overlay_at(doc, heads, data),
            None => narratives.overlay(doc, data),
        })?;
        Ok(())
    }

    /// Each narrative of document `id` by pointer: its text and its ProseMirror JSON.
    pub async fn narrative_forms(&self, id: &str) -> Result<Value, ClientError> {
        let handle = self.handle(id).await?;
        let narratives = self.narratives(handle.document_id().to_string().as_str())?;
        let mut out = serde_json::Map::new();
        handle.with_document(|doc| -> Result<(), ClientError> {
            for key in narratives.keys() {
                if let Some(pointer) = document::narrative::narrative_pointer(doc, &key)? {
                    out.insert(
                        pointer,
                        serde_json::json!({
                            "text": narratives.text(&key).unwrap_or_default(),
                            "prosemirror": narratives.prosemirror(&key),
                        }),
                    );
                }
            }
            Ok(())
        })?;
        Ok(Value::Object(out))
    }

    /// Writes the narrative strings of `data` (as imported) into the narratives.
    pub(crate) async fn import_narratives(
        &self,
        id: &str,
        data: &Value,
    ) -> Result<(), ClientError> {
        let handle = self.handle(id).await?;
        let form = handle.with_document(|doc| document::meta(doc))?.form;
        let mut stack = vec![(String::new(), data)];
        let mut texts = Vec::new();
        while let Some((pointer, value)) = stack.pop() {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        let escaped = key.replace('~', "~0").replace('/', "~1");
                        stack.push((format!("{pointer}/{escaped}"), child));
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        stack.push((format!("{pointer}/{i}"), child));
                    }
                }
                Value::String(text) if is_narrative(self.catalogue(), &form, &pointer)? => {
                    texts.push((pointer, text.clone()));
                }
                _ => {}
            }
        }
        for (pointer, text) in texts {
            self.edit_narrative(id, &pointer, NarrativeEdit::Text(&text))
                .await?;
        }
        Ok(())
    }

    /// Exchanges document `id`'s narratives with the server over `/yjs/{id}`: sends what the
    /// server lacks, stores what it sends, and makes sure the server has handled ours.
    pub(crate) async fn sync_narratives(
        &self,
        base: &str,
        session: &Session,
        id: &str,
    ) -> Result<NarrativeSync, String> {
        let exchange = self.exchange_narratives(base, session, id);
        match tokio::time::timeout(NARRATIVE_TIMEOUT, exchange).await {
            Ok(result) => result,
            Err(_) => Err("тексты не синхронизированы: нет ответа".to_owned()),
        }
    }

    async fn exchange_narratives(
        &self,
        base: &str,
        session: &Session,
        id: &str,
    ) -> Result<NarrativeSync, String> {
        let failed = |e: &dyn std::fmt::Display| format!("тексты не синхронизированы: {e}");
        let narratives = self.narratives(id).map_err(|e| failed(&e.message_ru()))?;
        let mut url = url::Url::parse(base).map_err(|e| failed(&e))?;
        url.set_scheme("ws")
            .map_err(|()| failed(&"неверный адрес"))?;
        let path = format!("{}/yjs/{id}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.query_pairs_mut().append_pair("token", session.token());
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| failed(&e))?;
        let send = |message: Message| WsMessage::Binary(message.encode_v1().into());
        let sv = yrs::StateVector::decode_v1(&narratives.state_vector()).map_err(|e| failed(&e))?;
        ws.send(send(Message::Sync(SyncMessage::SyncStep1(sv))))
            .await
            .map_err(|e| failed(&e))?;
        let mut outcome = NarrativeSync::default();
        let (mut got_state, mut handled_ours) = (false, false);
        while !(got_state && handled_ours) {
            let bytes = match ws.next().await {
                Some(Ok(WsMessage::Binary(bytes))) => bytes,
                Some(Ok(WsMessage::Close(frame))) => {
                    let why = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    return Err(failed(&format!("сервер закрыл соединение ({why})")));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(failed(&e)),
                None => return Err(failed(&"соединение закрыто")),
            };
            let mut decoder = DecoderV1::new(Cursor::new(&bytes));
            let messages: Vec<Message> = MessageReader::new(&mut decoder)
                .collect::<Result<_, _>>()
                .map_err(|e| failed(&e))?;
            for message in messages {
                match message {
                    Message::Sync(SyncMessage::SyncStep1(theirs)) => {
                        let diff = narratives
                            .diff_since(&theirs.encode_v1())
                            .map_err(|e| failed(&e))?;
                        ws.send(send(Message::Sync(SyncMessage::SyncStep2(diff))))
                            .await
                            .map_err(|e| failed(&e))?;
                        // The server handles one connection's messages in order: its answer
                        // to this query means it has handled our state.
                        ws.send(send(Message::AwarenessQuery))
                            .await
                            .map_err(|e| failed(&e))?;
                    }
                    Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                        let before = narratives.state_vector();
                        narratives.apply_update(&update).map_err(|e| failed(&e))?;
                        if narratives.state_vector() != before {
                            self.store()
                                .append_yjs_update(id, &update)
                                .map_err(|e| failed(&e))?;
                            outcome.received = true;
                        }
                        got_state = true;
                    }
                    Message::Awareness(_) => handled_ours = got_state || handled_ours,
                    Message::Auth(Some(reason)) => outcome.refused = Some(reason),
                    _ => {}
                }
            }
        }
        let _ = ws.close(None).await;
        Ok(outcome)
    }

    /// Merges the stored updates of documents with many into one state each.
    pub(crate) fn compact_narratives(&self) -> Result<(), ClientError> {
        for id in self
            .store()
            .yjs_documents_to_compact(store::COMPACT_AFTER_UPDATES)?
        {
            self.store().compact_yjs(&id)?;
        }
        Ok(())
    }
}
