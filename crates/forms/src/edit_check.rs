//! Type-checking a single edit of a draft against the form's schema.
//!
//! A draft need not be valid (fields may be empty, rows incomplete), but a value written into a
//! place must have the kind the schema gives that place: a text where a text goes, a list where
//! a table goes. This keeps drafts well-typed, so that merging, rendering and validating them
//! never meets a string where a table should be.

use serde_json::Value;

use crate::catalogue::Catalogue;
use crate::error::LookupError;
use crate::outline::{FieldKind, kind_of};
use crate::schema_docs::Node;

/// Why an edit was refused. `Display` is English; `message_ru` is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The form does not exist.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// The pointer leads nowhere the schema describes.
    #[error("{pointer}: the form has no such field")]
    UnknownField {
        /// The pointer of the edit.
        pointer: String,
    },
    /// The value has the wrong kind for its place.
    #[error("{pointer}: expected {expected}, got {got}")]
    WrongKind {
        /// The place (possibly inside the written value).
        pointer: String,
        /// What the schema wants, in Russian.
        expected: String,
        /// What the value is, in Russian.
        got: String,
    },
    /// The value would nest deeper than any form allows ([`crate::MAX_DEPTH`]).
    #[error("{pointer}: nested deeper than {limit} levels")]
    TooDeep {
        /// The first place inside the value that lies too deep.
        pointer: String,
        /// The limit, [`crate::MAX_DEPTH`].
        limit: usize,
    },
}

impl Catalogue {
    /// The kind of value the form expects at `pointer` (`*` or a number for any row), or
    /// `None` when the schema does not describe that place.
    pub fn field_kind(&self, form: &str, pointer: &str) -> Result<Option<FieldKind>, LookupError> {
        let form = self.form(form)?;
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        Ok(self
            .node_for(root, pointer)
            .map(|node| kind_of(&self.docs, node)))
    }

    /// Checks that `value` may be written at `pointer` of a draft of `form`: the place exists,
    /// the value nests no deeper than [`crate::MAX_DEPTH`] there, and it (recursively) has the
    /// kinds the schema gives. Emptiness and limits are not checked here: that is validation's
    /// job.
    pub fn check_edit(&self, form: &str, pointer: &str, value: &Value) -> Result<(), EditError> {
        let form = self.form(form)?;
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        let node = self
            .node_for(root, pointer)
            .ok_or_else(|| EditError::UnknownField {
                pointer: pointer.to_owned(),
            })?;
        // Before the recursive check, and before anything writes the value: the depth bound is
        // what keeps both (and every later reading of the document) within a small stack.
        let base = pointer.bytes().filter(|b| *b == b'/').count();
        if let Some(place) = crate::depth::too_deep(value, base, crate::MAX_DEPTH) {
            return Err(EditError::TooDeep {
                pointer: format!("{pointer}{place}"),
                limit: crate::MAX_DEPTH,
            });
        }
        self.check_node(node, pointer, value)
    }

    fn node_for<'s>(&'s self, root: Node<'s>, pointer: &str) -> Option<Node<'s>> {
        let mut node = root;
        for segment in crate::pointer::segments(pointer) {
            let segment = if segment == "*" || segment == "-" {
                "0".to_owned()
            } else {
                segment
            };
            node = self.docs.child(node, &segment)?;
        }
        Some(node)
    }

    fn check_node(&self, node: Node<'_>, at: &str, value: &Value) -> Result<(), EditError> {
        let kind = kind_of(&self.docs, node);
        let wrong = || EditError::WrongKind {
            pointer: at.to_owned(),
            expected: kind.describe(),
            got: crate::messages::value_kind(value).to_owned(),
        };
        // `null` clears a field in any place: a draft may be emptied.
        if value.is_null() {
            return Ok(());
        }
        match (&kind, value) {
            (FieldKind::Section, Value::Object(map)) => {
                for (key, child_value) in map {
                    let child_at = format!("{at}/{}", crate::pointer::escape(key));
                    let child =
                        self.docs
                            .child(node, key)
                            .ok_or_else(|| EditError::UnknownField {
                                pointer: child_at.clone(),
                            })?;
                    self.check_node(child, &child_at, child_value)?;
                }
                Ok(())
            }
            (FieldKind::Table | FieldKind::List(_), Value::Array(items)) => {
                let Some(item_node) = self.docs.items(node) else {
                    return Ok(());
                };
                for (i, item) in items.iter().enumerate() {
                    self.check_node(item_node, &format!("{at}/{i}"), item)?;
                }
                Ok(())
            }
            (FieldKind::Choice(_), Value::String(_) | Value::Number(_) | Value::Bool(_)) => Ok(()),
            (FieldKind::Text | FieldKind::Narrative | FieldKind::Date, Value::String(_)) => Ok(()),
            (FieldKind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
            (FieldKind::Number, Value::Number(_)) => Ok(()),
            (FieldKind::Boolean, Value::Bool(_)) => Ok(()),
            _ => Err(wrong()),
        }
    }
}

impl EditError {
    /// The refusal in Russian, for people.
    pub fn message_ru(&self) -> String {
        match self {
            EditError::Lookup(e) => e.to_string(),
            EditError::UnknownField { pointer } => format!("в форме нет поля {pointer}"),
            EditError::WrongKind {
                pointer,
                expected,
                got,
            } => {
                format!("{pointer}: здесь должно быть «{expected}», а указано: {got}")
            }
            EditError::TooDeep { pointer, limit } => format!(
                "{pointer}: значение вложено глубже {limit} {} — в формах так глубоко не бывает",
                crate::messages::levels_genitive(*limit)
            ),
        }
    }
}
