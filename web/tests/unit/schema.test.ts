import { describe, expect, test } from "vitest";
import { FORM_IDS, form, formVersion, hasMentor } from "../../src/catalogue";
import { containers, type Field } from "../../src/schema";

const child = (field: Field, key: string) => {
  const found = field.fields?.find((f) => f.key === key);
  if (!found) throw new Error(`no ${key} in ${field.key}`);
  return found;
};

describe("the forms read from their schemas", () => {
  test("every form reads, with Russian titles on every field", () => {
    for (const id of FORM_IDS) {
      const root = form(id);
      expect(root.kind).toBe("section");
      expect(root.fields!.length).toBeGreaterThan(5);
      const walk = (field: Field) => {
        expect(field.title, `${id}: ${field.key}`).toMatch(/[А-Яа-яЁё]/);
        field.fields?.forEach(walk);
      };
      root.fields!.forEach(walk);
    }
  });

  test("kinds follow the schema: texts, dates through $ref, numbers, lists, tables, choices", () => {
    const programme = form("school-programme");
    expect(child(programme, "title").kind).toBe("text");
    const period = child(programme, "period");
    expect(period.kind).toBe("section");
    expect(period.title).toBe("Срок реализации программы");
    expect(child(period, "start")).toMatchObject({ kind: "date", title: "Начало", required: true });
    expect(child(child(programme, "school_profile"), "pupils")).toMatchObject({ kind: "integer", minimum: 1 });
    expect(child(programme, "goals")).toMatchObject({ kind: "list", item: { kind: "text" } });
    const plan = child(programme, "action_plan");
    expect(plan.kind).toBe("table");
    expect(plan.item!.fields!.map((f) => f.key)).toContain("activity");
    const direction = child(plan.item!, "direction");
    expect(direction.kind).toBe("choice");
    expect(direction.choices!.length).toBeGreaterThan(2);
    expect(direction.choices![0].title).toMatch(/[А-Яа-я]/);
    expect(child(programme, "self_diagnosis").kind).toBe("section");
  });

  test("the schema's order is kept", () => {
    const keys = form("school-programme").fields!.map((f) => f.key);
    expect(keys.slice(0, 5)).toEqual(["title", "school", "mentor_school", "school_profile", "period"]);
  });

  test("containers hold every section, table, list and text, and no scalar", () => {
    const made = containers(form("school-programme")) as Record<string, unknown>;
    expect(made.title).toBe("");
    expect(made.goals).toEqual([]);
    expect(made.action_plan).toEqual([]);
    expect(made.period).toEqual({});
    expect((made.school as Record<string, unknown>).name).toBe("");
    expect((made.school as Record<string, Record<string, unknown>>).director.full_name).toBe("");
    expect("pupils" in (made.school_profile as object)).toBe(false);
  });

  test("versions and mentors", () => {
    expect(formVersion("school-programme")).toMatch(/^\d+\.\d+\.\d+$/);
    expect(hasMentor("school-programme")).toBe(true);
    expect(hasMentor("stimulus-policy-change")).toBe(false);
  });
});
