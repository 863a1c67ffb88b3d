/** JSON pointers (RFC 6901) as crates/forms splits, escapes and follows them. */

import type { Json } from './logic';

/** The unescaped segments of a pointer; `""` (the root) has none. */
export function segments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** One segment escaped for use inside a pointer. */
export function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Rust's `str::parse::<usize>()`: digits with an optional leading `+`. */
export function parseIndex(segment: string): number | undefined {
  return /^\+?\d+$/.test(segment) ? Number(segment) : undefined;
}

/** The value at already split segments, or `undefined`. */
export function valueAt(value: Json, path: string[]): Json | undefined {
  let here: Json | undefined = value;
  for (const segment of path) {
    if (Array.isArray(here)) {
      const index = parseIndex(segment);
      here = index === undefined ? undefined : here[index];
    } else if (typeof here === 'object' && here !== null) {
      here = Object.prototype.hasOwnProperty.call(here, segment) ? here[segment] : undefined;
    } else {
      return undefined;
    }
    if (here === undefined) return undefined;
  }
  return here;
}
