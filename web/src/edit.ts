// Edits of a form document, inside an Automerge change: texts through `updateText` (a
// character diff, so two people typing into one field both keep their letters), scalars
// (dates, choices, numbers, yes/no) as scalars, rows as maps inserted into lists. The layout
// is the Rust `document` crate's: the root holds `form`, `form_version`, `region`, `data`.

import { next as A } from "@automerge/automerge/slim";
import { containers, type Field, isText } from "./schema";

/** A path inside `data`: keys and row indices. */
export type Path = (string | number)[];

/** A map or list of the document being changed. */
type Container = Record<string | number, unknown>;

/** The document's root as the app writes it. */
export interface FormDoc {
  form: string;
  form_version: string;
  region: string;
  data: Record<string, unknown>;
}

/** The Automerge value of a JSON `value` at a place of `field`: people's strings are texts,
 * dates and choice codes scalar strings, sections and rows maps with their containers. */
export function toAutomerge(field: Field | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "string") {
    return !field || isText(field) ? value : new A.ImmutableString(value);
  }
  if (Array.isArray(value)) return value.map((item) => toAutomerge(field?.item, item));
  if (typeof value === "object") {
    const out: Record<string, unknown> = field ? containers(field) : {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = toAutomerge(field?.fields?.find((f) => f.key === key), child);
    }
    return out;
  }
  return value;
}

/** Reads a value of the document as plain JSON: scalar strings as strings. */
export function plain(value: unknown): unknown {
  if (value instanceof A.ImmutableString) return value.val;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** The value at `path` inside `data`. */
export function at(data: unknown, path: Path): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Container)[key];
  }
  return value;
}

/** The container holding `path`'s last key, creating missing sections on the way. */
function parentOf(doc: FormDoc, path: Path): Container {
  let container = doc.data as Container;
  for (const key of path.slice(0, -1)) {
    let next = container[key];
    if (next === null || next === undefined || typeof next !== "object") {
      container[key] = {};
      next = container[key];
    }
    container = next as Container;
  }
  return container;
}

/** Makes the text at `path` read `text`, splicing only what differs. */
export function setText(doc: FormDoc, path: Path, text: string): void {
  const parent = parentOf(doc, path);
  const key = path[path.length - 1];
  if (typeof parent[key] === "string") A.updateText(doc, ["data", ...path], text);
  else parent[key] = text;
}

/** Sets the scalar at `path` (`undefined` removes the field). */
export function setScalar(doc: FormDoc, path: Path, value: string | number | boolean | undefined): void {
  const parent = parentOf(doc, path);
  const key = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(parent)) return;
    delete parent[key];
  } else {
    parent[key] = typeof value === "string" ? new A.ImmutableString(value) : value;
  }
}

/** The list at `path`, created empty when missing. */
function listAt(doc: FormDoc, path: Path): unknown[] {
  const parent = parentOf(doc, path);
  const key = path[path.length - 1];
  if (!Array.isArray(parent[key])) parent[key] = [];
  return parent[key] as unknown[];
}

/** Appends an empty row (a table's, with its containers) or item to the list at `path`. */
export function addRow(doc: FormDoc, path: Path, field: Field): void {
  const list = listAt(doc, path);
  const item = field.item;
  if (!item) return;
  if (item.kind === "section") list.push(containers(item));
  else if (isText(item)) list.push("");
  else list.push(null);
}

/** Removes row `index` of the list at `path`. */
export function removeRow(doc: FormDoc, path: Path, index: number): void {
  const list = listAt(doc, path);
  if (index >= 0 && index < list.length) list.splice(index, 1);
}

/**
 * Moves row `from` of the list at `path` to `to`: a copy inserted there and the original
 * removed (Automerge has no move; the row's concurrent edits elsewhere stay with the old row).
 */
export function moveRow(doc: FormDoc, path: Path, field: Field, from: number, to: number): void {
  const list = listAt(doc, path);
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return;
  const copy = toAutomerge(field.item, plain(list[from]));
  list.splice(from, 1);
  list.splice(to, 0, copy);
}

/** A new document of `form` for `region`, with the form's empty containers. */
export function newDocument(root: Field, form: string, formVersion: string, region: string): FormDoc {
  return {
    form: new A.ImmutableString(form) as unknown as string,
    form_version: new A.ImmutableString(formVersion) as unknown as string,
    region: new A.ImmutableString(region) as unknown as string,
    data: containers(root),
  };
}
