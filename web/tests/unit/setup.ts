// Loads Automerge's WebAssembly for the unit tests (from its base64 build, so the tests need
// no file access), as the app's entry does in the browser.

import { next as A } from "@automerge/automerge/slim";
import { automergeWasmBase64 } from "@automerge/automerge/automerge.wasm.base64";

/** Initialises Automerge once. */
export async function automerge(): Promise<void> {
  if (!A.isWasmInitialized()) await A.initializeBase64Wasm(automergeWasmBase64);
}
