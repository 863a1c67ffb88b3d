// The inputs of single values: texts (character-wise, keeping the caret when someone else's
// typing arrives), numbers, dates, choices and yes/no/unknown.

import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Choice } from "../schema";
import { moveCaret } from "./caret";

/** Attributes every input shares. */
export interface InputProps {
  id: string;
  readOnly: boolean;
  describedBy?: string;
  invalid?: boolean;
}

/** A text people write, edited in place: `onText` gets the whole new value on each keystroke. */
export function TextInput(
  props: InputProps & { value: string; multiline: boolean; onText: (text: string) => void },
) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element || element.value === props.value) return;
    if (document.activeElement === element) {
      const [start, end] = moveCaret(
        element.value,
        props.value,
        element.selectionStart ?? 0,
        element.selectionEnd ?? 0,
      );
      element.value = props.value;
      element.setSelectionRange(start, end);
    } else {
      element.value = props.value;
    }
  }, [props.value]);
  const common = {
    id: props.id,
    ref,
    defaultValue: props.value,
    readOnly: props.readOnly,
    "aria-describedby": props.describedBy,
    "aria-invalid": props.invalid ? true : undefined,
    onInput: (event: Event) => props.onText((event.currentTarget as HTMLInputElement).value),
  };
  return props.multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} />;
}

/** Reads a number as people type it («12,5», «1 000»); `null` for anything else. */
export function parseNumber(text: string, integer: boolean): number | null {
  const cleaned = text.replace(/[\s\u00a0]/g, "").replace(",", ".");
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return null;
  const value = Number(cleaned);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return null;
  return value;
}

/** A number; what cannot be read as one is shown as a problem and not written. */
export function NumberInput(
  props: InputProps & {
    value: number | undefined;
    integer: boolean;
    onValue: (value: number | undefined) => void;
  },
) {
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? (props.value === undefined ? "" : String(props.value).replace(".", ","));
  const problem =
    text !== null && text.trim() !== "" && parseNumber(text, props.integer) === null
      ? props.integer
        ? "введите целое число"
        : "введите число (дробную часть — через запятую)"
      : null;
  return (
    <>
      <input
        id={props.id}
        type="text"
        inputMode={props.integer ? "numeric" : "decimal"}
        value={shown}
        readOnly={props.readOnly}
        aria-describedby={problem ? `${props.id}-problem` : props.describedBy}
        aria-invalid={problem || props.invalid ? true : undefined}
        onInput={(event) => {
          const value = (event.currentTarget as HTMLInputElement).value;
          setText(value);
          if (value.trim() === "") props.onValue(undefined);
          else {
            const number = parseNumber(value, props.integer);
            if (number !== null) props.onValue(number);
          }
        }}
        onBlur={() => {
          if (!problem) setText(null);
        }}
      />
      {problem && (
        <p class="note error" id={`${props.id}-problem`}>
          {problem}
        </p>
      )}
    </>
  );
}

/** A date (ГГГГ-ММ-ДД). */
export function DateInput(
  props: InputProps & { value: string | undefined; onValue: (value: string | undefined) => void },
) {
  return (
    <input
      id={props.id}
      type="date"
      value={props.value ?? ""}
      readOnly={props.readOnly}
      aria-describedby={props.describedBy}
      aria-invalid={props.invalid ? true : undefined}
      onChange={(event) => {
        const value = (event.currentTarget as HTMLInputElement).value;
        props.onValue(value === "" ? undefined : value);
      }}
    />
  );
}

/** One of the schema's choices, or none. */
export function ChoiceInput(
  props: InputProps & {
    value: unknown;
    choices: Choice[];
    onValue: (value: Choice["value"] | undefined) => void;
  },
) {
  const index = props.choices.findIndex((choice) => choice.value === props.value);
  return (
    <select
      id={props.id}
      value={index < 0 ? "" : String(index)}
      disabled={props.readOnly}
      aria-describedby={props.describedBy}
      aria-invalid={props.invalid ? true : undefined}
      onChange={(event) => {
        const picked = (event.currentTarget as HTMLSelectElement).value;
        props.onValue(picked === "" ? undefined : props.choices[Number(picked)].value);
      }}
    >
      <option value="">— не выбрано —</option>
      {props.choices.map((choice, i) => (
        <option key={i} value={String(i)}>
          {choice.title}
        </option>
      ))}
    </select>
  );
}

/** Yes, no, or not said. */
export function BooleanInput(
  props: InputProps & { value: boolean | undefined; onValue: (value: boolean | undefined) => void },
) {
  const current = props.value === true ? "yes" : props.value === false ? "no" : "";
  return (
    <select
      id={props.id}
      value={current}
      disabled={props.readOnly}
      aria-describedby={props.describedBy}
      aria-invalid={props.invalid ? true : undefined}
      onChange={(event) => {
        const picked = (event.currentTarget as HTMLSelectElement).value;
        props.onValue(picked === "yes" ? true : picked === "no" ? false : undefined);
      }}
    >
      <option value="">не указано</option>
      <option value="yes">да</option>
      <option value="no">нет</option>
    </select>
  );
}
