// Logging in: `POST /api/login`.

import { useState } from "preact/hooks";
import { Api, ApiError } from "../api";
import type { Session } from "../session";

/** The login form. */
export function Login(props: { onLogin: (session: Session) => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await new Api(null).login(user.trim(), password);
      props.onLogin({ token: answer.token, user: answer.user, displayName: answer.display_name });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "не удалось войти");
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit}>
        <h1>Равенство</h1>
        <p>Программы школ, соглашения о сетевом партнёрстве и изменения положений о стимулирующих выплатах.</p>
        <label for="login-user">Логин</label>
        <input id="login-user" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
        <label for="login-password">Пароль</label>
        <input
          id="login-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
        />
        {error && (
          <p class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          Войти
        </button>
      </form>
    </main>
  );
}
