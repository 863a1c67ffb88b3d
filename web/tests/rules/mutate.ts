/** Seeded random variants of example documents, for the parity test. */

import type { Json } from '../../src/rules';

/** A small seeded generator (mulberry32): the same seed gives the same variants. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings people (and attackers) type: Cyrillic, emoji, empty, blank, long, near-dates. */
export const ODD_STRINGS = [
  '',
  ' ',
  '\u00a0',
  '\ufeff',
  'Школа №1 «Ёлочка»',
  'ё',
  '😀👩‍👩‍👧',
  'a'.repeat(70),
  'Ж'.repeat(300),
  '2025-02-30',
  '2025-13-01',
  '2026-02-28',
  '2025-09-01',
  '2027-06-30',
  '2025-9-1',
  '2025-06',
  '12',
  '-3.5',
  'inf',
  'NaN',
  'true',
  'null',
  'user@example.com',
  'not an email',
  'https://example.com/x',
  '1.1',
  'entry',
  'final',
  'intermediate',
  'grant',
  'without_funding',
  '<script>alert(1)</script>',
  'a/b~c',
];

const NUMBERS = [0, 1, -1, 2, 3, 4, 10, 36, 100, 101, 1000000, 0.5, -0.25, 2.75, 2025, 2027, 2030, 35, 9];

type Path = (string | number)[];

const MOMENTS = ['2025-09-01', '2025-09', '2025', '2026-05-31', '2026-02', '2026', '2022-11', '2021', '2024-02-29', '2027-12-31', '2025-02-30', '2025-13', '2025-9', 'сентябрь', ''];
const RECURRING = ['during_year', 'annually', 'quarterly', 'monthly', 'weekly', 'continuously', 'as_needed', 'separate_schedule', 'yearly', ''];
const NOTES = ['март', ' ', 'по итогам четверти', ''];

/** A moment, mostly real, at one of three precisions, sometimes not one at all. */
function moment(next: () => number): Json {
  return next() < 0.9 ? pick(next, MOMENTS) : pick(next, [null, 2025, ['2025']] as Json[]);
}

/** One part of an `intervals` timing: a moment or a span, sometimes malformed. */
function part(next: () => number): Json {
  const r = next();
  if (r < 0.45) return { at: moment(next) };
  if (r < 0.9) return { from: moment(next), to: moment(next) };
  return pick(next, [{}, { at: '2025-09', from: '2025-10' }, { from: '2025-09' }, '2025-09', null] as Json[]);
}

/** A timing of every shape (at, from–to, intervals, recurring), with a note or not, or a malformed one. */
export function timing(next: () => number): Json {
  const r = next();
  let out: Json;
  if (r < 0.25) out = { at: moment(next) };
  else if (r < 0.5) out = { from: moment(next), to: moment(next) };
  else if (r < 0.7) out = { intervals: Array.from({ length: Math.floor(next() * 4) }, () => part(next)) };
  else if (r < 0.85) out = { recurring: pick(next, RECURRING) };
  else {
    return pick(next, [null, '2025-09', 'ежегодно', 7, {}, [], { at: '2025-09', intervals: [] }, { recurring: 'annually', extra: 1 }, { from: '2025-09' }] as Json[]);
  }
  if (next() < 0.25) (out as Record<string, Json>).note = pick(next, NOTES);
  return out;
}

const SECTIONS = ['2022 год', '2023 год', '2026 год', 'Преподавание', 'Управление', '', ' '];
const STAGES = ['entry', 'intermediate', 'final', 'другой'];
/** What a 1.x document had: words for a timing, one string for who is responsible, booleans. */
const OLD_TIMINGS = ['ежегодно, март', 'сентябрь 2025 года', 'Май 2026', '2026 год', 'по графику', 'постоянно', 'в течение года — по четвергам', '  ', 'когда-нибудь', '2025-10'];

/** Every row (an object in an array) of the document with its path. */
function rowsOf(value: Json, path: Path, out: [Path, Record<string, Json>][]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) out.push([[...path, i], item]);
      rowsOf(item, [...path, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) rowsOf(v, [...path, k], out);
  }
}

/**
 * A change of what forms 2.0.0 added: a row's timing, its section or number (numbers unique
 * within a section), a monitoring row's stage and timing (stages in order per cycle), or a row
 * back in its 1.x shape (read through the migration).
 */
function shapesChange(doc: Json, next: () => number): void {
  const rows: [Path, Record<string, Json>][] = [];
  rowsOf(doc, [], rows);
  if (rows.length === 0) return;
  const timed = rows.filter(([, row]) => 'timing' in row);
  const [, row] = pick(next, timed.length > 0 && next() < 0.8 ? timed : rows);
  const siblings = rows.filter(([, other]) => 'number' in other || 'stage' in other).map(([, other]) => other);
  switch (Math.floor(next() * 6)) {
    case 0:
    case 1:
      row.timing = timing(next);
      break;
    case 2:
      if (next() < 0.6) row.section = pick(next, SECTIONS);
      else delete row.section;
      if (next() < 0.5 && siblings.length > 0) row.number = structuredClone(pick(next, siblings).number ?? '1');
      break;
    case 3:
      row.stage = pick(next, STAGES);
      row.timing = next() < 0.7 ? { at: pick(next, ['2025-02', '2025-06', '2025-11', '2026-02', '2026-09', '2025-09-15']) } : timing(next);
      break;
    case 4:
      // A monitoring cycle out of order: two staged rows swap their timings.
      if (siblings.length > 1) {
        const [a, b] = [pick(next, siblings), pick(next, siblings)];
        [a.timing, b.timing] = [b.timing ?? null, a.timing ?? null];
      }
      break;
    default: {
      // The row as forms 1.x had it.
      const old = next();
      if (old < 0.3) {
        delete row.timing;
        row.start = moment(next);
        if (next() < 0.7) row.end = next() < 0.3 ? row.start : moment(next);
      } else if (old < 0.45) {
        delete row.timing;
        row[pick(next, ['date', 'month'])] = moment(next);
      } else if (old < 0.7) {
        row.timing = pick(next, OLD_TIMINGS);
      } else if (old < 0.85) {
        row.responsible = pick(next, ['Иванова И. И., директор', ' ', '']);
      } else {
        row.category = pick(next, ['teacher', 'director', 7] as Json[]);
        delete row.categories;
        const answers = (doc as Record<string, Json>).parent_community_plan ?? (doc as Record<string, Json>).term;
        if (answers !== null && typeof answers === 'object' && !Array.isArray(answers)) {
          for (const key of ['agreed_with_governing_body', 'communicated_to_parents', 'auto_prolongation']) {
            if (key in answers) answers[key] = next() < 0.5;
          }
        }
      }
    }
  }
}

function places(value: Json, path: Path, out: Path[]): void {
  out.push(path);
  if (Array.isArray(value)) value.forEach((item, i) => places(item, [...path, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) places(v, [...path, k], out);
}

function get(value: Json, path: Path): Json {
  return path.reduce<Json>((here, step) => (here as Record<string, Json>)[step as string], value);
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/**
 * A copy of `document` with 1–3 random changes of the kinds a person or a peer could make,
 * some of them to what forms 2.0.0 added (timings, sections, monitoring cycles, 1.x shapes).
 */
export function mutate(document: Json, next: () => number): Json {
  const doc = structuredClone(document);
  const count = 1 + Math.floor(next() * 3);
  for (let n = 0; n < count; n++) {
    const all: Path[] = [];
    places(doc, [], all);
    const path = pick(next, all.slice(1));
    if (!path) continue;
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1];
    const parent = get(doc, parentPath) as Record<string | number, Json>;
    const old = parent[key];
    const choice = Math.floor(next() * 16);
    if (choice >= 13) {
      shapesChange(doc, next);
      continue;
    }
    const set = (value: Json) => {
      parent[key] = value;
    };
    switch (choice) {
      case 0:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 1:
        set(null);
        break;
      case 2:
      case 3:
        set(pick(next, ODD_STRINGS));
        break;
      case 4:
      case 5:
        set(pick(next, NUMBERS));
        break;
      case 6:
        set(next() < 0.5);
        break;
      case 7:
        set(next() < 0.5 ? [] : {});
        break;
      case 8:
        if (Array.isArray(old) && old.length > 0) old.push(structuredClone(pick(next, old)));
        else if (Array.isArray(parent)) parent.push(structuredClone(old));
        else set(pick(next, ODD_STRINGS));
        break;
      case 9:
        if (Array.isArray(old) && old.length > 1) old.reverse();
        else if (typeof old === 'string') set(old.split('').reverse().join(''));
        else set(pick(next, NUMBERS));
        break;
      case 10:
        if (!Array.isArray(parent)) parent[pick(next, ['extra', 'комментарий', 'x'])] = pick(next, ODD_STRINGS);
        else set(pick(next, ODD_STRINGS));
        break;
      case 11: {
        // A value from elsewhere in the document: dates out of order, codes of another list.
        const from = pick(next, all.slice(1));
        set(structuredClone(get(doc, from)));
        break;
      }
      default:
        if (typeof old === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(old)) {
          const year = Number(old.slice(0, 4)) + pick(next, [-2, -1, 1, 2]);
          set(`${year}${old.slice(4)}`);
        } else if (typeof old === 'number') set(old + pick(next, [-1, 1, 100, -100]));
        else set(pick(next, ODD_STRINGS));
    }
  }
  return doc;
}
