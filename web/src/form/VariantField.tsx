// A field of several shapes (`oneOf`/`anyOf` of objects in the schema): people pick the shape
// and fill its fields; picking another shape removes the fields only the old one had, so the
// stored value is always of one shape. A shape marked by a yes-only field (the curator's
// `pending: true`) is picked with a checkbox named after that field («Назначается»).

import { useState } from "preact/hooks";
import { at, type FormDoc, type Path, setScalar } from "../edit";
import type { Field } from "../schema";
import { type FormContext, FieldView } from "./FormView";

/** Whether a stored value counts as filled (an empty text does not). */
function isFilled(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (typeof value === "string") return value !== "";
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The shape whose fields the stored value fills most; -1 when it fills none. */
export function filledVariant(variants: Field[], value: Record<string, unknown>): number {
  let best = -1;
  let bestScore = 0;
  variants.forEach((variant, index) => {
    const score = (variant.fields ?? []).filter((f) => isFilled(value[f.key])).length;
    if (score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  return best;
}

/** A shape's yes-only field (`{"type": "boolean", "const": true}`), if it has one. */
function flagOf(variant: Field): Field | undefined {
  return (variant.fields ?? []).find((f) => f.kind === "boolean" && f.constant === true);
}

/** Keeps only `keep`'s fields (and the field's own) at `path`, and sets its yes-only fields. */
export function pickVariant(doc: FormDoc, path: Path, field: Field, keep: Field): void {
  const own = new Set([...(field.fields ?? []), ...(keep.fields ?? [])].map((f) => f.key));
  const current = at(doc.data, path);
  if (current && typeof current === "object" && !Array.isArray(current)) {
    for (const key of Object.keys(current)) {
      if (!own.has(key)) delete (current as Record<string, unknown>)[key];
    }
  }
  for (const child of keep.fields ?? []) {
    if (child.constant !== undefined && typeof child.constant !== "object") {
      setScalar(doc, [...path, child.key], child.constant ?? undefined);
    }
  }
}

/** The field: the choice of shape, then the chosen shape's fields. */
export function VariantField(props: { field: Field; path: Path; value: unknown; context: FormContext; id: string }) {
  const { field, path, context, id } = props;
  const variants = field.variants ?? [];
  const map = (props.value && typeof props.value === "object" ? props.value : {}) as Record<string, unknown>;
  const [chosen, setChosen] = useState(-1);
  const filled = filledVariant(variants, map);
  const index = filled >= 0 ? filled : chosen;
  const pick = (next: number) => {
    setChosen(next);
    if (next >= 0) context.change((doc) => pickVariant(doc, path, field, variants[next]));
  };
  const flagged = variants.map(flagOf);
  const checkbox = variants.length === 2 && flagged.filter(Boolean).length === 1;
  const flagIndex = flagged.findIndex(Boolean);
  const variant = index >= 0 ? variants[index] : undefined;
  return (
    <div class="variants" id={id}>
      {checkbox ? (
        <label class="variant-flag">
          <input
            type="checkbox"
            id={`${id}-flag`}
            checked={index === flagIndex}
            disabled={context.readOnly}
            onChange={(event) => pick((event.currentTarget as HTMLInputElement).checked ? flagIndex : 1 - flagIndex)}
          />{" "}
          {flagged[flagIndex]?.title.toLowerCase()}
        </label>
      ) : (
        <select
          id={`${id}-variant`}
          aria-label={`${field.title}: вариант`}
          value={String(index)}
          disabled={context.readOnly}
          onChange={(event) => pick(Number((event.currentTarget as HTMLSelectElement).value))}
        >
          <option value="-1">— не выбрано —</option>
          {variants.map((v, i) => (
            <option key={i} value={String(i)}>
              {v.title}
            </option>
          ))}
        </select>
      )}
      {variant && (
        <div class="fields">
          {(variant.fields ?? [])
            .filter((child) => child.constant === undefined)
            .map((child) => (
              <FieldView
                key={`${index}-${child.key}`}
                field={child}
                path={[...path, child.key]}
                value={map[child.key]}
                context={context}
              />
            ))}
        </div>
      )}
    </div>
  );
}
