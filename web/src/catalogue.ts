// The forms the app renders, bundled at build time from the repository's `forms/` (the same
// files the server validates with), so a document opens with no network.

import common from "../../forms/common.schema.json";
import agreement from "../../forms/partnership-agreement.schema.json";
import programme from "../../forms/school-programme.schema.json";
import policy from "../../forms/stimulus-policy-change.schema.json";
import { type Field, type SchemaObject, Schemas } from "./schema";

/** The forms, by id, in the order the app offers them. */
export const FORM_IDS = ["school-programme", "partnership-agreement", "stimulus-policy-change"] as const;

/** A form's id. */
export type FormId = (typeof FORM_IDS)[number];

const roots: Record<FormId, SchemaObject> = {
  "school-programme": programme as unknown as SchemaObject,
  "partnership-agreement": agreement as unknown as SchemaObject,
  "stimulus-policy-change": policy as unknown as SchemaObject,
};

/** Every schema, for `$ref` resolution. */
export const schemas = new Schemas([common as unknown as SchemaObject, ...Object.values(roots)]);

const cache = new Map<string, Field>();

/** Whether `id` names a form the app knows. */
export function isForm(id: string): id is FormId {
  return (FORM_IDS as readonly string[]).includes(id);
}

/** The form `id` as a tree of fields (read once, then kept). */
export function form(id: FormId): Field {
  let field = cache.get(id);
  if (!field) {
    field = schemas.field(schemas.root(schemaId(id)), "", true);
    cache.set(id, field);
  }
  return field;
}

/** The `$id` of form `id`'s schema. */
export function schemaId(id: FormId): string {
  return roots[id]["$id"] as string;
}

/** The schema's version, the last segment of its `$id` (`…/school-programme/1.0.0`). */
export function formVersion(id: FormId): string {
  return schemaId(id).split("/").pop() ?? "";
}

/** The form's Russian title. */
export function formTitle(id: string): string {
  return isForm(id) ? String(roots[id].title ?? id) : id;
}

/** Whether the form names a mentor school (the programme and the agreement). */
export function hasMentor(id: FormId): boolean {
  return id !== "stimulus-policy-change";
}
