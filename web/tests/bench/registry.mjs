// How long the coordinator waits for the registry of a region with a thousand submissions:
// seeds a fresh server with `sync-server admin seed-registry N` (real documents, submitted,
// approved, a third collected), then opens /registry in Debian's Chromium several times and
// reports the median time from navigation until the table's first page of fresh rows is drawn,
// beside the API's own answer time. A measurement, not a test: it asserts only that the rows
// arrive. Build first: `cargo build --release -p sync-server` and `npm run build`.
//
//   node tests/bench/registry.mjs            # 1000 submissions, 7 loads
//   REGISTRY_ROWS=3000 LOADS=5 node tests/bench/registry.mjs
//   RAVENSTVO_BIN_DIR=../target/debug node tests/bench/registry.mjs

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { launchBrowser, newPage, PASSWORDS, ROOT, WEB } from "../browser/harness.mjs";

const ROWS = Number(process.env.REGISTRY_ROWS ?? 1000);
const LOADS = Number(process.env.LOADS ?? 7);
const BIN = process.env.RAVENSTVO_BIN_DIR ?? join(ROOT, "target/release");
const SERVER = join(BIN, "sync-server");

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (x) => `${x.toFixed(0)} мс`;

const dir = mkdtempSync(join(tmpdir(), "ravenstvo-registry-bench-"));
const data = join(dir, "data");
let child;
let browser;
try {
  const seededAt = performance.now();
  const seeded = spawnSync(SERVER, ["--data-dir", data, "--forms-dir", join(ROOT, "forms"), "admin", "seed-registry", String(ROWS)], {
    encoding: "utf8",
    env: { ...process.env, RUST_LOG: "warn" },
  });
  if (seeded.status !== 0) throw new Error(`seed-registry failed: ${seeded.stderr}`);
  const seedSeconds = (performance.now() - seededAt) / 1000;

  child = spawn(SERVER, ["--listen", "127.0.0.1:0", "--data-dir", data, "--forms-dir", join(ROOT, "forms"), "--web-dir", join(WEB, "dist")], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line.trim());
      if (match) resolve(match[1]);
      else reject(new Error(`unexpected first line: ${line}`));
    });
    child.once("exit", (code) => reject(new Error(`sync-server exited with ${code}`)));
  });

  // The API alone: the first answer reads every pinned content once, later ones only new ones.
  const login = await fetch(`${url}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: "coordinator", password: PASSWORDS.coordinator }),
  });
  const { token } = await login.json();
  const api = [];
  let total = 0;
  let bytes = 0;
  for (let i = 0; i < LOADS + 1; i++) {
    const started = performance.now();
    const answer = await fetch(`${url}/api/registry`, { headers: { Authorization: `Bearer ${token}` } });
    const text = await answer.text();
    api.push(performance.now() - started);
    total = JSON.parse(text).length;
    bytes = text.length;
  }
  if (total < ROWS) throw new Error(`the registry has ${total} rows, expected at least ${ROWS}`);

  // The page: from navigation until «Строк: N» and the first page of rows are drawn. The
  // address carries a sort, so the page waits for fresh rows instead of showing the last
  // ones kept for offline reading.
  browser = await launchBrowser();
  const { page } = await newPage(browser);
  await page.goto(url);
  await page.getByLabel("Логин").fill("coordinator");
  await page.getByLabel("Пароль").fill(PASSWORDS.coordinator);
  await page.getByRole("button", { name: "Войти" }).click();
  await page.getByRole("heading", { name: "Мои документы" }).waitFor();
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    const started = performance.now();
    await page.goto(`${url}/registry?sort=decided_at`);
    await page.getByText(`Строк: ${total}`, { exact: true }).waitFor({ timeout: 60000 });
    await page.locator("table.documents tbody tr").nth(Math.min(total, 100) - 1).waitFor();
    loads.push(performance.now() - started);
  }
  const drawn = await page.locator("table.documents tbody tr").count();

  console.log(`registry bench: ${total} rows (seeded ${ROWS} in ${seedSeconds.toFixed(1)} s), binaries ${BIN}`);
  console.log(`  GET /api/registry: first ${ms(api[0])}, then median ${ms(median(api.slice(1)))} (${(bytes / 1024).toFixed(0)} KiB)`);
  console.log(`  open /registry in Chromium: median ${ms(median(loads))} of ${LOADS} (min ${ms(Math.min(...loads))}, max ${ms(Math.max(...loads))}), ${drawn} rows drawn per page`);
} finally {
  await browser?.close();
  if (child) {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  }
  rmSync(dir, { recursive: true, force: true });
}
