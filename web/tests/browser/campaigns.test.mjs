// Campaigns in Debian's Chromium against the real sync-server with the demo region: the
// coordinator opens the demo campaign from «Кампании» and sees who is missing (marked rows,
// counts by municipality), narrows the table to the problems and downloads the CSV, which holds
// the same rows; a campaign opened from the CLI with past deadlines shows late rows; the
// municipal reviewer sees only their schools; a school reads its obligations and reminders on
// its home page and gets «Нет доступа» on the campaign pages. Screenshots in
// web/test-results/screenshots/ (30-…).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cli, launchBrowser, login, newPage, screenshot, SCREENSHOTS, startServer } from "./harness.mjs";

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

/** The obligations table's rows as [cells…] and their classes. */
async function rows(page) {
  const table = page.getByRole("table", { name: "Обязательства школ" });
  await table.locator("tbody tr").first().waitFor({ timeout: 20000 });
  return table.locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({ cls: tr.className, cells: [...tr.querySelectorAll("td")].map((td) => td.textContent.trim()) })),
  );
}

test("the coordinator sees who is missing, filters and downloads; a past campaign shows late rows", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "coordinator");
  await page.getByRole("link", { name: "Кампании" }).click();
  await page.getByRole("heading", { name: "Кампании" }).waitFor();
  await page.getByRole("link", { name: /Программы и договоры/ }).click();
  const all = await rows(page);
  assert.equal(all.length, 8, JSON.stringify(all));
  const missing = all.filter((r) => r.cls === "missing").map((r) => `${r.cells[1]} — ${r.cells[2]}`);
  assert.deepEqual(missing, [
    "МАОУ «Лицей № 44» г. Липецка (школа-наставник) — изменение положения о стимулирующих выплатах",
    "МБОУ «Гимназия № 12» г. Липецка (школа-наставник) — изменение положения о стимулирующих выплатах",
    "МБОУ ООШ с. Суходол (школа с низкими результатами) — договор о сетевом партнёрстве",
  ]);
  const counts = await page.getByRole("table", { name: "По муниципалитетам" }).locator("tbody tr").allInnerTexts();
  assert.match(counts[0], /Городской округ город Липецк\s+2\s+2\s+0\s+0\s+2\s+0/);
  assert.match(counts[1], /Краснинский муниципальный район\s+2\s+6\s+4\s+2\s+1\s+0/);
  await screenshot(page, "30-campaign", true);

  await page.getByLabel("Только просроченные и отсутствующие").check();
  assert.equal((await rows(page)).length, 3);
  await screenshot(page, "31-campaign-problems");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Скачать CSV" }).click()]);
  const file = join(SCREENSHOTS, "..", "campaign.csv");
  await download.saveAs(file);
  const lines = readFileSync(file, "utf8").replace(/^\uFEFF/, "").trim().split("\n");
  assert.equal(lines.length, 1 + 8, "the file holds every row, not only those shown");
  assert.match(lines[0], /^Муниципалитет,Школа,Категория,Документ,Состояние/);
  assert.ok(lines.some((l) => l.includes("МБОУ ООШ с. Суходол") && l.includes("договор о сетевом партнёрстве") && l.includes("нет документа")));

  // A campaign whose deadlines passed, opened from the command line: late and missing rows.
  const run = cli(server, "coordinator");
  const id = run(["campaign", "open", "--year", "2020", "--title", "Прошлый год", "--submit-by", "2020-01-31", "--decide-by", "2020-02-28"]).split("\n").pop();
  await page.goto(`${server.url}/campaigns/${id}`);
  await page.getByRole("heading", { name: "Прошлый год" }).waitFor({ timeout: 20000 });
  const past = await rows(page);
  assert.equal(past.length, 8);
  assert.ok(past.every((r) => r.cls === "missing" || r.cls === "late"), JSON.stringify(past));
  assert.ok(past.some((r) => r.cells[6] === "подача просрочена"));
  await screenshot(page, "32-campaign-late", true);
  await context.close();
});

test("the reviewer sees their municipality's schools; a school its obligations and reminders, and no campaign page", async () => {
  const reviewer = await newPage(browser);
  await login(reviewer.page, server.url, "reviewer");
  await reviewer.page.getByRole("link", { name: "Кампании" }).click();
  await reviewer.page.getByRole("link", { name: /Программы и договоры/ }).click();
  const seen = await rows(reviewer.page);
  assert.equal(seen.length, 6);
  assert.ok(seen.every((r) => r.cells[0] === "Краснинский муниципальный район"));
  await screenshot(reviewer.page, "33-campaign-reviewer");
  await reviewer.context.close();

  const { context, page } = await newPage(browser);
  await login(page, server.url, "sukhodol-editor");
  const card = page.locator("section.obligations-card");
  await card.getByRole("heading", { name: "Что нужно подать" }).waitFor({ timeout: 20000 });
  const reminders = await card.getByRole("list", { name: "Напоминания" }).locator("li").allInnerTexts();
  assert.ok(reminders.some((r) => /^Скоро срок: «договор о сетевом партнёрстве» нужно подать до \d\d\.\d\d\.\d{4}/.test(r)), reminders.join("\n"));
  assert.ok(reminders.some((r) => r.startsWith("Срок прошёл: «программа перехода")), reminders.join("\n"));
  const own = await card.locator("table.obligations tbody tr").allInnerTexts();
  assert.ok(own.every((r) => r.includes("МБОУ ООШ с. Суходол")), own.join("\n"));
  await screenshot(page, "34-school-obligations", true);
  assert.equal(await page.getByRole("link", { name: "Кампании" }).count(), 0);
  await page.goto(`${server.url}/campaigns/1`);
  await page.getByRole("heading", { name: "Нет доступа" }).waitFor({ timeout: 20000 });
  await context.close();
});
