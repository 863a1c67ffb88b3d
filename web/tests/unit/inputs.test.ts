import { describe, expect, test } from "vitest";
import { moveCaret } from "../../src/form/caret";
import { parseNumber } from "../../src/form/inputs";
import { fieldId, notes, pointerOf, tokens } from "../../src/findings";

describe("the caret when someone else's typing arrives", () => {
  test("typing before the caret moves it by the insertion", () => {
    expect(moveCaret("мир", "новый мир", 3, 3)).toEqual([9, 9]);
  });
  test("typing after the caret leaves it", () => {
    expect(moveCaret("мир", "мир вам", 1, 2)).toEqual([1, 2]);
  });
  test("a deletion around the caret puts it at the deletion", () => {
    expect(moveCaret("абвгд", "ад", 2, 2)).toEqual([1, 1]);
  });
  test("an unchanged text keeps the selection", () => {
    expect(moveCaret("abc", "abc", 0, 3)).toEqual([0, 3]);
  });
});

describe("numbers as people type them", () => {
  test("decimal commas, spaces between thousands, signs", () => {
    expect(parseNumber("12,5", false)).toBe(12.5);
    expect(parseNumber("1 000", true)).toBe(1000);
    expect(parseNumber("-3", true)).toBe(-3);
  });
  test("what is not a number is refused", () => {
    expect(parseNumber("12,5", true)).toBeNull();
    expect(parseNumber("abc", false)).toBeNull();
    expect(parseNumber("1e5", false)).toBeNull();
    expect(parseNumber("", false)).toBeNull();
  });
});

describe("pointers and notes", () => {
  test("pointers round-trip their tokens", () => {
    const path = ["a/b", "c~d", 3];
    expect(tokens(pointerOf(path))).toEqual(["a/b", "c~d", "3"]);
    expect(tokens("")).toEqual([]);
  });
  test("field ids are unique per pointer and valid", () => {
    expect(fieldId("/goals/0")).toBe("f-goals-0");
    expect(fieldId("")).toBe("f-root");
  });
  test("a report's findings and a return's comments land at their pointers", () => {
    const byField = notes(
      {
        valid: false, form: "f", form_version: "1", region: "r", requirements_id: "r/f", requirements_version: "1",
        errors: [{ pointer: "/title", rule: "schema.minLength", message: "коротко", severity: "error" }],
        warnings: [{ pointer: "/goals", rule: "x", message: "мало", severity: "warning" }],
      },
      [{ pointer: "/title", text: "уточните" }],
    );
    expect(byField.at("/title")).toEqual([
      { kind: "error", text: "коротко" },
      { kind: "comment", text: "уточните" },
    ]);
    expect(byField.at("/goals")).toEqual([{ kind: "warning", text: "мало" }]);
    expect(byField.at("/other")).toEqual([]);
  });
});

describe("the sync address", () => {
  test("carries the token and the peer id, over wss on https", async () => {
    const { syncUrl } = await import("../../src/sync");
    const plain = new URL(syncUrl("t&1", "u:editor:b-1", { protocol: "http:", host: "127.0.0.1:8080" } as Location));
    expect(plain.protocol).toBe("ws:");
    expect(plain.pathname).toBe("/sync");
    expect(plain.searchParams.get("token")).toBe("t&1");
    expect(plain.searchParams.get("peer")).toBe("u:editor:b-1");
    expect(syncUrl("t", "p", { protocol: "https:", host: "example.org" } as Location)).toMatch(/^wss:\/\/example\.org\/sync\?/);
  });
});
