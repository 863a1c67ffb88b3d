/**
 * The port of forms 2.0.0's timings, sequence and migration gives the answers of crates/forms'
 * own unit tests (timing.rs, sequence.rs, migrate.rs), case by case.
 */

import { describe, expect, it } from 'vitest';

import { type Json, evaluate } from '../../src/rules/logic';
import { fromRussian, toCurrent } from '../../src/rules/migrate';
import { checkSequence, compileSequence } from '../../src/rules/sequence';
import { parseMoment, parseTiming, timingRussian } from '../../src/rules/timing';

const russian = (t: Json) => timingRussian(parseTiming(t)!);
const op = (name: string, ...args: Json[]) => evaluate({ [name]: args.map((_, i) => ({ var: String(i) })) }, args as Json);

describe('timings', () => {
  it('moments parse at three precisions and refuse unreal days', () => {
    expect(parseMoment('2025')).toEqual({ year: 2025 });
    expect(parseMoment('2025-09')).toEqual({ year: 2025, month: 9 });
    expect(parseMoment('2024-02-29')).toBeDefined();
    for (const bad of ['2025-02-29', '2025-13', '2025-9', '25', '2025-09-01-01', 'сентябрь', ' 2025', '２０２５']) expect(parseMoment(bad), bad).toBeUndefined();
  });

  it('render the way the sources write', () => {
    expect(russian({ from: '2022-09', to: '2022-11' })).toBe('сентябрь–ноябрь 2022');
    expect(russian({ from: '2021-09', to: '2022-05' })).toBe('сентябрь 2021 – май 2022');
    expect(russian({ at: '2025-09' })).toBe('сентябрь 2025');
    expect(russian({ at: '2025-09-01' })).toBe('1 сентября 2025 г.');
    expect(russian({ at: '2019' })).toBe('2019 год');
    expect(russian({ from: '2020', to: '2021' })).toBe('2020–2021 годы');
    expect(russian({ intervals: [{ at: '2022-02' }, { at: '2022-06' }, { at: '2022-11' }] })).toBe('февраль 2022; июнь 2022; ноябрь 2022');
    expect(russian({ recurring: 'as_needed', note: 'по запросу школ' })).toBe('по мере необходимости, по запросу школ');
    for (const bad of [null, '2025-09', { at: '2025-02-30' }, { intervals: [] }, { recurring: 'yearly' }, {}]) expect(parseTiming(bad as Json), JSON.stringify(bad)).toBeUndefined();
  });

  it('operators answer as the registered ones do', () => {
    expect(op('timing_ordered', { intervals: [{ from: '2022-04', to: '2022-06' }, { from: '2022-09', to: '2021-11' }] })).toBe(false);
    expect(op('timing_ordered', { from: '2022-09', to: '2022-09-15' })).toBe(true);
    const within = (t: Json) => op('timing_within', t, '2025-09-15', '2027-06-30');
    expect(within({ at: '2025-09' })).toBe(true);
    expect(within({ at: '2027' })).toBe(true);
    expect(within({ at: '2025-08' })).toBe(false);
    expect(within({ from: '2026-01', to: '2027-07' })).toBe(false);
    expect(within({ recurring: 'continuously' })).toBe(true);
    expect(within(null)).toBe(true);
    expect(op('timing_within', { at: '2030' }, null)).toBe(true);
    expect(op('timing_first', { intervals: [{ from: '2022-04', to: '2022-06' }, { at: '2022-02' }, { from: '2022-09', to: '2022' }] })).toBe('2022-02-01');
    expect(op('timing_last', { from: '2025-09', to: '2025-11' })).toBe('2025-11-30');
    expect(op('timing_last', { intervals: [{ from: '2022-09', to: '2022' }] })).toBe('2022-12-31');
    expect(op('timing_first', { recurring: 'annually' })).toBe(null);
    expect(op('timing_last', 7)).toBe(null);
  });
});

describe('sequence', () => {
  const monitoring = compileSequence(
    { stage: '/stage', timing: '/timing', order: [{ stage: 'entry', title: 'входной' }, { stage: 'intermediate', title: 'промежуточный' }, { stage: 'final', title: 'итоговый' }] },
    'test',
  );
  const row = (stage: string, at: string): Json => ({ stage, timing: { at } });

  it('lets every year of the Kadoshkino roadmap run its own cycle', () => {
    const rows = ['2022', '2023'].flatMap((y) => [row('entry', `${y}-02`), row('intermediate', `${y}-06`), row('final', `${y}-11`)]);
    expect(checkSequence(monitoring, rows)).toEqual([]);
  });

  it('names the row a stage comes after', () => {
    expect(checkSequence(monitoring, [row('entry', '2025-09'), row('final', '2025-10'), row('intermediate', '2025-12')])).toEqual([
      { index: 2, detail: 'этап «промежуточный» (декабрь 2025) идёт после этапа «итоговый» (октябрь 2025, строка 2) того же цикла' },
    ]);
  });

  it('does not compare unstaged and undated rows', () => {
    expect(checkSequence(monitoring, [{ timing: { at: '2025-09' } }, { stage: 'final', timing: { recurring: 'annually' } }, row('intermediate', '2025-12')])).toEqual([]);
  });
});

describe('migration of 1.x documents', () => {
  it('gives plan, training and monitoring rows timings', () => {
    const old: Json = {
      action_plan: [
        { number: '1', start: '2025-09-01', end: '2025-10-31', responsible: 'Иванова И. И., директор' },
        { number: '2', start: '2025-09-01', end: '2025-09-01' },
      ],
      professional_development: [{ category: 'teacher', start: '2025-10-01', end: '2025-11-15' }],
      monitoring: [{ stage: 'entry', date: '2025-09-15', responsible: 'Петрова П. П.' }],
      parent_community_plan: { agreed_with_governing_body: true, communicated_to_parents: false, activities: [{ timing: 'ежегодно, март', responsible: 'Классные руководители' }] },
    };
    const before = JSON.stringify(old);
    const now = toCurrent('school-programme', old) as Record<string, Record<string, Json>[] & Record<string, Json>>;
    expect(JSON.stringify(old)).toBe(before);
    // serde_json's swap_remove: `responsible` takes the place of `start`, `timing` goes last.
    expect(Object.keys(now.action_plan[0])).toEqual(['number', 'responsible', 'timing']);
    expect(now.action_plan[0].timing).toEqual({ from: '2025-09-01', to: '2025-10-31' });
    expect(now.action_plan[0].responsible).toEqual([{ kind: 'person', name: 'Иванова И. И., директор' }]);
    expect(now.action_plan[1]).toEqual({ number: '2', timing: { at: '2025-09-01' } });
    expect(now.professional_development[0].categories).toEqual(['teacher']);
    expect(now.monitoring[0].timing).toEqual({ at: '2025-09-15' });
    expect(now.parent_community_plan).toEqual({
      agreed_with_governing_body: 'yes',
      communicated_to_parents: 'no',
      activities: [{ timing: { recurring: 'annually', note: 'март' }, responsible: [{ kind: 'person', name: 'Классные руководители' }] }],
    });
  });

  it('turns agreement dates and months into timings', () => {
    const now = toCurrent('partnership-agreement', { term: { start: '2025-09-01', end: '2026-08-31', auto_prolongation: false }, schedule: [{ date: '2025-10-15', responsible: '' }, { month: '2025-11' }] }) as Record<string, Json>;
    expect(now.schedule).toEqual([{ timing: { at: '2025-10-15' } }, { timing: { at: '2025-11' } }]);
    expect((now.term as Record<string, Json>).auto_prolongation).toBe('no');
  });

  it('leaves a current document as it is', () => {
    const current: Json = { action_plan: [{ timing: { recurring: 'annually' }, responsible: [{ kind: 'organisation', name: 'Управление образования' }] }] };
    expect(toCurrent('school-programme', current)).toEqual(current);
    expect(toCurrent('unknown-form', 7)).toBe(7);
  });

  it('reads free-text schedules keeping their words', () => {
    const cases: [string, Json][] = [
      ['сентябрь 2025 года', { at: '2025-09' }],
      ['Май 2026', { at: '2026-05' }],
      ['2026 год', { at: '2026' }],
      ['2025-10-01', { at: '2025-10-01' }],
      ['ежегодно, март', { recurring: 'annually', note: 'март' }],
      ['ежегодно, октябрь — апрель', { recurring: 'annually', note: 'октябрь — апрель' }],
      ['еженедельно', { recurring: 'weekly' }],
      ['по графику, ежемесячно', { recurring: 'separate_schedule', note: 'ежемесячно' }],
      ['Постоянно, по мере необходимости', { recurring: 'continuously', note: 'по мере необходимости' }],
      ['по итогам каждой четверти', { recurring: 'separate_schedule', note: 'по итогам каждой четверти' }],
    ];
    for (const [text, expected] of cases) {
      expect(fromRussian(text), text).toEqual(expected);
      expect(parseTiming(fromRussian(text)), text).toBeDefined();
    }
  });
});

describe('unique within a section', () => {
  it('compares numbers only among rows of the same section, an empty section being one group', async () => {
    const { CHECKS } = await import('../../src/rules/rules');
    const rule = { pointer: '/number', pointerSegments: ['number'], compiled: ['section'] } as unknown as import('../../src/rules/rules').Rule;
    const rows: Json[] = [
      { section: '2022 год', number: '1' },
      { section: '2023 год', number: '1' },
      { section: '2022 год', number: '1' },
      { number: '1' },
      { section: ' ', number: '1' },
      { section: '2023 год', number: '2' },
    ];
    const out: { pointer: string }[] = [];
    CHECKS.unique.checkArrays!(rule, [['/action_plan', rows]], out);
    expect(out.map((v) => v.pointer)).toEqual(['/action_plan/2/number', '/action_plan/4/number']);
  });
});
