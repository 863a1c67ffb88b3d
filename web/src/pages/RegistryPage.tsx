// The regional coordinator's registry: approved and collected submissions with filters and
// sorting, collecting one or many into the registry, the CSV and XLSX exports, and each row's
// exact submitted version (its SHA-256). Offline, the last rows received are shown with their time.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Api, ApiError, type OrganisationView, type RegistryFilter, type RegistryRow } from "../api";
import { Link } from "../app";
import { FORM_IDS, formTitle } from "../catalogue";
import { recall, remember } from "../session";
import { formatTime } from "./Home";

/** The columns one can sort by, with their headings. */
const COLUMNS: { key: keyof RegistryRow; title: string }[] = [
  { key: "municipality_name", title: "Муниципалитет" },
  { key: "school_name", title: "Школа" },
  { key: "form_ru", title: "Форма" },
  { key: "round", title: "Раунд" },
  { key: "status_ru", title: "Состояние" },
  { key: "decided_at", title: "Одобрен" },
  { key: "collected_at", title: "Принят" },
  { key: "content_sha256", title: "Версия (SHA-256)" },
];

/** Rows on one page of the table: a region's thousand rows are read a page at a time. */
export const PAGE_ROWS = 100;

/** The filters the address can carry. */
const FILTER_KEYS: (keyof RegistryFilter)[] = ["municipality", "school", "form", "status", "from", "to"];

/** What the address says: filters, sorting and page (`/registry?municipality=…&sort=school_name&desc=1&page=2`). */
export function fromAddress(search: string): { filter: RegistryFilter; sort: { key: keyof RegistryRow; ascending: boolean } | null; page: number } {
  const params = new URLSearchParams(search);
  const filter: RegistryFilter = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filter[key] = value;
  }
  const key = params.get("sort");
  const column = COLUMNS.find((c) => c.key === key);
  const page = Math.max(1, Number.parseInt(params.get("page") ?? "1", 10) || 1);
  return { filter, sort: column ? { key: column.key, ascending: params.get("desc") !== "1" } : null, page };
}

/** The address of filters, sorting and page. */
export function toAddress(filter: RegistryFilter, sort: { key: keyof RegistryRow; ascending: boolean }, page: number): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filter[key]) params.set(key, filter[key]!);
  params.set("sort", String(sort.key));
  if (!sort.ascending) params.set("desc", "1");
  if (page > 1) params.set("page", String(page));
  return `/registry?${params}`;
}

/** Rows ordered by `key`, ascending or not; absent values last. */
export function sortRows(rows: RegistryRow[], key: keyof RegistryRow, ascending: boolean): RegistryRow[] {
  const sign = ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    if (typeof x === "number" && typeof y === "number") return sign * (x - y);
    return sign * String(x).localeCompare(String(y), "ru");
  });
}

/** Rows kept for offline reading, with when they were received. */
interface Saved {
  at: string;
  rows: RegistryRow[];
  filter: RegistryFilter;
}

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

/** «Назад», «Страница N из M», «Вперёд». */
function Pager(props: { page: number; pages: number; onPage: (page: number) => void }) {
  return (
    <nav class="pager actions" aria-label="Страницы реестра">
      <button type="button" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        ← Назад
      </button>
      <span>
        Страница {props.page} из {props.pages}
      </span>
      <button type="button" disabled={props.page >= props.pages} onClick={() => props.onPage(props.page + 1)}>
        Вперёд →
      </button>
    </nav>
  );
}

/** The registry page. */
export function RegistryPage(props: { token: string; user: string; onExpired: () => void }) {
  const api = useMemo(() => new Api(props.token), [props.token]);
  const saved = `registry.${props.user}`;
  // The address wins (a link from the dashboard, a reload); otherwise the last filters used.
  const [address] = useState(() => fromAddress(location.search));
  const addressed = location.search.length > 1;
  const [filter, setFilter] = useState<RegistryFilter>(() => (addressed ? address.filter : (recall<Saved>(saved)?.filter ?? {})));
  const [rows, setRows] = useState<RegistryRow[] | null>(() => (addressed ? null : (recall<Saved>(saved)?.rows ?? null)));
  const [offlineSince, setOfflineSince] = useState<string | null>(null);
  const [organisations, setOrganisations] = useState<OrganisationView[]>([]);
  const [sort, setSort] = useState<{ key: keyof RegistryRow; ascending: boolean }>(() => address.sort ?? { key: "decided_at", ascending: true });
  const [page, setPage] = useState(address.page);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState<{ kind: "ok" | "error" | "warning"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  // Answers may come back out of order when filters change quickly: only the latest counts.
  const latest = useRef(0);
  const load = async (current: RegistryFilter) => {
    const asked = ++latest.current;
    try {
      const fresh = await api.registry(current);
      if (asked !== latest.current) return;
      setRows(fresh);
      setOfflineSince(null);
      remember(saved, { at: new Date().toISOString(), rows: fresh, filter: current });
      setSelected(new Set());
    } catch (e) {
      if (asked !== latest.current) return;
      if (e instanceof ApiError && e.status === 401) props.onExpired();
      else if (e instanceof ApiError && e.offline) setOfflineSince(recall<Saved>(saved)?.at ?? "");
      else setMessage({ kind: "error", text: e instanceof ApiError ? e.message : String((e as Error).message) });
    }
  };

  useEffect(() => {
    void load(filter);
  }, [filter]);

  useEffect(() => {
    const wanted = toAddress(filter, sort, page);
    if (location.pathname + location.search !== wanted) history.replaceState(null, "", wanted);
  }, [filter, sort, page]);

  useEffect(() => {
    api
      .organisations()
      .then(setOrganisations)
      .catch(() => setOrganisations([]));
  }, [api]);

  const municipalities = useMemo(() => {
    const seen = new Map<string, string>();
    for (const org of organisations) if (org.municipality) seen.set(org.municipality.id, org.municipality.name);
    return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, "ru"));
  }, [organisations]);
  const schools = organisations
    .filter((o) => o.kind === "school" && (!filter.municipality || o.municipality?.id === filter.municipality))
    .sort((a, b) => a.name.localeCompare(b.name, "ru"));

  const shown = useMemo(() => sortRows(rows ?? [], sort.key, sort.ascending), [rows, sort]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_ROWS));
  const current = Math.min(page, pages);
  const pageRows = shown.slice((current - 1) * PAGE_ROWS, current * PAGE_ROWS);
  const set = (key: keyof RegistryFilter) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    setFilter((f) => ({ ...f, [key]: value || undefined }));
    setPage(1);
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const collectable = shown.filter((r) => r.status === "approved");

  const collect = async () => {
    setBusy(true);
    const failed: string[] = [];
    let done = 0;
    for (const id of selected) {
      try {
        await api.collect(id);
        done += 1;
      } catch (e) {
        failed.push(e instanceof ApiError ? e.message : String((e as Error).message));
      }
    }
    setBusy(false);
    setMessage(
      failed.length
        ? { kind: "error", text: `Принято: ${done}; не принято: ${failed.length} (${failed[0]})` }
        : { kind: "ok", text: `Принято в реестр: ${done}.` },
    );
    await load(filter);
  };

  const exportAs = async (format: "csv" | "xlsx") => {
    try {
      download(await api.export(filter, format), `registry.${format}`);
    } catch (e) {
      setMessage({ kind: "error", text: e instanceof ApiError ? e.message : String((e as Error).message) });
    }
  };

  return (
    <section class="card registry">
      <h1>Реестр региона</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Муниципалитет
          <select value={filter.municipality ?? ""} onChange={set("municipality")}>
            <option value="">все</option>
            {municipalities.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Школа
          <select value={filter.school ?? ""} onChange={set("school")}>
            <option value="">все</option>
            {schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Форма
          <select value={filter.form ?? ""} onChange={set("form")}>
            <option value="">все</option>
            {FORM_IDS.map((f) => (
              <option key={f} value={f}>
                {formTitle(f)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Состояние
          <select value={filter.status ?? ""} onChange={set("status")}>
            <option value="">все</option>
            <option value="approved">одобрен</option>
            <option value="collected">принят в реестр</option>
          </select>
        </label>
        <label>
          Одобрен с
          <input type="date" value={filter.from ?? ""} onChange={set("from")} />
        </label>
        <label>
          по
          <input type="date" value={filter.to ?? ""} onChange={set("to")} />
        </label>
      </form>
      <div class="actions">
        <button type="button" class="primary" disabled={busy || selected.size === 0} onClick={collect}>
          Принять в реестр выбранные ({selected.size})
        </button>
        <button type="button" onClick={() => exportAs("csv")}>
          Скачать CSV
        </button>
        <button type="button" onClick={() => exportAs("xlsx")}>
          Скачать XLSX
        </button>
      </div>
      {offlineSince !== null && (
        <p class="note warning" role="status">
          Сервер недоступен: показаны данные, полученные {offlineSince ? formatTime(offlineSince) : "ранее"}.
        </p>
      )}
      {message && (
        <p class={`note ${message.kind}`} role="alert">
          {message.text}
        </p>
      )}
      {rows === null ? (
        <p>Загрузка…</p>
      ) : (
        <>
          <p class="count">Строк: {shown.length}</p>
          {pages > 1 && <Pager page={current} pages={pages} onPage={setPage} />}
          <table class="documents">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Выбрать все одобренные"
                    checked={collectable.length > 0 && collectable.every((r) => selected.has(r.document))}
                    onChange={(e) =>
                      setSelected(new Set((e.currentTarget as HTMLInputElement).checked ? collectable.map((r) => r.document) : []))
                    }
                  />
                </th>
                {COLUMNS.map((c) => (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={sort.key === c.key ? (sort.ascending ? "ascending" : "descending") : "none"}
                  >
                    <button
                      type="button"
                      class="sort"
                      onClick={() => {
                        setSort((s) => ({ key: c.key, ascending: s.key === c.key ? !s.ascending : true }));
                        setPage(1);
                      }}
                    >
                      {c.title}
                      {sort.key === c.key ? (sort.ascending ? " ▲" : " ▼") : ""}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {pageRows.map((row) => (
                <tr key={`${row.document}-${row.round}`}>
                  <td>
                    {row.status === "approved" && (
                      <input
                        type="checkbox"
                        aria-label={`Выбрать: ${row.school_name}, ${row.form_ru}`}
                        checked={selected.has(row.document)}
                        onChange={() => toggle(row.document)}
                      />
                    )}
                  </td>
                  <td>{row.municipality_name}</td>
                  <td>{row.school_name}</td>
                  <td>
                    <Link href={`/documents/${row.document}`}>{row.form_ru}</Link>
                  </td>
                  <td>{row.round}</td>
                  <td>
                    <span class={`status status-${row.status}`}>{row.status_ru}</span>
                  </td>
                  <td>{formatTime(row.decided_at)}</td>
                  <td>{formatTime(row.collected_at)}</td>
                  <td>
                    <details class="pinned">
                      <summary>
                        <code>{row.content_sha256.slice(0, 12)}…</code>
                      </summary>
                      <p>
                        Раунд {row.round}, {row.requirements}
                        <br />
                        SHA-256: <code class="sha">{row.content_sha256}</code>
                      </p>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages > 1 && <Pager page={current} pages={pages} onPage={setPage} />}
        </>
      )}
    </section>
  );
}
