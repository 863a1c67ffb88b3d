// Forms 2.0.0 in the browser against the real sync-server with the demo region: a plan row's
// timing filled as a period of months and another as «ежегодно» with a note, shown as the Rust
// side renders them; the CLI replica reads the same timings after a sync. The curator is set to
// «назначается» with its checkbox. Views are saved under web/test-results/screenshots/.

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

const indicator = (page) => page.getByRole("status").first().innerText();

test("a plan row's timing as a period of months and as «ежегодно» reaches the CLI replica", async () => {
  const { context, page } = await newPage(browser);
  await page.setViewportSize({ width: 1366, height: 768 });
  await login(page, server.url, "editor");
  await page.getByLabel("Форма").selectOption("school-programme");
  await page.getByLabel("Школа-наставник").selectOption("lyceum-44");
  await page.getByRole("button", { name: "Создать" }).click();
  await page.getByLabel("Наименование программы").waitFor();
  const id = /\/documents\/([^/]+)$/.exec(page.url())?.[1];
  assert.ok(id, `a document page: ${page.url()}`);

  const plan = page.locator("#f-action_plan-block");
  const add = plan.getByRole("button", { name: "Добавить строку — План мероприятий" });
  await add.click();
  await add.click();

  const first = page.locator("#f-action_plan-0-timing-block");
  await first.getByLabel("Как указан срок").selectOption("span");
  await first.getByLabel("С", { exact: true }).fill("2026-02");
  await first.getByLabel("По", { exact: true }).fill("2026-04");
  await eventually(
    async () => (await first.locator(".timing-text").innerText()) === "В документе: февраль–апрель 2026",
    10000,
    "the period in Russian",
  );

  const second = page.locator("#f-action_plan-1-timing-block");
  await second.getByLabel("Как указан срок").selectOption("recurring");
  await second.getByLabel("Повторяется").selectOption({ label: "ежегодно" });
  await second.getByLabel("Примечание").fill("март");
  await eventually(
    async () => (await second.locator(".timing-text").innerText()) === "В документе: ежегодно, март",
    10000,
    "the recurrence in Russian",
  );

  const curator = page.locator("#f-curator-block");
  await curator.getByLabel("назначается", { exact: true }).check();
  await curator.getByLabel("Кем назначается").fill("Министерство образования");

  await eventually(
    async () => (await indicator(page)).includes("в сети") && !(await indicator(page)).includes("ждут"),
    20000,
    "the edits to reach the server",
  );
  await first.evaluate((element) => element.scrollIntoView({ block: "center" }));
  await screenshot(page, "20-plan-timings");
  await curator.scrollIntoViewIfNeeded();
  await screenshot(page, "21-curator-pending");

  const rust = cli(server, "editor");
  rust(["sync", "--doc", id]);
  const data = JSON.parse(rust(["show", id, "--json"]));
  const [a, b] = data.action_plan.map((row) => row.timing);
  assert.equal(a.from, "2026-02");
  assert.equal(a.to, "2026-04");
  assert.ok(!a.at && !a.recurring && !(a.intervals ?? []).length, JSON.stringify(a));
  assert.equal(b.recurring, "annually");
  assert.equal(b.note, "март");
  assert.ok(!b.at && !b.from && !b.to, JSON.stringify(b));
  assert.equal(data.curator.pending, true);
  assert.equal(data.curator.assigned_by, "Министерство образования");
  assert.ok(!data.curator.full_name, JSON.stringify(data.curator));

  // Switching the first row to «регулярно» keeps only that shape's data.
  await first.getByLabel("Как указан срок").selectOption("recurring");
  await first.getByLabel("Повторяется").selectOption({ label: "по мере необходимости" });
  await eventually(
    async () => (await first.locator(".timing-text").innerText()) === "В документе: по мере необходимости",
    10000,
    "the switched timing",
  );
  await eventually(async () => !(await indicator(page)).includes("ждут"), 20000, "the switch to reach the server");
  rust(["sync", "--doc", id]);
  const switched = JSON.parse(rust(["show", id, "--json"])).action_plan[0].timing;
  assert.equal(switched.recurring, "as_needed");
  assert.ok(!switched.from && !switched.to, JSON.stringify(switched));
  await context.close();
});
