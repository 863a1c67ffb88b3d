// Validation findings as the app shows them: the Report of the server's 422 answer (and of
// `ravenstvo validate --format json`, and of the browser's own rule runner), indexed by field.

/** Error or warning. */
export type Severity = "error" | "warning";

/** One finding about one place of the document. */
export interface Finding {
  /** JSON pointer inside the form's data (`""`: the whole document). */
  pointer: string;
  rule: string;
  /** Russian, naming the field by its titles. */
  message: string;
  severity: Severity;
  /** The other rows where the same rule failed the same way (the message names them all);
   * each is marked like `pointer`. */
  also?: string[];
}

/** The verdict on one document. */
export interface Report {
  valid: boolean;
  form: string;
  form_version: string;
  region: string;
  requirements_id: string;
  requirements_version: string;
  errors: Finding[];
  warnings: Finding[];
}

/** Whether `value` has a report's shape (a 422's `details`). */
export function isReport(value: unknown): value is Report {
  const report = value as Report | null;
  return (
    !!report &&
    typeof report === "object" &&
    Array.isArray(report.errors) &&
    Array.isArray(report.warnings)
  );
}

/** A message shown at a field: a finding or a reviewer's comment. */
export interface Note {
  kind: Severity | "comment";
  text: string;
}

/** Notes by the pointer of their field. */
export class NotesByField {
  private readonly byPointer = new Map<string, Note[]>();

  add(pointer: string, note: Note): void {
    const list = this.byPointer.get(pointer);
    if (list) list.push(note);
    else this.byPointer.set(pointer, [note]);
  }

  /** The notes of exactly this field. */
  at(pointer: string): Note[] {
    return this.byPointer.get(pointer) ?? [];
  }

  /** Every pointer with notes. */
  pointers(): string[] {
    return [...this.byPointer.keys()];
  }
}

/** The notes of a report (errors first) and of a return's comments. */
export function notes(report: Report | null, comments: { pointer: string; text: string }[]): NotesByField {
  const out = new NotesByField();
  for (const finding of report ? [...report.errors, ...report.warnings] : []) {
    for (const pointer of [finding.pointer, ...(finding.also ?? [])]) {
      out.add(pointer, { kind: finding.severity, text: finding.message });
    }
  }
  for (const comment of comments) out.add(comment.pointer, { kind: "comment", text: comment.text });
  return out;
}

/**
 * The field that shows a finding at `pointer`: the pointer itself when the form shows a field
 * there, else its nearest shown ancestor (a finding about a section's missing required field
 * points at the section's key; about a row, at the row).
 */
export function shownAt(pointer: string, shown: (pointer: string) => boolean): string {
  let current = pointer;
  while (current !== "" && !shown(current)) current = current.slice(0, current.lastIndexOf("/"));
  return current;
}

/** A JSON pointer's tokens. */
export function tokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The JSON pointer of `path`. */
export function pointerOf(path: (string | number)[]): string {
  return path.map((p) => "/" + String(p).replaceAll("~", "~0").replaceAll("/", "~1")).join("");
}

/** The DOM id of the input of the field at `pointer`. */
export function fieldId(pointer: string): string {
  return "f" + (pointer === "" ? "-root" : pointer.replaceAll("/", "-").replace(/[^\w\-\u0400-\u04ff]/g, "_"));
}
