// The narratives of one form document: a Y.Doc kept in IndexedDB (`y-indexeddb`) and synced
// with the server's `/yjs/{doc}` (`y-websocket`), with the awareness of who else is editing.

import { IndexeddbPersistence } from "y-indexeddb";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { Session } from "../session";
import { RETRY_MS } from "../sync";

/** Cursor colours, one picked per login. */
const COLOURS = ["#b5179e", "#1d6fa5", "#2a7d2e", "#b35c00", "#6a4c93", "#c1121f", "#00798c"];

/** The colour of `login`'s cursor (the same in every browser). */
export function colourOf(login: string): string {
  let hash = 0;
  for (const ch of login) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return COLOURS[hash % COLOURS.length];
}

/** The websocket base URL of `/yjs` on this page's server (y-websocket appends `/{doc}`). */
export function yjsUrl(location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/yjs`;
}

/** One document's narratives, open while its page is. */
export class SharedNarratives {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;
  private readonly persistence: IndexeddbPersistence;
  /** Local updates made while not connected: they go to the server when it answers again. */
  private unsent = 0;
  /** The browser said it went offline and no connection has been made since: the socket may
   * still look open for seconds (its close cannot complete without a network), but nothing
   * sent on it arrives. */
  private offline = false;
  private readonly listeners = new Set<() => void>();

  constructor(session: Session, documentId: string) {
    this.persistence = new IndexeddbPersistence(`ravenstvo-yjs-${session.user}-${documentId}`, this.doc);
    this.provider = new WebsocketProvider(yjsUrl(), documentId, this.doc, {
      params: { token: session.token },
      maxBackoffTime: RETRY_MS,
    });
    this.provider.awareness.setLocalStateField("user", {
      name: session.displayName || session.user,
      color: colourOf(session.user),
    });
    this.doc.on("update", this.onUpdate);
    this.provider.on("sync", this.onSync);
    this.provider.on("status", this.onStatus);
    addEventListener("offline", this.wentOffline);
  }

  /** The browser lost its network: a socket that looks open is dead, so it is closed now and
   * dialled again until the server answers. */
  private wentOffline = () => {
    this.offline = true;
    this.provider.ws?.close();
    this.notify();
  };

  private onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (origin !== this.provider && origin !== this.persistence && !this.synced()) this.unsent += 1;
    this.notify();
  };

  private onSync = (synced: boolean) => {
    // The sync step with the server sends everything it lacks: nothing is left unsent.
    if (synced) this.unsent = 0;
    this.notify();
  };

  private onStatus = ({ status }: { status: string }) => {
    if (status === "connected") this.offline = false;
    this.notify();
  };

  private notify = () => {
    for (const listener of this.listeners) listener();
  };

  /** Whether the server's copy and this one have exchanged everything (connected and synced). */
  synced(): boolean {
    return !this.offline && this.provider.wsconnected && this.provider.synced;
  }

  /** Local narrative edits made while offline that the server has not received yet. */
  pending(): number {
    return this.synced() ? 0 : this.unsent;
  }

  /** Waits until the server has every narrative edit made here (connected and synced), up to
   * `ms`; the server pins narratives as it holds them when it accepts a submission. */
  async settled(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.synced() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    return this.synced();
  }

  /** Whether the copy in IndexedDB has been loaded. */
  loaded(): Promise<unknown> {
    return this.persistence.whenSynced;
  }

  /** Calls `listener` on every change of content or connection. Returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Disconnects and closes the IndexedDB copy. */
  destroy(): void {
    removeEventListener("offline", this.wentOffline);
    this.doc.off("update", this.onUpdate);
    this.provider.off("sync", this.onSync);
    this.provider.off("status", this.onStatus);
    this.provider.destroy();
    void this.persistence.destroy();
    this.doc.destroy();
  }
}
