// What the browser tests share: the real sync-server (the workspace's debug build, or
// RAVENSTVO_BIN_DIR) with the demo region on an ephemeral port serving web/dist, Debian's
// Chromium driven by playwright-core, the Rust CLI as another replica, and screenshots under
// web/test-results/screenshots/.

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const ROOT = resolve(WEB, "..");
const BIN = process.env.RAVENSTVO_BIN_DIR ?? join(ROOT, "target/debug");
export const SCREENSHOTS = join(WEB, "test-results/screenshots");

/** The demo users' passwords (sync-server --demo). */
export const PASSWORDS = {
  editor: "demo-editor",
  director: "demo-director",
  mentor: "demo-mentor",
  "mentor-director": "demo-mentor-director",
  reviewer: "demo-reviewer",
  coordinator: "demo-coordinator",
  curator: "demo-curator",
  admin: "demo-admin",
  "sukhodol-editor": "demo-sukhodol",
};

/** Flags for Chromium in a container with no GPU and nothing to phone home to. */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A running sync-server: `url`, `stop()`. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "ravenstvo-web-"));
  const child = spawn(
    join(BIN, "sync-server"),
    [
      "--listen", "127.0.0.1:0",
      "--data-dir", join(dir, "data"),
      "--forms-dir", join(ROOT, "forms"),
      "--web-dir", join(WEB, "dist"),
      "--demo",
    ],
    { env: { ...process.env, RUST_LOG: "warn" }, stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error("sync-server did not start in 60 s")), 60000);
    child.on("exit", (code) => reject(new Error(`sync-server exited with ${code}`)));
    lines.once("line", (line) => {
      clearTimeout(timer);
      const match = /^listening on (http:\/\/\S+)$/.exec(line.trim());
      if (match) resolvePromise(match[1]);
      else reject(new Error(`unexpected first line: ${line}`));
    });
  });
  return {
    url,
    dir,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

/** A fresh browser profile (its own IndexedDB, service worker, localStorage) at 1366×768. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "ru-RU" });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  return { context, page };
}

/** Logs in through the login form. */
export async function login(page, url, user) {
  await page.goto(url);
  await page.getByLabel("Логин").fill(user);
  await page.getByLabel("Пароль").fill(PASSWORDS[user]);
  await page.getByRole("button", { name: "Войти" }).click();
  await page.getByRole("heading", { name: "Мои документы" }).waitFor();
}

/** Saves a screenshot of the page as NAME.png. */
export async function screenshot(page, name, fullPage = false) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

/** The Rust CLI as `login`'s replica in its own data dir: `run(args, stdin?)` returns stdout
 * (with `allowFailure`, `{status, stdout}`). */
export function cli(server, login) {
  const dataDir = join(server.dir, `cli-${login}`);
  const run = (args, input, allowFailure = false) => {
    const result = spawnSync(join(BIN, "ravenstvo"), args, {
      input,
      encoding: "utf8",
      cwd: ROOT,
      env: { ...process.env, RAVENSTVO_DATA_DIR: dataDir, RAVENSTVO_AUTHOR: login, RAVENSTVO_FORMS_DIR: join(ROOT, "forms") },
    });
    if (allowFailure) return { status: result.status, stdout: result.stdout.trim() };
    if (result.status !== 0) {
      throw new Error(`ravenstvo ${args.join(" ")} exited ${result.status}: ${result.stderr}${result.stdout}`);
    }
    return result.stdout.trim();
  };
  run(["login", "--server", server.url, "--user", login, "--password-stdin"], `${PASSWORDS[login]}\n`);
  return run;
}

/** Polls `check` until it returns truthy, up to `ms`. */
export async function eventually(check, ms = 20000, what = "condition") {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${last}`);
}
