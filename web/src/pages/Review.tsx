// The municipal reviewer's part of a document page: what changed since the round the reviewer
// last decided (old and new values side by side), the comments being written (each started by
// clicking a field of the form), approve or return; and the history of rounds every role sees.

import { useEffect, useMemo, useState } from "preact/hooks";
import { Api, ApiError, type CommentView, type DiffView, type DocumentDetail } from "../api";
import type { SelectedPassage } from "../narrative/passage";
import { formatTime } from "./Home";

/** A comment being written, at a field (`pointer`, `""` for the whole document), or at a
 * passage of a narrative field's text. */
export interface DraftComment {
  pointer: string;
  title: string;
  text: string;
  /** The words selected, with their offsets into the narrative's plain text. */
  passage?: SelectedPassage;
}

/** What tells drafts apart: their field and, for a passage, its offsets. */
export function draftKey(draft: { pointer: string; passage?: { start: number; end: number } }): string {
  return draft.passage ? `${draft.pointer}@${draft.passage.start}..${draft.passage.end}` : draft.pointer;
}

/** The words a comment is on, as the school and the reviewer read them under the comment. */
export function Quote(props: { comment: Pick<CommentView, "quote"> }) {
  if (!props.comment.quote) return null;
  return (
    <blockquote class="quote">
      <span class="quote-label">к отрывку: </span>«{props.comment.quote}»
    </blockquote>
  );
}

/** A value of the document as a person reads it in the side-by-side view. */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value === "" ? "«пусто»" : value;
  if (typeof value === "boolean") return value ? "да" : "нет";
  if (typeof value === "number") return String(value);
  return JSON.stringify(value, null, 1);
}

/** The Russian name of a change's kind. */
const KIND_RU: Record<string, string> = { added: "добавлено", removed: "удалено", changed: "изменено" };

/** The Russian name of a decision. */
export const VERDICT_RU: Record<string, string> = { approved: "одобрен", returned: "возвращён на доработку" };

/** What changed since the round the reviewer last decided, old and new side by side. */
export function ChangesPanel(props: { api: Api; id: string; round: number }) {
  const [diff, setDiff] = useState<DiffView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    props.api
      .diff(props.id)
      .then((d) => live && setDiff(d))
      .catch((e) => live && setError(e instanceof ApiError ? e.message : String((e as Error).message)));
    return () => {
      live = false;
    };
  }, [props.id, props.round]);

  const title = diff?.from_round
    ? `Что изменилось с раунда ${diff.from_round}, по которому вы принимали решение`
    : "Содержимое документа (вы ещё не принимали по нему решений)";
  return (
    <section class="card changes" aria-labelledby="changes-title">
      <h2 id="changes-title">{diff ? title : "Что изменилось"}</h2>
      {error && <p class="note error">{error}</p>}
      {!diff && !error && <p>Загрузка…</p>}
      {diff && diff.changes.length === 0 && <p>Изменений нет.</p>}
      {diff && diff.changes.length > 0 && (
        <details open={diff.from_round !== null}>
          <summary>Изменений: {diff.changes.length}</summary>
          <table class="diff">
            <thead>
              <tr>
                <th scope="col">Поле</th>
                <th scope="col">Что</th>
                <th scope="col">Было</th>
                <th scope="col">Стало</th>
              </tr>
            </thead>
            <tbody>
              {diff.changes.map((c, i) => (
                <tr key={i} class={`change-${c.kind}`}>
                  <th scope="row">{c.field || c.pointer}</th>
                  <td>{KIND_RU[c.kind] ?? c.kind}</td>
                  <td class="old">{c.kind === "added" ? "—" : shownValue(c.old)}</td>
                  <td class="new">{c.kind === "removed" ? "—" : shownValue(c.new)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}

/** The reviewer's decision: the comments written so far, approve or return. */
export function DecisionPanel(props: {
  api: Api;
  id: string;
  drafts: DraftComment[];
  setDrafts: (next: DraftComment[]) => void;
  onDecided: (message: string) => void;
}) {
  const { drafts, setDrafts } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const update = (index: number, text: string) => setDrafts(drafts.map((d, i) => (i === index ? { ...d, text } : d)));
  const remove = (index: number) => setDrafts(drafts.filter((_, i) => i !== index));

  const decide = async (verdict: "approve" | "return") => {
    const comments = drafts
      .filter((d) => d.text.trim() !== "")
      .map((d) => ({
        pointer: d.pointer,
        text: d.text.trim(),
        ...(d.passage ? { passage: { start: d.passage.start, end: d.passage.end } } : {}),
      }));
    if (verdict === "return" && comments.length === 0) {
      setError("чтобы вернуть документ, напишите хотя бы одно замечание: нажмите «Замечание» у поля");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const after = await props.api.review(props.id, verdict, verdict === "return" ? comments : []);
      setDrafts([]);
      props.onDecided(`Решение принято: ${after.status_ru}.`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card decision" aria-labelledby="decision-title">
      <h2 id="decision-title">Решение</h2>
      <p class="description">
        Чтобы написать замечание к полю, нажмите «Замечание» рядом с ним в документе ниже; к части текста — выделите её
        и нажмите «Комментарий к выделенному».
      </p>
      {drafts.length > 0 && (
        <ol class="drafts">
          {drafts.map((d, i) => (
            <li key={`${draftKey(d)}-${i}`}>
              <label for={`draft-${i}`}>{d.title}</label>
              {d.passage && <Quote comment={d.passage} />}
              <textarea
                id={`draft-${i}`}
                data-pointer={d.pointer}
                data-draft={draftKey(d)}
                value={d.text}
                rows={2}
                onInput={(e) => update(i, (e.currentTarget as HTMLTextAreaElement).value)}
              />
              <button type="button" class="danger" aria-label={`Убрать замечание к полю «${d.title}»`} onClick={() => remove(i)}>
                Убрать
              </button>
            </li>
          ))}
        </ol>
      )}
      <div class="actions">
        <button
          type="button"
          onClick={() => {
            setDrafts(addDraft(drafts, "", "Документ в целом"));
            focusDraft("");
          }}
        >
          Замечание к документу в целом
        </button>
        <button type="button" class="primary" disabled={busy} onClick={() => decide("approve")}>
          Одобрить
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => decide("return")}>
          Вернуть на доработку
        </button>
      </div>
      {error && (
        <p class="note error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** The drafts with one at `pointer` (on `passage` of its text, if given) added, unless one is
 * there already. */
export function addDraft(drafts: DraftComment[], pointer: string, title: string, passage?: SelectedPassage): DraftComment[] {
  const draft: DraftComment = { pointer, title, text: "", ...(passage ? { passage } : {}) };
  return drafts.some((d) => draftKey(d) === draftKey(draft)) ? drafts : [...drafts, draft];
}

/** Moves the focus to the box of the draft comment at `pointer` (on `passage`), once it is drawn. */
export function focusDraft(pointer: string, passage?: SelectedPassage): void {
  const key = draftKey({ pointer, passage });
  setTimeout(() => document.querySelector<HTMLElement>(`textarea[data-draft="${CSS.escape(key)}"]`)?.focus(), 0);
}

/** Every round of the document with its submission and its decision. */
export function RoundsPanel(props: { detail: DocumentDetail }) {
  const rounds = useMemo(() => [...props.detail.submissions].reverse(), [props.detail.submissions]);
  if (rounds.length === 0) return null;
  return (
    <details class="card rounds">
      <summary>История раундов: {rounds.length}</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Раунд</th>
            <th scope="col">Подан</th>
            <th scope="col">Решение</th>
            <th scope="col">Замечания</th>
          </tr>
        </thead>
        <tbody>
          {rounds.map((s) => (
            <tr key={s.round}>
              <td>{s.round}</td>
              <td>
                {s.submitted_by}, {formatTime(s.submitted_at)}
              </td>
              <td>
                {s.verdict ? `${VERDICT_RU[s.verdict] ?? s.verdict} — ${s.reviewed_by ?? ""}, ${formatTime(s.decided_at)}` : "ждёт решения"}
              </td>
              <td>
                {s.comments.length === 0
                  ? "—"
                  : s.comments.map((c, i) => (
                      <div key={i} class="round-comment">
                        {c.field ? `${c.field}: ` : ""}
                        {c.text}
                        <Quote comment={c} />
                      </div>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
