// The narrative editor: TipTap's StarterKit (paragraphs, headings, lists, bold, italic) bound
// to the field's fragment of the document's Y.Doc with y-prosemirror, showing the other
// people's cursors and names. Loaded lazily: TipTap and ProseMirror are a chunk of their own.

import { Editor } from "@tiptap/core";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCursor from "@tiptap/extension-collaboration-cursor";
import StarterKit from "@tiptap/starter-kit";
import { useEffect, useRef, useState } from "preact/hooks";
import { type SelectedPassage, passageAt, plainSpans } from "./passage";
import { plainText } from "./plain";
import type { SharedNarratives } from "./shared";

/** What the editor of one narrative field needs. */
export interface NarrativeEditorProps {
  /** The DOM id of the editable area (the field's label points at it). */
  id: string;
  /** The fragment's name (`narrativeKey`). */
  fragment: string;
  shared: SharedNarratives;
  readOnly: boolean;
  /** Ids of the label, description and notes. */
  labelledBy: string;
  describedBy?: string;
  invalid: boolean;
  /** The field's text as the Automerge document holds it (written before narratives moved to
   * Yjs): put into an empty narrative once the server's copy is known to be empty too. */
  legacyText: string;
  /** A reviewer's page: starts a comment on the passage selected in the read-only text. */
  onPassage?: (passage: SelectedPassage) => void;
}

/** A toolbar button: its label, what it does, and whether it is on at the cursor. */
interface Tool {
  label: string;
  text: string;
  run: (editor: Editor) => void;
  active: (editor: Editor) => boolean;
}

const TOOLS: Tool[] = [
  { label: "Жирный", text: "Ж", run: (e) => e.chain().focus().toggleBold().run(), active: (e) => e.isActive("bold") },
  { label: "Курсив", text: "К", run: (e) => e.chain().focus().toggleItalic().run(), active: (e) => e.isActive("italic") },
  {
    label: "Заголовок",
    text: "Заголовок",
    run: (e) => e.chain().focus().toggleHeading({ level: 3 }).run(),
    active: (e) => e.isActive("heading"),
  },
  {
    label: "Маркированный список",
    text: "• Список",
    run: (e) => e.chain().focus().toggleBulletList().run(),
    active: (e) => e.isActive("bulletList"),
  },
  {
    label: "Нумерованный список",
    text: "1. Список",
    run: (e) => e.chain().focus().toggleOrderedList().run(),
    active: (e) => e.isActive("orderedList"),
  },
];

/** Paragraphs of ProseMirror JSON, one per line of `text`. */
function paragraphs(text: string) {
  return {
    type: "doc",
    content: text.split("\n").map((line) => ({
      type: "paragraph",
      ...(line ? { content: [{ type: "text", text: line }] } : {}),
    })),
  };
}

/** The editor of one narrative field. */
export default function NarrativeEditor(props: NarrativeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [, setTick] = useState(0);
  const { shared, fragment } = props;

  useEffect(() => {
    const user = shared.provider.awareness.getLocalState()?.user as { name: string; color: string } | undefined;
    const created = new Editor({
      element: host.current!,
      editable: !props.readOnly,
      extensions: [
        StarterKit.configure({ history: false }),
        Collaboration.configure({ document: shared.doc, field: fragment }),
        CollaborationCursor.configure({ provider: shared.provider, user }),
      ],
      editorProps: {
        attributes: {
          id: props.id,
          class: "narrative-text",
          role: "textbox",
          "aria-multiline": "true",
          "aria-labelledby": props.labelledBy,
          ...(props.describedBy ? { "aria-describedby": props.describedBy } : {}),
          ...(props.invalid ? { "aria-invalid": "true" } : {}),
        },
      },
    });
    const redraw = () => setTick((n) => n + 1);
    created.on("transaction", redraw);
    setEditor(created);
    return () => {
      created.off("transaction", redraw);
      created.destroy();
    };
  }, [shared, fragment]);

  useEffect(() => {
    editor?.setEditable(!props.readOnly);
  }, [editor, props.readOnly]);

  useEffect(() => {
    if (!editor) return;
    editor.setOptions({
      editorProps: {
        ...editor.options.editorProps,
        attributes: {
          ...(editor.options.editorProps.attributes as Record<string, string>),
          "aria-invalid": props.invalid ? "true" : "false",
          ...(props.describedBy ? { "aria-describedby": props.describedBy } : {}),
        },
      },
    });
  }, [editor, props.invalid, props.describedBy]);

  // A narrative still held only in the Automerge document is moved into the editor once the
  // server's narratives are known (so it is not seeded twice by two replicas one after another).
  useEffect(() => {
    if (!editor || props.readOnly || !props.legacyText) return;
    let done = false;
    const seed = () => {
      if (done || !shared.synced() || editor.isDestroyed) return;
      done = true;
      if (shared.doc.getXmlFragment(fragment).length === 0) editor.commands.setContent(paragraphs(props.legacyText));
    };
    const unsubscribe = shared.subscribe(seed);
    seed();
    return unsubscribe;
  }, [editor, shared, fragment, props.legacyText, props.readOnly]);

  // The reviewer's selection in the read-only text, as a passage of its plain text. The DOM
  // selection is read rather than ProseMirror's: a view that is not editable does not follow it.
  const [selected, setSelected] = useState<SelectedPassage | null>(null);
  const selecting = props.readOnly && props.onPassage !== undefined;
  useEffect(() => {
    if (!editor || !selecting) return;
    const read = () => {
      const selection = document.getSelection();
      const dom = editor.view.dom;
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return setSelected(null);
      const range = selection.getRangeAt(0);
      if (!dom.contains(range.startContainer) || !dom.contains(range.endContainer)) return setSelected(null);
      try {
        const from = editor.view.posAtDOM(range.startContainer, range.startOffset);
        const to = editor.view.posAtDOM(range.endContainer, range.endOffset);
        const doc = editor.state.doc;
        // Offsets are only sent when the editor reads as the fragment does (it always should).
        const same = plainSpans(doc).text === plainText(shared.doc.getXmlFragment(fragment));
        setSelected(same ? passageAt(doc, from, to) : null);
      } catch {
        setSelected(null);
      }
    };
    document.addEventListener("selectionchange", read);
    return () => document.removeEventListener("selectionchange", read);
  }, [editor, selecting, shared, fragment]);

  return (
    <div class="narrative">
      {selecting && (
        // Always drawn while the reviewer may select: a row appearing under a dragging mouse
        // would move the text and the selection's end with it.
        <div class="passage-actions">
          <button
            type="button"
            class="comment-button"
            disabled={!selected}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => {
              if (!selected) return;
              props.onPassage?.(selected);
              document.getSelection()?.removeAllRanges();
              setSelected(null);
            }}
          >
            Комментарий к выделенному
          </button>
          <span class="passage-preview">
            {selected ? `«${selected.quote}»` : "выделите слова текста, чтобы прокомментировать отрывок"}
          </span>
        </div>
      )}
      {!props.readOnly && (
        <div class="narrative-toolbar" role="toolbar" aria-label="Оформление текста">
          {TOOLS.map((tool) => (
            <button
              key={tool.label}
              type="button"
              aria-label={tool.label}
              title={tool.label}
              aria-pressed={editor ? tool.active(editor) : false}
              disabled={!editor}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => editor && tool.run(editor)}
            >
              {tool.text}
            </button>
          ))}
        </div>
      )}
      <div ref={host} class="narrative-host" />
    </div>
  );
}
