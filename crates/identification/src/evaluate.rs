//! A method applied to a table: each school's categories, with the reasons in Russian.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::input::{Cell, Input, SchoolRow};
use crate::method::{Category, Check, Columns, Comparison, Indicator, Method};
use crate::number::{clean, russian};

/// One school's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolResult {
    /// The school's organisation id.
    pub school: String,
    /// Its name as the table gave it.
    pub name: String,
    /// The categories it is assigned to (ids of the method's categories), in method order.
    pub categories: Vec<String>,
    /// The programme form's «Категория школы» code these stand for (`low_results`,
    /// `adverse_conditions`, `both`), or `None` when none does.
    pub status: Option<String>,
    /// Why: per category a summary line, then each indicator found
    /// («4.2: средний балл ОГЭ по русскому языку 3,31 < 3,5»), then those not assessed.
    pub reasons: Vec<String>,
}

/// The status code a set of form statuses makes.
fn combined(statuses: &[&str]) -> Option<String> {
    let low = statuses.contains(&"low_results");
    let adverse = statuses.contains(&"adverse_conditions");
    match (low, adverse) {
        (true, true) => Some("both".to_owned()),
        (true, false) => Some("low_results".to_owned()),
        (false, true) => Some("adverse_conditions".to_owned()),
        (false, false) => None,
    }
}

/// Applies `method` to every school of `input`, in table order.
pub fn evaluate(method: &Method, input: &Input) -> Vec<SchoolResult> {
    let rankings = Rankings::of(method, input);
    input
        .schools
        .iter()
        .map(|row| school(method, &rankings, row))
        .collect()
}

fn school(method: &Method, rankings: &Rankings, row: &SchoolRow) -> SchoolResult {
    let mut categories = Vec::new();
    let mut statuses = Vec::new();
    let mut reasons = Vec::new();
    for category in &method.categories {
        let mut found = Vec::new();
        let mut unassessed = Vec::new();
        for indicator in &category.indicators {
            match judge(indicator, row, rankings) {
                Verdict::Holds(reason) => found.push(format!("{}: {reason}", indicator.id)),
                Verdict::Fails => {}
                Verdict::Unassessed => unassessed.push(indicator.id.clone()),
            }
        }
        let assigned = found.len() >= category.assign.at_least;
        reasons.push(summary(category, found.len(), assigned));
        reasons.extend(found);
        if !unassessed.is_empty() {
            reasons.push(format!(
                "не оценены (нет данных): {}",
                unassessed.join(", ")
            ));
        }
        if assigned {
            categories.push(category.id.clone());
            if let Some(status) = &category.status {
                statuses.push(status.as_str());
            }
        }
    }
    SchoolResult {
        school: row.school.clone(),
        name: row.name.clone(),
        categories,
        status: combined(&statuses),
        reasons,
    }
}

/// «Школа с низкими результатами обучения: выявлено показателей — 5 из 12 (нужно 5 и более)».
fn summary(category: &Category, found: usize, assigned: bool) -> String {
    let of = category
        .assign
        .of
        .map(|of| format!(" из {of}"))
        .unwrap_or_default();
    let verdict = if assigned {
        "относится"
    } else {
        "не относится"
    };
    format!(
        "{}: {verdict} (выявлено показателей — {found}{of}, нужно {} и более)",
        category.title, category.assign.at_least
    )
}

enum Verdict {
    Holds(String),
    Fails,
    Unassessed,
}

fn number(row: &SchoolRow, column: &str) -> Option<f64> {
    match row.cells.get(column) {
        Some(Cell::Number(n)) => Some(*n),
        _ => None,
    }
}

fn sum(row: &SchoolRow, columns: &Columns) -> Option<f64> {
    columns
        .names()
        .into_iter()
        .map(|c| number(row, c))
        .sum::<Option<f64>>()
        .map(clean)
}

/// A comparison's verdict and, when it holds, its words without the indicator's number.
fn compare(c: &Comparison, label: &str, row: &SchoolRow) -> Option<(bool, String)> {
    let mut value = sum(row, &c.value)?;
    if let Some(minus) = &c.minus {
        value = clean(value - sum(row, minus)?);
    }
    let (bound, named) = match (&c.than, &c.than_column) {
        (Some(than), _) => (*than, String::new()),
        (None, Some(column)) => (
            number(row, column)?,
            c.than_label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default(),
        ),
        (None, None) => return None,
    };
    let text = format!(
        "{label} {} {} {}{named}",
        russian(value),
        c.op.sign(),
        russian(bound)
    );
    Some((c.op.holds(value, bound), text))
}

fn judge(indicator: &Indicator, row: &SchoolRow, rankings: &Rankings) -> Verdict {
    let label = indicator.label.as_str();
    match &indicator.check {
        Check::Compare(c) => match compare(c, label, row) {
            Some((true, text)) => Verdict::Holds(text),
            Some((false, _)) => Verdict::Fails,
            None => Verdict::Unassessed,
        },
        Check::All { all } => {
            let mut parts = Vec::new();
            for part in all {
                let name = part.label.as_deref().unwrap_or("");
                match compare(part, name, row) {
                    Some((true, text)) => parts.push(text),
                    Some((false, _)) => return Verdict::Fails,
                    None => return Verdict::Unassessed,
                }
            }
            Verdict::Holds(format!("{label}: {}", parts.join("; ")))
        }
        Check::Count {
            values,
            op,
            than,
            at_least,
        } => match row.cells.get(values) {
            Some(Cell::Numbers(numbers)) => {
                let count = numbers.iter().filter(|v| op.holds(**v, *than)).count();
                if count >= *at_least {
                    let listed: Vec<String> = numbers.iter().map(|v| russian(*v)).collect();
                    Verdict::Holds(format!(
                        "{label}: {count} из {} ({}) ≥ {at_least}",
                        numbers.len(),
                        listed.join("; ")
                    ))
                } else {
                    Verdict::Fails
                }
            }
            _ => Verdict::Unassessed,
        },
        Check::Lowest { lowest, share } => {
            let Some(value) = number(row, lowest) else {
                return Verdict::Unassessed;
            };
            let Some(ranking) = rankings.0.get(lowest.as_str()) else {
                return Verdict::Unassessed;
            };
            let place = ranking.place(value);
            if place <= ranking.taken {
                Verdict::Holds(format!(
                    "{label} {} — среди {} % школ с самыми низкими значениями (место {place} из {}; в {} % входят места 1–{})",
                    russian(value),
                    russian(*share),
                    ranking.sorted.len(),
                    russian(*share),
                    ranking.taken
                ))
            } else {
                Verdict::Fails
            }
        }
        Check::Flag { flag, basis } => match row.cells.get(flag) {
            Some(Cell::YesNo(true)) => {
                let why = basis
                    .as_ref()
                    .and_then(|b| match row.cells.get(b) {
                        Some(Cell::Text(text)) => Some(format!(" — основание: {text}")),
                        _ => None,
                    })
                    .unwrap_or_default();
                Verdict::Holds(format!("{label}: да{why}"))
            }
            Some(Cell::YesNo(false)) => Verdict::Fails,
            _ => Verdict::Unassessed,
        },
    }
}

/// The ranked columns' values over the whole table.
struct Rankings<'m>(HashMap<&'m str, Ranking>);

/// One ranked column: every school's value (schools without one are not ranked), ascending,
/// and how many places the lowest share takes.
struct Ranking {
    sorted: Vec<f64>,
    /// ⌈share × N / 100⌉ places: 25 % of 10 schools is 3.
    taken: usize,
}

impl Ranking {
    /// 1 + the number of schools with a strictly lower value: tied schools share a place, so
    /// a tie at the boundary takes in every tied school.
    fn place(&self, value: f64) -> usize {
        1 + self.sorted.partition_point(|v| *v < value)
    }
}

impl<'m> Rankings<'m> {
    fn of(method: &'m Method, input: &Input) -> Rankings<'m> {
        let mut rankings = HashMap::new();
        for (_, indicator) in method.indicators() {
            if let Check::Lowest { lowest, share } = &indicator.check {
                let mut sorted: Vec<f64> = input
                    .schools
                    .iter()
                    .filter_map(|row| number(row, lowest))
                    .collect();
                sorted.sort_by(f64::total_cmp);
                let taken = clean(share * sorted.len() as f64 / 100.0).ceil() as usize;
                rankings.insert(lowest.as_str(), Ranking { sorted, taken });
            }
        }
        Rankings(rankings)
    }
}
