//! `ravenstvo edit | import`: changing a document of the local replica.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use client::Replica;
use document::Edit;
use serde_json::Value;

use super::client_error;
use crate::input::read_document;

/// One edit as typed on the command line (values still JSON text).
pub enum Request {
    /// `set POINTER JSON`
    Set { pointer: String, value: String },
    /// `insert POINTER JSON`
    Insert { pointer: String, value: String },
    /// `remove POINTER`
    Remove { pointer: String },
    /// `text POINTER --at N --delete K --insert S`
    Text {
        pointer: String,
        at: usize,
        delete: usize,
        insert: String,
    },
}

fn json_value(text: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text).map_err(|_| {
        anyhow::anyhow!(
            "значение должно быть в JSON: текст — в кавычках ('\"МБОУ СОШ № 1\"'), число — без ({text:?} не JSON)"
        )
    })
}

/// Applies one edit as one change.
pub async fn edit(
    replica: Arc<Replica>,
    id: String,
    request: Request,
    message: Option<String>,
) -> anyhow::Result<ExitCode> {
    let edit = match request {
        Request::Set { pointer, value } => Edit::Set {
            pointer,
            value: json_value(&value)?,
        },
        Request::Insert { pointer, value } => Edit::Insert {
            pointer,
            value: json_value(&value)?,
        },
        Request::Remove { pointer } => Edit::Remove { pointer },
        Request::Text {
            pointer,
            at,
            delete,
            insert,
        } => Edit::Splice {
            pointer,
            at,
            delete,
            insert,
        },
    };
    replica
        .edit(&id, &[edit], message.as_deref())
        .await
        .map_err(client_error)?;
    Ok(ExitCode::SUCCESS)
}

/// Makes the document equal to a JSON file with the smallest set of edits.
pub async fn import(
    replica: Arc<Replica>,
    id: String,
    file: PathBuf,
    message: Option<String>,
) -> anyhow::Result<ExitCode> {
    let data = read_document(&file).map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let summary = replica
        .import(&id, &data, message.as_deref())
        .await
        .map_err(client_error)?;
    println!("Изменено полей: {}", summary.changed);
    Ok(ExitCode::SUCCESS)
}
