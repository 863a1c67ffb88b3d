/// <reference types="node" />
/**
 * The catalogue as the browser gets it: Vite bundles exactly the files of forms/ into the app,
 * it loads into every form and region the server knows, and what the server would refuse to
 * load (an unknown JSON Logic operator, a rule with no check) is refused here too, by place.
 */

import { describe, expect, it } from 'vitest';

import { CatalogueError, loadCatalogue, validate } from '../../src/rules';
import { browserCatalogue, formsBundle } from '../../src/rules/bundled';
import { readFormsBundle } from '../../src/rules/formsBundle';
import { RuleError } from '../../src/rules/rules';
import { catalogue, examples, FORMS_DIR } from './harness';

describe('the forms bundle', () => {
  it('holds every schema, rules file and requirement set of forms/', () => {
    const bundle = readFormsBundle(FORMS_DIR);
    const files = Object.keys(bundle.files);
    expect(files).toContain('common.schema.json');
    expect(files).toContain('school-programme.rules.json');
    expect(files).toContain('regions/lipetsk/region.json');
    expect(files).toContain('regions/mordovia/municipalities/kadoshkino/municipality.json');
    expect(catalogue.regions.get('mordovia')?.municipalities.get('kadoshkino')?.sets.size).toBeGreaterThan(0);
    expect(files.filter((f) => f.startsWith('examples/') || f.startsWith('sources/'))).toEqual([]);
    const pairs = new Set(examples().map((e) => `${e.form}.${e.region}`));
    for (const pair of pairs) {
      const [form, region] = pair.split('.');
      expect(catalogue.regions.get(region)?.sets.has(form), pair).toBe(true);
    }
  });

  it('is what Vite bundles into the app, and compiles there', () => {
    const fromDisk = readFormsBundle(FORMS_DIR);
    expect(Object.keys(formsBundle.files).sort()).toEqual(Object.keys(fromDisk.files).sort());
    expect(formsBundle).toEqual(fromDisk);
    const compiled = browserCatalogue();
    expect(browserCatalogue()).toBe(compiled);
    const example = examples().find((e) => e.name.endsWith('.valid.json'))!;
    expect(validate(compiled, example.form, example.region, example.document)).toEqual(validate(catalogue, example.form, example.region, example.document));
  });
});

describe('loading refuses what the server refuses', () => {
  const withRule = (rule: object) => {
    const bundle = structuredClone(readFormsBundle(FORMS_DIR));
    const file = bundle.files['school-programme.rules.json'] as { rules: object[] };
    file.rules.push(rule);
    return bundle;
  };
  const base = { id: 'programme.test', severity: 'error', requirement: 'Проверка.', message: 'проверка', source: 'general' };

  it('an unknown JSON Logic operator, naming the rule and the place', () => {
    const bundle = withRule({ ...base, logic: { and: [true, { regex: ['a', 'b'] }] } });
    expect(() => loadCatalogue(bundle)).toThrow(RuleError);
    expect(() => loadCatalogue(bundle)).toThrow(CatalogueError);
    expect(() => loadCatalogue(bundle)).toThrow(/school-programme\.rules\.json: \/rules\/\d+\/logic\/and\/1: .*«regex»/);
  });

  it('a rule without exactly one check', () => {
    expect(() => loadCatalogue(withRule({ ...base }))).toThrow(/ровно одна проверка/);
    expect(() => loadCatalogue(withRule({ ...base, unique: true }))).toThrow(/нужен each/);
  });

  it('a requirement set without its rules list', () => {
    const bundle = structuredClone(readFormsBundle(FORMS_DIR));
    (bundle.files['regions/lipetsk/school-programme.json'] as { rules?: unknown }).rules = undefined;
    expect(() => loadCatalogue(bundle)).toThrow(CatalogueError);
  });

  it('an unknown form or region is an exception naming what exists, not a report', () => {
    expect(() => validate(catalogue, 'no-such-form', 'lipetsk', {})).toThrow(/school-programme/);
    expect(() => validate(catalogue, 'school-programme', 'atlantis', {})).toThrow(/lipetsk/);
    expect(() => validate(catalogue, 'school-programme', 'mordovia', {}, 'atlantis')).toThrow(/kadoshkino/);
  });
});
