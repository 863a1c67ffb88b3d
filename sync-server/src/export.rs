//! Registry exports: the same rows as CSV (UTF-8 with a byte-order mark, so that Excel reads
//! Cyrillic correctly) or as an XLSX workbook with a bold frozen header, filters and widths.

use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};

use api_types::RegistryRow;

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl Format {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing CSV failed.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Writing XLSX failed.
    #[error("writing XLSX: {0}")]
    Xlsx(#[from] XlsxError),
    /// The CSV writer could not be finished.
    #[error("finishing CSV: {0}")]
    Finish(String),
}

/// The columns, in Russian, in order.
pub const HEADERS: [&str; 14] = [
    "Школа",
    "Муниципалитет",
    "Форма",
    "Статус",
    "Раунд",
    "Подано",
    "Одобрено",
    "Принято в реестр",
    "Начало",
    "Окончание",
    "Сумма, руб.",
    "Ключевые показатели",
    "Требования",
    "SHA-256 содержания",
];

fn cells(row: &RegistryRow) -> [String; 14] {
    [
        row.school_name.clone(),
        row.municipality_name.clone(),
        row.form_ru.clone(),
        row.status_ru.clone(),
        row.round.to_string(),
        row.submitted_at.clone(),
        row.decided_at.clone(),
        row.collected_at.clone().unwrap_or_default(),
        row.starts.clone().unwrap_or_default(),
        row.ends.clone().unwrap_or_default(),
        row.amount.map(|a| a.to_string()).unwrap_or_default(),
        row.indicators.clone(),
        row.requirements.clone(),
        row.content_sha256.clone(),
    ]
}

/// `rows` as a file in `format`.
///
/// # Errors
///
/// [`ExportError`] if the writer fails (it writes to memory, so only on a bug).
pub fn render(rows: &[RegistryRow], format: Format) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => csv(rows),
        Format::Xlsx => xlsx(rows),
    }
}

fn csv(rows: &[RegistryRow]) -> Result<Vec<u8>, ExportError> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(HEADERS)?;
        for row in rows {
            writer.write_record(cells(row))?;
        }
        writer
            .flush()
            .map_err(|e| ExportError::Finish(e.to_string()))?;
    }
    Ok(out)
}

fn xlsx(rows: &[RegistryRow]) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Реестр")?;
    let bold = CellFormat::new().set_bold().set_text_wrap();
    for (col, title) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(0, col, title, &bold)?;
    }
    for (line, row) in (1u32..).zip(rows) {
        for (col, value) in (0u16..).zip(cells(row)) {
            match (col, row.amount) {
                (4, _) => sheet.write_number(line, col, f64::from(row.round))?,
                (10, Some(amount)) => sheet.write_number(line, col, amount)?,
                _ => sheet.write_string(line, col, &value)?,
            };
        }
    }
    let widths = [40, 30, 28, 14, 7, 24, 24, 24, 12, 12, 14, 60, 32, 66];
    for (col, width) in (0u16..).zip(widths) {
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    sheet.autofilter(0, 0, last_row, 13)?;
    Ok(workbook.save_to_buffer()?)
}

/// Any table of text cells as a file in `format`: CSV as [`render`] writes it (with a
/// byte-order mark), or one XLSX sheet named `sheet` with a bold frozen header, filters and
/// the column `widths`.
///
/// # Errors
///
/// [`ExportError`] if the writer fails (it writes to memory, so only on a bug).
pub fn table(
    sheet: &str,
    headers: &[&str],
    rows: &[Vec<String>],
    widths: &[f64],
    format: Format,
) -> Result<Vec<u8>, ExportError> {
    match format {
        Format::Csv => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            {
                let mut writer = csv::Writer::from_writer(&mut out);
                writer.write_record(headers)?;
                for row in rows {
                    writer.write_record(row)?;
                }
                writer
                    .flush()
                    .map_err(|e| ExportError::Finish(e.to_string()))?;
            }
            Ok(out)
        }
        Format::Xlsx => {
            let mut workbook = Workbook::new();
            let worksheet = workbook.add_worksheet();
            worksheet.set_name(sheet)?;
            let bold = CellFormat::new().set_bold().set_text_wrap();
            for (col, title) in (0u16..).zip(headers) {
                worksheet.write_string_with_format(0, col, *title, &bold)?;
            }
            for (line, row) in (1u32..).zip(rows) {
                for (col, value) in (0u16..).zip(row) {
                    worksheet.write_string(line, col, value)?;
                }
            }
            for (col, width) in (0u16..).zip(widths) {
                worksheet.set_column_width(col, *width)?;
            }
            worksheet.set_freeze_panes(1, 0)?;
            let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
            let last_col = u16::try_from(headers.len().saturating_sub(1)).unwrap_or(0);
            worksheet.autofilter(0, 0, last_row, last_col)?;
            Ok(workbook.save_to_buffer()?)
        }
    }
}
