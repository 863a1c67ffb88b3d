/**
 * The catalogue of `crates/forms`, in the browser: the forms' base schemas compiled by ajv
 * (draft 2020-12, formats checked), every form's general rules and every region's requirement
 * set compiled into {@link Rule}s. Built from the bundle of `forms/` (see `formsBundle.ts`).
 */

import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

import type { Json } from './logic';
import { CatalogueError } from './errors';
import { isEmail } from './formats';
import { compileRule, type Rule } from './rules';
import { SchemaDocs } from './schemaDocs';

export { CatalogueError };

/** The files of `forms/` by path relative to it: `*.schema.json`, `*.rules.json`, `regions/…`. */
export interface FormsBundle {
  files: Record<string, Json>;
}

/** One form: its base schema and general rules. */
export interface Form {
  id: string;
  uri: string;
  version: string;
  title: string;
  validator: ValidateFunction;
  rules: Rule[];
}

/** A region's requirement set for one form. */
export interface RequirementSet {
  id: string;
  version: string;
  rules: Rule[];
  /** Ids of the general rules the region does not apply. */
  waives: Set<string>;
}

/** A region, or a municipality with requirements of its own: names and sets by form. */
export interface Place {
  id: string;
  name: string;
  genitive: string;
  sets: Map<string, RequirementSet>;
}

/** A region: its names, its requirement sets by form, its municipalities with their own. */
export interface Region extends Place {
  municipalities: Map<string, Place>;
}


/** Everything `validate` needs, compiled once. */
export class Catalogue {
  constructor(
    readonly forms: Map<string, Form>,
    readonly regions: Map<string, Region>,
    readonly docs: SchemaDocs,
    readonly ajv: Ajv2020,
  ) {}
}

function text(value: Json | undefined, what: string): string {
  if (typeof value !== 'string') throw new CatalogueError(`${what}: ожидается текст`);
  return value;
}

function field(value: Json, key: string): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value[key] : undefined;
}

/** A new ajv as the server's `jsonschema` is set up: draft 2020-12, all errors, formats. */
export function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('email', { type: 'string', validate: isEmail });
  return ajv;
}

/** Compiles the bundle; throws {@link CatalogueError} on anything the server would refuse. */
export function loadCatalogue(bundle: FormsBundle): Catalogue {
  const ajv = newAjv();
  const docs = new Map<string, Json>();
  const schemaFiles: [string, string][] = [];
  for (const [path, schema] of Object.entries(bundle.files)) {
    if (!path.endsWith('.schema.json') || path.includes('/')) continue;
    const uri = text(field(schema, '$id'), `${path}: /$id`);
    docs.set(uri, schema);
    ajv.addSchema(schema as object, uri);
    if (path !== 'common.schema.json') schemaFiles.push([path.slice(0, -'.schema.json'.length), uri]);
  }
  const schemaDocs = new SchemaDocs(docs);
  const forms = new Map<string, Form>();
  for (const [id, uri] of schemaFiles) {
    const schema = docs.get(uri)!;
    const validator = ajv.getSchema(uri);
    if (!validator) throw new CatalogueError(`${id}.schema.json: схема не компилируется`);
    const rulesFile = bundle.files[`${id}.rules.json`];
    const raw = rulesFile === undefined ? [] : field(rulesFile, 'rules');
    if (!Array.isArray(raw)) throw new CatalogueError(`${id}.rules.json: ожидается список rules`);
    forms.set(id, {
      id,
      uri,
      version: uri.slice(uri.lastIndexOf('/') + 1),
      title: text(field(schema, 'title'), `${id}.schema.json: /title`),
      validator,
      rules: raw.map((rule, i) => compileRule(rule, `${id}.rules.json`, `/rules/${i}`, ajv)),
    });
  }
  const place = (folder: string, file: string): Place => {
    const path = `${folder}/${file}`;
    const content = bundle.files[path];
    const found: Place = {
      id: text(field(content, 'id'), `${path}: /id`),
      name: text(field(content, 'name'), `${path}: /name`),
      genitive: text(field(content, 'genitive'), `${path}: /genitive`),
      sets: new Map(),
    };
    for (const form of forms.keys()) {
      const setPath = `${folder}/${form}.json`;
      const set = bundle.files[setPath];
      if (set === undefined) continue;
      const rules = field(set, 'rules');
      if (!Array.isArray(rules)) throw new CatalogueError(`${setPath}: ожидается список rules`);
      const waives = field(set, 'waives');
      found.sets.set(form, {
        id: text(field(set, 'id'), `${setPath}: /id`),
        version: text(field(set, 'version'), `${setPath}: /version`),
        rules: rules.map((rule, i) => compileRule(rule, setPath, `/rules/${i}`, ajv)),
        waives: new Set(Array.isArray(waives) ? waives.map((w) => text(field(w, 'rule'), `${setPath}: /waives`)) : []),
      });
    }
    return found;
  };
  const regions = new Map<string, Region>();
  for (const path of Object.keys(bundle.files)) {
    const match = /^regions\/([^/]+)\/region\.json$/.exec(path);
    if (!match) continue;
    const region: Region = { ...place(`regions/${match[1]}`, 'region.json'), municipalities: new Map() };
    for (const inner of Object.keys(bundle.files)) {
      const own = new RegExp(`^regions/${match[1]}/municipalities/([^/]+)/municipality\\.json$`).exec(inner);
      if (!own) continue;
      const municipality = place(`regions/${match[1]}/municipalities/${own[1]}`, 'municipality.json');
      region.municipalities.set(municipality.id, municipality);
    }
    regions.set(region.id, region);
  }
  return new Catalogue(forms, regions, schemaDocs, ajv);
}
