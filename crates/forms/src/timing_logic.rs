//! The timing operators ([`crate::timing`]) registered with the JSON Logic engine, so that
//! rules the fast path does not take still understand them.

use datalogic_rs::bumpalo::Bump;
use datalogic_rs::operator::EvalContext;
use datalogic_rs::{ArenaExt, CustomOperator, DataValue, Engine};
use serde_json::Value;

use crate::timing;

/// The engine every rule is compiled with: datalogic-rs's operators and ours on timings.
pub(crate) fn engine() -> Engine {
    timing::OPERATORS
        .iter()
        .fold(Engine::builder(), |builder, name| {
            builder.add_operator(*name, TimingOperator(name))
        })
        .build()
}

/// One operator of [`timing::operator`], by name.
struct TimingOperator(&'static str);

impl CustomOperator for TimingOperator {
    fn evaluate<'a>(
        &self,
        args: &[&'a DataValue<'a>],
        _ctx: &mut EvalContext<'_, 'a>,
        arena: &'a Bump,
    ) -> datalogic_rs::Result<&'a DataValue<'a>> {
        let values: Vec<Value> = args.iter().map(|a| to_json(a)).collect();
        let refs: Vec<&Value> = values.iter().collect();
        Ok(match timing::operator(self.0, &refs) {
            Some(Value::Bool(b)) => arena.bool(b),
            Some(Value::String(s)) => arena.string(&s),
            _ => arena.null(),
        })
    }
}

/// The plain JSON a timing operator reads. Depth is bounded: documents deeper than
/// [`crate::MAX_DEPTH`] never reach a rule, and rule literals are written by us.
fn to_json(value: &DataValue<'_>) -> Value {
    match value {
        DataValue::Null => Value::Null,
        DataValue::Bool(b) => Value::Bool(*b),
        DataValue::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => serde_json::Number::from_f64(n.as_f64()).map_or(Value::Null, Value::Number),
        },
        DataValue::String(s) => Value::String((*s).to_owned()),
        DataValue::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        DataValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), to_json(v)))
                .collect(),
        ),
        #[allow(unreachable_patterns)]
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_answers_like_the_module() {
        let engine = engine();
        let cases = [
            (
                r#"{"timing_ordered": [{"var": "t"}]}"#,
                r#"{"t": {"from": "2022-09", "to": "2021-11"}}"#,
                "false",
            ),
            (
                r#"{"timing_within": [{"var": "t"}, "2025-09-01", "2026-05-31"]}"#,
                r#"{"t": {"at": "2025-09"}}"#,
                "true",
            ),
            (
                r#"{"timing_within": [{"var": "t"}, "2025-09-01", "2026-05-31"]}"#,
                r#"{"t": {"at": "2026-06"}}"#,
                "false",
            ),
            (
                r#"{"timing_first": [{"var": "t"}]}"#,
                r#"{"t": {"intervals": [{"at": "2022-06"}, {"at": "2022-02"}]}}"#,
                "\"2022-02-01\"",
            ),
            (
                r#"{"timing_last": [{"var": "t"}]}"#,
                r#"{"t": {"recurring": "annually"}}"#,
                "null",
            ),
        ];
        for (logic, data, expected) in cases {
            let result = engine.eval_str(logic, data).expect("evaluates");
            assert_eq!(result, expected, "{logic} on {data}");
        }
    }

    mod agreement {
        use proptest::prelude::*;
        use serde_json::{Value, json};

        use crate::fast_logic::{Fast, Layout, Scope, Test, memory, resolve_row};

        /// Moments as people type them: real ones at three precisions, and a few that are not.
        fn moment() -> impl Strategy<Value = Value> {
            prop_oneof![
                4 => (2024u16..2028, 1u8..13, 1u8..29)
                    .prop_map(|(y, m, d)| json!(format!("{y}-{m:02}-{d:02}"))),
                4 => (2024u16..2028, 1u8..13).prop_map(|(y, m)| json!(format!("{y}-{m:02}"))),
                2 => (2024u16..2028).prop_map(|y| json!(y.to_string())),
                1 => prop_oneof![Just(json!("2025-02-30")), Just(json!("сентябрь")), Just(json!(7))],
            ]
        }

        fn timing() -> impl Strategy<Value = Value> {
            let part = prop_oneof![
                moment().prop_map(|at| json!({ "at": at })),
                (moment(), moment()).prop_map(|(from, to)| json!({"from": from, "to": to})),
            ];
            prop_oneof![
                moment().prop_map(|at| json!({ "at": at })),
                (moment(), moment()).prop_map(|(from, to)| json!({"from": from, "to": to})),
                prop::collection::vec(part, 0..4).prop_map(|parts| json!({ "intervals": parts })),
                prop_oneof![Just("annually"), Just("as_needed"), Just("weekly")]
                    .prop_map(|kind| json!({ "recurring": kind })),
                Just(Value::Null),
                Just(json!("2025-09")),
            ]
        }

        fn rule() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(json!({"timing_ordered": [{"var": "item.t"}]})),
                Just(
                    json!({"timing_within": [{"var": "item.t"}, {"var": "doc.a"}, {"var": "doc.b"}]})
                ),
                Just(json!({"<=": [{"timing_first": [{"var": "item.t"}]}, {"var": "doc.a"}]})),
                Just(json!({">=": [{"timing_last": [{"var": "item.t"}]}, {"var": "doc.b"}]})),
                Just(json!({"!!": [{"timing_first": [{"var": "item.t"}]}]})),
                Just(
                    json!({"and": [{"var": "item.t"}, {"!": [{"timing_ordered": [{"var": "item.t"}]}]}]})
                ),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            /// The operators, reading timings in place, answer what the parsed [`Timing`]
            /// says.
            #[test]
            fn operators_answer_what_the_parsed_timing_says(
                t in timing(), a in moment(), b in moment(),
            ) {
                use crate::timing::{Moment, Op, Outcome, Timing};
                let parsed = Timing::parse(&t);
                let ordered = parsed.as_ref().is_none_or(Timing::ordered);
                prop_assert_eq!(Op::Ordered.evaluate(&[&t]), Outcome::Bool(ordered));
                let bounds = (
                    a.as_str().and_then(Moment::parse),
                    b.as_str().and_then(Moment::parse),
                );
                let within = match (&parsed, bounds) {
                    (Some(p), (Some(start), Some(end))) => p.within(start, end),
                    _ => true,
                };
                prop_assert_eq!(Op::Within.evaluate(&[&t, &a, &b]), Outcome::Bool(within));
                let first = parsed.as_ref().and_then(Timing::first_day);
                prop_assert_eq!(Op::First.evaluate(&[&t]), Outcome::Day(first));
                let last = parsed.as_ref().and_then(Timing::last_day);
                prop_assert_eq!(Op::Last.evaluate(&[&t]), Outcome::Day(last));
            }

            /// Wherever the fast path answers a rule on timings, it answers what the engine
            /// with the registered operators answers.
            #[test]
            fn fast_path_agrees_with_the_engine_on_timings(
                logic in rule(), t in timing(), a in moment(), b in moment(),
            ) {
                let engine = super::super::engine();
                let doc = json!({"a": a, "b": b});
                let item = json!({ "t": t });
                let mut layout = Layout::default();
                let fast = Fast::compile(&logic, &mut layout).expect("the fast path takes it");
                prop_assert!(layout.engine_parts.is_empty());
                let mut row = vec![None; layout.row_keys.len()];
                resolve_row(&item, &layout.row_keys, &mut row);
                let remembered = memory(layout.slots);
                let scope = Scope {
                    doc: &doc,
                    item: Some((&item, 0)),
                    row: &row,
                    remembered: &remembered,
                    engine: None,
                    local: None,
                };
                let arena = datalogic_rs::bumpalo::Bump::new();
                let data = json!({"doc": doc, "item": item, "index": 0});
                let compiled = engine.compile(&logic).unwrap();
                let reference = engine
                    .evaluate(&compiled, &data, &arena)
                    .map(|r| engine.truthy(r))
                    .ok();
                // The operators themselves are always the fast path's to answer.
                if logic.get("timing_ordered").is_some() || logic.get("timing_within").is_some() {
                    prop_assert!(fast.holds(&scope).is_ok(), "{}", logic);
                }
                if let Ok(fast) = fast.holds(&scope) {
                    prop_assert_eq!(Some(fast), reference, "{}", logic);
                }
                let flat_memory = memory(layout.slots);
                let flat_scope = Scope { remembered: &flat_memory, ..scope };
                if let Ok(flat) = Test::new(&fast).holds(&flat_scope) {
                    prop_assert_eq!(Some(flat), reference, "{}", logic);
                }
            }
        }
    }
}
