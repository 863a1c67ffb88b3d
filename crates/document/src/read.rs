//! Reading a document as JSON: the whole data section, one place, now or at earlier heads.
//!
//! Texts read as strings, maps as objects, lists as arrays. Values Automerge has but JSON does
//! not (bytes, values of future versions) read as `null`; counters and timestamps as numbers.

use std::borrow::Cow;

use automerge::{Automerge, ChangeHash, ObjId, ObjType, Prop, ReadDoc, ScalarValue, ValueRef};
use serde_json::{Map, Number, Value};

use crate::error::{DocError, PointerProblem};
use crate::layout::DATA;
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

    /// An object as JSON.
    pub(crate) fn object(&self, obj: &ObjId, ty: ObjType) -> Result<Value, DocError> {
        Ok(match ty {
            ObjType::Map | ObjType::Table => {
                let mut map = Map::new();
                let range = match self.heads {
                    None => self.doc.map_range(obj, ..),
                    Some(heads) => self.doc.map_range_at(obj, .., heads),
                };
                for item in range {
                    let value = self.value_ref(&item.value, || item.id())?;
                    map.insert(item.key.into_owned(), value);
                }
                Value::Object(map)
            }
            ObjType::List => {
                let range = match self.heads {
                    None => self.doc.list_range(obj, ..),
                    Some(heads) => self.doc.list_range_at(obj, .., heads),
                };
                let mut items = Vec::new();
                for item in range {
                    items.push(self.value_ref(&item.value, || item.id())?);
                }
                Value::Array(items)
            }
            ObjType::Text => Value::String(self.text(obj)?),
        })
    }

    /// A value met while iterating an object; `id` is only computed for nested objects.
    fn value_ref(
        &self,
        value: &ValueRef<'_>,
        id: impl FnOnce() -> ObjId,
    ) -> Result<Value, DocError> {
        match value {
            ValueRef::Object(ty) => self.object(&id(), *ty),
            ValueRef::Scalar(scalar) => Ok(scalar_to_json(&ScalarValue::from(scalar))),
        }
    }

    /// A value returned by [`Reader::get`] as JSON.
    pub(crate) fn value(
        &self,
        value: &automerge::Value<'_>,
        id: &ObjId,
    ) -> Result<Value, DocError> {
        match value {
            automerge::Value::Object(ty) => self.object(id, *ty),
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
        for segment in &segments {
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
        }
        self.value(&current.0, &current.1).map(Some)
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

/// The data section of a document as JSON: texts as strings.
pub fn to_json(doc: &Automerge) -> Result<Value, DocError> {
    let reader = Reader::now(doc);
    let data = reader.data()?.ok_or_else(no_data)?;
    reader.object(&data, ObjType::Map)
}

/// The data section as it was at `heads` (see [`crate::parse_heads`]). The empty heads are the
/// state before anything was written: an empty `{}`.
pub fn to_json_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<Value, DocError> {
    check_heads(doc, heads)?;
    let reader = Reader {
        doc,
        heads: Some(heads),
    };
    match reader.data()? {
        Some(data) => reader.object(&data, ObjType::Map),
        None if heads.is_empty() => Ok(Value::Object(Map::new())),
        None => Err(no_data()),
    }
}

/// The value at `pointer` of the data (`""` is the whole data), or `None` when the document has
/// nothing there. A pointer that is malformed, or that addresses a list element by something
/// other than an index, is an error.
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
