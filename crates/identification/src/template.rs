//! An empty indicators table for a method, and its columns documented.

use crate::method::{ColumnKind, Method, NAME_COLUMN, SCHOOL_COLUMN};

/// The header line of a CSV template (`;`-separated, as Russian spreadsheets save CSV), with
/// the given schools' codes and names below it, their other cells empty.
pub fn csv(method: &Method, schools: &[(String, String)]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let header = [SCHOOL_COLUMN, NAME_COLUMN]
        .into_iter()
        .chain(method.columns.iter().map(|c| c.name.as_str()));
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(header);
    for (code, name) in schools {
        let mut row = vec![code.as_str(), name.as_str()];
        row.resize(method.columns.len() + 2, "");
        let _ = writer.write_record(row);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The columns as a Markdown-like list: header, kind, description.
pub fn describe(method: &Method) -> String {
    let mut text = format!(
        "{} (версия {})\n{SCHOOL_COLUMN}: код школы на сервере (обязательно)\n{NAME_COLUMN}: название школы\n",
        method.title, method.version
    );
    for column in &method.columns {
        let kind = match column.kind {
            ColumnKind::Number => "число (десятичная запятая)",
            ColumnKind::Numbers => "числа через «/»",
            ColumnKind::YesNo => "да/нет",
            ColumnKind::Text => "текст",
        };
        text.push_str(&format!("{}: {kind}", column.name));
        if let Some(description) = &column.description {
            text.push_str(&format!(" — {description}"));
        }
        text.push('\n');
    }
    text
}
