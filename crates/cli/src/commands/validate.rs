//! `ravenstvo validate`: one document, one form, one region, one verdict.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use ::forms::{Catalogue, Finding, Report};
use client::Replica;

use crate::Format;
use crate::input::read_document;

/// Validates a file and prints the report; exit 0 when valid, 1 when not.
///
/// With a municipality, its own requirements are layered over the region's. Rules across a
/// school's documents are checked by the server at submission, not here.
pub fn file(
    catalogue: &Catalogue,
    form: &str,
    region: &str,
    municipality: Option<&str>,
    file: &Path,
    format: Format,
) -> anyhow::Result<ExitCode> {
    // Check the names before reading the file, so a typo is reported even for a bad file.
    catalogue
        .requirement_set(form, region)
        .map_err(super::lookup)?;
    if let Some(municipality) = municipality {
        catalogue
            .municipality(region, municipality)
            .map_err(super::lookup)?;
    }
    let doc = read_document(file).map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let report = catalogue
        .validate_in(form, region, municipality, &doc)
        .map_err(super::lookup)?;
    print_report(catalogue, &report, format)
}

/// Validates a document of the local replica against its region's current requirements.
pub async fn document(
    replica: Arc<Replica>,
    id: String,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let report = replica.validate(&id).await.map_err(super::client_error)?;
    print_report(replica.catalogue(), &report, format)
}

fn print_report(
    catalogue: &Catalogue,
    report: &Report,
    format: Format,
) -> anyhow::Result<ExitCode> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(report)?),
        Format::Text => print!("{}", render(catalogue, report)),
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The report as a person reads it.
pub fn render(catalogue: &Catalogue, report: &Report) -> String {
    let title = catalogue
        .form(&report.form)
        .map(|f| f.title.as_str())
        .unwrap_or(&report.form);
    let mut region = catalogue
        .region(&report.region)
        .map(|r| r.genitive.clone())
        .unwrap_or_else(|_| report.region.clone());
    if let Some(municipality) = &report.municipality {
        let name = catalogue
            .municipality(&report.region, municipality)
            .map(|m| m.genitive.as_str())
            .unwrap_or(municipality);
        region = format!("{region} и {name}");
    }
    let mut out = String::new();
    if report.valid {
        out.push_str(&format!("✓ Документ соответствует требованиям {region}.\n"));
    } else {
        out.push_str(&format!(
            "✗ Документ не соответствует требованиям {region}: ошибок — {}.\n",
            report.errors.len()
        ));
    }
    out.push_str(&format!(
        "  Форма: {title} ({} {}); требования: {} версии {}.\n",
        report.form, report.form_version, report.requirements_id, report.requirements_version
    ));
    section(&mut out, "Ошибки", &report.errors);
    section(&mut out, "Рекомендации", &report.warnings);
    out
}

/// A titled, numbered list of findings (empty when there are none).
pub fn findings(heading: &str, list: &[Finding]) -> String {
    let mut out = String::new();
    section(&mut out, heading, list);
    out
}

fn section(out: &mut String, heading: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    out.push_str(&format!("\n{heading} ({}):\n", findings.len()));
    for (i, finding) in findings.iter().enumerate() {
        let at = if finding.pointer.is_empty() {
            "/"
        } else {
            &finding.pointer
        };
        out.push_str(&format!(
            "{:>3}. {}\n     [{}] {at}\n",
            i + 1,
            finding.message,
            finding.rule
        ));
    }
}
