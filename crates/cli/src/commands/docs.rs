//! `ravenstvo new | list | show | history | diff`: the documents of the local replica.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use client::{Registration, Replica};
use document::ChangeKind;
use serde_json::Value;

use super::client_error;
use crate::input::read_document;

/// Forms whose registration on the server names a mentor school.
const FORMS_WITH_MENTOR: [&str; 2] = ["school-programme", "partnership-agreement"];

/// Creates a document and prints its id, alone on one line. The owner school and the mentor
/// school are recorded for the document's registration on its first sync; the municipality,
/// if given, is written into the document for local validation.
pub async fn new(
    replica: Arc<Replica>,
    form: String,
    region: String,
    municipality: Option<String>,
    from: Option<PathBuf>,
    registration: Registration,
) -> anyhow::Result<ExitCode> {
    let data = match from {
        Some(path) => read_document(&path).map_err(|e| anyhow::anyhow!(e.to_string()))?,
        None => Value::Object(Default::default()),
    };
    let id = replica
        .create_in(
            &form,
            &region,
            municipality.as_deref(),
            &data,
            &registration,
        )
        .await
        .map_err(client_error)?;
    println!("{id}");
    if registration.mentor.is_none() && FORMS_WITH_MENTOR.contains(&form.as_str()) {
        eprintln!(
            "внимание: без школы-наставника (--mentor) сервер не зарегистрирует этот документ; \
             создайте его с --mentor, например --mentor lyceum-44"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints every document of the replica.
pub async fn list(replica: Arc<Replica>) -> anyhow::Result<ExitCode> {
    let docs = replica.list().await.map_err(client_error)?;
    if docs.is_empty() {
        println!(
            "В локальной копии нет документов. Создайте: ravenstvo new school-programme --region lipetsk"
        );
    }
    for doc in docs {
        println!(
            "{}  {:<24} {:<10} правок: {:<4} {}",
            doc.id,
            doc.form,
            doc.region,
            doc.changes,
            doc.school.as_deref().unwrap_or("(школа не указана)")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a document: as JSON, or as a tree of Russian field titles.
pub async fn show(
    replica: Arc<Replica>,
    id: String,
    json: bool,
    prosemirror: bool,
    at: Option<String>,
) -> anyhow::Result<ExitCode> {
    let data = replica
        .show(&id, at.as_deref())
        .await
        .map_err(client_error)?;
    if prosemirror {
        let narratives = replica.narrative_forms(&id).await.map_err(client_error)?;
        let out = serde_json::json!({"data": data, "narratives": narratives});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&data)?);
        return Ok(ExitCode::SUCCESS);
    }
    let summary = replica.summary(&id).await.map_err(client_error)?;
    let catalogue = replica.catalogue();
    let form = catalogue.form(&summary.form).map_err(super::lookup)?;
    let region = catalogue.region(&summary.region).map_err(super::lookup)?;
    println!("{} — {}", form.title, region.name);
    println!("Документ {} (правок: {})", summary.id, summary.changes);
    let heads = replica.heads(&id).await.map_err(client_error)?;
    println!("Версия: {}", at.as_deref().unwrap_or(&heads));
    if at.is_some() {
        // Narratives live in Yjs, which has no versions named by Automerge heads.
        println!(
            "Повествовательные тексты — в нынешнем виде (у них нет версий по heads); текст, \
             поданный на рассмотрение, — в «ravenstvo status» и в реестре."
        );
    }
    println!();
    let mut out = String::new();
    let names = Names {
        title: &|pointer| {
            let name = catalogue.field_name(form, pointer);
            name.rsplit(" → ").next().unwrap_or(&name).to_owned()
        },
        choice: &|pointer, value| catalogue.choice_title(&form.id, pointer, value),
    };
    render(&mut out, &data, "", 0, &names);
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// How fields and choice values are named for people.
struct Names<'a> {
    title: &'a dyn Fn(&str) -> String,
    choice: &'a dyn Fn(&str, &Value) -> Option<String>,
}

/// A JSON value as an indented tree, each field named by its title, choices by theirs.
fn render(out: &mut String, value: &Value, pointer: &str, depth: usize, names: &Names<'_>) {
    let indent = "  ".repeat(depth);
    let title = names.title;
    let scalar =
        |at: &str, value: &Value| (names.choice)(at, value).unwrap_or_else(|| scalar(value));
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let at = format!("{pointer}/{key}");
                if child.is_object() || child.is_array() {
                    out.push_str(&format!("{indent}{}:\n", title(&at)));
                    render(out, child, &at, depth + 1, names);
                } else {
                    out.push_str(&format!("{indent}{}: {}\n", title(&at), scalar(&at, child)));
                }
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str(&format!("{indent}(пусто)\n"));
            }
            for (i, item) in items.iter().enumerate() {
                let at = format!("{pointer}/{i}");
                if item.is_object() || item.is_array() {
                    out.push_str(&format!("{indent}{}:\n", title(&at)));
                    render(out, item, &at, depth + 1, names);
                } else {
                    out.push_str(&format!("{indent}{}. {}\n", i + 1, scalar(&at, item)));
                }
            }
        }
        other => out.push_str(&format!("{indent}{}\n", scalar(pointer, other))),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "да".to_owned(),
        Value::Bool(false) => "нет".to_owned(),
        other => other.to_string(),
    }
}

/// Prints who changed the document, when and why, oldest first, with each version's heads.
pub async fn history(replica: Arc<Replica>, id: String) -> anyhow::Result<ExitCode> {
    let entries = replica.history(&id).await.map_err(client_error)?;
    for entry in entries {
        println!(
            "{}  {}  {}  {}",
            entry.hash,
            format_time(entry.time),
            entry
                .author
                .as_deref()
                .or(entry.author_id.as_deref())
                .unwrap_or("неизвестно"),
            entry.message.as_deref().unwrap_or("")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints field-level changes between two versions.
pub async fn diff(
    replica: Arc<Replica>,
    id: String,
    from: String,
    to: String,
) -> anyhow::Result<ExitCode> {
    let changes = replica.diff(&id, &from, &to).await.map_err(client_error)?;
    if changes.is_empty() {
        println!("Изменений нет.");
    }
    for change in changes {
        let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "—".to_owned(), |v| v.to_string());
        match change.kind {
            ChangeKind::Added => println!("+ {} = {}", change.pointer, show(&change.new)),
            ChangeKind::Removed => println!("- {} (было {})", change.pointer, show(&change.old)),
            ChangeKind::Changed => println!(
                "~ {}: {} → {}",
                change.pointer,
                show(&change.old),
                show(&change.new)
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC` (civil date from days, no time-zone database needed).
fn format_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_format_as_civil_dates() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::format_time(1_763_900_000), "2025-11-23 12:13 UTC");
    }
}
