// The browser's replica: an automerge-repo Repo over IndexedDB, dialing the server's `/sync`
// as `u:<login>:<browser>`; whether it is connected and how many local changes the server
// has not acknowledged yet.

import { next as A } from "@automerge/automerge/slim";
import {
  type AutomergeUrl,
  type DocHandle,
  decodeHeads,
  type PeerId,
  Repo,
  type StorageId,
} from "@automerge/automerge-repo/slim";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb";
import { browserId, type Session } from "./session";

/** How often a lost connection is dialled again, ms. */
export const RETRY_MS = 2000;

/** Where the sync stands, for the indicator. */
export interface SyncState {
  online: boolean;
  /** Local changes the server has not acknowledged, over the documents opened, and narrative
   * edits made offline not yet sent. */
  pending: number;
}

/** The websocket URL of `/sync` on this page's server. */
export function syncUrl(token: string, peerId: string, location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = new URLSearchParams({ token, peer: peerId });
  return `${scheme}://${location.host}/sync?${query}`;
}

/**
 * The number of changes in `doc` that are not in `serverHeads` (the server's last known
 * version): changes since the part of those heads this replica has. With no known server
 * version every change counts.
 */
export function pendingChanges(doc: A.Doc<unknown>, serverHeads: string[] | null): number {
  const known = (serverHeads ?? []).filter((h) => A.hasHeads(doc, [h]));
  return A.getChangesMetaSince(doc, known).length;
}

const HEADS_KEY = "ravenstvo.serverHeads.";

/** The replica of one logged-in user. */
export class Replica {
  readonly repo: Repo;
  readonly peerId: string;
  private readonly adapter: WebSocketClientAdapter;
  private readonly handles = new Map<string, DocHandle<unknown>>();
  private readonly listeners = new Set<(state: SyncState) => void>();
  private readonly pendingSources = new Set<() => number>();
  /** Documents with a local change not yet written to IndexedDB: saves in flight. */
  private readonly unsaved = new Map<string, number>();
  private connected = false;
  private timer: ReturnType<typeof setInterval>;
  state: SyncState = { online: false, pending: 0 };

  constructor(readonly session: Session) {
    this.peerId = `u:${session.user}:${browserId()}-${crypto.randomUUID().slice(0, 8)}`;
    this.adapter = new WebSocketClientAdapter(syncUrl(session.token, this.peerId), RETRY_MS);
    this.adapter.on("peer-candidate", () => {
      this.connected = true;
      this.refresh();
    });
    this.adapter.on("peer-disconnected", () => {
      this.connected = false;
      this.refresh();
    });
    this.repo = new Repo({
      storage: new IndexedDBStorageAdapter(`ravenstvo-${session.user}`),
      network: [this.adapter],
      peerId: this.peerId as PeerId,
      sharePolicy: async () => true,
    });
    this.timer = setInterval(() => this.refresh(), 500);
    addEventListener("offline", this.wentOffline);
  }

  /** The browser lost its network: a socket that looks open is dead (or soon will be), so it
   * is closed now and dialled again every `RETRY_MS` until the server answers. */
  private wentOffline = () => {
    this.connected = false;
    this.adapter.socket?.close();
    this.refresh();
  };

  /** Follows `handle`'s unacknowledged changes in the indicator, and writes each of its
   * changes to IndexedDB at once (automerge-repo's own save waits 100 ms and says nothing when
   * it is done: a reload in between would open the document without the change). */
  watch(handle: DocHandle<unknown>): void {
    if (this.handles.get(handle.documentId) !== handle) {
      this.handles.set(handle.documentId, handle);
      handle.on("heads-changed", () => void this.persist(handle));
      void this.persist(handle);
    }
    this.refresh();
  }

  /** Writes `handle`'s document to IndexedDB; counted as pending until the write is done. */
  private async persist(handle: DocHandle<unknown>): Promise<void> {
    const id = handle.documentId;
    this.unsaved.set(id, (this.unsaved.get(id) ?? 0) + 1);
    this.refresh();
    try {
      await this.repo.flush([id]);
    } catch (e) {
      console.warn("saving to IndexedDB:", e);
    } finally {
      const left = (this.unsaved.get(id) ?? 1) - 1;
      if (left > 0) this.unsaved.set(id, left);
      else this.unsaved.delete(id);
      this.refresh();
    }
  }

  /** Counts `source`'s unsent edits (a document's narratives) in the indicator until the
   * returned function is called. */
  countPending(source: () => number): () => void {
    this.pendingSources.add(source);
    this.refresh();
    return () => {
      this.pendingSources.delete(source);
      this.refresh();
    };
  }

  /** Calls `listener` with every new state (and now). Returns the unsubscribe. */
  subscribe(listener: (state: SyncState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** The document at `url`, from IndexedDB or the server. */
  find<T>(url: AutomergeUrl, signal?: AbortSignal): Promise<DocHandle<T>> {
    return this.repo.find<T>(url, signal ? { signal } : undefined);
  }

  /** The server's storage id, once its peer announced it. */
  private serverStorage(): StorageId | undefined {
    for (const metadata of Object.values(this.repo.peerMetadataByPeerId)) {
      if (metadata?.storageId) return metadata.storageId;
    }
    return undefined;
  }

  private storedHeads(documentId: string): string[] | null {
    try {
      return JSON.parse(localStorage.getItem(HEADS_KEY + this.session.user + "." + documentId) ?? "null") as
        | string[]
        | null;
    } catch {
      return null;
    }
  }

  /**
   * Records a version the server held (from sync or from REST) if it holds more of this
   * replica's changes than the one recorded. The server's copy only grows, so of two versions
   * it held, the one with fewer of our changes missing is the later one; sync messages may
   * arrive out of order, and REST answers lag, so neither alone is trusted to be the newest.
   */
  noteServerHeads(documentId: string, heads: string[]): void {
    const handle = this.handles.get(documentId);
    const stored = this.storedHeads(documentId);
    if (handle?.isReady() && stored && pendingChanges(handle.doc(), heads) >= pendingChanges(handle.doc(), stored)) {
      return;
    }
    localStorage.setItem(HEADS_KEY + this.session.user + "." + documentId, JSON.stringify(heads));
  }

  /** Local changes of `handle` not yet on the server (as far as anything the server said). */
  pendingOf(handle: DocHandle<unknown>): number {
    if (!handle.isReady()) return 0;
    const storage = this.serverStorage();
    const info = storage ? handle.getSyncInfo(storage) : undefined;
    if (info?.lastHeads) this.noteServerHeads(handle.documentId, decodeHeads(info.lastHeads));
    return pendingChanges(handle.doc(), this.storedHeads(handle.documentId));
  }

  /** Tells the listeners what changed now (also called every 500 ms). */
  refresh(): void {
    let pending = 0;
    for (const handle of this.handles.values()) {
      // A change the server has but IndexedDB not yet still counts: it is not safe here yet.
      pending += this.pendingOf(handle) || (this.unsaved.has(handle.documentId) ? 1 : 0);
    }
    for (const source of this.pendingSources) pending += source();
    const online = this.connected;
    if (online === this.state.online && pending === this.state.pending) return;
    this.state = { online, pending };
    for (const listener of this.listeners) listener(this.state);
  }

  /** Waits until the server holds every local change of `handle`, up to `ms`. */
  async settled(handle: DocHandle<unknown>, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.connected && this.pendingOf(handle) === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.pendingOf(handle) === 0;
  }

  /** Stops syncing and closes the storage. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    removeEventListener("offline", this.wentOffline);
    await this.repo.shutdown();
  }
}
