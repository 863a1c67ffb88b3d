// A narrative's plain text, as `document::narrative::blocks::plain_text` renders what
// `yxml::read` reads: one line per block; a bullet item starts with `• `, an ordered item with
// its number counted within a run of ordered items. Validation reads this form.

import * as Y from "yjs";

type Kind = "paragraph" | "bullet" | "ordered";

interface Block {
  kind: Kind;
  text: string;
}

/** The string chunks of an `XmlText` (embeds left out). */
function textOf(text: Y.XmlText): string {
  let out = "";
  for (const op of text.toDelta() as { insert: unknown }[]) {
    if (typeof op.insert === "string") out += op.insert;
  }
  return out;
}

/** Every text under `element`, in document order. */
function descendantText(element: Y.XmlElement): string {
  let out = "";
  for (const child of element.toArray()) {
    if (child instanceof Y.XmlText) out += textOf(child);
    else if (child instanceof Y.XmlElement) out += descendantText(child);
  }
  return out;
}

/** The direct texts of a paragraph or heading. */
function directText(element: Y.XmlElement): string {
  let out = "";
  for (const child of element.toArray()) if (child instanceof Y.XmlText) out += textOf(child);
  return out;
}

/** The blocks of a fragment. */
function blocks(fragment: Y.XmlFragment): Block[] {
  const out: Block[] = [];
  for (const child of fragment.toArray()) {
    if (child instanceof Y.XmlText) {
      out.push({ kind: "paragraph", text: textOf(child) });
    } else if (child instanceof Y.XmlElement) {
      const tag = child.nodeName;
      if (tag === "paragraph" || tag === "heading") {
        out.push({ kind: "paragraph", text: directText(child) });
      } else if (tag === "bulletList" || tag === "orderedList") {
        const kind: Kind = tag === "bulletList" ? "bullet" : "ordered";
        for (const item of child.toArray()) {
          if (!(item instanceof Y.XmlElement)) continue;
          const first = item.get(0);
          out.push({ kind, text: first instanceof Y.XmlElement ? directText(first) : descendantText(item) });
        }
      } else {
        out.push({ kind: "paragraph", text: descendantText(child) });
      }
    }
  }
  return out;
}

/** The plain text of `fragment`: one line per block, list items with their markers. */
export function plainText(fragment: Y.XmlFragment): string {
  let number = 0;
  return blocks(fragment)
    .map((block) => {
      if (block.kind === "ordered") {
        number += 1;
        return `${number}. ${block.text}`;
      }
      number = 0;
      return block.kind === "bullet" ? `• ${block.text}` : block.text;
    })
    .join("\n");
}

/** The names of the narratives `doc` holds (root fragments named by a pointer). */
export function narrativeKeys(doc: Y.Doc): string[] {
  return [...doc.share.keys()].filter((name) => name.startsWith("/")).sort();
}
