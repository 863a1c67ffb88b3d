/**
 * JSON Logic as datalogic-rs 5 (the server's engine, default configuration) evaluates it.
 *
 * json-logic-js differs from datalogic in places that change verdicts: a `var` that finds
 * `null` returns its default there but `null` here; `==` between a number and a string that is
 * not a number is an error here (the rule then counts as broken), and `+` on a value that is
 * not a number is an error rather than `NaN`. So the browser runs this evaluator, one entry of
 * {@link OPERATORS} per operator, held to datalogic by the parity tests.
 */

/** A JSON value as the rules see it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Evaluation failed the way datalogic fails (a wrong type underneath); the rule decides. */
export class LogicError extends Error {}

/** One frame of the evaluation's context: the data `var` reads (an iteration's element). */
export interface Frame {
  data: Json;
}

/** A compiled piece of JSON Logic: its value in the given frames (the last is the current). */
export type Compiled = (frames: Frame[]) => Json;

/** What an operator gets: its compiled arguments (run as it needs them) and the raw ones. */
export interface Call {
  args: Compiled[];
  raw: unknown[];
  frames: Frame[];
  evaluate(arg: Compiled, frames?: Frame[]): Json;
}

/** One operator: evaluates its arguments as it needs them. */
export type Operator = (call: Call) => Json;

/** JavaScript truthiness, as datalogic's default `TruthyEvaluator::JavaScript`. */
export function truthy(value: Json): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

const RUST_FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/** Rust's `str::parse::<f64>()`: no surrounding spaces, `inf`/`nan` words, `1.`, `.5`. */
export function parseRustFloat(text: string): number | undefined {
  if (!RUST_FLOAT.test(text)) return undefined;
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower.endsWith('nan')) return NaN;
  return Number(text);
}

/** datalogic's numeric coercion: `""`, `null`, `false` are 0, `true` is 1, strings parse. */
export function toNumber(value: Json): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value === '' ? 0 : parseRustFloat(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === null) return 0;
  return undefined;
}

/** How datalogic renders a value as text (`cat`, `substr`). */
export function toText(value: Json): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return JSON.stringify(value);
}

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep equality of two values (`===` on arrays and objects, numbers by value). */
function same(a: Json, b: Json): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => same(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key, i) => Object.keys(b)[i] === key && same(a[key], b[key]))
    );
  }
  return a === b;
}

/** Loose equality (`==`): datalogic's coercion table; incompatible types are an error. */
export function looseEquals(a: Json, b: Json): boolean {
  if (a === null && b === null) return true;
  if (typeof a === typeof b && (typeof a === 'boolean' || typeof a === 'string')) return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) {
    const [n, s] = typeof a === 'number' ? [a, b as string] : [b as number, a as string];
    const parsed = parseRustFloat(s);
    if (parsed === undefined) throw new LogicError('NaN');
    return n === parsed;
  }
  if ((typeof a === 'number' && typeof b === 'boolean') || (typeof a === 'boolean' && typeof b === 'number')) {
    const [n, flag] = typeof a === 'number' ? [a, b as boolean] : [b as number, a as boolean];
    return n === (flag ? 1 : 0);
  }
  if ((typeof a === 'string' && typeof b === 'boolean') || (typeof a === 'boolean' && typeof b === 'string')) {
    const [s, flag] = typeof a === 'string' ? [a, b as boolean] : [b as string, a as boolean];
    return s === (flag ? 'true' : 'false');
  }
  if (a === null || b === null) {
    const other = a === null ? b : a;
    if (typeof other === 'number') return other === 0;
    if (typeof other === 'boolean') return !other;
    if (typeof other === 'string') return other === '';
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (same(a, b)) return true;
    throw new LogicError('NaN');
  }
  if (Array.isArray(a) || Array.isArray(b) || isObject(a) || isObject(b)) {
    if (isObject(a) && isObject(b)) return false;
    throw new LogicError('NaN');
  }
  return false;
}

/** Strict equality (`===`): numbers by value, everything else structurally and by type. */
export function strictEquals(a: Json, b: Json): boolean {
  return same(a, b);
}

type Order = (l: number | string, r: number | string) => boolean;

/** Ordered comparison of two values (`<`, `<=`, `>`, `>=`) as datalogic does it. */
function compareOrdered(a: Json, b: Json, op: Order): boolean {
  if (typeof a === 'number' && typeof b === 'number') return op(a, b);
  if (typeof a === 'string' && typeof b === 'string') return op(a, b);
  if (Array.isArray(a) || Array.isArray(b) || isObject(a) || isObject(b)) throw new LogicError('NaN');
  const l = toNumber(a);
  const r = toNumber(b);
  if (l !== undefined && r !== undefined) return op(l, r);
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) {
    throw new LogicError('NaN');
  }
  return false;
}

const SURROGATE = /[\ud800-\udfff]/;

/** Code-point order of two strings, as Rust compares `str` (UTF-8 bytes). */
function codePointLess(l: string, r: string): number {
  // Without surrogates UTF-16 units are code points, and JavaScript's order is the same.
  if (!SURROGATE.test(l) && !SURROGATE.test(r)) return l < r ? -1 : l > r ? 1 : 0;
  const a = Array.from(l);
  const b = Array.from(r);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i].codePointAt(0)!;
    const y = b[i].codePointAt(0)!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function cmp(l: number | string, r: number | string): number {
  if (typeof l === 'number' && typeof r === 'number') return l < r ? -1 : l > r ? 1 : l === r ? 0 : NaN;
  return codePointLess(String(l), String(r));
}

function ordered(test: (c: number) => boolean): Operator {
  return ({ args, evaluate, frames }) => {
    if (args.length < 2) throw new LogicError('invalid arguments');
    let previous = evaluate(args[0], frames);
    for (const arg of args.slice(1)) {
      const current = evaluate(arg, frames);
      if (!compareOrdered(previous, current, (l, r) => test(cmp(l, r)))) return false;
      previous = current;
    }
    return true;
  };
}

function equality(strict: boolean, negate: boolean): Operator {
  return ({ args, evaluate, frames }) => {
    if (args.length < 2) throw new LogicError('invalid arguments');
    const first = evaluate(args[0], frames);
    const eq = strict ? strictEquals : looseEquals;
    if (negate) return !eq(first, evaluate(args[1], frames));
    for (const arg of args.slice(1)) {
      if (!eq(first, evaluate(arg, frames))) return false;
    }
    return true;
  };
}

/** The value at a dotted path (`doc.period.start`, `rows.0.x`), or `undefined` if absent. */
function lookup(data: Json, path: string): Json | undefined {
  return lookupSteps(data, path === '' ? [] : path.split('.'));
}

function lookupSteps(data: Json, steps: string[]): Json | undefined {
  let here: Json | undefined = data;
  for (const segment of steps) {
    if (isObject(here)) {
      here = Object.prototype.hasOwnProperty.call(here, segment) ? here[segment] : undefined;
    } else if (Array.isArray(here) && /^\d+$/.test(segment)) {
      here = here[Number(segment)];
    } else {
      return undefined;
    }
    if (here === undefined) return undefined;
  }
  return here;
}

/** The elements an iterating operator walks: an array's items, an object's values. */
function iterable(value: Json): Json[] | undefined {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  return undefined;
}

function arithmetic(identity: number, combine: (a: number, b: number) => number): Operator {
  return ({ args, raw, evaluate, frames }) => {
    if (args.length === 0) return identity;
    if (args.length === 1) {
      if (Array.isArray(raw[0])) throw new LogicError('NaN');
      const value = evaluate(args[0], frames);
      const items = Array.isArray(value) ? value : [value];
      let result = identity;
      for (const item of items) {
        const n = toNumber(item);
        if (n === undefined) throw new LogicError('NaN');
        result = combine(result, n);
      }
      return result;
    }
    let result = identity;
    for (const arg of args) {
      const n = toNumber(evaluate(arg, frames));
      if (n === undefined) throw new LogicError('NaN');
      result = combine(result, n);
    }
    return result;
  };
}

/** Every operator of our rules, as datalogic evaluates it. */
export const OPERATORS: Record<string, Operator> = {
  var: ({ args, evaluate, frames }) => {
    // Paths are literals in our rules; a computed one is evaluated like any argument.
    const [pathLogic, fallback] = args;
    const path = pathLogic === undefined ? '' : evaluate(pathLogic, frames);
    const frame = frames[frames.length - 1];
    const name = typeof path === 'number' ? String(path) : typeof path === 'string' ? path : '';
    const found = lookup(frame.data, name);
    if (found !== undefined) return found;
    return fallback === undefined ? null : evaluate(fallback, frames);
  },
  '==': equality(false, false),
  '!=': equality(false, true),
  '===': equality(true, false),
  '!==': equality(true, true),
  '<': ordered((c) => c < 0),
  '<=': ordered((c) => c <= 0),
  '>': ordered((c) => c > 0),
  '>=': ordered((c) => c >= 0),
  '!': ({ args, evaluate, frames }) => (args.length === 0 ? true : !truthy(evaluate(args[0], frames))),
  '!!': ({ args, evaluate, frames }) => (args.length === 0 ? false : truthy(evaluate(args[0], frames))),
  and: ({ args, evaluate, frames }) => {
    if (args.length === 0) return null;
    let last: Json = true;
    for (const arg of args) {
      last = evaluate(arg, frames);
      if (!truthy(last)) return last;
    }
    return last;
  },
  or: ({ args, evaluate, frames }) => {
    if (args.length === 0) return null;
    let last: Json = false;
    for (const arg of args) {
      last = evaluate(arg, frames);
      if (truthy(last)) return last;
    }
    return last;
  },
  if: ({ args, evaluate, frames }) => {
    let i = 0;
    while (i < args.length) {
      if (i === args.length - 1) return evaluate(args[i], frames);
      if (truthy(evaluate(args[i], frames))) return evaluate(args[i + 1], frames);
      i += 2;
    }
    return null;
  },
  '+': arithmetic(0, (a, b) => a + b),
  '*': arithmetic(1, (a, b) => a * b),
  '-': ({ args, evaluate, frames }) => {
    if (args.length === 0) throw new LogicError('invalid arguments');
    const values = args.map((arg) => evaluate(arg, frames));
    if (values.length === 1) {
      const only = values[0];
      if (Array.isArray(only)) {
        if (only.length === 0) throw new LogicError('invalid arguments');
        const numbers = only.map(toNumber);
        if (numbers.some((n) => n === undefined)) throw new LogicError('NaN');
        return (numbers as number[]).slice(1).reduce((a, b) => a - b, numbers[0] as number);
      }
      const n = toNumber(only);
      if (n === undefined) throw new LogicError('NaN');
      return -n;
    }
    const numbers = values.map(toNumber);
    if (numbers.some((n) => n === undefined)) throw new LogicError('NaN');
    return (numbers as number[]).slice(1).reduce((a, b) => a - b, numbers[0] as number);
  },
  cat: ({ args, evaluate, frames }) => {
    let out = '';
    for (const arg of args) {
      const value = evaluate(arg, frames);
      out += Array.isArray(value) ? value.map(toText).join('') : toText(value);
    }
    return out;
  },
  substr: ({ args, evaluate, frames }) => {
    if (args.length === 0) return '';
    const chars = Array.from(toText(evaluate(args[0], frames)));
    const integer = (arg: Compiled | undefined): number | undefined => {
      if (arg === undefined) return undefined;
      const value = evaluate(arg, frames);
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    };
    const start = integer(args[1]) ?? 0;
    const length = integer(args[2]);
    const n = chars.length;
    const from = start < 0 ? Math.max(0, n + start) : Math.min(start, n);
    const to =
      length === undefined ? n : length < 0 ? Math.max(from, n + length) : Math.min(n, from + length);
    return chars.slice(from, to).join('');
  },
  in: ({ args, evaluate, frames }) => {
    if (args.length < 2) return false;
    const needle = evaluate(args[0], frames);
    const haystack = evaluate(args[1], frames);
    if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
    if (Array.isArray(haystack)) return haystack.some((item) => strictEquals(item, needle));
    return false;
  },
  reduce: ({ args, evaluate, frames }) => {
    if (args.length < 2 || args.length > 3) throw new LogicError('invalid arguments');
    const initial = args.length === 3 ? evaluate(args[2], frames) : null;
    const source = evaluate(args[0], frames);
    const items = Array.isArray(source) ? source : isObject(source) ? Object.values(source) : [];
    let accumulator = initial;
    items.forEach((current) => {
      accumulator = evaluate(args[1], [...frames, { data: { current, accumulator } }]);
    });
    return accumulator;
  },
  filter: ({ args, evaluate, frames }) => {
    if (args.length !== 2) throw new LogicError('invalid arguments');
    const items = iterable(evaluate(args[0], frames)) ?? [];
    return items.filter((data) => truthy(evaluate(args[1], [...frames, { data }])));
  },
  map: ({ args, evaluate, frames }) => {
    if (args.length !== 2) throw new LogicError('invalid arguments');
    const source = evaluate(args[0], frames);
    const items = iterable(source) ?? [source];
    return items.map((data) => evaluate(args[1], [...frames, { data }]));
  },
  some: quantifier((items, test) => items.some(test)),
  all: quantifier((items, test) => items.length > 0 && items.every(test)),
  none: quantifier((items, test) => !items.some(test)),
  missing: ({ args, evaluate, frames }) => {
    const wanted = args.flatMap((arg) => {
      const value = evaluate(arg, frames);
      return Array.isArray(value) ? value : [value];
    });
    const data = frames[frames.length - 1].data;
    // A field that is present counts, even when it holds `null` or `""` (unlike json-logic-js).
    return wanted.filter((key) => lookup(data, typeof key === 'string' ? key : toText(key)) === undefined);
  },
  max: extreme((a, b) => b > a),
  min: extreme((a, b) => b < a),
};

function quantifier(decide: (items: Json[], test: (item: Json) => boolean) => boolean): Operator {
  return ({ args, evaluate, frames }) => {
    if (args.length !== 2) throw new LogicError('invalid arguments');
    const items = iterable(evaluate(args[0], frames)) ?? [];
    return decide(items, (data) => truthy(evaluate(args[1], [...frames, { data }])));
  };
}

function extreme(better: (best: number, candidate: number) => boolean): Operator {
  return ({ args, evaluate, frames }) => {
    const values = args.map((arg) => evaluate(arg, frames));
    if (values.length === 0) throw new LogicError('invalid arguments');
    let best: number | undefined;
    for (const value of values) {
      if (typeof value !== 'number') throw new LogicError('invalid arguments');
      if (best === undefined || better(best, value)) best = value;
    }
    return best ?? null;
  };
}

/** The first operator in `logic` that {@link OPERATORS} lacks, with its place, if any. */
export function unknownOperator(logic: unknown, at = ''): { at: string; op: string } | undefined {
  if (Array.isArray(logic)) {
    for (let i = 0; i < logic.length; i++) {
      const found = unknownOperator(logic[i], `${at}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof logic === 'object' && logic !== null) {
    const keys = Object.keys(logic);
    if (keys.length !== 1) return undefined;
    const op = keys[0];
    if (!(op in OPERATORS)) return { at, op };
    return unknownOperator((logic as Record<string, unknown>)[op], `${at}/${op.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
  return undefined;
}

/**
 * Compiles `logic` once into a function of the data; running it throws {@link LogicError}
 * where datalogic fails. An unknown operator fails when it is met, as in datalogic (the
 * catalogue refuses rules with one at load: see {@link unknownOperator}).
 */
export function compile(logic: unknown): (data: Json) => Json {
  const run = build(logic);
  return (data) => run([{ data }]);
}

function build(node: unknown): Compiled {
  if (Array.isArray(node)) {
    const items = node.map(build);
    return (frames) => items.map((item) => item(frames));
  }
  if (typeof node !== 'object' || node === null) return () => node as Json;
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    const fields = keys.map((key) => [key, build((node as Record<string, unknown>)[key])] as const);
    return (frames) => {
      const out: { [key: string]: Json } = {};
      for (const [key, field] of fields) out[key] = field(frames);
      return out;
    };
  }
  const op = keys[0];
  const operator = OPERATORS[op];
  if (!operator) {
    return () => {
      throw new LogicError(`unknown operator ${op}`);
    };
  }
  const value = (node as Record<string, unknown>)[op];
  const raw = Array.isArray(value) ? value : [value];
  const args = raw.map(build);
  if (op === 'var' && raw.length === 1 && typeof raw[0] === 'string') {
    // The common case, a literal path: split once.
    const path = raw[0];
    const steps = path === '' ? [] : path.split('.');
    return (frames) => {
      const frame = frames[frames.length - 1];
      const found = lookupSteps(frame.data, steps);
      return found === undefined ? null : found;
    };
  }
  const run = (arg: Compiled, frames: Frame[]) => arg(frames);
  return (frames) => operator({ args, raw, frames, evaluate: (arg, f = frames) => run(arg, f) });
}

/** Evaluates `logic` on `data` as datalogic does; throws {@link LogicError} where it fails. */
export function evaluate(logic: unknown, data: Json): Json {
  return compile(logic)(data);
}
