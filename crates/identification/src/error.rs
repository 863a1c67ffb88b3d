//! What can go wrong: a broken method file, an unreadable table, bad cells.

use std::path::PathBuf;

use serde::Serialize;

/// A method file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a method.
    #[error("{path}: {source}")]
    Parse {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// The method contradicts itself.
    #[error("{path}: {problem}")]
    Invalid {
        /// Which file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// One problem of an uploaded table, at a row and column when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    /// The table's row, counting the header as 1 (as a spreadsheet numbers it); `None` for the
    /// table as a whole (a missing column).
    pub row: Option<usize>,
    /// The column's header, when the problem is in one column.
    pub column: Option<String>,
    /// What is wrong, in Russian.
    pub message: String,
}

impl CellError {
    /// The problem as people read it: «строка 4, «ОГЭ, …»: не число: «три»».
    pub fn message_ru(&self) -> String {
        match (&self.row, &self.column) {
            (Some(row), Some(column)) => format!("строка {row}, «{column}»: {}", self.message),
            (Some(row), None) => format!("строка {row}: {}", self.message),
            (None, Some(column)) => format!("столбец «{column}»: {}", self.message),
            (None, None) => self.message.clone(),
        }
    }
}

/// Why a table was refused; nothing of it is used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The bytes are not a table we read.
    #[error("unreadable table: {0}")]
    Unreadable(String),
    /// Rows or columns are wrong: every problem found.
    #[error("{} problems in the table", .0.len())]
    Cells(Vec<CellError>),
}

impl InputError {
    /// Every problem, one per line, in Russian.
    pub fn message_ru(&self) -> String {
        match self {
            InputError::Unreadable(why) => format!("таблицу не прочитать: {why}"),
            InputError::Cells(errors) => {
                let mut text = format!("в таблице ошибок: {}; ничего не принято", errors.len());
                for error in errors {
                    text.push('\n');
                    text.push_str(&error.message_ru());
                }
                text
            }
        }
    }

    /// The problems with their places (empty for an unreadable table).
    pub fn cells(&self) -> &[CellError] {
        match self {
            InputError::Unreadable(_) => &[],
            InputError::Cells(errors) => errors,
        }
    }
}
