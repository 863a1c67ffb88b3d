//! What the form's schema says about a place: how its value is represented in Automerge, and
//! whether an edit may write a value there.
//!
//! Lookups walk the schema from its root, so one operation (an `apply` of a burst of edits, an
//! import) remembers the answers by pointer pattern (`*` for any row).

use std::collections::HashMap;

use forms::{Catalogue, FieldKind};
use serde_json::Value;

use crate::error::DocError;

/// How a place is represented in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A section: a map.
    Map,
    /// A table (rows are maps) or a list of plain values.
    List {
        /// Whether the elements are rows.
        table: bool,
    },
    /// A short or long text people write: an Automerge text object.
    Text,
    /// A date, a choice code, a number or a boolean: a scalar.
    Scalar,
    /// The schema does not describe the place (items of a list without an item schema).
    Unknown,
}

/// Representation of one JSON value at a place of a given shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repr {
    Map,
    List,
    Text,
    Scalar,
}

impl Repr {
    /// How `value` is stored at a place of `shape`: strings become texts where people write
    /// them (and where the schema is silent, as a list without an item schema holds texts).
    pub(crate) fn of(value: &Value, shape: Shape) -> Repr {
        match value {
            Value::Object(_) => Repr::Map,
            Value::Array(_) => Repr::List,
            Value::String(_) if matches!(shape, Shape::Text | Shape::Unknown) => Repr::Text,
            _ => Repr::Scalar,
        }
    }
}

/// One form's schema, asked about places; answers are cached for the life of the value.
pub(crate) struct Schema<'c> {
    catalogue: &'c Catalogue,
    form: &'c str,
    shapes: HashMap<String, Shape>,
}

impl<'c> Schema<'c> {
    /// `data` over the form's empty containers (see `layout::with_containers`).
    pub(crate) fn with_containers(
        &self,
        data: &serde_json::Value,
    ) -> Result<serde_json::Value, DocError> {
        crate::layout::with_containers(self.catalogue, self.form, data)
    }

    pub(crate) fn new(catalogue: &'c Catalogue, form: &'c str) -> Self {
        Self {
            catalogue,
            form,
            shapes: HashMap::new(),
        }
    }

    /// The shape of the place at `pattern` (indices or `*` for rows).
    pub(crate) fn shape(&mut self, pattern: &str) -> Result<Shape, DocError> {
        if let Some(shape) = self.shapes.get(pattern) {
            return Ok(*shape);
        }
        let shape = match self.catalogue.field_kind(self.form, pattern)? {
            None => Shape::Unknown,
            Some(FieldKind::Section) => Shape::Map,
            Some(FieldKind::Table) => Shape::List { table: true },
            Some(FieldKind::List(_)) => Shape::List { table: false },
            Some(FieldKind::Text | FieldKind::Narrative) => Shape::Text,
            Some(
                FieldKind::Choice(_)
                | FieldKind::Date
                | FieldKind::Integer
                | FieldKind::Number
                | FieldKind::Boolean,
            ) => Shape::Scalar,
        };
        self.shapes.insert(pattern.to_owned(), shape);
        Ok(shape)
    }

    /// Whether the list at `pattern` is a table, for messages.
    pub(crate) fn is_table(&mut self, pattern: &str) -> bool {
        matches!(self.shape(pattern), Ok(Shape::List { table: true }))
    }

    /// Refuses `value` at `pointer` unless the schema allows that kind of value there.
    pub(crate) fn check(&self, pointer: &str, value: &Value) -> Result<(), DocError> {
        Ok(self.catalogue.check_edit(self.form, pointer, value)?)
    }
}
