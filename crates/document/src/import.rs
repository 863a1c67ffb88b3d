//! Importing a whole JSON document as the smallest set of edits.
//!
//! A file edited elsewhere (exported, changed in an editor, loaded back) must not overwrite
//! what others changed meanwhile: only the places whose values differ are written, texts with a
//! character diff, tables row by row (see [`crate::write`]).

use automerge::{Automerge, ChangeHash};
use forms::{Catalogue, EditError};
use serde_json::Value;

use crate::error::DocError;
use crate::history::{Author, commit_options};
use crate::layout::read_form;
use crate::read::{Reader, no_data};
use crate::schema::Schema;
use crate::write::Writer;

/// What an import changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// How many places were written, updated or removed: a changed scalar or text, a new or
    /// removed field or row (counted once, whatever it holds).
    pub changed: usize,
    /// The change recorded, or `None` when the document already held `new_data`.
    pub hash: Option<ChangeHash>,
}

/// Makes the document's data equal to `new_data` in one change by `author`, writing only the
/// differences. `new_data` is type-checked against the form first; on any error nothing changes.
pub fn import(
    doc: &mut Automerge,
    catalogue: &Catalogue,
    new_data: &Value,
    author: &Author,
    message: Option<&str>,
) -> Result<ImportSummary, DocError> {
    let form = read_form(doc)?;
    catalogue.check_edit(&form, "", new_data)?;
    let Value::Object(map) = new_data else {
        return Err(EditError::WrongKind {
            pointer: String::new(),
            expected: "раздел".to_owned(),
            got: "пустое значение".to_owned(),
        }
        .into());
    };
    let data = Reader::now(doc).data()?.ok_or_else(no_data)?;
    let mut schema = Schema::new(catalogue, &form);
    let mut tx = doc.transaction();
    let mut writer = Writer::new(&mut tx, &mut schema);
    let result = writer.reconcile_data(&data, map);
    let changed = writer.changed;
    match result {
        Ok(()) => Ok(ImportSummary {
            changed,
            hash: tx.commit_with(commit_options(author, message)).0,
        }),
        Err(e) => {
            tx.rollback();
            Err(e)
        }
    }
}
