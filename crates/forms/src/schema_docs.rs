//! The raw schema documents, kept beside their compiled validators so that messages can name a
//! field by its Russian titles and the CLI can describe a form.
//!
//! The walk follows the instance's pointer through `properties`, `items`, local and absolute
//! `$ref`s and the branches of `allOf` / `anyOf` / `oneOf` / `then` / `else`. It never fails:
//! a place the schema does not describe is named by its key.

use std::collections::HashMap;

use serde_json::Value;

use crate::pointer;

/// How deep a chain of `$ref`s may go before the walk gives up (a cycle in a broken schema must
/// not hang the validator).
const MAX_REF_DEPTH: usize = 32;

/// All schema documents of the catalogue, by their `$id` (without fragment).
#[derive(Debug, Default)]
pub(crate) struct SchemaDocs {
    docs: HashMap<String, Value>,
}

/// A schema node together with the URI of the document it lives in (for resolving `#…` refs).
#[derive(Clone, Copy)]
pub(crate) struct Node<'s> {
    base: &'s str,
    value: &'s Value,
}

/// One step of a field's human name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Label {
    /// A property, by its title (or key when it has none).
    Field(String),
    /// An element of an array of objects: «строка N».
    Row(usize),
    /// An element of an array of plain values: «пункт N».
    Item(usize),
    /// A row named the way its document names it: «2026 год, № 1».
    Named(String),
}

impl SchemaDocs {
    pub(crate) fn insert(&mut self, uri: String, doc: Value) {
        self.docs.insert(uri, doc);
    }

    pub(crate) fn get(&self, uri: &str) -> Option<&Value> {
        self.docs.get(uri)
    }

    /// The root node of the document with this `$id`.
    pub(crate) fn root<'s>(&'s self, uri: &str) -> Option<Node<'s>> {
        self.docs
            .get_key_value(uri)
            .map(|(base, value)| Node { base, value })
    }

    /// Resolves a `$ref` seen in a document whose URI is `base`.
    fn resolve<'s>(&'s self, base: &'s str, reference: &str) -> Option<Node<'s>> {
        let (doc_uri, fragment) = match reference.split_once('#') {
            Some(("", fragment)) => (base, fragment),
            Some((uri, fragment)) => (uri, fragment),
            None => (reference, ""),
        };
        let (base, doc) = self.docs.get_key_value(doc_uri)?;
        let value = if fragment.is_empty() {
            doc
        } else {
            doc.pointer(fragment)?
        };
        Some(Node { base, value })
    }

    /// Follows `$ref`s until a node without one (or with its own `properties`/`items`).
    pub(crate) fn deref<'s>(&'s self, mut node: Node<'s>) -> Node<'s> {
        for _ in 0..MAX_REF_DEPTH {
            let Some(reference) = node.value.get("$ref").and_then(Value::as_str) else {
                return node;
            };
            if node.value.get("properties").is_some() || node.value.get("items").is_some() {
                return node;
            }
            match self.resolve(node.base, reference) {
                Some(next) => node = next,
                None => return node,
            }
        }
        node
    }

    /// The title of a node: its own, or that of what it refers to.
    pub(crate) fn title<'s>(&'s self, node: Node<'s>) -> Option<&'s str> {
        node.value
            .get("title")
            .and_then(Value::as_str)
            .or_else(|| self.deref(node).value.get("title").and_then(Value::as_str))
    }

    /// The child schema for one instance segment, looking through combinators.
    pub(crate) fn child<'s>(&'s self, node: Node<'s>, segment: &str) -> Option<Node<'s>> {
        let node = self.deref(node);
        let here = node.value;
        if let Some(child) = here.get("properties").and_then(|p| p.get(segment)) {
            return Some(Node {
                base: node.base,
                value: child,
            });
        }
        if segment.parse::<usize>().is_ok()
            && let Some(items) = here.get("items").filter(|i| i.is_object())
        {
            return Some(Node {
                base: node.base,
                value: items,
            });
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for branch in here
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let branch = Node {
                    base: node.base,
                    value: branch,
                };
                if let Some(found) = self.child(branch, segment) {
                    return Some(found);
                }
            }
        }
        for key in ["then", "else"] {
            if let Some(branch) = here.get(key) {
                let branch = Node {
                    base: node.base,
                    value: branch,
                };
                if let Some(found) = self.child(branch, segment) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// The schema node that describes the value at `instance_pointer`, if the schema says.
    pub(crate) fn node_at<'s>(
        &'s self,
        root: Node<'s>,
        instance_pointer: &str,
    ) -> Option<Node<'s>> {
        let mut node = root;
        for segment in pointer::segments(instance_pointer) {
            node = self.child(node, &segment)?;
        }
        Some(self.deref(node))
    }

    /// The human name of the field at `instance_pointer`, step by step.
    pub(crate) fn labels(&self, root: Node<'_>, instance_pointer: &str) -> Vec<Label> {
        let mut node = Some(root);
        let mut labels = Vec::new();
        for segment in pointer::segments(instance_pointer) {
            let parent = node.map(|n| self.deref(n));
            node = parent.and_then(|p| self.child(p, &segment));
            let label = match segment.parse::<usize>() {
                Ok(index) if parent.is_some_and(|p| is_array(p.value)) => {
                    if node.is_some_and(|n| is_object(self.deref(n).value)) {
                        Label::Row(index + 1)
                    } else {
                        Label::Item(index + 1)
                    }
                }
                _ => Label::Field(
                    node.and_then(|n| self.title(n))
                        .unwrap_or(segment.as_str())
                        .to_owned(),
                ),
            };
            labels.push(label);
        }
        labels
    }

    /// The `(const, title)` pairs of an enumeration node (`oneOf` of `const`s, or `enum`).
    pub(crate) fn choices<'s>(
        &'s self,
        node: Node<'s>,
    ) -> Option<Vec<(&'s Value, Option<&'s str>)>> {
        let node = self.deref(node);
        if let Some(branches) = node.value.get("oneOf").and_then(Value::as_array) {
            return branches
                .iter()
                .map(|b| {
                    b.get("const")
                        .map(|c| (c, b.get("title").and_then(Value::as_str)))
                })
                .collect();
        }
        node.value
            .get("enum")
            .and_then(Value::as_array)
            .map(|values| values.iter().map(|v| (v, None)).collect())
    }

    /// The items schema of an array node.
    pub(crate) fn items<'s>(&'s self, node: Node<'s>) -> Option<Node<'s>> {
        let node = self.deref(node);
        node.value
            .get("items")
            .filter(|i| i.is_object())
            .map(|items| Node {
                base: node.base,
                value: items,
            })
    }

    /// The properties of an object node, in schema order.
    pub(crate) fn properties<'s>(&'s self, node: Node<'s>) -> Vec<(&'s str, Node<'s>)> {
        let node = self.deref(node);
        node.value
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str(),
                            Node {
                                base: node.base,
                                value: v,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl<'s> Node<'s> {
    /// The raw JSON of this node.
    pub(crate) fn value(self) -> &'s Value {
        self.value
    }
}

fn has_type(schema: &Value, wanted: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == wanted),
        _ => false,
    }
}

pub(crate) fn is_array(schema: &Value) -> bool {
    has_type(schema, "array") || schema.get("items").is_some()
}

pub(crate) fn is_object(schema: &Value) -> bool {
    has_type(schema, "object") || schema.get("properties").is_some()
}

impl SchemaDocs {
    /// Every document with its `$id`.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.docs.iter().map(|(uri, doc)| (uri.as_str(), doc))
    }
}
