/**
 * Base-schema findings from ajv's errors, as crates/forms makes them from the `jsonschema`
 * crate's: one per (keyword, place), in the order that crate reports them (depth first; at each
 * node cheap keywords first, then properties in the document's order, then items, then
 * combinators), with the same Russian message and the `schema.<keyword>` rule id.
 */

import type { ErrorObject, ValidateFunction } from 'ajv';

import type { Json } from './logic';
import * as messages from './messages';
import { escape, segments } from './pointer';
import { isObject, type Node, type SchemaDocs } from './schemaDocs';

/** `jsonschema`'s evaluation order of keywords at one schema node (lower first). */
const PRIORITY: Record<string, number> = {
  type: 1,
  const: 5,
  enum: 6,
  minimum: 10,
  maximum: 11,
  exclusiveMinimum: 12,
  exclusiveMaximum: 13,
  multipleOf: 14,
  minLength: 20,
  maxLength: 21,
  minItems: 22,
  maxItems: 23,
  minProperties: 24,
  maxProperties: 25,
  required: 26,
  dependentRequired: 27,
  pattern: 30,
  format: 31,
  uniqueItems: 35,
  properties: 40,
  patternProperties: 41,
  additionalProperties: 42,
  propertyNames: 43,
  items: 44,
  prefixItems: 45,
  contains: 47,
  dependentSchemas: 49,
  allOf: 50,
  anyOf: 51,
  oneOf: 52,
  not: 53,
  if: 54,
  unevaluatedProperties: 60,
  unevaluatedItems: 61,
};

/** Sub-schemas whose own errors `jsonschema` folds into their keyword's single error. */
const FOLDED = /\/(oneOf|anyOf|not|if|contains|propertyNames)(\/|$)/;

/** One schema error, before it is worded: the keyword, the place, ajv's error. */
export interface SchemaError {
  keyword: string;
  /** Where the finding points (for `required`, the missing field). */
  at: string;
  /** The instance path of the value the keyword judged. */
  instancePath: string;
  error: ErrorObject;
  /** The value the keyword judged. */
  data: Json;
  /** For `additionalProperties`: every unexpected field, in the document's order. */
  unexpected?: string[];
}

function childIndex(parent: Json, segment: string): number {
  if (Array.isArray(parent)) return Number(segment);
  if (typeof parent === 'object' && parent !== null) return Object.keys(parent).indexOf(segment);
  return 0;
}

/**
 * Whether `jsonschema` checks `required` together with a closed object's properties (an
 * object with `properties`, `additionalProperties: false` and exactly one required field: its
 * fused validator): then the missing field is reported after the fields' own errors and the
 * unexpected ones.
 */
function requiredAfterProperties(node: Node | undefined): boolean {
  const schema = node?.value;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  const properties = schema.properties;
  return (
    Array.isArray(schema.required) &&
    schema.required.length === 1 &&
    schema.additionalProperties === false &&
    typeof properties === 'object' &&
    properties !== null &&
    Object.keys(properties).length > 0
  );
}

/** The sort key of an error: its place in `jsonschema`'s depth-first walk. */
function orderKey(error: ErrorObject, document: Json, docs: SchemaDocs, root: Node): number[] {
  const key: number[] = [];
  let here: Json | undefined = document;
  for (const segment of segments(error.instancePath)) {
    key.push(Array.isArray(here) ? PRIORITY.items : PRIORITY.properties, childIndex(here ?? null, segment));
    here = Array.isArray(here) ? here[Number(segment)] : typeof here === 'object' && here !== null ? here[segment] : undefined;
  }
  const via = /\/(allOf|then|else)\/(?:\d+\/)?[^/]+$/.exec(error.schemaPath);
  if (via) key.push(via[1] === 'allOf' ? PRIORITY.allOf : PRIORITY.if);
  if (error.keyword === 'required' && !via && requiredAfterProperties(docs.nodeAt(root, error.instancePath))) {
    key.push(PRIORITY.additionalProperties + 0.5);
  } else {
    key.push(PRIORITY[error.keyword] ?? 80);
  }
  return key;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/**
 * The errors of a failed ajv validation, as `jsonschema` reports them: folded sub-errors
 * dropped, unexpected fields of one object in one error, in its order, not yet deduplicated.
 */
export function schemaErrors(validate: ValidateFunction, document: Json, docs: SchemaDocs, root: Node): SchemaError[] {
  const raw = (validate.errors ?? []).filter((e) => !FOLDED.test(e.schemaPath.replace(/\/[^/]+$/, '')) && e.keyword !== 'if');
  const keyed = raw.map((error, i) => ({ error, i, key: orderKey(error, document, docs, root) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  const out: SchemaError[] = [];
  const extras = new Map<string, SchemaError>();
  for (const { error } of keyed) {
    const data = error.data as Json;
    if (error.keyword === 'additionalProperties') {
      const name = String(error.params.additionalProperty);
      const known = extras.get(error.instancePath);
      if (known) {
        known.unexpected!.push(name);
        continue;
      }
      const entry: SchemaError = { keyword: error.keyword, at: error.instancePath, instancePath: error.instancePath, error, data, unexpected: [name] };
      extras.set(error.instancePath, entry);
      out.push(entry);
      continue;
    }
    const at = error.keyword === 'required' ? `${error.instancePath}/${escape(String(error.params.missingProperty))}` : error.instancePath;
    out.push({ keyword: error.keyword, at, instancePath: error.instancePath, error, data });
  }
  for (const entry of extras.values()) {
    const order = typeof entry.data === 'object' && entry.data !== null ? Object.keys(entry.data) : [];
    entry.unexpected!.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  }
  return out;
}

/** The Russian message for one schema error, without the field's name. */
export function schemaMessage(entry: SchemaError, docs: SchemaDocs, node: Node | undefined): string {
  const { error, data } = entry;
  const limit = error.params.limit as number;
  switch (error.keyword) {
    case 'required':
      return 'обязательное поле не заполнено';
    case 'type': {
      const expected = String(error.params.type).split(',').map(messages.typeName).join(' или ');
      return `ожидается ${expected}, указано: ${messages.valueKind(data)}`;
    }
    case 'format': {
      const format = String(error.params.format);
      if (format === 'date') return `дата должна быть в формате ГГГГ-ММ-ДД, например 2025-09-01 (указано ${messages.quote(data)})`;
      if (format === 'email') return `неверный адрес электронной почты ${messages.quote(data)}`;
      if (format === 'uri') return `неверная ссылка ${messages.quote(data)}`;
      return `значение ${messages.quote(data)} не в формате «${format}»`;
    }
    case 'minimum':
      return `не менее ${messages.number(limit)}`;
    case 'maximum':
      return `не более ${messages.number(limit)}`;
    case 'exclusiveMinimum':
      return `должно быть больше ${messages.number(limit)}`;
    case 'exclusiveMaximum':
      return `должно быть меньше ${messages.number(limit)}`;
    case 'minLength':
      return limit === 1 ? 'поле не должно быть пустым' : `не короче ${limit} ${messages.plural(limit, 'символа', 'символов', 'символов')}`;
    case 'maxLength':
      return `не длиннее ${limit} ${messages.plural(limit, 'символа', 'символов', 'символов')}`;
    case 'minItems': {
      const items = node ? docs.items(node) : undefined;
      const rows = items !== undefined && isObject(docs.deref(items).value);
      return rows
        ? `нужно не менее ${limit} ${messages.plural(limit, 'строки', 'строк', 'строк')}`
        : `нужно не менее ${limit} ${messages.plural(limit, 'пункта', 'пунктов', 'пунктов')}`;
    }
    case 'maxItems':
      return `не более ${limit} элементов`;
    case 'uniqueItems':
      return 'значения в списке повторяются';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return `поля, которых нет в форме: ${(entry.unexpected ?? []).join(', ')}`;
    case 'const':
      return `должно быть ${messages.quote(error.params.allowedValue as Json)}`;
    case 'enum':
    case 'oneOf':
    case 'anyOf': {
      if (error.keyword === 'oneOf' && error.params.passingSchemas) return 'значение не соответствует требованиям формы';
      const choices = node ? docs.choices(node) : undefined;
      if (choices && choices.length > 0) {
        const allowed = choices.map(([value, title]) => (title === undefined ? messages.quote(value) : `«${title}»`)).join(', ');
        return `значение ${messages.quote(data)} не из списка; допустимо: ${allowed}`;
      }
      return 'значение не подходит ни под один из допустимых вариантов';
    }
    case 'pattern': {
      const message = `неверный формат значения ${messages.quote(data)}`;
      const description = node && typeof node.value === 'object' && node.value !== null && !Array.isArray(node.value) ? node.value.description : undefined;
      return typeof description === 'string' ? `${message} — ${description.replace(/\.+$/, '')}` : message;
    }
    case 'contains':
      return 'в списке нет обязательного элемента';
    case 'multipleOf':
      return 'значение не кратно требуемому шагу';
    default:
      return 'значение не соответствует требованиям формы';
  }
}
