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
            (r#"{"timing_ordered": [{"var": "t"}]}"#, r#"{"t": {"from": "2022-09", "to": "2021-11"}}"#, "false"),
            (r#"{"timing_within": [{"var": "t"}, "2025-09-01", "2026-05-31"]}"#, r#"{"t": {"at": "2025-09"}}"#, "true"),
            (r#"{"timing_within": [{"var": "t"}, "2025-09-01", "2026-05-31"]}"#, r#"{"t": {"at": "2026-06"}}"#, "false"),
            (r#"{"timing_first": [{"var": "t"}]}"#, r#"{"t": {"intervals": [{"at": "2022-06"}, {"at": "2022-02"}]}}"#, "\"2022-02-01\""),
            (r#"{"timing_last": [{"var": "t"}]}"#, r#"{"t": {"recurring": "annually"}}"#, "null"),
        ];
        for (logic, data, expected) in cases {
            let result = engine.eval_str(logic, data).expect("evaluates");
            assert_eq!(result, expected, "{logic} on {data}");
        }
    }
}
