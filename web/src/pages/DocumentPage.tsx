// One document: its form rendered from the schema, edited offline in the browser's replica;
// its state and round, submission (the server's report shown at the fields), the directors'
// signatures, a returned document's comments at their fields, and the findings panel.

import { next as A } from "@automerge/automerge/slim";
import { type DocHandle, stringifyAutomergeUrl } from "@automerge/automerge-repo/slim";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Api, ApiError, type DocumentDetail } from "../api";
import { Link } from "../app";
import { form, formTitle, isForm } from "../catalogue";
import type { FormDoc } from "../edit";
import { fieldId, type Finding, isReport, notes, type Report, tokens } from "../findings";
import { type FormContext, FormView } from "../form/FormView";
import { narrativeKey } from "../narrative/keys";
import type { SelectedPassage } from "../narrative/passage";
import { validationInput } from "../live";
import { SharedNarratives } from "../narrative/shared";
import { validate } from "../rules";
import { browserCatalogue } from "../rules/bundled";
import type { Field } from "../schema";
import { recall, remember } from "../session";
import type { Replica } from "../sync";
import { sessions } from "../history";
import { changeMessage, formatTime } from "./Home";
import { addDraft, ChangesPanel, DecisionPanel, type DraftComment, focusDraft, Quote, RoundsPanel } from "./Review";

/** How long opening a document waits for it (IndexedDB, then the server), ms. */
const OPEN_TIMEOUT_MS = 20000;
/** How long typing must pause before the document is validated again, ms. */
export const VALIDATE_DELAY_MS = 300;
/** How often the document's record is asked of the server while it is open, ms. */
const POLL_MS = 4000;

/**
 * The pointer of the field that shows a finding at `pointer`: the longest prefix naming a
 * field the form shows (a row that exists, a key the schema has).
 */
export function shownPointer(root: Field, data: unknown, pointer: string): string {
  let field: Field | undefined = root;
  let value: unknown = data;
  let shown = "";
  let current = "";
  for (const token of tokens(pointer)) {
    if (!field) break;
    if (field.kind === "section") {
      field = field.fields?.find((f) => f.key === token);
      value = value && typeof value === "object" ? (value as Record<string, unknown>)[token] : undefined;
    } else if (field.kind === "table" || field.kind === "list") {
      const index = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : -1;
      if (!Array.isArray(value) || index < 0 || index >= value.length) break;
      value = value[index];
      field = field.item;
    } else break;
    if (!field) break;
    current += "/" + token.replaceAll("~", "~0").replaceAll("/", "~1");
    shown = current;
  }
  return shown;
}

/** Moves the focus to the field at `pointer` (its input, or its block). */
export function jumpTo(pointer: string): void {
  const id = fieldId(pointer);
  const target = document.getElementById(id) ?? document.getElementById(`${id}-block`);
  if (!target) return;
  target.scrollIntoView({ block: "center" });
  if (target.tabIndex < 0 && !["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(target.tagName)) {
    target.tabIndex = -1;
  }
  target.focus();
}

/** The document page. */
export function DocumentPage(props: { id: string; replica: Replica; onExpired: () => void }) {
  const { replica, id } = props;
  const api = useMemo(() => new Api(replica.session.token), [replica]);
  const [handle, setHandle] = useState<DocHandle<FormDoc> | null>(null);
  const [doc, setDoc] = useState<FormDoc | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const [detail, setDetail] = useState<DocumentDetail | null>(() => recall(`detail.${replica.session.user}.${id}`));
  const [report, setReport] = useState<Report | null>(null);
  const [message, setMessage] = useState<{ kind: "ok" | "error" | "warning"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [drafts, setDrafts] = useState<DraftComment[]>([]);
  const [shared, setShared] = useState<SharedNarratives | null>(null);
  /** Bumped on every change of the narratives, to validate again. */
  const [narrativesVersion, setNarrativesVersion] = useState(0);
  const latest = useRef<FormDoc | null>(null);
  latest.current = doc;

  useEffect(() => {
    const opened = new SharedNarratives(replica.session, id);
    setShared(opened);
    const unsubscribe = opened.subscribe(() => {
      setNarrativesVersion((n) => n + 1);
      replica.refresh();
    });
    const uncount = replica.countPending(() => opened.pending());
    return () => {
      unsubscribe();
      uncount();
      opened.destroy();
    };
  }, [id, replica]);

  useEffect(() => {
    let live = true;
    let opened: DocHandle<FormDoc> | null = null;
    const changed = ({ doc: next }: { doc: FormDoc }) => setDoc(next);
    const signal = AbortSignal.timeout(OPEN_TIMEOUT_MS);
    replica
      .find<FormDoc>(stringifyAutomergeUrl(id as never), signal)
      .then((found) => {
        if (!live) return;
        opened = found;
        replica.watch(found as DocHandle<unknown>);
        setHandle(found);
        setDoc(found.doc());
        found.on("change", changed);
      })
      .catch(() => {
        if (live) setOpenError("Документ не найден: его нет в этом браузере, а сервер его не дал — нет связи или нет доступа.");
      });
    return () => {
      live = false;
      opened?.off("change", changed);
    };
  }, [id, replica]);

  const refresh = useCallback(async () => {
    try {
      const fresh = await api.document(id);
      remember(`detail.${replica.session.user}.${id}`, fresh);
      setDetail(fresh);
      if (fresh.heads.length) replica.noteServerHeads(id, fresh.heads);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) props.onExpired();
    }
  }, [api, id]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const change = useCallback(
    (edit: (doc: FormDoc) => void) => {
      handle?.change((d) => edit(d), {
        message: changeMessage(replica, "правка в браузере"),
        time: Math.floor(Date.now() / 1000),
      });
    },
    [handle, replica],
  );

  const formId = doc ? String(doc.form) : null;
  const municipality = doc ? (doc as unknown as Record<string, unknown>).municipality : undefined;

  // Validation as you type: the browser's rule runner on the data with the narratives' plain
  // text, a moment after the last edit. The server's report at submission replaces it until
  // the next edit.
  useEffect(() => {
    // A read-only document shows the server's report on its last submission instead.
    if (!doc || !formId || !isForm(formId) || (detail && !detail.permissions.includes("write"))) return;
    const timer = setTimeout(() => {
      const data = validationInput(doc.data, shared?.doc ?? null);
      try {
        setReport(
          validate(
            browserCatalogue(),
            formId,
            String(doc.region),
            data,
            municipality === undefined || municipality === null ? undefined : String(municipality),
          ),
        );
      } catch (e) {
        console.warn("проверка в браузере не удалась:", e);
      }
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [doc, shared, narrativesVersion, formId, detail?.permissions.includes("write")]);

  const root = formId && isForm(formId) ? form(formId) : null;
  const permissions = detail?.permissions ?? [];
  const readOnly = !permissions.includes("write");
  const returned = detail?.status === "returned" ? detail.submissions[detail.submissions.length - 1] : undefined;
  const comments = returned?.comments ?? [];

  const shown = useMemo(() => {
    if (!root || !doc) return notes(null, []);
    const place = (pointer: string) => shownPointer(root, doc.data, pointer);
    const mapped = report
      ? {
          ...report,
          errors: report.errors.map((f) => ({ ...f, pointer: place(f.pointer), also: f.also?.map(place) })),
          warnings: report.warnings.map((f) => ({ ...f, pointer: place(f.pointer), also: f.also?.map(place) })),
        }
      : null;
    return notes(
      mapped,
      comments.map((c) => ({ pointer: place(c.pointer), text: c.quote ? `«${c.quote}» — ${c.text}` : c.text })),
    );
  }, [report, comments, root, doc?.data]);

  const narratives = useMemo(
    () =>
      shared ? { shared, keyOf: (path: (string | number)[]) => narrativeKey(latest.current?.data, path) } : undefined,
    [shared],
  );
  const reviewing = permissions.includes("review");
  const judgedRound = readOnly && detail && detail.submissions.length > 0 ? detail.round : null;
  useEffect(() => {
    if (judgedRound === null) return;
    let live = true;
    api.report(id).then(
      (r) => live && setReport(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [judgedRound]);
  const comment = useCallback((pointer: string, title: string, passage?: SelectedPassage) => {
    setDrafts((d) => addDraft(d, pointer, title, passage));
    focusDraft(pointer, passage);
  }, []);
  const context: FormContext = useMemo(
    () => ({ change, notes: shown, readOnly, narratives, comment: reviewing ? comment : undefined }),
    [change, shown, readOnly, narratives, reviewing],
  );

  const submit = async () => {
    if (!handle) return;
    setBusy(true);
    setMessage({ kind: "warning", text: "Отправляем изменения на сервер…" });
    try {
      const settled =
        (await replica.settled(handle as DocHandle<unknown>, 15000)) && (!shared || (await shared.settled(15000)));
      if (!settled) {
        setMessage({ kind: "error", text: "нет связи с сервером: изменения ещё не отправлены, подать нельзя" });
        return;
      }
      const heads = A.getHeads(handle.doc());
      const answer = await api.submit(id, heads);
      setReport(answer.report);
      setMessage({ kind: "ok", text: `Документ подан: ${answer.document.status_ru}, раунд ${answer.round}.` });
      await refresh();
    } catch (e) {
      if (e instanceof ApiError && isReport(e.details)) {
        setReport(e.details);
        setMessage({ kind: "error", text: e.message });
      } else {
        setMessage({ kind: "error", text: e instanceof ApiError ? e.message : String((e as Error).message) });
      }
    } finally {
      setBusy(false);
    }
  };

  const sign = async () => {
    setBusy(true);
    try {
      await api.sign(id);
      setMessage({ kind: "ok", text: "Подпись поставлена." });
      await refresh();
    } catch (e) {
      setMessage({ kind: "error", text: e instanceof ApiError ? e.message : String((e as Error).message) });
    } finally {
      setBusy(false);
    }
  };

  if (openError) {
    return (
      <section class="card">
        <p class="note error" role="alert">
          {openError}
        </p>
        <Link href="/">К моим документам</Link>
      </section>
    );
  }
  if (!doc || !handle) return <p class="card">Открываем документ…</p>;
  if (!root) return <p class="card note error">неизвестная форма документа: {formId}</p>;

  const last = detail?.submissions[detail.submissions.length - 1];
  return (
    <div class="document-page">
      <section class="card doc-head">
        <h1>{formTitle(formId ?? "")}</h1>
        <dl class="facts">
          {detail && (
            <>
              <dt>Школа</dt>
              <dd>{detail.owner_school.name}</dd>
              <dt>Состояние</dt>
              <dd>
                <span class={`status status-${detail.status}`}>{detail.status_ru}</span>
              </dd>
              <dt>Раунд</dt>
              <dd>{detail.round}</dd>
            </>
          )}
          <dt>Регион</dt>
          <dd>{String(doc.region)}</dd>
        </dl>
        <div class="actions">
          {permissions.includes("submit") && (
            <button type="button" class="primary" disabled={busy} onClick={submit}>
              Подать на рассмотрение
            </button>
          )}
          {permissions.includes("sign") && (
            <button type="button" class="primary" disabled={busy} onClick={sign}>
              Подписать
            </button>
          )}
          {readOnly && <span class="readonly">Только чтение</span>}
        </div>
        {message && (
          <p class={`note ${message.kind}`} role="alert">
            {message.text}
          </p>
        )}
        {last && last.signatures.length > 0 && (
          <p class="signatures">
            Подписи: {last.signatures.map((s) => `${s.party.name} — ${s.signed_by}, ${formatTime(s.signed_at)}`).join("; ")}
          </p>
        )}
        {returned && (
          <p class="note comment">
            Документ возвращён на доработку (раунд {returned.round}
            {returned.reviewed_by ? `, ${returned.reviewed_by}` : ""}
            {returned.decided_at ? `, ${formatTime(returned.decided_at)}` : ""}). Замечания:
          </p>
        )}
        {returned && comments.length > 0 && (
          <ul class="comments">
            {comments.map((comment, i) => {
              const place = shownPointer(root, doc.data, comment.pointer);
              return (
                <li key={i} class="note comment">
                  <a
                    href={`#${fieldId(place)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      jumpTo(place);
                    }}
                  >
                    {comment.field ? `${comment.field}: ` : ""}
                    {comment.text}
                  </a>
                  <Quote comment={comment} />
                </li>
              );
            })}
          </ul>
        )}
      </section>
      {reviewing && detail && <ChangesPanel api={api} id={id} round={detail.round} />}
      {reviewing && (
        <DecisionPanel
          api={api}
          id={id}
          drafts={drafts}
          setDrafts={setDrafts}
          onDecided={(text) => {
            setMessage({ kind: "ok", text });
            void refresh();
          }}
        />
      )}
      {detail && <RoundsPanel detail={detail} />}
      <HistoryPanel doc={doc} />
      {report && <FindingsPanel report={report} place={(p) => shownPointer(root, doc.data, p)} />}
      <FormView root={root} data={doc.data} context={context} />
    </div>
  );
}

/** Every finding of a report, each a link that moves the focus to its field. */
export function FindingsPanel(props: { report: Report; place: (pointer: string) => string }) {
  const { report } = props;
  const all: Finding[] = [...report.errors, ...report.warnings];
  return (
    <section class="card findings" aria-labelledby="findings-title">
      <h2 id="findings-title">
        {report.valid ? "Ошибок нет" : `Ошибок: ${report.errors.length}`}
        {report.warnings.length > 0 && `, рекомендаций: ${report.warnings.length}`}
      </h2>
      <ul>
        {all.map((finding, i) => (
          <li key={i} class={`note ${finding.severity}`}>
            <a
              href={`#${fieldId(props.place(finding.pointer))}`}
              onClick={(e) => {
                e.preventDefault();
                jumpTo(props.place(finding.pointer));
              }}
            >
              {finding.message}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** «Кто и когда менял»: read only when opened (a long history costs a walk over it). */
function HistoryPanel(props: { doc: FormDoc }) {
  const [open, setOpen] = useState(false);
  const list = open ? sessions(props.doc as A.Doc<unknown>) : [];
  const time = (seconds: number) => (seconds > 0 ? formatTime(new Date(seconds * 1000).toISOString()) : "время не записано");
  return (
    <details class="card history" onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>История правок: кто и когда менял</summary>
      {open && (
        <ol>
          {list.slice(0, 100).map((s, i) => (
            <li key={i}>
              <strong>{s.author}</strong> — {time(s.from)}
              {s.to !== s.from && ` … ${time(s.to)}`}, правок: {s.changes}
              {s.messages.length > 0 && ` (${s.messages.slice(0, 3).join("; ")})`}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
