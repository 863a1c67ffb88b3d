// Narratives and live validation in Debian's Chromium against the real sync-server: two
// people typing into one narrative at once (each seeing the other's cursor and name), the
// Rust CLI reading the browser's narrative, an offline narrative edit sent on reconnect, and a
// finding shown at its field as the user types, worded as `ravenstvo validate` words it.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { cli, eventually, launchBrowser, login, newPage, screenshot, startServer } from "./harness.mjs";

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

/** The editable area of the «Внутренние причины» narrative. */
const internal = (page) => page.locator("#f-causes_analysis-internal_causes");

/** The narrative's plain text as the CLI shows it after syncing. */
function cliNarrative(rust, id) {
  rust(["sync", "--doc", id]);
  return JSON.parse(rust(["show", id, "--json"])).causes_analysis?.internal_causes ?? "";
}

test("two people type into one narrative at once; both texts survive, each sees the other's cursor; the CLI reads it", async () => {
  const a = await newPage(browser);
  const b = await newPage(browser);
  await login(a.page, server.url, "editor");
  const id = await createProgramme(a.page);
  await internal(a.page).waitFor({ timeout: 20000 });
  await internal(a.page).click();
  await a.page.keyboard.type("Первый абзац.");
  await login(b.page, server.url, "mentor");
  await b.page.goto(`${server.url}/documents/${id}`);
  await eventually(async () => (await internal(b.page).innerText()).includes("Первый абзац."), 20000, "B to see A's text");

  // Both type at once: A at the end of its paragraph, B in a new paragraph of its own.
  await internal(b.page).click();
  await b.page.keyboard.press("Control+End");
  await b.page.keyboard.press("Enter");
  await Promise.all([
    a.page.keyboard.type(" Слабая подготовка учителей.", { delay: 15 }),
    b.page.keyboard.type("Текучесть кадров.", { delay: 15 }),
  ]);
  for (const { page } of [a, b]) {
    await eventually(
      async () => {
        const text = await internal(page).innerText();
        return text.includes("Первый абзац. Слабая подготовка учителей.") && text.includes("Текучесть кадров.");
      },
      20000,
      "both texts in both browsers",
    );
  }
  // Each sees the other's cursor with the other's name.
  await eventually(async () => (await a.page.locator(".collaboration-cursor__label").allInnerTexts()).includes("Белова Ольга Викторовна"), 20000, "B's cursor in A");
  await eventually(async () => (await b.page.locator(".collaboration-cursor__label").allInnerTexts()).includes("Котова Ирина Сергеевна"), 20000, "A's cursor in B");
  await internal(a.page).scrollIntoViewIfNeeded();
  await screenshot(a.page, "10-narrative-two-cursors");

  // A list (typed as Markdown), then the CLI reads what the browsers wrote, as plain text.
  await internal(b.page).click();
  await b.page.keyboard.press("Control+End");
  await b.page.keyboard.press("Enter");
  await b.page.keyboard.type("- Нет психолога");
  await screenshot(b.page, "11-narrative-list");
  // The toolbar shows the list at the cursor.
  await eventually(
    async () => (await b.page.locator("#f-causes_analysis-internal_causes-block").getByRole("button", { name: "Маркированный список" }).getAttribute("aria-pressed")) === "true",
    5000,
    "the bullet list button pressed",
  );
  const rust = cli(server, "editor");
  const expected = "Первый абзац. Слабая подготовка учителей.\nТекучесть кадров.\n• Нет психолога";
  let seen = "";
  await eventually(() => (seen = cliNarrative(rust, id)) === expected, 20000, "the CLI to read the narrative").catch(() => {
    assert.equal(seen, expected);
  });
  await a.context.close();
  await b.context.close();
});

test("an offline narrative edit is counted as pending and reaches the server after reconnect", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  const id = await createProgramme(page);
  await internal(page).waitFor({ timeout: 20000 });
  await internal(page).click();
  await page.keyboard.type("В сети.");
  const rust = cli(server, "editor");
  await eventually(() => cliNarrative(rust, id) === "В сети.", 20000, "the online edit");
  await eventually(async () => !(await indicator(page)).includes("ждут"), 20000, "nothing pending");

  await context.setOffline(true);
  await eventually(async () => (await indicator(page)).includes("нет сети"), 20000, "the offline state");
  await page.keyboard.type(" Без сети.");
  await eventually(async () => (await indicator(page)).includes("изменений ждут отправки"), 10000, "the pending narrative edit");
  await screenshot(page, "12-narrative-offline-pending");
  assert.equal(cliNarrative(rust, id), "В сети.");

  await context.setOffline(false);
  await eventually(() => cliNarrative(rust, id) === "В сети. Без сети.", 30000, "the offline edit to reach the server");
  await eventually(async () => !(await indicator(page)).includes("ждут"), 30000, "nothing pending after reconnect");
  await context.close();
});

test("a finding appears at its field as the user types and goes when fixed, worded as ravenstvo validate", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  const id = await createProgramme(page);
  const title = page.getByLabel("Наименование программы");
  await title.fill("Программа перехода МБОУ СОШ с. Красное");
  const notes = page.locator("#f-title-block .note.error");
  // Valid at first: no finding at the title (the form has others: it is barely begun).
  await page.locator("section.findings").waitFor({ timeout: 10000 });
  await eventually(async () => (await notes.count()) === 0, 5000, "no finding at the title");

  await title.fill("Ой");
  await notes.first().waitFor({ timeout: 5000 });
  const shown = await notes.first().innerText();
  await screenshot(page, "13-live-finding");
  const panel = page.locator("section.findings");
  assert.ok((await panel.getByRole("link").allInnerTexts()).includes(shown), "the panel lists the finding at the title");

  const rust = cli(server, "editor");
  await eventually(() => {
    rust(["sync", "--doc", id]);
    return JSON.parse(rust(["show", id, "--json"])).title === "Ой";
  }, 20000, "the CLI to have the short title");
  const { stdout } = rust(["validate", id, "--format", "json"], undefined, true);
  const atTitle = JSON.parse(stdout).errors.filter((f) => f.pointer === "/title").map((f) => f.message);
  assert.deepEqual(atTitle, [shown]);
  // The panel holds what the CLI reports, finding for finding.
  const cliMessages = [...JSON.parse(stdout).errors, ...JSON.parse(stdout).warnings].map((f) => f.message).sort();
  assert.deepEqual((await panel.getByRole("link").allInnerTexts()).sort(), cliMessages);

  await title.fill("Программа перехода МБОУ СОШ с. Красное");
  await eventually(async () => (await notes.count()) === 0, 5000, "the finding to go");
  await context.close();
});

test("a narrative in a table row is named as the Rust replica names it: the CLI's text shows in the browser's editor", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  await page.getByLabel("Форма").selectOption("stimulus-policy-change");
  await page.getByRole("button", { name: "Создать" }).click();
  const changes = page.locator("#f-changes-block");
  await changes.waitFor({ timeout: 20000 });
  await changes.getByRole("button", { name: /Добавить/ }).click();
  await changes.getByRole("button", { name: /Добавить/ }).click();
  const id = /\/documents\/([^/]+)$/.exec(page.url())?.[1];
  const rationale = (row) => page.locator(`#f-changes-${row}-rationale`);
  await rationale(1).waitFor({ timeout: 20000 });
  await eventually(async () => !(await indicator(page)).includes("ждут"), 20000, "the rows to reach the server");

  const rust = cli(server, "editor");
  rust(["sync", "--doc", id]);
  rust(["edit", id, "text", "/changes/1/rationale", "--at", "0", "--insert", "Обоснование из CLI"]);
  rust(["sync", "--doc", id]);
  await eventually(async () => (await rationale(1).innerText()).trim() === "Обоснование из CLI", 20000, "the CLI's text in row 2");
  assert.equal((await rationale(0).innerText()).trim(), "");
  // The first row goes: the narrative stays with its row, now the first.
  await changes.getByRole("button", { name: /Удалить строку 1/ }).click();
  await eventually(async () => (await rationale(0).innerText()).trim() === "Обоснование из CLI", 20000, "the narrative to move with its row");
  await context.close();
});
