// The names of narrative fragments, as `document::narrative::narrative_key` spells them: a
// field's JSON pointer (inside the document's `data`) with every row index replaced by `@`
// and the row's Automerge object id, so a narrative stays with its row when rows move.

import { next as A } from "@automerge/automerge/slim";
import { pointerOf, tokens } from "../findings";
import type { Path } from "../edit";

/** Marks a segment naming a row by its object id. */
const ROW = "@";

/**
 * The fragment name of the narrative at `path` of `data` (the document's `data` object), or
 * `null` when a row on the way is missing or is not an object (it has no id to name it by).
 */
export function narrativeKey(data: unknown, path: Path): string | null {
  let value: unknown = data;
  let key = "";
  for (const segment of path) {
    if (Array.isArray(value)) {
      const row: unknown = value[Number(segment)];
      if (!row || typeof row !== "object") return null;
      const id = A.getObjectId(row as A.Doc<unknown>);
      if (!id) return null;
      key += `/${ROW}${id}`;
      value = row;
    } else {
      key += pointerOf([segment]);
      value = value && typeof value === "object" ? (value as Record<string, unknown>)[String(segment)] : undefined;
    }
  }
  return key;
}

/** The pointer the fragment `key` names in `data` now, or `null` when its row is gone. */
export function narrativePointer(data: unknown, key: string): string | null {
  let value: unknown = data;
  const path: Path = [];
  for (const segment of tokens(key)) {
    if (Array.isArray(value)) {
      if (!segment.startsWith(ROW)) return null;
      const id = segment.slice(ROW.length);
      const index = value.findIndex(
        (row: unknown) => !!row && typeof row === "object" && A.getObjectId(row as A.Doc<unknown>) === id,
      );
      if (index < 0) return null;
      path.push(index);
      value = value[index];
    } else {
      path.push(segment);
      value = value && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  return pointerOf(path);
}
