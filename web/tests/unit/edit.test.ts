import { next as A } from "@automerge/automerge/slim";
import { beforeAll, describe, expect, test } from "vitest";
import { form, formVersion } from "../../src/catalogue";
import { addRow, type FormDoc, moveRow, newDocument, plain, removeRow, setScalar, setText } from "../../src/edit";
import { shownPointer } from "../../src/pages/DocumentPage";
import { pendingChanges } from "../../src/sync";
import { automerge } from "./setup";

beforeAll(automerge);

const programme = form("school-programme");
const planField = programme.fields!.find((f) => f.key === "action_plan")!;

/** The document as plain JSON: texts and scalar strings as strings. */
const json = (doc: A.Doc<FormDoc>) => plain(A.toJS(doc)) as FormDoc;

function fresh(): A.Doc<FormDoc> {
  return A.change(A.init<FormDoc>(), (d) => {
    Object.assign(d, newDocument(programme, "school-programme", formVersion("school-programme"), "lipetsk"));
  });
}

describe("edits of a form document", () => {
  test("a new document has the Rust layout: scalar metadata, texts and containers", () => {
    const doc = fresh();
    expect(json(doc).form).toBe("school-programme");
    expect(doc.form).toBeInstanceOf(A.ImmutableString);
    expect(doc.region).toBeInstanceOf(A.ImmutableString);
    expect(doc.data.title).toBe("");
    expect(doc.data.action_plan).toEqual([]);
  });

  test("two replicas typing into one text both keep their letters", () => {
    const base = A.change(fresh(), (d) => setText(d, ["title"], "Программа"));
    const left = A.change(A.clone(base), (d) => setText(d, ["title"], "Новая Программа"));
    const right = A.change(A.clone(base), (d) => setText(d, ["title"], "Программа школы"));
    expect(A.merge(left, right).data.title).toBe("Новая Программа школы");
  });

  test("dates and choices are scalar strings; numbers and booleans scalars; undefined removes", () => {
    let doc = A.change(fresh(), (d) => {
      setScalar(d, ["period", "start"], "2025-09-01");
      setScalar(d, ["school_profile", "pupils"], 212);
    });
    expect((doc.data.period as Record<string, unknown>).start).toBeInstanceOf(A.ImmutableString);
    expect(json(doc).data).toMatchObject({ period: { start: "2025-09-01" }, school_profile: { pupils: 212 } });
    doc = A.change(doc, (d) => setScalar(d, ["school_profile", "pupils"], undefined));
    expect("pupils" in (doc.data.school_profile as object)).toBe(false);
  });

  test("rows are added with their containers, moved keeping their content, and removed", () => {
    let doc = A.change(fresh(), (d) => {
      addRow(d, ["action_plan"], planField);
      addRow(d, ["action_plan"], planField);
      setText(d, ["action_plan", 0, "activity"], "первое");
      setText(d, ["action_plan", 0, "timing", "from"], "2025-09");
      setText(d, ["action_plan", 0, "timing", "to"], "2025-11");
      setText(d, ["action_plan", 1, "activity"], "второе");
    });
    doc = A.change(doc, (d) => moveRow(d, ["action_plan"], planField, 0, 1));
    const rows = json(doc).data.action_plan as Record<string, unknown>[];
    expect(rows.map((r) => r.activity)).toEqual(["второе", "первое"]);
    expect(rows[1].timing).toMatchObject({ from: "2025-09", to: "2025-11", at: "", intervals: [] });
    const moved = (doc.data.action_plan as Record<string, Record<string, unknown>>[])[1].timing;
    expect(typeof moved.from).toBe("string");
    doc = A.change(doc, (d) => removeRow(d, ["action_plan"], 0));
    expect((json(doc).data.action_plan as unknown[]).length).toBe(1);
  });

  test("pending changes count what the server's version lacks", () => {
    const base = fresh();
    const serverHeads = A.getHeads(base);
    const later = A.change(A.change(base, (d) => setText(d, ["title"], "а")), (d) => setText(d, ["title"], "аб"));
    expect(pendingChanges(later, serverHeads)).toBe(2);
    expect(pendingChanges(later, A.getHeads(later))).toBe(0);
    expect(pendingChanges(later, null)).toBe(3);
    // Heads the replica does not have (someone else's change on the server) are skipped.
    expect(pendingChanges(later, [...serverHeads, "00".repeat(32)])).toBe(2);
  });

  test("a finding is shown at its field, or at the nearest field that is shown", () => {
    const doc = A.change(fresh(), (d) => addRow(d, ["action_plan"], planField));
    const data = json(doc).data;
    expect(shownPointer(programme, data, "/title")).toBe("/title");
    expect(shownPointer(programme, data, "/action_plan/0/activity")).toBe("/action_plan/0/activity");
    expect(shownPointer(programme, data, "/action_plan/5/activity")).toBe("/action_plan");
    expect(shownPointer(programme, data, "/nonsense/x")).toBe("");
    expect(shownPointer(programme, data, "")).toBe("");
  });
});

describe("history", () => {
  test("changes group into one author's sessions, newest first, with Rust-style messages", async () => {
    const { sessions, describe: describeMessage } = await import("../../src/history");
    const message = (author: string) => JSON.stringify({ author_id: `u:${author}:x`, author, message: "правка" });
    let doc = A.change(fresh(), { message: message("Котова"), time: 1000 }, (d) => setText(d, ["title"], "а"));
    doc = A.change(doc, { message: message("Котова"), time: 1100 }, (d) => setText(d, ["title"], "аб"));
    doc = A.change(doc, { message: message("Волков"), time: 1200 }, (d) => setText(d, ["title"], "абв"));
    doc = A.change(doc, { message: message("Котова"), time: 5000 }, (d) => setText(d, ["title"], "абвг"));
    const list = sessions(doc).filter((s) => s.to <= 5000);
    expect(list.map((s) => [s.author, s.changes])).toEqual([
      ["Котова", 1],
      ["Волков", 1],
      ["Котова", 2],
    ]);
    expect(describeMessage("не JSON")).toEqual({ author: "неизвестно", message: "не JSON" });
  });
});
