// The Russian rendering of timings, on the cases of the Rust `forms::timing` tests: the browser
// must show a timing exactly as `ravenstvo show` does.

import { describe, expect, test } from "vitest";
import { form } from "../../src/catalogue";
import type { Field } from "../../src/schema";
import { isTimingField, parseMoment, parseTiming, timingKind, timingRussian } from "../../src/timing";

const russian = (value: unknown) => {
  const text = timingRussian(value);
  if (text === null) throw new Error(`not a timing: ${JSON.stringify(value)}`);
  return text;
};

describe("timings", () => {
  test("moments parse at three precisions and refuse unreal days", () => {
    expect(parseMoment("2025")).toEqual({ kind: "year", year: 2025 });
    expect(parseMoment("2025-09")).toEqual({ kind: "month", year: 2025, month: 9 });
    expect(parseMoment("2024-02-29")?.kind).toBe("day");
    for (const bad of ["2025-02-29", "2025-13", "2025-9", "25", "2025-09-01-01", "сентябрь", ""]) {
      expect(parseMoment(bad), bad).toBeNull();
    }
  });

  test("renders the way the sources write (the Rust cases)", () => {
    expect(russian({ from: "2022-09", to: "2022-11" })).toBe("сентябрь–ноябрь 2022");
    expect(russian({ from: "2021-09", to: "2022-05" })).toBe("сентябрь 2021 – май 2022");
    expect(russian({ at: "2025-09" })).toBe("сентябрь 2025");
    expect(russian({ at: "2025-09-01" })).toBe("1 сентября 2025 г.");
    expect(russian({ at: "2019" })).toBe("2019 год");
    expect(russian({ from: "2020", to: "2021" })).toBe("2020–2021 годы");
    expect(russian({ intervals: [{ at: "2022-02" }, { at: "2022-06" }, { at: "2022-11" }] })).toBe(
      "февраль 2022; июнь 2022; ноябрь 2022",
    );
    const words = ["during_year", "annually", "continuously", "as_needed", "separate_schedule"].map((k) =>
      russian({ recurring: k }),
    );
    expect(words).toEqual(["в течение года", "ежегодно", "постоянно", "по мере необходимости", "по отдельному графику"]);
    expect(russian({ recurring: "as_needed", note: "по запросу школ" })).toBe("по мере необходимости, по запросу школ");
  });

  test("the rest of the Rust rendering: equal ends, mixed precisions, a blank note", () => {
    expect(russian({ from: "2022-09", to: "2022-09" })).toBe("сентябрь 2022");
    expect(russian({ from: "2025", to: "2025" })).toBe("2025 год");
    expect(russian({ from: "2025-09-01", to: "2025-09-01" })).toBe("1 сентября 2025 г.");
    expect(russian({ from: "2022-09", to: "2022" })).toBe("сентябрь 2022 – 2022 год");
    expect(russian({ recurring: "weekly", note: "   " })).toBe("еженедельно");
    expect(russian({ recurring: "quarterly", note: " по итогам " })).toBe("ежеквартально, по итогам");
  });

  test("what is not a timing is refused, as the Rust parse refuses it", () => {
    for (const bad of [
      null,
      7,
      {},
      { at: "сентябрь" },
      { from: "2025-09" },
      { intervals: [] },
      { intervals: [{ from: "2025" }] },
      { recurring: "yearly" },
    ]) {
      expect(parseTiming(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  test("the document's empty texts count as unfilled, as validation reads them", () => {
    const stored = { at: "", from: "2026-02", to: "2026-04", intervals: [], note: "" };
    expect(russian(stored)).toBe("февраль–апрель 2026");
    expect(timingKind(stored)).toBe("span");
    expect(timingKind({ at: "", from: "", to: "", intervals: [], recurring: "annually" })).toBe("recurring");
    expect(timingKind({ at: "", from: "", to: "", intervals: [] })).toBe("at");
  });

  test("the plan's timing field is recognised from the schema", () => {
    const plan = form("school-programme").fields!.find((f) => f.key === "action_plan")!;
    const timing = plan.item!.fields!.find((f: Field) => f.key === "timing")!;
    expect(isTimingField(timing)).toBe(true);
    expect(isTimingField(plan.item!)).toBe(false);
  });
});
