import { describe, expect, test } from "vitest";
import { type RegistryRow, registryQuery } from "../../src/api";
import { stacks } from "../../src/pages/DashboardPage";
import { sortRows } from "../../src/pages/RegistryPage";
import { addDraft, draftKey, shownValue } from "../../src/pages/Review";

const row = (school_name: string, round: number, collected_at: string | null): RegistryRow => ({
  document: school_name,
  round,
  school: school_name,
  school_name,
  municipality: "m",
  municipality_name: "М",
  form: "school-programme",
  form_ru: "программа",
  status: collected_at ? "collected" : "approved",
  status_ru: "",
  submitted_at: "",
  decided_at: "",
  collected_at,
  starts: null,
  ends: null,
  amount: null,
  indicators: "",
  requirements: "",
  content_sha256: "",
});

describe("the registry's query and sorting", () => {
  test("empty filters are left out of the query", () => {
    expect(registryQuery({})).toBe("");
    expect(registryQuery({ municipality: "krasninsky", school: "", form: undefined }, { format: "xlsx" })).toBe(
      "?municipality=krasninsky&format=xlsx",
    );
  });

  test("rows sort by text in Russian order, by number, absent values last", () => {
    const rows = [row("Суходол", 2, null), row("Красное", 10, "2026-01-02"), row("Ёлкино", 1, "2026-01-01")];
    expect(sortRows(rows, "school_name", true).map((r) => r.school_name)).toEqual(["Ёлкино", "Красное", "Суходол"]);
    expect(sortRows(rows, "round", false).map((r) => r.round)).toEqual([10, 2, 1]);
    expect(sortRows(rows, "collected_at", true).map((r) => r.school_name)).toEqual(["Ёлкино", "Красное", "Суходол"]);
    expect(sortRows(rows, "collected_at", false).at(-1)?.school_name).toBe("Суходол");
  });
});

describe("the dashboard's bars", () => {
  test("cells become one bar per municipality, statuses in the order of a document's life", () => {
    const bars = stacks({
      cells: [
        { municipality: "b", municipality_name: "Б", status: "collected", status_ru: "принят", count: 2 },
        { municipality: "a", municipality_name: "А", status: "approved", status_ru: "одобрен", count: 1 },
        { municipality: "b", municipality_name: "Б", status: "draft", status_ru: "черновик", count: 3 },
      ],
      findings: [],
    });
    expect(bars.map((b) => [b.name, b.total])).toEqual([
      ["А", 1],
      ["Б", 5],
    ]);
    expect(bars[1].parts.map((p) => p.status)).toEqual(["draft", "collected"]);
  });
});

describe("the reviewer's view", () => {
  test("values read as people write them", () => {
    expect(shownValue(null)).toBe("—");
    expect(shownValue("")).toBe("«пусто»");
    expect(shownValue(true)).toBe("да");
    expect(shownValue(12.5)).toBe("12.5");
    expect(shownValue({ a: 1 })).toContain('"a": 1');
  });

  test("a second click on a field keeps its one comment", () => {
    const once = addDraft([], "/order/number", "Номер приказа");
    const twice = addDraft(once, "/order/number", "Номер приказа");
    expect(twice).toEqual([{ pointer: "/order/number", title: "Номер приказа", text: "" }]);
    expect(addDraft(twice, "", "Документ в целом")).toHaveLength(2);
  });

  test("passages of one narrative are comments of their own, each selected once", () => {
    const field = addDraft([], "/changes/0/new_text", "Новая редакция");
    const passage = { start: 3, end: 9, quote: "ключи " };
    const on = addDraft(field, "/changes/0/new_text", "Новая редакция", passage);
    expect(on).toHaveLength(2);
    expect(on[1].passage).toEqual(passage);
    expect(addDraft(on, "/changes/0/new_text", "Новая редакция", { ...passage })).toHaveLength(2);
    expect(addDraft(on, "/changes/0/new_text", "Новая редакция", { start: 3, end: 10, quote: "ключи т" })).toHaveLength(3);
    expect(draftKey(on[1])).toBe("/changes/0/new_text@3..9");
    expect(draftKey(on[0])).toBe("/changes/0/new_text");
  });
});
