// The editor of a timing (`common.schema.json#/$defs/timing`): people pick how the timing is
// written («дата / месяц / год», «период», «несколько периодов», «регулярно»), fill that
// shape's inputs and a note, and see the timing as the documents write it. Switching the shape
// empties the other shapes' data, so the stored timing is always of one shape. Read-only, it is
// the Russian rendering alone (the Rust `Timing::russian`, ported in ../timing.ts).

import { useState } from "preact/hooks";
import { at, type FormDoc, type Path, setScalar, setText } from "../edit";
import type { Field } from "../schema";
import { RECURRENCES, TIMING_KINDS, type TimingKind, parseMoment, timingKind, timingRussian } from "../timing";
import type { FormContext } from "./FormView";
import { ChoiceInput, TextInput } from "./inputs";

/** How people type a moment. */
const MOMENT_HINT = "ГГГГ-ММ-ДД, ГГГГ-ММ или ГГГГ";

/** A string of the stored timing (texts and scalar strings alike), `""` when absent. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && "val" in value && typeof value.val === "string") {
    return value.val;
  }
  return "";
}

/** Whether the stored timing fills any shape's own data (the note aside). */
function hasShape(map: Record<string, unknown>): boolean {
  return (
    ["at", "from", "to", "recurring"].some((key) => text(map[key]) !== "") ||
    (Array.isArray(map.intervals) && map.intervals.length > 0)
  );
}

/** Empties every shape's data but `keep`'s, inside a change. */
export function keepOnly(doc: FormDoc, path: Path, keep: TimingKind): void {
  const clearText = (key: string) => {
    if (text(at(doc.data, [...path, key])) !== "") setText(doc, [...path, key], "");
  };
  if (keep !== "at") clearText("at");
  if (keep !== "span") {
    clearText("from");
    clearText("to");
  }
  if (keep !== "recurring" && at(doc.data, [...path, "recurring"]) !== undefined) {
    setScalar(doc, [...path, "recurring"], undefined);
  }
  const intervals = at(doc.data, [...path, "intervals"]);
  if (keep !== "intervals" && Array.isArray(intervals) && intervals.length > 0) {
    intervals.splice(0, intervals.length);
  }
  if (keep === "intervals" && (!Array.isArray(intervals) || intervals.length === 0)) addInterval(doc, path);
}

/** Appends an empty period to the timing's `intervals` (the timing created if missing). */
export function addInterval(doc: FormDoc, path: Path): void {
  if (!at(doc.data, path) || typeof at(doc.data, path) !== "object") setText(doc, [...path, "note"], "");
  const timing = at(doc.data, path) as Record<string, unknown>;
  if (Array.isArray(timing.intervals)) timing.intervals.push({ from: "", to: "" });
  else timing.intervals = [{ from: "", to: "" }];
}

/** Whether a period of `intervals` is a single moment (`{at}`), as the CLI may write one. */
function isMomentPart(part: Record<string, unknown> | null | undefined): boolean {
  return !!part && "at" in part && !("from" in part);
}

/** A moment's input with what it will read as, or why it is not a moment. */
function MomentInput(props: {
  id: string;
  label: string;
  value: string;
  context: FormContext;
  path: Path;
}) {
  const trimmed = props.value.trim();
  const bad = trimmed !== "" && parseMoment(trimmed) === null;
  return (
    <span class="moment">
      <label for={props.id}>{props.label}</label>
      <TextInput
        id={props.id}
        readOnly={props.context.readOnly}
        value={props.value}
        multiline={false}
        invalid={bad}
        describedBy={bad ? `${props.id}-problem` : undefined}
        onText={(value) => props.context.change((doc) => setText(doc, props.path, value))}
      />
      {bad && (
        <span class="note error" id={`${props.id}-problem`}>
          введите {MOMENT_HINT}
        </span>
      )}
    </span>
  );
}

/** A timing: its shape, that shape's inputs, a note, and how it reads. */
export function TimingField(props: { field: Field; path: Path; value: unknown; context: FormContext; id: string }) {
  const { field, path, context, id } = props;
  const map = (props.value && typeof props.value === "object" ? props.value : {}) as Record<string, unknown>;
  const [chosen, setChosen] = useState<TimingKind | null>(null);
  const kind = hasShape(map) || chosen === null ? timingKind(map) : chosen;
  const shown = timingRussian(map);
  if (context.readOnly) {
    return <p class="timing-text">{shown ?? "не указано"}</p>;
  }
  const intervals = Array.isArray(map.intervals) ? (map.intervals as Record<string, unknown>[]) : [];
  return (
    <div class="timing" id={id}>
      <span class="timing-kind">
        <label for={`${id}-kind`}>Как указан срок</label>
        <select
          id={`${id}-kind`}
          value={kind}
          onChange={(event) => {
            const picked = (event.currentTarget as HTMLSelectElement).value as TimingKind;
            setChosen(picked);
            context.change((doc) => keepOnly(doc, path, picked));
          }}
        >
          {TIMING_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.title}
            </option>
          ))}
        </select>
      </span>
      {kind === "at" && (
        <MomentInput id={`${id}-at`} label="Срок" value={text(map.at)} context={context} path={[...path, "at"]} />
      )}
      {kind === "span" && (
        <span class="timing-span">
          <MomentInput id={`${id}-from`} label="С" value={text(map.from)} context={context} path={[...path, "from"]} />
          <MomentInput id={`${id}-to`} label="По" value={text(map.to)} context={context} path={[...path, "to"]} />
        </span>
      )}
      {kind === "intervals" && (
        <ol class="timing-intervals">
          {intervals.map((part, index) => (
            <li key={index} class="timing-span">
              {isMomentPart(part) ? (
                <MomentInput
                  id={`${id}-intervals-${index}-at`}
                  label={`Период ${index + 1}: срок`}
                  value={text(part.at)}
                  context={context}
                  path={[...path, "intervals", index, "at"]}
                />
              ) : (
                <>
                  <MomentInput
                    id={`${id}-intervals-${index}-from`}
                    label={`Период ${index + 1}: с`}
                    value={text(part?.from)}
                    context={context}
                    path={[...path, "intervals", index, "from"]}
                  />
                  <MomentInput
                    id={`${id}-intervals-${index}-to`}
                    label="по"
                    value={text(part?.to)}
                    context={context}
                    path={[...path, "intervals", index, "to"]}
                  />
                </>
              )}
              <button
                type="button"
                class="danger"
                aria-label={`Удалить период ${index + 1}`}
                onClick={() =>
                  context.change((doc) => {
                    const list = at(doc.data, [...path, "intervals"]);
                    if (Array.isArray(list) && index < list.length) list.splice(index, 1);
                  })
                }
              >
                Удалить
              </button>
            </li>
          ))}
          <li>
            <button type="button" onClick={() => context.change((doc) => addInterval(doc, path))}>
              Добавить период
            </button>
          </li>
        </ol>
      )}
      {kind === "recurring" && (
        <span class="timing-recurring">
          <label for={`${id}-recurring`}>Повторяется</label>
          <ChoiceInput
            id={`${id}-recurring`}
            readOnly={false}
            value={text(map.recurring) || undefined}
            choices={RECURRENCES.map((r) => ({ value: r.code, title: r.words }))}
            onValue={(v) => context.change((doc) => setScalar(doc, [...path, "recurring"], v))}
          />
        </span>
      )}
      <span class="timing-note">
        <label for={`${id}-note`}>Примечание</label>
        <TextInput
          id={`${id}-note`}
          readOnly={false}
          value={text(map.note)}
          multiline={false}
          onText={(value) => context.change((doc) => setText(doc, [...path, "note"], value))}
        />
      </span>
      <p class="timing-text" id={`${id}-shown`} aria-live="polite">
        {shown === null ? `${field.title}: не указаны` : `В документе: ${shown}`}
      </p>
    </div>
  );
}
