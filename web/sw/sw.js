// The service worker: keeps the app shell (index.html and every built asset, listed at build
// time) so that a reload with no network opens the app; the documents themselves live in
// IndexedDB. Hashed assets are served from the cache; pages from the network when it answers
// (a new build reaches people at once) and from the cache otherwise. The API and `/sync` are
// never cached.

// Plain JavaScript (the app's TypeScript is checked against the DOM, not a worker's scope).
// The build (vite.config.ts) puts `SHELL`, the built files, and `VERSION`, their hash, before
// this text.
/* global SHELL, VERSION */

const CACHE = `ravenstvo-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(["/", ...SHELL]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("ravenstvo-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (/^\/(api|sync|yjs|healthz)(\/|$)/.test(url.pathname)) return;
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(caches.match(request).then((hit) => hit ?? fetch(request)));
    return;
  }
  if (request.mode === "navigate") {
    // Every app path is the same page.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match("/")) ?? Response.error()),
    );
    return;
  }
  event.respondWith(fetch(request).catch(async () => (await caches.match(request)) ?? Response.error()));
});
