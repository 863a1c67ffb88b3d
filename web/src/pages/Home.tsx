// «Мои документы»: the documents the user may see, with their state and what the user may do,
// and the creation of a new one.

import { next as A } from "@automerge/automerge/slim";
import { generateAutomergeUrl, parseAutomergeUrl } from "@automerge/automerge-repo/slim";
import { useEffect, useState } from "preact/hooks";
import { Api, ApiError, type DocumentSummary, type OrganisationView, type SchoolIdentification, type WhoAmI } from "../api";
import { navigate } from "../app";
import { FORM_IDS, type FormId, form, formTitle, formVersion, hasMentor } from "../catalogue";
import { newDocument } from "../edit";
import { recall, remember } from "../session";
import type { Replica } from "../sync";
import { DocumentTable } from "./DocumentTable";
import { Obligations } from "./Obligations";

/** What each permission lets the user do, in Russian. */
export const PERMISSIONS_RU: Record<string, string> = {
  read: "читать",
  write: "редактировать",
  submit: "подать",
  sign: "подписать",
  review: "рассмотреть",
  collect: "принять в реестр",
  export: "выгрузить",
};

/** The author of the changes this replica makes, as the Rust replicas write it. */
export function changeMessage(replica: Replica, message: string): string {
  return JSON.stringify({
    author_id: replica.peerId,
    author: replica.session.displayName || replica.session.user,
    message,
  });
}

/** The home page; with `queueOnly`, the reviewer's queue alone (`/review`). */
export function Home(props: { replica: Replica; onExpired: () => void; queueOnly?: boolean }) {
  const api = new Api(props.replica.session.token);
  const user = props.replica.session.user;
  const [documents, setDocuments] = useState<DocumentSummary[] | null>(() => recall(`documents.${user}`));
  const [me, setMe] = useState<WhoAmI | null>(() => recall(`whoami.${user}`));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [list, who] = await Promise.all([api.documents(), api.whoami()]);
        if (!live) return;
        remember(`documents.${user}`, list);
        remember(`documents.${user}.at`, new Date().toISOString());
        remember(`whoami.${user}`, who);
        setDocuments(list);
        setMe(who);
        setError(null);
      } catch (e) {
        if (!live) return;
        if (e instanceof ApiError && e.status === 401) props.onExpired();
        else if (e instanceof ApiError && e.offline) {
          const at = recall<string>(`documents.${user}.at`);
          setError(`Сервер недоступен: показан список, полученный ${at ? formatTime(at) : "ранее"}.`);
        } else setError(String((e as Error).message));
      }
    })();
    return () => {
      live = false;
    };
  }, [user]);

  const canCreate = !!me?.roles.some((r) => r.role === "school-editor" || r.role === "school-director");

  const queue = (documents ?? [])
    .filter((d) => d.status === "submitted" && d.permissions.includes("review"))
    .sort((a, b) => a.updated_at.localeCompare(b.updated_at));
  if (props.queueOnly) {
    return documents === null ? <p>Загрузка…</p> : <ReviewQueue queue={queue} />;
  }
  return (
    <>
      {queue.length > 0 && <ReviewQueue queue={queue} />}
      <Obligations token={props.replica.session.token} user={user} />
      <section class="card">
        <h1>Мои документы</h1>
        {error && <p class="note warning">{error}</p>}
        {documents === null ? (
          <p>Загрузка…</p>
        ) : documents.length === 0 ? (
          <p>Документов пока нет.</p>
        ) : (
          <DocumentTable documents={documents} columns={["status", "permissions"]} />
        )}
      </section>
      {me?.roles
        .filter((r) => r.role === "school-editor" || r.role === "school-director")
        .map((r) => <SchoolCategory key={r.org} api={api} school={r.org} schoolName={r.org_name} />)}
      {canCreate && <CreateDocument replica={props.replica} />}
    </>
  );
}

/** The school's category by the confirmed identification in effect, with its reasons. */
function SchoolCategory(props: { api: Api; school: string; schoolName: string }) {
  const [found, setFound] = useState<SchoolIdentification | null>(null);
  useEffect(() => {
    props.api
      .schoolIdentification(props.school)
      .then(setFound)
      .catch(() => setFound(null));
  }, [props.school]);
  if (found === null) return null;
  const effect = found.in_effect;
  const row = effect?.schools[0];
  return (
    <section class="card identification" aria-labelledby={`category-${props.school}`}>
      <h2 id={`category-${props.school}`}>Категория школы: {props.schoolName}</h2>
      {!effect || !row ? (
        <p>Подтверждённой идентификации нет: правила читают категорию, указанную в документах школы.</p>
      ) : (
        <>
          <p>
            <strong>{row.categories.length === 0 ? "не отнесена ни к одной категории" : row.categories.map((c) => c.title).join("; ")}</strong>{" "}
            — идентификация {effect.year} года, {effect.state_ru}.
          </p>
          <ul class="reasons">
            {row.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** A reviewer's queue: submitted documents waiting for their decision, oldest first. */
function ReviewQueue(props: { queue: DocumentSummary[] }) {
  return (
    <section class="card queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Ждут рассмотрения: {props.queue.length}</h2>
      {props.queue.length === 0 && <p>Документов, ждущих решения, нет.</p>}
      {props.queue.length > 0 && <DocumentTable documents={props.queue} columns={["municipality"]} />}
    </section>
  );
}

/** A server timestamp as people read it. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString("ru-RU", { dateStyle: "short", timeStyle: "short" });
}

/** The form that creates a document: its form and, where the form names one, the mentor school. */
function CreateDocument(props: { replica: Replica }) {
  const api = new Api(props.replica.session.token);
  const [formId, setFormId] = useState<FormId>("school-programme");
  const [mentors, setMentors] = useState<OrganisationView[]>([]);
  const [mentor, setMentor] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .organisations()
      .then((orgs) => setMentors(orgs.filter((o) => o.kind === "mentor-school")))
      .catch(() => setError("нет сети: создать документ можно только при связи с сервером"));
  }, []);

  const create = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const url = generateAutomergeUrl();
      const { documentId } = parseAutomergeUrl(url);
      const summary = await api.register(documentId, formId, hasMentor(formId) ? mentor || null : null);
      const doc = A.change(A.init<Record<string, unknown>>(), { message: changeMessage(props.replica, "создан документ"), time: Math.floor(Date.now() / 1000) }, (d) => {
        Object.assign(d, newDocument(form(formId), formId, formVersion(formId), summary.region));
      });
      props.replica.repo.import(A.save(doc), { docId: documentId });
      navigate(`/documents/${documentId}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card create" onSubmit={create}>
      <h2>Создать документ</h2>
      <div class="fields">
        <div class="field">
          <label for="create-form">Форма</label>
          <select id="create-form" value={formId} onChange={(e) => setFormId(e.currentTarget.value as FormId)}>
            {FORM_IDS.map((id) => (
              <option key={id} value={id}>
                {formTitle(id)}
              </option>
            ))}
          </select>
        </div>
        {hasMentor(formId) && (
          <div class="field">
            <label for="create-mentor">Школа-наставник</label>
            <select id="create-mentor" value={mentor} onChange={(e) => setMentor(e.currentTarget.value)} required>
              <option value="">— выберите —</option>
              {mentors.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                  {m.municipality ? ` (${m.municipality.name})` : ""}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <p class="description">Регион документа — регион вашей школы; школа-владелец — ваша школа.</p>
      {error && (
        <p class="note error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        Создать
      </button>
    </form>
  );
}
