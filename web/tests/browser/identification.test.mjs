// The school's category on its home page, in Debian's Chromium against the real sync-server
// with the demo region: before the region confirms an identification the page says none is in
// effect; the coordinator uploads the demo Lipetsk register (the REST API, as the CLI does) and
// confirms it; the school's editor then sees «Школа с низкими результатами обучения» and the
// decision's basis. Screenshot: identification-home.png.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchBrowser, login, newPage, ROOT, screenshot, startServer } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A bearer token of a demo user. */
async function token(user, password) {
  const answer = await fetch(`${server.url}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user, password }),
  });
  assert.equal(answer.status, 200);
  return (await answer.json()).token;
}

test("the school sees its confirmed category and why on its home page", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  const card = page.locator("section.identification");
  await card.getByText(/Подтверждённой идентификации нет/).waitFor({ timeout: 20000 });

  const bearer = { Authorization: `Bearer ${await token("coordinator", "demo-coordinator")}` };
  const table = readFileSync(join(ROOT, "sync-server/demo/identification.lipetsk.2025.csv"));
  const uploaded = await fetch(`${server.url}/api/identification?region=lipetsk&year=2025`, {
    method: "POST",
    headers: { ...bearer, "Content-Type": "text/csv" },
    body: table,
  });
  assert.equal(uploaded.status, 201);
  const { id } = await uploaded.json();
  const confirmed = await fetch(`${server.url}/api/identification/${id}/confirm`, { method: "POST", headers: bearer });
  assert.equal(confirmed.status, 200);

  await page.reload();
  await card.getByText("Школа с низкими результатами обучения", { exact: true }).waitFor({ timeout: 20000 });
  const text = await card.innerText();
  assert.match(text, /Категория школы: МБОУ СОШ с\. Красное/);
  assert.match(text, /идентификация 2025 года, подтверждено/);
  assert.match(text, /основание: приказ управления образования и науки Липецкой области от 14\.03\.2025 № 312/);
  await screenshot(page, "identification-home");
  await context.close();
});
