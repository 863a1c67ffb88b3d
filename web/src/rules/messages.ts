/** Russian wording of findings, exactly as crates/forms `messages` words them. */

import type { Json } from './logic';

/** One step of a field's human name. */
export type Label = { field: string } | { row: number } | { item: number } | { named: string };

/** «План повышения квалификации → строка 3 → Объём, часов»; the root is «Документ». */
export function fieldName(labels: Label[]): string {
  if (labels.length === 0) return 'Документ';
  return labels
    .map((label) => ('field' in label ? label.field : 'row' in label ? `строка ${label.row}` : 'named' in label ? label.named : `пункт ${label.item}`))
    .join(' → ');
}

/** «Поле: сообщение (требование Ленинградской области)». */
export function finding(field: string, message: string, suffix?: string): string {
  return suffix === undefined ? `${field}: ${message}` : `${field}: ${message} (${suffix})`;
}

/** How many rows a grouped finding names before «и ещё N». */
const ROWS_NAMED = 3;

/**
 * One field name for the same field in several rows, if `names` (as `fieldName` writes them)
 * differ in exactly one step, the row: «План мероприятий → 2021 год, № 1; 2021 год, № 2;
 * 2022 год, № 1 и ещё 5 → Сроки». `undefined` when they differ in more steps or none.
 */
export function rowsName(names: string[]): string | undefined {
  const split = names.map((name) => name.split(' → '));
  const first = split[0];
  if (first === undefined || split.some((steps) => steps.length !== first.length)) return undefined;
  const differing = first.map((_, i) => i).filter((i) => split.some((steps) => steps[i] !== first[i]));
  if (differing.length !== 1) return undefined;
  const row = differing[0];
  const rows = split.map((steps) => steps[row]);
  let named = rows.slice(0, ROWS_NAMED).join('; ');
  if (rows.length > ROWS_NAMED) named += ` и ещё ${rows.length - ROWS_NAMED}`;
  const steps = [...first];
  steps[row] = named;
  return steps.join(' → ');
}

const TYPE_NAMES: Record<string, string> = {
  array: 'список',
  boolean: 'да или нет',
  integer: 'целое число',
  null: 'пустое значение',
  number: 'число',
  object: 'раздел с полями (объект)',
  string: 'текст',
};

/** Russian name of a JSON Schema type. */
export function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

/** What a value actually is, in Russian. */
export function valueKind(value: Json): string {
  if (value === null) return 'пустое значение';
  if (typeof value === 'boolean') return 'да или нет';
  if (typeof value === 'number') return Number.isInteger(value) ? 'целое число' : 'число';
  if (typeof value === 'string') return 'текст';
  if (Array.isArray(value)) return 'список';
  return 'раздел с полями (объект)';
}

/** A value in «ёлочки», cut to 60 characters. */
export function quote(value: Json): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const chars = Array.from(text);
  return chars.length > 60 ? `«${chars.slice(0, 60).join('')}…»` : `«${text}»`;
}

/** A schema limit as a number is written: whole numbers without a fraction. */
export function number(limit: Json): string {
  if (typeof limit === 'number' && Number.isInteger(limit) && Math.abs(limit) < 1e15) return String(limit);
  return JSON.stringify(limit);
}

/** «уровня» or «уровней» after «глубже N». */
export function levelsGenitive(n: number): string {
  return n % 10 === 1 && n % 100 !== 11 ? 'уровня' : 'уровней';
}

/** Plural of a noun after a number: one, few, many. */
export function plural(n: number, one: string, few: string, many: string): string {
  const ten = n % 10;
  const hundred = n % 100;
  if (ten === 1 && hundred !== 11) return one;
  if (ten >= 2 && ten <= 4 && !(hundred >= 12 && hundred <= 14)) return few;
  return many;
}

const RUST_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const RUST_TRIM = new RegExp(`^${RUST_SPACE}+|${RUST_SPACE}+$`, 'g');

/** Rust's `str::trim`: strips Unicode White_Space at both ends. */
export function trim(text: string): string {
  return text.replace(RUST_TRIM, '');
}

/** A numbered row of a plan as the document names it: «2026 год, № 1», or «№ 9» without a section. */
export function rowName(row: Json | undefined): string | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return undefined;
  const number = typeof row.number === 'string' ? trim(row.number) : '';
  if (number === '') return undefined;
  const section = typeof row.section === 'string' ? trim(row.section) : '';
  return section === '' ? `№ ${number}` : `${section}, № ${number}`;
}
