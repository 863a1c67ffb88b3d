/**
 * logic.ts against datalogic-rs 5.4 (the server's engine): `datalogic-cases.json` holds edge
 * cases with the results datalogic gave for them (recorded by evaluating each case with
 * `datalogic_rs::Engine::new()`), `error: true` where it fails. And why not json-logic-js: the
 * cases where it answers otherwise.
 */

import jsonLogic from 'json-logic-js';
import { describe, expect, it } from 'vitest';

import cases from './datalogic-cases.json';
import { evaluate, type Json, LogicError, OPERATORS, parseRustFloat, unknownOperator } from '../../src/rules/logic';

type Case = { logic: unknown; data: Json; result?: Json; error?: boolean };

function outcome(logic: unknown, data: Json): { result: Json } | { error: true } {
  try {
    return { result: evaluate(logic, data) };
  } catch (error) {
    if (error instanceof LogicError) return { error: true };
    throw error;
  }
}

describe('logic.ts evaluates as datalogic-rs', () => {
  it.each((cases as Case[]).map((c) => [JSON.stringify(c.logic), JSON.stringify(c.data), c] as const))('%s on %s', (_l, _d, c) => {
    // Recorded as JSON: a result that is no finite number was written as null.
    const got = JSON.parse(JSON.stringify(outcome(c.logic, c.data)));
    if (c.error) expect(got).toEqual({ error: true });
    else expect(got).toEqual({ result: c.result });
  });

  it('parses numbers in text as Rust does', () => {
    expect(parseRustFloat('1.')).toBe(1);
    expect(parseRustFloat('.5')).toBe(0.5);
    expect(parseRustFloat('+2e3')).toBe(2000);
    expect(parseRustFloat('Infinity')).toBe(Infinity);
    expect(parseRustFloat(' 1')).toBeUndefined();
    expect(parseRustFloat('0x10')).toBeUndefined();
    expect(parseRustFloat('1_000')).toBeUndefined();
  });

  it('names the first operator it does not have, with its place', () => {
    expect(unknownOperator({ and: [{ var: 'a' }, { regex: ['a', 'b'] }] })).toEqual({ at: '/and/1', op: 'regex' });
    expect(unknownOperator({ some: [{ var: 'a' }, { in: [{ var: 'k' }, ['x']] }] })).toBeUndefined();
    expect(() => evaluate({ regex: [] }, {})).toThrow(LogicError);
  });

  it('has every operator our rules use', () => {
    for (const op of ['var', '==', '!=', '===', '!==', '<', '<=', '>', '>=', '!', '!!', 'and', 'or', 'if', '+', '-', 'cat', 'substr', 'in', 'reduce', 'filter', 'map', 'some']) {
      expect(OPERATORS[op], op).toBeTypeOf('function');
    }
  });
});

describe('json-logic-js answers otherwise, so the browser does not use it for rules', () => {
  it('holds null unequal to 0 and to empty text; datalogic holds them equal', () => {
    expect(jsonLogic.apply({ '==': [{ var: 'a' }, 0] }, { a: null })).toBe(false);
    expect(evaluate({ '==': [{ var: 'a' }, 0] }, { a: null })).toBe(true);
    expect(jsonLogic.apply({ '==': [{ var: 'a' }, ''] }, { a: null })).toBe(false);
    expect(evaluate({ '==': [{ var: 'a' }, ''] }, { a: null })).toBe(true);
  });

  it('compares a number with text that is no number as unequal; datalogic fails the rule', () => {
    expect(jsonLogic.apply({ '==': [1, 'abc'] }, {})).toBe(false);
    expect(outcome({ '==': [1, 'abc'] }, {})).toEqual({ error: true });
  });

  it('adds text that is no number as NaN; datalogic fails the rule', () => {
    expect(Number.isNaN(jsonLogic.apply({ '+': [1, 'x'] }, {}))).toBe(true);
    expect(outcome({ '+': [1, 'x'] }, {})).toEqual({ error: true });
  });

  it('counts a field holding null as missing; datalogic counts it present', () => {
    expect(jsonLogic.apply({ missing: ['a'] }, { a: null })).toEqual(['a']);
    expect(evaluate({ missing: ['a'] }, { a: null })).toEqual([]);
  });
});
