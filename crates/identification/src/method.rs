//! A place's method of identification as data: `identification.json` beside its requirement
//! sets (`forms/regions/<region>/` or `…/municipalities/<municipality>/`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::LoadError;

/// The name of a method's file in a region's or municipality's folder.
pub const FILE_NAME: &str = "identification.json";

/// The column every table has first: the school's organisation id on the server.
pub const SCHOOL_COLUMN: &str = "Код школы";
/// The column every table has second: the school's name, for people (not checked).
pub const NAME_COLUMN: &str = "Школа";

/// One place's method: its columns and the categories it assigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// `<region>/identification` or `<region>/<municipality>/identification`.
    pub id: String,
    /// Raised whenever the method changes (`2025.1` → `2025.2`).
    pub version: String,
    /// From when the method applies (`YYYY-MM-DD`).
    pub effective_from: String,
    /// What the method is, in Russian.
    pub title: String,
    /// The document that establishes it.
    pub basis: String,
    /// Whose schools one table must cover: the whole `region` (a ranking over all of them) or
    /// a `municipality`.
    pub scope: Scope,
    /// What the method leaves to people (a register without thresholds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The table's columns after [`SCHOOL_COLUMN`] and [`NAME_COLUMN`], in template order.
    pub columns: Vec<Column>,
    /// The categories a school may be assigned, each by its own indicators.
    pub categories: Vec<Category>,
}

/// Whose schools one table covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every school of the region (rankings are over all of them).
    Region,
    /// The schools of one municipality.
    Municipality,
}

/// A column of the indicators table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Its header, in Russian, exactly as the table must spell it.
    pub name: String,
    /// What its cells hold.
    #[serde(rename = "type")]
    pub kind: ColumnKind,
    /// What to put there, for the template's documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a column's cells hold. An empty cell is always allowed: the indicators reading it
/// are then not assessed for that school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// A number, with a decimal comma or point (`3,31`).
    Number,
    /// Numbers separated by `/` (`38/40/55`).
    Numbers,
    /// `да` or `нет`.
    YesNo,
    /// Free text.
    Text,
}

/// A category of school (a type, a register entry) and how a school is assigned to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// A code (`low_results`).
    pub id: String,
    /// The category in Russian.
    pub title: String,
    /// The programme form's «Категория школы» code (`low_results`, `adverse_conditions`) this
    /// category stands for, when it stands for one; rules reading the school's category see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// How many of its indicators must hold.
    pub assign: Assign,
    /// Where the source names the category (`file:line`).
    pub source: String,
    /// The source's words.
    pub quote: String,
    /// Its indicators.
    pub indicators: Vec<Indicator>,
}

/// How many indicators of a category must hold for a school to be assigned to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assign {
    /// At least this many.
    pub at_least: usize,
    /// Out of how many possible, as the source counts them (for the reason line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<usize>,
    /// Where the count is ravenstvo's reading rather than the source's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One indicator: a numbered statement of the source and its check on a school's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Its number in the source (`4.2`).
    pub id: String,
    /// The criterion it belongs to, when the source groups indicators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<String>,
    /// The indicator as the source states it.
    pub text: String,
    /// What the reason line names (`средний балл ОГЭ по русскому языку`).
    pub label: String,
    /// The check.
    pub check: Check,
    /// How the check reads words the source leaves open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the source states it (`file:line` or `file:first-last`).
    pub source: String,
    /// The source's words.
    pub quote: String,
}

/// Columns whose values are added (one column is a sum of one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    /// One column.
    One(String),
    /// The sum of several.
    Sum(Vec<String>),
}

impl Columns {
    /// The columns named.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Columns::One(name) => vec![name.as_str()],
            Columns::Sum(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

/// A comparison operator, as the source's words fix the boundary: «менее», «ниже» are `<`,
/// «и ниже» is `<=`, «более» is `>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Strictly less.
    #[serde(rename = "<")]
    Less,
    /// Less or equal.
    #[serde(rename = "<=")]
    LessOrEqual,
    /// Strictly greater.
    #[serde(rename = ">")]
    Greater,
    /// Greater or equal.
    #[serde(rename = ">=")]
    GreaterOrEqual,
}

impl Op {
    /// Whether `left op right`.
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Op::Less => left < right,
            Op::LessOrEqual => left <= right,
            Op::Greater => left > right,
            Op::GreaterOrEqual => left >= right,
        }
    }

    /// The sign in a reason line.
    pub fn sign(self) -> &'static str {
        match self {
            Op::Less => "<",
            Op::LessOrEqual => "≤",
            Op::Greater => ">",
            Op::GreaterOrEqual => "≥",
        }
    }
}

/// How an indicator is checked on a school's row (exactly one shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Check {
    /// Every part holds (each a comparison).
    All {
        /// The parts.
        all: Vec<Comparison>,
    },
    /// At least `at_least` of the values in a `numbers` column satisfy `op than`.
    Count {
        /// The `numbers` column.
        values: String,
        /// The comparison of each value.
        op: Op,
        /// With what.
        than: f64,
        /// How many must satisfy it.
        at_least: usize,
    },
    /// The school is among the `share` per cent of schools with the lowest value of the column,
    /// ranked over every school of the table that has one.
    Lowest {
        /// The ranked column.
        lowest: String,
        /// The share, in per cent.
        share: f64,
    },
    /// A `yes_no` column says `да`; with `basis`, the decision's basis (required then) is the
    /// reason.
    Flag {
        /// The `yes_no` column.
        flag: String,
        /// The `text` column with the basis of the decision.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<String>,
    },
    /// One comparison.
    Compare(Comparison),
}

/// `value [− minus] op (than | than_column)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// The compared value: a column, or the sum of several.
    pub value: Columns,
    /// Subtracted from `value` (a column or a sum): a gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minus: Option<Columns>,
    /// The operator.
    pub op: Op,
    /// A fixed bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub than: Option<f64>,
    /// A bound read from another column (the regional average).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub than_column: Option<String>,
    /// What the bound from a column is called in the reason (`среднерегиональный`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub than_label: Option<String>,
    /// The part's name within an `all` check (`русский язык`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Method {
    /// Reads and checks a method file.
    ///
    /// # Errors
    ///
    /// [`LoadError`] if the file cannot be read or parsed, or names a column it does not
    /// declare, a column of the wrong kind, or a comparison without exactly one bound.
    pub fn load(path: &Path) -> Result<Method, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        let method: Method = serde_json::from_str(&text).map_err(|source| LoadError::Parse {
            path: path.to_owned(),
            source,
        })?;
        method.check().map_err(|problem| LoadError::Invalid {
            path: path.to_owned(),
            problem,
        })?;
        Ok(method)
    }

    /// The method of a place under `forms_dir`: the municipality's when it has one, else the
    /// region's; `None` when neither has a method.
    ///
    /// # Errors
    ///
    /// [`LoadError`] if the method file is broken.
    pub fn find(
        forms_dir: &Path,
        region: &str,
        municipality: Option<&str>,
    ) -> Result<Option<Method>, LoadError> {
        let path = Self::path(forms_dir, region, municipality);
        if path.is_file() {
            Method::load(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Where a place's method lives.
    pub fn path(forms_dir: &Path, region: &str, municipality: Option<&str>) -> PathBuf {
        let mut path = forms_dir.join("regions").join(region);
        if let Some(municipality) = municipality {
            path = path.join("municipalities").join(municipality);
        }
        path.join(FILE_NAME)
    }

    /// A declared column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Every indicator, with its category.
    pub fn indicators(&self) -> impl Iterator<Item = (&Category, &Indicator)> {
        self.categories
            .iter()
            .flat_map(|c| c.indicators.iter().map(move |i| (c, i)))
    }

    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for column in &self.columns {
            if column.name == SCHOOL_COLUMN || column.name == NAME_COLUMN {
                return Err(format!("column {:?} is implicit", column.name));
            }
            if !names.insert(column.name.as_str()) {
                return Err(format!("column {:?} declared twice", column.name));
            }
        }
        let want = |name: &str, kind: ColumnKind, at: &str| match self.column(name) {
            Some(column) if column.kind == kind => Ok(()),
            Some(column) => Err(format!(
                "{at}: column {name:?} is {:?}, the check needs {kind:?}",
                column.kind
            )),
            None => Err(format!("{at}: no column {name:?}")),
        };
        if self.categories.is_empty() {
            return Err("no categories".to_owned());
        }
        for (category, indicator) in self.indicators() {
            let at = format!("{} {}", category.id, indicator.id);
            let comparison = |c: &Comparison| {
                let minus = c.minus.as_ref().map(Columns::names).unwrap_or_default();
                for name in c.value.names().into_iter().chain(minus) {
                    want(name, ColumnKind::Number, &at)?;
                }
                match (&c.than, &c.than_column) {
                    (Some(_), None) => Ok(()),
                    (None, Some(name)) => want(name, ColumnKind::Number, &at),
                    _ => Err(format!("{at}: give exactly one of than, than_column")),
                }
            };
            match &indicator.check {
                Check::Compare(c) => comparison(c)?,
                Check::All { all } => {
                    if all.is_empty() {
                        return Err(format!("{at}: empty all"));
                    }
                    all.iter().try_for_each(comparison)?;
                }
                Check::Count { values, .. } => want(values, ColumnKind::Numbers, &at)?,
                Check::Lowest { lowest, share } => {
                    want(lowest, ColumnKind::Number, &at)?;
                    if !(*share > 0.0 && *share <= 100.0) {
                        return Err(format!("{at}: share must be in (0, 100]"));
                    }
                }
                Check::Flag { flag, basis } => {
                    want(flag, ColumnKind::YesNo, &at)?;
                    if let Some(basis) = basis {
                        want(basis, ColumnKind::Text, &at)?;
                    }
                }
            }
        }
        for category in &self.categories {
            if category.assign.at_least == 0 || category.assign.at_least > category.indicators.len()
            {
                return Err(format!(
                    "{}: at_least must be between 1 and the number of indicators",
                    category.id
                ));
            }
        }
        Ok(())
    }
}

/// Every place's method under a `forms/` folder, by (region, municipality).
#[derive(Debug, Clone, Default)]
pub struct Methods(std::collections::BTreeMap<(String, Option<String>), Method>);

impl Methods {
    /// Reads `regions/*/identification.json` and `regions/*/municipalities/*/identification.json`.
    ///
    /// # Errors
    ///
    /// [`LoadError`] for a broken method file or an unreadable folder.
    pub fn load(forms_dir: &Path) -> Result<Methods, LoadError> {
        let folders = |dir: &Path| -> Result<Vec<(String, PathBuf)>, LoadError> {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return Ok(Vec::new());
            };
            let mut found = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|source| LoadError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
                if entry.path().is_dir() {
                    found.push((
                        entry.file_name().to_string_lossy().into_owned(),
                        entry.path(),
                    ));
                }
            }
            Ok(found)
        };
        let mut methods = std::collections::BTreeMap::new();
        for (region, path) in folders(&forms_dir.join("regions"))? {
            if let Some(method) = Method::find(forms_dir, &region, None)? {
                methods.insert((region.clone(), None), method);
            }
            for (municipality, _) in folders(&path.join("municipalities"))? {
                if let Some(method) = Method::find(forms_dir, &region, Some(&municipality))? {
                    methods.insert((region.clone(), Some(municipality)), method);
                }
            }
        }
        Ok(Methods(methods))
    }

    /// The method of exactly this place.
    pub fn get(&self, region: &str, municipality: Option<&str>) -> Option<&Method> {
        self.0
            .get(&(region.to_owned(), municipality.map(str::to_owned)))
    }

    /// Every place with a method: (region, municipality, method).
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>, &Method)> {
        self.0
            .iter()
            .map(|((r, m), method)| (r.as_str(), m.as_deref(), method))
    }
}
