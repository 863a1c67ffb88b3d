//! Narratives: the long texts of a form document (the fields its schema marks
//! `x-narrative`), kept as shared rich text in one Yjs document per form document, beside the
//! Automerge document that holds everything else.
//!
//! Each narrative is a root `XmlFragment` named by [`narrative_key`] (the field's pointer, rows
//! named by their stable object id) in the shape `y-prosemirror` gives a TipTap StarterKit
//! editor, so the web app binds it directly and the Yjs ecosystem's clients interoperate. This
//! crate reads a narrative as [`Block`]s, as plain text ([`plain_text`]: validation, display,
//! exports, diffs) and as ProseMirror JSON ([`prosemirror_json`]); it edits one by a splice of
//! its plain text ([`Narratives::splice`], [`Editor`] for bursts of keystrokes) or by new
//! blocks, e.g. from Markdown ([`Narratives::set_blocks`], [`parse_markdown`]), each as the
//! fewest Yjs operations. Every edit returns its Yjs update (v1 encoding) for storage and sync.

mod blocks;
pub mod bounds;
mod keys;
mod yxml;

use std::sync::Arc;

use automerge::{Automerge, ChangeHash};
use forms::{Catalogue, FieldKind};
use serde_json::Value;
use yrs::updates::decoder::Decode;
use yrs::{
    Doc, GetString, OffsetKind, Options, ReadTxn, StateVector, Text, Transact, TransactionMut,
    Update, XmlFragment, XmlFragmentRef, XmlOut, XmlTextRef,
};

pub use blocks::{Block, BlockKind, Run, parse_markdown, plain_text, prosemirror_json};
pub use keys::{narrative_key, narrative_pointer, narrative_pointer_at, row_segment};

use crate::error::DocError;

/// The largest Yjs update accepted from outside (a client's or the server's), in bytes.
pub const MAX_UPDATE_BYTES: usize = 8 * 1024 * 1024;

/// A Yjs update or state could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NarrativeError {
    /// The bytes are not a Yjs v1 update.
    #[error("malformed Yjs update: {0}")]
    Malformed(String),
    /// The update is larger than [`MAX_UPDATE_BYTES`].
    #[error("Yjs update of {0} bytes is over the limit")]
    TooLarge(usize),
    /// The update decodes but cannot be applied.
    #[error("Yjs update refused: {0}")]
    Refused(String),
    /// A splice reaches past the end of the narrative.
    #[error("splice at {at} deleting {delete} is past the end of a narrative of {len} characters")]
    OutOfRange {
        /// Where the splice starts, in code points of the plain text.
        at: usize,
        /// How many code points it deletes.
        delete: usize,
        /// Length of the plain text in code points.
        len: usize,
    },
}

impl NarrativeError {
    /// The error in Russian, for the person who caused it.
    pub fn message_ru(&self) -> String {
        match self {
            NarrativeError::Malformed(_) => "повреждённые данные текста".to_owned(),
            NarrativeError::TooLarge(n) => format!("слишком большое изменение текста: {n} байт"),
            NarrativeError::Refused(_) => "изменение текста не применяется".to_owned(),
            NarrativeError::OutOfRange { at, delete, len } => format!(
                "правка с позиции {at} на {delete} символов выходит за конец текста ({len} символов)"
            ),
        }
    }
}

/// The narratives' text changes between two versions of a document's data (JSON with each
/// narrative's plain text at its pointer, as submissions pin it): one change per narrative
/// pointer of `form` whose text differs, in pointer order (a narrative absent or empty on one
/// side is added or removed).
pub fn narrative_changes(
    catalogue: &Catalogue,
    form: &str,
    old: &Value,
    new: &Value,
) -> Result<Vec<crate::FieldChange>, DocError> {
    use std::collections::BTreeMap;
    let old = narrative_texts(catalogue, form, old)?;
    let new = narrative_texts(catalogue, form, new)?;
    let mut pointers: Vec<&String> = old.keys().chain(new.keys()).collect();
    pointers.sort();
    pointers.dedup();
    let texts = |side: &BTreeMap<String, String>, pointer: &str| {
        side.get(pointer).map(|text| Value::String(text.clone()))
    };
    Ok(pointers
        .into_iter()
        .filter_map(|pointer| {
            let (before, after) = (texts(&old, pointer), texts(&new, pointer));
            let kind = match (&before, &after) {
                (None, Some(_)) => crate::ChangeKind::Added,
                (Some(_), None) => crate::ChangeKind::Removed,
                (Some(a), Some(b)) if a != b => crate::ChangeKind::Changed,
                _ => return None,
            };
            Some(crate::FieldChange {
                pointer: pointer.clone(),
                kind,
                old: before,
                new: after,
            })
        })
        .collect())
}

/// Every non-empty string of `data` at a narrative pointer of `form`, by pointer.
pub fn narrative_texts(
    catalogue: &Catalogue,
    form: &str,
    data: &Value,
) -> Result<std::collections::BTreeMap<String, String>, DocError> {
    let mut found = std::collections::BTreeMap::new();
    // An explicit stack: no walk recurses without a bound.
    let mut stack = vec![(String::new(), data, 0usize)];
    while let Some((pointer, value, depth)) = stack.pop() {
        if depth > crate::MAX_DEPTH {
            return Err(DocError::TooDeep {
                limit: crate::MAX_DEPTH,
            });
        }
        match value {
            Value::String(text)
                if !text.is_empty()
                    && !pointer.is_empty()
                    && is_narrative(catalogue, form, &pointer)? =>
            {
                found.insert(pointer, text.clone());
            }
            Value::Object(map) => {
                for (name, child) in map {
                    stack.push((crate::pointer::child(&pointer, name), child, depth + 1));
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    let segment = index.to_string();
                    stack.push((crate::pointer::child(&pointer, &segment), child, depth + 1));
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

/// Runs a yrs decoder over bytes from outside. yrs asserts (in debug builds) that a client id
/// read fits in 53 bits, as Yjs's do, and a byte string may name a larger one: that is
/// refused as malformed instead of unwinding through the caller.
fn guarded<T>(decode: impl FnOnce() -> T) -> Result<T, NarrativeError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
        .map_err(|_| NarrativeError::Malformed("a client id over 53 bits".to_owned()))
}

/// Whether the field at `pointer` of `form` is a narrative (the pointer's row indices may be
/// numbers or `*`).
pub fn is_narrative(catalogue: &Catalogue, form: &str, pointer: &str) -> Result<bool, DocError> {
    let pattern: Vec<String> = crate::pointer::segments(pointer)?
        .iter()
        .map(|s| {
            if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
                "*".to_owned()
            } else {
                crate::pointer::escape(s).into_owned()
            }
        })
        .collect();
    let pattern = if pattern.is_empty() {
        String::new()
    } else {
        format!("/{}", pattern.join("/"))
    };
    Ok(matches!(
        catalogue.field_kind(form, &pattern)?,
        Some(FieldKind::Narrative)
    ))
}

/// The narratives of one form document: a Yjs document with one fragment per narrative field.
pub struct Narratives {
    doc: Doc,
}

impl Default for Narratives {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Narratives {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Narratives")
            .field("keys", &self.keys())
            .finish()
    }
}

impl Narratives {
    /// An empty set with a fresh random Yjs client id; text positions count UTF-16 code units
    /// inside Yjs, as JavaScript's Yjs does.
    pub fn new() -> Self {
        let options = Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        };
        Self {
            doc: Doc::with_options(options),
        }
    }

    /// The set made of stored updates (or a compacted state), applied in order.
    pub fn from_updates<'u>(
        updates: impl IntoIterator<Item = &'u [u8]>,
    ) -> Result<Self, NarrativeError> {
        let narratives = Self::new();
        for update in updates {
            narratives.apply_update(update)?;
        }
        Ok(narratives)
    }

    /// The underlying Yjs document (for the sync protocol).
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// Checks that `update` is a well-formed Yjs v1 update within [`MAX_UPDATE_BYTES`],
    /// without applying it.
    pub fn check_update(update: &[u8]) -> Result<Update, NarrativeError> {
        if update.len() > MAX_UPDATE_BYTES {
            return Err(NarrativeError::TooLarge(update.len()));
        }
        bounds::check_update(update).map_err(NarrativeError::Malformed)?;
        guarded(|| Update::decode_v1(update))?.map_err(|e| NarrativeError::Malformed(e.to_string()))
    }

    /// Decodes one websocket message of the y-websocket protocol into its protocol messages
    /// (sync steps, updates, awareness), or says why it does not decode. Updates inside are
    /// not decoded (see [`Narratives::check_update`]).
    pub fn decode_messages(bytes: &[u8]) -> Result<Vec<yrs::sync::Message>, NarrativeError> {
        use yrs::encoding::read::Cursor;
        use yrs::sync::protocol::MessageReader;
        use yrs::updates::decoder::DecoderV1;
        bounds::check_message(bytes).map_err(NarrativeError::Malformed)?;
        guarded(|| {
            let mut decoder = DecoderV1::new(Cursor::new(bytes));
            MessageReader::new(&mut decoder).collect::<Result<Vec<_>, _>>()
        })?
        .map_err(|e| NarrativeError::Malformed(e.to_string()))
    }

    /// Applies a Yjs v1 update (from storage or a peer).
    pub fn apply_update(&self, update: &[u8]) -> Result<(), NarrativeError> {
        let update = Self::check_update(update)?;
        let mut txn = self.doc.transact_mut();
        txn.apply_update(update)
            .map_err(|e| NarrativeError::Refused(e.to_string()))
    }

    /// Makes the narrative `key` hold `text` (written before narratives moved to Yjs) by the
    /// same operations on every replica: they are made by a Yjs client whose id is derived
    /// from the key and the text, so replicas seeding the same text at once merge into one
    /// copy. Returns the update.
    pub fn seed(&self, key: &str, text: &str) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{key}\0{text}").as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        let options = Options {
            client_id: yrs::ClientID::new(u64::from_le_bytes(id) & ((1 << 53) - 1)),
            offset_kind: OffsetKind::Utf16,
            ..Options::default()
        };
        let seeder = Narratives {
            doc: Doc::with_options(options),
        };
        let update = seeder.set_text(key, text);
        // Our own bytes: they decode.
        let _ = self.apply_update(&update);
        update
    }

    /// The whole state as one update.
    pub fn encode_state(&self) -> Vec<u8> {
        self.doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// The state vector (v1 encoding).
    pub fn state_vector(&self) -> Vec<u8> {
        use yrs::updates::encoder::Encode;
        self.doc.transact().state_vector().encode_v1()
    }

    /// What this set has that a peer with state vector `state_vector` lacks.
    pub fn diff_since(&self, state_vector: &[u8]) -> Result<Vec<u8>, NarrativeError> {
        bounds::check_state_vector(state_vector).map_err(NarrativeError::Malformed)?;
        let sv = StateVector::decode_v1(state_vector)
            .map_err(|e| NarrativeError::Malformed(e.to_string()))?;
        Ok(self.doc.transact().encode_state_as_update_v1(&sv))
    }

    /// The keys of the narratives present (root fragments named by a pointer).
    pub fn keys(&self) -> Vec<String> {
        let txn = self.doc.transact();
        let mut keys: Vec<String> = txn
            .root_refs()
            // A root received in an update (not yet asked for by type here) is undefined.
            .filter(|(name, value)| {
                name.starts_with('/')
                    && matches!(value, yrs::Out::YXmlFragment(_) | yrs::Out::UndefinedRef(_))
            })
            .map(|(name, _)| name.to_owned())
            .collect();
        keys.sort();
        keys
    }

    /// The blocks of the narrative `key` (empty when it does not exist).
    pub fn blocks(&self, key: &str) -> Vec<Block> {
        let txn = self.doc.transact();
        let Some(fragment) = txn.get_xml_fragment(key) else {
            return Vec::new();
        };
        yxml::read(&txn, &fragment)
            .iter()
            .flat_map(|top| top.blocks().into_iter().cloned())
            .collect()
    }

    /// The plain text of the narrative `key`, or `None` when it does not exist.
    pub fn text(&self, key: &str) -> Option<String> {
        self.has(key).then(|| plain_text(&self.blocks(key)))
    }

    /// Whether the narrative `key` exists.
    pub fn has(&self, key: &str) -> bool {
        self.doc.transact().get_xml_fragment(key).is_some()
    }

    /// The ProseMirror JSON of the narrative `key`.
    pub fn prosemirror(&self, key: &str) -> Value {
        prosemirror_json(&self.blocks(key))
    }

    fn fragment(&self, key: &str) -> XmlFragmentRef {
        self.doc.get_or_insert_xml_fragment(Arc::<str>::from(key))
    }

    /// Brings the narrative `key` to `blocks` (marks included) with the fewest operations;
    /// returns the update, empty when nothing changed.
    pub fn set_blocks(&self, key: &str, blocks: &[Block]) -> Vec<u8> {
        let blocks: Vec<Block> = blocks.iter().cloned().map(Block::normalise).collect();
        let fragment = self.fragment(key);
        let mut txn = self.doc.transact_mut();
        let tops = yxml::read(&txn, &fragment);
        yxml::write(&mut txn, &fragment, &tops, &blocks, true);
        update_of(&txn)
    }

    /// Makes the narrative `key` read as `text` (one block per line, markers as in
    /// [`plain_text`]); headings whose line is kept stay headings, kept text keeps its marks.
    pub fn set_text(&self, key: &str, text: &str) -> Vec<u8> {
        let fragment = self.fragment(key);
        let mut txn = self.doc.transact_mut();
        let tops = yxml::read(&txn, &fragment);
        let old: Vec<Block> = tops
            .iter()
            .flat_map(|top| top.blocks().into_iter().cloned())
            .collect();
        let blocks = from_lines(&old, text);
        yxml::write(&mut txn, &fragment, &tops, &blocks, false);
        update_of(&txn)
    }

    /// Replaces `delete` code points at `at` of the narrative's plain text with `insert`;
    /// returns the update.
    pub fn splice(
        &self,
        key: &str,
        at: usize,
        delete: usize,
        insert: &str,
    ) -> Result<Vec<u8>, NarrativeError> {
        self.editor(key).splice(at, delete, insert)
    }

    /// An editor of the narrative `key` for a burst of splices: it remembers the lengths of
    /// the lines, so a splice inside one line touches that line only.
    pub fn editor(&self, key: &str) -> Editor<'_> {
        Editor {
            narratives: self,
            fragment: self.fragment(key),
            key: key.to_owned(),
            lines: None,
            hint: (0, 0),
        }
    }

    /// `data` with every narrative's plain text written at the pointer its key names in `doc`
    /// now (narratives whose row is gone are left out).
    pub fn overlay(&self, doc: &Automerge, data: &mut Value) -> Result<(), DocError> {
        for key in self.keys() {
            if let Some(pointer) = narrative_pointer(doc, &key)? {
                keys::put(data, &pointer, self.text(&key).unwrap_or_default());
            }
        }
        Ok(())
    }

    /// As [`Narratives::overlay`], resolving rows as they were at `heads`.
    pub fn overlay_at(
        &self,
        doc: &Automerge,
        heads: &[ChangeHash],
        data: &mut Value,
    ) -> Result<(), DocError> {
        for key in self.keys() {
            if let Some(pointer) = narrative_pointer_at(doc, heads, &key)? {
                keys::put(data, &pointer, self.text(&key).unwrap_or_default());
            }
        }
        Ok(())
    }
}

fn update_of(txn: &TransactionMut<'_>) -> Vec<u8> {
    let update = txn.encode_update_v1();
    // An update that changes nothing still encodes its empty sections.
    if txn.before_state() == txn.after_state() && txn.delete_set().is_empty() {
        Vec::new()
    } else {
        update
    }
}

/// Blocks for the lines of `text`, kinds from markers; a line equal to a heading of `old`
/// stays that heading.
fn from_lines(old: &[Block], text: &str) -> Vec<Block> {
    let headings: std::collections::HashMap<String, u8> = old
        .iter()
        .filter_map(|block| match block.kind {
            BlockKind::Heading(level) => Some((block.text(), level)),
            _ => None,
        })
        .collect();
    text.split('\n')
        .map(|line| {
            let (kind, rest) = blocks::parse_line(line);
            let kind = match (kind, headings.get(rest)) {
                (BlockKind::Paragraph, Some(level)) => BlockKind::Heading(*level),
                (kind, _) => kind,
            };
            Block::plain(kind, rest)
        })
        .collect()
}

/// Splices into one narrative, remembering its lines between splices (see
/// [`Narratives::editor`]). Only this editor may write the narrative while it lives.
pub struct Editor<'n> {
    narratives: &'n Narratives,
    fragment: XmlFragmentRef,
    key: String,
    /// Per line: marker length and text length in code points, and where its text lives.
    lines: Option<Vec<Line>>,
    /// The last line spliced and where it starts, to find the next nearby.
    hint: (usize, usize),
}

/// One line of the plain text as the editor remembers it.
struct Line {
    marker: usize,
    len: usize,
    /// Index of the top-level node, and of the item within a list.
    top: u32,
    item: Option<u32>,
}

impl Editor<'_> {
    fn load(&mut self) -> &mut Vec<Line> {
        if self.lines.is_none() {
            let txn = self.narratives.doc.transact();
            let tops = yxml::read(&txn, &self.fragment);
            let all: Vec<Block> = tops
                .iter()
                .flat_map(|top| top.blocks().into_iter().cloned())
                .collect();
            let markers = blocks::markers(&all);
            let mut lines = Vec::with_capacity(all.len());
            let mut n = 0;
            for (top_index, top) in tops.iter().enumerate() {
                let count = top.blocks().len();
                for item in 0..count {
                    let block = &all[n];
                    lines.push(Line {
                        marker: markers[n].chars().count(),
                        len: block.text().chars().count(),
                        top: top_index as u32,
                        item: match top {
                            yxml::Top::List { .. } => Some(item as u32),
                            _ => None,
                        },
                    });
                    n += 1;
                }
            }
            self.lines = Some(lines);
            self.hint = (0, 0);
        }
        self.lines.as_mut().expect("just loaded")
    }

    /// The length of the plain text in code points.
    pub fn len(&mut self) -> usize {
        let lines = self.load();
        lines.iter().map(|l| l.marker + l.len).sum::<usize>() + lines.len().saturating_sub(1)
    }

    /// Whether the plain text is empty.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// The line holding position `at` and where it starts, searched from the last splice.
    fn locate(&mut self, at: usize) -> Option<(usize, usize)> {
        self.load();
        let (mut line, mut start) = self.hint;
        let lines = self.lines.as_ref().expect("loaded");
        if line >= lines.len() {
            (line, start) = (0, 0);
        }
        while at < start && line > 0 {
            line -= 1;
            start -= lines[line].marker + lines[line].len + 1;
        }
        while line < lines.len() {
            let end = start + lines[line].marker + lines[line].len;
            if at <= end {
                return Some((line, start));
            }
            start = end + 1;
            line += 1;
        }
        None
    }

    /// Replaces `delete` code points at `at` of the plain text with `insert`; returns the
    /// update (empty when nothing changed). An insertion inside a list item's marker goes to
    /// the start of its text; a deletion that takes a line break or a marker rewrites the
    /// lines around it (a list item whose marker is deleted becomes a paragraph).
    pub fn splice(
        &mut self,
        at: usize,
        delete: usize,
        insert: &str,
    ) -> Result<Vec<u8>, NarrativeError> {
        if delete == 0 && insert.is_empty() {
            return Ok(Vec::new());
        }
        if let Some((line, start)) = self.locate(at) {
            let l = &self.lines.as_ref().expect("loaded")[line];
            let (marker, len, top, item) = (l.marker, l.len, l.top, l.item);
            // A list marker is not text: typing into it types at the start of the item.
            let offset = if delete == 0 {
                (at - start).max(marker)
            } else {
                at - start
            };
            if offset >= marker && offset + delete <= marker + len && !insert.contains('\n') {
                let Some(text) = self.text_of(top, item) else {
                    return self.slow(at, delete, insert);
                };
                let update = {
                    let mut txn = self.narratives.doc.transact_mut();
                    let text = match text {
                        Ok(text) => text,
                        Err(element) => element.insert(&mut txn, 0, yrs::XmlTextPrelim::new("")),
                    };
                    let content = text.get_string(&txn);
                    let from = offset - marker;
                    let ascii = content.len() == len;
                    let unit = |chars: usize| -> u32 {
                        if ascii {
                            chars as u32
                        } else {
                            content
                                .chars()
                                .take(chars)
                                .map(|c| c.len_utf16() as u32)
                                .sum()
                        }
                    };
                    let (a, b) = (unit(from), unit(from + delete));
                    if b > a {
                        text.remove_range(&mut txn, a, b - a);
                    }
                    if !insert.is_empty() {
                        text.insert(&mut txn, a, insert);
                    }
                    update_of(&txn)
                };
                let l = &mut self.lines.as_mut().expect("loaded")[line];
                l.len = l.len - delete + insert.chars().count();
                self.hint = (line, start);
                return Ok(update);
            }
        }
        self.slow(at, delete, insert)
    }

    /// A splice across lines or markers: the new plain text, written as lines.
    fn slow(&mut self, at: usize, delete: usize, insert: &str) -> Result<Vec<u8>, NarrativeError> {
        let len = self.len();
        if at.checked_add(delete).is_none_or(|end| end > len) {
            return Err(NarrativeError::OutOfRange { at, delete, len });
        }
        let old = self.narratives.text(&self.key).unwrap_or_default();
        let mut chars = old.char_indices().map(|(i, _)| i).chain([old.len()]);
        let from = chars.nth(at).unwrap_or(old.len());
        let to = if delete == 0 {
            from
        } else {
            old.char_indices()
                .map(|(i, _)| i)
                .chain([old.len()])
                .nth(at + delete)
                .unwrap_or(old.len())
        };
        let new = format!("{}{}{}", &old[..from], insert, &old[to..]);
        let update = self.narratives.set_text(&self.key, &new);
        self.lines = None;
        Ok(update)
    }

    fn element_of<T: ReadTxn>(
        &self,
        txn: &T,
        top: u32,
        item: Option<u32>,
    ) -> Option<yrs::XmlElementRef> {
        let XmlOut::Element(element) = self.fragment.get(txn, top)? else {
            return None;
        };
        match item {
            None => Some(element),
            Some(item) => {
                let XmlOut::Element(list_item) = element.get(txn, item)? else {
                    return None;
                };
                match list_item.get(txn, 0)? {
                    XmlOut::Element(paragraph) => Some(paragraph),
                    _ => None,
                }
            }
        }
    }

    /// The text of a line's block (`Err` with its element when it has none yet), or `None`
    /// when the line must be rewritten (no such element, or several texts in it).
    fn text_of(
        &self,
        top: u32,
        item: Option<u32>,
    ) -> Option<Result<XmlTextRef, yrs::XmlElementRef>> {
        let txn = self.narratives.doc.transact();
        let element = self.element_of(&txn, top, item)?;
        let mut texts = element.children(&txn).filter_map(|child| match child {
            XmlOut::Text(text) => Some(text),
            _ => None,
        });
        match (texts.next(), texts.next()) {
            (Some(text), None) => Some(Ok(text)),
            (None, _) => Some(Err(element)),
            (Some(_), Some(_)) => None,
        }
    }
}
