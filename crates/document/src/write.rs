//! Writing JSON into a document with the fewest operations, so that concurrent edits of other
//! places merge.
//!
//! [`Writer::reconcile`] makes the value at one place equal to a JSON value: a map keeps its
//! identity and only its differing keys are written; a text is updated with a character diff
//! (`update_text`); a list keeps the rows that did not change (longest common subsequence),
//! updates changed rows in place and inserts or removes only the difference.

use std::ops::Range;

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, Prop, ReadDoc, ScalarValue};
use serde_json::{Map, Value};

use crate::error::DocError;
use crate::pointer;
use crate::read::{Reader, scalar_to_json};
use crate::schema::{Repr, Schema};

/// Above this many cells the list alignment gives up matching and updates by position.
const MAX_ALIGNMENT_CELLS: usize = 1 << 20;
/// Weight of pairing two rows in a gap, above any similarity, so that rows are updated in place
/// rather than removed and inserted again.
const PAIR_WEIGHT: usize = 1 << 16;

/// Writes JSON values into one transaction; counts what it changed.
pub(crate) struct Writer<'t, 'd, 'c> {
    tx: &'t mut Transaction<'d>,
    schema: &'t mut Schema<'c>,
    /// How many places were written, updated or removed (a new value counts once however
    /// deep it is).
    pub(crate) changed: usize,
}

/// The value at a place before writing, owned so that writing may follow.
enum Current {
    Map(ObjId),
    List(ObjId),
    Text(ObjId),
    Scalar(ScalarValue),
    /// Nothing, or something this crate never writes (an Automerge table).
    Absent,
}

impl<'t, 'd, 'c> Writer<'t, 'd, 'c> {
    pub(crate) fn new(tx: &'t mut Transaction<'d>, schema: &'t mut Schema<'c>) -> Self {
        Self {
            tx,
            schema,
            changed: 0,
        }
    }

    /// Makes the value at `prop` of `parent` (a place whose pointer pattern is `pattern`)
    /// equal to `value`, touching as little as possible.
    pub(crate) fn reconcile(
        &mut self,
        parent: &ObjId,
        prop: Prop,
        pattern: &str,
        value: &Value,
    ) -> Result<(), DocError> {
        let current = self.current(parent, prop.clone())?;
        let repr = Repr::of(value, self.schema.shape(pattern)?);
        match (repr, current, value) {
            (Repr::Map, Current::Map(obj), Value::Object(map)) => {
                self.reconcile_map(&obj, pattern, map)
            }
            (Repr::List, Current::List(obj), Value::Array(items)) => {
                self.reconcile_list(&obj, pattern, items)
            }
            (Repr::Text, Current::Text(obj), Value::String(new)) => {
                if self.tx.text(&obj)? != *new {
                    self.tx.update_text(&obj, new)?;
                    self.changed += 1;
                }
                Ok(())
            }
            (Repr::Scalar, Current::Scalar(old), _) if scalar_to_json(&old) == *value => Ok(()),
            _ => {
                self.changed += 1;
                self.write(parent, prop, false, pattern, value)
            }
        }
    }

    /// Inserts `value` as a new element at `index` of `list`.
    pub(crate) fn insert(
        &mut self,
        list: &ObjId,
        index: usize,
        item_pattern: &str,
        value: &Value,
    ) -> Result<(), DocError> {
        self.changed += 1;
        self.write(list, Prop::Seq(index), true, item_pattern, value)
    }

    /// Removes `prop` of `parent`.
    pub(crate) fn remove(&mut self, parent: &ObjId, prop: Prop) -> Result<(), DocError> {
        self.changed += 1;
        Ok(self.tx.delete(parent, prop)?)
    }

    /// Makes the map `obj` hold exactly the keys of `map`.
    /// Makes the whole form data equal to `new_data`, keeping the form's empty sections, tables
    /// and texts (see `create`): whoever replaces the data (an import, `set ""`) must not remove
    /// the containers that let later concurrent first edits merge.
    pub(crate) fn reconcile_data(
        &mut self,
        data: &ObjId,
        new_data: &Map<String, Value>,
    ) -> Result<(), DocError> {
        let full = self
            .schema
            .with_containers(&Value::Object(new_data.clone()))?;
        let Value::Object(map) = &full else {
            unreachable!("containers of a form and an object merge into an object")
        };
        self.reconcile_map(data, "", map)
    }

    pub(crate) fn reconcile_map(
        &mut self,
        obj: &ObjId,
        pattern: &str,
        map: &Map<String, Value>,
    ) -> Result<(), DocError> {
        let stale: Vec<String> = self.tx.keys(obj).filter(|k| !map.contains_key(k)).collect();
        for key in stale {
            self.remove(obj, Prop::Map(key))?;
        }
        for (key, value) in map {
            self.reconcile(
                obj,
                Prop::Map(key.clone()),
                &pointer::child(pattern, key),
                value,
            )?;
        }
        Ok(())
    }

    /// Writes every key of `map` into the empty map `obj`.
    pub(crate) fn fill_map(
        &mut self,
        obj: &ObjId,
        pattern: &str,
        map: &Map<String, Value>,
    ) -> Result<(), DocError> {
        for (key, value) in map {
            let child = pointer::child(pattern, key);
            self.write(obj, Prop::Map(key.clone()), false, &child, value)?;
        }
        Ok(())
    }

    fn reconcile_list(
        &mut self,
        obj: &ObjId,
        pattern: &str,
        items: &[Value],
    ) -> Result<(), DocError> {
        let item_pattern = format!("{pattern}/*");
        // The list's depth bounds the read: a list already too deep (written by a peer past
        // our checks) is refused rather than read.
        let depth = self.tx.parents(obj)?.count();
        let Value::Array(old) = Reader::now(&*self.tx).object(obj, ObjType::List, depth)? else {
            unreachable!("a list reads as an array")
        };
        // Gaps, and the stretches inside a gap, are rewritten from the last to the first so
        // that the indices of the earlier ones stay valid.
        for gap in align(&old, items).into_iter().rev() {
            let (old_base, new_base) = (gap.old.start, gap.new.start);
            let (mut old_end, mut new_end) = (gap.old.len(), gap.new.len());
            let pairs = pair_rows(&old[gap.old.clone()], &items[gap.new.clone()]);
            // Each pair, last first, then `None` for the stretch before the first pair.
            for pair in pairs.into_iter().rev().map(Some).chain([None]) {
                let (after_o, after_n) = pair.map_or((0, 0), |(o, n)| (o + 1, n + 1));
                for i in (after_o..old_end).rev() {
                    self.remove(obj, Prop::Seq(old_base + i))?;
                }
                for j in (after_n..new_end).rev() {
                    self.insert(obj, old_base + after_o, &item_pattern, &items[new_base + j])?;
                }
                let Some((o, n)) = pair else { break };
                let place = Prop::Seq(old_base + o);
                self.reconcile(obj, place, &item_pattern, &items[new_base + n])?;
                (old_end, new_end) = (o, n);
            }
        }
        Ok(())
    }

    fn current(&self, parent: &ObjId, prop: Prop) -> Result<Current, DocError> {
        Ok(match Reader::now(&*self.tx).get(parent, prop)? {
            None => Current::Absent,
            Some((automerge::Value::Object(ObjType::Map), id)) => Current::Map(id),
            Some((automerge::Value::Object(ObjType::List), id)) => Current::List(id),
            Some((automerge::Value::Object(ObjType::Text), id)) => Current::Text(id),
            Some((automerge::Value::Object(ObjType::Table), _)) => Current::Absent,
            Some((automerge::Value::Scalar(s), _)) => Current::Scalar(s.into_owned()),
        })
    }

    /// Writes `value` as a new value (new objects all the way down) at `prop` of `parent`,
    /// inserting before `prop` when `insert`.
    fn write(
        &mut self,
        parent: &ObjId,
        prop: Prop,
        insert: bool,
        pattern: &str,
        value: &Value,
    ) -> Result<(), DocError> {
        let repr = Repr::of(value, self.schema.shape(pattern)?);
        let new_object = |tx: &mut Transaction<'d>, ty| match (&prop, insert) {
            (Prop::Seq(index), true) => tx.insert_object(parent, *index, ty),
            _ => tx.put_object(parent, prop.clone(), ty),
        };
        match (repr, value) {
            (Repr::Map, Value::Object(map)) => {
                let obj = new_object(self.tx, ObjType::Map)?;
                self.fill_map(&obj, pattern, map)
            }
            (Repr::List, Value::Array(items)) => {
                let obj = new_object(self.tx, ObjType::List)?;
                let item_pattern = format!("{pattern}/*");
                for (index, item) in items.iter().enumerate() {
                    self.write(&obj, Prop::Seq(index), true, &item_pattern, item)?;
                }
                Ok(())
            }
            (Repr::Text, Value::String(text)) => {
                let obj = new_object(self.tx, ObjType::Text)?;
                Ok(self.tx.splice_text(&obj, 0, 0, text)?)
            }
            _ => {
                let scalar = json_to_scalar(value);
                match (&prop, insert) {
                    (Prop::Seq(index), true) => self.tx.insert(parent, *index, scalar)?,
                    _ => self.tx.put(parent, prop.clone(), scalar)?,
                }
                Ok(())
            }
        }
    }
}

/// A JSON scalar as an Automerge scalar: integers stay integers.
fn json_to_scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => ScalarValue::Int(i),
            (None, Some(u), _) => ScalarValue::Uint(u),
            (None, None, Some(f)) => ScalarValue::F64(f),
            (None, None, None) => ScalarValue::Null,
        },
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        Value::Null | Value::Array(_) | Value::Object(_) => ScalarValue::Null,
    }
}

/// A stretch of a list where old and new elements differ.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gap {
    old: Range<usize>,
    new: Range<usize>,
}

/// The stretches between the elements that stay: a common prefix and suffix, then the longest
/// common subsequence of what remains.
fn align(old: &[Value], new: &[Value]) -> Vec<Gap> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_mid, new_mid) = (prefix..old.len() - suffix, prefix..new.len() - suffix);
    let matches = if old_mid.len().saturating_mul(new_mid.len()) > MAX_ALIGNMENT_CELLS {
        Vec::new()
    } else {
        lcs(&old[old_mid.clone()], &new[new_mid.clone()])
    };
    let mut gaps = Vec::new();
    let (mut o, mut n) = (old_mid.start, new_mid.start);
    for (i, j) in matches {
        let (i, j) = (old_mid.start + i, new_mid.start + j);
        if i > o || j > n {
            gaps.push(Gap {
                old: o..i,
                new: n..j,
            });
        }
        (o, n) = (i + 1, j + 1);
    }
    if old_mid.end > o || new_mid.end > n {
        gaps.push(Gap {
            old: o..old_mid.end,
            new: n..new_mid.end,
        });
    }
    gaps
}

/// Index pairs of a longest common subsequence, ascending.
fn lcs(a: &[Value], b: &[Value]) -> Vec<(usize, usize)> {
    let width = b.len() + 1;
    let mut table = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Pairs as many old and new elements of a gap as possible (in order), choosing among such
/// pairings the one whose pairs are most alike, so that an edited row keeps its identity even
/// when a neighbour is removed at the same time.
fn pair_rows(old: &[Value], new: &[Value]) -> Vec<(usize, usize)> {
    if old.is_empty() || new.is_empty() {
        return Vec::new();
    }
    if old.len().saturating_mul(new.len()) > MAX_ALIGNMENT_CELLS {
        return (0..old.len().min(new.len())).map(|i| (i, i)).collect();
    }
    let width = new.len() + 1;
    let mut best = vec![0usize; (old.len() + 1) * width];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            let pair = PAIR_WEIGHT + similarity(&old[i], &new[j]) + best[(i + 1) * width + j + 1];
            best[i * width + j] = pair
                .max(best[(i + 1) * width + j])
                .max(best[i * width + j + 1]);
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < old.len() && j < new.len() {
        let here = best[i * width + j];
        if here == PAIR_WEIGHT + similarity(&old[i], &new[j]) + best[(i + 1) * width + j + 1] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if here == best[(i + 1) * width + j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// How alike two elements are: the number of equal fields of two rows, 1 for equal values.
fn similarity(a: &Value, b: &Value) -> usize {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .filter(|(k, v)| b.get(k.as_str()) == Some(v))
            .count(),
        _ => usize::from(a == b),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn values(v: Value) -> Vec<Value> {
        v.as_array().unwrap().clone()
    }

    #[test]
    fn alignment_keeps_common_elements_and_reports_the_gaps() {
        let old = values(json!(["a", "b", "c", "d"]));
        let new = values(json!(["a", "x", "c", "d", "e"]));
        assert_eq!(
            align(&old, &new),
            vec![
                Gap {
                    old: 1..2,
                    new: 1..2
                },
                Gap {
                    old: 4..4,
                    new: 4..5
                }
            ]
        );
        assert!(align(&old, &old).is_empty());
    }

    #[test]
    fn pairing_in_a_gap_prefers_the_most_alike_rows() {
        let old = values(json!([{"id": 1, "v": "b"}, {"id": 2, "v": "c"}]));
        let new = values(json!([{"id": 2, "v": "c2"}]));
        assert_eq!(pair_rows(&old, &new), vec![(1, 0)]);
    }
}
