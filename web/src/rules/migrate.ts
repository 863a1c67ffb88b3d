/**
 * Documents made under forms 1.x read in the current shapes, as crates/forms
 * `migrate::to_current` reads them before validation (`ravenstvo validate`, the server): a
 * row's `start`/`end`, `date` or `month` become its `timing`, a free-text parent activity's
 * timing is read by {@link fromRussian}, a responsible as one string becomes a list, a
 * training row's `category` becomes `categories`, booleans for yes/no become answers.
 *
 * The key order follows serde_json's with `preserve_order` (a removed key's place is taken by
 * the last key, a new key goes last), since the order of a document's keys can order findings.
 * The document given is never changed: what changes is copied.
 */

import type { Json } from './logic';
import { trim } from './messages';
import { parseMoment, RECURRENCES } from './timing';

type Obj = { [key: string]: Json };

function isObject(value: Json | undefined): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const has = (object: Obj, key: string) => Object.prototype.hasOwnProperty.call(object, key);

/** Sets an own property, even `__proto__`, keeping its place if it is there already. */
function put(object: Obj, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
}

/** A copy of `object` with `key` taken out the way `serde_json::Map::remove` (swap_remove) does. */
function swapRemove(object: Obj, key: string): [Obj, Json | undefined] {
  if (!has(object, key)) return [object, undefined];
  const keys = Object.keys(object);
  const at = keys.indexOf(key);
  const last = keys[keys.length - 1];
  const order = keys.slice(0, -1);
  if (at < order.length) order[at] = last;
  const out: Obj = {};
  for (const k of order) put(out, k, object[k]);
  return [out, object[key]];
}

/** A shallow copy keeping every own key in its order. */
function copy(object: Obj): Obj {
  const out: Obj = {};
  for (const key of Object.keys(object)) put(out, key, object[key]);
  return out;
}

/** serde_json's `Value` equality: objects regardless of key order. */
function equal(a: Json, b: Json): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => equal(item, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => has(b, key) && equal(a[key], b[key]));
  }
  return a === b;
}

/** A row's `start`/`end` as its `timing` (unless it has one). */
function spanToTiming(row: Obj): Obj {
  if (has(row, 'timing')) return row;
  let start: Json | undefined;
  let end: Json | undefined;
  [row, start] = swapRemove(row, 'start');
  [row, end] = swapRemove(row, 'end');
  let timing: Json;
  if (start !== undefined && end !== undefined) timing = equal(start, end) ? { at: start } : { from: start, to: end };
  else if (start !== undefined || end !== undefined) timing = { at: (start ?? end)! };
  else return row;
  put(row, 'timing', timing);
  return row;
}

/** A row's first non-null of `keys` as its timing's `at` (the keys go in any case). */
function momentsToTiming(row: Obj, keys: string[]): Obj {
  const found: Json[] = [];
  for (const key of keys) {
    let value: Json | undefined;
    [row, value] = swapRemove(row, key);
    if (value !== undefined) found.push(value);
  }
  if (has(row, 'timing')) return row;
  const at = found.find((v) => v !== null);
  if (at !== undefined) put(row, 'timing', { at });
  return row;
}

/** A timing written in words, read as a timing. */
function wordsToTiming(row: Obj): Obj {
  const text = row.timing;
  if (typeof text !== 'string') return row;
  if (trim(text) === '') return swapRemove(row, 'timing')[0];
  put(row, 'timing', fromRussian(text));
  return row;
}

/** A responsible as one string, as a list of one person. */
function responsibleToList(row: Obj): Obj {
  const text = row.responsible;
  if (typeof text !== 'string' || !has(row, 'responsible')) return row;
  if (trim(text) === '') return swapRemove(row, 'responsible')[0];
  put(row, 'responsible', [{ kind: 'person', name: text }]);
  return row;
}

/** Booleans for yes/no as answers. */
function answers(object: Obj, keys: string[]): void {
  for (const key of keys) {
    const value = has(object, key) ? object[key] : undefined;
    if (typeof value === 'boolean') put(object, key, value ? 'yes' : 'no');
  }
}

/** Whether a row has anything a change reads (a current row is left as it is, uncopied). */
function legacy(row: Obj): boolean {
  return (
    typeof row.responsible === 'string' ||
    typeof row.timing === 'string' ||
    ['start', 'end', 'category', 'date', 'month'].some((key) => has(row, key))
  );
}

/** Applies `change` to every object row of the array at `key` (copied). */
function rows(document: Obj, key: string, change: (row: Obj) => Obj): void {
  const list = has(document, key) ? document[key] : undefined;
  if (!Array.isArray(list)) return;
  put(document, key, list.map((row) => (isObject(row) && legacy(row) ? change(copy(row)) : row)));
}

/** The document `value` of form `form` in the current shapes (a copy where anything changes). */
export function toCurrent(form: string, value: Json): Json {
  if (!isObject(value)) return value;
  const doc = copy(value);
  if (form === 'school-programme') {
    rows(doc, 'action_plan', (row) => responsibleToList(spanToTiming(row)));
    rows(doc, 'professional_development', (row) => {
      row = spanToTiming(row);
      let category: Json | undefined;
      [row, category] = swapRemove(row, 'category');
      if (category !== undefined && !has(row, 'categories')) put(row, 'categories', [category]);
      return row;
    });
    rows(doc, 'monitoring', (row) => responsibleToList(momentsToTiming(row, ['date'])));
    const plan = has(doc, 'parent_community_plan') ? doc.parent_community_plan : undefined;
    if (isObject(plan)) {
      const changed = copy(plan);
      answers(changed, ['agreed_with_governing_body', 'communicated_to_parents']);
      rows(changed, 'activities', (row) => responsibleToList(wordsToTiming(row)));
      put(doc, 'parent_community_plan', changed);
    }
  } else if (form === 'partnership-agreement') {
    rows(doc, 'schedule', (row) => responsibleToList(momentsToTiming(row, ['date', 'month'])));
    for (const [key, fields] of [['term', ['auto_prolongation']], ['municipal_approval', ['approval_expected']]] as const) {
      const object = has(doc, key) ? doc[key] : undefined;
      if (isObject(object)) {
        const changed = copy(object);
        answers(changed, [...fields]);
        put(doc, key, changed);
      }
    }
  } else {
    return value;
  }
  return doc;
}

const MONTH_STEMS = ['январ', 'феврал', 'март', 'апрел', 'ма', 'июн', 'июл', 'август', 'сентябр', 'октябр', 'ноябр', 'декабр'];
const YEAR_WORDS = ['год', 'года', 'г.', 'г'];
const WORD_BREAK = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000,]+/;

/** A year as people write it: four digits, 1900 or later. */
function isYear(word: string): boolean {
  return /^\d{4}$/.test(word) && Number(word) >= 1900;
}

/**
 * A free-text phrase as a timing, as crates/forms `timing::from_russian`: «сентябрь 2025 года»
 * → `{"at": "2025-09"}`, «ежегодно, март» → `{"recurring": "annually", "note": "март"}`,
 * anything else → `{"recurring": "separate_schedule", "note": <the phrase>}`.
 */
export function fromRussian(text: string): Json {
  const trimmed = trim(text);
  const lower = trimmed.toLowerCase();
  if (parseMoment(trimmed)) return { at: trimmed };
  const words = lower.split(WORD_BREAK).filter((w) => w !== '');
  if ((words.length === 1 || (words.length === 2 && YEAR_WORDS.includes(words[1]))) && isYear(words[0])) return { at: words[0] };
  if ((words.length === 2 || (words.length === 3 && YEAR_WORDS.includes(words[2]))) && isYear(words[1])) {
    const month = words[0];
    const index = MONTH_STEMS.findIndex((stem) => month.startsWith(stem) && (stem !== 'ма' || ['май', 'мая', 'мае'].includes(month)));
    if (index >= 0) return { at: `${words[1]}-${String(index + 1).padStart(2, '0')}` };
  }
  const phrases: [string, string][] = [...Object.entries(RECURRENCES), ['separate_schedule', 'по графику'], ['continuously', 'постоянно']];
  for (const [code, phrase] of phrases) {
    if (!lower.startsWith(phrase)) continue;
    const rest = Array.from(trimmed).slice(Array.from(phrase).length).join('');
    const note = trim(rest.replace(/^[,; —-]+/, ''));
    return note === '' ? { recurring: code } : { recurring: code, note };
  }
  return { recurring: 'separate_schedule', note: trimmed };
}
