//! A fast path for the JSON Logic rules are made of.
//!
//! Per-row rules ("each action ends no earlier than it starts") run once per table row, and
//! going through the general engine for each costs far more than the comparison itself: the
//! document must be converted into the engine's arena and every call pays the engine's setup.
//! Rules built from `var`, literals, the comparisons, `and`/`or`/`!`/`!!`, `if` and `in`, and
//! the computations of [`iteration`] (`reduce`, `filter`, `some`, `map` inside `in`, `+`, `-`,
//! `substr`) are compiled here into a small tree evaluated directly on the
//! `serde_json::Value`. What a rule reads of a row (`item.start`, `item.end`) is listed at
//! compile time ([`Layout::row_keys`]) and looked up once per row ([`resolve_row`]), for the
//! rule's `when` and its check alike; what it reads or computes from the document alone is
//! remembered across the rows of one check ([`Fast::Once`]).
//!
//! What this path does not compute but reads only the document (a `cat`, say) is handed to the
//! engine as a part of its own ([`Layout::engine_parts`], [`Fast::Engine`]): evaluated once per
//! check, its scalar result is then compared row by row here. A rule's check is finally
//! flattened into a list of tests that must all hold ([`Test`]), so that the usual `and` of
//! comparisons of row fields costs no recursion.
//!
//! `datalogic-rs` stays the reference semantics: wherever this evaluator meets a case whose
//! meaning it does not reproduce exactly (a comparison across types, a string added to a
//! number), it answers [`Unsupported`] and the caller evaluates that rule with the engine
//! instead. A property test checks that both agree on every case this path does answer.

use std::cell::Cell;
use std::cmp::Ordering;

use datalogic_rs::DataValue;
use serde_json::Value;

use crate::{pointer, timing};

mod iteration;

use iteration::{ArithOp, Iteration, Local};

/// This evaluator does not reproduce the engine's meaning here; use the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsupported;

/// What the compiled expressions of one rule (its `when` and its check) need at run time.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    /// Memory slots handed out to `doc` reads and row-independent parts so far.
    pub(crate) slots: usize,
    /// The row fields read through `item.<key>…`, each looked up once per row.
    pub(crate) row_keys: Vec<String>,
    /// Parts only the engine evaluates, each reading only `doc` (see [`engine_part`]); the
    /// caller compiles them and answers [`Fast::Engine`] through [`Scope::engine`].
    pub(crate) engine_parts: Vec<Value>,
    /// The `doc` reads given a slot so far (path, default, slot): the same read twice in one
    /// rule (`doc.period.start` in its `when` and in its check) shares one slot.
    doc_reads: Vec<(Vec<String>, Option<Value>, usize)>,
}

/// A compiled expression of the supported subset.
#[derive(Debug, Clone)]
pub(crate) enum Fast {
    Literal(Value),
    /// `item.<key>`: the row's field `key` (an index into [`Layout::row_keys`]) itself, the
    /// most common read of all.
    Field(usize),
    /// `item.<key>…`: the row's field `key` (an index into [`Layout::row_keys`], looked up once
    /// per row), then `rest` below it.
    Row {
        key: usize,
        rest: Vec<String>,
        default: Option<Value>,
    },
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
    /// `engine_parts[part]`, evaluated by the engine (always inside a [`Fast::Once`]).
    Engine(usize),
    /// `+` or `-` of numbers.
    Arith {
        op: ArithOp,
        args: Vec<Fast>,
    },
    /// `substr` with a literal start and length, in characters.
    Substr {
        text: Box<Fast>,
        start: usize,
        len: Option<usize>,
    },
    /// `reduce`, `some`, or `in` over a `map` (see [`iteration`]).
    Iterate(Box<Iteration>),
    /// Inside an iteration's body: a path below the current element.
    Current(Vec<String>),
    /// Inside a `reduce` body: the value accumulated so far.
    Accumulator,
    /// An operator on timings (`timing_ordered`, `timing_within`, `timing_first`,
    /// `timing_last`) with at most three arguments.
    Timing {
        op: timing::Op,
        args: Vec<Fast>,
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
    /// The row's fields named by [`Layout::row_keys`], as [`resolve_row`] found them.
    pub(crate) row: &'s [Option<&'a Value>],
    /// Values already read from `doc` during this check, by slot.
    pub(crate) remembered: &'s [Cell<Option<Val<'a>>>],
    /// Evaluates [`Layout::engine_parts`]`[i]` on the document with the engine (`None`: no
    /// engine here, such parts are unsupported).
    pub(crate) engine: Option<&'s EngineParts<'s, 'a>>,
    /// Inside an iteration's body: the element (and accumulator) it runs on.
    pub(crate) local: Option<Local<'a>>,
}

/// How the fast path has the engine evaluate one of its parts: the part's index in
/// [`Layout::engine_parts`] in, the engine's result out.
pub(crate) type EngineParts<'s, 'a> = dyn Fn(usize) -> Option<&'a DataValue<'a>> + 's;

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
    /// A number the engine computed.
    Num(f64),
    /// A string the engine computed (or borrowed from the document).
    Str(&'a str),
    /// A day `timing_first` or `timing_last` found; compares as its `YYYY-MM-DD` string.
    Day(timing::Day),
}

impl Fast {
    /// Compiles `logic` if it lies entirely within the supported subset; `layout` is shared by
    /// the expressions of one rule and grows with what they read.
    pub(crate) fn compile(logic: &Value, layout: &mut Layout) -> Option<Fast> {
        Self::compile_node(logic, layout).map(|fast| fast.hoisted(&mut layout.slots))
    }

    /// Wraps the largest parts that read no row data in [`Fast::Once`].
    fn hoisted(self, slots: &mut usize) -> Fast {
        match self {
            leaf @ (Fast::Literal(_) | Fast::Var { .. } | Fast::Field(_) | Fast::Row { .. }) => {
                leaf
            }
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
            Fast::Arith { op, args } => Fast::Arith {
                op,
                args: args.into_iter().map(|a| a.hoisted(slots)).collect(),
            },
            Fast::Substr { text, start, len } => Fast::Substr {
                text: Box::new(text.hoisted(slots)),
                start,
                len,
            },
            Fast::Timing { op, args } => Fast::Timing {
                op,
                args: args.into_iter().map(|a| a.hoisted(slots)).collect(),
            },
            // An iteration over row data runs per row; its body is never hoisted (it reads
            // the element it runs on).
            other @ (Fast::Iterate(_) | Fast::Current(_) | Fast::Accumulator) => other,
            // Unreachable (an engine part reads no row and is wrapped above); kept total.
            other @ (Fast::Once { .. } | Fast::Engine(_)) => other,
        }
    }

    /// Whether the value can differ from row to row (reads `item`, `index` or the whole root).
    fn reads_row(&self) -> bool {
        match self {
            Fast::Literal(_) => false,
            Fast::Field(_) | Fast::Row { .. } => true,
            Fast::Var { path, .. } => path.first().is_none_or(|root| root != "doc"),
            Fast::Compare { left, right, .. } => left.reads_row() || right.reads_row(),
            Fast::And(parts) | Fast::Or(parts) | Fast::If(parts) => {
                parts.iter().any(Fast::reads_row)
            }
            Fast::Not(inner) | Fast::Truthy(inner) => inner.reads_row(),
            Fast::In(a, b) => a.reads_row() || b.reads_row(),
            Fast::Once { .. } | Fast::Engine(_) => false,
            Fast::Arith { args, .. } => args.iter().any(Fast::reads_row),
            Fast::Substr { text, .. } => text.reads_row(),
            Fast::Timing { args, .. } => args.iter().any(Fast::reads_row),
            Fast::Iterate(iteration) => {
                iteration.source.reads_row()
                    || match &iteration.kind {
                        iteration::IterationKind::Reduce(outer)
                        | iteration::IterationKind::Contains(outer) => outer.reads_row(),
                        iteration::IterationKind::Some => false,
                    }
            }
            Fast::Current(_) | Fast::Accumulator => true,
        }
    }

    fn compile_node(logic: &Value, layout: &mut Layout) -> Option<Fast> {
        if let Some((op, args)) = operation(logic) {
            return Self::compile_op(op, &args, layout).or_else(|| {
                engine_part(logic).then(|| {
                    layout.engine_parts.push(logic.clone());
                    Fast::Engine(layout.engine_parts.len() - 1)
                })
            });
        }
        match logic {
            Value::Array(items) if items.iter().all(|i| i.is_string()) => {
                Some(Fast::Literal(logic.clone()))
            }
            Value::Object(_) | Value::Array(_) => None,
            scalar => Some(Fast::Literal(scalar.clone())),
        }
    }

    fn compile_op(op: &str, args: &[&Value], layout: &mut Layout) -> Option<Fast> {
        let iterates_map = || {
            args.get(1)
                .and_then(|h| h.as_object())
                .is_some_and(|m| m.contains_key("map"))
        };
        match op {
            // The school's identification is the engine's to read (rules reading it are few).
            "var"
                if args.first().and_then(|a| a.as_str()).is_some_and(|path| {
                    path == crate::IDENTIFICATION_ROOT
                        || path.starts_with(&format!("{}.", crate::IDENTIFICATION_ROOT))
                }) =>
            {
                None
            }
            "var" => match args {
                [Value::String(path)] => Some(Self::var(path, None, layout)),
                [Value::String(path), default] if is_plain_default(default) => {
                    Some(Self::var(path, Some((*default).clone()), layout))
                }
                _ => None,
            },
            "reduce" | "some" => {
                iteration::compile_iteration(op, args, |v| Self::compile_node(v, layout))
            }
            "in" if args.len() == 2 && iterates_map() => {
                iteration::compile_iteration(op, args, |v| Self::compile_node(v, layout))
            }
            _ => compile_shared(op, args, |v| Self::compile_node(v, layout)),
        }
    }

    fn var(path: &str, default: Option<Value>, layout: &mut Layout) -> Fast {
        let path = var_path(path);
        if let [root, key, rest @ ..] = path.as_slice()
            && root == "item"
        {
            let key = match layout.row_keys.iter().position(|k| k == key) {
                Some(known) => known,
                None => {
                    layout.row_keys.push(key.clone());
                    layout.row_keys.len() - 1
                }
            };
            return match (rest, default) {
                ([], None) => Fast::Field(key),
                (rest, default) => Fast::Row {
                    key,
                    rest: rest.to_vec(),
                    default,
                },
            };
        }
        let slot = (path.first().map(String::as_str) == Some("doc")).then(|| {
            let known = layout
                .doc_reads
                .iter()
                .find(|(p, d, _)| *p == path && *d == default);
            if let Some((_, _, slot)) = known {
                return *slot;
            }
            layout.slots += 1;
            let slot = layout.slots - 1;
            layout.doc_reads.push((path.clone(), default.clone(), slot));
            slot
        });
        Fast::Var {
            path,
            default,
            slot,
        }
    }

    /// Evaluates to a truth value, or says the engine must decide.
    #[cfg(test)]
    pub(crate) fn holds<'a>(&'a self, scope: &Scope<'_, 'a>) -> Result<bool, Unsupported> {
        truthy(self.operand(scope)?)
    }

    /// [`Fast::eval`], with the leaves most rules are made of (a row field, a literal, a value
    /// already remembered) answered in place rather than through another call.
    #[inline(always)]
    fn operand<'a>(&'a self, scope: &Scope<'_, 'a>) -> Result<Val<'a>, Unsupported> {
        match self {
            Fast::Field(key) => Ok(field_val(scope.row.get(*key).copied().flatten())),
            Fast::Literal(v) => Ok(Val::Ref(v)),
            Fast::Once { slot, .. }
            | Fast::Var {
                slot: Some(slot), ..
            } => match scope.remembered.get(*slot).and_then(Cell::get) {
                Some(found) => Ok(found),
                None => self.eval(scope),
            },
            _ => self.eval(scope),
        }
    }

    fn eval<'a>(&'a self, scope: &Scope<'_, 'a>) -> Result<Val<'a>, Unsupported> {
        match self {
            Fast::Literal(v) => Ok(Val::Ref(v)),
            Fast::Field(key) => Ok(field_val(scope.row.get(*key).copied().flatten())),
            Fast::Row { key, rest, default } => {
                let found = scope
                    .row
                    .get(*key)
                    .copied()
                    .flatten()
                    .and_then(|field| descend(field, rest));
                Ok(or_default(found, default.as_ref()))
            }
            Fast::Var {
                path,
                default,
                slot,
            } => {
                let memory = slot.and_then(|i| scope.remembered.get(i));
                if let Some(found) = memory.and_then(Cell::get) {
                    return Ok(found);
                }
                let found = or_default(lookup(scope, path)?, default.as_ref());
                if let Some(cell) = memory {
                    cell.set(Some(found));
                }
                Ok(found)
            }
            Fast::Compare { op, left, right } => {
                compare(*op, left.operand(scope)?, right.operand(scope)?).map(Val::Bool)
            }
            Fast::And(parts) => {
                let mut last = Val::Bool(true);
                for part in parts {
                    last = part.operand(scope)?;
                    if !truthy(last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Fast::Or(parts) => {
                let mut last = Val::Bool(false);
                for part in parts {
                    last = part.operand(scope)?;
                    if truthy(last)? {
                        return Ok(last);
                    }
                }
                Ok(last)
            }
            Fast::Not(inner) => Ok(Val::Bool(!truthy(inner.operand(scope)?)?)),
            Fast::Truthy(inner) => Ok(Val::Bool(truthy(inner.operand(scope)?)?)),
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
                let (needle, haystack) = (needle.eval(scope)?, haystack.eval(scope)?);
                let needle = match needle {
                    Val::Ref(Value::String(needle)) => needle.as_str(),
                    Val::Str(needle) => needle,
                    _ => return Err(Unsupported),
                };
                match haystack {
                    Val::Ref(Value::String(text)) => Ok(Val::Bool(text.contains(needle))),
                    Val::Str(text) => Ok(Val::Bool(text.contains(needle))),
                    Val::Ref(Value::Array(items)) if items.iter().all(Value::is_string) => {
                        Ok(Val::Bool(items.iter().any(|i| i.as_str() == Some(needle))))
                    }
                    _ => Err(Unsupported),
                }
            }
            Fast::Engine(part) => {
                let engine = scope.engine.ok_or(Unsupported)?;
                from_data(engine(*part).ok_or(Unsupported)?)
            }
            Fast::Arith { op, args } => iteration::arith(*op, args, scope),
            Fast::Substr { text, start, len } => iteration::substr(text, *start, *len, scope),
            Fast::Iterate(it) => iteration::iterate(it, scope),
            Fast::Current(path) => iteration::current(scope, path),
            Fast::Accumulator => Ok(scope.local.ok_or(Unsupported)?.accumulator),
            Fast::Timing { op, args } => {
                static NULL: Value = Value::Null;
                let mut values = [&NULL; 3];
                for (value, arg) in values.iter_mut().zip(args) {
                    *value = match arg.operand(scope)? {
                        Val::Ref(found) => found,
                        Val::Null => &NULL,
                        _ => return Err(Unsupported),
                    };
                }
                Ok(match op.evaluate(&values[..args.len()]) {
                    timing::Outcome::Bool(held) => Val::Bool(held),
                    timing::Outcome::Day(Some(day)) => Val::Day(day),
                    timing::Outcome::Day(None) => Val::Null,
                })
            }
        }
    }
}

/// `logic` as an operation: its one operator and its arguments (a single argument may be
/// written without the list). `None` for anything else.
fn operation(logic: &Value) -> Option<(&str, Vec<&Value>)> {
    let Value::Object(map) = logic else {
        return None;
    };
    if map.len() != 1 {
        return None;
    }
    let (op, args) = map.iter().next()?;
    let args = match args {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    Some((op.as_str(), args))
}

/// A `var` path split at its dots; `""` is the whole data.
fn var_path(path: &str) -> Vec<String> {
    if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').map(str::to_owned).collect()
    }
}

/// The operators compiled alike in a rule and inside an iteration's body: the comparisons,
/// `and`/`or`/`if`/`!`/`!!`, `in` over a string or a list, `+`/`-` and `substr`. `inner`
/// compiles an argument at the same level; `None` for any other operator or arity.
fn compile_shared(
    op: &str,
    args: &[&Value],
    mut inner: impl FnMut(&Value) -> Option<Fast>,
) -> Option<Fast> {
    let cmp = match op {
        "<" => Some(CmpOp::Lt),
        "<=" => Some(CmpOp::Le),
        ">" => Some(CmpOp::Gt),
        ">=" => Some(CmpOp::Ge),
        "==" => Some(CmpOp::Eq),
        "!=" => Some(CmpOp::Ne),
        "===" => Some(CmpOp::StrictEq),
        "!==" => Some(CmpOp::StrictNe),
        _ => None,
    };
    let mut all = |args: &[&Value]| args.iter().map(|a| inner(a)).collect::<Option<Vec<_>>>();
    match (op, args) {
        (_, [left, right]) if cmp.is_some() => Some(Fast::Compare {
            op: cmp?,
            left: Box::new(inner(left)?),
            right: Box::new(inner(right)?),
        }),
        ("and", [_, ..]) => Some(Fast::And(all(args)?)),
        ("or", [_, ..]) => Some(Fast::Or(all(args)?)),
        ("if", [_, _, ..]) => Some(Fast::If(all(args)?)),
        ("in", [needle, haystack]) => Some(Fast::In(
            Box::new(inner(needle)?),
            Box::new(inner(haystack)?),
        )),
        ("!", [operand]) => Some(Fast::Not(Box::new(inner(operand)?))),
        ("!!", [operand]) => Some(Fast::Truthy(Box::new(inner(operand)?))),
        ("+" | "-", _) => iteration::compile_arith(op, args, inner),
        ("substr", _) => iteration::compile_substr(args, inner),
        (name, _) if args.len() <= 3 => {
            let op = timing::Op::from_name(name)?;
            Some(Fast::Timing {
                op,
                args: all(args)?,
            })
        }
        _ => None,
    }
}

/// `a.cmp(b)` for the short strings rules compare (dates, codes, field names), eight bytes at a
/// time in place: the call to `memcmp` the library makes costs more than the comparison.
#[inline]
fn short_bytes_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let common = a.len().min(b.len());
    let (mut a_rest, mut b_rest) = (&a[..common], &b[..common]);
    while let (Some((a_word, a_next)), Some((b_word, b_next))) = (
        a_rest.split_first_chunk::<8>(),
        b_rest.split_first_chunk::<8>(),
    ) {
        let (x, y) = (u64::from_be_bytes(*a_word), u64::from_be_bytes(*b_word));
        if x != y {
            return x.cmp(&y);
        }
        (a_rest, b_rest) = (a_next, b_next);
    }
    for (x, y) in a_rest.iter().zip(b_rest) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// A row field as `var` sees it: absent and `null` are both nothing.
#[inline(always)]
fn field_val(found: Option<&Value>) -> Val<'_> {
    match found {
        Some(value) if !value.is_null() => Val::Ref(value),
        _ => Val::Null,
    }
}

/// A `var` default this path takes as it is: a scalar, or a list of scalars (`[]` for a table
/// that may be missing).
fn is_plain_default(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().all(is_scalar),
        other => is_scalar(other),
    }
}

fn is_scalar(value: &Value) -> bool {
    !value.is_array() && !value.is_object()
}

/// A truth test compiled flat: conditions that must all hold, checked in order (an `and`, with
/// nested `and`s and `!!` flattened), each the truthiness of an operand, its negation or a
/// comparison. Answers exactly what [`Fast::holds`] answers for the expression it came from,
/// without recursing for the parts rules are made of.
#[derive(Debug, Clone)]
pub(crate) struct Test(Box<[Atom]>);

#[derive(Debug, Clone)]
enum Atom {
    /// `item.<key>` is truthy (the row field at this index of [`Layout::row_keys`]).
    Field(usize),
    /// Two row fields compared.
    Fields(CmpOp, usize, usize),
    /// A row field compared with a value remembered across rows (a `doc` read or a
    /// [`Fast::Once`]); `field_left` says on which side the field is.
    FieldMemo {
        op: CmpOp,
        key: usize,
        memo: Fast,
        field_left: bool,
    },
    Truthy(Fast),
    Falsy(Fast),
    Compare(CmpOp, Fast, Fast),
}

/// Whether `fast` is a value remembered across the rows of a check.
fn is_memo(fast: &Fast) -> bool {
    matches!(fast, Fast::Once { .. } | Fast::Var { slot: Some(_), .. })
}

impl Test {
    /// Flattens a compiled expression.
    pub(crate) fn new(fast: &Fast) -> Test {
        fn flatten(fast: &Fast, out: &mut Vec<Atom>) {
            match fast {
                Fast::And(parts) => parts.iter().for_each(|part| flatten(part, out)),
                Fast::Truthy(inner) => flatten(inner, out),
                Fast::Not(inner) => out.push(Atom::Falsy((**inner).clone())),
                Fast::Field(key) => out.push(Atom::Field(*key)),
                Fast::Compare { op, left, right } => out.push(match (&**left, &**right) {
                    (Fast::Field(a), Fast::Field(b)) => Atom::Fields(*op, *a, *b),
                    (Fast::Field(key), memo) if is_memo(memo) => Atom::FieldMemo {
                        op: *op,
                        key: *key,
                        memo: memo.clone(),
                        field_left: true,
                    },
                    (memo, Fast::Field(key)) if is_memo(memo) => Atom::FieldMemo {
                        op: *op,
                        key: *key,
                        memo: memo.clone(),
                        field_left: false,
                    },
                    (left, right) => Atom::Compare(*op, left.clone(), right.clone()),
                }),
                other => out.push(Atom::Truthy(other.clone())),
            }
        }
        let mut atoms = Vec::new();
        flatten(fast, &mut atoms);
        Test(atoms.into())
    }

    /// Whether every condition holds, or that the engine must decide.
    #[inline]
    pub(crate) fn holds<'a>(&'a self, scope: &Scope<'_, 'a>) -> Result<bool, Unsupported> {
        let field = |key: usize| field_val(scope.row.get(key).copied().flatten());
        for atom in &self.0 {
            let holds = match atom {
                Atom::Field(key) => truthy(field(*key))?,
                Atom::Fields(op, a, b) => compare_inline(*op, field(*a), field(*b))?,
                Atom::FieldMemo {
                    op,
                    key,
                    memo,
                    field_left,
                } => {
                    let memo = memo.operand(scope)?;
                    let field = field(*key);
                    if *field_left {
                        compare_inline(*op, field, memo)?
                    } else {
                        compare_inline(*op, memo, field)?
                    }
                }
                Atom::Truthy(x) => truthy(x.operand(scope)?)?,
                Atom::Falsy(x) => !truthy(x.operand(scope)?)?,
                Atom::Compare(op, left, right) => {
                    compare(*op, left.operand(scope)?, right.operand(scope)?)?
                }
            };
            if !holds {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Operators an engine part may contain: pure ones, none that reads data by a computed name
/// (`val`, `missing`, `exists`, …) or reaches into an enclosing scope.
const PART_OPERATORS: &[&str] = &[
    "var", "+", "-", "*", "/", "%", "substr", "cat", "reduce", "filter", "map", "all", "some",
    "none", "if", "?:", "==", "===", "!=", "!==", "<", "<=", ">", ">=", "and", "or", "!", "!!",
    "in", "max", "min",
];

/// Operators whose second argument is evaluated once per element, in that element's scope.
const ITERATING: &[&str] = &["reduce", "filter", "map", "all", "some", "none"];

/// Whether the engine may evaluate `logic` on its own, once per check, for the fast path: it is
/// an operation (not a lone `var`) of [`PART_OPERATORS`] whose result is not a list (`map`,
/// `filter`: the fast path would give up on it and the engine evaluate it twice), and it reads
/// only `doc` (every `var` outside an iteration's body starts at `doc`), so it has the same
/// value on every row and in the rule's data as in `{"doc": …}` alone.
pub(crate) fn engine_part(logic: &Value) -> bool {
    fn reads_only_doc(logic: &Value, outer: bool) -> bool {
        match logic {
            Value::Object(map) if map.len() == 1 => {
                let (op, args) = map.iter().next().expect("one key");
                if !PART_OPERATORS.contains(&op.as_str()) {
                    return false;
                }
                if op == "var" {
                    let path = match args {
                        Value::String(path) => path,
                        Value::Array(parts) => match parts.as_slice() {
                            [Value::String(path)] => path,
                            [Value::String(path), default] if is_scalar(default) => path,
                            _ => return false,
                        },
                        _ => return false,
                    };
                    return !outer || path == "doc" || path.starts_with("doc.");
                }
                match args {
                    Value::Array(items) if ITERATING.contains(&op.as_str()) => items
                        .iter()
                        .enumerate()
                        .all(|(i, item)| reads_only_doc(item, outer && i != 1)),
                    Value::Array(items) => items.iter().all(|item| reads_only_doc(item, outer)),
                    single => reads_only_doc(single, outer),
                }
            }
            Value::Object(_) => false,
            Value::Array(items) => items.iter().all(|item| reads_only_doc(item, outer)),
            _ => true,
        }
    }
    match logic {
        Value::Object(map) if map.len() == 1 => {
            let op = map.keys().next().expect("one key");
            !matches!(op.as_str(), "var" | "map" | "filter") && reads_only_doc(logic, true)
        }
        _ => false,
    }
}

/// The engine's result as a value of this path: scalars only (a list or an object is the
/// engine's business), and integers only where `f64` holds them exactly.
fn from_data<'a>(value: &'a DataValue<'a>) -> Result<Val<'a>, Unsupported> {
    const EXACT: i64 = 1 << 53;
    match value {
        DataValue::Null => Ok(Val::Null),
        DataValue::Bool(b) => Ok(Val::Bool(*b)),
        DataValue::Number(n) => match n.as_i64() {
            Some(i) if !(-EXACT..=EXACT).contains(&i) => Err(Unsupported),
            _ => Ok(Val::Num(n.as_f64())),
        },
        DataValue::String(s) => Ok(Val::Str(s)),
        _ => Err(Unsupported),
    }
}

/// What `var` gives for a path: the value found (`null` included), or, where the path leads
/// nowhere, its default (`null` without one). A `null` that is there is not replaced.
fn or_default<'a>(found: Option<Val<'a>>, default: Option<&'a Value>) -> Val<'a> {
    match (found, default) {
        (Some(found), _) => found,
        (None, Some(default)) => Val::Ref(default),
        (None, None) => Val::Null,
    }
}

/// `var` resolution against the virtual root `{doc, item, index}`; `None` where the path leads
/// nowhere.
fn lookup<'a>(scope: &Scope<'_, 'a>, path: &[String]) -> Result<Option<Val<'a>>, Unsupported> {
    let Some((first, rest)) = path.split_first() else {
        // The whole root object: the engine's business.
        return Err(Unsupported);
    };
    let current = match (first.as_str(), scope.item) {
        ("doc", _) => scope.doc,
        ("item", Some((item, _))) => item,
        ("index", Some((_, index))) if rest.is_empty() => return Ok(Some(Val::Index(index))),
        _ => return Ok(None),
    };
    Ok(descend(current, rest))
}

/// `var` resolution below a value already found: object fields by name, list elements by index;
/// `None` where the path leads nowhere.
fn descend<'a>(mut current: &'a Value, path: &[String]) -> Option<Val<'a>> {
    for segment in path {
        current = step(current, segment)?;
    }
    Some(if current.is_null() {
        Val::Null
    } else {
        Val::Ref(current)
    })
}

/// One step of `var` resolution: a field of an object, an element of a list.
fn step<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => pointer::member(map, segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

/// Looks up the row fields `keys` of `item` into `out` (same length), in one pass over the
/// row's own fields: what `{"var": "item.<key>"}` would find, for each key.
pub(crate) fn resolve_row<'a>(item: &'a Value, keys: &[String], out: &mut [Option<&'a Value>]) {
    out.fill(None);
    match item {
        Value::Object(map) => {
            let mut missing = keys.len();
            for (name, value) in map {
                if missing == 0 {
                    break;
                }
                let name = name.as_bytes();
                if let Some(i) = keys.iter().position(|key| {
                    key.len() == name.len() && short_bytes_cmp(key.as_bytes(), name).is_eq()
                }) {
                    out[i] = Some(value);
                    missing -= 1;
                }
            }
        }
        _ => {
            for (slot, key) in out.iter_mut().zip(keys) {
                *slot = step(item, key);
            }
        }
    }
}

/// JSON Logic truthiness, as the engine's default (JavaScript) rules give it.
fn truthy(value: Val<'_>) -> Result<bool, Unsupported> {
    match value {
        Val::Bool(b) => Ok(b),
        Val::Null => Ok(false),
        Val::Index(i) => Ok(i != 0),
        Val::Num(f) => Ok(f != 0.0 && !f.is_nan()),
        Val::Str(s) => Ok(!s.is_empty()),
        Val::Day(_) => Ok(true),
        Val::Ref(v) => match v {
            Value::Null => Ok(false),
            Value::Bool(b) => Ok(*b),
            Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan())),
            Value::String(s) => Ok(!s.is_empty()),
            // As the engine: a list or an object is true when it has something in it.
            Value::Array(items) => Ok(!items.is_empty()),
            Value::Object(fields) => Ok(!fields.is_empty()),
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
        Val::Num(f) => Ok(Scalar::Num(f)),
        Val::Str(s) => Ok(Scalar::Str(s)),
        Val::Day(_) => Err(Unsupported),
        Val::Ref(v) => match v {
            Value::Null => Ok(Scalar::Null),
            Value::Bool(b) => Ok(Scalar::Bool(*b)),
            Value::Number(n) => n.as_f64().map(Scalar::Num).ok_or(Unsupported),
            Value::String(s) => Ok(Scalar::Str(s)),
            Value::Array(_) | Value::Object(_) => Err(Unsupported),
        },
    }
}

/// [`compare`], with two strings of the document (dates, codes) compared in place.
#[inline(always)]
fn compare_inline(op: CmpOp, left: Val<'_>, right: Val<'_>) -> Result<bool, Unsupported> {
    match (left, right) {
        (Val::Ref(Value::String(a)), Val::Ref(Value::String(b))) => {
            Ok(op.accepts(short_bytes_cmp(a.as_bytes(), b.as_bytes())))
        }
        _ => compare(op, left, right),
    }
}

impl CmpOp {
    /// Whether this comparison holds for two values ordered so.
    #[inline(always)]
    fn accepts(self, ordering: Ordering) -> bool {
        match self {
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
            CmpOp::Eq | CmpOp::StrictEq => ordering == Ordering::Equal,
            CmpOp::Ne | CmpOp::StrictNe => ordering != Ordering::Equal,
        }
    }
}

/// Comparisons of two strings or two numbers; anything mixed is the engine's (coercion rules).
fn compare(op: CmpOp, left: Val<'_>, right: Val<'_>) -> Result<bool, Unsupported> {
    // A day compares as its `YYYY-MM-DD` string, without making one.
    let (left_day, right_day) = (day_bytes(left), day_bytes(right));
    let (left, right) = match (&left_day, &right_day) {
        (Some(a), _) => (
            Val::Str(std::str::from_utf8(a).map_err(|_| Unsupported)?),
            right,
        ),
        _ => (left, right),
    };
    let right = match &right_day {
        Some(b) => Val::Str(std::str::from_utf8(b).map_err(|_| Unsupported)?),
        None => right,
    };
    let ordering = match (scalar(left)?, scalar(right)?) {
        (Scalar::Str(a), Scalar::Str(b)) => short_bytes_cmp(a.as_bytes(), b.as_bytes()),
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
    Ok(op.accepts(ordering))
}

/// A [`Val::Day`]'s `YYYY-MM-DD` bytes.
fn day_bytes(value: Val<'_>) -> Option<[u8; 10]> {
    match value {
        Val::Day(day) => Some(day.iso_bytes()),
        _ => None,
    }
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
            Just(json!("2025")),
            Just(json!("Лицей № 44")),
        ]
    }

    fn path() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("doc.a"),
            Just("doc.b"),
            Just("doc.missing"),
            Just("item.x"),
            Just("item.y"),
            Just("item.x.y"),
            Just("item.y.0"),
            Just("item.0"),
            Just("item.missing"),
            Just("index"),
        ]
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => path().prop_map(|path| json!({"var": path})),
            1 => (path(), scalar()).prop_map(|(path, default)| json!({"var": [path, default]})),
            1 => path().prop_map(|path| json!({"var": [path, []]})),
            3 => scalar(),
            1 => Just(json!(["entry", "final"])),
            2 => engine_only(),
        ]
    }

    /// Expressions computing values (arithmetic, `substr`, iterations, `cat`, `missing`): the
    /// fast path answers some itself, has the engine evaluate others reading only `doc` as
    /// parts, and leaves the rest (and whatever it meets that it cannot answer exactly) to
    /// the engine.
    fn engine_only() -> impl Strategy<Value = Value> {
        let source = prop_oneof![
            Just("doc.rows"),
            Just("doc.a"),
            Just("doc.missing"),
            Just("item.y")
        ];
        let stage = prop_oneof![Just("entry"), Just("final"), Just("")];
        let path = prop_oneof![
            Just("doc.a"),
            Just("doc.b"),
            Just("item.x"),
            Just("doc.missing")
        ];
        prop_oneof![
            path.clone().prop_map(|p| json!({"+": [{"substr": [{"var": p}, 0, 4]}]})),
            path.clone().prop_map(|p| json!({"substr": [{"var": p}, 0, 4]})),
            (path.clone(), path.clone()).prop_map(|(p, q)| json!({"cat": [{"var": p}, "-", {"var": q}]})),
            source.clone().prop_map(|s| json!({"reduce": [{"var": s}, {"+": [{"var": "accumulator"}, {"var": "current.n"}]}, 0]})),
            (source.clone(), stage).prop_map(|(s, stage)| json!({"reduce": [
                {"filter": [{"var": s}, {"==": [{"var": "stage"}, stage]}]},
                {"if": [{">": [{"var": "current.date"}, {"var": "accumulator"}]}, {"var": "current.date"}, {"var": "accumulator"}]},
                ""]})),
            source.clone().prop_map(|s| json!({"some": [{"var": s}, {"==": [{"var": "stage"}, "final"]}]})),
            source.clone().prop_map(|s| json!({"some": [{"var": s}, {"in": [{"var": "stage"}, ["entry", "x"]]}]})),
            source.clone().prop_map(|s| json!({"map": [{"var": s}, {"var": "date"}]})),
            Just(json!({"-": [{"var": "doc.b"}, 0.005]})),
            (path.clone(), path.clone()).prop_map(|(p, q)| json!({"+": [{"var": p}, {"var": q}]})),
            path.clone().prop_map(|p| json!({"+": [{"var": p}]})),
            path.clone().prop_map(|p| json!({"substr": [{"var": p}, 2]})),
            path.clone().prop_map(|p| json!({"substr": [{"var": p}, 1, 3]})),
            (path, source.clone()).prop_map(|(p, s)| json!({"in": [{"var": p}, {"map": [{"var": s}, {"var": "date"}]}]})),
            source.clone().prop_map(|s| json!({"reduce": [{"var": s},
                {"if": [{">": [{"var": "current.n"}, {"var": "accumulator"}]}, {"var": "current.n"}, {"var": "accumulator"}]}, 0]})),
            source.prop_map(|s| json!({"some": [{"var": s}, {">=": [{"var": "n"}, 1]}]})),
            Just(json!({"+": [{"var": "index"}, 1]})),
            Just(json!({"missing": ["doc.a"]})),
        ]
    }

    /// The rows `reduce` and `filter` run over in `doc.rows`.
    fn rows() -> impl Strategy<Value = Value> {
        let row = (
            scalar(),
            prop_oneof![Just("entry"), Just("final")],
            scalar(),
        )
            .prop_map(|(n, stage, date)| json!({"n": n, "stage": stage, "date": date}));
        prop::collection::vec(row, 0..4).prop_map(Value::Array)
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

    /// The row a rule sees: usually an object, sometimes (in a broken document) not.
    fn item() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => (scalar(), scalar()).prop_map(|(x, y)| json!({"x": x, "y": y})),
            1 => (scalar(), scalar()).prop_map(|(x, y)| json!({"x": {"y": x}, "y": [y]})),
            1 => (scalar(), scalar()).prop_map(|(x, y)| json!([x, y])),
            1 => scalar(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// The in-place string comparison orders exactly as `str::cmp`.
        #[test]
        fn short_bytes_cmp_orders_as_str_cmp(a in "[0-9a-я-]{0,20}", b in "[0-9a-я-]{0,20}") {
            prop_assert_eq!(short_bytes_cmp(a.as_bytes(), b.as_bytes()), a.cmp(&b));
            prop_assert_eq!(short_bytes_cmp(a.as_bytes(), a.as_bytes()), Ordering::Equal);
        }

        /// Wherever the fast path answers, it answers what the engine answers: the tree and its
        /// flattened form alike, on two rows in turn with the memory of one check (so that
        /// what is remembered across rows, engine parts included, is right for both).
        #[test]
        fn fast_path_agrees_with_the_engine(
            logic in expression(),
            a in scalar(), b in scalar(), rows in rows(),
            first in item(), second in item(), index in 0usize..3,
        ) {
            let doc = json!({"a": a, "b": b, "rows": rows});
            let mut layout = Layout::default();
            let Some(fast) = Fast::compile(&logic, &mut layout) else { return Ok(()) };
            let test = Test::new(&fast);
            let engine = Engine::new();
            let arena = datalogic_rs::bumpalo::Bump::new();
            let parts: Vec<_> = layout.engine_parts.iter().map(|p| engine.compile(p).unwrap()).collect();
            let doc_only = json!({"doc": doc});
            let evaluate = |part: usize| engine.evaluate(&parts[part], &doc_only, &arena).ok();
            let compiled = engine.compile(&logic).unwrap();
            let tree_memory = memory(layout.slots);
            let flat_memory = memory(layout.slots);
            for (item, index) in [(&first, index), (&second, index + 1)] {
                let mut row = vec![None; layout.row_keys.len()];
                resolve_row(item, &layout.row_keys, &mut row);
                let scope = |remembered| Scope {
                    doc: &doc, item: Some((item, index)), row: &row, remembered, engine: Some(&evaluate), local: None,
                };
                let answers = [fast.holds(&scope(&tree_memory)), test.holds(&scope(&flat_memory))];
                let data = json!({"doc": doc, "item": item, "index": index});
                let reference = engine.evaluate(&compiled, &data, &arena);
                for answer in answers.into_iter().flatten() {
                    match &reference {
                        Ok(value) => prop_assert_eq!(answer, engine.truthy(value), "{} on {}", logic, item),
                        Err(e) => prop_assert!(false, "fast path answered {} where the engine failed: {} on {}", answer, e, logic),
                    }
                }
            }
        }

        /// The flattened form answers exactly as the tree it comes from, refusals included.
        #[test]
        fn flattening_keeps_the_answer(
            logic in expression(), a in scalar(), b in scalar(), item in item(), index in 0usize..3,
        ) {
            let doc = json!({"a": a, "b": b});
            let mut layout = Layout::default();
            let Some(fast) = Fast::compile(&logic, &mut layout) else { return Ok(()) };
            let (tree_memory, flat_memory) = (memory(layout.slots), memory(layout.slots));
            let mut row = vec![None; layout.row_keys.len()];
            resolve_row(&item, &layout.row_keys, &mut row);
            let scope = |remembered| Scope {
                doc: &doc, item: Some((&item, index)), row: &row, remembered, engine: None, local: None,
            };
            prop_assert_eq!(
                fast.holds(&scope(&tree_memory)),
                Test::new(&fast).holds(&scope(&flat_memory)),
                "{}", logic
            );
        }
    }

    /// Parts that read only `doc` go to the engine; anything reading the row, or reading data
    /// by a computed name, or producing a list, does not.
    #[test]
    fn engine_parts_read_only_the_document() {
        let parts = [
            json!({"+": [{"substr": [{"var": "doc.period.start"}, 0, 4]}]}),
            json!({"reduce": [{"filter": [{"var": "doc.monitoring"}, {"==": [{"var": "stage"}, "entry"]}]},
                {"if": [{">": [{"var": "current.date"}, {"var": "accumulator"}]}, {"var": "current.date"}, {"var": "accumulator"}]}, ""]}),
        ];
        for part in parts {
            assert!(engine_part(&part), "{part}");
        }
        let not_parts = [
            json!({"substr": [{"var": "item.start"}, 0, 4]}),
            json!({"+": [{"var": "index"}, 1]}),
            json!({"reduce": [{"var": "item.rows"}, {"+": [{"var": "accumulator"}, 1]}, 0]}),
            json!({"missing": ["doc.a"]}),
            json!({"map": [{"var": "doc.rows"}, {"var": "date"}]}),
            json!({"+": [{"val": "doc"}, 1]}),
            json!({"var": "doc.a"}),
        ];
        for part in not_parts {
            assert!(!engine_part(&part), "{part}");
        }
    }
}

#[cfg(test)]
mod shapes {
    use datalogic_rs::Engine;
    use serde_json::json;

    use super::*;

    /// The shapes real rules are made of take the fast path (the property test above would
    /// pass vacuously if nothing did): comparisons of row fields with each other, with
    /// literals and with the document, and what rules compute from the document (the year of
    /// the period through `substr`, the latest monitoring date through `reduce` over a
    /// `filter`, a sum of amounts, a name among a `map`ped table), all without the engine;
    /// what this path does not compute (`cat`) goes to the engine as a part of its own. The
    /// tree, its flattened form and the engine give the same answer.
    #[test]
    fn real_rule_shapes_take_the_fast_path() {
        let doc = json!({
            "period": {"start": "2025-09-01", "end": "2027-06-30"},
            "kind": "amend",
            "monitoring": [{"stage": "entry", "date": "2025-09-22"}, {"stage": "intermediate", "date": "2026-04-13"}],
            "grant": {"amount": 1000, "spending": [{"amount": 600.5}, {"amount": 399.5}]},
            "director": "Иванова Анна Петровна",
            "team": [{"person": {"full_name": "Петров Пётр"}}, {"person": {"full_name": "Иванова Анна Петровна"}}],
        });
        let action = json!({"start": "2025-10-01", "end": "2025-09-30", "hours": 24, "baseline": 10, "target": null});
        let sum = json!({"reduce": [{"var": "doc.grant.spending"}, {"+": [{"var": "accumulator"}, {"var": "current.amount"}]}, 0]});
        let latest = json!({"reduce": [
            {"filter": [{"var": "doc.monitoring"}, {"==": [{"var": "stage"}, "intermediate"]}]},
            {"if": [{">": [{"var": "current.date"}, {"var": "accumulator"}]}, {"var": "current.date"}, {"var": "accumulator"}]},
            ""]});
        let cases = [
            (
                json!({"<=": [{"var": "item.start"}, {"var": "item.end"}]}),
                &action,
                false,
                false,
            ),
            (
                json!({"and": [{">=": [{"var": "item.start"}, {"var": "doc.period.start"}]}, {"<=": [{"var": "item.end"}, {"var": "doc.period.end"}]}]}),
                &action,
                true,
                false,
            ),
            (
                json!({">=": [{"var": "item.hours"}, 36]}),
                &action,
                false,
                false,
            ),
            (
                json!({"!==": [{"var": "item.target"}, null]}),
                &action,
                false,
                false,
            ),
            (
                json!({"in": [{"var": "doc.kind"}, ["amend", "remove"]]}),
                &action,
                true,
                false,
            ),
            (
                json!({"if": [{"==": [{"var": "doc.kind"}, "add"]}, false, {"!!": [{"var": "item.baseline"}]}]}),
                &action,
                true,
                false,
            ),
            (
                json!({"and": [{">=": [{"var": "item.target_year"}, {"+": [{"substr": [{"var": "doc.period.start"}, 0, 4]}]}]},
                    {"<=": [{"var": "item.target_year"}, {"+": [{"substr": [{"var": "doc.period.end"}, 0, 4]}]}]}]}),
                &json!({"target_year": 2027}),
                true,
                false,
            ),
            (
                json!({"or": [{"!=": [{"var": "item.stage"}, "final"]}, {">=": [{"var": "item.date"}, latest]}]}),
                &json!({"stage": "final", "date": "2026-01-01"}),
                false,
                false,
            ),
            (
                json!({"<=": [sum, {"+": [{"var": "doc.grant.amount"}, 0.005]}]}),
                &json!({}),
                true,
                false,
            ),
            (
                json!({">=": [sum, {"-": [{"var": "doc.grant.amount"}, 0.005]}]}),
                &json!({}),
                true,
                false,
            ),
            (
                json!({"in": [{"var": "doc.director"}, {"map": [{"var": "doc.team"}, {"var": "person.full_name"}]}]}),
                &json!({}),
                true,
                false,
            ),
            (
                json!({"some": [{"var": "doc.monitoring"}, {"==": [{"var": "stage"}, "final"]}]}),
                &json!({}),
                false,
                false,
            ),
            (
                json!({"==": [{"var": "item.code"}, {"cat": [{"substr": [{"var": "doc.period.start"}, 0, 4]}, "-01"]}]}),
                &json!({"code": "2025-01"}),
                true,
                true,
            ),
        ];
        let engine = Engine::new();
        let arena = datalogic_rs::bumpalo::Bump::new();
        let doc_only = json!({"doc": doc});
        for (logic, item, expected, needs_engine) in cases {
            let mut layout = Layout::default();
            let fast = Fast::compile(&logic, &mut layout)
                .unwrap_or_else(|| panic!("not compiled: {logic}"));
            assert_eq!(!layout.engine_parts.is_empty(), needs_engine, "{logic}");
            let parts: Vec<_> = layout
                .engine_parts
                .iter()
                .map(|p| engine.compile(p).unwrap())
                .collect();
            let evaluate = |part: usize| engine.evaluate(&parts[part], &doc_only, &arena).ok();
            let mut row = vec![None; layout.row_keys.len()];
            resolve_row(item, &layout.row_keys, &mut row);
            let (tree_memory, flat_memory) = (memory(layout.slots), memory(layout.slots));
            let scope = |remembered| Scope {
                doc: &doc,
                item: Some((item, 0)),
                row: &row,
                remembered,
                engine: needs_engine.then_some(&evaluate as &EngineParts<'_, '_>),
                local: None,
            };
            assert_eq!(fast.holds(&scope(&tree_memory)), Ok(expected), "{logic}");
            assert_eq!(
                Test::new(&fast).holds(&scope(&flat_memory)),
                Ok(expected),
                "{logic}"
            );
            let data = json!({"doc": doc, "item": item, "index": 0});
            let compiled = engine.compile(&logic).unwrap();
            let reference = engine.evaluate(&compiled, &data, &arena).unwrap();
            assert_eq!(engine.truthy(reference), expected, "{logic}");
        }
    }
}
