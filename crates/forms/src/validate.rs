//! Judging one document: base schema, the form's rules, the region's rules, one report.

use std::cell::Cell;
use std::collections::HashSet;

use datalogic_rs::bumpalo::Bump;
use serde_json::Value;

use crate::catalogue::{Catalogue, Form, RequirementSet};
use crate::error::LookupError;
use crate::messages;
use crate::report::{Finding, Report, Severity};
use crate::rules::{Rule, Subject, Violation};
use crate::schema_docs::{self, Label};

/// The rule id of the finding for a document nested deeper than [`crate::MAX_DEPTH`].
const DEPTH_RULE: &str = "document.depth";

/// Largest arena kept between validations (bytes); a larger one is freed.
const ARENA_KEPT: usize = 1 << 20;

thread_local! {
    /// The arena of the thread's last validation, reset: reused rather than grown anew.
    static ARENA: Cell<Option<Bump>> = const { Cell::new(None) };
}

/// A requirement set in force for a document, with whose it is: the region's or a
/// municipality's (layered over the region's).
struct Layer<'c> {
    set: &'c RequirementSet,
    /// «Ленинградской области», «Кадошкинского муниципального района».
    genitive: &'c str,
}

/// The school's other documents a validation may read, for rules `across` documents: each with
/// its form id. `None`: nobody said what the school has, and such rules are not checked.
type Others<'o> = Option<&'o [(&'o str, &'o Value)]>;

impl Catalogue {
    /// Validates `doc` as a `form` under the current requirements of `region`.
    ///
    /// An invalid document is not an error: the report lists what is wrong. Only an unknown
    /// form or region (or a region without requirements for the form) is.
    ///
    /// A document nested deeper than [`crate::MAX_DEPTH`] gets a single finding,
    /// `document.depth`, and nothing else looks at it: the schema validator, the rules and
    /// the messages all walk values recursively, and no form nests anywhere near that deep.
    ///
    /// Rules `across` documents are not checked: see [`Catalogue::validate_with`].
    pub fn validate(&self, form: &str, region: &str, doc: &Value) -> Result<Report, LookupError> {
        self.judge(form, region, None, doc, None)
    }

    /// Validates `doc` under the requirements of `region` and, when `municipality` is given,
    /// also under that municipality's own set for the form (both apply; findings of the
    /// municipal layer name the municipality). A municipality with no set for this form adds
    /// nothing; one the region does not have is an error ([`LookupError::UnknownMunicipality`]).
    pub fn validate_in(
        &self,
        form: &str,
        region: &str,
        municipality: Option<&str>,
        doc: &Value,
    ) -> Result<Report, LookupError> {
        self.judge(form, region, municipality, doc, None)
    }

    /// As [`Catalogue::validate_in`], and also checks the rules `across` documents against
    /// `others`, the school's other documents with their form ids (their current content). A
    /// rule holds when it holds beside one of the school's documents of the form it names;
    /// without any, it is reported as a warning that it could not be checked.
    pub fn validate_with(
        &self,
        form: &str,
        region: &str,
        municipality: Option<&str>,
        doc: &Value,
        others: &[(&str, &Value)],
    ) -> Result<Report, LookupError> {
        self.judge(form, region, municipality, doc, Some(others))
    }

    fn judge(
        &self,
        form: &str,
        region: &str,
        municipality: Option<&str>,
        doc: &Value,
        others: Others<'_>,
    ) -> Result<Report, LookupError> {
        let set = self.requirement_set(form, region)?;
        let form = self.form(form)?;
        let region = self.region(region)?;
        let mut layers = vec![Layer {
            set,
            genitive: &region.genitive,
        }];
        let mut requirements_id = set.id.clone();
        let mut requirements_version = set.version.clone();
        let mut applied = None;
        if let Some(id) = municipality {
            let found = self.municipality(&region.id, id)?;
            if let Some(own) = found.sets.get(&form.id) {
                requirements_id = format!("{requirements_id} + {}", own.id);
                requirements_version = format!("{requirements_version} + {}", own.version);
                applied = Some(found.id.clone());
                layers.push(Layer {
                    set: own,
                    genitive: &found.genitive,
                });
            }
        }
        let mut report = Report {
            valid: true,
            form: form.id.clone(),
            form_version: form.version.clone(),
            region: region.id.clone(),
            municipality: applied,
            requirements_id,
            requirements_version,
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        if let Some(place) = crate::depth::too_deep(doc, 0, crate::MAX_DEPTH) {
            let message = format!(
                "данные вложены глубже {} {} — в формах так глубоко не бывает, документ не проверить",
                crate::MAX_DEPTH,
                messages::levels_genitive(crate::MAX_DEPTH)
            );
            report.errors.push(Finding {
                message: messages::finding(&self.field_name(form, &place), &message, None),
                pointer: place,
                rule: DEPTH_RULE.to_owned(),
                severity: Severity::Error,
                also: Vec::new(),
            });
            report.valid = false;
            return Ok(report);
        }
        let schema_broken = !form.validator.is_valid(doc);
        if schema_broken {
            self.schema_findings(form, doc, &mut report);
        }
        let mut arena = ARENA.with(Cell::take).unwrap_or_default();
        self.check_rules(
            form,
            &layers,
            doc,
            others,
            schema_broken,
            &arena,
            &mut report,
        );
        // Kept for the thread's next validation: one chunk as large as this one needed, so
        // that the next conversion of a similar document allocates nothing.
        let used = arena.allocated_bytes();
        arena.reset();
        if used <= ARENA_KEPT {
            if arena.chunk_capacity() < used {
                arena = Bump::with_capacity(used);
            }
            ARENA.with(|kept| kept.set(Some(arena)));
        }
        report.valid = report.errors.is_empty();
        Ok(report)
    }

    /// Checks the form's rules and each layer's, adding their findings to the report.
    #[allow(clippy::too_many_arguments)]
    fn check_rules(
        &self,
        form: &Form,
        layers: &[Layer<'_>],
        doc: &Value,
        others: Others<'_>,
        schema_broken: bool,
        arena: &Bump,
        report: &mut Report,
    ) {
        let subject = Subject::new(&self.engine, arena, doc, schema_broken);
        let mut violations = Vec::new();
        let mut tabled = Vec::new();
        let lists = std::iter::once((None, &form.rules, &form.tables)).chain(
            layers
                .iter()
                .map(|layer| (Some(layer.genitive), &layer.set.rules, &layer.set.tables)),
        );
        for (layer, rules, tables) in lists {
            tabled.clear();
            tables.check(rules, &subject, &mut tabled);
            for (position, rule) in rules.iter().enumerate() {
                if layer.is_none() && layers.iter().any(|l| l.set.waives(&rule.id)) {
                    continue;
                }
                violations.clear();
                if let Some(other_form) = &rule.across {
                    let Some(others) = others else { continue };
                    if !self.check_across(form, layer, rule, other_form, &subject, others, report) {
                        violations.push(Violation {
                            pointer: rule.pointer().to_owned(),
                            detail: None,
                        });
                    }
                } else if tables.covers(position) {
                    for (at, violation) in &mut tabled {
                        if *at == position {
                            violations.push(Violation {
                                pointer: std::mem::take(&mut violation.pointer),
                                detail: violation.detail.take(),
                            });
                        }
                    }
                } else {
                    rule.check(&subject, &mut violations);
                }
                self.report(form, layer, rule, doc, &mut violations, report);
            }
        }
    }

    /// Whether a rule across documents holds beside one of the school's documents of
    /// `other_form`; without any such document (or only ones too deep to read) the rule is
    /// reported as a warning that it could not be checked, and counts as holding.
    #[allow(clippy::too_many_arguments)]
    fn check_across<'a>(
        &self,
        form: &Form,
        layer: Option<&str>,
        rule: &'a Rule,
        other_form: &str,
        subject: &Subject<'a>,
        others: &'a [(&'a str, &'a Value)],
        report: &mut Report,
    ) -> bool {
        let mut readable = others
            .iter()
            .filter(|(id, other)| {
                *id == other_form && crate::depth::too_deep(other, 0, crate::MAX_DEPTH).is_none()
            })
            .peekable();
        if readable.peek().is_none() {
            let title = self
                .forms
                .get(other_form)
                .map_or(other_form, |f| f.title.as_str());
            let message = format!(
                "не проверено, нет документа школы «{title}»: {}",
                rule.message
            );
            let suffix = layer.map(|genitive| format!("требование {genitive}"));
            report.warnings.push(Finding {
                message: messages::finding(
                    &self.field_name(form, rule.pointer()),
                    &message,
                    suffix.as_deref(),
                ),
                pointer: rule.pointer().to_owned(),
                rule: rule.id.clone(),
                severity: Severity::Warning,
                also: Vec::new(),
            });
            return true;
        }
        let mut broken_types = false;
        for (_, other) in readable {
            match rule.holds_across(subject, other) {
                Ok(true) => return true,
                Ok(false) => {}
                Err(()) => broken_types = true,
            }
        }
        // As for a rule of one document: what cannot be evaluated on a well-typed document
        // is broken, not passed; under a broken schema the schema's findings say it.
        broken_types && subject.schema_broken
    }

    /// Adds a rule's findings (`violations`, drained) to the report; `layer` is the genitive
    /// of whose set the rule is (`None`: the form's general rules).
    fn report(
        &self,
        form: &Form,
        layer: Option<&str>,
        rule: &Rule,
        doc: &Value,
        violations: &mut Vec<Violation>,
        report: &mut Report,
    ) {
        if violations.is_empty() {
            return;
        }
        let suffix = layer.map(|genitive| match rule.severity {
            Severity::Error => format!("требование {genitive}"),
            Severity::Warning => format!("рекомендация {genitive}"),
        });
        let mut findings: Vec<Finding> = Vec::with_capacity(violations.len());
        let mut fields: Vec<String> = Vec::with_capacity(violations.len());
        // Rows where the rule failed the same way (no detail of their own), by the shape of
        // their pointer: one cause, one finding naming them all.
        let mut same: Vec<(String, Vec<usize>)> = Vec::new();
        for violation in violations.drain(..) {
            let field = self.field_name_in(form, doc, &violation.pointer);
            let message = match &violation.detail {
                Some(detail) => format!("{}: {detail}", rule.message),
                None => rule.message.clone(),
            };
            if violation.detail.is_none() {
                let shape = row_shape(&violation.pointer);
                match same.iter_mut().find(|(s, _)| *s == shape) {
                    Some((_, members)) => members.push(findings.len()),
                    None => same.push((shape, vec![findings.len()])),
                }
            }
            findings.push(Finding {
                message: messages::finding(&field, &message, suffix.as_deref()),
                pointer: violation.pointer,
                rule: rule.id.clone(),
                severity: rule.severity,
                also: Vec::new(),
            });
            fields.push(field);
        }
        let mut merged = vec![false; findings.len()];
        for (_, members) in same.iter().filter(|(_, m)| m.len() > 1) {
            let names: Vec<String> = members.iter().map(|&i| fields[i].clone()).collect();
            let Some(field) = messages::rows_name(&names) else {
                continue;
            };
            let first = members[0];
            findings[first].message = messages::finding(&field, &rule.message, suffix.as_deref());
            findings[first].also = members[1..]
                .iter()
                .map(|&i| findings[i].pointer.clone())
                .collect();
            for &i in &members[1..] {
                merged[i] = true;
            }
        }
        for (finding, merged) in findings.into_iter().zip(merged) {
            if merged {
                continue;
            }
            match rule.severity {
                Severity::Error => report.errors.push(finding),
                Severity::Warning => report.warnings.push(finding),
            }
        }
    }

    /// Findings of the base schema, one per (keyword, place).
    fn schema_findings(&self, form: &Form, doc: &Value, report: &mut Report) {
        let root = self
            .docs
            .root(&form.uri)
            .expect("every form's schema is in the catalogue");
        let mut seen = HashSet::new();
        for error in form.validator.iter_errors(doc) {
            let keyword = error
                .schema_path()
                .as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            let mut at = error.instance_path().as_str().to_owned();
            if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
                at.push('/');
                at.push_str(&crate::pointer::escape(
                    property.as_str().unwrap_or_default(),
                ));
            }
            if !seen.insert((keyword.clone(), at.clone())) {
                continue;
            }
            let node = self.docs.node_at(root, error.instance_path().as_str());
            let choices = node.and_then(|n| self.docs.choices(n));
            let rows = node
                .and_then(|n| self.docs.items(n))
                .is_some_and(|items| schema_docs::is_object(self.docs.deref(items).value()));
            let mut message =
                messages::schema_message(error.kind(), error.instance(), choices.as_deref(), rows);
            // A pattern means nothing to a person; the field's description says what is expected.
            let description = node
                .and_then(|n| n.value().get("description"))
                .and_then(serde_json::Value::as_str);
            // So does the description of a field made of alternatives (a timing) that none fits.
            let explained = match error.kind() {
                jsonschema::error::ValidationErrorKind::Pattern { .. } => true,
                jsonschema::error::ValidationErrorKind::OneOfNotValid { .. } => choices.is_none(),
                _ => false,
            };
            if let (true, Some(description)) = (explained, description) {
                message.push_str(" — ");
                message.push_str(description.trim_end_matches('.'));
            }
            report.errors.push(Finding {
                message: messages::finding(&self.field_name_in(form, doc, &at), &message, None),
                pointer: at,
                rule: format!("schema.{keyword}"),
                severity: Severity::Error,
                also: Vec::new(),
            });
        }
    }

    /// «План повышения квалификации → строка 3 → Объём, часов» for a pointer into a form.
    pub fn field_name(&self, form: &Form, pointer: &str) -> String {
        match self.docs.root(&form.uri) {
            Some(root) => messages::field_name(&self.docs.labels(root, pointer)),
            None => pointer.to_owned(),
        }
    }

    /// [`Self::field_name`], naming a row that has a number the way the document does:
    /// «План мероприятий → 2026 год, № 1 → Сроки» (its section, if any, and its number).
    fn field_name_in(&self, form: &Form, doc: &Value, pointer: &str) -> String {
        let Some(root) = self.docs.root(&form.uri) else {
            return pointer.to_owned();
        };
        let mut labels = self.docs.labels(root, pointer);
        let mut value = Some(doc);
        for (label, segment) in labels.iter_mut().zip(crate::pointer::segments(pointer)) {
            value = value.and_then(|v| match v {
                Value::Object(map) => crate::pointer::member(map, &segment),
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            });
            if let (Label::Row(_), Some(row)) = (&label, value)
                && let Some(number) = row.get("number").and_then(Value::as_str)
                && !number.trim().is_empty()
            {
                let name = match row.get("section").and_then(Value::as_str) {
                    Some(section) if !section.trim().is_empty() => {
                        format!("{}, № {}", section.trim(), number.trim())
                    }
                    _ => format!("№ {}", number.trim()),
                };
                *label = Label::Named(name);
            }
        }
        messages::field_name(&labels)
    }
}

/// A pointer with its array indices as `*`: the rows of one table share it.
fn row_shape(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|step| {
            if !step.is_empty() && step.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                step
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use datalogic_rs::bumpalo::Bump;
    use serde_json::Value;

    use crate::catalogue::Catalogue;
    use crate::rules::Subject;

    /// A table pass finds, rule by rule and in the same order, what each rule finds checked on
    /// its own: on every example document, and on each with its tables doubled (so that every
    /// `unique` column repeats).
    #[test]
    fn table_passes_find_what_each_rule_finds_alone() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms");
        let catalogue = Catalogue::load(&dir).expect("forms/ loads");
        let (mut covered, mut found) = (0, 0);
        let mut examples: Vec<_> = std::fs::read_dir(dir.join("examples"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        examples.sort();
        for path in examples {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let mut parts = name.split('.');
            let (Some(form_id), Some(region)) = (parts.next(), parts.next()) else {
                continue;
            };
            let Ok(set) = catalogue.requirement_set(form_id, region) else {
                continue;
            };
            // `<form>.<region>.<municipality>.…`: the municipality's set is checked too.
            let municipal = parts
                .next()
                .and_then(|m| catalogue.municipal_set(form_id, region, m).ok().flatten());
            let form = catalogue.form(form_id).unwrap();
            let doc: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut doubled = doc.clone();
            if let Value::Object(map) = &mut doubled {
                for value in map.values_mut() {
                    if let Value::Array(rows) = value {
                        rows.extend(rows.clone());
                    }
                }
            }
            for doc in [&doc, &doubled] {
                let arena = Bump::new();
                let broken = !form.validator.is_valid(doc);
                let subject = Subject::new(&catalogue.engine, &arena, doc, broken);
                let lists = [(&form.rules, &form.tables), (&set.rules, &set.tables)]
                    .into_iter()
                    .chain(municipal.map(|m| (&m.rules, &m.tables)));
                for (rules, tables) in lists {
                    let mut tabled = Vec::new();
                    tables.check(rules, &subject, &mut tabled);
                    for (position, rule) in rules.iter().enumerate() {
                        if !tables.covers(position) {
                            continue;
                        }
                        covered += 1;
                        let mut alone = Vec::new();
                        rule.check(&subject, &mut alone);
                        let alone: Vec<&str> = alone.iter().map(|v| v.pointer.as_str()).collect();
                        let together: Vec<&str> = tabled
                            .iter()
                            .filter(|(at, _)| *at == position)
                            .map(|(_, v)| v.pointer.as_str())
                            .collect();
                        found += alone.len();
                        assert_eq!(together, alone, "{} on {name}", rule.id);
                    }
                }
            }
        }
        assert!(
            covered > 0 && found > 0,
            "{covered} rules, {found} findings"
        );
    }
}
