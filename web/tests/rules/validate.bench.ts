/// <reference types="node" />
/**
 * The browser's validation of a 200-row programme (the Lipetsk example with its action plan
 * grown, numbers kept unique) against raw ajv on the same document: the base schema alone,
 * with nothing of ours. `npx vitest bench` prints both; their ratio is what our rules and
 * messages cost on top of the schema.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { bench, describe } from 'vitest';

import { type Json, validate } from '../../src/rules';
import { newAjv } from '../../src/rules/catalogue';
import { catalogue, FORMS_DIR } from './harness';

/** Action-plan rows of the benchmark's programme. */
const ROWS = 200;

function grown(): Json {
  const doc = JSON.parse(readFileSync(join(FORMS_DIR, 'examples/school-programme.lipetsk.valid.json'), 'utf8'));
  const plan = doc.action_plan as Record<string, Json>[];
  doc.action_plan = Array.from({ length: ROWS }, (_, i) => ({
    ...structuredClone(plan[i % plan.length]),
    number: `${Math.floor(i / 10) + 1}.${(i % 10) + 1}`,
  }));
  return doc;
}

const programme = grown();
/** The same with every row broken: an end before its start, and a date that is no date. */
const broken = structuredClone(programme) as { action_plan: Record<string, Json>[] };
broken.action_plan.forEach((row, i) => {
  row.start = '2027-12-31';
  if (i % 2 === 0) row.end = '2025-02-30';
});
const raw = newAjv();
raw.addSchema(JSON.parse(readFileSync(join(FORMS_DIR, 'common.schema.json'), 'utf8')));
const rawValidate = raw.compile(JSON.parse(readFileSync(join(FORMS_DIR, 'school-programme.schema.json'), 'utf8')));

if (!validate(catalogue, 'school-programme', 'lipetsk', programme).valid || !rawValidate(programme)) {
  throw new Error('the benchmark programme must be valid, or it measures the error path');
}

describe(`school-programme, lipetsk, ${ROWS} action-plan rows`, () => {
  bench('validate (schema, rules, messages)', () => {
    validate(catalogue, 'school-programme', 'lipetsk', programme);
  });
  bench('raw ajv, base schema only', () => {
    rawValidate(programme);
  });
  bench('validate, every row broken (findings worded)', () => {
    validate(catalogue, 'school-programme', 'lipetsk', broken as Json);
  });
});
