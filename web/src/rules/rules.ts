/**
 * Named rules, compiled and checked as crates/forms `rules` does: `each` over arrays (with `*`
 * for every element on the way), `when`, and one check per rule. Each kind of check is one
 * entry of {@link CHECKS}, so a new kind is one more entry.
 */

import type Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';

import { CatalogueError } from './errors';
import { compile, type Json, LogicError, truthy, unknownOperator } from './logic';
import { escape, parseIndex, segments, valueAt } from './pointer';
import { schemaErrors } from './schemaFindings';
import type { SchemaDocs } from './schemaDocs';

/** How serious a finding is. */
export type Severity = 'error' | 'warning';

/** One compiled rule. */
export interface Rule {
  id: string;
  severity: Severity;
  requirement: string;
  message: string;
  /** The array the rule is checked per element of, split (`*` = every element). */
  each?: string[];
  /** Where a finding points: relative to the element with `each`, absolute otherwise. */
  pointer: string;
  pointerSegments: string[];
  /** The rule's `when`, compiled. */
  when?: Logic;
  kind: string;
  /**
   * The other form whose document of the same school the rule reads (`other`): such a rule is
   * checked by the server at submission only, never by `validate` (as `ravenstvo validate`).
   */
  across?: string;
  /** What the check's kind compiled from the rule (its logic, its validator). */
  compiled: unknown;
}

/** What every rule of one validation looks at. */
export interface Subject {
  doc: Json;
  /** The catalogue's schema documents (for the order of a schema fragment's errors). */
  docs: SchemaDocs;
  /** Whether the document broke its base schema: a rule that cannot be evaluated is silent. */
  schemaBroken: boolean;
}

/** One place a rule is checked on: the whole document, or one element of an array. */
export interface Target {
  /** Pointer of the array holding the element (`""` for the whole document). */
  array: string;
  value: Json;
  index?: number;
}

/** One kind of check: how it compiles from a rule's file, and how it finds violations. */
export interface CheckKind {
  /** The rule's field that selects this kind. */
  field: string;
  /** Whether the rule asks for this kind. */
  present(raw: Record<string, unknown>): boolean;
  compile(raw: Record<string, unknown>, where: string, ajv: Ajv2020): unknown;
  /** Whether it checks all elements of an array at once rather than each on its own. */
  whole?: boolean;
  /** Appends the pointers of every violation on `target` (or, if `whole`, on `arrays`). */
  check(rule: Rule, subject: Subject, target: Target, out: string[]): void;
  checkArrays?(rule: Rule, arrays: [string, Json[]][], out: string[]): void;
}

/** Why a rule cannot be loaded, naming the file and the place. */
export class RuleError extends CatalogueError {}

function targetPointer(target: Target): string {
  return target.index === undefined ? '' : `${target.array}/${target.index}`;
}

/** Compiled JSON Logic of a rule. */
type Logic = (data: Json) => Json;

/** JSON Logic on `{doc, item, index}`; `undefined` where evaluation fails (datalogic's Err). */
function holds(logic: Logic, subject: Subject, target: Target): boolean | undefined {
  const data: Json = target.index === undefined ? { doc: subject.doc } : { doc: subject.doc, item: target.value, index: target.index };
  try {
    return truthy(logic(data));
  } catch (error) {
    if (error instanceof LogicError || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Rust's `char::is_whitespace` (Unicode White_Space), which `str::trim` strips. */
const RUST_BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** What a `unique` check compares of a row: its value as text, `undefined` when empty. */
function uniqueKey(value: Json | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return RUST_BLANK.test(value) ? undefined : `s${value}`;
  return `s${JSON.stringify(value)}`;
}

/** Every kind of check a rule may have, by the field that names it. */
export const CHECKS: Record<string, CheckKind> = {
  logic: {
    field: 'logic',
    present: (raw) => raw.logic !== undefined,
    compile: (raw, where) => {
      const unknown = unknownOperator(raw.logic);
      if (unknown) throw new RuleError(`${where}/logic${unknown.at}: неизвестная операция JSON Logic «${unknown.op}»`);
      return compile(raw.logic);
    },
    check(rule, subject, target, out) {
      const answer = holds(rule.compiled as Logic, subject, target);
      // A rule that cannot be evaluated on a well-typed document counts as broken.
      const passed = answer === undefined ? subject.schemaBroken : answer;
      if (!passed) out.push(targetPointer(target) + rule.pointer);
    },
  },
  schema: {
    field: 'schema',
    present: (raw) => raw.schema !== undefined,
    compile: (raw, where, ajv) => {
      try {
        return ajv.compile(raw.schema as object);
      } catch (error) {
        throw new RuleError(`${where}/schema: неверная JSON Schema: ${(error as Error).message}`);
      }
    },
    check(rule, subject, target, out) {
      const value = valueAt(target.value, rule.pointerSegments);
      if (value === undefined) return;
      const validate = rule.compiled as ValidateFunction;
      if (validate(value)) return;
      const here = targetPointer(target) + rule.pointer;
      const seen = new Set<string>();
      for (const error of schemaErrors(validate, value, subject.docs, { base: '', value: validate.schema as Json })) {
        const at = here + error.at;
        if (!seen.has(at)) {
          seen.add(at);
          out.push(at);
        }
      }
    },
  },
  unique: {
    field: 'unique',
    present: (raw) => raw.unique === true,
    compile: (raw, where) => {
      if (raw.each === undefined) throw new RuleError(`${where}/unique: для unique нужен each`);
      return true;
    },
    whole: true,
    check() {},
    checkArrays(rule, arrays, out) {
      for (const [array, items] of arrays) {
        const seen = new Set<string>();
        items.forEach((item, index) => {
          const key = uniqueKey(valueAt(item, rule.pointerSegments));
          if (key === undefined) return;
          if (seen.has(key)) out.push(`${array}/${index}${rule.pointer}`);
          else seen.add(key);
        });
      }
    },
  },
};

/** Compiles one rule of `file` at `place`; throws {@link RuleError} on what the server refuses. */
export function compileRule(raw: Json, file: string, place: string, ajv: Ajv2020): Rule {
  const where = `${file}: ${place}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RuleError(`${where}: правило должно быть объектом`);
  const kinds = Object.values(CHECKS).filter((kind) => kind.present(raw));
  if (kinds.length !== 1) throw new RuleError(`${where}: у правила должна быть ровно одна проверка (logic, schema или unique)`);
  const [kind] = kinds;
  if (raw.when !== undefined) {
    const unknown = unknownOperator(raw.when);
    if (unknown) throw new RuleError(`${where}/when${unknown.at}: неизвестная операция JSON Logic «${unknown.op}»`);
  }
  if (raw.across !== undefined) {
    if (typeof raw.across !== 'string' || raw.across === '') throw new RuleError(`${where}/across: across называет форму другого документа`);
    if (raw.each !== undefined || kind.field !== 'logic') throw new RuleError(`${where}/across: правилу across нужна logic и не нужен each`);
  }
  const pointer = typeof raw.pointer === 'string' ? raw.pointer : '';
  return {
    across: typeof raw.across === 'string' ? raw.across : undefined,
    id: String(raw.id),
    severity: raw.severity === 'warning' ? 'warning' : 'error',
    requirement: String(raw.requirement),
    message: String(raw.message),
    each: typeof raw.each === 'string' ? segments(raw.each) : undefined,
    pointer,
    pointerSegments: segments(pointer),
    when: raw.when === undefined ? undefined : compile(raw.when),
    kind: kind.field,
    compiled: kind.compile(raw, where, ajv),
  };
}

/** Every array under an `each` path with its pointer; `*` is every element on the way. */
function expand(value: Json, path: string[], at: string, out: [string, Json[]][]): void {
  if (path.length === 0) {
    if (Array.isArray(value)) out.push([at, value]);
    return;
  }
  const [head, ...rest] = path;
  if (head === '*' && Array.isArray(value)) {
    value.forEach((item, i) => expand(item, rest, `${at}/${i}`, out));
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if (Object.prototype.hasOwnProperty.call(value, head)) expand(value[head], rest, `${at}/${escape(head)}`, out);
  } else if (Array.isArray(value)) {
    const index = parseIndex(head);
    if (index !== undefined && index < value.length) expand(value[index], rest, `${at}/${head}`, out);
  }
}

/** Checks one rule against the document; the pointers of every place it is broken, in order. */
export function checkRule(rule: Rule, subject: Subject): string[] {
  const kind = CHECKS[rule.kind];
  const out: string[] = [];
  const one = (target: Target) => {
    if (rule.when !== undefined) {
      const answer = holds(rule.when, subject, target);
      if (answer === false) return;
      if (answer === undefined && subject.schemaBroken) return;
    }
    kind.check(rule, subject, target, out);
  };
  if (rule.each === undefined) {
    one({ array: '', value: subject.doc });
    return out;
  }
  const arrays: [string, Json[]][] = [];
  if (rule.each.includes('*')) {
    expand(subject.doc, rule.each, '', arrays);
  } else {
    const found = valueAt(subject.doc, rule.each);
    if (Array.isArray(found)) arrays.push([rule.each.map((s) => `/${escape(s)}`).join(''), found]);
  }
  if (kind.whole) {
    kind.checkArrays?.(rule, arrays, out);
    return out;
  }
  for (const [array, items] of arrays) {
    items.forEach((value, index) => one({ array, value, index }));
  }
  return out;
}
