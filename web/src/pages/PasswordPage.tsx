// Changing one's own password: `POST /api/password` (the other sessions are closed).

import { useState } from "preact/hooks";
import { Api, ApiError } from "../api";
import type { Session } from "../session";

/** The password form. */
export function PasswordPage(props: { session: Session }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (next !== repeat) {
      setMessage({ ok: false, text: "новый пароль и его повтор не совпадают" });
      return;
    }
    try {
      const answer = await new Api(props.session.token).changePassword(current, next);
      setMessage({ ok: true, text: `Пароль изменён. Закрыто других сеансов: ${answer.revoked}.` });
      setCurrent("");
      setNext("");
      setRepeat("");
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? e.message : "не удалось сменить пароль" });
    }
  };
  return (
    <form class="card narrow" onSubmit={submit}>
      <h1>Смена пароля</h1>
      <label for="password-current">Текущий пароль</label>
      <input id="password-current" type="password" autoComplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
      <label for="password-new">Новый пароль</label>
      <input id="password-new" type="password" autoComplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} required />
      <label for="password-repeat">Новый пароль ещё раз</label>
      <input id="password-repeat" type="password" autoComplete="new-password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} required />
      {message && (
        <p class={`note ${message.ok ? "ok" : "error"}`} role="alert">
          {message.text}
        </p>
      )}
      <button type="submit" class="primary">
        Сменить пароль
      </button>
    </form>
  );
}
