//! `ravenstvo sync`: exchange documents with the server, with progress.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use client::{Replica, SyncProgress};

use super::client_error;

/// The server to use: the one given, else the one the replica last logged in to.
pub fn server_of(replica: &Replica, given: Option<String>) -> anyhow::Result<String> {
    if let Some(server) = given.filter(|s| !s.trim().is_empty()) {
        return Ok(server);
    }
    match replica.server().map_err(client_error)? {
        Some(server) => Ok(server),
        None => Err(super::usage(
            "не указан сервер: --server http://сервер:порт (или войдите: ravenstvo login --server … --user …)",
        )),
    }
}

/// Prints sync progress to stderr, a line per document.
pub fn progress_printer(server: &str) -> impl Fn(SyncProgress) + Sync + '_ {
    move |step: SyncProgress| {
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
    }
}

/// Synchronises every local document (and fetches `docs`) with `server` or, without it, the
/// server the replica is logged in to, printing progress to stderr and a summary to stdout.
/// Exit 0 when everything synchronised, 1 when some document could not.
pub async fn sync(
    replica: Arc<Replica>,
    server: Option<String>,
    docs: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let server = server_of(&replica, server)?;
    let progress = progress_printer(&server);
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
