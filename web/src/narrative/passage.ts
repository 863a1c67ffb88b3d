// A selection in a narrative's editor as a passage of its plain text: the character offsets a
// reviewer's comment sends (`api.Passage`) and the words they cover. The editor's document is
// ProseMirror's view of the same Yjs fragment `plain.ts` reads, so walking its blocks the way
// `plain.ts` walks the fragment gives the same text; each text node's place in it maps
// ProseMirror positions to offsets. Offsets are counted in code points, as the server counts
// Rust `char`s, not in the UTF-16 units JavaScript strings index by.

import type { Node as PMNode } from "@tiptap/pm/model";

/** A selected passage: its offsets in code points (`end` not included) and its words. */
export interface SelectedPassage {
  start: number;
  end: number;
  quote: string;
}

/** A text node of the document: where it starts in ProseMirror and in the plain text (UTF-16). */
interface Span {
  pm: number;
  plain: number;
  length: number;
}

/** The plain text of a ProseMirror document (as `plainText` renders the fragment it shows)
 * with the place of every text node that contributes to it. */
export function plainSpans(doc: PMNode): { text: string; spans: Span[] } {
  let text = "";
  const spans: Span[] = [];
  let lines = 0;
  let number = 0;
  const line = (marker: string) => {
    if (lines > 0) text += "\n";
    lines += 1;
    text += marker;
  };
  /** The text nodes under `node`, whose content starts at `start`. */
  const texts = (node: PMNode, start: number) => {
    node.descendants((child, offset) => {
      if (child.isText && child.text) {
        spans.push({ pm: start + offset, plain: text.length, length: child.text.length });
        text += child.text;
      }
      return true;
    });
  };
  doc.forEach((block, offset) => {
    const name = block.type.name;
    if (name === "bulletList" || name === "orderedList") {
      block.forEach((item, itemOffset) => {
        if (name === "orderedList") number += 1;
        else number = 0;
        line(name === "orderedList" ? `${number}. ` : "• ");
        const at = offset + 1 + itemOffset + 1;
        const first = item.firstChild;
        // As `plain.ts`: an item's first block is its line; nested lists are not read.
        if (first && !first.isText) texts(first, at + 1);
        else texts(item, at);
      });
    } else {
      number = 0;
      line("");
      texts(block, offset + 1);
    }
  });
  return { text, spans };
}

/** The passage between ProseMirror positions `from` and `to` of `doc`, or `null` when the
 * selection covers no character of the plain text. */
export function passageAt(doc: PMNode, from: number, to: number): SelectedPassage | null {
  const { text, spans } = plainSpans(doc);
  return passageIn(text, spans, Math.min(from, to), Math.max(from, to));
}

function passageIn(text: string, spans: Span[], from: number, to: number): SelectedPassage | null {
  const first = spans.find((s) => s.pm + s.length > from);
  const last = [...spans].reverse().find((s) => s.pm < to);
  if (!first || !last) return null;
  const start16 = first.plain + Math.max(0, from - first.pm);
  const end16 = last.plain + Math.min(to - last.pm, last.length);
  if (start16 >= end16) return null;
  const start = Array.from(text.slice(0, start16)).length;
  const quote = text.slice(start16, end16);
  return { start, end: start + Array.from(quote).length, quote };
}
