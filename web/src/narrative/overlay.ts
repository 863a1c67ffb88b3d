// The document as validation reads it: the Automerge data as JSON with every narrative's
// plain text from Yjs written at the field its fragment names (`Narratives::overlay`).

import type * as Y from "yjs";
import { tokens } from "../findings";
import { narrativePointer } from "./keys";
import { narrativeKeys, plainText } from "./plain";

/** `data` (the Automerge document's data) as JSON, with the narratives of `doc` laid over it. */
export function withNarratives(data: unknown, doc: Y.Doc): unknown {
  const json: unknown = JSON.parse(JSON.stringify(data ?? null));
  for (const key of narrativeKeys(doc)) {
    const pointer = narrativePointer(data, key);
    if (pointer === null) continue;
    put(json, pointer, plainText(doc.getXmlFragment(key)));
  }
  return json;
}

/** Writes `text` at `pointer` of `json` where the object holding it exists. */
function put(json: unknown, pointer: string, text: string): void {
  const path = tokens(pointer);
  const last = path.pop();
  if (last === undefined) return;
  let parent: unknown = json;
  for (const token of path) {
    if (!parent || typeof parent !== "object") return;
    parent = (parent as Record<string, unknown>)[token];
  }
  if (parent && typeof parent === "object" && !Array.isArray(parent)) (parent as Record<string, unknown>)[last] = text;
}
