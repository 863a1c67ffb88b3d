//! The names of narrative fragments: a field's JSON pointer with every row index replaced by
//! the row's stable Automerge object id (`/clauses/@4@a1b2…/rationale`), so that moving,
//! inserting or removing other rows keeps a narrative with its row. A field outside tables is
//! named by its pointer as it is.

use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc};
use serde_json::Value;

use crate::error::{DocError, PointerProblem};
use crate::pointer;
use crate::read::{Reader, no_data};

/// Marks a segment naming a row by its object id.
const ROW: char = '@';

/// The fragment name of the narrative at `pointer` (indices resolved to their rows now).
pub fn narrative_key(doc: &Automerge, pointer: &str) -> Result<String, DocError> {
    let reader = Reader::now(doc);
    let mut obj = reader.data()?.ok_or_else(no_data)?;
    let segments = pointer::segments(pointer)?;
    let mut key = String::new();
    let mut walked = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let is_list = matches!(doc.object_type(&obj), Ok(ObjType::List));
        walked = pointer::child(&walked, segment);
        if is_list {
            let index: usize = segment.parse().map_err(|_| DocError::BadPointer {
                pointer: pointer.to_owned(),
                problem: PointerProblem::NotAnIndex,
            })?;
            let Some((_, row)) = reader.get(&obj, index)? else {
                return Err(DocError::NotFound { pointer: walked });
            };
            key.push('/');
            key.push(ROW);
            key.push_str(&row.to_string());
            obj = row;
        } else {
            key = pointer::child(&key, segment);
            if last {
                break;
            }
            match reader.get(&obj, segment.as_ref())? {
                Some((automerge::Value::Object(_), child)) => obj = child,
                _ => return Err(DocError::NotFound { pointer: walked }),
            }
        }
    }
    Ok(key)
}

/// The pointer the fragment `key` names in the document now, or `None` when its row is gone.
pub fn narrative_pointer(doc: &Automerge, key: &str) -> Result<Option<String>, DocError> {
    pointer_at(Reader::now(doc), key)
}

/// The pointer the fragment `key` named at `heads`.
pub fn narrative_pointer_at(
    doc: &Automerge,
    heads: &[ChangeHash],
    key: &str,
) -> Result<Option<String>, DocError> {
    pointer_at(
        Reader {
            doc,
            heads: Some(heads),
        },
        key,
    )
}

fn pointer_at(reader: Reader<'_, Automerge>, key: &str) -> Result<Option<String>, DocError> {
    let Some(mut obj) = reader.data()? else {
        return Ok(None);
    };
    let segments = pointer::segments(key)?;
    let mut out = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if let Some(id) = segment.strip_prefix(ROW) {
            let Some(index) = (0..reader.length(&obj)).find(|index| {
                matches!(reader.get(&obj, *index), Ok(Some((_, row))) if row.to_string() == id)
            }) else {
                return Ok(None);
            };
            out = pointer::index(&out, index);
            obj = match reader.get(&obj, index)? {
                Some((_, row)) => row,
                None => return Ok(None),
            };
        } else {
            out = pointer::child(&out, segment);
            if last {
                break;
            }
            match reader.get(&obj, segment.as_ref())? {
                Some((automerge::Value::Object(_), child)) => obj = child,
                _ => return Ok(None),
            }
        }
    }
    Ok(Some(out))
}

/// Writes `text` at `pointer` of `data` where the object holding it exists.
pub(crate) fn put(data: &mut Value, pointer: &str, text: String) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(map)) = data.pointer_mut(parent) {
        map.insert(last, Value::String(text));
    }
}

/// An object id as the key spells it, for tests and callers holding a row's id.
pub fn row_segment(row: &ObjId) -> String {
    format!("{ROW}{row}")
}
