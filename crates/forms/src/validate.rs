//! Judging one document: base schema, the form's rules, the region's rules, one report.

use std::collections::HashSet;

use datalogic_rs::bumpalo::Bump;
use serde_json::Value;

use crate::catalogue::{Catalogue, Form, Region};
use crate::error::LookupError;
use crate::messages;
use crate::report::{Finding, Report, Severity};
use crate::rules::{Rule, Subject, Violation};
use crate::schema_docs;

impl Catalogue {
    /// Validates `doc` as a `form` under the current requirements of `region`.
    ///
    /// An invalid document is not an error: the report lists what is wrong. Only an unknown
    /// form or region (or a region without requirements for the form) is.
    pub fn validate(&self, form: &str, region: &str, doc: &Value) -> Result<Report, LookupError> {
        let set = self.requirement_set(form, region)?;
        let form = self.form(form)?;
        let region = self.region(region)?;
        let mut report = Report {
            valid: true,
            form: form.id.clone(),
            form_version: form.version.clone(),
            region: region.id.clone(),
            requirements_id: set.id.clone(),
            requirements_version: set.version.clone(),
            errors: Vec::new(),
            warnings: Vec::new(),
        };
        let schema_broken = !form.validator.is_valid(doc);
        if schema_broken {
            self.schema_findings(form, doc, &mut report);
        }
        let arena = Bump::new();
        let subject = Subject::new(&self.engine, &arena, doc, schema_broken);
        let mut violations = Vec::new();
        for rule in &form.rules {
            self.apply(form, None, rule, &subject, &mut violations, &mut report);
        }
        for rule in &set.rules {
            self.apply(
                form,
                Some(region),
                rule,
                &subject,
                &mut violations,
                &mut report,
            );
        }
        report.valid = report.errors.is_empty();
        Ok(report)
    }

    fn apply<'a>(
        &self,
        form: &Form,
        region: Option<&Region>,
        rule: &'a Rule,
        subject: &Subject<'a>,
        scratch: &mut Vec<Violation>,
        report: &mut Report,
    ) {
        scratch.clear();
        rule.check(subject, scratch);
        if scratch.is_empty() {
            return;
        }
        let suffix = region.map(|r| match rule.severity {
            Severity::Error => format!("требование {}", r.genitive),
            Severity::Warning => format!("рекомендация {}", r.genitive),
        });
        for violation in scratch.drain(..) {
            let field = self.field_name(form, &violation.pointer);
            let finding = Finding {
                message: messages::finding(&field, &rule.message, suffix.as_deref()),
                pointer: violation.pointer,
                rule: rule.id.clone(),
                severity: rule.severity,
            };
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
            if let (jsonschema::error::ValidationErrorKind::Pattern { .. }, Some(description)) =
                (error.kind(), description)
            {
                message.push_str(" — ");
                message.push_str(description.trim_end_matches('.'));
            }
            report.errors.push(Finding {
                message: messages::finding(&self.field_name(form, &at), &message, None),
                pointer: at,
                rule: format!("schema.{keyword}"),
                severity: Severity::Error,
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
}
