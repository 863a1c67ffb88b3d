// The regional coordinator's dashboard: where every document of the region stands, as
// hand-drawn SVG charts read at a glance — documents by municipality and status (a stacked bar
// per municipality), the findings reported most often — each bar a link to the list behind it:
// approved and collected documents open the registry with the bar's filters in its address
// (`/registry?municipality=…&status=approved`), the other states and the findings a list here,
// kept in this page's address (`/dashboard?municipality=…&status=draft`, `/dashboard?rule=…`).

import { useEffect, useMemo, useState } from "preact/hooks";
import { Api, ApiError, type DashboardView, type DocumentSummary } from "../api";
import { navigate } from "../app";
import { DocumentTable } from "./DocumentTable";

/** The states the registry holds: their bars open the registry itself. */
const IN_REGISTRY = ["approved", "collected"];

/** Where a bar leads: the registry's address for its states, `null` for a list on this page. */
export function registryAddress(municipality: string, status: string): string | null {
  if (!IN_REGISTRY.includes(status)) return null;
  const params = new URLSearchParams({ municipality, status });
  return `/registry?${params}`;
}

/** The statuses in the order of a document's life, with their chart colours. */
export const STATUS_ORDER: { status: string; ru: string; colour: string }[] = [
  { status: "draft", ru: "черновик", colour: "#b8c0cc" },
  { status: "submitted", ru: "на рассмотрении", colour: "#e0a800" },
  { status: "returned", ru: "возвращён на доработку", colour: "#8e5cc4" },
  { status: "approved", ru: "одобрен", colour: "#3b9a5a" },
  { status: "collected", ru: "принят в реестр", colour: "#1f5fa8" },
];

/** What the list under the charts shows. */
type Selection =
  | { kind: "cell"; municipality: string; municipalityName: string; status: string; statusRu: string }
  | { kind: "finding"; rule: string; example: string; documents: string[] };

/** One municipality's documents per status, in `STATUS_ORDER`. */
export interface Stack {
  municipality: string;
  name: string;
  parts: { status: string; statusRu: string; count: number }[];
  total: number;
}

/** The dashboard's cells as one stacked bar per municipality, by name. */
export function stacks(view: DashboardView): Stack[] {
  const byId = new Map<string, Stack>();
  for (const cell of view.cells) {
    const stack = byId.get(cell.municipality) ?? { municipality: cell.municipality, name: cell.municipality_name, parts: [], total: 0 };
    stack.parts.push({ status: cell.status, statusRu: cell.status_ru, count: cell.count });
    stack.total += cell.count;
    byId.set(cell.municipality, stack);
  }
  const rank = (status: string) => STATUS_ORDER.findIndex((s) => s.status === status);
  return [...byId.values()]
    .map((s) => ({ ...s, parts: s.parts.sort((a, b) => rank(a.status) - rank(b.status)) }))
    .sort((a, b) => a.name.localeCompare(b.name, "ru"));
}

const colour = (status: string) => STATUS_ORDER.find((s) => s.status === status)?.colour ?? "#999";
const LABEL_WIDTH = 330;
const CHART_WIDTH = 900;
const BAR = 26;
const GAP = 12;

/** Documents by municipality and status: a stacked bar per municipality. */
function StatusChart(props: { stacks: Stack[]; onPick: (s: Selection) => void }) {
  const max = Math.max(1, ...props.stacks.map((s) => s.total));
  const scale = (CHART_WIDTH - LABEL_WIDTH - 40) / max;
  const height = props.stacks.length * (BAR + GAP) + GAP;
  return (
    <svg class="chart" viewBox={`0 0 ${CHART_WIDTH} ${height}`} role="img" aria-label="Документы по муниципалитетам и состояниям">
      {props.stacks.map((stack, row) => {
        const y = GAP + row * (BAR + GAP);
        let x = LABEL_WIDTH;
        return (
          <g key={stack.municipality}>
            <text x={LABEL_WIDTH - 8} y={y + BAR / 2 + 5} text-anchor="end" class="chart-label">
              {stack.name}
            </text>
            {stack.parts.map((part) => {
              const width = part.count * scale;
              const at = x;
              x += width;
              const pick = () =>
                props.onPick({ kind: "cell", municipality: stack.municipality, municipalityName: stack.name, status: part.status, statusRu: part.statusRu });
              return (
                <a
                  key={part.status}
                  href={registryAddress(stack.municipality, part.status) ?? "#list"}
                  role="button"
                  aria-label={`${stack.name}: ${part.statusRu} — ${part.count}`}
                  onClick={(e) => {
                    e.preventDefault();
                    pick();
                  }}
                >
                  <title>{`${stack.name}: ${part.statusRu} — ${part.count}`}</title>
                  <rect x={at} y={y} width={Math.max(width - 1, 1)} height={BAR} fill={colour(part.status)} />
                  {width > 22 && (
                    <text x={at + width / 2} y={y + BAR / 2 + 5} text-anchor="middle" class="chart-value">
                      {part.count}
                    </text>
                  )}
                </a>
              );
            })}
            <text x={x + 6} y={y + BAR / 2 + 5} class="chart-label">
              {stack.total}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** The findings reported most often: a bar per rule. */
function FindingsChart(props: { view: DashboardView; onPick: (s: Selection) => void }) {
  const findings = props.view.findings;
  const max = Math.max(1, ...findings.map((f) => f.count));
  const scale = (CHART_WIDTH - LABEL_WIDTH - 40) / max;
  const height = findings.length * (BAR + GAP) + GAP;
  return (
    <svg class="chart" viewBox={`0 0 ${CHART_WIDTH} ${height}`} role="img" aria-label="Частые замечания проверки">
      {findings.map((f, row) => {
        const y = GAP + row * (BAR + GAP);
        const label = f.example.length > 44 ? `${f.example.slice(0, 43)}…` : f.example;
        return (
          <a
            key={f.rule}
            href="#list"
            role="button"
            aria-label={`${f.example} — документов: ${f.count}`}
            onClick={(e) => {
              e.preventDefault();
              props.onPick({ kind: "finding", rule: f.rule, example: f.example, documents: f.documents });
            }}
          >
            <title>{`${f.rule}: ${f.example}`}</title>
            <text x={LABEL_WIDTH - 8} y={y + BAR / 2 + 5} text-anchor="end" class="chart-label">
              {label}
            </text>
            <rect x={LABEL_WIDTH} y={y} width={f.count * scale} height={BAR} fill={f.severity === "error" ? "#b3261e" : "#c98a00"} />
            <text x={LABEL_WIDTH + f.count * scale + 6} y={y + BAR / 2 + 5} class="chart-label">
              {f.count}
            </text>
          </a>
        );
      })}
    </svg>
  );
}

/** The dashboard page. */
export function DashboardPage(props: { token: string; onExpired: () => void }) {
  const api = useMemo(() => new Api(props.token), [props.token]);
  const [view, setView] = useState<DashboardView | null>(null);
  const [documents, setDocuments] = useState<DocumentSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [selection, setSelection] = useState<Selection | null>(null);

  useEffect(() => {
    Promise.all([api.dashboard(), api.documents()])
      .then(([v, docs]) => {
        setView(v);
        setDocuments(docs);
      })
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) props.onExpired();
        else setError(e instanceof ApiError ? e.message : String((e as Error).message));
      });
  }, [api]);

  const pick = (s: Selection) => {
    if (s.kind === "cell") {
      const registry = registryAddress(s.municipality, s.status);
      if (registry) {
        navigate(registry);
        return;
      }
    }
    const params = s.kind === "cell" ? new URLSearchParams({ municipality: s.municipality, status: s.status }) : new URLSearchParams({ rule: s.rule });
    history.replaceState(null, "", `/dashboard?${params}`);
    setSelection(s);
    setTimeout(() => document.getElementById("list")?.scrollIntoView({ block: "start" }), 0);
  };

  // A list named in the address (a reload, a shared link) is shown once the charts are in.
  useEffect(() => {
    if (!view) return;
    const params = new URLSearchParams(location.search);
    const rule = params.get("rule");
    const municipality = params.get("municipality");
    const status = params.get("status");
    const finding = rule ? view.findings.find((f) => f.rule === rule) : undefined;
    if (finding) setSelection({ kind: "finding", rule: finding.rule, example: finding.example, documents: finding.documents });
    const cell = view.cells.find((c) => c.municipality === municipality && c.status === status);
    if (cell) setSelection({ kind: "cell", municipality: cell.municipality, municipalityName: cell.municipality_name, status: cell.status, statusRu: cell.status_ru });
  }, [view]);
  const listed =
    selection === null
      ? []
      : selection.kind === "cell"
        ? documents.filter((d) => d.municipality?.id === selection.municipality && d.status === selection.status)
        : documents.filter((d) => selection.documents.includes(d.id));

  return (
    <>
      <section class="card dashboard">
        <h1>Сводка по региону</h1>
        {error && <p class="note error">{error}</p>}
        {!view && !error && <p>Загрузка…</p>}
        {view && (
          <>
            <h2>Документы по муниципалитетам и состояниям</h2>
            <ul class="legend">
              {STATUS_ORDER.map((s) => (
                <li key={s.status}>
                  <span class="swatch" style={{ background: s.colour }} />
                  {s.ru}
                </li>
              ))}
            </ul>
            <StatusChart stacks={stacks(view)} onPick={pick} />
            <h2>Частые замечания проверки (последние поданные версии)</h2>
            {view.findings.length === 0 ? <p>Замечаний нет.</p> : <FindingsChart view={view} onPick={pick} />}
            <p class="description">Сроки кампании на сервере пока не заданы, поэтому опоздания не считаются.</p>
          </>
        )}
      </section>
      {selection && (
        <section class="card" id="list" aria-labelledby="list-title">
          <h2 id="list-title">
            {selection.kind === "cell" ? `${selection.municipalityName}: ${selection.statusRu}` : `Замечание: ${selection.example}`}
          </h2>
          {selection.kind === "cell" && selection.status === "draft" && (
            <p class="note warning">Черновики школ региону не видны: показано только их число.</p>
          )}
          {listed.length > 0 && (
            <DocumentTable documents={listed} columns={["status"]} />
          )}
        </section>
      )}
    </>
  );
}
