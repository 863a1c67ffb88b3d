// A Yjs peer of the sync server's /yjs route, for the end-to-end tests: the packages the web
// app binds its editors with (`yjs` and `y-websocket`'s WebsocketProvider, with `ws` in Node).
//
//   node yjs_peer.mjs --server ws://127.0.0.1:PORT/yjs --doc ID --token TOKEN --key POINTER
//                     [--name NAME] [--await-peer NAME] [--insert TEXT --at N] [--timeout-ms N]
//
// It joins the document's narratives as the token's user, announces NAME in its awareness,
// waits for the first sync and prints the narrative at POINTER (its paragraphs' text joined
// by line breaks) as one line of JSON: {"text": …}. With --await-peer it waits until another
// client's awareness says NAME. With --insert it types TEXT at character N of the first
// paragraph (as y-prosemirror would: into the paragraph's XmlText) and exits 0 only once a
// second, independent connection sees the result on the server. Failures and the time limit
// exit 1; a bad command line exits 2.

import { parseArgs } from "node:util";
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import WebSocket from "ws";

function fail(problem, code = 1) {
  console.error(`yjs_peer.mjs: ${problem}`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    options: {
      server: { type: "string" },
      doc: { type: "string" },
      token: { type: "string" },
      key: { type: "string" },
      name: { type: "string", default: "js" },
      "await-peer": { type: "string" },
      insert: { type: "string" },
      at: { type: "string", default: "0" },
      "timeout-ms": { type: "string", default: "20000" },
    },
  }).values;
} catch (e) {
  fail(e.message, 2);
}
for (const required of ["server", "doc", "token", "key"]) {
  if (!args[required]) fail(`--${required} is required`, 2);
}
setTimeout(() => fail("time limit reached"), Number(args["timeout-ms"])).unref();

function connect(doc) {
  const provider = new WebsocketProvider(args.server, args.doc, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token: args.token },
    disableBc: true,
  });
  return provider;
}

function synced(provider) {
  return new Promise((resolve) => {
    if (provider.synced) resolve();
    else provider.once("sync", (isSynced) => isSynced && resolve());
  });
}

function plain(fragment) {
  return fragment
    .toArray()
    .map((node) =>
      node instanceof Y.XmlElement
        ? node
            .toArray()
            .filter((child) => child instanceof Y.XmlText)
            .map((text) => text.toDelta().map((d) => d.insert).join(""))
            .join("")
        : "",
    )
    .join("\n");
}

function until(check, subscribe) {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const off = subscribe(() => {
      if (check()) {
        off();
        resolve();
      }
    });
  });
}

const doc = new Y.Doc();
const provider = connect(doc);
provider.awareness.setLocalStateField("user", { name: args.name });
await synced(provider);
const fragment = doc.getXmlFragment(args.key);
console.log(JSON.stringify({ text: plain(fragment) }));

if (args["await-peer"]) {
  const seen = () =>
    [...provider.awareness.getStates().entries()].some(
      ([client, state]) => client !== doc.clientID && state?.user?.name === args["await-peer"],
    );
  await until(seen, (f) => {
    provider.awareness.on("change", f);
    return () => provider.awareness.off("change", f);
  });
}

if (args.insert !== undefined) {
  const paragraph = fragment.get(0);
  if (!(paragraph instanceof Y.XmlElement)) fail("the narrative has no first paragraph");
  let text = paragraph.toArray().find((child) => child instanceof Y.XmlText);
  if (!text) {
    text = new Y.XmlText();
    paragraph.insert(0, [text]);
  }
  text.insert(Number(args.at), args.insert);
  const expected = plain(fragment);
  const check = new Y.Doc();
  const checker = connect(check);
  await synced(checker);
  const other = check.getXmlFragment(args.key);
  await until(
    () => plain(other) === expected,
    (f) => {
      check.on("update", f);
      return () => check.off("update", f);
    },
  );
  checker.destroy();
}
provider.destroy();
process.exit(0);
