//! Judging a received sync message before it is applied: how much its changes inflate to, how
//! many operations they hold and how deep the objects they make lie, each against a limit, so
//! that a peer cannot make the server inflate a gigabyte, materialise millions of operations or
//! build a document too deep to read ([`crate::MAX_DEPTH`]).
//!
//! [`check_sync_message`] reads the message's chunks itself (see `incoming/format.rs`): headers,
//! then the deflate streams through a reader that stops at the limit, then the number of rows of
//! every column from its run lengths, and only then does it let Automerge parse a change
//! (`Change::try_from`). Depth comes from the operations that make objects (the action, object
//! and id columns), never from loading the changes into a document: each object made is one
//! level below the object it is made in, which is found among the objects the message itself
//! makes or in the server's copy of the document (`ReadDoc::parents`).
//!
//! An object made inside a parent neither the message nor the server's copy knows (its change
//! waits for a dependency the server lacks, as after a false positive of the sync protocol's
//! Bloom filter) is counted as if its parent were the data map, at depth 1: refusing it would
//! stall an honest peer's sync for good, since it would resend the same message. The price is
//! that a peer withholding dependencies on purpose can stack chains of up to the limit across
//! messages; such a document stays harmless, because every walk over a document refuses what is
//! deeper than [`crate::MAX_DEPTH`] instead of exhausting its stack.

mod format;

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use automerge::sync::Message;
use automerge::{ActorId, Automerge, ReadDoc};

use crate::layout::MAX_DEPTH;
use format::{Column, InflateError, malformed};

/// Bounds on one received sync message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the message's changes may take once inflated, as Automerge holds them to read
    /// them: compressed changes and deflated document columns at their inflated size,
    /// everything else (headers included) as it is.
    pub max_inflated_bytes: usize,
    /// Operations the message's changes may hold (for a whole document, also its changes).
    pub max_ops: usize,
    /// How deep below the document's root an object made by the message may lie (the `data`
    /// map is at 1).
    pub max_depth: usize,
}

impl Default for Limits {
    /// 32 MiB inflated, 500,000 operations, [`crate::MAX_DEPTH`] levels. A whole document
    /// travels with its entire history (on its first sync, or when a peer has more than a third
    /// of its changes to send), so `max_ops` is also the most operations a document may gather
    /// and still be sent whole: a school programme typed out in full is some 15,000.
    fn default() -> Self {
        Self {
            max_inflated_bytes: 32 << 20,
            max_ops: 500_000,
            max_depth: MAX_DEPTH,
        }
    }
}

/// What an admitted message carries (for logs and metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Admitted {
    /// Bytes of the message's changes as sent.
    pub changes_bytes: usize,
    /// Bytes of its changes once inflated.
    pub inflated_bytes: usize,
    /// Operations in its changes.
    pub ops: usize,
}

/// Why a message is refused. `Display` is English for logs; [`Refusal::message_ru`] is for the
/// person whose edits were not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a sync message, or its changes are not well-formed Automerge chunks.
    #[error("malformed sync message: {0}")]
    Malformed(String),
    /// Its changes inflate to more than the limit.
    #[error("changes inflate to more than {limit} bytes (at least {inflated})")]
    TooLarge {
        /// Bytes inflated when it was refused (more than `limit`; the whole may be far more).
        inflated: usize,
        /// [`Limits::max_inflated_bytes`].
        limit: usize,
    },
    /// Its changes hold more operations than the limit.
    #[error("{ops} operations, more than the limit of {limit}")]
    TooManyOps {
        /// Operations counted when it was refused (more than `limit`).
        ops: usize,
        /// [`Limits::max_ops`].
        limit: usize,
    },
    /// It makes an object deeper than the limit.
    #[error("makes an object {depth} levels deep, deeper than the limit of {limit}")]
    TooDeep {
        /// The depth of the deepest object it makes (of an object inside one the server's copy
        /// has, counting that one's ancestors no further than one past the limit).
        depth: usize,
        /// [`Limits::max_depth`].
        limit: usize,
    },
    /// It holds a chunk of a type sync never sends (3, a bundle) or that does not exist.
    #[error("unsupported chunk type {0}")]
    UnsupportedChunk(u8),
}

impl Refusal {
    /// The refusal in Russian, for the person whose edits were not accepted.
    pub fn message_ru(&self) -> String {
        match self {
            Refusal::Malformed(_) => "сообщение синхронизации повреждено или составлено не \
                                      программой Automerge — изменения не приняты"
                .to_owned(),
            Refusal::TooLarge { limit, .. } => format!(
                "изменения слишком велики: после распаковки больше {} — изменения не приняты",
                mebibytes(*limit)
            ),
            Refusal::TooManyOps { ops, limit } => format!(
                "слишком много операций в одном сообщении синхронизации: {ops}, допускается не \
                 больше {limit} — изменения не приняты"
            ),
            Refusal::TooDeep { depth, limit } => format!(
                "изменения вкладывают документ на {depth} {} при допустимых {limit} — в формах \
                 так глубоко не бывает, изменения не приняты",
                levels(*depth)
            ),
            Refusal::UnsupportedChunk(kind) => format!(
                "сообщение синхронизации содержит блок неподдерживаемого вида ({kind}) — \
                 изменения не приняты"
            ),
        }
    }
}

/// «1 МиБ», «32 МиБ», «1,5 МиБ».
fn mebibytes(bytes: usize) -> String {
    let mib = bytes as f64 / f64::from(1 << 20);
    if mib.fract() == 0.0 {
        format!("{mib} МиБ")
    } else {
        format!("{mib:.1} МиБ").replace('.', ",")
    }
}

/// «уровень», «уровня», «уровней» after a number.
fn levels(n: usize) -> &'static str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => "уровень",
        (2..=4, r) if !(12..=14).contains(&r) => "уровня",
        _ => "уровней",
    }
}

/// Judges the raw automerge sync message `message` (the `data` of an automerge-repo `sync`
/// message) against `limits` before it is applied to `doc`, the server's current copy of the
/// document it is for. Never inflates more than [`Limits::max_inflated_bytes`], never lets
/// Automerge parse a change before its size and rows are bounded, and never panics.
///
/// A message without changes (most of a sync's messages: heads, needs, Bloom filters) is
/// admitted after decoding, at no further cost.
pub fn check_sync_message(
    doc: &Automerge,
    message: &[u8],
    limits: &Limits,
) -> Result<Admitted, Refusal> {
    check_sync_message_lazily(message, limits, |read| read(doc))
}

/// [`check_sync_message`], borrowing the server's copy of the document only when the message
/// makes objects (whose depth needs their parents in it): `with_doc` is then called once and
/// must call the function it is given with the document. Most messages (heads, Bloom filters,
/// text typed into a field) make no objects, and reading a samod document is not free: samod
/// treats every `DocHandle::with_document` as a possible edit and regenerates its sync messages
/// for every peer of the document afterwards.
pub fn check_sync_message_lazily<F>(
    message: &[u8],
    limits: &Limits,
    with_doc: F,
) -> Result<Admitted, Refusal>
where
    F: FnOnce(&mut dyn FnMut(&Automerge)),
{
    let message = Message::decode(message)
        .map_err(|e| malformed(format!("not an automerge sync message: {e}")))?;
    if message.changes.is_empty() {
        return Ok(Admitted::default());
    }
    // Automerge applies the concatenation of the listed byte strings as one sequence of chunks
    // (`load_incremental`), so that is what is judged.
    let changes_bytes = message.changes.iter().map(<[u8]>::len).sum();
    let joined: Cow<'_, [u8]> = match message.changes.len() {
        1 => Cow::Borrowed(message.changes.iter().next().unwrap_or_default()),
        _ => Cow::Owned(message.changes.iter().flatten().copied().collect()),
    };
    let mut check = Check {
        limits,
        inflated: 0,
        ops: 0,
        made: Made::default(),
    };
    let mut input = &joined[..];
    while !input.is_empty() {
        let (chunk, rest) = format::next_chunk(input)?;
        match chunk.kind {
            format::DOCUMENT => check.document(&chunk)?,
            format::CHANGE => {
                check.charge_inflated(chunk.whole.len())?;
                check.change(chunk.whole, chunk.checksum)?;
            }
            format::COMPRESSED_CHANGE => {
                let inflated = check.inflate(chunk.data, true)?;
                let whole = format::change_chunk(chunk.checksum, &inflated);
                check.charge_inflated(whole.len() - inflated.len())?;
                check.change(&whole, chunk.checksum)?;
            }
            kind => return Err(Refusal::UnsupportedChunk(kind)),
        }
        input = rest;
    }
    let depth = if check.made.objects.is_empty() {
        0
    } else {
        let mut deepest = Ok(0);
        with_doc(&mut |doc| deepest = check.made.deepest(doc, limits.max_depth));
        deepest?
    };
    if depth > limits.max_depth {
        return Err(Refusal::TooDeep {
            depth,
            limit: limits.max_depth,
        });
    }
    Ok(Admitted {
        changes_bytes,
        inflated_bytes: check.inflated,
        ops: check.ops,
    })
}

/// A column's specification (without the deflate bit) and its data, inflated if it came
/// deflated.
type Plain<'c> = (u32, Cow<'c, [u8]>);

/// One message being judged: what it has used of its limits so far and the objects it makes.
struct Check<'l> {
    limits: &'l Limits,
    /// Bytes inflated (or taken as they are) so far.
    inflated: usize,
    /// Operations counted so far.
    ops: usize,
    made: Made,
}

impl Check<'_> {
    /// Counts `bytes` more against the inflated limit.
    fn charge_inflated(&mut self, bytes: usize) -> Result<(), Refusal> {
        let inflated = self.inflated.saturating_add(bytes);
        if inflated > self.limits.max_inflated_bytes {
            return Err(Refusal::TooLarge {
                inflated,
                limit: self.limits.max_inflated_bytes,
            });
        }
        self.inflated = inflated;
        Ok(())
    }

    /// Inflates a deflate stream within what is left of the limit, counting it; the output is
    /// kept only when `keep`.
    fn inflate(&mut self, compressed: &[u8], keep: bool) -> Result<Vec<u8>, Refusal> {
        let left = self.limits.max_inflated_bytes.saturating_sub(self.inflated);
        match format::inflate(compressed, left, keep) {
            Ok((out, len)) => {
                self.charge_inflated(len)?;
                Ok(out)
            }
            Err(InflateError::TooLarge) => Err(Refusal::TooLarge {
                inflated: self.limits.max_inflated_bytes.saturating_add(1),
                limit: self.limits.max_inflated_bytes,
            }),
            Err(InflateError::Broken(refusal)) => Err(refusal),
        }
    }

    /// The columns with their data inflated (within the limit) where it is deflated, and their
    /// specifications without the deflate bit.
    fn inflate_columns<'c>(&mut self, columns: &[Column<'c>]) -> Result<Vec<Plain<'c>>, Refusal> {
        columns
            .iter()
            .map(|c| {
                let data = if c.deflated() {
                    // Raw value columns have no rows to count: measured, not kept.
                    Cow::Owned(self.inflate(c.data, !c.is_raw_values())?)
                } else {
                    Cow::Borrowed(c.data)
                };
                Ok((c.normal(), data))
            })
            .collect()
    }

    /// Refuses columns holding more rows than the operations left: every row is something
    /// Automerge materialises when it reads them. Returns the largest row count.
    fn bound_rows(&self, columns: &[Plain<'_>]) -> Result<u64, Refusal> {
        let left = self.limits.max_ops.saturating_sub(self.ops) as u64;
        let mut most = 0;
        for (spec, data) in columns {
            let rows = format::rows(*spec, data, left)?;
            if rows > left {
                return Err(Refusal::TooManyOps {
                    ops: self
                        .ops
                        .saturating_add(usize::try_from(rows).unwrap_or(usize::MAX)),
                    limit: self.limits.max_ops,
                });
            }
            most = most.max(rows);
        }
        Ok(most)
    }

    /// Judges a change chunk (`whole`: header and data, inflated if it came compressed) whose
    /// header carries `checksum`; its bytes are already counted against the inflated limit.
    fn change(&mut self, whole: &[u8], checksum: [u8; 4]) -> Result<(), Refusal> {
        let (chunk, _) = format::next_chunk(whole)?;
        let layout = format::ChangeLayout::parse(chunk.data)?;
        if layout.columns.iter().any(Column::deflated) {
            return Err(malformed("a change with deflated columns"));
        }
        let columns: Vec<Plain<'_>> = layout
            .columns
            .iter()
            .map(|c| (c.spec, Cow::Borrowed(c.data)))
            .collect();
        self.bound_rows(&columns)?;
        let change = automerge::Change::try_from(whole)
            .map_err(|e| malformed(format!("a change Automerge cannot read: {e}")))?;
        if change.hash().0[..4] != checksum {
            return Err(malformed("a change whose checksum does not match"));
        }
        self.ops += change.len();

        let actors: Vec<u32> = std::iter::once(layout.actor)
            .chain(layout.other_actors.iter().copied())
            .map(|actor| self.made.actor(actor))
            .collect();
        let column = |spec| {
            layout
                .columns
                .iter()
                .find(|c| c.spec == spec)
                .map_or(&[][..], |c| c.data)
        };
        let mut actions = format::Uints::new(column(format::ACTION));
        let mut obj_actors = format::Uints::new(column(format::OBJ_ACTOR));
        let mut obj_counters = format::Uints::new(column(format::OBJ_COUNTER));
        for index in 0..change.len() as u64 {
            let action = actions.next()?;
            let obj = (obj_actors.next()?, obj_counters.next()?);
            if action.is_some_and(|a| format::MAKE_ACTIONS.contains(&a)) {
                let counter = layout
                    .start_op
                    .checked_add(index)
                    .ok_or_else(|| malformed("an operation counter out of range"))?;
                self.made
                    .insert((actors[0], counter), parent(obj, &actors)?)?;
            }
        }
        Ok(())
    }

    /// Judges a document chunk: its checksum, its deflated columns inflated within the limit,
    /// the rows of its change and operation columns, and the objects its operations make.
    fn document(&mut self, chunk: &format::Chunk<'_>) -> Result<(), Refusal> {
        if format::checksum(format::DOCUMENT, chunk.data) != chunk.checksum {
            return Err(malformed("a document whose checksum does not match"));
        }
        let layout = format::DocumentLayout::parse(chunk.data)?;
        let deflated: usize = layout
            .change_columns
            .iter()
            .chain(&layout.op_columns)
            .filter(|c| c.deflated())
            .map(|c| c.data.len())
            .sum();
        self.charge_inflated(chunk.whole.len() - deflated)?;
        let change_columns = self.inflate_columns(&layout.change_columns)?;
        let op_columns = self.inflate_columns(&layout.op_columns)?;
        // Changes are materialised one by one when a document is loaded into one that has
        // changes already: a document's change rows count against the same limit.
        self.bound_rows(&change_columns)?;
        let ops = self.bound_rows(&op_columns)?;
        self.ops += ops as usize;

        let actors: Vec<u32> = layout
            .actors
            .iter()
            .map(|actor| self.made.actor(actor))
            .collect();
        let column = |spec| {
            op_columns
                .iter()
                .find(|(s, _)| *s == spec)
                .map_or(&[][..], |(_, data)| &data[..])
        };
        let mut id_actors = format::Uints::new(column(format::ID_ACTOR));
        let mut id_counters = format::Deltas::new(column(format::ID_COUNTER));
        let mut actions = format::Uints::new(column(format::ACTION));
        let mut obj_actors = format::Uints::new(column(format::OBJ_ACTOR));
        let mut obj_counters = format::Uints::new(column(format::OBJ_COUNTER));
        for _ in 0..ops {
            let id = (id_actors.next()?, id_counters.next()?);
            let action = actions.next()?;
            let obj = (obj_actors.next()?, obj_counters.next()?);
            if action.is_some_and(|a| format::MAKE_ACTIONS.contains(&a)) {
                let (Some(actor), Some(counter)) = id else {
                    return Err(malformed("an operation without an id"));
                };
                self.made
                    .insert((actor_at(&actors, actor)?, counter), parent(obj, &actors)?)?;
            }
        }
        Ok(())
    }
}

/// An object: an actor (interned by [`Made::actor`]) and the counter of the operation that made
/// it.
type ObjKey = (u32, u64);

/// The object an operation is in, from its object columns (actor, counter; both null: the
/// root).
fn parent(obj: (Option<u64>, Option<u64>), actors: &[u32]) -> Result<Parent, Refusal> {
    match obj {
        (None, None) => Ok(Parent::Root),
        (Some(actor), Some(counter)) => Ok(Parent::Object((actor_at(actors, actor)?, counter))),
        _ => Err(malformed("an object id with an actor or a counter missing")),
    }
}

/// The interned actor at index `index` of a chunk's actors.
fn actor_at(actors: &[u32], index: u64) -> Result<u32, Refusal> {
    usize::try_from(index)
        .ok()
        .and_then(|i| actors.get(i))
        .copied()
        .ok_or_else(|| malformed("an actor index past the chunk's actors"))
}

/// Where an object was made.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parent {
    Root,
    Object(ObjKey),
}

/// The objects a message makes, each with the object it is made in.
#[derive(Default)]
struct Made {
    /// Actor ids, by interned number.
    actors: Vec<Vec<u8>>,
    /// Interned numbers, by actor id.
    numbers: HashMap<Vec<u8>, u32>,
    objects: HashMap<ObjKey, Parent>,
}

impl Made {
    /// The interned number of an actor id.
    fn actor(&mut self, actor: &[u8]) -> u32 {
        if let Some(number) = self.numbers.get(actor) {
            return *number;
        }
        let number = self.actors.len() as u32;
        self.actors.push(actor.to_vec());
        self.numbers.insert(actor.to_vec(), number);
        number
    }

    /// Notes that `object` is made in `parent`. The same object made twice in different places
    /// would let a message hide where it really is.
    fn insert(&mut self, object: ObjKey, parent: Parent) -> Result<(), Refusal> {
        match self.objects.entry(object) {
            Entry::Vacant(slot) => {
                slot.insert(parent);
                Ok(())
            }
            Entry::Occupied(known) if *known.get() == parent => Ok(()),
            Entry::Occupied(_) => Err(malformed("one object id made in two places")),
        }
    }

    /// The depth of the deepest object made (0 when none is). Chains of objects made by the
    /// message are followed up to an object the message does not make: the root (depth 0), an
    /// object of `doc` (its depth there, counted no further than `limit + 1`), or an unknown
    /// one (depth 1, see the module's documentation). Each object is resolved once; a cycle is
    /// refused.
    fn deepest(&self, doc: &Automerge, limit: usize) -> Result<usize, Refusal> {
        let mut depths: HashMap<ObjKey, usize> = HashMap::with_capacity(self.objects.len());
        let mut deepest = 0;
        let mut chain = Vec::new();
        for &start in self.objects.keys() {
            chain.clear();
            let mut at = start;
            let base = loop {
                if let Some(depth) = depths.get(&at) {
                    break *depth;
                }
                match self.objects.get(&at) {
                    Some(parent) => {
                        chain.push(at);
                        if chain.len() > self.objects.len() {
                            return Err(malformed("an object made inside itself"));
                        }
                        match parent {
                            Parent::Root => break 0,
                            Parent::Object(next) => at = *next,
                        }
                    }
                    None => {
                        let depth = self.depth_in(doc, at, limit.saturating_add(1)).unwrap_or(1);
                        depths.insert(at, depth);
                        break depth;
                    }
                }
            };
            let mut depth = base;
            for object in chain.iter().rev() {
                depth += 1;
                depths.insert(*object, depth);
            }
            deepest = deepest.max(depth);
        }
        Ok(deepest)
    }

    /// The depth of `object` in `doc` (its number of ancestors, counted up to `cap`: a document
    /// already too deep must not cost a walk of all its levels per object), if `doc` has it.
    fn depth_in(&self, doc: &Automerge, (actor, counter): ObjKey, cap: usize) -> Option<usize> {
        let actor = ActorId::from(self.actors.get(actor as usize)?.as_slice());
        let (id, _) = doc
            .import(&format!("{counter}@{}", actor.to_hex_string()))
            .ok()?;
        Some(doc.parents(&id).ok()?.take(cap).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_limits_in_russian() {
        let too_large = Refusal::TooLarge {
            inflated: 40 << 20,
            limit: 32 << 20,
        };
        assert!(too_large.message_ru().contains("больше 32 МиБ"));
        assert!(
            Refusal::TooLarge {
                inflated: 2 << 20,
                limit: 3 << 19
            }
            .message_ru()
            .contains("больше 1,5 МиБ")
        );
        let deep = Refusal::TooDeep {
            depth: 20_001,
            limit: 32,
        };
        assert!(
            deep.message_ru()
                .contains("на 20001 уровень при допустимых 32")
        );
        let ops = Refusal::TooManyOps {
            ops: 2_000_000,
            limit: 500_000,
        };
        assert!(
            ops.message_ru()
                .contains("2000000, допускается не больше 500000")
        );
        assert_eq!(levels(2), "уровня");
        assert_eq!(levels(12), "уровней");
    }

    #[test]
    fn a_message_without_changes_costs_nothing_and_garbage_is_malformed() {
        let doc = Automerge::new();
        let mut state = automerge::sync::State::new();
        let message = automerge::sync::SyncDoc::generate_sync_message(&doc, &mut state)
            .expect("a first message")
            .encode();
        assert_eq!(
            check_sync_message(&doc, &message, &Limits::default()),
            Ok(Admitted::default())
        );
        assert!(matches!(
            check_sync_message(&doc, b"not a sync message", &Limits::default()),
            Err(Refusal::Malformed(_))
        ));
    }
}
