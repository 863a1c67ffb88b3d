// The app's frame: who is logged in, their replica, the connection indicator, and which page
// the address shows (`/`, `/documents/<id>`, `/password`).

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Api, ApiError, type WhoAmI } from "./api";
import { AdminPage } from "./pages/AdminPage";
import { CampaignList, CampaignPage } from "./pages/CampaignPage";
import { DashboardPage } from "./pages/DashboardPage";
import { DocumentPage } from "./pages/DocumentPage";
import { Home } from "./pages/Home";
import { Login } from "./pages/Login";
import { PasswordPage } from "./pages/PasswordPage";
import { RegistryPage } from "./pages/RegistryPage";
import { NoAccess, NotFound } from "./pages/Status";
import { loadSession, recall, remember, type Session, saveSession } from "./session";
import { Replica, type SyncState } from "./sync";

/** Goes to `path` inside the app without reloading. */
export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** A link inside the app: followed without reloading. */
export function Link(props: { href: string; children: ComponentChildren }) {
  return (
    <a
      href={props.href}
      onClick={(e) => {
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
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
  const [me, setMe] = useState<WhoAmI | null>(() => (session ? recall(`whoami.${session.user}`) : null));

  useEffect(() => {
    if (!session) return;
    new Api(session.token)
      .whoami()
      .then((who) => {
        remember(`whoami.${session.user}`, who);
        setMe(who);
      })
      .catch((e) => {
        if (e instanceof ApiError && e.status === 401) {
          saveSession(null);
          setSession(null);
        }
      });
  }, [session?.token]);

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

  const coordinator = !!me?.roles.some((r) => r.role === "regional-coordinator");
  const administrator = !!me?.roles.some((r) => r.role === "administrator");
  const reviewer = !!me?.roles.some((r) => r.role === "municipal-reviewer");
  const documentMatch = /^\/documents\/([^/]+)$/.exec(path);
  const campaignMatch = /^\/campaigns\/(\d+)$/.exec(path);
  const followsCampaigns = coordinator || reviewer;
  let page;
  if (!replica) page = <p>Загрузка…</p>;
  else if (documentMatch) {
    page = <DocumentPage key={documentMatch[1]} id={decodeURIComponent(documentMatch[1])} replica={replica} onExpired={expired} />;
  } else if (path === "/password") page = <PasswordPage session={session} />;
  else if (path === "/registry") {
    page = coordinator ? (
      <RegistryPage token={session.token} user={session.user} onExpired={expired} />
    ) : me ? (
      <NoAccess what="Реестр региона ведёт региональный координатор." />
    ) : (
      <p>Загрузка…</p>
    );
  } else if (path === "/dashboard") {
    page = coordinator ? (
      <DashboardPage token={session.token} onExpired={expired} />
    ) : me ? (
      <NoAccess what="Сводку по региону видит региональный координатор." />
    ) : (
      <p>Загрузка…</p>
    );
  } else if (path === "/campaigns" || campaignMatch) {
    page = followsCampaigns ? (
      campaignMatch ? (
        <CampaignPage key={campaignMatch[1]} id={Number(campaignMatch[1])} token={session.token} onExpired={expired} />
      ) : (
        <CampaignList token={session.token} onExpired={expired} />
      )
    ) : me ? (
      <NoAccess what="Кампании ведёт региональный координатор; муниципалитет видит свои школы. Что нужно подать вашей школе — на главной странице." />
    ) : (
      <p>Загрузка…</p>
    );
  } else if (path === "/admin") {
    page = administrator ? (
      <AdminPage token={session.token} />
    ) : me ? (
      <NoAccess what="Пользователей и журнал действий ведёт администратор." />
    ) : (
      <p>Загрузка…</p>
    );
  } else if (path === "/review") {
    page = reviewer ? (
      <Home replica={replica} onExpired={expired} queueOnly />
    ) : me ? (
      <NoAccess what="Очередь рассмотрения — для специалистов муниципалитета, проверяющих документы школ." />
    ) : (
      <p>Загрузка…</p>
    );
  } else if (path === "/") page = <Home replica={replica} onExpired={expired} />;
  else page = <NotFound />;

  return (
    <>
      <header class="topbar">
        <a class="brand" href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }}>
          Равенство
        </a>
        {administrator && <Link href="/admin">Администрирование</Link>}
        {reviewer && (
          <a href="/review" onClick={(e) => { e.preventDefault(); navigate("/review"); }}>
            На рассмотрении
          </a>
        )}
        {coordinator && (
          <a href="/registry" onClick={(e) => { e.preventDefault(); navigate("/registry"); }}>
            Реестр
          </a>
        )}
        {coordinator && (
          <a href="/dashboard" onClick={(e) => { e.preventDefault(); navigate("/dashboard"); }}>
            Сводка
          </a>
        )}
        {followsCampaigns && <Link href="/campaigns">Кампании</Link>}
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
