/// <reference types="node" />
/**
 * The browser's validator gives the server's reports: every example of forms/examples, odd
 * strings in every text field of a valid example, and PARITY_VARIANTS (3000) seeded random
 * variants (PARITY_SEED), each judged by the Rust CLI and by the TypeScript port, compared
 * whole: verdict, versions, and every finding's rule, pointer, severity and message in order.
 */

import { describe, expect, it } from 'vitest';

import { type Json, validate } from '../../src/rules';
import { catalogue, examples, rustReports } from './harness';
import { mutate, ODD_STRINGS, random } from './mutate';

const VARIANTS = Number(process.env.PARITY_VARIANTS ?? 3000);
const SEED = Number(process.env.PARITY_SEED ?? 20251205);

type Case = { name: string; form: string; region: string; municipality?: string; document: Json };

function compare(cases: Case[]): void {
  const rust = rustReports(cases);
  expect(rust).toHaveLength(cases.length);
  const differing: string[] = [];
  cases.forEach((c, i) => {
    const ts = validate(catalogue, c.form, c.region, c.document, c.municipality);
    if (JSON.stringify(ts) !== JSON.stringify(rust[i])) {
      differing.push(`${c.name}\n  документ: ${JSON.stringify(c.document).slice(0, 400)}\n  rust: ${JSON.stringify(rust[i])}\n  ts:   ${JSON.stringify(ts)}`);
    }
  });
  expect(differing.slice(0, 5).join('\n\n'), `${differing.length} из ${cases.length} отчётов расходятся`).toBe('');
}

describe('the TypeScript validator agrees with ravenstvo validate', () => {
  const all = examples();

  const acrossRules = new Set<string>();
  for (const region of catalogue.regions.values()) {
    for (const place of [region, ...region.municipalities.values()]) {
      for (const set of place.sets.values()) set.rules.forEach((r) => r.across !== undefined && acrossRules.add(r.id));
    }
  }

  it('on every example, whose verdict its name states', () => {
    expect(all.length).toBeGreaterThan(100);
    compare(all);
    for (const example of all) {
      const report = validate(catalogue, example.form, example.region, example.document, example.municipality);
      const parts = example.name.replace(/\.json$/, '').split('.');
      const [verdict, ...rule] = parts.slice(example.municipality === undefined ? 2 : 3);
      const id = rule.join('.');
      // A rule across a school's documents is the server's, at submission: not judged here.
      if (acrossRules.has(id)) continue;
      if (verdict === 'valid') expect(report.errors.length + report.warnings.length, example.name).toBe(0);
      if (verdict === 'invalid') {
        expect(report.valid, example.name).toBe(false);
        expect(report.errors.every((f) => f.rule === id), example.name).toBe(true);
      }
      if (verdict === 'warning') {
        expect(report.valid, example.name).toBe(true);
        expect(report.warnings.every((f) => f.rule === id) && report.warnings.length > 0, example.name).toBe(true);
      }
    }
  });

  it('on odd strings in every text field of the valid examples', () => {
    const cases: Case[] = [];
    for (const example of all.filter((e) => e.name.endsWith('.valid.json'))) {
      const texts: (string | number)[][] = [];
      const walk = (value: Json, path: (string | number)[]) => {
        if (typeof value === 'string') texts.push(path);
        else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
        else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      };
      walk(example.document, []);
      texts.forEach((path, n) => {
        const document = structuredClone(example.document);
        const parent = path.slice(0, -1).reduce<Json>((here, step) => (here as Record<string, Json>)[step as string], document) as Record<string, Json>;
        parent[path[path.length - 1] as string] = ODD_STRINGS[n % ODD_STRINGS.length];
        cases.push({ ...example, name: `${example.name} ${path.join('/')}`, document });
      });
    }
    expect(cases.length).toBeGreaterThan(100);
    compare(cases);
  }, 120_000);

  it('on documents that are no form at all, nest too deep, or are empty', () => {
    let deep: Json = 'лист';
    for (let i = 0; i < 40; i++) deep = i % 2 ? { a: deep } : [deep];
    const shapes: Json[] = [null, [], [1, 2, 3], 'текст', 0, true, {}, { title: deep }, deep, { неизвестно: 1, 'a/b~c': [] }];
    // Keys that are special to JavaScript objects are plain keys to the server.
    shapes.push(JSON.parse('{"__proto__": {"title": 1}, "constructor": "x", "toString": [], "hasOwnProperty": null}'));
    const cases: Case[] = [];
    for (const example of all.filter((e) => e.name.endsWith('.valid.json'))) {
      shapes.forEach((document, i) => cases.push({ ...example, name: `${example.name} форма ${i}`, document }));
      const special = structuredClone(example.document) as Record<string, Json>;
      for (const [key, value] of [['__proto__', 'x'], ['constructor', 1]] as const) {
        Object.defineProperty(special, key, { value, enumerable: true, configurable: true, writable: true });
      }
      cases.push({ ...example, name: `${example.name} с __proto__`, document: special });
    }
    compare(cases);
    const report = validate(catalogue, all[0].form, all[0].region, deep);
    expect(report.errors.map((f) => f.rule)).toEqual(['document.depth']);
  });

  it(`on ${VARIANTS} random variants of the examples (seed ${SEED})`, () => {
    const next = random(SEED);
    const cases: Case[] = [];
    for (let i = 0; i < VARIANTS; i++) {
      const example = all[Math.floor(next() * all.length)];
      cases.push({ ...example, name: `вариант ${i} от ${example.name}`, document: mutate(example.document, next) });
    }
    compare(cases);
    // The variants reach both verdicts and every kind of finding, or the test proves little.
    const reports = cases.map((c) => validate(catalogue, c.form, c.region, c.document, c.municipality));
    const found = new Set(reports.flatMap((r) => [...r.errors, ...r.warnings].map((f) => f.rule)));
    expect(reports.some((r) => r.valid)).toBe(true);
    expect(reports.some((r) => !r.valid)).toBe(true);
    expect([...found].filter((rule) => rule.startsWith('schema.')).length).toBeGreaterThan(8);
    if (VARIANTS >= 3000) {
      // Every rule of every form and region is broken by some variant and judged alike.
      const rules = new Set<string>();
      for (const form of catalogue.forms.values()) form.rules.forEach((r) => rules.add(r.id));
      for (const region of catalogue.regions.values()) {
        for (const place of [region, ...region.municipalities.values()]) {
          for (const set of place.sets.values()) set.rules.forEach((r) => r.across === undefined && rules.add(r.id));
        }
      }
      expect([...rules].filter((rule) => !found.has(rule))).toEqual([]);
    }
  }, 600_000);
});
