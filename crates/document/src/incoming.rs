//! Judging a received sync message before it is applied: how much it inflates to, how many
//! operations it carries, how deep the objects it creates lie.
//!
//! automerge applies whatever a sync message carries: a compressed change of one megabyte
//! that inflates to a gibibyte, millions of operations in one change (each costing hundreds of
//! bytes while it is applied), objects nested thousands of levels deep (which every recursive
//! reader then overflows its stack on). [`check_sync_message`] reads the message's chunks
//! without applying them — the chunk headers and, for whole documents, the column layout — and
//! refuses it whole if any bound of [`Limits`] is passed. Deflated data is inflated through a
//! reader that stops at the remaining budget, so the check itself never allocates more than
//! the bound; operations are counted before any are materialised.
//!
//! The chunks a sync message may carry (automerge's storage format): a change (type 1), a
//! compressed change (type 2, the change deflated as a whole) and a whole document (type 0,
//! sent when a peer has nothing or lacks most of the history; its columns may each be
//! deflated). Bundles (type 3) are not produced by the sync protocol and are refused.

use std::collections::HashMap;
use std::io::Read;

use automerge::{ActorId, Automerge, Change, ReadDoc};

use crate::MAX_DEPTH;

/// Bounds on one received sync message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes its chunks may hold once inflated.
    pub max_inflated_bytes: usize,
    /// The most operations its changes may carry together.
    pub max_ops: usize,
    /// The deepest an object it creates may lie below the document's root.
    pub max_depth: usize,
}

impl Default for Limits {
    /// 32 MiB inflated, 500,000 operations (a long offline session's typing; applying them
    /// costs the server about 150 MiB at most), and [`MAX_DEPTH`].
    fn default() -> Self {
        Limits {
            max_inflated_bytes: 32 * 1024 * 1024,
            max_ops: 500_000,
            max_depth: MAX_DEPTH,
        }
    }
}

/// What an admitted message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Admitted {
    /// Bytes of its chunks as received.
    pub changes_bytes: usize,
    /// Bytes of its chunks once inflated.
    pub inflated_bytes: usize,
    /// Operations its changes carry.
    pub ops: usize,
}

/// Why a message is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a sync message, or a chunk that does not parse.
    #[error("malformed sync message: {0}")]
    Malformed(String),
    /// Inflates to more than the limit.
    #[error("the changes inflate to more than {limit} bytes (at least {inflated})")]
    TooLarge {
        /// Bytes inflated when the limit was passed.
        inflated: usize,
        /// The limit.
        limit: usize,
    },
    /// Carries more operations than the limit.
    #[error("the changes carry {ops} operations, more than {limit}")]
    TooManyOps {
        /// Operations counted.
        ops: usize,
        /// The limit.
        limit: usize,
    },
    /// Creates an object deeper than the limit.
    #[error("the changes nest objects {depth} levels deep, more than {limit}")]
    TooDeep {
        /// The depth reached.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// Creates an object inside one that neither the document nor the message has.
    #[error("the changes create an object inside {0}, which the document does not have")]
    UnknownParent(String),
    /// A chunk kind the sync protocol does not send.
    #[error("chunk of type {0}, which sync messages do not carry")]
    UnsupportedChunk(u8),
}

impl Refusal {
    /// The refusal in Russian, for people.
    pub fn message_ru(&self) -> String {
        match self {
            Refusal::Malformed(detail) => format!("повреждённое сообщение синхронизации: {detail}"),
            Refusal::TooLarge { limit, .. } => format!(
                "изменения слишком велики: больше {} МиБ после распаковки",
                limit >> 20
            ),
            Refusal::TooManyOps { ops, limit } => {
                format!("изменения слишком велики: {ops} операций, допустимо не более {limit}")
            }
            Refusal::TooDeep { depth, limit } => format!(
                "изменения вкладывают данные на глубину {depth} уровней, допустимо не более {limit}"
            ),
            Refusal::UnknownParent(_) => {
                "изменения ссылаются на часть документа, которой у сервера нет".to_owned()
            }
            Refusal::UnsupportedChunk(kind) => {
                format!("сообщение синхронизации содержит блок неподдерживаемого типа {kind}")
            }
        }
    }
}

/// The magic bytes every automerge chunk starts with.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Chunk types.
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED: u8 = 2;
/// A column specification's deflate bit, and the specification of the operations' action
/// column (id 4, unsigned-integer RLE) without it.
const DEFLATE_BIT: u64 = 0x08;
const ACTION_COLUMN: u64 = 0x42;

/// Judges the sync message `message` (the `data` of an automerge-repo `sync` or `request`)
/// against `limits`; `doc` is the receiver's current copy of the document, which decides how
/// deep the objects the message creates lie.
///
/// # Errors
///
/// The [`Refusal`]: the message must then not be applied.
pub fn check_sync_message(
    doc: &Automerge,
    message: &[u8],
    limits: &Limits,
) -> Result<Admitted, Refusal> {
    let message = automerge::sync::Message::decode(message)
        .map_err(|error| Refusal::Malformed(error.to_string()))?;
    let mut budget = Budget {
        limits,
        admitted: Admitted::default(),
    };
    let mut changes = Vec::new();
    for list in message.changes.iter() {
        budget.admitted.changes_bytes += list.len();
        let mut rest = list;
        while !rest.is_empty() {
            let chunk = Chunk::parse(rest)?;
            rest = &rest[chunk.whole.len()..];
            match chunk.kind {
                CHANGE | COMPRESSED => {
                    if chunk.kind == COMPRESSED {
                        budget.inflate(chunk.body)?;
                    } else {
                        budget.add_inflated(chunk.body.len())?;
                    }
                    let change = Change::try_from(chunk.whole)
                        .map_err(|error| Refusal::Malformed(error.to_string()))?;
                    budget.add_ops(change.len())?;
                    changes.push(change);
                }
                DOCUMENT => {
                    let ops = document_ops(chunk.body, &mut budget)?;
                    budget.add_ops(ops)?;
                    let whole = Automerge::load(chunk.whole)
                        .map_err(|error| Refusal::Malformed(error.to_string()))?;
                    changes.extend(whole.get_changes(&[]));
                }
                other => return Err(Refusal::UnsupportedChunk(other)),
            }
        }
    }
    check_depth(doc, &changes, limits.max_depth)?;
    Ok(budget.admitted)
}

/// The running totals of one message against its limits.
struct Budget<'a> {
    limits: &'a Limits,
    admitted: Admitted,
}

impl Budget<'_> {
    fn add_inflated(&mut self, bytes: usize) -> Result<(), Refusal> {
        self.admitted.inflated_bytes = self.admitted.inflated_bytes.saturating_add(bytes);
        if self.admitted.inflated_bytes > self.limits.max_inflated_bytes {
            return Err(Refusal::TooLarge {
                inflated: self.admitted.inflated_bytes,
                limit: self.limits.max_inflated_bytes,
            });
        }
        Ok(())
    }

    fn add_ops(&mut self, ops: usize) -> Result<(), Refusal> {
        self.admitted.ops = self.admitted.ops.saturating_add(ops);
        if self.admitted.ops > self.limits.max_ops {
            return Err(Refusal::TooManyOps {
                ops: self.admitted.ops,
                limit: self.limits.max_ops,
            });
        }
        Ok(())
    }

    /// Inflates raw deflate `data` within the remaining budget, counting it.
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, Refusal> {
        let remaining = self
            .limits
            .max_inflated_bytes
            .saturating_sub(self.admitted.inflated_bytes);
        let mut out = Vec::new();
        // One byte more than allowed tells "exactly at the limit" from "over it".
        flate2::read::DeflateDecoder::new(data)
            .take(remaining as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|error| Refusal::Malformed(format!("deflate: {error}")))?;
        self.add_inflated(out.len())?;
        Ok(out)
    }
}

/// One chunk: its whole bytes (header included), kind and body.
struct Chunk<'a> {
    whole: &'a [u8],
    kind: u8,
    body: &'a [u8],
}

impl<'a> Chunk<'a> {
    /// The chunk at the start of `bytes`.
    fn parse(bytes: &'a [u8]) -> Result<Chunk<'a>, Refusal> {
        let malformed = |what: &str| Refusal::Malformed(what.to_owned());
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return Err(malformed("a chunk without automerge's magic bytes"));
        }
        let kind = bytes[8];
        let mut rest = &bytes[9..];
        let len = uleb(&mut rest)?;
        let header = bytes.len() - rest.len();
        let len = usize::try_from(len)
            .ok()
            .filter(|len| *len <= rest.len())
            .ok_or_else(|| malformed("a chunk longer than the message"))?;
        Ok(Chunk {
            whole: &bytes[..header + len],
            kind,
            body: &rest[..len],
        })
    }
}

/// Reads an unsigned LEB128 number.
fn uleb(input: &mut &[u8]) -> Result<u64, Refusal> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input
            .split_first()
            .ok_or_else(|| Refusal::Malformed("a number cut short".into()))?;
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Refusal::Malformed("a number longer than 64 bits".into()))
}

/// Reads a signed LEB128 number.
fn sleb(input: &mut &[u8]) -> Result<i64, Refusal> {
    let mut value = 0i64;
    let mut shift = 0;
    loop {
        let (&byte, rest) = input
            .split_first()
            .ok_or_else(|| Refusal::Malformed("a number cut short".into()))?;
        *input = rest;
        if shift < 64 {
            value |= i64::from(byte & 0x7f) << shift;
        }
        shift += 7;
        if byte & 0x80 == 0 {
            if shift < 64 && byte & 0x40 != 0 {
                value |= -1i64 << shift;
            }
            return Ok(value);
        }
        if shift > 70 {
            return Err(Refusal::Malformed("a number longer than 64 bits".into()));
        }
    }
}

/// Counts the operations of a whole-document chunk's `body` by the rows of its action column,
/// inflating every deflated column within the budget on the way.
fn document_ops(mut body: &[u8], budget: &mut Budget<'_>) -> Result<usize, Refusal> {
    let input = &mut body;
    let skip = |input: &mut &[u8], len: u64| -> Result<(), Refusal> {
        let len = usize::try_from(len)
            .ok()
            .filter(|len| *len <= input.len())
            .ok_or_else(|| Refusal::Malformed("a document chunk cut short".into()))?;
        *input = &input[len..];
        Ok(())
    };
    for _ in 0..uleb(input)? {
        let len = uleb(input)?;
        skip(input, len)?;
    }
    let heads = uleb(input)?;
    skip(input, heads.saturating_mul(32))?;
    // Change columns first, then operation columns: the action column is among the latter.
    let mut columns = Vec::new();
    for of_ops in [false, true] {
        let count = uleb(input)?;
        for _ in 0..count {
            columns.push((uleb(input)?, uleb(input)?, of_ops));
        }
    }
    let mut ops = 0usize;
    for (spec, len, of_ops) in columns {
        let len = usize::try_from(len)
            .ok()
            .filter(|len| *len <= input.len())
            .ok_or_else(|| Refusal::Malformed("a column longer than its chunk".into()))?;
        let data = &input[..len];
        *input = &input[len..];
        let inflated;
        let column = if spec & DEFLATE_BIT != 0 {
            inflated = budget.inflate(data)?;
            &inflated[..]
        } else {
            budget.add_inflated(data.len())?;
            data
        };
        if of_ops && spec & !DEFLATE_BIT == ACTION_COLUMN {
            ops = ops.saturating_add(rle_rows(column, budget.limits.max_ops)?);
        }
    }
    Ok(ops)
}

/// The number of rows of an unsigned-integer RLE column, counted without materialising them;
/// stops counting past `cap`.
fn rle_rows(mut column: &[u8], cap: usize) -> Result<usize, Refusal> {
    let input = &mut column;
    let mut rows = 0usize;
    while !input.is_empty() && rows <= cap {
        let count = sleb(input)?;
        let run = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        match count {
            0 => {
                let nulls = usize::try_from(uleb(input)?).unwrap_or(usize::MAX);
                rows = rows.saturating_add(nulls);
            }
            1.. => {
                uleb(input)?;
                rows = rows.saturating_add(run);
            }
            _ => {
                for _ in 0..run.min(input.len() + 1) {
                    uleb(input)?;
                }
                rows = rows.saturating_add(run);
            }
        }
    }
    Ok(rows)
}

/// Refuses `changes` if an object they create lies deeper than `limit` below the root: its
/// parent is the root, an object created earlier in `changes`, or an object of `doc`.
fn check_depth(doc: &Automerge, changes: &[Change], limit: usize) -> Result<(), Refusal> {
    use automerge::legacy::{ObjectId, OpType};
    let mut created: HashMap<(u64, ActorId), usize> = HashMap::new();
    for change in changes {
        let expanded = change.decode();
        for (index, op) in expanded.operations.iter().enumerate() {
            if !matches!(op.action, OpType::Make(_)) {
                continue;
            }
            let parent = match &op.obj {
                ObjectId::Root => 0,
                ObjectId::Id(id) => match created.get(&(id.0, id.1.clone())) {
                    Some(depth) => *depth,
                    None => depth_in(doc, id.0, &id.1)?,
                },
            };
            let depth = parent + 1;
            if depth > limit {
                return Err(Refusal::TooDeep { depth, limit });
            }
            let counter = expanded.start_op.get() + index as u64;
            created.insert((counter, expanded.actor_id.clone()), depth);
        }
    }
    Ok(())
}

/// The depth below the root of the object `counter@actor` of `doc`.
fn depth_in(doc: &Automerge, counter: u64, actor: &ActorId) -> Result<usize, Refusal> {
    let name = format!("{counter}@{actor}");
    // `import` also checks that the object exists.
    let (id, _) = doc
        .import(&name)
        .map_err(|_| Refusal::UnknownParent(name.clone()))?;
    let parents = doc
        .parents(&id)
        .map_err(|_| Refusal::UnknownParent(name.clone()))?;
    Ok(parents.count())
}

#[cfg(test)]
mod tests {
    use automerge::sync::{self, SyncDoc};
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT};

    use super::*;

    /// The first sync message `sender` sends a peer that has `receiver`'s changes.
    fn message_between(receiver: &mut Automerge, sender: &mut Automerge) -> Vec<u8> {
        let (mut ours, mut theirs) = (sync::State::new(), sync::State::new());
        // Let the sender learn what the receiver has, then take what it sends.
        let mut last = Vec::new();
        for _ in 0..6 {
            if let Some(m) = receiver.generate_sync_message(&mut ours) {
                sender.receive_sync_message(&mut theirs, m).unwrap();
            }
            match sender.generate_sync_message(&mut theirs) {
                Some(m) => {
                    let bytes = m.encode();
                    if !sync::Message::decode(&bytes).unwrap().changes.is_empty() {
                        return bytes;
                    }
                    last = bytes;
                    receiver
                        .receive_sync_message(&mut ours, sync::Message::decode(&last).unwrap())
                        .unwrap();
                }
                None => break,
            }
        }
        last
    }

    fn base() -> Automerge {
        let mut doc = Automerge::new();
        let mut tx = doc.transaction();
        let data = tx.put_object(ROOT, "data", ObjType::Map).unwrap();
        let section = tx.put_object(&data, "school", ObjType::Map).unwrap();
        let name = tx.put_object(&section, "name", ObjType::Text).unwrap();
        tx.splice_text(&name, 0, 0, "Школа").unwrap();
        tx.commit();
        doc
    }

    fn edited(server: &Automerge, edit: impl FnOnce(&mut Automerge)) -> Vec<u8> {
        let mut client = server.fork();
        edit(&mut client);
        let mut server = server.clone();
        message_between(&mut server, &mut client)
    }

    fn data(doc: &Automerge) -> automerge::ObjId {
        doc.get(ROOT, "data").unwrap().unwrap().1
    }

    #[test]
    fn an_ordinary_edit_passes() {
        let server = base();
        let message = edited(&server, |doc| {
            let data = data(doc);
            let mut tx = doc.transaction();
            let rows = tx.put_object(&data, "plan", ObjType::List).unwrap();
            let row = tx.insert_object(&rows, 0, ObjType::Map).unwrap();
            tx.put(&row, "when", "2027-01").unwrap();
            tx.commit();
        });
        let admitted = check_sync_message(&server, &message, &Limits::default()).unwrap();
        assert!(admitted.ops >= 3, "{admitted:?}");
    }

    #[test]
    fn a_whole_new_document_passes_and_a_deep_one_does_not() {
        let empty = Automerge::new();
        let message = edited(&empty, |doc| *doc = base());
        check_sync_message(&empty, &message, &Limits::default()).unwrap();
        let deep = edited(&empty, |doc| {
            *doc = base();
            let mut obj = data(doc);
            let mut tx = doc.transaction();
            for _ in 0..100 {
                obj = tx.put_object(&obj, "x", ObjType::Map).unwrap();
            }
            tx.commit();
        });
        assert!(matches!(
            check_sync_message(&empty, &deep, &Limits::default()),
            Err(Refusal::TooDeep { .. })
        ));
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused_counting_from_the_documents_own_objects() {
        let server = base();
        // 30 levels under data (depth 1): 31 deep, allowed; one more below that is 33.
        let nest = |levels: usize| {
            edited(&server, move |doc| {
                let mut obj = data(doc);
                let mut tx = doc.transaction();
                for _ in 0..levels {
                    obj = tx.put_object(&obj, "x", ObjType::Map).unwrap();
                }
                tx.commit();
            })
        };
        check_sync_message(&server, &nest(31), &Limits::default()).unwrap();
        assert_eq!(
            check_sync_message(&server, &nest(32), &Limits::default()),
            Err(Refusal::TooDeep {
                depth: 33,
                limit: MAX_DEPTH
            })
        );
        assert!(matches!(
            check_sync_message(&server, &nest(20_000), &Limits::default()),
            Err(Refusal::TooDeep { .. })
        ));
    }

    #[test]
    fn too_many_operations_are_refused() {
        let server = base();
        let message = edited(&server, |doc| {
            let data = data(doc);
            let mut tx = doc.transaction();
            let text = tx.put_object(&data, "bomb", ObjType::Text).unwrap();
            tx.splice_text(&text, 0, 0, &"ж".repeat(600_000)).unwrap();
            tx.commit();
        });
        assert!(matches!(
            check_sync_message(&server, &message, &Limits::default()),
            Err(Refusal::TooManyOps { .. })
        ));
        // The same as a whole document (what a peer sends when the other has nothing).
        let empty = Automerge::new();
        let mut whole = base();
        {
            let data = data(&whole);
            let mut tx = whole.transaction();
            let text = tx.put_object(&data, "bomb", ObjType::Text).unwrap();
            tx.splice_text(&text, 0, 0, &"ж".repeat(600_000)).unwrap();
            tx.commit();
        }
        let as_document = sync::Message {
            heads: whole.get_heads(),
            need: Vec::new(),
            have: Vec::new(),
            changes: vec![whole.save()].into(),
            flags: None,
            version: sync::MessageVersion::V2,
        }
        .encode();
        assert!(matches!(
            check_sync_message(&empty, &as_document, &Limits::default()),
            Err(Refusal::TooManyOps { .. })
        ));
    }

    #[test]
    fn an_inflation_bomb_is_refused_without_inflating_it() {
        use flate2::{Compress, Compression, FlushCompress};
        let mut compress = Compress::new(Compression::best(), false);
        let mut block = Vec::with_capacity(8 << 10);
        compress
            .compress_vec(&vec![0u8; 1 << 20], &mut block, FlushCompress::Full)
            .unwrap();
        let mut deflate = Vec::new();
        for _ in 0..1024 {
            deflate.extend_from_slice(&block);
        }
        deflate.extend_from_slice(&[0x03, 0x00]);
        let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, COMPRESSED];
        let mut len = deflate.len();
        while len >= 0x80 {
            chunk.push((len & 0x7f) as u8 | 0x80);
            len >>= 7;
        }
        chunk.push(len as u8);
        chunk.extend_from_slice(&deflate);
        let message = sync::Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: vec![chunk].into(),
            flags: None,
            version: sync::MessageVersion::V1,
        }
        .encode();
        assert!(matches!(
            check_sync_message(&base(), &message, &Limits::default()),
            Err(Refusal::TooLarge { .. })
        ));
    }

    #[test]
    fn garbage_is_refused_never_panics() {
        let server = base();
        let good = edited(&server, |doc| {
            let data = data(doc);
            let mut tx = doc.transaction();
            tx.put(&data, "note", "x").unwrap();
            tx.commit();
        });
        // Every truncation and many single-byte corruptions of a real message.
        for cut in 0..good.len() {
            let _ = check_sync_message(&server, &good[..cut], &Limits::default());
        }
        for at in 0..good.len() {
            for byte in [0x00, 0x7f, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] = byte;
                let _ = check_sync_message(&server, &bad, &Limits::default());
            }
        }
        assert!(check_sync_message(&server, b"not a message", &Limits::default()).is_err());
    }
}
