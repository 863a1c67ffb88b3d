// The campaign pages' small helpers: Russian dates and how a row is marked.

import { describe, expect, it } from "vitest";
import { type ObligationRow, rowClass, russianDate } from "../../src/campaigns";

const row = (over: Partial<ObligationRow>): ObligationRow => ({
  school: "krasnoe",
  school_name: "МБОУ СОШ с. Красное",
  municipality: "krasninsky",
  municipality_name: "Краснинский муниципальный район",
  category: "supported",
  category_ru: "школа с низкими результатами",
  form: "school-programme",
  form_ru: "программа",
  document: "d",
  status: "draft",
  status_ru: "черновик",
  submitted_at: null,
  approved_at: null,
  missing: false,
  late_submission: false,
  late_decision: false,
  summary_ru: "в работе",
  ...over,
});

describe("campaign rows", () => {
  it("reads dates and timestamps the Russian way", () => {
    expect(russianDate("2026-09-30")).toBe("30.09.2026");
    expect(russianDate("2001-01-10T09:00:00.000Z")).toBe("10.01.2001");
    expect(russianDate(null)).toBe("");
  });

  it("marks missing before late, and approved rows as done", () => {
    expect(rowClass(row({ missing: true, late_submission: true, document: null, status: null }))).toBe("missing");
    expect(rowClass(row({ late_submission: true }))).toBe("late");
    expect(rowClass(row({ status: "submitted", late_decision: true }))).toBe("late");
    expect(rowClass(row({ status: "collected" }))).toBe("done");
    expect(rowClass(row({}))).toBe("");
  });
});
