//! `ravenstvo sync`: exchange documents with the server, with progress.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use client::{Replica, SyncProgress};

use super::client_error;

/// Synchronises every local document (and fetches `docs`), printing progress to stderr and a
/// summary to stdout. Exit 0 when everything synchronised, 1 when some document could not.
pub async fn sync(
    replica: Arc<Replica>,
    server: String,
    docs: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let progress = |step: SyncProgress| {
        let mut err = std::io::stderr().lock();
        let _ = match step {
            SyncProgress::Connected { total } => writeln!(
                err,
                "Соединение с {server} установлено; документов: {total}"
            ),
            SyncProgress::Document {
                done,
                total,
                result,
            } => match &result.problem {
                None => writeln!(
                    err,
                    "[{done}/{total}] {}: получено правок {}, отправлено {}",
                    result.id, result.received, result.sent
                ),
                Some(problem) => writeln!(
                    err,
                    "[{done}/{total}] {}: не синхронизирован — {problem}",
                    result.id
                ),
            },
        };
    };
    let report = replica
        .sync(&server, &docs, &progress)
        .await
        .map_err(client_error)?;
    let problems = report.problems().count();
    println!(
        "Синхронизировано документов: {}, получено правок: {}, отправлено правок: {}{}",
        report.documents.len() - problems,
        report.received(),
        report.sent(),
        if problems > 0 {
            format!(", с ошибками: {problems}")
        } else {
            String::new()
        }
    );
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
