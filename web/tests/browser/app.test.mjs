// The web app in Debian's Chromium against the real sync-server with the demo region: logging
// in, creating and filling in a programme, two browsers typing into one field (one offline),
// a reload with no network, submitting an invalid and a valid programme, a returned document's
// comments, another school's user, and the time to open a 200-row programme. Each view is
// saved under web/test-results/screenshots/.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cli, eventually, launchBrowser, login, newPage, ROOT, screenshot, startServer } from "./harness.mjs";

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

/** Creates a programme with the Lyceum No. 44 as mentor in the browser; returns its id. */
async function createProgramme(page) {
  await page.getByLabel("Форма").selectOption("school-programme");
  await page.getByLabel("Школа-наставник").selectOption("lyceum-44");
  await page.getByRole("button", { name: "Создать" }).click();
  await page.getByLabel("Наименование программы").waitFor();
  const id = /\/documents\/([^/]+)$/.exec(page.url())?.[1];
  assert.ok(id, `a document page: ${page.url()}`);
  return id;
}

/** The text of the sync indicator. */
const indicator = (page) => page.getByRole("status").first().innerText();

test("an editor logs in, creates a programme and fills it in; the Rust replica gets it", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  await screenshot(page, "01-home");
  const id = await createProgramme(page);

  await page.getByLabel("Наименование программы").fill("Программа перехода МБОУ СОШ с. Красное");
  const period = page.locator("#f-period-block");
  await period.getByLabel("Начало").fill("2025-09-01");
  await page.locator("#f-school_profile-block").getByLabel("Число обучающихся").fill("212");
  const goals = page.locator("#f-goals-block");
  await goals.getByRole("button", { name: /Добавить/ }).click();
  await goals.getByRole("button", { name: /Добавить/ }).click();
  await goals.locator("input, textarea").first().fill("Повысить качество обучения");
  await eventually(async () => (await indicator(page)).includes("в сети") && !(await indicator(page)).includes("ждут"), 20000, "the edits to reach the server");
  await screenshot(page, "02-programme-filled");

  const rust = cli(server, "editor");
  rust(["sync", "--doc", id]);
  const data = JSON.parse(rust(["show", id, "--json"]));
  assert.equal(data.title, "Программа перехода МБОУ СОШ с. Красное");
  assert.equal(data.period.start, "2025-09-01");
  assert.equal(data.school_profile.pupils, 212);
  assert.equal(data.goals.length, 2);
  assert.equal(data.goals[0], "Повысить качество обучения");

  // The Rust replica edits the same document; the browser shows it without a reload.
  rust(["edit", id, "-m", "из CLI", "set", "/period/end", '"2027-06-30"']);
  rust(["sync"]);
  await eventually(async () => (await period.getByLabel("Окончание").inputValue()) === "2027-06-30", 20000, "the CLI's edit");
  // «Кто и когда менял»: the browser's user and the CLI's author.
  await page.getByText("История правок").click();
  const history = page.locator(".history ol");
  await expectText(history, /Котова Ирина Сергеевна/);
  await expectText(history, /editor/);
  await context.close();
});

test("two browsers type into one field and add rows, one offline; both keep everything", async () => {
  const a = await newPage(browser);
  const b = await newPage(browser);
  await login(a.page, server.url, "editor");
  const id = await createProgramme(a.page);
  const title = (page) => page.getByLabel("Наименование программы");
  await title(a.page).fill("Программа");
  await login(b.page, server.url, "editor");
  await b.page.goto(`${server.url}/documents/${id}`);
  await eventually(async () => (await title(b.page).inputValue()) === "Программа", 20000, "B to see A's title");

  await b.context.setOffline(true);
  await eventually(async () => (await indicator(b.page)).includes("нет сети"), 20000, "B to notice it is offline");
  await title(a.page).press("Home");
  await title(a.page).pressSequentially("Новая ");
  await title(b.page).press("End");
  await title(b.page).pressSequentially(" школы");
  await a.page.locator("#f-tasks-block").getByRole("button", { name: /Добавить/ }).click();
  await b.page.locator("#f-tasks-block").getByRole("button", { name: /Добавить/ }).click();
  await eventually(async () => (await indicator(b.page)).includes("изменений ждут отправки"), 10000, "B's pending count");
  // A's typing reached the server, but not the offline B.
  await eventually(async () => !(await indicator(a.page)).includes("ждут"), 20000, "A's edits to be sent");
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await title(b.page).inputValue(), "Программа школы");
  await screenshot(b.page, "03-offline-pending");

  await b.context.setOffline(false);
  for (const { page } of [a, b]) {
    await eventually(async () => (await title(page).inputValue()) === "Новая Программа школы", 30000, "both titles to merge");
    await eventually(async () => (await page.locator("#f-tasks-block li.row").count()) === 2, 30000, "both rows");
  }
  await eventually(async () => !(await indicator(b.page)).includes("ждут"), 30000, "B's changes to be acknowledged");
  await screenshot(a.page, "04-merged");
  await a.context.close();
  await b.context.close();
});

test("a reload with no network opens the document and edits it; the edit reaches the server later", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  const id = await createProgramme(page);
  await page.getByLabel("Наименование программы").fill("До отключения");
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await eventually(async () => !(await indicator(page)).includes("ждут"), 20000, "the first edits to be sent");

  await context.setOffline(true);
  await page.reload();
  const title = page.getByLabel("Наименование программы");
  await title.waitFor({ timeout: 20000 });
  assert.equal(await title.inputValue(), "До отключения");
  await title.press("End");
  await title.pressSequentially(" и после");
  await eventually(async () => (await indicator(page)).includes("нет сети"), 10000, "the offline state");
  await eventually(async () => (await indicator(page)).includes("изменений ждут отправки"), 10000, "the pending count");
  await screenshot(page, "05-offline-reload");

  await context.setOffline(false);
  await eventually(async () => !(await indicator(page)).includes("ждут") && (await indicator(page)).includes("в сети"), 30000, "the reconnect");
  const rust = cli(server, "editor");
  rust(["sync", "--doc", id]);
  assert.equal(JSON.parse(rust(["show", id, "--json"])).title, "До отключения и после");
  await context.close();
});

test("submitting an invalid programme shows the server's findings at the fields, as ravenstvo validate", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  const id = await createProgramme(page);
  await page.getByLabel("Наименование программы").fill("Ой");
  await page.getByRole("button", { name: "Подать на рассмотрение" }).click();
  const panel = page.locator("section.findings");
  await panel.waitFor({ timeout: 20000 });
  const heading = await panel.getByRole("heading").innerText();
  const shown = Number(/Ошибок: (\d+)/.exec(heading)?.[1]);
  assert.ok(shown > 0, heading);
  // The title's own message is shown at the title.
  const titleNotes = page.locator("#f-title-block .note.error");
  await titleNotes.first().waitFor();
  assert.match(await titleNotes.first().innerText(), /Наименование программы/);
  // A panel entry moves the focus to its field.
  await panel.getByRole("link", { name: /Наименование программы/ }).first().click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "f-title");
  await screenshot(page, "06-invalid-findings");

  const rust = cli(server, "editor");
  rust(["sync", "--doc", id]);
  const { status, stdout } = rust(["validate", id, "--format", "json"], undefined, true);
  assert.equal(status, 1, stdout);
  assert.equal(JSON.parse(stdout).errors.length, shown);
  await context.close();
});

test("a valid programme made by the Rust replica is submitted in the browser", async () => {
  const rust = cli(server, "editor");
  const id = rust([
    "new", "school-programme", "--region", "lipetsk", "--mentor", "lyceum-44",
    "--from", join(ROOT, "forms/examples/school-programme.lipetsk.valid.json"),
  ]);
  rust(["sync"]);
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  await page.goto(`${server.url}/documents/${id}`);
  await page.getByRole("button", { name: "Подать на рассмотрение" }).click();
  await page.getByText("Документ подан").waitFor({ timeout: 20000 });
  await eventually(async () => (await page.locator(".doc-head .status").innerText()) === "на рассмотрении", 10000, "the new state");
  await screenshot(page, "07-submitted");
  await context.close();
});

test("a returned document shows the reviewer's comments at their fields; another school sees nothing", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  await page.getByRole("link", { name: /изменение положения/ }).click();
  const comment = page.locator(".field .note.comment, .section .note.comment, .row .note.comment");
  await comment.first().waitFor({ timeout: 20000 });
  assert.match(await comment.first().innerText(), /^Замечание: /);
  await expectText(page.locator(".doc-head"), /возвращён на доработку/);
  // The head lists the comments; each moves the focus to its field, where it is shown too.
  const listed = page.locator(".doc-head .comments a").first();
  await listed.click();
  const focused = await page.evaluate(() => document.activeElement?.closest(".field, .section, .row")?.querySelector(".note.comment")?.textContent ?? "");
  assert.match(focused, /^Замечание: /);
  await screenshot(page, "08-returned-comments");
  const id = /\/documents\/([^/]+)$/.exec(page.url())[1];
  await context.close();

  const other = await newPage(browser);
  await login(other.page, server.url, "sukhodol-editor");
  assert.equal(await other.page.locator(`a[href="/documents/${id}"]`).count(), 0);
  await other.page.goto(`${server.url}/documents/${id}`);
  await other.page.getByText("Документ не найден").waitFor({ timeout: 30000 });
  await screenshot(other.page, "09-stranger");
  await other.context.close();
});

test("the mentor school's director signs the submitted agreement the school's director signed", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "mentor-director");
  await page.getByRole("link", { name: /договор о сетевом партнёрстве/ }).click();
  await page.getByRole("button", { name: "Подписать" }).click();
  await page.getByText("Подпись поставлена").waitFor({ timeout: 20000 });
  // Both parties' signatures now: the school's (the demo's) and the mentor school's.
  await expectText(page.locator(".signatures"), /Подписи: .*МБОУ СОШ с\. Красное.*; /);
  await screenshot(page, "11-signed");
  await context.close();
});

async function expectText(locator, pattern) {
  await eventually(async () => pattern.test(await locator.innerText()), 10000, String(pattern));
}

test("a 200-row programme opens", async () => {
  const example = JSON.parse(readFileSync(join(ROOT, "forms/examples/school-programme.lipetsk.valid.json"), "utf8"));
  const row = example.action_plan[0];
  example.action_plan = Array.from({ length: 200 }, (_, i) => ({ ...row, number: `${Math.floor(i / 10) + 1}.${(i % 10) + 1}` }));
  const file = join(server.dir, "programme-200.json");
  writeFileSync(file, JSON.stringify(example));
  const rust = cli(server, "editor");
  const id = rust(["new", "school-programme", "--region", "lipetsk", "--mentor", "lyceum-44", "--from", file]);
  rust(["sync"]);

  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  // First open: from the server into IndexedDB; second: from IndexedDB, as people reopen it.
  for (const pass of ["с сервера", "из IndexedDB"]) {
    const started = Date.now();
    await page.goto(`${server.url}/documents/${id}`);
    await page.locator("#f-action_plan-block li.row").nth(199).waitFor({ timeout: 60000 });
    const ms = Date.now() - started;
    console.log(`# 200-row programme opened (${pass}) in ${ms} ms`);
    assert.ok(ms < 30000, `${ms} ms`);
  }
  await page.locator("#f-action_plan-block li.row").nth(1).scrollIntoViewIfNeeded();
  await screenshot(page, "10-programme-200-rows");
  await context.close();
});
