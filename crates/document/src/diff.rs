//! What changed between two versions of a document, field by field.
//!
//! Both versions are read with the identities of their objects, so a row is followed by its
//! identity, not its index: a row inserted above another does not make the rows below look
//! changed. Texts and scalars are compared by value.
//!
//! Both trees are read to at most [`crate::MAX_DEPTH`] levels (a deeper version is refused with
//! [`DocError::TooDeep`]), so comparing them, and turning their nodes into JSON, recurses no
//! deeper.

use automerge::{Automerge, ChangeHash, ObjId, ObjType, ScalarValue};
use serde_json::{Map, Value};

use crate::error::DocError;
use crate::pointer;
use crate::read::{Reader, Tree, check_heads, no_data, scalar_to_json};

/// How a field changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The field, row or item is new.
    Added,
    /// It is gone.
    Removed,
    /// Its value differs.
    Changed,
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// Where: for removed rows the index they had, otherwise the index they have now.
    pub pointer: String,
    /// How it changed.
    pub kind: ChangeKind,
    /// The value before (`None` when added).
    pub old: Option<Value>,
    /// The value after (`None` when removed).
    pub new: Option<Value>,
}

/// The differences from version `from` to version `to` (heads; the empty heads are the state
/// before the first change), in document order: scalars and texts that changed, and fields,
/// rows and items added or removed as a whole. A version nested deeper than [`crate::MAX_DEPTH`] is
/// refused ([`DocError::TooDeep`]).
pub fn diff(
    doc: &Automerge,
    from: &[ChangeHash],
    to: &[ChangeHash],
) -> Result<Vec<FieldChange>, DocError> {
    check_heads(doc, from)?;
    check_heads(doc, to)?;
    // Empty sections, tables and texts exist from creation (see `create`): to a person they
    // are unfilled, so filling one is an addition, not a change from "".
    let old = unfilled_removed(read_tree(doc, from)?);
    let new = unfilled_removed(read_tree(doc, to)?);
    let mut out = Vec::new();
    compare(String::new(), &old, &new, &mut out);
    Ok(out)
}

/// A version of the data with object identities kept.
#[derive(Debug)]
enum Node {
    Map(Vec<(String, Node)>),
    List(Vec<(Option<ObjId>, Node)>),
    Text(String),
    Scalar(Value),
}

/// The tree without empty texts, lists and sections among a map's fields (rows stay).
fn unfilled_removed(node: Node) -> Node {
    match node {
        Node::Map(fields) => Node::Map(
            fields
                .into_iter()
                .map(|(key, child)| (key, unfilled_removed(child)))
                .filter(|(_, child)| !matches!(child, Node::Text(t) if t.is_empty()))
                .filter(|(_, child)| !matches!(child, Node::List(items) if items.is_empty()))
                .filter(|(_, child)| !matches!(child, Node::Map(fields) if fields.is_empty()))
                .collect(),
        ),
        Node::List(items) => Node::List(
            items
                .into_iter()
                .map(|(id, child)| (id, unfilled_removed(child)))
                .collect(),
        ),
        other => other,
    }
}

fn read_tree(doc: &Automerge, heads: &[ChangeHash]) -> Result<Node, DocError> {
    let reader = Reader {
        doc,
        heads: Some(heads),
    };
    match reader.data()? {
        Some(data) => reader.tree(&data, ObjType::Map, 1),
        None if heads.is_empty() => Ok(Node::Map(Vec::new())),
        None => Err(no_data()),
    }
}

/// The diff's tree is read like JSON (iteratively, to at most [`crate::MAX_DEPTH`] levels), keeping the
/// identities of list elements that are objects, and the keys of maps sorted.
impl Tree for Node {
    type Fields = Vec<(String, Node)>;
    type Items = Vec<(Option<ObjId>, Node)>;

    fn scalar(value: &ScalarValue) -> Self {
        Node::Scalar(scalar_to_json(value))
    }

    fn text(text: String) -> Self {
        Node::Text(text)
    }

    fn insert(map: &mut Self::Fields, key: String, value: Self) {
        map.push((key, value));
    }

    fn push(list: &mut Self::Items, id: Option<ObjId>, value: Self) {
        list.push((id, value));
    }

    fn map(mut map: Self::Fields) -> Self {
        map.sort_by(|a, b| a.0.cmp(&b.0));
        Node::Map(map)
    }

    fn list(list: Self::Items) -> Self {
        Node::List(list)
    }
}

impl Node {
    fn to_json(&self) -> Value {
        match self {
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
            Node::List(items) => Value::Array(items.iter().map(|(_, v)| v.to_json()).collect()),
            Node::Text(text) => Value::String(text.clone()),
            Node::Scalar(value) => value.clone(),
        }
    }
}

fn compare(at: String, old: &Node, new: &Node, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Node::Map(old), Node::Map(new)) => compare_maps(&at, old, new, out),
        (Node::List(old), Node::List(new)) => compare_lists(&at, old, new, out),
        _ => {
            let (old, new) = (old.to_json(), new.to_json());
            if old != new {
                out.push(FieldChange {
                    pointer: at,
                    kind: ChangeKind::Changed,
                    old: Some(old),
                    new: Some(new),
                });
            }
        }
    }
}

fn compare_maps(
    at: &str,
    old: &[(String, Node)],
    new: &[(String, Node)],
    out: &mut Vec<FieldChange>,
) {
    // Both key lists are sorted, so they merge like sorted sequences.
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let order = match (old.get(i), new.get(j)) {
            (Some((a, _)), Some((b, _))) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Less => {
                let (key, node) = &old[i];
                out.push(removed(pointer::child(at, key), node));
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let (key, node) = &new[j];
                out.push(added(pointer::child(at, key), node));
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                compare(pointer::child(at, &old[i].0), &old[i].1, &new[j].1, out);
                i += 1;
                j += 1;
            }
        }
    }
}

fn compare_lists(
    at: &str,
    old: &[(Option<ObjId>, Node)],
    new: &[(Option<ObjId>, Node)],
    out: &mut Vec<FieldChange>,
) {
    let same = |a: &(Option<ObjId>, Node), b: &(Option<ObjId>, Node)| match (&a.0, &b.0) {
        (Some(a), Some(b)) => a == b,
        (None, None) => a.1.to_json() == b.1.to_json(),
        _ => false,
    };
    // Longest common subsequence by identity (rows, texts) or value (plain items).
    let width = new.len() + 1;
    let mut table = vec![0u32; (old.len() + 1) * width];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            table[i * width + j] = if same(&old[i], &new[j]) {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && same(&old[i], &new[j]) {
            compare(pointer::index(at, j), &old[i].1, &new[j].1, out);
            i += 1;
            j += 1;
        } else if j >= new.len()
            || (i < old.len() && table[(i + 1) * width + j] >= table[i * width + j + 1])
        {
            out.push(removed(pointer::index(at, i), &old[i].1));
            i += 1;
        } else {
            out.push(added(pointer::index(at, j), &new[j].1));
            j += 1;
        }
    }
}

fn added(pointer: String, node: &Node) -> FieldChange {
    FieldChange {
        pointer,
        kind: ChangeKind::Added,
        old: None,
        new: Some(node.to_json()),
    }
}

fn removed(pointer: String, node: &Node) -> FieldChange {
    FieldChange {
        pointer,
        kind: ChangeKind::Removed,
        old: Some(node.to_json()),
        new: None,
    }
}
