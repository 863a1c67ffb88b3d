//! `ravenstvo documents | status | submit | sign | review | changes | collect`: documents as
//! the server sees them, and their lifecycle (submission, signatures, review, collection).

use std::process::ExitCode;
use std::sync::Arc;

use client::api::{ChangeView, DocumentSummary, NewComment, Passage, ReviewRequest, Verdict};
use client::{ApiError, ClientError, Replica};
use serde_json::Value;

use super::{EXIT_REFUSED, action_ru, client_error, table, usage};

/// The document id typed by the user in the spelling the server accepts, or a usage error
/// (exit 2) naming that spelling: a UUID or hex spelling of an id is refused here already.
fn document_id(id: &str) -> anyhow::Result<String> {
    client::document_id(id).map_err(client_error)
}

/// Lists the documents the user may read on the server, with what they may do now.
pub async fn documents(replica: Arc<Replica>, json: bool) -> anyhow::Result<ExitCode> {
    let docs = replica
        .call(|api| api.documents())
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&docs)?);
        return Ok(ExitCode::SUCCESS);
    }
    if docs.is_empty() {
        println!("На сервере нет документов, доступных вам.");
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = docs
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.form_ru.clone(),
                d.owner_school.name.clone(),
                d.status_ru.clone(),
                d.round.to_string(),
                actions(d),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &["Документ", "Форма", "Школа", "Статус", "Раунд", "Можно"],
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}

fn actions(doc: &DocumentSummary) -> String {
    let names: Vec<&str> = doc
        .permissions
        .iter()
        .map(|p| action_ru(p))
        .collect::<Vec<_>>();
    if names.is_empty() {
        "—".to_owned()
    } else {
        names.join(", ")
    }
}

fn headline(doc: &DocumentSummary) {
    println!("{} — {}", doc.form_ru, doc.owner_school.name);
    println!("Документ {} ({}, регион {})", doc.id, doc.form, doc.region);
    println!("Статус: {}, раунд {}", doc.status_ru, doc.round);
}

/// Prints a document's status, rounds, submissions, signatures, decisions and comments.
pub async fn status(replica: Arc<Replica>, id: String, json: bool) -> anyhow::Result<ExitCode> {
    let id = document_id(&id)?;
    let detail = replica
        .call(move |api| api.document(&id))
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(ExitCode::SUCCESS);
    }
    let doc = &detail.summary;
    headline(doc);
    if let Some(municipality) = &doc.municipality {
        println!("Муниципалитет: {}", municipality.name);
    }
    let parties: Vec<&str> = doc.parties.iter().map(|p| p.name.as_str()).collect();
    println!("Стороны: {}", parties.join("; "));
    println!("Можно: {}", actions(doc));
    if detail.submissions.is_empty() {
        println!("\nДокумент ещё не подавался.");
    }
    for submission in &detail.submissions {
        println!(
            "\nРаунд {}: подан {} ({})",
            submission.round, submission.submitted_at, submission.submitted_by
        );
        println!("  Версия: {}", submission.heads.join(","));
        println!(
            "  Требования: {} версии {}; SHA-256 содержания: {}",
            submission.requirements_id, submission.requirements_version, submission.content_sha256
        );
        for signature in &submission.signatures {
            println!(
                "  Подписан за {}: {} ({})",
                signature.party.name, signature.signed_at, signature.signed_by
            );
        }
        let by = |who: &Option<String>, when: &Option<String>| {
            format!(
                "{} ({})",
                when.as_deref().unwrap_or("—"),
                who.as_deref().unwrap_or("—")
            )
        };
        match submission.verdict.as_deref() {
            None => println!("  Решение: на рассмотрении"),
            Some("approved") => println!(
                "  Решение: одобрен {}",
                by(&submission.reviewed_by, &submission.decided_at)
            ),
            Some("returned") => println!(
                "  Решение: возвращён на доработку {}",
                by(&submission.reviewed_by, &submission.decided_at)
            ),
            Some(other) => println!("  Решение: {other}"),
        }
        if !submission.comments.is_empty() {
            println!("  Замечания:");
            for comment in &submission.comments {
                let field = comment.field.clone().unwrap_or_else(|| {
                    if comment.pointer.is_empty() {
                        "весь документ".to_owned()
                    } else {
                        comment.pointer.clone()
                    }
                });
                let at = if comment.pointer.is_empty() {
                    "/"
                } else {
                    &comment.pointer
                };
                println!("    • {field}: {} [{at}]", comment.text);
                if let (Some(passage), Some(quote)) = (&comment.passage, &comment.quote) {
                    println!(
                        "      к отрывку «{quote}» (символы {}..{})",
                        passage.start, passage.end
                    );
                }
            }
        }
        if submission.collected_by.is_some() {
            println!(
                "  Принят в реестр {}",
                by(&submission.collected_by, &submission.collected_at)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Syncs the document so the server has its current version, then submits that version. An
/// invalid document's findings are printed as `ravenstvo validate` prints them (exit 1).
pub async fn submit(replica: Arc<Replica>, id: String) -> anyhow::Result<ExitCode> {
    let session = replica
        .session()
        .map_err(client_error)?
        .ok_or(ClientError::NotLoggedIn)
        .map_err(client_error)?;
    let progress = super::sync::progress_printer(&session.server);
    let report = replica
        .sync_only(&session.server, std::slice::from_ref(&id), &progress)
        .await
        .map_err(client_error)?;
    if let Some(problem) = report.problems().next() {
        return Err(super::Failure {
            message: format!(
                "документ не подан: синхронизация не удалась — {}",
                problem.problem.as_deref().unwrap_or_default()
            ),
            exit_code: EXIT_REFUSED,
        }
        .into());
    }
    match replica.submit(&id).await {
        Ok(answer) => {
            println!(
                "Документ подан: раунд {}, статус «{}».",
                answer.round, answer.document.status_ru
            );
            println!("Версия: {}", answer.heads.join(","));
            println!("SHA-256 содержания: {}", answer.content_sha256);
            print!(
                "{}",
                super::validate::findings("Рекомендации", &answer.report.warnings)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ClientError::Api(ApiError::Refused {
            code,
            message,
            details,
            ..
        })) if code == "invalid-document" => {
            eprintln!("ошибка: {message}");
            match serde_json::from_value::<::forms::Report>(*details) {
                Ok(report) => print!("{}", super::validate::render(replica.catalogue(), &report)),
                Err(e) => eprintln!("(отчёт сервера не прочитан: {e})"),
            }
            Ok(ExitCode::from(EXIT_REFUSED))
        }
        Err(e) => Err(client_error(e)),
    }
}

/// A director signs the submission under review for their school.
pub async fn sign(replica: Arc<Replica>, id: String) -> anyhow::Result<ExitCode> {
    let id = document_id(&id)?;
    let doc = replica
        .call(move |api| api.sign(&id))
        .await
        .map_err(client_error)?;
    println!("Документ подписан.");
    headline(&doc);
    Ok(ExitCode::SUCCESS)
}

/// Parses `POINTER=TEXT` comments (the pointer may be empty: the whole document) and
/// `POINTER@START..END=TEXT` comments on a passage of a narrative field (character offsets
/// into its plain text, end not included). The pointer ends at the first `=` and its passage
/// at the last `@`: no form's field name holds either sign, so neither reading is ambiguous.
pub fn parse_comments(comments: &[String]) -> anyhow::Result<Vec<NewComment>> {
    comments
        .iter()
        .map(|c| {
            let Some((pointer, text)) = c.split_once('=') else {
                return Err(usage(format!(
                    "замечание {c:?} должно быть в виде ПОЛЕ=ТЕКСТ, например /goals/0=Уточните цель"
                )));
            };
            let (pointer, passage) = match pointer.rsplit_once('@') {
                Some((pointer, range)) => (pointer, Some(parse_passage(range.trim())?)),
                None => (pointer, None),
            };
            let pointer = pointer.trim();
            if passage.is_some() && pointer.is_empty() {
                return Err(usage(
                    "отрывок указывают только у поля с текстом: ПОЛЕ@НАЧАЛО..КОНЕЦ=ТЕКСТ",
                ));
            }
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(usage(format!(
                    "поле замечания {pointer:?} — указатель JSON, начинается с /, например /goals/0"
                )));
            }
            if text.trim().is_empty() {
                return Err(usage(format!("в замечании к {pointer:?} нет текста")));
            }
            Ok(NewComment {
                pointer: pointer.to_owned(),
                text: text.trim().to_owned(),
                passage,
            })
        })
        .collect()
}

/// Parses `START..END` (character offsets, end not included) after a comment's `@`.
fn parse_passage(range: &str) -> anyhow::Result<Passage> {
    let parsed = range
        .split_once("..")
        .and_then(|(start, end)| Some((start.parse().ok()?, end.parse().ok()?)));
    match parsed {
        Some((start, end)) if start < end => Ok(Passage { start, end }),
        _ => Err(usage(format!(
            "отрывок {range:?} должен быть в виде НАЧАЛО..КОНЕЦ (номера символов текста с 0, \
             конец не входит, начало меньше конца), например /analysis/causes@10..25=Уточните"
        ))),
    }
}

/// The municipality approves the submission under review or returns it with comments.
pub async fn review(
    replica: Arc<Replica>,
    id: String,
    verdict: Verdict,
    comments: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let id = document_id(&id)?;
    let comments = parse_comments(&comments)?;
    match verdict {
        Verdict::Return if comments.is_empty() => {
            return Err(usage(
                "при возврате укажите хотя бы одно замечание: --comment ПОЛЕ=ТЕКСТ",
            ));
        }
        Verdict::Approve if !comments.is_empty() => {
            return Err(usage(
                "замечания (--comment) бывают только при возврате (return)",
            ));
        }
        _ => {}
    }
    let count = comments.len();
    let request = ReviewRequest { verdict, comments };
    let doc = replica
        .call(move |api| api.review(&id, &request))
        .await
        .map_err(client_error)?;
    match verdict {
        Verdict::Approve => println!("Документ одобрен."),
        Verdict::Return => println!("Документ возвращён на доработку; замечаний: {count}."),
    }
    headline(&doc);
    Ok(ExitCode::SUCCESS)
}

/// Prints the server's diff: by default the changes since the last round the user reviewed.
pub async fn changes(
    replica: Arc<Replica>,
    id: String,
    from: Option<String>,
    to: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let id = document_id(&id)?;
    let explicit_from = from.is_some();
    let diff = replica
        .call(move |api| api.diff(&id, from.as_deref(), to.as_deref()))
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&diff)?);
        return Ok(ExitCode::SUCCESS);
    }
    match (diff.from_round, explicit_from) {
        (_, true) => println!("Изменения с версии {}:", diff.from.join(",")),
        (Some(round), false) => println!("Изменения после раунда {round}, рассмотренного вами:"),
        (None, false) => {
            println!("Изменения с пустого документа (раньше вы этот документ не рассматривали):")
        }
    }
    println!("До версии {}\n", diff.to.join(","));
    if diff.changes.is_empty() {
        println!("Изменений нет.");
    }
    for change in &diff.changes {
        println!("{}", change_line(change));
    }
    Ok(ExitCode::SUCCESS)
}

fn change_line(change: &ChangeView) -> String {
    let field = if change.field.is_empty() {
        &change.pointer
    } else {
        &change.field
    };
    let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "—".to_owned(), shorten);
    match change.kind.as_str() {
        "added" => format!("+ {field} [{}] = {}", change.pointer, show(&change.new)),
        "removed" => format!(
            "- {field} [{}] (было {})",
            change.pointer,
            show(&change.old)
        ),
        _ => format!(
            "~ {field} [{}]: {} → {}",
            change.pointer,
            show(&change.old),
            show(&change.new)
        ),
    }
}

/// A value on one line: strings as they are, other values as JSON, cut at 200 characters.
fn shorten(value: &Value) -> String {
    const MAX: usize = 200;
    let text = match value {
        Value::String(s) => format!("«{s}»"),
        other => other.to_string(),
    };
    let text = text.replace('\n', " ⏎ ");
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// The regional coordinator accepts the approved submission into the registry.
pub async fn collect(replica: Arc<Replica>, id: String) -> anyhow::Result<ExitCode> {
    let id = document_id(&id)?;
    let doc = replica
        .call(move |api| api.collect(&id))
        .await
        .map_err(client_error)?;
    println!("Документ принят в реестр.");
    headline(&doc);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_split_at_the_first_equals_sign() {
        let parsed = parse_comments(&[
            "/goals/0=Цель = неизмерима".to_owned(),
            "=Весь документ".to_owned(),
        ])
        .unwrap();
        assert_eq!(parsed[0].pointer, "/goals/0");
        assert_eq!(parsed[0].text, "Цель = неизмерима");
        assert_eq!(parsed[1].pointer, "");
        assert!(parse_comments(&["без знака".to_owned()]).is_err());
        assert!(parse_comments(&["goals=x".to_owned()]).is_err());
        assert!(parse_comments(&["/goals=".to_owned()]).is_err());
    }

    #[test]
    fn a_comment_names_its_passage_after_the_last_at_sign() {
        let parsed = parse_comments(&[
            "/analysis/causes@3..12=Чья мотивация? email@school".to_owned(),
            "/analysis/causes=Весь текст".to_owned(),
        ])
        .unwrap();
        assert_eq!(parsed[0].pointer, "/analysis/causes");
        assert_eq!(parsed[0].passage, Some(Passage { start: 3, end: 12 }));
        assert_eq!(parsed[0].text, "Чья мотивация? email@school");
        assert_eq!(parsed[1].passage, None);
        for bad in [
            "/analysis/causes@12..3=x",
            "/analysis/causes@5..5=x",
            "/analysis/causes@5-9=x",
            "/analysis/causes@..9=x",
            "@1..2=x",
        ] {
            assert!(parse_comments(&[bad.to_owned()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn long_values_are_cut() {
        let long = Value::String("а".repeat(500));
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 201);
        assert!(short.ends_with('…'));
        assert_eq!(shorten(&Value::from(36)), "36");
    }
}
