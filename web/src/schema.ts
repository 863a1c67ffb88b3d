// The forms' JSON Schemas as the app reads them: every field's kind, Russian title and
// description, in the schema's order. The same reading as the Rust `forms` crate's outline
// (`kind_of`, `containers`), so that a document made here has the layout a Rust replica makes.

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A schema object. */
export type SchemaObject = { [key: string]: Json };

/** A schema node with the `$id` of the document it belongs to (for resolving `$ref`). */
export interface Node {
  base: string;
  value: SchemaObject;
}

/** What a field is, and so how it is stored and edited. */
export type Kind =
  | "section"
  | "table"
  | "list"
  | "choice"
  | "narrative"
  | "text"
  | "date"
  | "integer"
  | "number"
  | "boolean";

/** One of the values a choice allows, with its Russian title. */
export interface Choice {
  value: string | number | boolean;
  title: string;
}

/** One field of a form, as shown to people. */
export interface Field {
  /** Its key in its section or row (`""` for the form itself). */
  key: string;
  kind: Kind;
  /** Russian title (the key when the schema gives none). */
  title: string;
  description?: string;
  required: boolean;
  /** For choices. */
  choices?: Choice[];
  /** For sections and tables' rows: their fields, in the schema's order. */
  fields?: Field[];
  /** For lists: the kind of their items. */
  item?: Field;
  /** For a section of `oneOf`/`anyOf` object shapes (a curator named or «назначается»): each
   * shape as a section of its own, in the schema's order. Its own `fields` stay those outside
   * the shapes, so its containers are the Rust reading's. */
  variants?: Field[];
  /** The one value the schema allows (`const`), if it says. */
  constant?: Json;
  /** The longest text allowed, when the schema says. */
  maxLength?: number;
  /** Bounds people see next to numbers. */
  minimum?: number;
  maximum?: number;
}

/** How deep a form's schema is read; deeper nodes are left out (the Rust reading's bound). */
export const MAX_SCHEMA_DEPTH = 16;

/** The schemas of the forms and the common definitions, by `$id`. */
export class Schemas {
  private byId = new Map<string, SchemaObject>();

  constructor(schemas: SchemaObject[]) {
    for (const schema of schemas) {
      const id = schema["$id"];
      if (typeof id === "string") this.byId.set(id, schema);
    }
  }

  /** The root node of the schema whose `$id` is `id`. */
  root(id: string): Node {
    const value = this.byId.get(id);
    if (!value) throw new Error(`no schema ${id}`);
    return { base: id, value };
  }

  /** `node` with its `$ref` followed (to any depth, cycles refused); the referrer's own
   * keywords (title, description) win over the target's. */
  deref(node: Node): Node {
    let current = node;
    const seen = new Set<string>();
    let merged: SchemaObject = { ...node.value };
    while (typeof current.value["$ref"] === "string") {
      const ref = current.value["$ref"] as string;
      const [doc, fragment = ""] = ref.split("#", 2);
      const base = doc === "" ? current.base : doc;
      const key = `${base}#${fragment}`;
      if (seen.has(key)) throw new Error(`a $ref cycle at ${key}`);
      seen.add(key);
      const target = this.pointer(base, fragment);
      current = { base, value: target };
      const { $ref: _ignored, ...own } = merged;
      merged = { ...target, ...own };
      if (typeof target["$ref"] === "string") merged["$ref"] = target["$ref"];
    }
    return { base: current.base, value: merged };
  }

  private pointer(base: string, fragment: string): SchemaObject {
    let value: Json = this.byId.get(base) ?? null;
    if (value === null) throw new Error(`no schema ${base}`);
    for (const raw of fragment.split("/").slice(1)) {
      const token = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new Error(`no ${fragment} in ${base}`);
      }
      value = (value as SchemaObject)[token] ?? null;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`no ${fragment} in ${base}`);
    }
    return value as SchemaObject;
  }

  /** The field that `node` describes, under `key`. */
  field(node: Node, key: string, required: boolean, depth = 0): Field {
    const resolved = this.deref(node);
    const value = resolved.value;
    const kind = this.kindOf(resolved);
    const field: Field = {
      key,
      kind,
      title: typeof value.title === "string" ? value.title : key,
      required,
    };
    if (typeof value.description === "string") field.description = value.description;
    if (typeof value.maxLength === "number") field.maxLength = value.maxLength;
    if (typeof value.minimum === "number") field.minimum = value.minimum;
    if (typeof value.maximum === "number") field.maximum = value.maximum;
    if (kind === "choice") field.choices = this.choices(resolved) ?? [];
    if (depth >= MAX_SCHEMA_DEPTH) return field;
    if ("const" in value) field.constant = value.const;
    if (kind === "section") {
      field.fields = this.properties(resolved, depth + 1);
      const variants = this.variants(resolved, depth + 1);
      if (variants) field.variants = variants;
    }
    if (kind === "table" || kind === "list") {
      const items = this.items(resolved);
      if (items) field.item = this.field(items, "", true, depth + 1);
      else field.item = { key: "", kind: "text", title: "", required: true };
    }
    return field;
  }

  /** The fields of an object node, in the schema's order. */
  properties(node: Node, depth: number): Field[] {
    const value = node.value;
    const properties = value.properties;
    if (!properties || typeof properties !== "object" || Array.isArray(properties)) return [];
    const required = Array.isArray(value.required) ? (value.required as Json[]) : [];
    return Object.entries(properties)
      .filter(([, child]) => child !== null && typeof child === "object" && !Array.isArray(child))
      .map(([key, child]) =>
        this.field({ base: node.base, value: child as SchemaObject }, key, required.includes(key), depth),
      );
  }

  /** The object shapes of a node's `oneOf` or `anyOf`, each as a section; `undefined` when it
   * has none or some shape is not an object with fields. */
  private variants(node: Node, depth: number): Field[] | undefined {
    for (const keyword of ["oneOf", "anyOf"]) {
      const branches = node.value[keyword];
      if (!Array.isArray(branches) || branches.length < 2) continue;
      const out: Field[] = [];
      for (const [i, branch] of branches.entries()) {
        if (!branch || typeof branch !== "object" || Array.isArray(branch)) return undefined;
        const shape = this.field({ base: node.base, value: branch }, String(i), false, depth);
        if (shape.kind !== "section" || (shape.fields ?? []).length === 0) return undefined;
        out.push(shape);
      }
      return out;
    }
    return undefined;
  }

  private items(node: Node): Node | undefined {
    const items = node.value.items;
    if (!items || typeof items !== "object" || Array.isArray(items)) return undefined;
    return { base: node.base, value: items as SchemaObject };
  }

  private choices(node: Node): Choice[] | undefined {
    const oneOf = node.value.oneOf;
    if (Array.isArray(oneOf)) {
      const out: Choice[] = [];
      for (const branch of oneOf) {
        if (!branch || typeof branch !== "object" || Array.isArray(branch) || !("const" in branch)) {
          return undefined;
        }
        const value = branch.const;
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
          return undefined;
        }
        out.push({ value, title: typeof branch.title === "string" ? branch.title : String(value) });
      }
      return out;
    }
    const values = node.value.enum;
    if (Array.isArray(values)) {
      return values
        .filter((v): v is string | number | boolean => ["string", "number", "boolean"].includes(typeof v))
        .map((value) => ({ value, title: String(value) }));
    }
    return undefined;
  }

  private kindOf(node: Node): Kind {
    if (this.choices(node)) return "choice";
    const value = node.value;
    if (hasType(value, "array")) {
      const items = this.items(node);
      if (items && hasType(this.deref(items).value, "object")) return "table";
      return "list";
    }
    if (hasType(value, "object")) return "section";
    if (value["x-narrative"] === true) return "narrative";
    const type = mainType(value);
    if (type === "string" && value.format === "date") return "date";
    if (type === "integer") return "integer";
    if (type === "number") return "number";
    if (type === "boolean") return "boolean";
    return "text";
  }
}

/** The type a node declares, the first non-null one of a list. */
function mainType(value: SchemaObject): string | undefined {
  const type = value.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === "string" && t !== "null");
  return undefined;
}

/** Whether a node is of `type`: it says so, or it has the keyword only such a node has
 * (`properties`, `items`), as the Rust reading decides. */
function hasType(value: SchemaObject, type: "object" | "array"): boolean {
  const declared = value.type;
  if (declared === type || (Array.isArray(declared) && declared.includes(type))) return true;
  return type === "object" ? "properties" in value : "items" in value;
}

/** Whether a field's value is an Automerge text (people's strings) rather than a scalar. */
export function isText(field: Field): boolean {
  return field.kind === "text" || field.kind === "narrative";
}

/**
 * The empty containers of a section or row: every section, table, list and text of it, so
 * that two replicas' first writes into the same place never create two objects one of which
 * a merge drops (the Rust `Catalogue::containers`).
 */
export function containers(section: Field, depth = 0): { [key: string]: unknown } {
  const out: { [key: string]: unknown } = {};
  for (const field of section.fields ?? []) {
    if (field.kind === "section" && depth < MAX_SCHEMA_DEPTH) out[field.key] = containers(field, depth + 1);
    else if (field.kind === "table" || field.kind === "list") out[field.key] = [];
    else if (isText(field)) out[field.key] = "";
  }
  return out;
}
