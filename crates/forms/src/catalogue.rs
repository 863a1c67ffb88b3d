//! The catalogue: every form, every region and its requirement sets, compiled once from
//! `forms/` and then asked many times.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use datalogic_rs::Engine;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{LoadError, LookupError};
use crate::rules::{Rule, Tables};
use crate::schema_docs::SchemaDocs;

/// The file of shared `$defs` that every form may reference; it is not a form itself.
const SHARED_DEFINITIONS: &str = "common.schema.json";
/// Suffix of a form's base schema file.
const SCHEMA_SUFFIX: &str = ".schema.json";
/// Suffix of a form's base rules file.
const RULES_SUFFIX: &str = ".rules.json";
/// Every `$id` in `forms/` starts with this.
pub const ID_PREFIX: &str = "https://forms.ravenstvo.example/";

/// All forms and regions, compiled and ready to validate documents.
#[derive(Debug)]
pub struct Catalogue {
    pub(crate) forms: BTreeMap<String, Form>,
    pub(crate) regions: BTreeMap<String, Region>,
    pub(crate) docs: SchemaDocs,
    pub(crate) engine: Engine,
    /// Every schema document, for compiling a requirement set given after loading
    /// ([`Catalogue::compile_set`]).
    pub(crate) registry: Registry,
}

/// The catalogue's schema registry, kept to compile sets given later.
pub(crate) struct Registry(pub(crate) jsonschema::Registry<'static>);

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Registry")
    }
}

/// One form: its base schema and the rules every region applies.
#[derive(Debug)]
pub struct Form {
    /// Form id, e.g. `school-programme` (the schema file's name).
    pub id: String,
    /// Version from the schema's `$id`, e.g. `1.0.0`.
    pub version: String,
    /// The schema's `$id`.
    pub uri: String,
    /// Russian title.
    pub title: String,
    /// Russian description.
    pub description: String,
    /// Rules every region applies (from `<form>.rules.json`).
    pub rules: Vec<Rule>,
    /// How `rules` are checked per table row, planned once.
    pub(crate) tables: Tables,
    pub(crate) validator: jsonschema::Validator,
}

/// A region and the requirement sets it has for each form.
#[derive(Debug)]
pub struct Region {
    /// Region id, e.g. `leningrad` (the folder's name).
    pub id: String,
    /// Russian name in the nominative, «Ленинградская область».
    pub name: String,
    /// Russian name in the genitive, «Ленинградской области».
    pub genitive: String,
    /// Requirement sets by form id: the newest edition of each (the latest `effective_from`).
    pub sets: BTreeMap<String, RequirementSet>,
    /// Older editions of each form's set, by form id, oldest first (see [`Editions`]).
    pub earlier: Editions,
    /// Municipalities with requirement sets of their own, by id (`regions/<region>/municipalities/<id>/`).
    pub municipalities: BTreeMap<String, Municipality>,
}

/// A municipality (a district or a city) whose own documents add requirements to its region's:
/// its sets are layered over the region's, both apply.
#[derive(Debug)]
pub struct Municipality {
    /// Municipality id, e.g. `kadoshkino` (the folder's name).
    pub id: String,
    /// Russian name in the nominative, «Кадошкинский муниципальный район».
    pub name: String,
    /// Russian name in the genitive, «Кадошкинского муниципального района».
    pub genitive: String,
    /// Requirement sets by form id, ids `<region>/<municipality>/<form>`: the newest edition.
    pub sets: BTreeMap<String, RequirementSet>,
    /// Older editions of each form's set, by form id, oldest first.
    pub earlier: Editions,
}

/// The editions of requirement sets older than the newest, by form id, oldest first. A set
/// has an edition per file: `<form>.json` and any `<form>.<label>.json` beside it (same `id`,
/// its own `version` and `effective_from`); the one in force on a day is the edition with the
/// latest `effective_from` not after it ([`in_force`]).
pub type Editions = BTreeMap<String, Vec<RequirementSet>>;

/// The edition of a form's set in force on `day` (`YYYY-MM-DD`): the one with the latest
/// `effective_from` not after `day`; the oldest when `day` precedes them all (a document
/// submitted before its region published any set is judged by the first).
pub fn in_force<'s>(
    newest: &'s RequirementSet,
    earlier: Option<&'s Vec<RequirementSet>>,
    day: &str,
) -> &'s RequirementSet {
    if newest.effective_from.as_str() <= day {
        return newest;
    }
    let earlier = earlier.map(Vec::as_slice).unwrap_or_default();
    earlier
        .iter()
        .rev()
        .find(|set| set.effective_from.as_str() <= day)
        .or(earlier.first())
        .unwrap_or(newest)
}

impl Region {
    /// The municipality with its own requirements, if the region has it.
    pub fn municipality(&self, id: &str) -> Option<&Municipality> {
        self.municipalities.get(id)
    }
}

/// What a region demands of one form beyond its base schema.
#[derive(Debug)]
pub struct RequirementSet {
    /// `<region>/<form>`.
    pub id: String,
    /// Version of this set; reports and submissions carry it.
    pub version: String,
    /// The date from which the set applies (ISO `YYYY-MM-DD`).
    pub effective_from: String,
    /// Russian title.
    pub title: String,
    /// The regional act the requirements rest on.
    pub basis: String,
    /// The rules.
    pub rules: Vec<Rule>,
    /// How `rules` are checked per table row, planned once.
    pub(crate) tables: Tables,
    /// The form's general rules this region does not apply, each because its documents say
    /// otherwise.
    pub waivers: Vec<Waiver>,
}

/// A general rule of a form that one region does not apply: its documents demand otherwise
/// (Oryol develops its self-diagnosis model during the project, so a self-diagnosis after the
/// programme starts is normal there). Quoted like a regional rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Id of the general rule not applied, e.g. `programme.self-diagnosis-before-start`.
    pub rule: String,
    /// Why the region does not apply it, in plain Russian.
    pub reason: String,
    /// The source file and line(s), as a rule's `source`.
    pub source: String,
    /// The exact words of the cited line(s) that make the rule inapplicable.
    pub quote: String,
}

impl RequirementSet {
    /// Whether the region does not apply the form's general rule `rule`.
    pub fn waives(&self, rule: &str) -> bool {
        self.waivers.iter().any(|w| w.rule == rule)
    }
}

/// `region.json` and `municipality.json` alike.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    id: String,
    name: String,
    genitive: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: String,
    version: String,
    effective_from: String,
    title: String,
    basis: String,
    rules: Vec<Value>,
    #[serde(default)]
    waives: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rules: Vec<Value>,
}

/// Options every validator of the catalogue is built with: draft 2020-12, formats checked, no
/// network, the catalogue's own schemas as the only resources.
pub(crate) fn schema_options<'r>(
    registry: &'r jsonschema::Registry<'static>,
) -> jsonschema::ValidationOptions<'r> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .offline()
        .with_registry(registry)
}

impl Catalogue {
    /// Loads and compiles everything under `dir` (the `forms/` folder).
    ///
    /// Fails on the first broken file, naming it and the place inside it.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, LoadError> {
        let dir = dir.as_ref();
        let mut docs = SchemaDocs::default();
        let mut schema_files = Vec::new();
        let mut paths = HashMap::new();
        for path in list(dir)? {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if !name.ends_with(SCHEMA_SUFFIX) {
                continue;
            }
            let schema = read_json(&path)?;
            if let Err(e) = jsonschema::meta::validate(&schema) {
                return Err(LoadError::invalid(
                    &path,
                    e.instance_path().as_str(),
                    format!("not a valid JSON Schema: {e}"),
                ));
            }
            let uri = schema
                .get("$id")
                .and_then(Value::as_str)
                .filter(|id| id.starts_with(ID_PREFIX))
                .ok_or_else(|| {
                    LoadError::invalid(&path, "/$id", format!("`$id` must start with {ID_PREFIX}"))
                })?
                .to_owned();
            if docs.get(&uri).is_some() {
                return Err(LoadError::invalid(
                    &path,
                    "/$id",
                    format!("`$id` {uri} is used twice"),
                ));
            }
            if name != SHARED_DEFINITIONS {
                schema_files.push((
                    path.clone(),
                    name.trim_end_matches(SCHEMA_SUFFIX).to_owned(),
                    uri.clone(),
                ));
            }
            paths.insert(uri.clone(), path.clone());
            docs.insert(uri, schema);
        }
        let registry = build_registry(dir, &docs, &paths)?;
        let engine = crate::timing_logic::engine();

        let mut forms = BTreeMap::new();
        for (path, id, uri) in schema_files {
            let form = load_form(dir, &path, id, uri, &docs, &registry, &engine)?;
            forms.insert(form.id.clone(), form);
        }
        let mut regions = BTreeMap::new();
        let regions_dir = dir.join("regions");
        if regions_dir.is_dir() {
            for region_dir in list(&regions_dir)? {
                if region_dir.is_dir() {
                    let region = load_region(&region_dir, &forms, &registry, &engine)?;
                    regions.insert(region.id.clone(), region);
                }
            }
        }
        Ok(Self {
            forms,
            regions,
            docs,
            engine,
            registry: Registry(registry),
        })
    }

    /// Every form, by id.
    pub fn forms(&self) -> impl Iterator<Item = &Form> {
        self.forms.values()
    }

    /// Every region, by id.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// The form with this id.
    pub fn form(&self, id: &str) -> Result<&Form, LookupError> {
        self.forms.get(id).ok_or_else(|| LookupError::UnknownForm {
            form: id.to_owned(),
            known: self.forms.keys().cloned().collect(),
        })
    }

    /// The region with this id.
    pub fn region(&self, id: &str) -> Result<&Region, LookupError> {
        self.regions
            .get(id)
            .ok_or_else(|| LookupError::UnknownRegion {
                region: id.to_owned(),
                known: self.regions.keys().cloned().collect(),
            })
    }

    /// The region's requirement set for a form.
    pub fn requirement_set(
        &self,
        form: &str,
        region: &str,
    ) -> Result<&RequirementSet, LookupError> {
        self.form(form)?;
        self.region(region)?
            .sets
            .get(form)
            .ok_or_else(|| LookupError::NoRequirementSet {
                form: form.to_owned(),
                region: region.to_owned(),
            })
    }

    /// The municipality of a region that has requirements of its own.
    pub fn municipality(
        &self,
        region: &str,
        municipality: &str,
    ) -> Result<&Municipality, LookupError> {
        let found = self.region(region)?;
        found
            .municipality(municipality)
            .ok_or_else(|| LookupError::UnknownMunicipality {
                region: region.to_owned(),
                municipality: municipality.to_owned(),
                known: found.municipalities.keys().cloned().collect(),
            })
    }

    /// The municipality's own requirement set for a form, layered over the region's; `None`
    /// when the municipality adds nothing to that form.
    pub fn municipal_set(
        &self,
        form: &str,
        region: &str,
        municipality: &str,
    ) -> Result<Option<&RequirementSet>, LookupError> {
        self.requirement_set(form, region)?;
        Ok(self.municipality(region, municipality)?.sets.get(form))
    }

    /// The region's edition of a form's set in force on `day` (`YYYY-MM-DD`), see [`in_force`].
    pub fn requirement_set_on(
        &self,
        form: &str,
        region: &str,
        day: &str,
    ) -> Result<&RequirementSet, LookupError> {
        let newest = self.requirement_set(form, region)?;
        let earlier = self.region(region)?.earlier.get(form);
        Ok(in_force(newest, earlier, day))
    }

    /// Compiles `value`, a requirement set for `form` in `region` given as a file would give
    /// it (a new edition not yet published, for an impact report), checked as loading checks
    /// `regions/<region>/<form>.json`. `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// [`LoadError`] naming the place inside `value` that is wrong, or an unknown form or
    /// region.
    pub fn compile_set(
        &self,
        region: &str,
        form: &str,
        value: Value,
        origin: &Path,
    ) -> Result<RequirementSet, LoadError> {
        if !self.regions.contains_key(region) {
            return Err(LoadError::invalid(
                origin,
                "",
                format!("no region {region:?} in the catalogue"),
            ));
        }
        if !self.forms.contains_key(form) {
            return Err(LoadError::invalid(
                origin,
                "",
                format!("no form {form:?} in the catalogue"),
            ));
        }
        let raw: RawSet = parse(origin, value)?;
        compile_set(
            origin,
            raw,
            form,
            &format!("{region}/{form}"),
            &self.forms,
            None,
            &self.registry.0,
            &self.engine,
        )
    }

    /// The raw base schema of a form (with its `$ref`s unresolved).
    pub fn schema(&self, form: &str) -> Result<&Value, LookupError> {
        let form = self.form(form)?;
        Ok(self
            .docs
            .get(&form.uri)
            .expect("every form's schema is in the catalogue's documents"))
    }
}

/// A registry of every schema document, so that `$ref`s between them resolve without network.
fn build_registry(
    dir: &Path,
    docs: &SchemaDocs,
    paths: &HashMap<String, PathBuf>,
) -> Result<jsonschema::Registry<'static>, LoadError> {
    let mut builder = jsonschema::Registry::new().retrieve_known_draft_meta_schemas(false);
    for (uri, schema) in docs.iter() {
        builder = builder
            .add(uri, schema.clone())
            .map_err(|e| LoadError::invalid(dir, "/$id", format!("{uri}: {e}")))?;
    }
    builder.prepare().map_err(|e| match dangling_ref(docs) {
        Some((uri, pointer, reference)) => LoadError::invalid(
            paths.get(uri).map_or(dir, PathBuf::as_path),
            pointer,
            format!(
                "`$ref` {reference:?} names no schema in {}: {e}",
                dir.display()
            ),
        ),
        None => LoadError::invalid(dir, "", format!("cannot resolve the schemas: {e}")),
    })
}

/// The first `$ref` to a document the catalogue does not have: `(document, pointer, ref)`.
fn dangling_ref(docs: &SchemaDocs) -> Option<(&str, String, String)> {
    fn walk(value: &Value, at: String, known: &dyn Fn(&str) -> bool) -> Option<(String, String)> {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    let target = reference.split('#').next().unwrap_or_default();
                    if !target.is_empty() && !known(target) {
                        return Some((format!("{at}/$ref"), reference.to_owned()));
                    }
                }
                map.iter().find_map(|(k, v)| {
                    walk(v, format!("{at}/{}", crate::pointer::escape(k)), known)
                })
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, format!("{at}/{i}"), known)),
            _ => None,
        }
    }
    let known = |uri: &str| docs.get(uri).is_some();
    docs.iter().find_map(|(uri, doc)| {
        walk(doc, String::new(), &known).map(|(at, reference)| (uri, at, reference))
    })
}

fn load_form(
    dir: &Path,
    path: &Path,
    id: String,
    uri: String,
    docs: &SchemaDocs,
    registry: &jsonschema::Registry<'static>,
    engine: &Engine,
) -> Result<Form, LoadError> {
    let schema = docs.get(&uri).expect("inserted above");
    let version = uri
        .strip_prefix(ID_PREFIX)
        .and_then(|rest| rest.strip_prefix(&format!("{id}/")))
        .filter(|v| is_semver(v))
        .ok_or_else(|| {
            LoadError::invalid(
                path,
                "/$id",
                format!("`$id` must be {ID_PREFIX}{id}/<major>.<minor>.<patch>"),
            )
        })?
        .to_owned();
    let text = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                LoadError::invalid(
                    path,
                    format!("/{key}"),
                    format!("the form needs a Russian `{key}`"),
                )
            })
    };
    let (title, description) = (text("title")?, text("description")?);
    let validator = schema_options(registry).build(schema).map_err(|e| {
        LoadError::invalid(
            path,
            e.instance_path().as_str(),
            format!("cannot compile the schema: {e}"),
        )
    })?;
    let rules_path = dir.join(format!("{id}{RULES_SUFFIX}"));
    let rules = if rules_path.exists() {
        let raw: RawRules = parse(&rules_path, read_json(&rules_path)?)?;
        compile_rules(&rules_path, &raw.rules, false, engine, registry)?
    } else {
        Vec::new()
    };
    Ok(Form {
        id,
        version,
        uri,
        title,
        description,
        tables: Tables::plan(&rules),
        rules,
        validator,
    })
}

fn load_region(
    dir: &Path,
    forms: &BTreeMap<String, Form>,
    registry: &jsonschema::Registry<'static>,
    engine: &Engine,
) -> Result<Region, LoadError> {
    let raw = read_named(dir, "region.json")?;
    let (sets, earlier) = load_sets(dir, &raw.id, forms, None, registry, engine)?;
    let mut municipalities = BTreeMap::new();
    let municipalities_dir = dir.join(MUNICIPALITIES);
    if municipalities_dir.is_dir() {
        for municipality_dir in list(&municipalities_dir)? {
            if municipality_dir.is_dir() {
                let municipality =
                    load_municipality(&municipality_dir, &raw.id, &sets, forms, registry, engine)?;
                municipalities.insert(municipality.id.clone(), municipality);
            }
        }
    }
    Ok(Region {
        id: raw.id,
        name: raw.name,
        genitive: raw.genitive,
        sets,
        earlier,
        municipalities,
    })
}

/// The folder of a region's municipalities with requirements of their own.
const MUNICIPALITIES: &str = "municipalities";

/// Reads `region.json` or `municipality.json` of `dir`, whose id must be the folder's name.
fn read_named(dir: &Path, file: &str) -> Result<RawRegion, LoadError> {
    let folder = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let path = dir.join(file);
    let raw: RawRegion = parse(&path, read_json(&path)?)?;
    if raw.id != folder {
        return Err(LoadError::invalid(
            &path,
            "/id",
            format!("id {:?} differs from the folder name {folder:?}", raw.id),
        ));
    }
    Ok(raw)
}

fn load_municipality(
    dir: &Path,
    region: &str,
    region_sets: &BTreeMap<String, RequirementSet>,
    forms: &BTreeMap<String, Form>,
    registry: &jsonschema::Registry<'static>,
    engine: &Engine,
) -> Result<Municipality, LoadError> {
    let raw = read_named(dir, "municipality.json")?;
    let prefix = format!("{region}/{}", raw.id);
    let (sets, earlier) = load_sets(dir, &prefix, forms, Some(region_sets), registry, engine)?;
    Ok(Municipality {
        id: raw.id,
        name: raw.name,
        genitive: raw.genitive,
        sets,
        earlier,
    })
}

/// The requirement sets in `dir`, ids `<prefix>/<form>`: one edition per file, `<form>.json`
/// or `<form>.<label>.json`; the newest of each form (latest `effective_from`) and the older
/// ones, oldest first. Two editions of a form may not share a version or an effective date. A
/// municipality's sets (`under`: its region's) may not reuse a rule id of the region's set for
/// the same form, and need that set to exist.
fn load_sets(
    dir: &Path,
    prefix: &str,
    forms: &BTreeMap<String, Form>,
    under: Option<&BTreeMap<String, RequirementSet>>,
    registry: &jsonschema::Registry<'static>,
    engine: &Engine,
) -> Result<(BTreeMap<String, RequirementSet>, Editions), LoadError> {
    let mut all: BTreeMap<String, Vec<RequirementSet>> = BTreeMap::new();
    for path in list(dir)? {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // `identification.json` is the place's method of identifying schools, read by the
        // `identification` crate, not a requirement set.
        if name == "region.json"
            || name == "municipality.json"
            || name == "identification.json"
            || !name.ends_with(".json")
        {
            continue;
        }
        let stem = name.trim_end_matches(".json");
        let form_id = stem.split('.').next().unwrap_or(stem);
        if !forms.contains_key(form_id) {
            return Err(LoadError::invalid(
                &path,
                "",
                format!(
                    "no form {form_id:?}; known forms: {}",
                    forms.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let raw_set: RawSet = parse(&path, read_json(&path)?)?;
        let expected_id = format!("{prefix}/{form_id}");
        let region_set = match under {
            Some(region_sets) => Some(region_sets.get(form_id).ok_or_else(|| {
                LoadError::invalid(
                    &path,
                    "",
                    format!("the region has no requirement set for {form_id} to add to"),
                )
            })?),
            None => None,
        };
        let set = compile_set(
            &path,
            raw_set,
            form_id,
            &expected_id,
            forms,
            region_set,
            registry,
            engine,
        )?;
        let editions = all.entry(form_id.to_owned()).or_default();
        if let Some(twin) = editions
            .iter()
            .find(|e| e.version == set.version || e.effective_from == set.effective_from)
        {
            return Err(LoadError::invalid(
                &path,
                "/version",
                format!(
                    "another edition of {expected_id} has the same version or effective date \
                     ({} from {})",
                    twin.version, twin.effective_from
                ),
            ));
        }
        editions.push(set);
    }
    let mut sets = BTreeMap::new();
    let mut earlier = BTreeMap::new();
    for (form_id, mut editions) in all {
        editions.sort_by(|a, b| a.effective_from.cmp(&b.effective_from));
        let newest = editions.pop().expect("every entry has an edition");
        sets.insert(form_id.clone(), newest);
        if !editions.is_empty() {
            earlier.insert(form_id, editions);
        }
    }
    Ok((sets, earlier))
}

/// One edition of a set, checked: its id, date, rules (against the form's and, for a
/// municipality's, `region_set`'s rule ids) and waivers.
#[allow(clippy::too_many_arguments)]
fn compile_set(
    path: &Path,
    raw_set: RawSet,
    form_id: &str,
    expected_id: &str,
    forms: &BTreeMap<String, Form>,
    region_set: Option<&RequirementSet>,
    registry: &jsonschema::Registry<'static>,
    engine: &Engine,
) -> Result<RequirementSet, LoadError> {
    let form = forms.get(form_id).expect("checked by the caller");
    if raw_set.id != expected_id {
        return Err(LoadError::invalid(
            path,
            "/id",
            format!("id must be {expected_id:?}"),
        ));
    }
    if !is_iso_date(&raw_set.effective_from) {
        return Err(LoadError::invalid(
            path,
            "/effective_from",
            "must be a date YYYY-MM-DD",
        ));
    }
    let rules = compile_rules(path, &raw_set.rules, true, engine, registry)?;
    for (i, rule) in rules.iter().enumerate() {
        if let Some(other) = &rule.across
            && (other == form_id || !forms.contains_key(other))
        {
            return Err(LoadError::invalid(
                path,
                format!("/rules/{i}/across"),
                format!(
                    "`across` must name another form; known forms: {}",
                    forms.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if region_set.is_some_and(|set| set.rules.iter().any(|r| r.id == rule.id)) {
            return Err(LoadError::invalid(
                path,
                format!("/rules/{i}/id"),
                format!(
                    "rule id {:?} is already a rule of the region's set",
                    rule.id
                ),
            ));
        }
        if form.rules.iter().any(|r| r.id == rule.id) {
            return Err(LoadError::invalid(
                path,
                format!("/rules/{i}/id"),
                format!("rule id {:?} is already a base rule of {form_id}", rule.id),
            ));
        }
    }
    for (i, waiver) in raw_set.waives.iter().enumerate() {
        if !form.rules.iter().any(|r| r.id == waiver.rule) {
            return Err(LoadError::invalid(
                path,
                format!("/waives/{i}/rule"),
                format!("{:?} is not a base rule of {form_id}", waiver.rule),
            ));
        }
        if raw_set.waives[..i].iter().any(|w| w.rule == waiver.rule) {
            return Err(LoadError::invalid(
                path,
                format!("/waives/{i}/rule"),
                format!("rule {:?} is waived twice", waiver.rule),
            ));
        }
        for (field, text) in [
            ("reason", &waiver.reason),
            ("source", &waiver.source),
            ("quote", &waiver.quote),
        ] {
            if text.trim().is_empty() {
                return Err(LoadError::invalid(
                    path,
                    format!("/waives/{i}/{field}"),
                    "must not be empty",
                ));
            }
        }
    }
    Ok(RequirementSet {
        id: raw_set.id,
        version: raw_set.version,
        effective_from: raw_set.effective_from,
        title: raw_set.title,
        basis: raw_set.basis,
        tables: Tables::plan(&rules),
        rules,
        waivers: raw_set.waives,
    })
}

fn compile_rules(
    path: &Path,
    raw: &[Value],
    regional: bool,
    engine: &Engine,
    registry: &jsonschema::Registry<'static>,
) -> Result<Vec<Rule>, LoadError> {
    let mut rules: Vec<Rule> = Vec::with_capacity(raw.len());
    for (i, value) in raw.iter().enumerate() {
        let place = format!("/rules/{i}");
        let rule = Rule::compile(value, path, &place, regional, engine, registry)?;
        if rules.iter().any(|r| r.id == rule.id) {
            return Err(LoadError::invalid(
                path,
                format!("{place}/id"),
                format!("rule id {:?} is used twice", rule.id),
            ));
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// The entries of a folder, sorted so that loading is deterministic.
fn list(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut paths = fs::read_dir(dir)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    paths.sort();
    Ok(paths)
}

fn read_json(path: &Path) -> Result<Value, LoadError> {
    let bytes = fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| LoadError::Json {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, value: Value) -> Result<T, LoadError> {
    serde_json::from_value(value).map_err(|e| LoadError::invalid(path, "", e.to_string()))
}

fn is_semver(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}
