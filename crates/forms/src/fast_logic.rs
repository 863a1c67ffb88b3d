//! A fast path for the simple JSON Logic most rules are made of.
//!
//! Per-row rules ("each action ends no earlier than it starts") run once per table row, and
//! going through the general engine for each costs far more than the comparison itself: the
//! document must be converted into the engine's arena and every call pays the engine's setup.
//! Rules built only from `var`, literals, the comparisons and `and`/`or`/`!`/`!!` are compiled
//! here into a small tree evaluated directly on the `serde_json::Value`.
//!
//! `datalogic-rs` stays the reference semantics: wherever this evaluator meets a case whose
//! meaning it does not reproduce exactly (a comparison across types, the truthiness of a list),
//! it answers [`Unsupported`] and the caller evaluates that rule with the engine instead. A
//! property test checks that both agree on every case this path does answer.

use std::cell::Cell;
use std::cmp::Ordering;

use serde_json::Value;

/// This evaluator does not reproduce the engine's meaning here; use the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsupported;

/// A compiled expression of the supported subset.
#[derive(Debug, Clone)]
pub(crate) enum Fast {
    Literal(Value),
    /// `slot`: where a value read from `doc` is remembered across the rows of one check (the
    /// document does not change between rows, so `doc.period.start` is looked up once).
    Var {
        path: Vec<String>,
        default: Option<Value>,
        slot: Option<usize>,
    },
    Compare {
        op: CmpOp,
        left: Box<Fast>,
        right: Box<Fast>,
    },
    And(Vec<Fast>),
    Or(Vec<Fast>),
    Not(Box<Fast>),
    Truthy(Box<Fast>),
    /// `if`: condition, value, condition, value, …, else.
    If(Vec<Fast>),
    /// `in`: a string in a string (substring) or in a list of strings.
    In(Box<Fast>, Box<Fast>),
    /// A part that reads only `doc` (so has the same value on every row), evaluated once per
    /// check and remembered in `slot`.
    Once {
        slot: usize,
        inner: Box<Fast>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    StrictEq,
    StrictNe,
}

/// The data a rule sees: `{"doc": …, "item": …, "index": …}` without building that object.
pub(crate) struct Scope<'s, 'a> {
    pub(crate) doc: &'a Value,
    pub(crate) item: Option<(&'a Value, usize)>,
    /// Values already read from `doc` during this check, by slot.
    pub(crate) remembered: &'s [Cell<Option<Val<'a>>>],
}

/// Empty memory for `slots` reads.
pub(crate) fn memory<'a>(slots: usize) -> Vec<Cell<Option<Val<'a>>>> {
    vec![Cell::new(None); slots]
}

/// A value produced while evaluating: borrowed from the document, or made here.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Ref(&'a Value),
    Bool(bool),
    Index(usize),
    Null,
}

impl Fast {
    /// Compiles `logic` if it lies entirely within the supported subset; `slots` counts the
    /// memory slots handed out to `doc` reads so far (shared by the expressions of one rule).
    pub(crate) fn compile(logic: &Value, slots: &mut usize) -> Option<Fast> {
        Self::compile_node(logic, slots).map(|fast| fast.hoisted(slots))
    }

    /// Wraps the largest parts that read no row data in [`Fast::Once`].
    fn hoisted(self, slots: &mut usize) -> Fast {
        match self {
            literal @ (Fast::Literal(_) | Fast::Var { .. }) => literal,
            fast if !fast.reads_row() => {
                *slots += 1;
                Fast::Once {
                    slot: *slots - 1,
                    inner: Box::new(fast),
                }
            }
            Fast::Compare { op, left, right } => Fast::Compare {
                op,
                left: Box::new(left.hoisted(slots)),
                right: Box::new(right.hoisted(slots)),
            },
            Fast::And(parts) => Fast::And(parts.into_iter().map(|p| p.hoisted(slots)).collect()),
            Fast::Or(parts) => Fast::Or(parts.into_iter().map(|p| p.hoisted(slots)).collect()),
            Fast::If(parts) => Fast::If(parts.into_iter().map(|p| p.hoisted(slots)).collect()),
            Fast::Not(inner) => Fast::Not(Box::new(inner.hoisted(slots))),
            Fast::Truthy(inner) => Fast::Truthy(Box::new(inner.hoisted(slots))),
            Fast::In(a, b) => Fast::In(Box::new(a.hoisted(slots)), Box::new(b.hoisted(slots))),
            once @ Fast::Once { .. } => once,
        }
    }

    /// Whether the value can differ from row to row (reads `item`, `index` or the whole root).
    fn reads_row(&self) -> bool {
        match self {
            Fast::Literal(_) => false,
            Fast::Var { path, .. } => path.first().is_none_or(|root| root != "doc"),
            Fast::Compare { left, right, .. } => left.reads_row() || right.reads_row(),
            Fast::And(parts) | Fast::Or(parts) | Fast::If(parts) => {
                parts.iter().any(Fast::reads_row)
            }
            Fast::Not(inner) | Fast::Truthy(inner) => inner.reads_row(),
            Fast::In(a, b) => a.reads_row() || b.reads_row(),
            Fast::Once { .. } => false,
        }
    }

    fn compile_node(logic: &Value, slots: &mut usize) -> Option<Fast> {
        match logic {
            Value::Object(map) if map.len() == 1 => {
                let (op, args) = map.iter().next()?;
                let args: Vec<&Value> = match args {
                    Value::Array(items) => items.iter().collect(),
                    single => vec![single],
                };
                Self::compile_op(op, &args, slots)
            }
            Value::Array(items) if items.iter().all(|i| i.is_string()) => {
                Some(Fast::Literal(logic.clone()))
            }
            Value::Object(_) | Value::Array(_) => None,
            scalar => Some(Fast::Literal(scalar.clone())),
        }
    }

    fn compile_op(op: &str, args: &[&Value], slots: &mut usize) -> Option<Fast> {
        let mut cmp = |op| match args {
            [left, right] => Some(Fast::Compare {
                op,
                left: Box::new(Self::compile_node(left, slots)?),
                right: Box::new(Self::compile_node(right, slots)?),
            }),
            _ => None,
        };
        match op {
            "var" => match args {
                [Value::String(path)] => Some(Self::var(path, None, slots)),
                [Value::String(path), default] if is_scalar(default) => {
                    Some(Self::var(path, Some((*default).clone()), slots))
                }
                _ => None,
            },
            "<" => cmp(CmpOp::Lt),
            "<=" => cmp(CmpOp::Le),
            ">" => cmp(CmpOp::Gt),
            ">=" => cmp(CmpOp::Ge),
            "==" => cmp(CmpOp::Eq),
            "!=" => cmp(CmpOp::Ne),
            "===" => cmp(CmpOp::StrictEq),
            "!==" => cmp(CmpOp::StrictNe),
            "and" | "or" if !args.is_empty() => {
                let parts = args
                    .iter()
                    .map(|a| Self::compile_node(a, slots))
                    .collect::<Option<Vec<_>>>()?;
                Some(if op == "and" {
                    Fast::And(parts)
                } else {
                    Fast::Or(parts)
                })
            }
            "if" if args.len() >= 2 => Some(Fast::If(
                args.iter()
                    .map(|a| Self::compile_node(a, slots))
                    .collect::<Option<Vec<_>>>()?,
            )),
            "in" if args.len() == 2 => Some(Fast::In(
                Box::new(Self::compile_node(args[0], slots)?),
                Box::new(Self::compile_node(args[1], slots)?),
            )),
            "!" if args.len() == 1 => {
                Some(Fast::Not(Box::new(Self::compile_node(args[0], slots)?)))
            }
            "!!" if args.len() == 1 => {
                Some(Fast::Truthy(Box::new(Self::compile_node(args[0], slots)?)))
            }
            _ => None,
        }
    }

    fn var(path: &str, default: Option<Value>, slots: &mut usize) -> Fast {
        let path: Vec<String> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('.').map(str::to_owned).collect()
        };
        let slot = (path.first().map(String::as_str) == Some("doc")).then(|| {
            *slots += 1;
            *slots - 1
        });
        Fast::Var {
            path,
            default,
            slot,
        }
    }

    /// Evaluates to a truth value, or says the engine must decide.
    pub(crate) fn holds<'a>(&'a self, scope: &Scope<'_, 'a>) -> Result<bool, Unsupported> {
        truthy(self.eval(scope)?)
    }

    fn eval<'a>(&'a self, scope: &Scope<'_, 'a>) -> Result<Val<'a>, Unsupported> {
        match self {
            Fast::Literal(v) => Ok(Val::Ref(v)),
            Fast::Var {
                path,
                default,
                slot,
            } => {
                let memory = slot.and_then(|i| scope.remembered.get(i));
                let found = match memory.and_then(Cell::get) {
                    Some(found) => found,
                    None => {
                        let found = lookup(scope, path)?;
                        if let Some(cell) = memory {
                            cell.set(Some(found));
                        }
                        found
                    }
                };
                match (found, default) {
                    (Val::Null, Some(default)) => Ok(Val::Ref(default)),
                    (found, _) => Ok(found),
                }
            }
            Fast::Compare { op, left, right } => {
                compare(*op, left.eval(scope)?, right.eval(scope)?).map(Val::Bool)
            }
            Fast::And(parts) => {
                let mut last = Val::Bool(true);
                for part in parts {
                    last = part.eval(scope)?;
                    if !truthy(last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Fast::Or(parts) => {
                let mut last = Val::Bool(false);
                for part in parts {
                    last = part.eval(scope)?;
                    if truthy(last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Fast::Not(inner) => Ok(Val::Bool(!truthy(inner.eval(scope)?)?)),
            Fast::Truthy(inner) => Ok(Val::Bool(truthy(inner.eval(scope)?)?)),
            Fast::If(parts) => {
                let mut pairs = parts.chunks_exact(2);
                for pair in pairs.by_ref() {
                    if truthy(pair[0].eval(scope)?)? {
                        return pair[1].eval(scope);
                    }
                }
                match pairs.remainder() {
                    [otherwise] => otherwise.eval(scope),
                    _ => Ok(Val::Null),
                }
            }
            Fast::Once { slot, inner } => {
                let memory = scope.remembered.get(*slot);
                if let Some(found) = memory.and_then(Cell::get) {
                    return Ok(found);
                }
                let found = inner.eval(scope)?;
                if let Some(cell) = memory {
                    cell.set(Some(found));
                }
                Ok(found)
            }
            Fast::In(needle, haystack) => {
                let (Val::Ref(Value::String(needle)), haystack) =
                    (needle.eval(scope)?, haystack.eval(scope)?)
                else {
                    return Err(Unsupported);
                };
                match haystack {
                    Val::Ref(Value::String(text)) => Ok(Val::Bool(text.contains(needle.as_str()))),
                    Val::Ref(Value::Array(items)) if items.iter().all(Value::is_string) => {
                        Ok(Val::Bool(items.iter().any(|i| i.as_str() == Some(needle))))
                    }
                    _ => Err(Unsupported),
                }
            }
        }
    }
}

fn is_scalar(value: &Value) -> bool {
    !value.is_array() && !value.is_object()
}

/// `var` resolution against the virtual root `{doc, item, index}`.
fn lookup<'a>(scope: &Scope<'_, 'a>, path: &[String]) -> Result<Val<'a>, Unsupported> {
    let Some((first, rest)) = path.split_first() else {
        // The whole root object: the engine's business.
        return Err(Unsupported);
    };
    let mut current = match (first.as_str(), scope.item) {
        ("doc", _) => scope.doc,
        ("item", Some((item, _))) => item,
        ("index", Some((_, index))) if rest.is_empty() => return Ok(Val::Index(index)),
        _ => return Ok(Val::Null),
    };
    for segment in rest {
        current = match current {
            Value::Object(map) => match field(map, segment) {
                Some(v) => v,
                None => return Ok(Val::Null),
            },
            Value::Array(items) => match segment.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => v,
                None => return Ok(Val::Null),
            },
            _ => return Ok(Val::Null),
        };
    }
    Ok(if current.is_null() {
        Val::Null
    } else {
        Val::Ref(current)
    })
}

/// A field of an object. Form objects are small, and comparing a few keys is cheaper than
/// hashing the name with the map's SipHash.
fn field<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    const LINEAR_UP_TO: usize = 32;
    if map.len() <= LINEAR_UP_TO {
        map.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        map.get(key)
    }
}

/// JSON Logic truthiness where it is unambiguous; lists and objects go to the engine.
fn truthy(value: Val<'_>) -> Result<bool, Unsupported> {
    match value {
        Val::Bool(b) => Ok(b),
        Val::Null => Ok(false),
        Val::Index(i) => Ok(i != 0),
        Val::Ref(v) => match v {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan())),
            Value::String(s) => Ok(!s.is_empty()),
            Value::Array(_) | Value::Object(_) => Err(Unsupported),
        },
    }
}

enum Scalar<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    Null,
}

fn scalar(value: Val<'_>) -> Result<Scalar<'_>, Unsupported> {
    match value {
        Val::Bool(b) => Ok(Scalar::Bool(b)),
        Val::Null => Ok(Scalar::Null),
        Val::Index(i) => Ok(Scalar::Num(i as f64)),
        Val::Ref(v) => match v {
            Value::Null => Ok(Scalar::Null),
            Value::Bool(b) => Ok(Scalar::Bool(*b)),
            Value::Number(n) => n.as_f64().map(Scalar::Num).ok_or(Unsupported),
            Value::String(s) => Ok(Scalar::Str(s)),
            Value::Array(_) | Value::Object(_) => Err(Unsupported),
        },
    }
}

/// Comparisons of two strings or two numbers; anything mixed is the engine's (coercion rules).
fn compare(op: CmpOp, left: Val<'_>, right: Val<'_>) -> Result<bool, Unsupported> {
    let ordering = match (scalar(left)?, scalar(right)?) {
        (Scalar::Str(a), Scalar::Str(b)) => a.cmp(b),
        (Scalar::Num(a), Scalar::Num(b)) => a.partial_cmp(&b).ok_or(Unsupported)?,
        (Scalar::Bool(a), Scalar::Bool(b))
            if matches!(
                op,
                CmpOp::Eq | CmpOp::Ne | CmpOp::StrictEq | CmpOp::StrictNe
            ) =>
        {
            a.cmp(&b)
        }
        (Scalar::Null, Scalar::Null)
            if matches!(
                op,
                CmpOp::Eq | CmpOp::Ne | CmpOp::StrictEq | CmpOp::StrictNe
            ) =>
        {
            Ordering::Equal
        }
        // Strict equality across different kinds is simply false; no coercion to reproduce.
        (_, _) if op == CmpOp::StrictEq => return Ok(false),
        (_, _) if op == CmpOp::StrictNe => return Ok(true),
        _ => return Err(Unsupported),
    };
    Ok(match op {
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
        CmpOp::Eq | CmpOp::StrictEq => ordering == Ordering::Equal,
        CmpOp::Ne | CmpOp::StrictNe => ordering != Ordering::Equal,
    })
}

#[cfg(test)]
mod tests {
    use datalogic_rs::Engine;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(json!(null)),
            Just(json!(true)),
            Just(json!(false)),
            Just(json!(0)),
            Just(json!(3)),
            Just(json!(2.5)),
            Just(json!(-1)),
            Just(json!("")),
            Just(json!("0")),
            Just(json!("2025-09-01")),
            Just(json!("2026-06-30")),
            Just(json!("entry")),
            Just(json!("final")),
        ]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop_oneof![
                Just("doc.a"),
                Just("doc.b"),
                Just("doc.missing"),
                Just("item.x"),
                Just("item.y"),
                Just("index"),
            ]
            .prop_map(|path| json!({"var": path})),
            scalar(),
            Just(json!(["entry", "final"])),
        ]
    }

    fn expression() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 24, 3, |inner| {
            let ops = prop_oneof![
                Just("<"),
                Just("<="),
                Just(">"),
                Just(">="),
                Just("=="),
                Just("!="),
                Just("==="),
                Just("!==")
            ];
            prop_oneof![
                (ops, inner.clone(), inner.clone()).prop_map(|(op, a, b)| json!({op: [a, b]})),
                prop::collection::vec(inner.clone(), 1..4).prop_map(|xs| json!({"and": xs})),
                prop::collection::vec(inner.clone(), 1..4).prop_map(|xs| json!({"or": xs})),
                inner.clone().prop_map(|x| json!({"!": [x]})),
                inner.clone().prop_map(|x| json!({"!!": [x]})),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, a, b)| json!({"if": [c, a, b]})),
                (inner.clone(), inner).prop_map(|(n, h)| json!({"in": [n, h]})),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Wherever the fast path answers, it answers what the engine answers.
        #[test]
        fn fast_path_agrees_with_the_engine(
            logic in expression(),
            a in scalar(), b in scalar(), x in scalar(), y in scalar(), index in 0usize..3,
        ) {
            let doc = json!({"a": a, "b": b});
            let item = json!({"x": x, "y": y});
            let mut slots = 0;
            let Some(fast) = Fast::compile(&logic, &mut slots) else { return Ok(()) };
            let remembered = memory(slots);
            let scope = Scope { doc: &doc, item: Some((&item, index)), remembered: &remembered };
            let Ok(answer) = fast.holds(&scope) else { return Ok(()) };
            let engine = Engine::new();
            let compiled = engine.compile(&logic).unwrap();
            let data = json!({"doc": doc, "item": item, "index": index});
            let arena = datalogic_rs::bumpalo::Bump::new();
            match engine.evaluate(&compiled, &data, &arena) {
                Ok(value) => prop_assert_eq!(answer, engine.truthy(value), "{}", logic),
                Err(e) => prop_assert!(false, "fast path answered {} where the engine failed: {} on {}", answer, e, logic),
            }
        }
    }
}

#[cfg(test)]
mod shapes {
    use serde_json::json;

    use super::*;

    /// The shapes real rules are made of take the fast path (the property test above would
    /// pass vacuously if nothing did).
    #[test]
    fn common_rule_shapes_are_answered_without_the_engine() {
        let doc = json!({"period": {"start": "2025-09-01", "end": "2026-06-30"}, "kind": "amend"});
        let item = json!({"start": "2025-10-01", "end": "2025-09-30", "hours": 24, "baseline": 10, "target": null});
        let cases = [
            (
                json!({"<=": [{"var": "item.start"}, {"var": "item.end"}]}),
                false,
            ),
            (
                json!({"and": [{">=": [{"var": "item.start"}, {"var": "doc.period.start"}]}, {"<=": [{"var": "item.end"}, {"var": "doc.period.end"}]}]}),
                true,
            ),
            (json!({">=": [{"var": "item.hours"}, 36]}), false),
            (json!({"!==": [{"var": "item.target"}, null]}), false),
            (
                json!({"in": [{"var": "doc.kind"}, ["amend", "remove"]]}),
                true,
            ),
            (
                json!({"if": [{"==": [{"var": "doc.kind"}, "add"]}, false, {"!!": [{"var": "item.baseline"}]}]}),
                true,
            ),
        ];
        for (logic, expected) in cases {
            let mut slots = 0;
            let fast = Fast::compile(&logic, &mut slots)
                .unwrap_or_else(|| panic!("not compiled: {logic}"));
            let remembered = memory(slots);
            let scope = Scope {
                doc: &doc,
                item: Some((&item, 0)),
                remembered: &remembered,
            };
            assert_eq!(fast.holds(&scope), Ok(expected), "{logic}");
        }
    }
}
