/**
 * Validation in the browser: the same verdict, findings and Russian messages as the server's
 * `forms::Catalogue::validate` (and `ravenstvo validate --format json`), from the same
 * `forms/` files. The server still decides at submission; this is what a person sees typing.
 */

import { Catalogue, type Form, type Place, type RequirementSet } from './catalogue';
import { MAX_DEPTH, tooDeep } from './depth';
import type { Json } from './logic';
import * as messages from './messages';
import { toCurrent } from './migrate';
import { checkRule, type Rule, type Severity } from './rules';
import { segments } from './pointer';
import { schemaErrors, schemaMessage } from './schemaFindings';

export { Catalogue, CatalogueError, loadCatalogue, type FormsBundle } from './catalogue';
export { MAX_DEPTH } from './depth';
export { fromRussian, toCurrent } from './migrate';
export type { Json } from './logic';
export type { Severity } from './rules';

/** One finding about one place in the document. */
export interface Finding {
  /** JSON pointer of the field concerned (`""` is the whole document). */
  pointer: string;
  /** `schema.<keyword>`, `document.depth`, or the broken rule's own id. */
  rule: string;
  /** The Russian message, naming the field by its titles. */
  message: string;
  severity: Severity;
  /** The other rows where the same rule failed the same way: one cause is reported once (the
   * message names every row), and each of these pointers is marked like `pointer`. */
  also?: string[];
}

/** The verdict on one document against one form and one region's requirements. */
export interface Report {
  valid: boolean;
  form: string;
  form_version: string;
  region: string;
  /** The municipality whose own set was applied over the region's (absent when none). */
  municipality?: string;
  requirements_id: string;
  requirements_version: string;
  errors: Finding[];
  warnings: Finding[];
}

/** An unknown form or region, or a region without requirements for the form. */
export class LookupError extends Error {}

/**
 * «План … → строка 3 → Объём, часов» for a pointer into a form; given the document, a row with
 * a number is named the way the document does: «План мероприятий → 2026 год, № 1 → Сроки».
 */
export function fieldName(catalogue: Catalogue, form: Form, pointer: string, document?: Json): string {
  const root = catalogue.docs.root(form.uri);
  if (!root) return pointer;
  const labels = catalogue.docs.labels(root, pointer);
  if (document !== undefined) {
    let value: Json | undefined = document;
    segments(pointer).forEach((segment, i) => {
      if (Array.isArray(value)) value = /^\+?\d+$/.test(segment) ? value[Number(segment)] : undefined;
      else if (typeof value === 'object' && value !== null) value = Object.prototype.hasOwnProperty.call(value, segment) ? value[segment] : undefined;
      else value = undefined;
      if (i < labels.length && 'row' in labels[i]) {
        const name = messages.rowName(value);
        if (name !== undefined) labels[i] = { named: name };
      }
    });
  }
  return messages.fieldName(labels);
}

/** A requirement set in force, with whose it is (the region's or a municipality's). */
type Layer = [Place, RequirementSet];

function lookup(catalogue: Catalogue, formId: string, regionId: string, municipalityId?: string): [Form, Layer[], string | undefined] {
  const form = catalogue.forms.get(formId);
  if (!form) throw new LookupError(`неизвестная форма «${formId}»; есть: ${[...catalogue.forms.keys()].join(', ')}`);
  const region = catalogue.regions.get(regionId);
  if (!region) throw new LookupError(`неизвестный регион «${regionId}»; есть: ${[...catalogue.regions.keys()].join(', ')}`);
  const set = region.sets.get(formId);
  if (!set) throw new LookupError(`у региона «${regionId}» нет требований к форме «${formId}»`);
  const layers: Layer[] = [[region, set]];
  let applied: string | undefined;
  if (municipalityId !== undefined) {
    const municipality = region.municipalities.get(municipalityId);
    if (!municipality) {
      throw new LookupError(`у региона «${regionId}» нет муниципалитета «${municipalityId}» со своими требованиями; есть: ${[...region.municipalities.keys()].join(', ')}`);
    }
    const own = municipality.sets.get(formId);
    if (own) {
      layers.push([municipality, own]);
      applied = municipality.id;
    }
  }
  return [form, layers, applied];
}

/**
 * Validates `document` as `formId` under the current requirements of `regionId` and, with
 * `municipalityId`, also under that municipality's own set (both apply). An invalid document
 * is a report, not an exception; only an unknown form, region or municipality throws
 * {@link LookupError}. Rules across a school's documents are the server's, at submission.
 */
export function validate(catalogue: Catalogue, formId: string, regionId: string, document: Json, municipalityId?: string): Report {
  const [form, layers, applied] = lookup(catalogue, formId, regionId, municipalityId);
  // A document made under forms 1.x is judged in the current shapes, as the server judges it.
  document = toCurrent(form.id, document);
  const report: Report = {
    valid: true,
    form: form.id,
    form_version: form.version,
    region: layers[0][0].id,
    ...(applied === undefined ? {} : { municipality: applied }),
    requirements_id: layers.map(([, set]) => set.id).join(' + '),
    requirements_version: layers.map(([, set]) => set.version).join(' + '),
    errors: [],
    warnings: [],
  };
  const place = tooDeep(document, 0, MAX_DEPTH);
  if (place !== undefined) {
    const message = `данные вложены глубже ${MAX_DEPTH} ${messages.levelsGenitive(MAX_DEPTH)} — в формах так глубоко не бывает, документ не проверить`;
    report.errors.push({
      pointer: place,
      rule: 'document.depth',
      message: messages.finding(fieldName(catalogue, form, place), message),
      severity: 'error',
    });
    report.valid = false;
    return report;
  }
  const schemaBroken = !form.validator(document);
  if (schemaBroken) schemaFindings(catalogue, form, document, report);
  const subject = { doc: document, docs: catalogue.docs, schemaBroken };
  const lists: [Place | undefined, Rule[]][] = [[undefined, form.rules], ...layers.map(([from, set]): [Place, Rule[]] => [from, set.rules])];
  for (const [from, rules] of lists) {
    for (const rule of rules) {
      if (from === undefined && layers.some(([, set]) => set.waives.has(rule.id))) continue;
      if (rule.across !== undefined) continue;
      const suffix = from === undefined ? undefined : `${rule.severity === 'error' ? 'требование' : 'рекомендация'} ${from.genitive}`;
      const findings: Finding[] = [];
      const fields: string[] = [];
      // Rows where the rule failed the same way (no detail of their own), by the shape of
      // their pointer: one cause, one finding naming them all.
      const same = new Map<string, number[]>();
      for (const { pointer, detail } of checkRule(rule, subject)) {
        const field = fieldName(catalogue, form, pointer, document);
        if (detail === undefined) {
          const shape = rowShape(pointer);
          const members = same.get(shape);
          if (members) members.push(findings.length);
          else same.set(shape, [findings.length]);
        }
        findings.push({
          pointer,
          rule: rule.id,
          message: messages.finding(field, detail === undefined ? rule.message : `${rule.message}: ${detail}`, suffix),
          severity: rule.severity,
        });
        fields.push(field);
      }
      const merged = new Set<number>();
      for (const members of same.values()) {
        if (members.length < 2) continue;
        const field = messages.rowsName(members.map((i) => fields[i]));
        if (field === undefined) continue;
        const first = findings[members[0]];
        first.message = messages.finding(field, rule.message, suffix);
        first.also = members.slice(1).map((i) => findings[i].pointer);
        for (const i of members.slice(1)) merged.add(i);
      }
      findings.forEach((finding, i) => {
        if (!merged.has(i)) (rule.severity === 'error' ? report.errors : report.warnings).push(finding);
      });
    }
  }
  report.valid = report.errors.length === 0;
  return report;
}

/** A pointer with its array indices as `*`: the rows of one table share it. */
function rowShape(pointer: string): string {
  return pointer
    .split('/')
    .map((step) => (step !== '' && /^[0-9]+$/.test(step) ? '*' : step))
    .join('/');
}

/** The base schema's findings, one per (keyword, place). */
function schemaFindings(catalogue: Catalogue, form: Form, document: Json, report: Report): void {
  const root = catalogue.docs.root(form.uri)!;
  const seen = new Set<string>();
  for (const error of schemaErrors(form.validator, document, catalogue.docs, root)) {
    const key = `${error.keyword}\u0000${error.at}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const node = catalogue.docs.nodeAt(root, error.instancePath);
    report.errors.push({
      pointer: error.at,
      rule: `schema.${error.keyword}`,
      message: messages.finding(fieldName(catalogue, form, error.at, document), schemaMessage(error, catalogue.docs, node)),
      severity: 'error',
    });
  }
}
