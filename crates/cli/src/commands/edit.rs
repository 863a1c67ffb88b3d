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
    /// `text POINTER --from FILE.md` (narratives only)
    Markdown { pointer: String, file: PathBuf },
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
        Request::Markdown { pointer, file } => {
            let markdown = read_markdown(&file)?;
            if !replica
                .is_narrative(&id, &pointer)
                .await
                .map_err(client_error)?
            {
                anyhow::bail!(
                    "{pointer} — не повествовательное поле: из Markdown заменяются только они"
                );
            }
            replica
                .set_narrative_markdown(&id, &pointer, &markdown)
                .await
                .map_err(client_error)?;
            return Ok(ExitCode::SUCCESS);
        }
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

/// Reads a Markdown file for a narrative, within the document size limit.
fn read_markdown(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("не удаётся открыть {}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(crate::input::MAX_DOCUMENT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| anyhow::anyhow!("{} — не текст в UTF-8: {e}", path.display()))?;
    if text.len() as u64 > crate::input::MAX_DOCUMENT_BYTES {
        anyhow::bail!(
            "{} больше {} МБ",
            path.display(),
            crate::input::MAX_DOCUMENT_BYTES / 1024 / 1024
        );
    }
    Ok(text)
}
