// Narratives in the browser: fragment names as the Rust side spells them, plain text as it
// renders it, and the document validation reads (`without_empty`).

import { next as A } from "@automerge/automerge";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { withoutEmpty } from "../../src/live";
import { narrativeKey, narrativePointer } from "../../src/narrative/keys";
import { withNarratives } from "../../src/narrative/overlay";
import { plainText } from "../../src/narrative/plain";

/** A fragment as y-prosemirror writes a TipTap StarterKit document. */
function fragment(doc: Y.Doc, name: string): Y.XmlFragment {
  const f = doc.getXmlFragment(name);
  const para = (text: string, tag = "paragraph") => {
    const el = new Y.XmlElement(tag);
    if (text) {
      const t = new Y.XmlText();
      el.insert(0, [t]);
      t.insert(0, text);
    }
    return el;
  };
  const list = (tag: string, items: string[]) => {
    const el = new Y.XmlElement(tag);
    el.insert(
      0,
      items.map((text) => {
        const item = new Y.XmlElement("listItem");
        item.insert(0, [para(text)]);
        return item;
      }),
    );
    return el;
  };
  const h = para("Причины", "heading");
  h.setAttribute("level", "3" as never);
  f.insert(0, [h, para("Первый"), list("orderedList", ["раз", "два"]), list("bulletList", ["пункт"]), para(""), list("orderedList", ["снова"])]);
  return f;
}

describe("narratives", () => {
  it("render plain text one line per block, numbering each run of ordered items", () => {
    const doc = new Y.Doc();
    const f = fragment(doc, "/causes");
    expect(plainText(f)).toBe("Причины\nПервый\n1. раз\n2. два\n• пункт\n\n1. снова");
  });

  it("name a row's narrative by the row's object id and find it again after rows move", () => {
    let doc = A.from<{ data: { rows: { text: string }[]; top: string } }>({ data: { rows: [{ text: "a" }, { text: "b" }], top: "" } });
    const id = A.getObjectId(doc.data.rows[1]);
    expect(id).toMatch(/^\d+@[0-9a-f]+$/);
    const key = narrativeKey(doc.data, ["rows", 1, "text"]);
    expect(key).toBe(`/rows/@${id}/text`);
    expect(narrativeKey(doc.data, ["top"])).toBe("/top");
    expect(narrativeKey(doc.data, ["rows", 5, "text"])).toBeNull();
    doc = A.change(doc, (d) => {
      d.data.rows.splice(0, 1);
    });
    expect(narrativePointer(doc.data, key!)).toBe("/rows/0/text");
    doc = A.change(doc, (d) => {
      d.data.rows.splice(0, 1);
    });
    expect(narrativePointer(doc.data, key!)).toBeNull();
  });

  it("lay narratives over the data and drop what is empty, as the server validates", () => {
    const doc = A.from({ data: { rows: [{ text: "", n: 1 }], other: { a: "", b: [] as string[] }, top: "x" } });
    const ydoc = new Y.Doc();
    const key = narrativeKey(doc.data, ["rows", 0, "text"])!;
    const f = ydoc.getXmlFragment(key);
    const p = new Y.XmlElement("paragraph");
    const t = new Y.XmlText();
    p.insert(0, [t]);
    t.insert(0, "из Yjs");
    f.insert(0, [p]);
    const json = withNarratives(doc.data, ydoc);
    expect(json).toEqual({ rows: [{ text: "из Yjs", n: 1 }], other: { a: "", b: [] }, top: "x" });
    expect(withoutEmpty({ rows: [{ a: "" }], other: { a: "", b: [] }, top: "x" })).toEqual({ rows: [{}], top: "x" });
  });
});
