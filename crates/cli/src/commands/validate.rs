//! `ravenstvo validate`: one document, one form, one region, one verdict.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use ::forms::{Catalogue, Finding, Report};
use client::Replica;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Format;
use crate::input::{MAX_DOCUMENT_BYTES, parse_document, read_document};

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
    // A file in an older form version is read in the current one.
    let doc = ::forms::migrate::to_current(form, doc);
    let report = catalogue
        .validate_in(form, region, municipality, &doc)
        .map_err(super::lookup)?;
    print_report(catalogue, &report, format)
}

/// One input line of `--format json-lines`: a document with the form, region and (optional)
/// municipality to judge it by (each may be left to the command's flags).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    form: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    municipality: Option<String>,
    document: Value,
}

/// What `--form`, `--region` and `--municipality` say for the lines that do not.
#[derive(Clone, Copy)]
pub struct Defaults<'a> {
    /// The form of lines without `form`.
    pub form: Option<&'a str>,
    /// The region of lines without `region`.
    pub region: Option<&'a str>,
    /// The municipality of lines without `municipality`.
    pub municipality: Option<&'a str>,
}

/// One output line of `--format json-lines`: the input line's number (1-based) and its report,
/// or the Russian reason it could not be judged.
#[derive(Serialize)]
struct Verdict<'a> {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Validates many documents in one process, one JSON object per line of `file` (`-`: standard
/// input), printing one JSON line per input line in the same order. Blank lines are skipped.
///
/// Exit 0 when every document is valid, 1 when some is invalid, 2 when some line could not be
/// judged (bad JSON, a missing or unknown form or region); the other lines are still judged.
pub fn lines(
    catalogue: &Catalogue,
    defaults: Defaults<'_>,
    file: &Path,
) -> anyhow::Result<ExitCode> {
    let name = if file == Path::new("-") {
        "стандартный ввод".to_owned()
    } else {
        file.display().to_string()
    };
    let reader: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        let opened = std::fs::File::open(file).map_err(|e| {
            anyhow::anyhow!(
                crate::input::InputError::Io {
                    name: name.clone(),
                    error: e,
                }
                .to_string()
            )
        })?;
        Box::new(std::io::BufReader::new(opened))
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut invalid, mut unreadable) = (false, false);
    let mut buffer = Vec::new();
    let mut reader = reader.take(u64::MAX);
    for number in 1.. {
        buffer.clear();
        // Bounded per line: a line longer than a document may be is refused, not buffered.
        let limit = MAX_DOCUMENT_BYTES + 2;
        reader.set_limit(limit);
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|e| anyhow::anyhow!("{name}: не удалось прочитать: {e}"))?;
        if read == 0 {
            break;
        }
        let complete = buffer.last() == Some(&b'\n');
        if !complete && read as u64 == limit {
            let error = format!(
                "строка длиннее {} МБ; документ формы не бывает таким большим",
                MAX_DOCUMENT_BYTES / 1024 / 1024
            );
            emit(&mut out, number, None, Some(error))?;
            unreadable = true;
            // The rest of the over-long line is skipped a megabyte at a time.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                reader.set_limit(1 << 20);
                let read = reader.read_until(b'\n', &mut rest)?;
                if read == 0 || rest.last() == Some(&b'\n') {
                    break;
                }
            }
            continue;
        }
        if buffer.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match judge_line(catalogue, defaults, &name, number, &buffer) {
            Ok(report) => {
                invalid |= !report.valid;
                emit(&mut out, number, Some(&report), None)?;
            }
            Err(error) => {
                unreadable = true;
                emit(&mut out, number, None, Some(error))?;
            }
        }
    }
    out.flush()?;
    Ok(if unreadable {
        ExitCode::from(crate::EXIT_USAGE)
    } else if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The report on one input line, or the Russian reason it cannot be judged.
fn judge_line(
    catalogue: &Catalogue,
    defaults: Defaults<'_>,
    name: &str,
    number: usize,
    bytes: &[u8],
) -> Result<Report, String> {
    let value =
        parse_document(&format!("{name}, строка {number}"), bytes).map_err(|e| e.to_string())?;
    let line: Line = serde_json::from_value(value).map_err(|e| {
        format!("ожидается объект {{\"form\": …, \"region\": …, \"document\": …}} ({e})")
    })?;
    let form = line
        .form
        .as_deref()
        .or(defaults.form)
        .ok_or("не указана форма (поле \"form\" или --form)")?;
    let region = line
        .region
        .as_deref()
        .or(defaults.region)
        .ok_or("не указан регион (поле \"region\" или --region)")?;
    let municipality = line.municipality.as_deref().or(defaults.municipality);
    // A document in an older form version is read in the current one.
    let document = ::forms::migrate::to_current(form, line.document.clone());
    catalogue
        .validate_in(form, region, municipality, &document)
        .map_err(|e| e.message_ru())
}

fn emit(
    out: &mut impl Write,
    line: usize,
    report: Option<&Report>,
    error: Option<String>,
) -> anyhow::Result<()> {
    serde_json::to_writer(
        &mut *out,
        &Verdict {
            line,
            report,
            error,
        },
    )?;
    out.write_all(b"\n")?;
    Ok(())
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
        Format::JsonLines => println!("{}", serde_json::to_string(report)?),
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
