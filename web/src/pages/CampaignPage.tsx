// Campaigns for the region and the municipality: the list (`/campaigns`) and one campaign
// (`/campaigns/<id>`) — per school what it owes, each document's state, late or missing, the
// counts by municipality, and the CSV and XLSX downloads. Each sees only the schools the server
// lets them see.

import { useEffect, useState } from "preact/hooks";
import { Api, ApiError } from "../api";
import { Link } from "../app";
import {
  type CampaignStatus,
  type CampaignView,
  campaignExport,
  campaignStatus,
  campaigns,
  rowClass,
  russianDate,
} from "../campaigns";

/** Offers `blob` to the browser as a file named `name`. */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function useLoad<T>(load: () => Promise<T>, onExpired: () => void, key: unknown): [T | null, string | null] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    load()
      .then((v) => live && (setValue(v), setError(null)))
      .catch((e) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 401) onExpired();
        else setError(e instanceof ApiError ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [key]);
  return [value, error];
}

/** `/campaigns`: the campaigns the user may see. */
export function CampaignList(props: { token: string; onExpired: () => void }) {
  const api = new Api(props.token);
  const [list, error] = useLoad<CampaignView[]>(() => campaigns(api), props.onExpired, props.token);
  return (
    <section class="card campaigns">
      <h1>Кампании</h1>
      {error && <p class="note error" role="alert">{error}</p>}
      {list === null && !error && <p>Загрузка…</p>}
      {list?.length === 0 && <p>Кампаний пока нет.</p>}
      {list && list.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>№</th>
              <th>Кампания</th>
              <th>Год</th>
              <th>Подать до</th>
              <th>Решение до</th>
              <th>Школ</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id}>
                <td>{c.id}</td>
                <td>
                  <Link href={`/campaigns/${c.id}`}>{c.title}</Link>
                </td>
                <td>{c.year}</td>
                <td>{russianDate(c.submit_by)}</td>
                <td>{russianDate(c.decide_by)}</td>
                <td>{c.schools}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** `/campaigns/<id>`: who owes what and where it stands. */
export function CampaignPage(props: { id: number; token: string; onExpired: () => void }) {
  const api = new Api(props.token);
  const [status, error] = useLoad<CampaignStatus>(() => campaignStatus(api, props.id), props.onExpired, props.id);
  const [onlyProblems, setOnlyProblems] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  if (error) {
    return (
      <section class="card">
        <h1>Кампания № {props.id}</h1>
        <p class="note error" role="alert">
          {error}
        </p>
      </section>
    );
  }
  if (!status) return <p>Загрузка…</p>;
  const c = status.campaign;
  const rows = onlyProblems ? status.rows.filter((r) => r.missing || r.late_submission || r.late_decision) : status.rows;
  const missing = status.rows.filter((r) => r.missing).length;
  const late = status.rows.filter((r) => r.late_submission || r.late_decision).length;
  const exportAs = async (format: "csv" | "xlsx") => {
    try {
      download(await campaignExport(api, c.id, format), `campaign-${c.id}.${format}`);
      setExportError(null);
    } catch (e) {
      setExportError(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <>
      <section class="card campaign">
        <h1>{c.title}</h1>
        <p class="description">
          {c.region_name}, {c.year} год. Подать до {russianDate(c.submit_by)}, решение муниципалитета до{" "}
          {russianDate(c.decide_by)}; напоминания за {c.remind_days} дн. до срока. На {russianDate(status.today)}:
          нет документа — {missing}, просрочено — {late}.
        </p>
        <div class="actions">
          <label>
            <input type="checkbox" checked={onlyProblems} onChange={(e) => setOnlyProblems((e.target as HTMLInputElement).checked)} />{" "}
            Только просроченные и отсутствующие
          </label>
          <button type="button" onClick={() => exportAs("csv")}>
            Скачать CSV
          </button>
          <button type="button" onClick={() => exportAs("xlsx")}>
            Скачать XLSX
          </button>
        </div>
        {exportError && <p class="note error" role="alert">{exportError}</p>}
        <table class="table obligations" aria-label="Обязательства школ">
          <thead>
            <tr>
              <th>Муниципалитет</th>
              <th>Школа</th>
              <th>Документ</th>
              <th>Состояние</th>
              <th>Подан</th>
              <th>Одобрен</th>
              <th>Итог</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.school}-${r.form}`} class={rowClass(r)}>
                <td>{r.municipality_name}</td>
                <td>
                  {r.school_name}
                  <span class="category"> ({r.category_ru})</span>
                </td>
                <td>{r.document ? <Link href={`/documents/${r.document}`}>{r.form_ru}</Link> : r.form_ru}</td>
                <td>{r.status_ru}</td>
                <td>{russianDate(r.submitted_at)}</td>
                <td>{russianDate(r.approved_at)}</td>
                <td class="summary">{r.summary_ru}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>По муниципалитетам</h2>
        <table class="table counts" aria-label="По муниципалитетам">
          <thead>
            <tr>
              <th>Муниципалитет</th>
              <th>Школ</th>
              <th>Документов</th>
              <th>Подано</th>
              <th>Одобрено</th>
              <th>Нет документа</th>
              <th>Просрочено</th>
            </tr>
          </thead>
          <tbody>
            {status.municipalities.map((m) => (
              <tr key={m.municipality}>
                <td>{m.municipality_name}</td>
                <td>{m.schools}</td>
                <td>{m.owed}</td>
                <td>{m.submitted}</td>
                <td>{m.approved}</td>
                <td>{m.missing}</td>
                <td>{m.late}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
