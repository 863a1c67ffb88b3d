//! The operations the rules compute values with, on the fast path: `reduce` (with a `filter`
//! in front), `some`, `in` over a `map`, `+`/`-` of numbers and `substr`.
//!
//! Rules use them over the document's own tables: the year of `doc.period.start`, the sum of
//! `doc.grant.spending[*].amount`, the latest `entry` date of `doc.monitoring`, whether the
//! director is among `doc.management_team[*].person.full_name`. Left to the general engine,
//! each costs a conversion of the table into the engine's arena and the engine's dispatch per
//! element; here they read the `serde_json::Value` in place.
//!
//! An iteration's body runs in a scope of its own, as in JSON Logic: a `reduce` body sees
//! `current` and `accumulator`, a `filter`/`some`/`map` body sees the element itself. Bodies
//! are compiled by [`compile_body`], which accepts only reads of that scope (never `doc` or
//! `item`, which JSON Logic does not show there). As everywhere on the fast path, whatever
//! this module cannot answer exactly as `datalogic-rs` would (a string added to a number, a
//! negative `substr` start, a list that is not a list) is [`Unsupported`], and the engine
//! decides.

use serde_json::Value;

use super::{Fast, Scope, Unsupported, Val, descend, operation, scalar, truthy, var_path};

/// Integers up to this size are exact in `f64`: the engine's integer and floating-point
/// arithmetic agree below it.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// `+` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArithOp {
    Add,
    Sub,
}

/// An iteration over a list read from the data: `reduce`, `some`, or `in` over a `map`.
#[derive(Debug, Clone)]
pub(crate) struct Iteration {
    /// The list (`null` counts as empty, as for the engine).
    pub(crate) source: Fast,
    /// `filter` applied first: only elements for which this holds (in the element's scope).
    pub(crate) filter: Option<Fast>,
    /// The `reduce` body, the `some` predicate or the `map` body.
    pub(crate) body: Fast,
    pub(crate) kind: IterationKind,
}

#[derive(Debug, Clone)]
pub(crate) enum IterationKind {
    /// `reduce` from this initial value (evaluated in the outer scope).
    Reduce(Fast),
    /// `some`: whether the body holds for any element.
    Some,
    /// `in` with the list the `map` makes: whether this value (a string) is among them.
    Contains(Fast),
}

/// What an iteration's body sees: the element, and in a `reduce` the accumulator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Local<'a> {
    pub(crate) current: &'a Value,
    pub(crate) accumulator: Val<'a>,
}

/// The scope an iteration's body names its data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyScope {
    /// `reduce`: `current…` and `accumulator`.
    Reduce,
    /// `filter`, `some`, `map`: paths below the element.
    Element,
}

/// Compiles `reduce`, `some` and `in` over `map` (with `filter` as a `reduce` source); `None`
/// for any other shape. `outer` compiles the parts evaluated in the rule's own scope.
pub(crate) fn compile_iteration(
    op: &str,
    args: &[&Value],
    mut outer: impl FnMut(&Value) -> Option<Fast>,
) -> Option<Fast> {
    let (source, kind) = match (op, args) {
        ("reduce", [source, _, init]) => (*source, IterationKind::Reduce(outer(init)?)),
        ("some", [source, _]) => (*source, IterationKind::Some),
        ("in", [needle, haystack]) => {
            let (op, map_args) = operation(haystack)?;
            let ("map", [source, body]) = (op, &map_args[..]) else {
                return None;
            };
            return Some(Fast::Iterate(Box::new(Iteration {
                source: outer(source)?,
                filter: None,
                body: compile_body(body, BodyScope::Element)?,
                kind: IterationKind::Contains(outer(needle)?),
            })));
        }
        _ => return None,
    };
    let body_scope = match kind {
        IterationKind::Reduce(_) => BodyScope::Reduce,
        _ => BodyScope::Element,
    };
    let body = compile_body(args[1], body_scope)?;
    // `reduce` over a `filter`: one pass, the filter's list never made.
    let (source, filter) = match operation(source) {
        Some(("filter", filter_args)) => match filter_args[..] {
            [list, keep] => (outer(list)?, Some(compile_body(keep, BodyScope::Element)?)),
            _ => return None,
        },
        _ => (outer(source)?, None),
    };
    Some(Fast::Iterate(Box::new(Iteration {
        source,
        filter,
        body,
        kind,
    })))
}

/// Compiles an iteration's body: reads of its own scope, literals (lists of strings among
/// them), comparisons, `if`, `and`/`or`/`!`/`!!`, `in`, `+`/`-` and `substr`. No nested
/// iteration, no `var` default.
pub(crate) fn compile_body(logic: &Value, scope: BodyScope) -> Option<Fast> {
    match (operation(logic), logic) {
        (Some(("var", args)), _) => match args[..] {
            [Value::String(path)] => body_var(path, scope),
            _ => None,
        },
        (Some((op, args)), _) => {
            super::compile_shared(op, &args, |logic| compile_body(logic, scope))
        }
        (None, Value::Object(_)) => None,
        (None, Value::Array(items)) if !items.iter().all(Value::is_string) => None,
        (None, literal) => Some(Fast::Literal(literal.clone())),
    }
}

/// A `var` inside an iteration's body.
fn body_var(path: &str, scope: BodyScope) -> Option<Fast> {
    match scope {
        BodyScope::Reduce if path == "accumulator" => Some(Fast::Accumulator),
        BodyScope::Reduce if path == "current" => Some(Fast::Current(Vec::new())),
        BodyScope::Reduce => path
            .strip_prefix("current.")
            .map(|rest| Fast::Current(rest.split('.').map(str::to_owned).collect())),
        BodyScope::Element => Some(Fast::Current(var_path(path))),
    }
}

/// `+` with one or two arguments, `-` with two.
pub(crate) fn compile_arith(
    op: &str,
    args: &[&Value],
    mut inner: impl FnMut(&Value) -> Option<Fast>,
) -> Option<Fast> {
    let op = match (op, args.len()) {
        ("+", 1 | 2) => ArithOp::Add,
        ("-", 2) => ArithOp::Sub,
        _ => return None,
    };
    Some(Fast::Arith {
        op,
        args: args.iter().map(|a| inner(a)).collect::<Option<Vec<_>>>()?,
    })
}

/// `substr` with a start and optional length written as non-negative integers.
pub(crate) fn compile_substr(
    args: &[&Value],
    mut inner: impl FnMut(&Value) -> Option<Fast>,
) -> Option<Fast> {
    let count = |value: &Value| value.as_u64().and_then(|n| usize::try_from(n).ok());
    let (text, start, len) = match args {
        [text, start] => (text, count(start)?, None),
        [text, start, len] => (text, count(start)?, Some(count(len)?)),
        _ => return None,
    };
    Some(Fast::Substr {
        text: Box::new(inner(text)?),
        start,
        len,
    })
}

/// Runs an iteration.
pub(crate) fn iterate<'a>(
    iteration: &'a Iteration,
    scope: &Scope<'_, 'a>,
) -> Result<Val<'a>, Unsupported> {
    let items: &'a [Value] = match iteration.source.eval(scope)? {
        Val::Ref(Value::Array(items)) => items,
        Val::Null => &[],
        // An object (the engine iterates its values) or a scalar: the engine's business.
        _ => return Err(Unsupported),
    };
    let within = |current: &'a Value, accumulator: Val<'a>| Scope {
        local: Some(Local {
            current,
            accumulator,
        }),
        ..*scope
    };
    let kept = |item: &'a Value| match &iteration.filter {
        Some(filter) => truthy(filter.eval(&within(item, Val::Null))?),
        None => Ok(true),
    };
    match &iteration.kind {
        IterationKind::Reduce(init) => {
            let mut accumulator = init.eval(scope)?;
            for item in items {
                if kept(item)? {
                    accumulator = iteration.body.eval(&within(item, accumulator))?;
                }
            }
            Ok(accumulator)
        }
        IterationKind::Some => {
            for item in items {
                if kept(item)? && truthy(iteration.body.eval(&within(item, Val::Null))?)? {
                    return Ok(Val::Bool(true));
                }
            }
            Ok(Val::Bool(false))
        }
        IterationKind::Contains(needle) => {
            // The engine compares list elements strictly: a string equals only the same string.
            let needle = string(needle.eval(scope)?).ok_or(Unsupported)?;
            for item in items {
                if kept(item)?
                    && string(iteration.body.eval(&within(item, Val::Null))?) == Some(needle)
                {
                    return Ok(Val::Bool(true));
                }
            }
            Ok(Val::Bool(false))
        }
    }
}

/// A read inside an iteration's body: below the current element.
pub(crate) fn current<'a>(scope: &Scope<'_, 'a>, path: &[String]) -> Result<Val<'a>, Unsupported> {
    let local = scope.local.ok_or(Unsupported)?;
    Ok(descend(local.current, path).unwrap_or(Val::Null))
}

/// `+`/`-`: numbers only (a lone `+` also reads a string of digits, as the year of a date),
/// results exact in `f64`.
pub(crate) fn arith<'a>(
    op: ArithOp,
    args: &'a [Fast],
    scope: &Scope<'_, 'a>,
) -> Result<Val<'a>, Unsupported> {
    let result = match args {
        [single] => {
            let value = single.eval(scope)?;
            match string(value) {
                Some(digits) => parse_digits(digits)?,
                None => number(value)?,
            }
        }
        [left, right] => {
            let (a, b) = (number(left.eval(scope)?)?, number(right.eval(scope)?)?);
            match op {
                ArithOp::Add => a + b,
                ArithOp::Sub => a - b,
            }
        }
        _ => return Err(Unsupported),
    };
    if result.is_finite() && result.abs() < EXACT {
        Ok(Val::Num(result))
    } else {
        Err(Unsupported)
    }
}

/// `substr` counted in characters.
pub(crate) fn substr<'a>(
    text: &'a Fast,
    start: usize,
    len: Option<usize>,
    scope: &Scope<'_, 'a>,
) -> Result<Val<'a>, Unsupported> {
    let text = string(text.eval(scope)?).ok_or(Unsupported)?;
    let byte_at = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(at, _)| at)
    };
    let from = byte_at(start);
    let to = match len {
        Some(len) => {
            from + text[from..]
                .char_indices()
                .nth(len)
                .map_or(text.len() - from, |(at, _)| at)
        }
        None => text.len(),
    };
    Ok(Val::Str(&text[from..to]))
}

fn string(value: Val<'_>) -> Option<&str> {
    match value {
        Val::Str(s) => Some(s),
        Val::Ref(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A number as the engine's arithmetic sees it, where no coercion is involved.
fn number(value: Val<'_>) -> Result<f64, Unsupported> {
    match scalar(value)? {
        super::Scalar::Num(n) if n.abs() < EXACT => Ok(n),
        _ => Err(Unsupported),
    }
}

/// A string of ASCII digits as a number (`"2025"`); anything else is the engine's.
fn parse_digits(digits: &str) -> Result<f64, Unsupported> {
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Unsupported);
    }
    digits.parse::<f64>().map_err(|_| Unsupported)
}
