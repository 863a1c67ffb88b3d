// A selection in a narrative's editor as a passage of the plain text the server quotes from:
// the ProseMirror document y-prosemirror makes of a fragment reads as the same plain text as
// `plainText` reads the fragment, and selections map to code-point offsets into it.

import { getSchema } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { describe, expect, it } from "vitest";
import { yXmlFragmentToProseMirrorRootNode } from "y-prosemirror";
import * as Y from "yjs";
import { passageAt, plainSpans } from "../../src/narrative/passage";
import { plainText } from "../../src/narrative/plain";

const schema = getSchema([StarterKit.configure({ history: false })]);

/** A fragment as y-prosemirror writes a TipTap StarterKit document, with marks, a heading,
 * lists (one with a nested list the plain text leaves out) and letters outside the BMP. */
function fragment(doc: Y.Doc): Y.XmlFragment {
  const f = doc.getXmlFragment("/causes");
  const para = (parts: (string | [string, Record<string, unknown>])[], tag = "paragraph") => {
    const el = new Y.XmlElement(tag);
    if (parts.length > 0) {
      const t = new Y.XmlText();
      el.insert(0, [t]);
      let at = 0;
      for (const part of parts) {
        const [text, attrs] = typeof part === "string" ? [part, {}] : part;
        t.insert(at, text, attrs);
        at += text.length;
      }
    }
    return el;
  };
  const list = (tag: string, items: Y.XmlElement[][]) => {
    const el = new Y.XmlElement(tag);
    el.insert(
      0,
      items.map((children) => {
        const item = new Y.XmlElement("listItem");
        item.insert(0, children);
        return item;
      }),
    );
    return el;
  };
  const h = para(["Причины"], "heading");
  h.setAttribute("level", "3" as never);
  f.insert(0, [
    h,
    para(["Учащиеся ", ["редко", { bold: true }], " видят 𝔸-связь ", ["предметов", { italic: true }], " с жизнью"]),
    list("orderedList", [[para(["раз"])], [para(["два"]), list("bulletList", [[para(["вложенный"])]])]]),
    list("bulletList", [[para(["пункт ёлки"])]]),
    para([]),
    list("orderedList", [[para(["снова"])]]),
  ]);
  return f;
}

/** The ProseMirror positions of the first occurrence of `words` inside one text node. */
function positions(node: ReturnType<typeof yXmlFragmentToProseMirrorRootNode>, words: string): [number, number] {
  let found: [number, number] | null = null;
  node.descendants((child, pos) => {
    const at = child.isText ? (child.text ?? "").indexOf(words) : -1;
    if (!found && at >= 0) found = [pos + at, pos + at + words.length];
    return !found;
  });
  if (!found) throw new Error(`no ${words}`);
  return found;
}

describe("passages", () => {
  const doc = new Y.Doc();
  const f = fragment(doc);
  const node = yXmlFragmentToProseMirrorRootNode(f, schema);
  const text = plainText(f);

  it("read the editor's document as the plain text the fragment renders", () => {
    expect(plainSpans(node).text).toBe(text);
    expect(text).toBe("Причины\nУчащиеся редко видят 𝔸-связь предметов с жизнью\n1. раз\n2. два\n• пункт ёлки\n\n1. снова");
  });

  it("count offsets in code points across marks, lines and list markers", () => {
    const [from] = positions(node, "редко");
    const [, to] = positions(node, "предметов");
    const passage = passageAt(node, from, to)!;
    expect(passage.quote).toBe("редко видят 𝔸-связь предметов");
    const chars = Array.from(text);
    expect(chars.slice(passage.start, passage.end).join("")).toBe(passage.quote);
    // 𝔸 is two UTF-16 units and one character: the end is one less than UTF-16 would say.
    expect(passage.end - passage.start).toBe(passage.quote.length - 1);

    const [itemFrom] = positions(node, "два");
    const [, itemTo] = positions(node, "ёлки");
    const across = passageAt(node, itemTo, itemFrom)!;
    expect(across.quote).toBe("два\n• пункт ёлки");
    expect(chars.slice(across.start, across.end).join("")).toBe(across.quote);
  });

  it("give nothing for an empty selection or one between characters only", () => {
    const [from] = positions(node, "раз");
    expect(passageAt(node, from, from)).toBeNull();
    const [, end] = positions(node, "снова");
    expect(passageAt(node, end, end + 1)).toBeNull();
  });
});
