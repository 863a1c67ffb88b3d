//! Edits by JSON pointer, applied as one change: all of them or none.

use std::borrow::Cow;
use std::collections::HashMap;

use automerge::transaction::{Transactable, Transaction};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, Prop, ReadDoc, TextEncoding};
use forms::Catalogue;
use serde_json::Value;

use crate::error::{DocError, PointerProblem};
use crate::history::{Author, commit_options};
use crate::layout::read_form;
use crate::pointer;
use crate::read::{Reader, no_data};
use crate::schema::{Schema, Shape};
use crate::write::Writer;

/// One edit of a document's data, addressed by a JSON pointer into `data`.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Makes the value at `pointer` equal to `value`, creating missing sections on the way.
    /// An existing text is updated with a character diff, an existing section or table in place.
    Set {
        /// Where (`""` for the whole data).
        pointer: String,
        /// The new value. `null` clears the field; on a text it replaces the text object, so
        /// typing into it elsewhere at the same time is lost, while `""` empties the text and
        /// keeps such typing.
        value: Value,
    },
    /// Inserts a row or item; `pointer` ends with the index to insert before, or `-` to append.
    Insert {
        /// Where, e.g. `/criteria/-`.
        pointer: String,
        /// The new row or item.
        value: Value,
    },
    /// Removes a field, a row or an item.
    Remove {
        /// What.
        pointer: String,
    },
    /// Replaces `delete` characters at `at` of the text at `pointer` with `insert`; positions
    /// count Unicode code points. A missing text field is created (empty) first.
    Splice {
        /// The text field.
        pointer: String,
        /// Where the splice starts.
        at: usize,
        /// How many characters it deletes.
        delete: usize,
        /// What it inserts there.
        insert: String,
    },
}

impl Edit {
    /// The pointer the edit addresses.
    pub fn pointer(&self) -> &str {
        match self {
            Edit::Set { pointer, .. }
            | Edit::Insert { pointer, .. }
            | Edit::Remove { pointer }
            | Edit::Splice { pointer, .. } => pointer,
        }
    }
}

/// Applies `edits` in order as one change by `author`, with an optional message.
///
/// Every edit that writes a value is type-checked against the document's form first. If any
/// edit fails, nothing is applied and that edit's error is returned. Returns the new change's
/// hash, or `None` when the edits changed nothing (no change is recorded then).
pub fn apply(
    doc: &mut Automerge,
    catalogue: &Catalogue,
    edits: &[Edit],
    author: &Author,
    message: Option<&str>,
) -> Result<Option<ChangeHash>, DocError> {
    let form = read_form(doc)?;
    catalogue.form(&form)?;
    let data = Reader::now(doc).data()?.ok_or_else(no_data)?;
    let mut schema = Schema::new(catalogue, &form);
    let mut tx = doc.transaction();
    let mut editor = Editor {
        data,
        texts: HashMap::new(),
    };
    for edit in edits {
        if let Err(e) = editor.apply(&mut tx, &mut schema, edit) {
            tx.rollback();
            return Err(e);
        }
    }
    Ok(tx.commit_with(commit_options(author, message)).0)
}

/// State of one `apply`: where the data is, and the texts already found.
struct Editor {
    data: ObjId,
    /// Text objects by pointer, with their length in code points, so that a burst of
    /// keystrokes into one field resolves its pointer and measures it once. Only this
    /// transaction writes, so the length follows our own splices; an edit that may move or
    /// replace objects forgets the texts under the place it edits.
    texts: HashMap<String, (ObjId, usize)>,
}

/// A place in the document: a key of a map or an element of a list.
struct Place<'p> {
    /// The map or list holding the place.
    parent: ObjId,
    /// Its type.
    parent_type: ObjType,
    /// Pointer pattern of the parent (`*` for list elements), for schema lookups.
    parent_pattern: String,
    /// The last segment of the pointer.
    last: Cow<'p, str>,
}

impl Editor {
    fn apply(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        edit: &Edit,
    ) -> Result<(), DocError> {
        match edit {
            Edit::Set { pointer, .. } => self.forget_under(pointer),
            Edit::Insert { pointer, .. } | Edit::Remove { pointer } => {
                self.forget_under(&parent_pointer(pointer));
            }
            Edit::Splice { .. } => {}
        }
        match edit {
            Edit::Set { pointer, value } => self.set(tx, schema, pointer, value),
            Edit::Insert { pointer, value } => self.insert(tx, schema, pointer, value),
            Edit::Remove { pointer } => self.remove(tx, schema, pointer),
            Edit::Splice {
                pointer,
                at,
                delete,
                insert,
            } => self.splice(tx, schema, pointer, *at, *delete, insert),
        }
    }

    /// Forgets the texts at or below `pointer`: the only ones an edit there can move, replace
    /// or remove.
    fn forget_under(&mut self, pointer: &str) {
        if !self.texts.is_empty() {
            self.texts.retain(|cached, _| {
                !(cached.starts_with(pointer)
                    && matches!(cached.as_bytes().get(pointer.len()), None | Some(b'/')))
            });
        }
    }

    fn set(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
        value: &Value,
    ) -> Result<(), DocError> {
        let segments = pointer::segments(pointer)?;
        schema.check(pointer, value)?;
        let Some(place) = self.place(tx, schema, pointer, segments, true)? else {
            return match value {
                Value::Object(map) => {
                    let data = self.data.clone();
                    Writer::new(tx, schema).reconcile_data(&data, map)
                }
                _ => Err(pointer::bad(pointer, PointerProblem::WholeDocument)),
            };
        };
        let (prop, pattern) = match place.parent_type {
            ObjType::List => {
                let index = existing_index(tx, schema, pointer, &place)?;
                (Prop::Seq(index), format!("{}/*", place.parent_pattern))
            }
            _ => (
                Prop::Map(place.last.to_string()),
                pointer::child(&place.parent_pattern, &place.last),
            ),
        };
        Writer::new(tx, schema).reconcile(&place.parent, prop, &pattern, value)
    }

    fn insert(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
        value: &Value,
    ) -> Result<(), DocError> {
        let segments = pointer::segments(pointer)?;
        schema.check(pointer, value)?;
        let place = self
            .place(tx, schema, pointer, segments, true)?
            .ok_or_else(|| pointer::bad(pointer, PointerProblem::WholeDocument))?;
        if place.parent_type != ObjType::List {
            return Err(DocError::NotAList {
                pointer: parent_pointer(pointer),
            });
        }
        let len = tx.length(&place.parent);
        let index = match place.last.as_ref() {
            "-" => len,
            segment => pointer::parse_index(segment)
                .ok_or_else(|| pointer::bad(pointer, PointerProblem::NotAnIndex))?,
        };
        if index > len {
            return Err(DocError::IndexOutOfRange {
                pointer: pointer.to_owned(),
                len,
                table: schema.is_table(&place.parent_pattern),
            });
        }
        let item_pattern = format!("{}/*", place.parent_pattern);
        Writer::new(tx, schema).insert(&place.parent, index, &item_pattern, value)
    }

    fn remove(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
    ) -> Result<(), DocError> {
        let segments = pointer::segments(pointer)?;
        let place = self
            .place(tx, schema, pointer, segments, false)?
            .ok_or_else(|| pointer::bad(pointer, PointerProblem::WholeDocument))?;
        let prop = match place.parent_type {
            ObjType::List => Prop::Seq(existing_index(tx, schema, pointer, &place)?),
            _ => {
                if tx.get(&place.parent, place.last.as_ref())?.is_none() {
                    return Err(DocError::NotFound {
                        pointer: pointer.to_owned(),
                    });
                }
                Prop::Map(place.last.to_string())
            }
        };
        Writer::new(tx, schema).remove(&place.parent, prop)
    }

    fn splice(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
        at: usize,
        delete: usize,
        insert: &str,
    ) -> Result<(), DocError> {
        if !self.texts.contains_key(pointer) {
            let text = self.find_text(tx, schema, pointer)?;
            let len = match tx.text_encoding() {
                TextEncoding::UnicodeCodePoint => tx.length(&text),
                _ => tx.text(&text)?.chars().count(),
            };
            self.texts.insert(pointer.to_owned(), (text, len));
        }
        let (text, len) = self
            .texts
            .get_mut(pointer)
            .expect("the text was just cached");
        if at.checked_add(delete).is_none_or(|end| end > *len) {
            return Err(DocError::SpliceOutOfRange {
                pointer: pointer.to_owned(),
                at,
                delete,
                len: *len,
            });
        }
        if delete == 0 && insert.is_empty() {
            return Ok(());
        }
        // Positions are code points. Documents made by this workspace count in code points;
        // one made with another text encoding gets the splice converted to its units.
        let (units_at, units_delete) = match tx.text_encoding() {
            TextEncoding::UnicodeCodePoint => (at, delete),
            encoding => code_points_to_units(&tx.text(&*text)?, encoding, at, delete),
        };
        let units_delete =
            isize::try_from(units_delete).expect("a text is shorter than isize::MAX");
        tx.splice_text(&*text, units_at, units_delete, insert)?;
        *len = *len - delete + insert.chars().count();
        Ok(())
    }

    /// The text object at `pointer`, created empty (with missing sections on the way) when the
    /// schema has a text there and the document does not yet.
    fn find_text(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
    ) -> Result<ObjId, DocError> {
        if let Some(text) = self.existing_text(tx, schema, pointer)? {
            return Ok(text);
        }
        if schema.shape(pointer)? != Shape::Text {
            return Err(DocError::NotAText {
                pointer: pointer.to_owned(),
            });
        }
        self.set(tx, schema, pointer, &Value::String(String::new()))?;
        Ok(self
            .existing_text(tx, schema, pointer)?
            .expect("the text was just created"))
    }

    /// The text object at `pointer`; `None` when nothing is there yet.
    fn existing_text(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
    ) -> Result<Option<ObjId>, DocError> {
        let segments = pointer::segments(pointer)?;
        let place = match self.place(tx, schema, pointer, segments, false) {
            Ok(Some(place)) => place,
            Ok(None) => return Err(pointer::bad(pointer, PointerProblem::WholeDocument)),
            Err(DocError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let prop = match place.parent_type {
            ObjType::List => Prop::Seq(existing_index(tx, schema, pointer, &place)?),
            _ => Prop::Map(place.last.to_string()),
        };
        match tx.get(&place.parent, prop)? {
            Some((automerge::Value::Object(ObjType::Text), text)) => Ok(Some(text)),
            Some(_) => Err(DocError::NotAText {
                pointer: pointer.to_owned(),
            }),
            None => Ok(None),
        }
    }

    /// The parent of the place `pointer` names; `None` for the data itself. With `create`,
    /// missing sections, tables and lists on the way are created as the schema describes them.
    fn place<'p>(
        &mut self,
        tx: &mut Transaction<'_>,
        schema: &mut Schema<'_>,
        pointer: &str,
        mut segments: Vec<Cow<'p, str>>,
        create: bool,
    ) -> Result<Option<Place<'p>>, DocError> {
        let Some(last) = segments.pop() else {
            return Ok(None);
        };
        let mut obj = self.data.clone();
        let mut ty = ObjType::Map;
        let mut pattern = String::new();
        for (depth, segment) in segments.iter().enumerate() {
            let here = || pointer::prefix(&segments, depth + 1);
            let (prop, next_pattern) = match ty {
                ObjType::Map | ObjType::Table => (
                    Prop::Map(segment.to_string()),
                    pointer::child(&pattern, segment),
                ),
                ObjType::List => {
                    let index = match segment.as_ref() {
                        "-" => {
                            return Err(pointer::bad(pointer, PointerProblem::AppendOutsideInsert));
                        }
                        s => pointer::parse_index(s)
                            .ok_or_else(|| pointer::bad(pointer, PointerProblem::NotAnIndex))?,
                    };
                    let len = tx.length(&obj);
                    if index >= len {
                        return Err(DocError::IndexOutOfRange {
                            pointer: here(),
                            len,
                            table: schema.is_table(&pattern),
                        });
                    }
                    (Prop::Seq(index), format!("{pattern}/*"))
                }
                ObjType::Text => return Err(DocError::NotFound { pointer: here() }),
            };
            (obj, ty) = match tx.get(&obj, prop.clone())? {
                Some((automerge::Value::Object(next_ty), next)) => (next, next_ty),
                Some(_) => return Err(DocError::NotFound { pointer: here() }),
                None if create => {
                    let next_ty = match schema.shape(&next_pattern)? {
                        Shape::Map => ObjType::Map,
                        Shape::List { .. } => ObjType::List,
                        _ => return Err(DocError::NotFound { pointer: here() }),
                    };
                    (tx.put_object(&obj, prop, next_ty)?, next_ty)
                }
                None => return Err(DocError::NotFound { pointer: here() }),
            };
            pattern = next_pattern;
        }
        if ty == ObjType::Text {
            return Err(DocError::NotFound {
                pointer: pointer.to_owned(),
            });
        }
        Ok(Some(Place {
            parent: obj,
            parent_type: ty,
            parent_pattern: pattern,
            last,
        }))
    }
}

/// The index of an element that must exist (for setting or removing it).
fn existing_index(
    tx: &Transaction<'_>,
    schema: &mut Schema<'_>,
    pointer: &str,
    place: &Place<'_>,
) -> Result<usize, DocError> {
    let index = match place.last.as_ref() {
        "-" => return Err(pointer::bad(pointer, PointerProblem::AppendOutsideInsert)),
        segment => pointer::parse_index(segment)
            .ok_or_else(|| pointer::bad(pointer, PointerProblem::NotAnIndex))?,
    };
    let len = tx.length(&place.parent);
    if index >= len {
        return Err(DocError::IndexOutOfRange {
            pointer: pointer.to_owned(),
            len,
            table: schema.is_table(&place.parent_pattern),
        });
    }
    Ok(index)
}

/// `/a/b/c` → `/a/b`.
fn parent_pointer(pointer: &str) -> String {
    pointer
        .rfind('/')
        .map_or_else(String::new, |i| pointer[..i].to_owned())
}

/// Converts a splice given in code points to the units of a document with another encoding
/// (grapheme clusters are counted as code points: this crate has no grapheme segmentation).
fn code_points_to_units(
    text: &str,
    encoding: TextEncoding,
    at: usize,
    delete: usize,
) -> (usize, usize) {
    let width = |s: &str| match encoding {
        TextEncoding::Utf8CodeUnit => s.len(),
        TextEncoding::Utf16CodeUnit => s.encode_utf16().count(),
        _ => s.chars().count(),
    };
    let byte_at = |n: usize| text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
    let (start, end) = (byte_at(at), byte_at(at + delete));
    (width(&text[..start]), width(&text[start..end]))
}
