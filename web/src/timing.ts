// Timings (`common.schema.json#/$defs/timing`) as the browser reads and shows them: a moment is
// a day (`2025-09-01`), a month (`2025-09`) or a year (`2025`); a timing is one of `{at}`,
// `{from, to}`, `{intervals: [part, …]}` or `{recurring}`, with an optional `note`. The Russian
// rendering is the Rust `forms::timing::Timing::russian`, character for character (the unit
// test tests/unit/timing.test.ts runs the Rust module's cases).

import type { Field } from "./schema";

/** A point of a schedule at the precision the document gives. */
export type Moment =
  | { kind: "day"; year: number; month: number; day: number }
  | { kind: "month"; year: number; month: number }
  | { kind: "year"; year: number };

/** A period from one moment to another (both included). */
export interface Span {
  from: Moment;
  to: Moment;
}

/** How a timing is written: the four shapes of the schema's `oneOf`. */
export type TimingKind = "at" | "span" | "intervals" | "recurring";

/** The shapes with their Russian names, in the schema's order. */
export const TIMING_KINDS: { kind: TimingKind; title: string }[] = [
  { kind: "at", title: "дата / месяц / год" },
  { kind: "span", title: "период" },
  { kind: "intervals", title: "несколько периодов" },
  { kind: "recurring", title: "регулярно" },
];

/** Every recurrence code with its Russian words, in the order of the Rust `Recurrence::ALL`. */
export const RECURRENCES: { code: string; words: string }[] = [
  { code: "during_year", words: "в течение года" },
  { code: "annually", words: "ежегодно" },
  { code: "quarterly", words: "ежеквартально" },
  { code: "monthly", words: "ежемесячно" },
  { code: "weekly", words: "еженедельно" },
  { code: "continuously", words: "постоянно" },
  { code: "as_needed", words: "по мере необходимости" },
  { code: "separate_schedule", words: "по отдельному графику" },
];

const MONTHS = [
  "январь",
  "февраль",
  "март",
  "апрель",
  "май",
  "июнь",
  "июль",
  "август",
  "сентябрь",
  "октябрь",
  "ноябрь",
  "декабрь",
];

const MONTHS_GENITIVE = [
  "января",
  "февраля",
  "марта",
  "апреля",
  "мая",
  "июня",
  "июля",
  "августа",
  "сентября",
  "октября",
  "ноября",
  "декабря",
];

/** Days in `month` of `year` (Gregorian). */
function daysIn(year: number, month: number): number {
  if ([4, 6, 9, 11].includes(month)) return 30;
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return 31;
}

/** Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a real day); `null` for anything else. */
export function parseMoment(text: string): Moment | null {
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  if (match[2] === undefined) return { kind: "year", year };
  const month = Number(match[2]);
  if (month < 1 || month > 12) return null;
  if (match[3] === undefined) return { kind: "month", year, month };
  const day = Number(match[3]);
  if (day < 1 || day > daysIn(year, month)) return null;
  return { kind: "day", year, month, day };
}

/** Russian: «1 сентября 2025 г.», «сентябрь 2025», «2025 год». */
function renderMoment(moment: Moment): string {
  switch (moment.kind) {
    case "day":
      return `${moment.day} ${MONTHS_GENITIVE[moment.month - 1]} ${moment.year} г.`;
    case "month":
      return `${MONTHS[moment.month - 1]} ${moment.year}`;
    case "year":
      return `${moment.year} год`;
  }
}

function sameMoment(a: Moment, b: Moment): boolean {
  return renderMoment(a) === renderMoment(b);
}

/** Russian: «сентябрь–ноябрь 2022», «2020–2021 годы», «сентябрь 2021 – май 2022». */
function renderSpan(span: Span): string {
  const { from, to } = span;
  if (from.kind === "month" && to.kind === "month" && from.year === to.year) {
    if (from.month === to.month) return renderMoment(from);
    return `${MONTHS[from.month - 1]}–${MONTHS[to.month - 1]} ${from.year}`;
  }
  if (from.kind === "year" && to.kind === "year") {
    return from.year === to.year ? renderMoment(from) : `${from.year}–${to.year} годы`;
  }
  if (sameMoment(from, to)) return renderMoment(from);
  return `${renderMoment(from)} – ${renderMoment(to)}`;
}

/** A timing read from the document: when, and the note beside it. */
export type When =
  | { kind: "at"; at: Moment }
  | { kind: "span"; span: Span }
  | { kind: "intervals"; parts: Span[] }
  | { kind: "recurring"; words: string };

/** A plain JSON object, or `null`. */
function objectOf(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** A string of the document (texts and scalar strings alike), or `undefined`. */
function stringOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && "val" in value && typeof value.val === "string") {
    return value.val;
  }
  return undefined;
}

/** A non-empty string field of `map` (an empty text is an unfilled field). */
function filled(map: Record<string, unknown>, key: string): string | undefined {
  const text = stringOf(map[key]);
  return text === undefined || text === "" ? undefined : text;
}

function parsePart(value: unknown): Span | null {
  const map = objectOf(value);
  if (!map) return null;
  const moment = (key: string) => {
    const text = filled(map, key);
    return text === undefined ? null : parseMoment(text);
  };
  if (filled(map, "at") !== undefined) {
    const at = moment("at");
    return at && { from: at, to: at };
  }
  const from = moment("from");
  const to = moment("to");
  return from && to ? { from, to } : null;
}

/** Parses a timing as the Rust `Timing::parse` does (empty texts count as absent, as
 * validation reads them); `null` when `value` is not one. */
export function parseTiming(value: unknown): { when: When; note?: string } | null {
  const map = objectOf(value);
  if (!map) return null;
  const note = filled(map, "note");
  let when: When;
  const atText = filled(map, "at");
  const recurring = filled(map, "recurring");
  if (atText !== undefined) {
    const at = parseMoment(atText);
    if (!at) return null;
    when = { kind: "at", at };
  } else if (filled(map, "from") !== undefined || filled(map, "to") !== undefined) {
    const span = parsePart(map);
    if (!span) return null;
    when = { kind: "span", span };
  } else if (Array.isArray(map.intervals) && map.intervals.length > 0) {
    const parts = map.intervals.map(parsePart);
    if (parts.some((p) => p === null)) return null;
    when = { kind: "intervals", parts: parts as Span[] };
  } else if (recurring !== undefined) {
    const words = RECURRENCES.find((r) => r.code === recurring)?.words;
    if (words === undefined) return null;
    when = { kind: "recurring", words };
  } else {
    return null;
  }
  return note === undefined ? { when } : { when, note };
}

/** The timing in Russian, as the Rust `Timing::russian` renders it; `null` when `value` is
 * not a timing. */
export function timingRussian(value: unknown): string | null {
  const timing = parseTiming(value);
  if (!timing) return null;
  const { when } = timing;
  let out: string;
  switch (when.kind) {
    case "at":
      out = renderMoment(when.at);
      break;
    case "span":
      out = renderSpan(when.span);
      break;
    case "intervals":
      out = when.parts.map(renderSpan).join("; ");
      break;
    case "recurring":
      out = when.words;
      break;
  }
  const note = timing.note?.trim();
  if (note) out += `, ${note}`;
  return out;
}

/** Which shape a stored timing has, by the keys it fills (`at` when none is filled yet). */
export function timingKind(value: unknown): TimingKind {
  const map = objectOf(value) ?? {};
  if (filled(map, "recurring") !== undefined) return "recurring";
  if (Array.isArray(map.intervals) && map.intervals.length > 0) return "intervals";
  if (filled(map, "from") !== undefined || filled(map, "to") !== undefined) return "span";
  return "at";
}

/** Whether a schema field is a timing: a section with the keys of `$defs/timing`. */
export function isTimingField(field: Field): boolean {
  if (field.kind !== "section") return false;
  const keys = new Set((field.fields ?? []).map((f) => f.key));
  return ["at", "from", "to", "intervals", "recurring"].every((k) => keys.has(k));
}
