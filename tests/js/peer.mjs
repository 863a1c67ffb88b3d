// A JavaScript peer of the sync server, for the end-to-end tests: the same libraries the web
// app uses (`@automerge/automerge-repo` with its websocket adapter), in Node.
//
//   node peer.mjs --server ws://127.0.0.1:PORT/sync --doc ID --user LOGIN --token TOKEN
//                 [--title TEXT] [--text POINTER --at N --insert TEXT] [--author NAME]
//                 [--timeout-ms N]
//
// It connects as LOGIN with the bearer TOKEN of `POST /api/login`: the server binds each
// connection to a peer id `u:LOGIN:<replica>`, so both of its connections use such ids.
//
// It finds the document (an id as `ravenstvo new` prints it, or an `automerge:` URL), prints
// the form's `data` as it found it (one line of JSON on stdout), then applies the requested
// edits in one change: `--title` rewrites the text at `/title`, `--text` inserts into the text
// at POINTER (a JSON pointer inside `data`, as the CLI takes) at character N. Strings the
// replicas edit are Automerge text objects, so the edits go through `updateText` and `splice`
// and merge character-wise instead of replacing the object. With `--author` the change carries
// the message our Rust code writes (`{"author_id", "author", "message"}`), so the replicas'
// history names the author.
//
// It exits 0 only once the server holds the change: a second, independent connection to the
// server must see it. Every failure, including the time limit, exits 1 with a message on
// stderr; a bad command line exits 2.

import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { Repo, isValidAutomergeUrl } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { next as A } from "@automerge/automerge";

const USAGE =
  "usage: node peer.mjs --server ws://HOST:PORT/sync --doc ID --user LOGIN --token TOKEN " +
  "[--title TEXT] [--text POINTER --at N --insert TEXT] [--author NAME] [--timeout-ms N]";

function usage(problem) {
  console.error(`peer.mjs: ${problem}\n${USAGE}`);
  process.exit(2);
}

function fail(problem) {
  console.error(`peer.mjs: ${problem}`);
  process.exit(1);
}

function parseCommandLine() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        server: { type: "string" },
        doc: { type: "string" },
        user: { type: "string" },
        token: { type: "string" },
        title: { type: "string" },
        text: { type: "string" },
        at: { type: "string" },
        insert: { type: "string" },
        author: { type: "string" },
        "timeout-ms": { type: "string", default: "30000" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    usage(e.message);
  }
  if (!values.server || !/^wss?:\/\//.test(values.server)) {
    usage("--server must be a ws:// or wss:// URL");
  }
  if (!values.doc) usage("--doc is required");
  if (!values.user || !values.token) usage("--user and --token are required");
  const url = values.doc.startsWith("automerge:") ? values.doc : `automerge:${values.doc}`;
  if (!isValidAutomergeUrl(url)) usage(`not a document id: ${values.doc}`);
  const textOptions = [values.text, values.at, values.insert].filter((v) => v !== undefined);
  if (textOptions.length !== 0 && textOptions.length !== 3) {
    usage("--text, --at and --insert go together");
  }
  let text;
  if (values.text !== undefined) {
    const at = Number(values.at);
    if (!Number.isInteger(at) || at < 0) usage(`--at must be a character index: ${values.at}`);
    text = { path: pointerPath(values.text), at, insert: values.insert };
  }
  const timeoutMs = Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) usage("--timeout-ms must be positive");
  return {
    server: values.server,
    user: values.user,
    token: values.token,
    url,
    title: values.title,
    text,
    author: values.author,
    timeoutMs,
  };
}

// The path inside `data` that a JSON pointer names: `/a/0/b` is `["a", 0, "b"]`.
function pointerPath(pointer) {
  if (!pointer.startsWith("/")) usage(`not a JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((token) => (/^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : token));
}

// The value at `path` inside `data`, or undefined.
function at(data, path) {
  return path.reduce((value, key) => (value == null ? undefined : value[key]), data);
}

// The websocket URL of a connection as `peerId`: the token and the peer id it is bound to.
function syncUrl(options, peerId) {
  const query = new URLSearchParams({ token: options.token, peer: peerId });
  return `${options.server}?${query}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const options = parseCommandLine();
  // One deadline for everything: connecting, finding, and the server acknowledging the edit.
  // The timer also keeps the process alive, so it never ends quietly with work left undone:
  // every way out is an explicit exit.
  const deadline = Date.now() + options.timeoutMs;
  setTimeout(
    () => fail(`timed out after ${options.timeoutMs} ms (server ${options.server})`),
    options.timeoutMs,
  );
  const signal = AbortSignal.timeout(options.timeoutMs);

  const peerId = `u:${options.user}:js-peer-${randomUUID()}`;
  // No storage adapter: this peer keeps nothing, so whatever it sees came from the server.
  const repo = new Repo({
    network: [new WebSocketClientAdapter(syncUrl(options, peerId))],
    peerId,
  });
  const handle = await repo.find(options.url, { signal }).catch((e) => {
    fail(
      `cannot find ${options.url} on ${options.server} ` +
      `(is the server up, and has a replica synced the document to it?): ${e.message}`,
    );
  });
  const found = handle.doc();
  // `form` is a scalar string, which the `next` API reads as an `ImmutableString`.
  if (typeof found?.data !== "object" || found.form === undefined) {
    fail(`${options.url} is not a form document (no root \`form\` and \`data\`)`);
  }
  // Texts read as strings with the `next` API, so `data` prints as the replicas' JSON does.
  process.stdout.write(`${JSON.stringify(found.data)}\n`);

  if (options.title === undefined && options.text === undefined) {
    await repo.shutdown();
    return;
  }

  // `--at` counts characters, as the CLI's does; JS Automerge indexes text in UTF-16 units.
  let spliceAt;
  if (options.text) {
    const target = at(found.data, options.text.path);
    if (typeof target !== "string") {
      fail(`no text at /${options.text.path.join("/")} in data`);
    }
    const chars = [...target];
    if (options.text.at > chars.length) {
      fail(`--at ${options.text.at} is past the end of a ${chars.length}-character text`);
    }
    spliceAt = chars.slice(0, options.text.at).join("").length;
  }
  const message = options.author
    ? JSON.stringify({ author_id: peerId, author: options.author, message: "правка из JS" })
    : undefined;
  handle.change(
    (doc) => {
      if (options.title !== undefined) {
        // `updateText` diffs against the current text object, so concurrent typing elsewhere in
        // the title survives; assigning a string would replace the whole object.
        A.updateText(doc, ["data", "title"], options.title);
      }
      if (options.text) {
        A.splice(doc, ["data", ...options.text.path], spliceAt, 0, options.text.insert);
      }
    },
    message ? { message } : {},
  );
  const expected = A.getHeads(handle.doc());

  // The change is on its way to the server. It counts as delivered when a peer that knows
  // nothing, connected separately, receives it from the server.
  const witnessId = `${peerId}-witness`;
  const witness = new Repo({
    network: [new WebSocketClientAdapter(syncUrl(options, witnessId))],
    peerId: witnessId,
  });
  const seen = await witness.find(options.url, { signal }).catch((e) => {
    fail(`the server lost ${options.url} after the edit: ${e.message}`);
  });
  while (A.getMissingDeps(seen.doc(), expected).length > 0) {
    if (Date.now() > deadline) fail("the server never acknowledged the change");
    await sleep(20);
  }
  await Promise.all([witness.shutdown(), repo.shutdown()]);
}

main().then(
  () => process.exit(0),
  (e) => fail(e?.stack ?? String(e)),
);
