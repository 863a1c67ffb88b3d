//! A form as a person sees it: the tree of its fields with titles and kinds, and an empty
//! skeleton to fill in.

use serde_json::{Map, Value};

use crate::catalogue::Catalogue;
use crate::error::LookupError;
use crate::schema_docs::{self, Node, SchemaDocs};

/// How deep the walks over a schema descend (guards against recursive schemas); a value nested
/// deeper than this keeps its order as it is.
const MAX_SCHEMA_DEPTH: usize = 12;

/// What kind of value a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// A section: an object with fields of its own.
    Section,
    /// A table: a list of rows, each an object.
    Table,
    /// A list of plain values.
    List(Box<FieldKind>),
    /// One of fixed values; the Russian titles of the choices.
    Choice(Vec<String>),
    /// Long text several people write together.
    Narrative,
    /// A short text.
    Text,
    /// A date.
    Date,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// Yes or no.
    Boolean,
}

impl FieldKind {
    /// The kind in Russian, for people.
    pub fn describe(&self) -> String {
        match self {
            FieldKind::Section => "раздел".to_owned(),
            FieldKind::Table => "таблица".to_owned(),
            FieldKind::List(inner) => format!("список: {}", inner.describe()),
            FieldKind::Choice(titles) => format!("выбор: {}", titles.join(" | ")),
            FieldKind::Narrative => "связный текст".to_owned(),
            FieldKind::Text => "текст".to_owned(),
            FieldKind::Date => "дата".to_owned(),
            FieldKind::Integer => "целое число".to_owned(),
            FieldKind::Number => "число".to_owned(),
            FieldKind::Boolean => "да/нет".to_owned(),
        }
    }
}

/// One line of a form's outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldLine {
    /// Nesting depth, 0 for top-level fields.
    pub depth: usize,
    /// Pointer pattern of the field; `*` stands for any row (`/action_plan/*/start`).
    pub pointer: String,
    /// Russian title (the key when the schema gives none).
    pub title: String,
    /// Russian description, if any.
    pub description: Option<String>,
    /// What the field holds.
    pub kind: FieldKind,
    /// Whether the base schema requires it.
    pub required: bool,
}

impl Catalogue {
    /// The fields of a form, depth first, in schema order.
    pub fn outline(&self, form: &str) -> Result<Vec<FieldLine>, LookupError> {
        let form = self.form(form)?;
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        let mut lines = Vec::new();
        walk(&self.docs, root, "", 0, &mut lines);
        Ok(lines)
    }

    /// An empty document of a form: every field present, texts empty, numbers and dates
    /// `null`, tables with one empty row to show their shape.
    pub fn template(&self, form: &str) -> Result<Value, LookupError> {
        let form = self.form(form)?;
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        Ok(skeleton(&self.docs, root, 0))
    }
}

fn required_keys(docs: &SchemaDocs, node: Node<'_>) -> Vec<String> {
    docs.deref(node)
        .value()
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn walk(docs: &SchemaDocs, node: Node<'_>, at: &str, depth: usize, out: &mut Vec<FieldLine>) {
    if depth > MAX_SCHEMA_DEPTH {
        return;
    }
    let required = required_keys(docs, node);
    for (key, child) in docs.properties(node) {
        let pointer = format!("{at}/{key}");
        let kind = kind_of(docs, child);
        out.push(FieldLine {
            depth,
            pointer: pointer.clone(),
            title: docs.title(child).unwrap_or(key).to_owned(),
            description: description(docs, child),
            kind: kind.clone(),
            required: required.iter().any(|r| r == key),
        });
        match kind {
            FieldKind::Section => walk(docs, child, &pointer, depth + 1, out),
            FieldKind::Table => {
                if let Some(items) = docs.items(child) {
                    walk(docs, items, &format!("{pointer}/*"), depth + 1, out);
                }
            }
            _ => {}
        }
    }
}

fn description(docs: &SchemaDocs, node: Node<'_>) -> Option<String> {
    node.value()
        .get("description")
        .or_else(|| docs.deref(node).value().get("description"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

pub(crate) fn kind_of(docs: &SchemaDocs, node: Node<'_>) -> FieldKind {
    if let Some(choices) = docs.choices(node) {
        return FieldKind::Choice(
            choices
                .iter()
                .map(|(value, title)| title.map_or_else(|| value.to_string(), str::to_owned))
                .collect(),
        );
    }
    let value = docs.deref(node).value();
    if schema_docs::is_array(value) {
        return match docs.items(node) {
            Some(items) if schema_docs::is_object(docs.deref(items).value()) => FieldKind::Table,
            Some(items) => FieldKind::List(Box::new(kind_of(docs, items))),
            None => FieldKind::List(Box::new(FieldKind::Text)),
        };
    }
    if schema_docs::is_object(value) {
        return FieldKind::Section;
    }
    if value.get("x-narrative").and_then(Value::as_bool) == Some(true) {
        return FieldKind::Narrative;
    }
    let ty = value.get("type").and_then(|t| match t {
        Value::Array(ts) => ts.iter().find(|t| *t != "null").and_then(Value::as_str),
        t => t.as_str(),
    });
    match (ty, value.get("format").and_then(Value::as_str)) {
        (Some("string"), Some("date")) => FieldKind::Date,
        (Some("integer"), _) => FieldKind::Integer,
        (Some("number"), _) => FieldKind::Number,
        (Some("boolean"), _) => FieldKind::Boolean,
        _ => FieldKind::Text,
    }
}

fn skeleton(docs: &SchemaDocs, node: Node<'_>, depth: usize) -> Value {
    if depth > MAX_SCHEMA_DEPTH {
        return Value::Null;
    }
    match kind_of(docs, node) {
        FieldKind::Section => Value::Object(
            docs.properties(node)
                .into_iter()
                .map(|(key, child)| (key.to_owned(), skeleton(docs, child, depth + 1)))
                .collect::<Map<_, _>>(),
        ),
        FieldKind::Table => {
            let row = docs
                .items(node)
                .map_or(Value::Null, |items| skeleton(docs, items, depth + 1));
            Value::Array(vec![row])
        }
        FieldKind::List(_) => Value::Array(Vec::new()),
        FieldKind::Text | FieldKind::Narrative => Value::String(String::new()),
        FieldKind::Boolean => Value::Bool(false),
        _ => Value::Null,
    }
}

impl Catalogue {
    /// Reorders the keys of every object in `value` as the form's schema lists them (keys the
    /// schema does not know keep their place at the end). Automerge keeps map keys sorted; people
    /// read a form in its own order.
    pub fn order_like_schema(&self, form: &str, value: &mut Value) -> Result<(), LookupError> {
        let form = self.form(form)?;
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        reorder(&self.docs, Some(root), value, 0);
        Ok(())
    }

    /// The Russian title of a choice value at `pointer` («Управление» for `management`), if the
    /// place is a choice and the value one of its options.
    pub fn choice_title(&self, form: &str, pointer: &str, value: &Value) -> Option<String> {
        let form = self.form(form).ok()?;
        let root = self.docs.root(&form.uri)?;
        let node = self.docs.node_at(root, pointer)?;
        self.docs
            .choices(node)?
            .into_iter()
            .find(|(option, _)| *option == value)
            .and_then(|(_, title)| title.map(str::to_owned))
    }
}

fn reorder(docs: &SchemaDocs, node: Option<Node<'_>>, value: &mut Value, depth: usize) {
    if depth > MAX_SCHEMA_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            let properties = node.map(|n| docs.properties(n)).unwrap_or_default();
            let mut old = std::mem::take(map);
            for (key, child) in &properties {
                if let Some(mut v) = old.remove(*key) {
                    reorder(docs, Some(*child), &mut v, depth + 1);
                    map.insert((*key).to_owned(), v);
                }
            }
            for (key, mut v) in old {
                reorder(docs, None, &mut v, depth + 1);
                map.insert(key, v);
            }
        }
        Value::Array(items) => {
            let item_node = node.and_then(|n| docs.items(n));
            for item in items {
                reorder(docs, item_node, item, depth + 1);
            }
        }
        _ => {}
    }
}

impl Catalogue {
    /// The containers of a form: every section an empty object, every table or list an empty
    /// list, every text an empty string, recursively through sections (not into rows), and no
    /// scalar values. A document created with its containers present merges concurrent first
    /// edits inside them; created without, two people filling the same missing section offline
    /// would each create it and one of them would lose their edits.
    pub fn containers(&self, form: &str) -> Result<Value, LookupError> {
        let form = self.form(form)?;
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        Ok(containers(&self.docs, root, 0))
    }
}

fn containers(docs: &SchemaDocs, node: Node<'_>, depth: usize) -> Value {
    let fields = docs
        .properties(node)
        .into_iter()
        .filter_map(|(key, child)| {
            let value = match kind_of(docs, child) {
                FieldKind::Section if depth < MAX_SCHEMA_DEPTH => {
                    containers(docs, child, depth + 1)
                }
                FieldKind::Table | FieldKind::List(_) => Value::Array(Vec::new()),
                FieldKind::Text | FieldKind::Narrative => Value::String(String::new()),
                _ => return None,
            };
            Some((key.to_owned(), value))
        });
    Value::Object(fields.collect())
}

/// A copy of `value` without what is empty: empty strings, empty lists and objects left empty
/// once their own empty fields are gone. Rows of tables are kept (their place matters) even when
/// empty. An unfilled field and an empty one mean the same to a person; validation should say
/// «не заполнено» for both.
///
/// The copy is made with an explicit stack rather than by recursion, so a value of any depth
/// is copied without exhausting the thread's stack (validation then refuses one nested deeper
/// than [`crate::MAX_DEPTH`]).
pub fn without_empty(value: &Value) -> Value {
    /// An object or array being copied: its children still to visit, what is kept of them so
    /// far, and the key it goes under in its parent (`None` in an array or at the top).
    struct Frame<'v> {
        children: Children<'v>,
        kept: Value,
        key: Option<&'v String>,
    }
    enum Children<'v> {
        Object(serde_json::map::Iter<'v>),
        Array(std::slice::Iter<'v, Value>),
    }
    fn open<'v>(value: &'v Value, key: Option<&'v String>) -> Option<Frame<'v>> {
        let (children, kept) = match value {
            Value::Object(map) => (Children::Object(map.iter()), Value::Object(Map::new())),
            Value::Array(items) => (
                Children::Array(items.iter()),
                Value::Array(Vec::with_capacity(items.len())),
            ),
            _ => return None,
        };
        Some(Frame {
            children,
            kept,
            key,
        })
    }
    /// Adds a finished child to its parent: an object drops it when empty, an array keeps it.
    fn keep(parent: &mut Value, key: Option<&String>, child: Value) {
        match (parent, key) {
            (Value::Object(map), Some(key)) => {
                if !is_empty(&child) {
                    map.insert(key.clone(), child);
                }
            }
            (Value::Array(items), _) => items.push(child),
            _ => unreachable!("object children have keys, array children do not"),
        }
    }

    let Some(top) = open(value, None) else {
        return value.clone();
    };
    let mut stack = vec![top];
    loop {
        let frame = stack
            .last_mut()
            .expect("the stack holds the value being copied");
        let next = match &mut frame.children {
            Children::Object(entries) => entries.next().map(|(key, child)| (Some(key), child)),
            Children::Array(items) => items.next().map(|child| (None, child)),
        };
        match next {
            Some((key, child)) => match open(child, key) {
                Some(inner) => stack.push(inner),
                None => keep(&mut frame.kept, key, child.clone()),
            },
            None => {
                let done = stack.pop().expect("the frame just looked at");
                match stack.last_mut() {
                    Some(parent) => keep(&mut parent.kept, done.key, done.kept),
                    None => return done.kept,
                }
            }
        }
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}
