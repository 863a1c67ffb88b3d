/**
 * Timings (forms/common.schema.json `$defs/timing`) as crates/forms `timing` reads them: moments
 * at three precisions, spans, the Russian rendering, and the JSON Logic operators
 * `timing_ordered`, `timing_within`, `timing_first`, `timing_last` (forms/README.md «Timings»).
 */

import type { Json } from './logic';
import { trim } from './messages';

/** A calendar day as `year * 10000 + month * 100 + day`, so days compare as numbers. */
type Day = number;

/** A day, a month or a year. */
export interface Moment {
  year: number;
  month?: number;
  day?: number;
}

/** A span of two moments. */
interface Span {
  from: Moment;
  to: Moment;
}

function daysIn(year: number, month: number): number {
  if (month === 4 || month === 6 || month === 9 || month === 11) return 30;
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return 31;
}

const MOMENT = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** `YYYY-MM-DD` (a real date), `YYYY-MM` or `YYYY`; anything else is not a moment. */
export function parseMoment(text: string): Moment | undefined {
  const found = MOMENT.exec(text);
  if (!found) return undefined;
  const year = Number(found[1]);
  if (found[2] === undefined) return { year };
  const month = Number(found[2]);
  if (month < 1 || month > 12) return undefined;
  if (found[3] === undefined) return { year, month };
  const day = Number(found[3]);
  if (day < 1 || day > daysIn(year, month)) return undefined;
  return { year, month, day };
}

function firstDay(m: Moment): Day {
  return m.year * 10000 + (m.month ?? 1) * 100 + (m.day ?? 1);
}

function lastDay(m: Moment): Day {
  const month = m.month ?? 12;
  return m.year * 10000 + month * 100 + (m.day ?? daysIn(m.year, month));
}

/** A day as `YYYY-MM-DD`. */
export function iso(day: Day): string {
  const year = Math.floor(day / 10000);
  const month = Math.floor(day / 100) % 100;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day % 100).padStart(2, '0')}`;
}

function sameMoment(a: Moment, b: Moment): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

const MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'];
const MONTHS_GENITIVE = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

/** The recurrence codes and their Russian words. */
export const RECURRENCES: Record<string, string> = {
  during_year: 'в течение года',
  annually: 'ежегодно',
  quarterly: 'ежеквартально',
  monthly: 'ежемесячно',
  weekly: 'еженедельно',
  continuously: 'постоянно',
  as_needed: 'по мере необходимости',
  separate_schedule: 'по отдельному графику',
};

function renderMoment(m: Moment): string {
  if (m.day !== undefined) return `${m.day} ${MONTHS_GENITIVE[m.month! - 1]} ${m.year} г.`;
  if (m.month !== undefined) return `${MONTHS[m.month - 1]} ${m.year}`;
  return `${m.year} год`;
}

function renderSpan({ from, to }: Span): string {
  if (from.day === undefined && to.day === undefined && from.month !== undefined && to.month !== undefined && from.year === to.year) {
    return from.month === to.month ? renderMoment(from) : `${MONTHS[from.month - 1]}–${MONTHS[to.month - 1]} ${from.year}`;
  }
  if (from.month === undefined && to.month === undefined) {
    return from.year === to.year ? renderMoment(from) : `${from.year}–${to.year} годы`;
  }
  if (sameMoment(from, to)) return renderMoment(from);
  return `${renderMoment(from)} – ${renderMoment(to)}`;
}

/** A parsed timing: its spans (none for a recurring one), its Russian words. */
export interface Timing {
  spans: Span[];
  recurring?: string;
  note?: string;
  /** How the timing was written: `at`, a span, or intervals (for the rendering). */
  shape: 'at' | 'span' | 'intervals' | 'recurring';
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function momentOf(value: Json | undefined): Moment | undefined {
  return typeof value === 'string' ? parseMoment(value) : undefined;
}

function parsePart(value: Json): Span | undefined {
  if (!isObject(value)) return undefined;
  if (Object.prototype.hasOwnProperty.call(value, 'at')) {
    const at = momentOf(value.at);
    return at && { from: at, to: at };
  }
  const from = momentOf(value.from);
  const to = momentOf(value.to);
  return from && to && { from, to };
}

const has = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);

/** The timing `value` is, or `undefined` when it is not a timing. */
export function parseTiming(value: Json | undefined): Timing | undefined {
  if (!isObject(value)) return undefined;
  const note = typeof value.note === 'string' ? value.note : undefined;
  if (has(value, 'at')) {
    const at = momentOf(value.at);
    return at && { spans: [{ from: at, to: at }], note, shape: 'at' };
  }
  if (has(value, 'from') || has(value, 'to')) {
    const span = parsePart(value);
    return span && { spans: [span], note, shape: 'span' };
  }
  if (has(value, 'intervals')) {
    const parts = value.intervals;
    if (!Array.isArray(parts) || parts.length === 0) return undefined;
    const spans: Span[] = [];
    for (const part of parts) {
      const span = parsePart(part);
      if (!span) return undefined;
      spans.push(span);
    }
    return { spans, note, shape: 'intervals' };
  }
  if (has(value, 'recurring')) {
    const code = value.recurring;
    if (typeof code !== 'string' || !has(RECURRENCES, code)) return undefined;
    return { spans: [], recurring: code, note, shape: 'recurring' };
  }
  return undefined;
}

/** The earliest day of a timing (`undefined` for a recurring one). */
export function timingFirst(timing: Timing): Day | undefined {
  let first: Day | undefined;
  for (const span of timing.spans) {
    const day = firstDay(span.from);
    if (first === undefined || day < first) first = day;
  }
  return first;
}

/** The latest day of a timing (`undefined` for a recurring one). */
export function timingLast(timing: Timing): Day | undefined {
  let last: Day | undefined;
  for (const span of timing.spans) {
    const day = lastDay(span.to);
    if (last === undefined || day > last) last = day;
  }
  return last;
}

/** «сентябрь–ноябрь 2022», «ежегодно, март»: the timing in Russian, its note after a comma. */
export function timingRussian(timing: Timing): string {
  let out = timing.recurring !== undefined ? RECURRENCES[timing.recurring] : timing.spans.map(renderSpan).join('; ');
  if (timing.note !== undefined) {
    const note = trim(timing.note);
    if (note !== '') out += `, ${note}`;
  }
  return out;
}

/** A bound of `timing_within`: a moment, or a timing's earliest (`start`) or latest day. */
function bound(value: Json, start: boolean): [Day, Day] | undefined {
  if (typeof value === 'string') {
    const moment = parseMoment(value);
    return moment && [firstDay(moment), lastDay(moment)];
  }
  const timing = parseTiming(value);
  if (!timing) return undefined;
  const day = start ? timingFirst(timing) : timingLast(timing);
  return day === undefined ? undefined : [day, day];
}

/** The timing operators of JSON Logic on their evaluated arguments (a missing one is `null`). */
export const TIMING_OPERATORS: Record<string, (args: Json[]) => Json> = {
  timing_ordered: ([t = null]) => {
    const timing = parseTiming(t);
    return timing === undefined || timing.spans.every((s) => lastDay(s.to) >= firstDay(s.from));
  },
  timing_within: ([t = null, start = null, end = null]) => {
    const from = bound(start, true);
    const to = bound(end, false);
    const timing = parseTiming(t);
    if (!from || !to || !timing) return true;
    const inside = (m: Moment) => lastDay(m) >= from[0] && firstDay(m) <= to[1];
    return timing.spans.every((s) => inside(s.from) && inside(s.to));
  },
  timing_first: ([t = null]) => {
    const timing = parseTiming(t);
    const day = timing && timingFirst(timing);
    return day === undefined ? null : iso(day);
  },
  timing_last: ([t = null]) => {
    const timing = parseTiming(t);
    const day = timing && timingLast(timing);
    return day === undefined ? null : iso(day);
  },
};
