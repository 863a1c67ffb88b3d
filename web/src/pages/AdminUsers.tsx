// The administrator's accounts: adding a user, their roles (granted at an organisation,
// withdrawn), a curator's schools, a password reset, closing sessions, deactivating and
// reactivating.

import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { type AdminApi, type AdminOrganisation, ROLES } from "../adminApi";
import type { AdminUser } from "../api";
import { errorText } from "./AdminOrganisations";

/** A message of the section. */
type Message = { kind: "ok" | "error"; text: string } | null;

/** One user's roles and curated schools, editable. */
function RolesEditor(props: {
  api: AdminApi;
  user: AdminUser;
  orgs: AdminOrganisation[];
  act: (work: () => Promise<unknown>, ok: string) => Promise<void>;
}) {
  const { user, orgs, act, api } = props;
  const [role, setRole] = useState(ROLES[0].role);
  const fitting = orgs.filter((o) => ROLES.find((r) => r.role === role)?.kinds.includes(o.kind));
  const [org, setOrg] = useState("");
  const chosen = fitting.some((o) => o.id === org) ? org : (fitting[0]?.id ?? "");
  const schools = orgs.filter((o) => o.kind.endsWith("school") && !user.curated.some((c) => c.id === o.id));
  const [school, setSchool] = useState("");
  const pickedSchool = schools.some((s) => s.id === school) ? school : (schools[0]?.id ?? "");
  const curator = user.roles.some((r) => r.role === "curator");
  return (
    <div class="roles-editor">
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => api.grant(user.user, chosen, role), `Роль выдана пользователю ${user.user}.`);
        }}
      >
        <label>
          Роль
          <select value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value)}>
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.ru}
              </option>
            ))}
          </select>
        </label>
        <label>
          В организации
          <select value={chosen} onChange={(e) => setOrg((e.currentTarget as HTMLSelectElement).value)}>
            {fitting.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={!chosen}>
          Выдать роль
        </button>
      </form>
      {curator && (
        <div class="curated">
          <p>Закреплён за школами:</p>
          <ul>
            {user.curated.map((c) => (
              <li key={c.id}>
                {c.name}{" "}
                <button
                  type="button"
                  class="link"
                  aria-label={`Снять закрепление: ${user.user}, ${c.name}`}
                  onClick={() => void act(() => api.unassign(user.user, c.id), `Закрепление за ${c.name} снято.`)}
                >
                  снять
                </button>
              </li>
            ))}
            {user.curated.length === 0 && <li class="empty">ни за одной</li>}
          </ul>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void act(() => api.assign(user.user, pickedSchool), `Куратор ${user.user} закреплён за школой.`);
            }}
          >
            <label>
              Школа
              <select value={pickedSchool} onChange={(e) => setSchool((e.currentTarget as HTMLSelectElement).value)}>
                {schools.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={!pickedSchool}>
              Закрепить
            </button>
          </form>
        </div>
      )}
    </div>
  );
}

/** The accounts section. */
export function Users(props: { api: AdminApi; users: AdminUser[] | null; orgs: AdminOrganisation[]; onChanged: () => void }) {
  const { api, users } = props;
  const [resetting, setResetting] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState<Message>(null);
  const [draft, setDraft] = useState({ login: "", display_name: "", password: "" });

  const act = async <T,>(work: () => Promise<T>, ok: string | ((answer: T) => string)) => {
    try {
      const answer = await work();
      setMessage({ kind: "ok", text: typeof ok === "string" ? ok : ok(answer) });
      props.onChanged();
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
      <form
        class="inline-form add-user"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await api.addUser(draft);
            setEditing(draft.login);
            setDraft({ login: "", display_name: "", password: "" });
          }, `Пользователь ${draft.login} добавлен: выдайте ему роль.`);
        }}
      >
        <label>
          Логин
          <input value={draft.login} size={14} autocomplete="off" onInput={(e) => setDraft({ ...draft, login: (e.currentTarget as HTMLInputElement).value.trim() })} />
        </label>
        <label>
          Имя
          <input value={draft.display_name} size={28} onInput={(e) => setDraft({ ...draft, display_name: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <label>
          Пароль
          <input type="password" autocomplete="new-password" value={draft.password} onInput={(e) => setDraft({ ...draft, password: (e.currentTarget as HTMLInputElement).value })} />
        </label>
        <button type="submit" class="primary">
          Добавить пользователя
        </button>
      </form>
      {!users ? (
        <p>Загрузка…</p>
      ) : (
        <table class="documents users">
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
              <Fragment key={u.user}>
                <tr class={u.active ? "" : "inactive"}>
                  <td>
                    {u.user}
                    {!u.active && <div class="status status-inactive">отключён</div>}
                  </td>
                  <td>{u.display_name}</td>
                  <td>
                    {u.roles.map((r) => (
                      <div key={`${r.org}-${r.role}`}>
                        {r.role_ru} — {r.org_name || r.org}
                        {editing === u.user && (
                          <>
                            {" "}
                            <button
                              type="button"
                              class="link"
                              aria-label={`Снять роль: ${u.user}, ${r.role_ru}, ${r.org_name}`}
                              onClick={() => void act(() => api.withdraw(u.user, r.org, r.role), `Роль снята с ${u.user}.`)}
                            >
                              снять
                            </button>
                          </>
                        )}
                      </div>
                    ))}
                    {u.curated.length > 0 && <div class="muted">школы: {u.curated.map((c) => c.name).join("; ")}</div>}
                  </td>
                  <td>
                    {resetting === u.user ? (
                      <form
                        class="inline-form"
                        onSubmit={(e) => {
                          e.preventDefault();
                          void act(
                            async () => {
                              const answer = await api.resetPassword(u.user, password);
                              setResetting(null);
                              setPassword("");
                              return answer;
                            },
                            (answer) => `Пароль пользователя ${u.user} задан; закрыто сеансов: ${answer.revoked}.`,
                          );
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
                        <button type="button" aria-label={`Роли: ${u.user}`} aria-expanded={editing === u.user} onClick={() => setEditing(editing === u.user ? null : u.user)}>
                          Роли
                        </button>
                        <button type="button" aria-label={`Сбросить пароль: ${u.user}`} onClick={() => setResetting(u.user)}>
                          Сбросить пароль
                        </button>
                        <button
                          type="button"
                          aria-label={`Закрыть сеансы: ${u.user}`}
                          onClick={() =>
                            void act(
                              () => api.closeSessions(u.user),
                              (answer) => `Сеансы пользователя ${u.user} закрыты: ${answer.revoked}.`,
                            )
                          }
                        >
                          Закрыть сеансы
                        </button>
                        {u.active ? (
                          <button
                            type="button"
                            aria-label={`Отключить: ${u.user}`}
                            onClick={() => void act(() => api.setActive(u.user, false), `Учётная запись ${u.user} отключена, её сеансы закрыты.`)}
                          >
                            Отключить
                          </button>
                        ) : (
                          <button
                            type="button"
                            aria-label={`Включить: ${u.user}`}
                            onClick={() => void act(() => api.setActive(u.user, true), `Учётная запись ${u.user} снова включена.`)}
                          >
                            Включить
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
                {editing === u.user && (
                  <tr class="editor-row">
                    <td colSpan={4}>
                      <RolesEditor api={api} user={u} orgs={props.orgs} act={act} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
