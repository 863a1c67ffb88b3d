/**
 * The raw schema documents, walked the way crates/forms `schema_docs` walks them: to name a
 * field by its Russian titles, to find an enumeration's choices, to tell table rows from items.
 */

import type { Json } from './logic';
import type { Label } from './messages';
import { segments } from './pointer';

/** How deep a chain of `$ref`s may go before the walk gives up. */
const MAX_REF_DEPTH = 32;

type Schema = { [key: string]: Json };

/** A schema node with the URI of the document it lives in (for `#…` references). */
export interface Node {
  base: string;
  value: Json;
}

function get(value: Json, key: string): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Schema)[key]
    : undefined;
}

function pointerGet(doc: Json, fragment: string): Json | undefined {
  let here: Json | undefined = doc;
  for (const segment of segments(fragment)) {
    if (Array.isArray(here)) here = /^\d+$/.test(segment) ? here[Number(segment)] : undefined;
    else here = here === undefined ? undefined : get(here, segment);
    if (here === undefined) return undefined;
  }
  return here;
}

function hasType(schema: Json, wanted: string): boolean {
  const type = get(schema, 'type');
  return type === wanted || (Array.isArray(type) && type.includes(wanted));
}

/** Whether a schema describes an array. */
export function isArray(schema: Json): boolean {
  return hasType(schema, 'array') || get(schema, 'items') !== undefined;
}

/** Whether a schema describes an object. */
export function isObject(schema: Json): boolean {
  return hasType(schema, 'object') || get(schema, 'properties') !== undefined;
}

/** Every schema document of the catalogue, by its `$id`. */
export class SchemaDocs {
  constructor(readonly docs: Map<string, Json>) {}

  /** The root node of the document with this `$id`. */
  root(uri: string): Node | undefined {
    const value = this.docs.get(uri);
    return value === undefined ? undefined : { base: uri, value };
  }

  private resolve(base: string, reference: string): Node | undefined {
    const hash = reference.indexOf('#');
    const [uri, fragment] = hash < 0 ? [reference, ''] : [reference.slice(0, hash) || base, reference.slice(hash + 1)];
    const doc = this.docs.get(uri);
    if (doc === undefined) return undefined;
    const value = fragment === '' ? doc : pointerGet(doc, fragment);
    return value === undefined ? undefined : { base: uri, value };
  }

  /** Follows `$ref`s until a node without one (or with its own `properties`/`items`). */
  deref(node: Node): Node {
    for (let i = 0; i < MAX_REF_DEPTH; i++) {
      const reference = get(node.value, '$ref');
      if (typeof reference !== 'string') return node;
      if (get(node.value, 'properties') !== undefined || get(node.value, 'items') !== undefined) return node;
      const next = this.resolve(node.base, reference);
      if (!next) return node;
      node = next;
    }
    return node;
  }

  /** A node's title: its own, or that of what it refers to. */
  title(node: Node): string | undefined {
    const own = get(node.value, 'title');
    if (typeof own === 'string') return own;
    const referred = get(this.deref(node).value, 'title');
    return typeof referred === 'string' ? referred : undefined;
  }

  /** The child schema for one instance segment, looking through combinators. */
  child(node: Node, segment: string): Node | undefined {
    node = this.deref(node);
    const here = node.value;
    const properties = get(here, 'properties');
    const property = properties === undefined ? undefined : get(properties, segment);
    if (property !== undefined) return { base: node.base, value: property };
    const items = get(here, 'items');
    if (/^\+?\d+$/.test(segment) && typeof items === 'object' && items !== null && !Array.isArray(items)) {
      return { base: node.base, value: items };
    }
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const branches = get(here, key);
      if (!Array.isArray(branches)) continue;
      for (const branch of branches) {
        const found = this.child({ base: node.base, value: branch }, segment);
        if (found) return found;
      }
    }
    for (const key of ['then', 'else']) {
      const branch = get(here, key);
      if (branch === undefined) continue;
      const found = this.child({ base: node.base, value: branch }, segment);
      if (found) return found;
    }
    return undefined;
  }

  /** The node that describes the value at `pointer`, if the schema says. */
  nodeAt(root: Node, pointer: string): Node | undefined {
    let node: Node | undefined = root;
    for (const segment of segments(pointer)) {
      node = this.child(node, segment);
      if (!node) return undefined;
    }
    return this.deref(node);
  }

  /** The human name of the field at `pointer`, step by step. */
  labels(root: Node, pointer: string): Label[] {
    let node: Node | undefined = root;
    const labels: Label[] = [];
    for (const segment of segments(pointer)) {
      const parent: Node | undefined = node ? this.deref(node) : undefined;
      node = parent ? this.child(parent, segment) : undefined;
      const index = /^\+?\d+$/.test(segment) ? Number(segment) : undefined;
      if (index !== undefined && parent && isArray(parent.value)) {
        labels.push(node && isObject(this.deref(node).value) ? { row: index + 1 } : { item: index + 1 });
      } else {
        labels.push({ field: (node && this.title(node)) ?? segment });
      }
    }
    return labels;
  }

  /** The `(const, title)` pairs of an enumeration node (`oneOf` of `const`s, or `enum`). */
  choices(node: Node): [Json, string | undefined][] | undefined {
    node = this.deref(node);
    const branches = get(node.value, 'oneOf');
    if (Array.isArray(branches)) {
      const out: [Json, string | undefined][] = [];
      for (const branch of branches) {
        const constant = get(branch, 'const');
        if (constant === undefined) return undefined;
        const title = get(branch, 'title');
        out.push([constant, typeof title === 'string' ? title : undefined]);
      }
      return out;
    }
    const values = get(node.value, 'enum');
    return Array.isArray(values) ? values.map((v) => [v, undefined]) : undefined;
  }

  /** The items schema of an array node. */
  items(node: Node): Node | undefined {
    node = this.deref(node);
    const items = get(node.value, 'items');
    return typeof items === 'object' && items !== null && !Array.isArray(items) ? { base: node.base, value: items } : undefined;
  }
}
