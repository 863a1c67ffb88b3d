//! The layout of a form document and its creation.
//!
//! The root map holds `form`, `form_version` and `region` (scalar strings, written once at
//! creation), `municipality` when the document was made for one, and `data`, the form's content. Inside `data` the schema decides the
//! representation: sections are maps, tables and lists are lists (a table's rows are maps),
//! short and long texts are Automerge text objects so that concurrent typing merges
//! character-wise, and dates, choice codes, numbers and booleans are scalars.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ROOT, ReadDoc};
use forms::Catalogue;
use serde_json::{Map, Value};

use crate::error::DocError;
use crate::history::{Author, commit_options};
use crate::read::{Reader, scalar_str};
use crate::schema::Schema;
use crate::write::Writer;

/// Root key of the form id.
pub(crate) const FORM: &str = "form";
/// Root key of the form's schema version.
pub(crate) const FORM_VERSION: &str = "form_version";
/// Root key of the region id.
pub(crate) const REGION: &str = "region";
/// Root key of the municipality id (absent when none was given).
pub(crate) const MUNICIPALITY: &str = "municipality";
/// Root key of the form data.
pub(crate) const DATA: &str = "data";

/// The deepest an object of a form document may lie below the Automerge root: the `data` map is
/// at depth 1, a section at 2, a table at 2 with its rows at 3 and a text in a row at 4. No form
/// nests more than a few levels (tested in `forms`), so this refuses nothing a person can type;
/// it bounds every walk over a document (reading it as JSON, diffs, validation, hashing), which
/// refuses deeper documents with [`DocError::TooDeep`] instead of exhausting its stack, and
/// received sync messages are held to it ([`crate::incoming`]). The same bound as
/// [`forms::MAX_DEPTH`], which holds the JSON side to it.
pub const MAX_DEPTH: usize = forms::MAX_DEPTH;

/// What a document is: which form (and which version of its schema) and for which region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Form id, e.g. `school-programme`.
    pub form: String,
    /// Version of the form's schema the document was created with, e.g. `1.0.0`.
    pub form_version: String,
    /// Region id, e.g. `lipetsk`.
    pub region: String,
    /// Municipality id, e.g. `kadoshkino`, when the document was made for one: whose own
    /// requirements a local validation layers over the region's. The server never reads it:
    /// it uses the owner school's municipality from its records.
    pub municipality: Option<String>,
}

/// Creates a document of `form` for `region` holding `data` (`{}` for an empty one) in one
/// change by `author`.
///
/// `data` is type-checked against the form first (`check_edit(form, "", data)`); it need not be
/// valid. The document gets a fresh random actor id.
///
/// Every section, table, list and text of the form is created empty where `data` has none
/// (`Catalogue::containers`): concurrent first writes of the same missing section or text on
/// two replicas would each create an object and only one would survive a merge, losing the
/// other's edits. Validation reads empty containers as unfilled (`forms::without_empty`).
pub fn create(
    catalogue: &Catalogue,
    form: &str,
    region: &str,
    data: &Value,
    author: &Author,
) -> Result<Automerge, DocError> {
    create_in(catalogue, form, region, None, data, author)
}

/// As [`create`], for a school of `municipality` (which must be one of the region's with its
/// own requirements): its id is written at the root, beside the region's.
pub fn create_in(
    catalogue: &Catalogue,
    form: &str,
    region: &str,
    municipality: Option<&str>,
    data: &Value,
    author: &Author,
) -> Result<Automerge, DocError> {
    let version = catalogue.form(form)?.version.clone();
    catalogue.region(region)?;
    if let Some(municipality) = municipality {
        catalogue.municipality(region, municipality)?;
    }
    catalogue.check_edit(form, "", data)?;
    let full = with_containers(catalogue, form, data)?;
    let empty = Map::new();
    let data_map = match &full {
        Value::Object(map) => map,
        _ => &empty,
    };
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let result = (|| -> Result<(), DocError> {
        tx.put(ROOT, FORM, form)?;
        tx.put(ROOT, FORM_VERSION, version.as_str())?;
        tx.put(ROOT, REGION, region)?;
        if let Some(municipality) = municipality {
            tx.put(ROOT, MUNICIPALITY, municipality)?;
        }
        let data_obj = tx.put_object(ROOT, DATA, ObjType::Map)?;
        let mut schema = Schema::new(catalogue, form);
        Writer::new(&mut tx, &mut schema).fill_map(&data_obj, "", data_map)
    })();
    match result {
        Ok(()) => {
            tx.commit_with(commit_options(author, None));
            Ok(doc)
        }
        Err(e) => {
            tx.rollback();
            Err(e)
        }
    }
}

/// `data` over the form's empty containers (`Catalogue::containers`).
pub(crate) fn with_containers(
    catalogue: &Catalogue,
    form: &str,
    data: &Value,
) -> Result<Value, DocError> {
    let mut full = catalogue.containers(form)?;
    merge_into(&mut full, data);
    Ok(full)
}

/// Writes `data` over `base`: objects merge key by key, anything else replaces.
fn merge_into(base: &mut Value, data: &Value) {
    match (base, data) {
        (Value::Object(base), Value::Object(data)) => {
            for (key, value) in data {
                match base.get_mut(key) {
                    Some(slot) => merge_into(slot, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// The form, schema version and region of a document.
pub fn meta(doc: &Automerge) -> Result<Meta, DocError> {
    read_meta(doc)
}

pub(crate) fn read_meta(doc: &impl ReadDoc) -> Result<Meta, DocError> {
    Ok(Meta {
        form: root_string(doc, FORM)?,
        form_version: root_string(doc, FORM_VERSION)?,
        region: root_string(doc, REGION)?,
        municipality: optional_root_string(doc, MUNICIPALITY)?,
    })
}

/// The form id alone: all that editing needs.
pub(crate) fn read_form(doc: &impl ReadDoc) -> Result<String, DocError> {
    root_string(doc, FORM)
}

fn optional_root_string(doc: &impl ReadDoc, key: &str) -> Result<Option<String>, DocError> {
    Ok(Reader::now(doc)
        .get(&ROOT, key)?
        .as_ref()
        .and_then(|(v, _)| scalar_str(v))
        .map(|s| s.into_owned()))
}

fn root_string(doc: &impl ReadDoc, key: &str) -> Result<String, DocError> {
    Reader::now(doc)
        .get(&ROOT, key)?
        .as_ref()
        .and_then(|(v, _)| scalar_str(v))
        .map(|s| s.into_owned())
        .ok_or_else(|| DocError::NotADocument {
            problem: format!("no `{key}` string at the root"),
        })
}
