// The administrator's page: organisations (region → municipality → school), the accounts with
// their roles, curator assignments, password resets, closing sessions and deactivation, the
// audit log with filters (who, what, on what, between which days) and its hash chain verified.

import { useEffect, useMemo, useState } from "preact/hooks";
import { AdminApi, type AdminOrganisation } from "../adminApi";
import type { AdminUser, AuditCheck, AuditFilter, AuditRowView } from "../api";
import { errorText, Organisations } from "./AdminOrganisations";
import { Users } from "./AdminUsers";
import { formatTime } from "./Home";

/** The audit log, newest first, with filters and the chain's check. */
function Audit(props: { api: AdminApi; version: number }) {
  const [filter, setFilter] = useState<AuditFilter>({});
  const [rows, setRows] = useState<AuditRowView[] | null>(null);
  const [check, setCheck] = useState<AuditCheck | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    props.api.audit(filter).then(
      (r) => {
        setRows(r);
        setError(null);
      },
      (e) => setError(errorText(e)),
    );
  }, [props.api, filter, props.version]);

  const set = (key: keyof AuditFilter) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement).value.trim();
    setFilter((f) => ({ ...f, [key]: value || undefined }));
  };
  const verify = () => props.api.verifyAudit().then(setCheck, (e) => setError(errorText(e)));

  return (
    <section class="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Журнал действий</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Кто
          <input value={filter.actor ?? ""} onChange={set("actor")} />
        </label>
        <label>
          Действие
          <input value={filter.action ?? ""} onChange={set("action")} placeholder="например, set-password" />
        </label>
        <label>
          Над чем (часть)
          <input value={filter.subject ?? ""} onChange={set("subject")} />
        </label>
        <label>
          С
          <input type="date" value={filter.from ?? ""} onChange={set("from")} />
        </label>
        <label>
          по
          <input type="date" value={filter.to ?? ""} onChange={set("to")} />
        </label>
      </form>
      <div class="actions">
        <button type="button" onClick={() => void verify()}>
          Проверить цепочку журнала
        </button>
        {check && (
          <span class={`note ${check.holds ? "ok" : "error"}`} role="status">
            {check.holds
              ? `Цепочка цела: проверено записей — ${check.rows}.`
              : `Цепочка нарушена в записи № ${check.broken_at}: ${check.problem}`}
          </span>
        )}
      </div>
      {error && <p class="note error">{error}</p>}
      {rows && (
        <>
          <p class="count">Записей: {rows.length}</p>
          <table class="documents audit">
            <thead>
              <tr>
                <th scope="col">№</th>
                <th scope="col">Когда</th>
                <th scope="col">Кто</th>
                <th scope="col">Действие</th>
                <th scope="col">Над чем</th>
                <th scope="col">Подробности</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.seq}>
                  <td>{r.seq}</td>
                  <td>{formatTime(r.at)}</td>
                  <td>{r.actor}</td>
                  <td>{r.action}</td>
                  <td>{r.subject}</td>
                  <td>
                    <code>{r.details}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The administrator's page. */
export function AdminPage(props: { token: string }) {
  const api = useMemo(() => new AdminApi(props.token), [props.token]);
  const [version, setVersion] = useState(0);
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [orgs, setOrgs] = useState<AdminOrganisation[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([api.adminUsers(), api.organisations_()]).then(
      ([u, o]) => {
        setUsers(u);
        setOrgs(o);
      },
      (e) => setError(errorText(e)),
    );
  }, [api, version]);

  const changed = () => setVersion((v) => v + 1);
  return (
    <>
      <h1>Администрирование</h1>
      <nav class="sections" aria-label="Разделы">
        <a href="#users-title">Пользователи</a> · <a href="#orgs-title">Организации</a> · <a href="#audit-title">Журнал действий</a>
      </nav>
      {error && <p class="note error">{error}</p>}
      <Users api={api} users={users} orgs={orgs} onChanged={changed} />
      <Organisations api={api} orgs={orgs} onChanged={changed} />
      <Audit api={api} version={version} />
    </>
  );
}
