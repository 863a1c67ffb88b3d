//! The `sequence` check of a rule: stages of a repeated procedure (monitoring: entry →
//! intermediate → final) come in order within each cycle.
//!
//! Rows with a stage and a dated timing are taken in the order of their earliest day. A cycle
//! starts at the first such row, and again at every row of the first stage and at every row in
//! a later calendar year than the cycle's start: a multi-year programme runs its monitoring
//! anew each year. Within a cycle a row whose stage comes before a stage already seen is out of
//! order; the finding names that earlier-seen row. Rows without a stage (a region that does not
//! stage its monitoring) and rows without dates (`ежегодно`) are not compared.

use serde::Deserialize;
use serde_json::Value;

use crate::pointer;
use crate::timing::{Day, Timing};

/// A `sequence` as written in a rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSequence {
    /// Pointer (within a row) of the stage code.
    stage: String,
    /// Pointer (within a row) of the row's timing.
    timing: String,
    /// The stages in their order, each with its Russian name.
    order: Vec<RawStage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    stage: String,
    title: String,
}

/// A compiled `sequence` check.
#[derive(Debug)]
pub(crate) struct Sequence {
    stage: Vec<String>,
    timing: Vec<String>,
    /// (code, Russian name), in order.
    order: Vec<(String, String)>,
}

/// One row found out of order: its index, and the message naming the row it comes after.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OutOfOrder {
    pub(crate) index: usize,
    pub(crate) detail: String,
}

impl Sequence {
    /// Compiles a rule's `sequence`; `Err` says what is wrong with it.
    pub(crate) fn compile(raw: RawSequence) -> Result<Sequence, String> {
        if raw.order.len() < 2 {
            return Err("a sequence needs at least two stages".to_owned());
        }
        Ok(Sequence {
            stage: pointer::segments(&raw.stage),
            timing: pointer::segments(&raw.timing),
            order: raw.order.into_iter().map(|s| (s.stage, s.title)).collect(),
        })
    }

    /// The rows of `items` out of order, in the order of the rows.
    pub(crate) fn check(&self, items: &[Value]) -> Vec<OutOfOrder> {
        struct Staged {
            index: usize,
            rank: usize,
            first: Day,
            timing: Timing,
        }
        let mut staged: Vec<Staged> = items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                let code = pointer::value_at(item, &self.stage)?.as_str()?;
                let rank = self.order.iter().position(|(c, _)| c == code)?;
                let timing = Timing::parse(pointer::value_at(item, &self.timing)?)?;
                let first = timing.first_day()?;
                Some(Staged {
                    index,
                    rank,
                    first,
                    timing,
                })
            })
            .collect();
        staged.sort_by_key(|s| (s.first, s.index));
        let mut found = Vec::new();
        let mut cycle_year = None;
        let mut furthest: Option<&Staged> = None;
        for row in &staged {
            if row.rank == 0 || cycle_year != Some(row.first.year) {
                cycle_year = Some(row.first.year);
                furthest = None;
            }
            match furthest {
                Some(before) if before.rank > row.rank => found.push(OutOfOrder {
                    index: row.index,
                    detail: format!(
                        "этап «{}» ({}) идёт после этапа «{}» ({}, строка {}) того же цикла",
                        self.order[row.rank].1,
                        row.timing.russian(),
                        self.order[before.rank].1,
                        before.timing.russian(),
                        before.index + 1
                    ),
                }),
                Some(before) if before.rank >= row.rank => {}
                _ => furthest = Some(row),
            }
        }
        found.sort_by_key(|f| f.index);
        found
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn monitoring() -> Sequence {
        Sequence::compile(
            serde_json::from_value(json!({
                "stage": "/stage",
                "timing": "/timing",
                "order": [
                    {"stage": "entry", "title": "входной"},
                    {"stage": "intermediate", "title": "промежуточный"},
                    {"stage": "final", "title": "итоговый"}
                ]
            }))
            .unwrap(),
        )
        .unwrap()
    }

    fn row(stage: &str, at: &str) -> Value {
        json!({"stage": stage, "timing": {"at": at}})
    }

    #[test]
    fn every_year_of_the_kadoshkino_roadmap_runs_its_own_cycle() {
        // 002:389–394 and 480–485: entry, intermediate, final every year.
        let rows = [
            row("entry", "2022-02"),
            row("intermediate", "2022-06"),
            row("final", "2022-11"),
            row("entry", "2023-02"),
            row("intermediate", "2023-06"),
            row("final", "2023-11"),
        ];
        assert_eq!(monitoring().check(&rows), vec![]);
    }

    #[test]
    fn a_stage_before_one_already_held_in_its_cycle_is_named_with_it() {
        let rows = [
            row("entry", "2025-09"),
            row("final", "2025-10"),
            row("intermediate", "2025-12"),
        ];
        let found = monitoring().check(&rows);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].index, 2);
        assert_eq!(
            found[0].detail,
            "этап «промежуточный» (декабрь 2025) идёт после этапа «итоговый» (октябрь 2025, строка 2) того же цикла"
        );
    }

    #[test]
    fn unstaged_and_undated_rows_are_not_compared() {
        let rows = [
            json!({"timing": {"at": "2025-09"}}),
            json!({"stage": "final", "timing": {"recurring": "annually"}}),
            row("intermediate", "2025-12"),
        ];
        assert_eq!(monitoring().check(&rows), vec![]);
    }
}
