/** How deep a document may nest before validation refuses to look at it (crates/forms `depth`). */

import type { Json } from './logic';
import { escape } from './pointer';

/** The deepest a document's data may nest: objects, arrays and strings each open a level. */
export const MAX_DEPTH = 32;

function opensLevel(value: Json): boolean {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}

/**
 * The pointer of the first place, depth first, deeper than `limit` levels when `value` sits
 * `base` levels below the root; `undefined` when every place is within the limit. Iterative,
 * with one frame per level it is inside.
 */
export function tooDeep(value: Json, base: number, limit: number): string | undefined {
  if (!opensLevel(value)) return undefined;
  if (base + 1 > limit) return '';
  type Frame = { entries: [string, Json][]; next: number; step?: string };
  const children = (v: Json): [string, Json][] | undefined => {
    if (Array.isArray(v)) return v.map((item, i) => [String(i), item]);
    if (typeof v === 'object' && v !== null) return Object.entries(v).map(([k, item]) => [escape(k), item]);
    return undefined;
  };
  const stack: Frame[] = [];
  const first = children(value);
  if (first) stack.push({ entries: first, next: 0 });
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= top.entries.length) {
      stack.pop();
      continue;
    }
    const [step, child] = top.entries[top.next++];
    if (!opensLevel(child)) continue;
    if (base + stack.length + 1 > limit) {
      const steps = stack.map((f) => f.step).filter((s): s is string => s !== undefined);
      return [...steps, step].map((s) => `/${s}`).join('');
    }
    const inner = children(child);
    if (inner) stack.push({ entries: inner, next: 0, step });
  }
  return undefined;
}
