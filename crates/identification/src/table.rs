//! Reading an uploaded table, CSV or XLSX, into rows of text cells.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::error::InputError;

/// A table's header and rows as text, each row with its number in the file (the header is 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header cells, trimmed.
    pub header: Vec<String>,
    /// The data rows: (row number, cells trimmed). Wholly empty rows are left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads `bytes` as XLSX when they are a ZIP archive (`PK\x03\x04`), as CSV otherwise (UTF-8,
/// optional BOM; `;` or `,` separated, whichever the header line has more of).
///
/// # Errors
///
/// [`InputError::Unreadable`] for a file that is neither, or an empty one.
pub fn read(bytes: &[u8]) -> Result<Table, InputError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        InputError::Unreadable(format!(
            "CSV не в кодировке UTF-8 (байт {}); сохраните таблицу как «CSV UTF-8»",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() >= first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| InputError::Unreadable(format!("строка {}: {e}", index + 1)))?;
        let line = record.position().map_or(index + 1, |p| p.line() as usize);
        records.push((line, record.iter().map(|c| c.trim().to_owned()).collect()));
    }
    table(records)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, InputError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| InputError::Unreadable(format!("XLSX: {e}")))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| InputError::Unreadable("в книге нет листов".to_owned()))?
        .map_err(|e| InputError::Unreadable(format!("XLSX: {e}")))?;
    // Rows as the spreadsheet numbers them, from 1, whatever the used range's start.
    let (first_row, first_col) = sheet.start().unwrap_or((0, 0));
    let records = sheet
        .rows()
        .enumerate()
        .map(|(index, row)| {
            let mut cells: Vec<String> = vec![String::new(); first_col as usize];
            cells.extend(row.iter().map(cell_text));
            (first_row as usize + index + 1, cells)
        })
        .collect();
    table(records)
}

/// A spreadsheet cell as the text a CSV would hold: numbers in their shortest form.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(true) => "да".to_owned(),
        Data::Bool(false) => "нет".to_owned(),
        other => other.to_string(),
    }
}

fn table(records: Vec<(usize, Vec<String>)>) -> Result<Table, InputError> {
    let mut records = records
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let Some((_, header)) = records.next() else {
        return Err(InputError::Unreadable("таблица пуста".to_owned()));
    };
    Ok(Table {
        header,
        rows: records.collect(),
    })
}
