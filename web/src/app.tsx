// The app's frame: who is logged in, their replica, the connection indicator, and which page
// the address shows (`/`, `/documents/<id>`, `/password`).

import { useEffect, useState } from "preact/hooks";
import { Api } from "./api";
import { DocumentPage } from "./pages/DocumentPage";
import { Home } from "./pages/Home";
import { Login } from "./pages/Login";
import { PasswordPage } from "./pages/PasswordPage";
import { loadSession, type Session, saveSession } from "./session";
import { Replica, type SyncState } from "./sync";

/** Goes to `path` inside the app without reloading. */
export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

/** «в сети», «нет сети», «изменений ждут отправки: N». */
export function Indicator(props: { state: SyncState }) {
  const { online, pending } = props.state;
  return (
    <div class="indicator" role="status" aria-live="polite">
      <span class={`dot ${online ? "online" : "offline"}`} aria-hidden="true" />
      <span class="connection">{online ? "в сети" : "нет сети"}</span>
      {pending > 0 && <span class="pending">изменений ждут отправки: {pending}</span>}
    </div>
  );
}

/** The whole app. */
export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [replica, setReplica] = useState<Replica | null>(null);
  const [state, setState] = useState<SyncState>({ online: false, pending: 0 });
  const path = usePath();

  useEffect(() => {
    if (!session) return;
    const opened = new Replica(session);
    setReplica(opened);
    const unsubscribe = opened.subscribe(setState);
    return () => {
      unsubscribe();
      void opened.close();
    };
  }, [session?.token]);

  if (!session) {
    return (
      <Login
        onLogin={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  }

  const logout = async () => {
    try {
      await new Api(session.token).logout();
    } catch {
      // Offline or already expired: the token is forgotten here all the same.
    }
    saveSession(null);
    setSession(null);
    setReplica(null);
    navigate("/");
  };

  const expired = () => {
    saveSession(null);
    setSession(null);
  };

  const documentMatch = /^\/documents\/([^/]+)$/.exec(path);
  let page;
  if (!replica) page = <p>Загрузка…</p>;
  else if (documentMatch) {
    page = <DocumentPage key={documentMatch[1]} id={decodeURIComponent(documentMatch[1])} replica={replica} onExpired={expired} />;
  } else if (path === "/password") page = <PasswordPage session={session} />;
  else page = <Home replica={replica} onExpired={expired} />;

  return (
    <>
      <header class="topbar">
        <a class="brand" href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }}>
          Равенство
        </a>
        <Indicator state={state} />
        <span class="who">{session.displayName || session.user}</span>
        <a href="/password" onClick={(e) => { e.preventDefault(); navigate("/password"); }}>
          Сменить пароль
        </a>
        <button type="button" onClick={logout}>
          Выйти
        </button>
      </header>
      <main>{page}</main>
    </>
  );
}
