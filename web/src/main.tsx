// The app's entry: loads Automerge's WebAssembly (a file of its own, cached by the browser
// and the service worker), renders the app, and registers the service worker that keeps the
// app shell for offline reloads.

import { next as A } from "@automerge/automerge/slim";
import wasmUrl from "@automerge/automerge/automerge.wasm?url";
import { render } from "preact";
import { App } from "./app";
import "./style.css";

async function start(): Promise<void> {
  await A.initializeWasm(wasmUrl);
  render(<App />, document.getElementById("app")!);
}

void start().catch((e) => {
  document.getElementById("app")!.textContent = `Не удалось запустить приложение: ${String(e)}`;
});

if ("serviceWorker" in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register("/sw.js").catch((e) => console.warn("service worker:", e));
}
