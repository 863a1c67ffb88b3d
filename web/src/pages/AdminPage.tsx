// The administrator's page: the accounts with their roles and organisations, a password reset
// and closing a user's sessions, the audit log with filters and its hash chain verified.

import { useEffect, useMemo, useState } from "preact/hooks";
import { type AdminUser, Api, ApiError, type AuditCheck, type AuditFilter, type AuditRowView } from "../api";
import { formatTime } from "./Home";

/** A message of the page. */
type Message = { kind: "ok" | "error"; text: string } | null;

const errorText = (e: unknown) => (e instanceof ApiError ? e.message : String((e as Error).message));

/** The accounts, each with its roles and the two actions on it. */
function Users(props: { api: Api; onDone: () => void }) {
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState<Message>(null);

  useEffect(() => {
    props.api.adminUsers().then(setUsers, (e) => setMessage({ kind: "error", text: errorText(e) }));
  }, [props.api]);

  const reset = async (user: string) => {
    try {
      const answer = await props.api.resetPassword(user, password);
      setMessage({ kind: "ok", text: `Пароль пользователя ${user} задан; закрыто сеансов: ${answer.revoked}.` });
      setResetting(null);
      setPassword("");
      props.onDone();
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    }
  };
  const close = async (user: string) => {
    try {
      const answer = await props.api.closeSessions(user);
      setMessage({ kind: "ok", text: `Сеансы пользователя ${user} закрыты: ${answer.revoked}.` });
      props.onDone();
    } catch (e) {
      setMessage({ kind: "error", text: errorText(e) });
    }
  };

  return (
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">Пользователи</h2>
      {message && (
        <p class={`note ${message.kind}`} role="alert">
          {message.text}
        </p>
      )}
      {!users ? (
        <p>Загрузка…</p>
      ) : (
        <table class="documents">
          <thead>
            <tr>
              <th scope="col">Логин</th>
              <th scope="col">Имя</th>
              <th scope="col">Роли</th>
              <th scope="col">Действия</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.user}>
                <td>{u.user}</td>
                <td>{u.display_name}</td>
                <td>
                  {u.roles.map((r, i) => (
                    <div key={i}>
                      {r.role_ru} — {r.org_name || r.org}
                    </div>
                  ))}
                </td>
                <td>
                  {resetting === u.user ? (
                    <form
                      class="inline-form"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void reset(u.user);
                      }}
                    >
                      <label>
                        Новый пароль для {u.user}
                        <input type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
                      </label>
                      <button type="submit" class="primary">
                        Задать
                      </button>
                      <button type="button" onClick={() => setResetting(null)}>
                        Отмена
                      </button>
                    </form>
                  ) : (
                    <div class="actions">
                      <button type="button" aria-label={`Сбросить пароль: ${u.user}`} onClick={() => setResetting(u.user)}>
                        Сбросить пароль
                      </button>
                      <button type="button" aria-label={`Закрыть сеансы: ${u.user}`} onClick={() => void close(u.user)}>
                        Закрыть сеансы
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The audit log, newest first, with filters and the chain's check. */
function Audit(props: { api: Api; version: number }) {
  const [filter, setFilter] = useState<AuditFilter>({});
  const [rows, setRows] = useState<AuditRowView[] | null>(null);
  const [check, setCheck] = useState<AuditCheck | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    props.api.audit(filter).then(setRows, (e) => setError(errorText(e)));
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
      )}
    </section>
  );
}

/** The administrator's page. */
export function AdminPage(props: { token: string }) {
  const api = useMemo(() => new Api(props.token), [props.token]);
  const [version, setVersion] = useState(0);
  return (
    <>
      <h1>Администрирование</h1>
      <Users api={api} onDone={() => setVersion((v) => v + 1)} />
      <Audit api={api} version={version} />
    </>
  );
}
