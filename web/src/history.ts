// «Кто и когда менял»: a document's changes grouped into sessions of one author's work.

import { next as A } from "@automerge/automerge/slim";

/** One author's run of changes, no two more than `GAP_S` apart. */
export interface Session {
  author: string;
  /** Seconds since the epoch. */
  from: number;
  to: number;
  changes: number;
  /** The messages of the run's changes, without repeats. */
  messages: string[];
}

/** Changes by one author this close (seconds) are one session. */
export const GAP_S = 300;

/** The author and message of a change, as our Rust and browser replicas write them
 * (`{"author_id", "author", "message"}`), or the raw message. */
export function describe(message: string | null): { author: string; message: string } {
  if (!message) return { author: "неизвестно", message: "" };
  try {
    const parsed = JSON.parse(message) as { author?: unknown; message?: unknown };
    if (parsed && typeof parsed === "object") {
      return {
        author: typeof parsed.author === "string" && parsed.author ? parsed.author : "неизвестно",
        message: typeof parsed.message === "string" ? parsed.message : "",
      };
    }
  } catch {
    // A plain message.
  }
  return { author: "неизвестно", message };
}

/** The document's history as sessions, newest first. */
export function sessions(doc: A.Doc<unknown>): Session[] {
  const changes = A.getChangesMetaSince(doc, [])
    .map((change) => ({ ...describe(change.message), time: change.time }))
    .sort((a, b) => a.time - b.time);
  const out: Session[] = [];
  for (const change of changes) {
    const last = out[out.length - 1];
    if (last && last.author === change.author && change.time - last.to <= GAP_S) {
      last.to = change.time;
      last.changes++;
      if (change.message && !last.messages.includes(change.message)) last.messages.push(change.message);
    } else {
      out.push({
        author: change.author,
        from: change.time,
        to: change.time,
        changes: 1,
        messages: change.message ? [change.message] : [],
      });
    }
  }
  return out.reverse();
}
