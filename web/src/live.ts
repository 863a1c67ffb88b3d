// What the document page validates as the user types: the data as JSON with the narratives'
// plain text laid over it, then without what is empty — as the replica and the server
// validate (`forms::without_empty`), so an unfilled and an emptied field read alike.

import type * as Y from "yjs";
import { withNarratives } from "./narrative/overlay";
import type { Json } from "./rules";

/**
 * A copy of `value` without empty strings, empty lists and objects left empty once their own
 * empty fields are gone; rows of tables stay (their place matters) even when empty.
 */
export function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (!value || typeof value !== "object") return value;
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const copy = withoutEmpty(child);
    if (!isEmpty(copy)) kept[key] = copy;
  }
  return kept;
}

function isEmpty(value: unknown): boolean {
  if (typeof value === "string" || Array.isArray(value)) return value.length === 0;
  if (value && typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

/** The document validation reads: `data` with the narratives of `narratives`, if open. */
export function validationInput(data: unknown, narratives: Y.Doc | null): Json {
  const json = narratives ? withNarratives(data, narratives) : JSON.parse(JSON.stringify(data ?? null));
  return withoutEmpty(json) as Json;
}
