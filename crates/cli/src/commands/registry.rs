//! `ravenstvo registry | export`: the regional registry of approved documents, for the
//! regional coordinator.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use client::Replica;
use client::api::{ExportFormat, RegistryFilter};

use super::{client_error, table, usage};

/// Checks the filters that can be checked here (dates, the form) before asking the server.
pub fn check_filter(replica: &Replica, filter: &RegistryFilter) -> anyhow::Result<()> {
    for date in [&filter.from, &filter.to].into_iter().flatten() {
        if !is_date(date) {
            return Err(usage(format!(
                "дата {date:?} должна быть в виде ГГГГ-ММ-ДД, например 2026-09-01"
            )));
        }
    }
    if let Some(form) = &filter.form {
        replica.catalogue().form(form).map_err(super::lookup)?;
    }
    Ok(())
}

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Prints the registry as a table (or JSON).
pub async fn registry(
    replica: Arc<Replica>,
    filter: RegistryFilter,
    json: bool,
) -> anyhow::Result<ExitCode> {
    check_filter(&replica, &filter)?;
    let rows = replica
        .call(move |api| api.registry(&filter))
        .await
        .map_err(client_error)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("В реестре нет документов, отвечающих условиям.");
        return Ok(ExitCode::SUCCESS);
    }
    let day = |t: &str| t.get(..10).unwrap_or(t).to_owned();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.school_name.clone(),
                r.municipality_name.clone(),
                r.form_ru.clone(),
                r.status_ru.clone(),
                r.round.to_string(),
                day(&r.decided_at),
                r.collected_at
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), day),
                r.document.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "Школа",
                "Муниципалитет",
                "Форма",
                "Статус",
                "Раунд",
                "Одобрен",
                "Принят",
                "Документ",
            ],
            &cells
        )
    );
    println!("Всего: {}", rows.len());
    Ok(ExitCode::SUCCESS)
}

/// Writes the registry as a CSV or XLSX file and prints how many rows it holds.
pub async fn export(
    replica: Arc<Replica>,
    filter: RegistryFilter,
    format: ExportFormat,
    output: PathBuf,
) -> anyhow::Result<ExitCode> {
    check_filter(&replica, &filter)?;
    let (rows, bytes) = replica
        .call(move |api| {
            let rows = api.registry(&filter)?.len();
            Ok((rows, api.export(&filter, format)?))
        })
        .await
        .map_err(client_error)?;
    let written = if output.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().lock().write_all(&bytes)
    } else {
        std::fs::write(&output, &bytes)
    };
    written.map_err(|e| usage(format!("{}: не удалось записать: {e}", output.display())))?;
    if output.as_os_str() != "-" {
        println!(
            "Выгружено строк: {rows} → {} ({}, {} байт)",
            output.display(),
            format.as_str(),
            bytes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_checked() {
        assert!(super::is_date("2026-09-01"));
        assert!(!super::is_date("2026-13-01"));
        assert!(!super::is_date("01.09.2026"));
        assert!(!super::is_date("2026-9-1"));
    }
}
