//! A campaign's status as a file: one line per school and form owed, with the same columns in
//! CSV and XLSX (written by [`crate::export::table`]).

use api_types::ObligationRow;

use crate::export::{ExportError, Format, table};

/// The columns, in Russian, in order.
pub const HEADERS: [&str; 11] = [
    "Муниципалитет",
    "Школа",
    "Категория",
    "Документ",
    "Состояние",
    "Подано",
    "Одобрено",
    "Нет документа",
    "Подача просрочена",
    "Решение просрочено",
    "Итог",
];

/// The cells of one row, in [`HEADERS`]' order.
pub fn cells(row: &ObligationRow) -> Vec<String> {
    let yes_no = |flag: bool| if flag { "да" } else { "нет" }.to_owned();
    vec![
        row.municipality_name.clone(),
        row.school_name.clone(),
        row.category_ru.clone(),
        row.form_ru.clone(),
        row.status_ru.clone(),
        row.submitted_at.clone().unwrap_or_default(),
        row.approved_at.clone().unwrap_or_default(),
        yes_no(row.missing),
        yes_no(row.late_submission),
        yes_no(row.late_decision),
        row.summary_ru.clone(),
    ]
}

/// `rows` as a file in `format`.
///
/// # Errors
///
/// [`ExportError`] if the writer fails (it writes to memory, so only on a bug).
pub fn render(rows: &[ObligationRow], format: Format) -> Result<Vec<u8>, ExportError> {
    let lines: Vec<Vec<String>> = rows.iter().map(cells).collect();
    table(
        "Кампания",
        &HEADERS,
        &lines,
        &[
            30.0, 40.0, 28.0, 40.0, 24.0, 24.0, 24.0, 14.0, 18.0, 18.0, 34.0,
        ],
        format,
    )
}
