//! A table checked against a method: every cell typed, every school known, or every problem
//! named by row and column and nothing taken.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{CellError, InputError};
use crate::method::{Check, ColumnKind, Method, NAME_COLUMN, SCHOOL_COLUMN};
use crate::number;
use crate::table::Table;

/// A cell's value, typed by its column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Left empty: indicators reading it are not assessed.
    Empty,
    /// A number.
    Number(f64),
    /// Several numbers.
    Numbers(Vec<f64>),
    /// `да` / `нет`.
    YesNo(bool),
    /// Text.
    Text(String),
}

/// One school's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRow {
    /// Its row in the table (the header is 1).
    pub row: usize,
    /// The school's organisation id.
    pub school: String,
    /// Its name as the table gives it.
    pub name: String,
    /// The method's columns' values, by header.
    pub cells: HashMap<String, Cell>,
}

/// A whole table, accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Its schools, in table order.
    pub schools: Vec<SchoolRow>,
}

/// Checks `table` against `method`. `known`: the schools the table may name (the region's or
/// municipality's, from the server's records); `None` takes any code (a local preview).
///
/// # Errors
///
/// [`InputError::Cells`] with every problem: a missing, unknown or repeated column, an empty
/// or unknown or repeated school code, a cell not of its column's kind, a decision without
/// its basis.
pub fn parse(
    table: &Table,
    method: &Method,
    known: Option<&BTreeSet<String>>,
) -> Result<Input, InputError> {
    let mut errors = Vec::new();
    let mut positions: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, name) in table.header.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if positions.insert(name.as_str(), index).is_some() {
            errors.push(CellError {
                row: Some(1),
                column: Some(name.clone()),
                message: "столбец повторяется".to_owned(),
            });
        } else if name != SCHOOL_COLUMN && name != NAME_COLUMN && method.column(name).is_none() {
            errors.push(CellError {
                row: Some(1),
                column: Some(name.clone()),
                message: "такого столбца в методике нет (возьмите заголовки из шаблона: ravenstvo identify --template)".to_owned(),
            });
        }
    }
    let expected = [SCHOOL_COLUMN, NAME_COLUMN]
        .into_iter()
        .chain(method.columns.iter().map(|c| c.name.as_str()));
    for name in expected {
        if !positions.contains_key(name) {
            errors.push(CellError {
                row: None,
                column: Some(name.to_owned()),
                message: "нет столбца".to_owned(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(InputError::Cells(errors));
    }
    let bases: Vec<(&str, &str)> = method
        .indicators()
        .filter_map(|(_, indicator)| match &indicator.check {
            Check::Flag {
                flag,
                basis: Some(basis),
            } => Some((flag.as_str(), basis.as_str())),
            _ => None,
        })
        .collect();
    fn text_at<'c>(positions: &BTreeMap<&str, usize>, cells: &'c [String], name: &str) -> &'c str {
        positions
            .get(name)
            .and_then(|&i| cells.get(i))
            .map_or("", String::as_str)
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut schools = Vec::new();
    if table.rows.is_empty() {
        errors.push(CellError {
            row: None,
            column: None,
            message: "в таблице нет ни одной школы".to_owned(),
        });
    }
    for (row, cells) in &table.rows {
        let row = *row;
        let school = text_at(&positions, cells, SCHOOL_COLUMN).to_owned();
        let mut bad = |column: &str, message: String| {
            errors.push(CellError {
                row: Some(row),
                column: Some(column.to_owned()),
                message,
            });
        };
        if school.is_empty() {
            bad(SCHOOL_COLUMN, "не указан код школы".to_owned());
        } else if let Some(first) = seen.insert(school.clone(), row) {
            bad(
                SCHOOL_COLUMN,
                format!("школа «{school}» уже есть в строке {first}"),
            );
        } else if known.is_some_and(|known| !known.contains(&school)) {
            bad(
                SCHOOL_COLUMN,
                format!(
                    "школы с кодом «{school}» нет среди школ, для которых проводится идентификация"
                ),
            );
        }
        let mut values = HashMap::new();
        for column in &method.columns {
            let text = text_at(&positions, cells, &column.name);
            let cell = match typed(text, column.kind) {
                Ok(cell) => cell,
                Err(message) => {
                    bad(&column.name, message);
                    continue;
                }
            };
            values.insert(column.name.clone(), cell);
        }
        for (flag, basis) in &bases {
            if values.get(*flag) == Some(&Cell::YesNo(true))
                && matches!(values.get(*basis), Some(Cell::Empty) | None)
            {
                bad(
                    basis,
                    format!("школа включена («{flag}»: да), укажите основание решения"),
                );
            }
        }
        schools.push(SchoolRow {
            row,
            school,
            name: text_at(&positions, cells, NAME_COLUMN).to_owned(),
            cells: values,
        });
    }
    if errors.is_empty() {
        Ok(Input { schools })
    } else {
        Err(InputError::Cells(errors))
    }
}

/// A cell's text as its column's kind.
fn typed(text: &str, kind: ColumnKind) -> Result<Cell, String> {
    if text.is_empty() {
        return Ok(Cell::Empty);
    }
    match kind {
        ColumnKind::Number => number::parse(text).map(Cell::Number),
        ColumnKind::Numbers => text
            .split('/')
            .map(|part| number::parse(part.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Cell::Numbers),
        ColumnKind::YesNo => match text.to_lowercase().as_str() {
            "да" => Ok(Cell::YesNo(true)),
            "нет" => Ok(Cell::YesNo(false)),
            _ => Err(format!("ожидается «да» или «нет», а не «{text}»")),
        },
        ColumnKind::Text => Ok(Cell::Text(text.to_owned())),
    }
}
