//! Reading a document as JSON: the whole data section, one place, now or at earlier heads.
//!
//! Texts read as strings, maps as objects, lists as arrays. Values Automerge has but JSON does
//! not (bytes, values of future versions) read as `null`; counters and timestamps as numbers.
//!
//! Reading keeps the objects it is inside on an explicit stack (its thread's stack use is the
//! same at any depth) and refuses an object deeper than [`MAX_DEPTH`] ([`DocError::TooDeep`]),
//! whatever a peer wrote into the CRDT: the JSON it builds, whose `Drop`, `PartialEq` and
//! `Serialize` recurse, is never deeper than that.

use std::borrow::Cow;

use automerge::iter::{ListRange, MapRange};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, Prop, ReadDoc, ScalarValue, ValueRef};
use serde_json::{Map, Number, Value};

use crate::error::{DocError, PointerProblem};
use crate::layout::{DATA, MAX_DEPTH};
use crate::pointer;

/// Reads a document (or a transaction on it) as it is now or as it was at `heads`.
pub(crate) struct Reader<'a, D: ReadDoc> {
    /// The document or transaction read.
    pub(crate) doc: &'a D,
    /// `None` for the current state.
    pub(crate) heads: Option<&'a [ChangeHash]>,
}

impl<D: ReadDoc> Clone for Reader<'_, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D: ReadDoc> Copy for Reader<'_, D> {}

impl<'a, D: ReadDoc> Reader<'a, D> {
    /// The current state.
    pub(crate) fn now(doc: &'a D) -> Self {
        Self { doc, heads: None }
    }

    /// The value at `prop` of `obj` (the winner of a conflict).
    pub(crate) fn get(
        &self,
        obj: &ObjId,
        prop: impl Into<Prop>,
    ) -> Result<Option<(automerge::Value<'a>, ObjId)>, DocError> {
        Ok(match self.heads {
            None => self.doc.get(obj, prop)?,
            Some(heads) => self.doc.get_at(obj, prop, heads)?,
        })
    }

    /// The number of elements of a list or code points of a text.
    pub(crate) fn length(&self, obj: &ObjId) -> usize {
        match self.heads {
            None => self.doc.length(obj),
            Some(heads) => self.doc.length_at(obj, heads),
        }
    }

    /// The content of a text object.
    pub(crate) fn text(&self, obj: &ObjId) -> Result<String, DocError> {
        Ok(match self.heads {
            None => self.doc.text(obj)?,
            Some(heads) => self.doc.text_at(obj, heads)?,
        })
    }

    /// The `data` map, or `None` when the document does not have one at these heads.
    pub(crate) fn data(&self) -> Result<Option<ObjId>, DocError> {
        match self.get(&automerge::ROOT, DATA)? {
            Some((automerge::Value::Object(ObjType::Map), id)) => Ok(Some(id)),
            Some(_) => Err(DocError::NotADocument {
                problem: "`data` is not a map".to_owned(),
            }),
            None => Ok(None),
        }
    }

    /// An object as JSON; `depth` is the object's depth below the root (the data map's is 1).
    pub(crate) fn object(&self, obj: &ObjId, ty: ObjType, depth: usize) -> Result<Value, DocError> {
        self.tree(obj, ty, depth)
    }

    /// An object as a tree of `T` (JSON, or the diff's nodes); `depth` is the object's depth
    /// below the root. The objects being read are kept on an explicit stack, not the thread's:
    /// the thread's stack use is the same at any depth, and an object deeper than
    /// [`MAX_DEPTH`] is refused before it is read.
    pub(crate) fn tree<T: Tree>(
        &self,
        obj: &ObjId,
        ty: ObjType,
        depth: usize,
    ) -> Result<T, DocError> {
        /// Where a finished object goes.
        enum Slot {
            Top,
            Key(String),
            Item(ObjId),
        }
        /// An object being read: what is left of it, what is read so far, and its slot.
        enum Open<'a, T: Tree> {
            Map(MapRange<'a>, T::Fields, Slot),
            List(ListRange<'a>, T::Items, Slot),
        }
        let open = |obj: &ObjId,
                    ty: ObjType,
                    slot: Slot|
         -> Result<Result<Open<'a, T>, (T, Slot)>, DocError> {
            Ok(match ty {
                ObjType::Map | ObjType::Table => {
                    let range = match self.heads {
                        None => self.doc.map_range(obj, ..),
                        Some(heads) => self.doc.map_range_at(obj, .., heads),
                    };
                    Ok(Open::Map(range, T::Fields::default(), slot))
                }
                ObjType::List => {
                    let range = match self.heads {
                        None => self.doc.list_range(obj, ..),
                        Some(heads) => self.doc.list_range_at(obj, .., heads),
                    };
                    Ok(Open::List(range, T::Items::default(), slot))
                }
                ObjType::Text => Err((T::text(self.text(obj)?), slot)),
            })
        };
        /// Puts a finished value into the object below it on the stack, or returns it.
        fn place<T: Tree>(stack: &mut [Open<'_, T>], slot: Slot, value: T) -> Option<T> {
            match (stack.last_mut(), slot) {
                (Some(Open::Map(_, map, _)), Slot::Key(key)) => T::insert(map, key, value),
                (Some(Open::List(_, list, _)), Slot::Item(id)) => T::push(list, Some(id), value),
                _ => return Some(value),
            }
            None
        }

        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        let mut stack = match open(obj, ty, Slot::Top)? {
            Ok(first) => vec![first],
            Err((value, _)) => return Ok(value),
        };
        loop {
            // The depth of the objects inside the one on top of the stack.
            let inner = depth + stack.len();
            let top = stack
                .last_mut()
                .expect("the stack holds the object being read");
            let next = match top {
                Open::Map(range, map, _) => range.next().map(|item| match item.value {
                    ValueRef::Object(ty) => {
                        let id = item.id();
                        Some((ty, Slot::Key(item.key.into_owned()), id))
                    }
                    ValueRef::Scalar(scalar) => {
                        let value = T::scalar(&ScalarValue::from(&scalar));
                        T::insert(map, item.key.into_owned(), value);
                        None
                    }
                }),
                Open::List(range, list, _) => range.next().map(|item| match item.value {
                    ValueRef::Object(ty) => {
                        let id = item.id();
                        Some((ty, Slot::Item(id.clone()), id))
                    }
                    ValueRef::Scalar(scalar) => {
                        T::push(list, None, T::scalar(&ScalarValue::from(&scalar)));
                        None
                    }
                }),
            };
            match next {
                // A scalar, already placed.
                Some(None) => {}
                Some(Some((ty, slot, id))) => {
                    if inner > MAX_DEPTH {
                        return Err(too_deep());
                    }
                    match open(&id, ty, slot)? {
                        Ok(opened) => stack.push(opened),
                        Err((text, slot)) => {
                            place(&mut stack, slot, text);
                        }
                    }
                }
                None => {
                    let (value, slot) = match stack.pop().expect("the object just read") {
                        Open::Map(_, map, slot) => (T::map(map), slot),
                        Open::List(_, list, slot) => (T::list(list), slot),
                    };
                    if let Some(value) = place(&mut stack, slot, value) {
                        return Ok(value);
                    }
                }
            }
        }
    }

    /// A value returned by [`Reader::get`] as JSON (`depth`: where it is, if an object).
    pub(crate) fn value(
        &self,
        value: &automerge::Value<'_>,
        id: &ObjId,
        depth: usize,
    ) -> Result<Value, DocError> {
        match value {
            automerge::Value::Object(ty) => self.object(id, *ty, depth),
            automerge::Value::Scalar(scalar) => Ok(scalar_to_json(scalar)),
        }
    }

    /// The value at `pointer` inside `data`, or `None` when nothing is there.
    pub(crate) fn at_pointer(
        &self,
        data: &ObjId,
        pointer: &str,
    ) -> Result<Option<Value>, DocError> {
        let segments = pointer::segments(pointer)?;
        let mut current: (automerge::Value<'a>, ObjId) =
            (automerge::Value::Object(ObjType::Map), data.clone());
        // The depth of `current` were it an object; the data map's is 1.
        let mut depth = 1;
        for segment in &segments {
            if depth > MAX_DEPTH {
                return Err(too_deep());
            }
            let (automerge::Value::Object(ty), obj) = &current else {
                return Ok(None);
            };
            let prop = match ty {
                ObjType::Map | ObjType::Table => Prop::Map(segment.to_string()),
                ObjType::List => match pointer::parse_index(segment) {
                    Some(index) => Prop::Seq(index),
                    None => return Err(pointer::bad(pointer, PointerProblem::NotAnIndex)),
                },
                ObjType::Text => return Ok(None),
            };
            if let Prop::Seq(index) = prop
                && index >= self.length(obj)
            {
                return Ok(None);
            }
            match self.get(obj, prop)? {
                Some(next) => current = next,
                None => return Ok(None),
            }
            depth += 1;
        }
        self.value(&current.0, &current.1, depth).map(Some)
    }
}

/// What [`Reader::tree`] builds from a document's objects.
pub(crate) trait Tree: Sized {
    /// A map being read.
    type Fields: Default;
    /// A list being read.
    type Items: Default;
    /// A scalar value.
    fn scalar(value: &ScalarValue) -> Self;
    /// A text.
    fn text(text: String) -> Self;
    /// Adds a key of a map being read.
    fn insert(map: &mut Self::Fields, key: String, value: Self);
    /// Adds an element of a list being read; `id` is the element's object id, if an object.
    fn push(list: &mut Self::Items, id: Option<ObjId>, value: Self);
    /// A map read whole.
    fn map(map: Self::Fields) -> Self;
    /// A list read whole.
    fn list(list: Self::Items) -> Self;
}

impl Tree for Value {
    type Fields = Map<String, Value>;
    type Items = Vec<Value>;

    fn scalar(value: &ScalarValue) -> Self {
        scalar_to_json(value)
    }

    fn text(text: String) -> Self {
        Value::String(text)
    }

    fn insert(map: &mut Self::Fields, key: String, value: Self) {
        map.insert(key, value);
    }

    fn push(list: &mut Self::Items, _id: Option<ObjId>, value: Self) {
        list.push(value);
    }

    fn map(map: Self::Fields) -> Self {
        Value::Object(map)
    }

    fn list(list: Self::Items) -> Self {
        Value::Array(list)
    }
}

/// A scalar as JSON.
pub(crate) fn scalar_to_json(scalar: &ScalarValue) -> Value {
    match scalar {
        ScalarValue::Str(s) => Value::String(s.to_string()),
        ScalarValue::Int(i) => Value::from(*i),
        ScalarValue::Uint(u) => Value::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Timestamp(t) => Value::from(*t),
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Null | ScalarValue::Bytes(_) | ScalarValue::Unknown { .. } => Value::Null,
    }
}

/// The data section of a document as JSON: texts as strings. A document nested deeper than
/// [`MAX_DEPTH`] is refused ([`DocError::TooDeep`]).
pub fn to_json(doc: &Automerge) -> Result<Value, DocError> {
    let reader = Reader::now(doc);
    let data = reader.data()?.ok_or_else(no_data)?;
    reader.object(&data, ObjType::Map, 1)
}

/// The data section as it was at `heads` (see [`crate::parse_heads`]). The empty heads are the
/// state before anything was written: an empty `{}`. A version nested deeper than
/// [`MAX_DEPTH`] is refused ([`DocError::TooDeep`]).
pub fn to_json_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<Value, DocError> {
    check_heads(doc, heads)?;
    let reader = Reader {
        doc,
        heads: Some(heads),
    };
    match reader.data()? {
        Some(data) => reader.object(&data, ObjType::Map, 1),
        None if heads.is_empty() => Ok(Value::Object(Map::new())),
        None => Err(no_data()),
    }
}

/// The value at `pointer` of the data (`""` is the whole data), or `None` when the document has
/// nothing there. A pointer that is malformed, or that addresses a list element by something
/// other than an index, is an error; so is a value (or a way to it) nested deeper than
/// [`MAX_DEPTH`].
pub fn get(doc: &Automerge, pointer: &str) -> Result<Option<Value>, DocError> {
    let reader = Reader::now(doc);
    let data = reader.data()?.ok_or_else(no_data)?;
    reader.at_pointer(&data, pointer)
}

/// Fails unless every hash is a change of the document.
pub(crate) fn check_heads(doc: &Automerge, heads: &[ChangeHash]) -> Result<(), DocError> {
    match heads
        .iter()
        .find(|h| doc.get_change_meta_by_hash(h).is_none())
    {
        Some(unknown) => Err(DocError::UnknownHeads {
            hash: unknown.to_string(),
        }),
        None => Ok(()),
    }
}

/// The error for an object deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep() -> DocError {
    DocError::TooDeep { limit: MAX_DEPTH }
}

pub(crate) fn no_data() -> DocError {
    DocError::NotADocument {
        problem: "no `data` map".to_owned(),
    }
}

/// Text a scalar holds, if it is a string.
pub(crate) fn scalar_str<'s>(value: &'s automerge::Value<'_>) -> Option<Cow<'s, str>> {
    match value {
        automerge::Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => Some(Cow::Borrowed(s.as_str())),
            _ => None,
        },
        automerge::Value::Object(_) => None,
    }
}
