// A form rendered from its schema: sections in the schema's order with their Russian titles
// and descriptions, tables of rows, lists, and the single-value inputs. No page is written by
// hand per form.

import { next as A } from "@automerge/automerge/slim";
import type { ComponentChildren } from "preact";
import { lazy, memo, Suspense } from "preact/compat";
import { addRow, type FormDoc, moveRow, type Path, removeRow, setScalar, setText } from "../edit";
import { fieldId, type Note, type NotesByField, pointerOf } from "../findings";
import type { SelectedPassage } from "../narrative/passage";
import type { SharedNarratives } from "../narrative/shared";
import type { Field } from "../schema";
import { isTimingField } from "../timing";
import { BooleanInput, ChoiceInput, DateInput, NumberInput, TextInput } from "./inputs";
import { TimingField } from "./TimingField";
import { documentNumber, rowSection, startsSection } from "./rowNumber";
import { VariantField } from "./VariantField";

/** Texts allowed to be longer than this are edited in a box of several lines. */
export const LONG_TEXT = 500;

/** What every field needs besides its own value. */
export interface FormContext {
  /** Applies an edit to the document in one change. */
  change: (edit: (doc: FormDoc) => void) => void;
  notes: NotesByField;
  readOnly: boolean;
  /** The document's narratives on Yjs and the fragment name of the narrative at a path
   * (`null`: its row has no id to name it by, so it stays an Automerge text). */
  narratives?: { shared: SharedNarratives; keyOf: (path: Path) => string | null };
  /** A reviewer's page: starts a comment on the field at `pointer` (titled `title`), or on a
   * passage of its text when the field is a narrative and the reviewer selected words of it. */
  comment?: (pointer: string, title: string, passage?: SelectedPassage) => void;
}

/** The narrative editor, a chunk of its own loaded when a form first shows a narrative. */
const NarrativeEditor = lazy(() => import("../narrative/editor"));

/** The whole form: its top-level sections as cards, with a table of contents. */
export function FormView(props: { root: Field; data: Record<string, unknown>; context: FormContext }) {
  const fields = props.root.fields ?? [];
  return (
    <div class="form-layout">
      <nav class="toc" aria-label="Разделы формы">
        <ol>
          {fields.map((field) => (
            <li key={field.key}>
              <a href={`#${fieldId(pointerOf([field.key]))}-block`}>{field.title}</a>
            </li>
          ))}
        </ol>
      </nav>
      <div class="form-body">
        {fields.map((field) => {
          const view = (
            <FieldView
              key={field.key}
              field={field}
              path={[field.key]}
              value={props.data[field.key]}
              context={props.context}
              top
            />
          );
          // A single value at the top gets a card of its own, as sections have.
          return ["section", "table", "list"].includes(field.kind) ? view : (
            <div class="card" key={field.key}>
              {view}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The notes (findings, comments) at one field. */
function Notes(props: { id: string; notes: Note[] }) {
  if (props.notes.length === 0) return null;
  return (
    <ul class="notes" id={props.id}>
      {props.notes.map((note, i) => (
        <li key={i} class={`note ${note.kind}`}>
          {note.kind === "comment" ? "Замечание: " : note.kind === "warning" ? "Рекомендация: " : ""}
          {note.text}
        </li>
      ))}
    </ul>
  );
}

/** A field's label, description and notes around its input. */
function Labelled(props: {
  field: Field;
  id: string;
  notes: Note[];
  children: ComponentChildren;
  comment?: () => void;
}) {
  const { field, id } = props;
  const label = (
    <label for={id} id={`${id}-label`}>
      {field.title}
      {field.required && <span class="required" title="обязательное поле"> *</span>}
    </label>
  );
  return (
    <div class={`field kind-${field.kind}${props.notes.length ? " has-notes" : ""}`} id={`${id}-block`}>
      {props.comment ? (
        <div class="field-head">
          {label}
          <button type="button" class="comment-button" aria-label={`Замечание к полю «${field.title}»`} onClick={props.comment}>
            Замечание
          </button>
        </div>
      ) : (
        label
      )}
      {props.children}
      {field.description && (
        <p class="description" id={`${id}-description`}>
          {field.description}
        </p>
      )}
      <Notes id={`${id}-notes`} notes={props.notes} />
    </div>
  );
}

interface FieldProps {
  field: Field;
  path: Path;
  value: unknown;
  context: FormContext;
  top?: boolean;
}

/** One field of any kind. Memoised: a change elsewhere leaves it alone (Automerge keeps the
 * identity of unchanged objects). */
export const FieldView = memo(function FieldView(props: FieldProps) {
  const { field, path, value, context } = props;
  const pointer = pointerOf(path);
  const id = fieldId(pointer);
  const notes = context.notes.at(pointer);
  const describedBy =
    [field.description ? `${id}-description` : "", notes.length ? `${id}-notes` : ""]
      .filter(Boolean)
      .join(" ") || undefined;
  const comment = context.comment && (() => context.comment?.(pointer, field.title));
  const common = { id, readOnly: context.readOnly, describedBy, invalid: notes.some((n) => n.kind === "error") };
  switch (field.kind) {
    case "section":
      if (isTimingField(field)) {
        return (
          <Labelled field={field} id={id} notes={notes} comment={comment}>
            <TimingField field={field} path={path} value={value} context={context} id={id} />
          </Labelled>
        );
      }
      return <SectionView {...props} pointerNotes={notes} />;
    case "table":
    case "list":
      return <RowsView {...props} pointerNotes={notes} />;
    case "narrative": {
      const key = context.narratives?.keyOf(path);
      if (context.narratives && key) {
        return (
          <Labelled field={field} id={id} notes={notes} comment={comment}>
            <Suspense fallback={<p class="loading">Загружаем редактор текста…</p>}>
              <NarrativeEditor
                id={id}
                fragment={key}
                shared={context.narratives.shared}
                readOnly={context.readOnly}
                labelledBy={`${id}-label`}
                describedBy={describedBy}
                invalid={common.invalid}
                legacyText={typeof value === "string" ? value : ""}
                onPassage={context.comment && ((passage) => context.comment?.(pointer, field.title, passage))}
              />
            </Suspense>
          </Labelled>
        );
      }
    }
    // falls through: a narrative with no fragment name is edited as Automerge text
    case "text":
      return (
        <Labelled field={field} id={id} notes={notes} comment={comment}>
          <TextInput
            {...common}
            value={typeof value === "string" ? value : ""}
            multiline={field.kind === "narrative" || (field.maxLength ?? 0) > LONG_TEXT}
            onText={(text) => context.change((doc) => setText(doc, path, text))}
          />
        </Labelled>
      );
    case "date":
      return (
        <Labelled field={field} id={id} notes={notes} comment={comment}>
          <DateInput
            {...common}
            value={scalarString(value)}
            onValue={(v) => context.change((doc) => setScalar(doc, path, v))}
          />
        </Labelled>
      );
    case "integer":
    case "number":
      return (
        <Labelled field={field} id={id} notes={notes} comment={comment}>
          <NumberInput
            {...common}
            value={typeof value === "number" ? value : undefined}
            integer={field.kind === "integer"}
            onValue={(v) => context.change((doc) => setScalar(doc, path, v))}
          />
        </Labelled>
      );
    case "choice":
      return (
        <Labelled field={field} id={id} notes={notes} comment={comment}>
          <ChoiceInput
            {...common}
            value={value instanceof A.ImmutableString ? value.val : value}
            choices={field.choices ?? []}
            onValue={(v) => context.change((doc) => setScalar(doc, path, v))}
          />
        </Labelled>
      );
    case "boolean":
      return (
        <Labelled field={field} id={id} notes={notes} comment={comment}>
          <BooleanInput
            {...common}
            value={typeof value === "boolean" ? value : undefined}
            onValue={(v) => context.change((doc) => setScalar(doc, path, v))}
          />
        </Labelled>
      );
  }
});

/** A scalar string of the document (a date, a code) as a plain string. */
function scalarString(value: unknown): string | undefined {
  if (value instanceof A.ImmutableString) return value.val;
  return typeof value === "string" ? value : undefined;
}

/** A section: its fields in order. */
function SectionView(props: FieldProps & { pointerNotes: Note[] }) {
  const { field, path, context } = props;
  const id = fieldId(pointerOf(path));
  const value = (props.value && typeof props.value === "object" ? props.value : {}) as Record<string, unknown>;
  const Tag = props.top ? "section" : "fieldset";
  return (
    <Tag class={props.top ? "card section" : "subsection"} id={`${id}-block`} aria-labelledby={`${id}-title`}>
      {props.top ? <h2 id={`${id}-title`}>{field.title}</h2> : <legend id={`${id}-title`}>{field.title}</legend>}
      {field.description && <p class="description">{field.description}</p>}
      <Notes id={`${id}-notes`} notes={props.pointerNotes} />
      <div class="fields">
        {(field.fields ?? []).map((child) => (
          <FieldView
            key={child.key}
            field={child}
            path={[...path, child.key]}
            value={value[child.key]}
            context={context}
          />
        ))}
      </div>
      {field.variants && <VariantField field={field} path={path} value={props.value} context={context} id={id} />}
    </Tag>
  );
}

/** A table (rows with their own fields) or a list of plain values. */
function RowsView(props: FieldProps & { pointerNotes: Note[] }) {
  const { field, path, context } = props;
  const id = fieldId(pointerOf(path));
  const rows = Array.isArray(props.value) ? props.value : [];
  const item = field.item;
  const Tag = props.top ? "section" : "fieldset";
  const isTable = field.kind === "table";
  return (
    <Tag class={props.top ? "card section rows" : "subsection rows"} id={`${id}-block`} aria-labelledby={`${id}-title`}>
      {props.top ? <h2 id={`${id}-title`}>{field.title}</h2> : <legend id={`${id}-title`}>{field.title}</legend>}
      {field.description && <p class="description">{field.description}</p>}
      <Notes id={`${id}-notes`} notes={props.pointerNotes} />
      {rows.length === 0 && <p class="empty">Строк пока нет.</p>}
      <ol class={isTable ? "table-rows" : "list-items"}>
        {rows.map((row, index) => {
          const rowPath = [...path, index];
          const rowId = fieldId(pointerOf(rowPath));
          const rowNotes = context.notes.at(pointerOf(rowPath));
          return (
            <li key={index} class="row" id={`${rowId}-block`}>
              {isTable && startsSection(rows, index) && <p class="row-section">{rowSection(row)}</p>}
              <div class="row-head">
                <span class="row-number" id={`${rowId}-title`}>
                  {isTable ? `Строка ${index + 1}` : `${index + 1}.`}
                  {isTable && documentNumber(row) && <span class="own-number"> · {documentNumber(row)}</span>}
                </span>
                {!context.readOnly && (
                  <span class="row-actions">
                    <button
                      type="button"
                      disabled={index === 0}
                      aria-label={`Поднять строку ${index + 1} раздела «${field.title}»`}
                      onClick={() => context.change((doc) => moveRow(doc, path, field, index, index - 1))}
                    >
                      ↑
                    </button>
                    <button
                      type="button"
                      disabled={index === rows.length - 1}
                      aria-label={`Опустить строку ${index + 1} раздела «${field.title}»`}
                      onClick={() => context.change((doc) => moveRow(doc, path, field, index, index + 1))}
                    >
                      ↓
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Удалить строку ${index + 1} раздела «${field.title}»`}
                      onClick={() => context.change((doc) => removeRow(doc, path, index))}
                    >
                      Удалить
                    </button>
                  </span>
                )}
              </div>
              <Notes id={`${rowId}-notes`} notes={rowNotes} />
              {item && item.kind === "section" ? (
                <div class="fields">
                  {(item.fields ?? []).map((child) => (
                    <FieldView
                      key={child.key}
                      field={child}
                      path={[...rowPath, child.key]}
                      value={(row as Record<string, unknown> | null)?.[child.key]}
                      context={context}
                    />
                  ))}
                </div>
              ) : (
                item && (
                  <FieldView
                    field={{ ...item, title: `${field.title}: ${index + 1}` }}
                    path={rowPath}
                    value={row}
                    context={context}
                  />
                )
              )}
            </li>
          );
        })}
      </ol>
      {!context.readOnly && (
        <button type="button" class="add-row" onClick={() => context.change((doc) => addRow(doc, path, field))}>
          {isTable ? "Добавить строку" : "Добавить"} — {field.title}
        </button>
      )}
    </Tag>
  );
}
