// The forms 2.0.0 shapes the form pages edit: fields of several shapes (the curator named or
// «назначается»), picking a shape keeping only its data, and plan rows numbered by section.

import { next as A } from "@automerge/automerge/slim";
import { beforeAll, describe, expect, test } from "vitest";
import { form, formVersion } from "../../src/catalogue";
import { addRow, type FormDoc, newDocument, plain, setText } from "../../src/edit";
import { addInterval, keepOnly } from "../../src/form/TimingField";
import { filledVariant, pickVariant } from "../../src/form/VariantField";
import { documentNumber, startsSection } from "../../src/form/rowNumber";
import { timingRussian } from "../../src/timing";
import { automerge } from "./setup";

beforeAll(automerge);

const programme = form("school-programme");
const curator = programme.fields!.find((f) => f.key === "curator")!;

describe("forms 2.0.0 shapes", () => {
  test("the curator is read as two shapes: a person, or pending with who assigns", () => {
    expect(curator.kind).toBe("section");
    const [named, pending] = curator.variants!;
    expect(named.fields!.map((f) => f.key)).toContain("full_name");
    expect(pending.fields!.find((f) => f.key === "pending")).toMatchObject({ kind: "boolean", constant: true });
    expect(filledVariant(curator.variants!, { full_name: "Иванова И. И." })).toBe(0);
    expect(filledVariant(curator.variants!, { pending: true })).toBe(1);
    expect(filledVariant(curator.variants!, { full_name: "" })).toBe(-1);
  });

  test("picking «назначается» drops the person's fields and sets pending; picking back drops pending", () => {
    let doc = A.change(A.init<FormDoc>(), (d) => {
      Object.assign(d, newDocument(programme, "school-programme", formVersion("school-programme"), "lipetsk"));
      setText(d, ["curator", "full_name"], "Иванова Ирина Ивановна");
      setText(d, ["curator", "position"], "методист");
    });
    const [named, pending] = curator.variants!;
    doc = A.change(doc, (d) => pickVariant(d, ["curator"], curator, pending));
    expect(plain(doc.data.curator)).toEqual({ pending: true });
    doc = A.change(doc, (d) => {
      setText(d, ["curator", "assigned_by"], "Министерство образования");
      pickVariant(d, ["curator"], curator, named);
    });
    expect(plain(doc.data.curator)).toEqual({});
  });

  test("plan rows are numbered as the document numbers them, grouped by section", () => {
    const rows = [
      { section: "2026 год", number: "1" },
      { section: "2026 год", number: "2" },
      { section: "2027 год", number: "1" },
      { number: "3" },
    ];
    expect(rows.map(documentNumber)).toEqual(["2026 год, № 1", "2026 год, № 2", "2027 год, № 1", "№ 3"]);
    expect(rows.map((_, i) => startsSection(rows, i))).toEqual([true, false, true, false]);
  });
});

describe("the timing editor's edits", () => {
  const plan = programme.fields!.find((f) => f.key === "action_plan")!;

  test("switching the shape keeps only that shape's data; periods are added as texts", () => {
    const path = ["action_plan", 0, "timing"];
    let doc = A.change(A.init<FormDoc>(), (d) => {
      Object.assign(d, newDocument(programme, "school-programme", formVersion("school-programme"), "lipetsk"));
      addRow(d, ["action_plan"], plan);
      setText(d, [...path, "from"], "2026-02");
      setText(d, [...path, "to"], "2026-04");
      setText(d, [...path, "note"], "по плану");
    });
    doc = A.change(doc, (d) => keepOnly(d, path, "intervals"));
    doc = A.change(doc, (d) => {
      setText(d, [...path, "intervals", 0, "from"], "2026-09");
      setText(d, [...path, "intervals", 0, "to"], "2026-10");
      addInterval(d, path);
      setText(d, [...path, "intervals", 1, "from"], "2027-03");
      setText(d, [...path, "intervals", 1, "to"], "2027-03");
    });
    const timing = plain((doc.data.action_plan as Record<string, unknown>[])[0].timing) as Record<string, unknown>;
    expect(timing).toMatchObject({ from: "", to: "", note: "по плану" });
    expect(timingRussian(timing)).toBe("сентябрь–октябрь 2026; март 2027, по плану");
    doc = A.change(doc, (d) => keepOnly(d, path, "recurring"));
    const after = plain((doc.data.action_plan as Record<string, unknown>[])[0].timing) as Record<string, unknown>;
    expect(after.intervals).toEqual([]);
  });
});
