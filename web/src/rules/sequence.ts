/**
 * The `sequence` check of a rule, as crates/forms `sequence`: stages of a repeated procedure
 * (monitoring: entry → intermediate → final) come in order within each cycle. Rows with a stage
 * and a dated timing are taken by their earliest day; a cycle starts at the first such row, at
 * every row of the first stage and at every row in a later calendar year than the cycle's start.
 */

import { CatalogueError } from './errors';
import type { Json } from './logic';
import { segments, valueAt } from './pointer';
import { parseTiming, type Timing, timingFirst, timingRussian } from './timing';

/** A compiled `sequence`: where a row's stage and timing are, and the stages in order. */
export interface Sequence {
  stage: string[];
  timing: string[];
  /** [code, Russian name], in order. */
  order: [string, string][];
}

/** One row out of order: its index, and the words naming the row it comes after. */
export interface OutOfOrder {
  index: number;
  detail: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Compiles a rule's `sequence` (at `where` in its file); throws on what the server refuses. */
export function compileSequence(raw: unknown, where: string): Sequence {
  const bad = (why: string) => new CatalogueError(`${where}: ${why}`);
  if (!isObject(raw) || typeof raw.stage !== 'string' || typeof raw.timing !== 'string' || !Array.isArray(raw.order)) {
    throw bad('sequence — это {"stage": указатель, "timing": указатель, "order": [{"stage", "title"}, …]}');
  }
  if (Object.keys(raw).some((key) => !['stage', 'timing', 'order'].includes(key))) throw bad('лишние поля в sequence');
  const order: [string, string][] = raw.order.map((stage) => {
    if (!isObject(stage) || typeof stage.stage !== 'string' || typeof stage.title !== 'string' || Object.keys(stage).length !== 2) {
      throw bad('этап sequence — это {"stage": код, "title": название}');
    }
    return [stage.stage, stage.title];
  });
  if (order.length < 2) throw bad('в sequence нужно не менее двух этапов');
  return { stage: segments(raw.stage), timing: segments(raw.timing), order };
}

interface Staged {
  index: number;
  rank: number;
  first: number;
  timing: Timing;
}

/** The rows of `items` out of order, in the order of the rows. */
export function checkSequence(sequence: Sequence, items: Json[]): OutOfOrder[] {
  const staged: Staged[] = [];
  items.forEach((item, index) => {
    const code = valueAt(item, sequence.stage);
    if (typeof code !== 'string') return;
    const rank = sequence.order.findIndex(([c]) => c === code);
    if (rank < 0) return;
    const timing = parseTiming(valueAt(item, sequence.timing));
    if (!timing) return;
    const first = timingFirst(timing);
    if (first === undefined) return;
    staged.push({ index, rank, first, timing });
  });
  staged.sort((a, b) => a.first - b.first || a.index - b.index);
  const found: OutOfOrder[] = [];
  let cycleYear: number | undefined;
  let furthest: Staged | undefined;
  for (const row of staged) {
    const year = Math.floor(row.first / 10000);
    if (row.rank === 0 || cycleYear !== year) {
      cycleYear = year;
      furthest = undefined;
    }
    if (furthest !== undefined && furthest.rank > row.rank) {
      found.push({
        index: row.index,
        detail: `этап «${sequence.order[row.rank][1]}» (${timingRussian(row.timing)}) идёт после этапа «${sequence.order[furthest.rank][1]}» (${timingRussian(furthest.timing)}, строка ${furthest.index + 1}) того же цикла`,
      });
    } else if (furthest === undefined || furthest.rank < row.rank) {
      furthest = row;
    }
  }
  return found.sort((a, b) => a.index - b.index);
}
