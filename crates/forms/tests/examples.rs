//! Every example in `forms/examples/` is judged, and the verdict must be the one its file name
//! states: `<form>.<region>.valid.json` (and any `…valid.<label>.json`) has no findings, `…invalid.<rule>.json` breaks exactly
//! that rule, `…warning.<rule>.json` is valid with warnings of exactly that rule. Every rule
//! of every form and region must be broken by at least one example, so each rule has a test
//! that fails without it.
//!
//! `<form>.<region>.<municipality>.<verdict>…` is judged under the municipality's set layered
//! over the region's. Every example is judged beside its region's (or municipality's) valid
//! examples of the other forms as the school's other documents, so that rules across
//! documents are checked too: the valid examples of one place agree with each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use forms::{Catalogue, Report};

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../forms")
}

/// What a file name promises.
#[derive(Debug)]
enum Verdict {
    Valid,
    Invalid(String),
    Warning(String),
}

struct Example {
    name: String,
    form: String,
    region: String,
    municipality: Option<String>,
    verdict: Verdict,
    path: PathBuf,
}

fn examples(catalogue: &Catalogue) -> Vec<Example> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(forms_dir().join("examples"))
        .expect("forms/examples exists")
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let form = catalogue
            .forms()
            .map(|f| f.id.clone())
            .find(|id| stem.starts_with(&format!("{id}.")))
            .unwrap_or_else(|| panic!("{name}: does not start with a known form"));
        let rest = &stem[form.len() + 1..];
        let (region, verdict) = rest
            .split_once('.')
            .unwrap_or_else(|| panic!("{name}: no verdict"));
        let (municipality, verdict) = match verdict.split_once('.') {
            Some((word, rest)) if !["valid", "invalid", "warning"].contains(&word) => {
                (Some(word.to_owned()), rest)
            }
            _ if !["valid", "invalid", "warning"]
                .iter()
                .any(|w| verdict == *w || verdict.starts_with(&format!("{w}."))) =>
            {
                (Some(verdict.to_owned()), "")
            }
            _ => (None, verdict),
        };
        let verdict = match verdict.split_once('.') {
            None if verdict == "valid" => Verdict::Valid,
            // A further valid document, named after what it shows: `valid.<label>`.
            Some(("valid", label)) if !label.is_empty() => Verdict::Valid,
            Some(("invalid", rule)) => Verdict::Invalid(rule.to_owned()),
            Some(("warning", rule)) => Verdict::Warning(rule.to_owned()),
            _ => panic!(
                "{name}: the verdict must be valid, valid.<label>, invalid.<rule> or warning.<rule>"
            ),
        };
        let region = region.to_owned();
        out.push(Example {
            name,
            form,
            region,
            municipality,
            verdict,
            path,
        });
    }
    out
}

fn rules_of(report_findings: &[forms::Finding]) -> BTreeSet<&str> {
    report_findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The valid examples of the other forms in the example's place, as the school's other
/// documents.
fn others(examples: &[Example], example: &Example) -> Vec<(String, serde_json::Value)> {
    examples
        .iter()
        .filter(|e| {
            e.form != example.form
                && e.region == example.region
                && e.municipality == example.municipality
                && matches!(e.verdict, Verdict::Valid)
        })
        .map(|e| {
            let text = std::fs::read_to_string(&e.path).unwrap();
            (e.form.clone(), serde_json::from_str(&text).unwrap())
        })
        .collect()
}

fn judge(catalogue: &Catalogue, examples: &[Example], example: &Example) -> Result<Report, String> {
    let text = std::fs::read_to_string(&example.path).map_err(|e| e.to_string())?;
    let doc = serde_json::from_str(&text).map_err(|e| format!("malformed JSON: {e}"))?;
    let others = others(examples, example);
    let others: Vec<(&str, &serde_json::Value)> = others
        .iter()
        .map(|(form, doc)| (form.as_str(), doc))
        .collect();
    catalogue
        .validate_with(
            &example.form,
            &example.region,
            example.municipality.as_deref(),
            &doc,
            &others,
        )
        .map_err(|e| e.to_string())
}

fn check(catalogue: &Catalogue, examples: &[Example], example: &Example) -> Result<(), String> {
    let report = judge(catalogue, examples, example)?;
    let messages = || {
        report
            .findings()
            .map(|f| format!("\n    [{}] {} — {}", f.rule, f.pointer, f.message))
            .collect::<String>()
    };
    let (errors, warnings) = (rules_of(&report.errors), rules_of(&report.warnings));
    let ok = match &example.verdict {
        Verdict::Valid => report.valid && errors.is_empty() && warnings.is_empty(),
        Verdict::Invalid(rule) => {
            !report.valid && errors == BTreeSet::from([rule.as_str()]) && warnings.is_empty()
        }
        Verdict::Warning(rule) => {
            report.valid && errors.is_empty() && warnings == BTreeSet::from([rule.as_str()])
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected {:?}, got:{}",
            example.verdict,
            messages()
        ))
    }
}

#[test]
fn every_example_gets_the_verdict_its_name_states() {
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let examples = examples(&catalogue);
    assert!(!examples.is_empty());
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|e| {
            check(&catalogue, &examples, e)
                .err()
                .map(|why| format!("{}: {why}", e.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples disagree:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

#[test]
fn every_form_and_region_has_a_valid_example() {
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let examples = examples(&catalogue);
    for region in catalogue.regions() {
        let places = std::iter::once((None, &region.sets)).chain(
            region
                .municipalities
                .values()
                .map(|m| (Some(m.id.as_str()), &m.sets)),
        );
        for (municipality, sets) in places {
            for form in sets.keys() {
                assert!(
                    examples.iter().any(|e| &e.form == form
                        && e.region == region.id
                        && e.municipality.as_deref() == municipality
                        && matches!(e.verdict, Verdict::Valid)),
                    "no valid example for {form} in {} {municipality:?}",
                    region.id
                );
            }
        }
    }
}

#[test]
fn every_rule_is_broken_by_an_example() {
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let examples = examples(&catalogue);
    let broken = |form: &str, region: Option<&str>, rule: &str| {
        examples.iter().any(|e| {
            e.form == form
                && region.is_none_or(|r| {
                    e.region == r.split('/').next().unwrap_or(r)
                        && (r.split('/').nth(1) == e.municipality.as_deref()
                            || (!r.contains('/') && e.municipality.is_none()))
                })
                && matches!(&e.verdict, Verdict::Invalid(r) | Verdict::Warning(r) if r == rule)
        })
    };
    let mut missing = BTreeMap::new();
    for form in catalogue.forms() {
        for rule in &form.rules {
            if !broken(&form.id, None, &rule.id) {
                missing.insert(rule.id.clone(), form.id.clone());
            }
        }
        for keyword in ["required", "type", "format"] {
            let rule = format!("schema.{keyword}");
            if !broken(&form.id, None, &rule) {
                missing.insert(rule, form.id.clone());
            }
        }
    }
    for region in catalogue.regions() {
        for (form, set) in &region.sets {
            for rule in &set.rules {
                if !broken(form, Some(&region.id), &rule.id) {
                    missing.insert(rule.id.clone(), format!("{form} in {}", region.id));
                }
            }
        }
        for municipality in region.municipalities.values() {
            let place = format!("{}/{}", region.id, municipality.id);
            for (form, set) in &municipality.sets {
                for rule in &set.rules {
                    if !broken(form, Some(&place), &rule.id) {
                        missing.insert(rule.id.clone(), format!("{form} in {place}"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "rules no example breaks: {missing:#?}");
}

#[test]
fn rules_point_at_places_the_schema_describes() {
    // A rule's message names the field by its titles; a pointer the schema does not describe
    // would name it by its key instead. Every finding of every example must read as titles.
    let catalogue = Catalogue::load(forms_dir()).expect("forms/ loads");
    let examples = examples(&catalogue);
    for example in &examples {
        let report = judge(&catalogue, &examples, example).unwrap();
        for finding in report.findings() {
            let field = finding.message.split(": ").next().unwrap();
            assert!(
                !field.chars().any(|c| c == '_')
                    && field
                        .chars()
                        .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())),
                "{}: finding names a field by its key: {}",
                example.name,
                finding.message
            );
        }
    }
}
