// Who is logged in on this browser, kept in localStorage so that a reload with no network
// still knows the user (and so opens their documents from IndexedDB).

/** A login session. */
export interface Session {
  token: string;
  user: string;
  displayName: string;
}

const SESSION_KEY = "ravenstvo.session";
const BROWSER_KEY = "ravenstvo.browser";

/** The session stored on this browser, if any. */
export function loadSession(): Session | null {
  try {
    const value = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    if (value && typeof value.token === "string" && typeof value.user === "string") return value;
  } catch {
    // A damaged entry is no session.
  }
  return null;
}

/** Keeps `session` (or forgets it, with `null`). */
export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
}

/** This browser's id: random, made once and kept. */
export function browserId(): string {
  let id = localStorage.getItem(BROWSER_KEY);
  if (!id || !/^[\w-]{8,64}$/.test(id)) {
    id = crypto.randomUUID();
    localStorage.setItem(BROWSER_KEY, id);
  }
  return id;
}

/** Remembered answers of the server (document summaries, the organisations) for offline use. */
export function remember(key: string, value: unknown): void {
  try {
    localStorage.setItem(`ravenstvo.cache.${key}`, JSON.stringify(value));
  } catch {
    // A full storage only costs the offline view its freshness.
  }
}

/** What `remember` kept under `key`. */
export function recall<T>(key: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(`ravenstvo.cache.${key}`) ?? "null") as T | null;
  } catch {
    return null;
  }
}
