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

/** A copy of `document` with 1–3 random changes of the kinds a person or a peer could make. */
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
    const choice = Math.floor(next() * 13);
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
