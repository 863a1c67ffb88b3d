// Every role's main path in Debian's Chromium against the real sync-server with the demo region:
// the school resubmits a returned policy change; the municipal reviewer finds it in the queue,
// sees exactly what changed since the round they decided, comments on two fields and returns it;
// the school sees the comments, fixes one field and resubmits; the reviewer sees that change
// alone and approves; the coordinator filters the registry, collects the row and downloads the
// XLSX, which is read row by row against the registry; every bar of the dashboard opens the
// registry's rows behind it, as many as it counts; a reviewer of another municipality (made by
// the administrator in the browser) sees none of it; a curator reads without deciding and has
// «Мои школы»; the administrator edits organisations, users and roles; a school user gets
// «Нет доступа» on the reviewer's page and «Не найдено» on an unknown address. Screenshots
// are saved under web/test-results/screenshots/.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { eventually, launchBrowser, login, newPage, PASSWORDS, screenshot, SCREENSHOTS, startServer } from "./harness.mjs";
import { readXlsx } from "./xlsx.mjs";

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

/** The registry's rows under `filter`, as the coordinator's API answers them. */
async function registryRows(filter) {
  const answer = await fetch(`${server.url}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: "coordinator", password: PASSWORDS.coordinator }),
  });
  const { token } = await answer.json();
  const rows = await fetch(`${server.url}/api/registry?${new URLSearchParams(filter)}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(rows.status, 200);
  return rows.json();
}

/** The text of the sync indicator. */
const indicator = (page) => page.getByRole("status").first().innerText();

/** Opens the policy change from the list on the home page; returns its id. */
async function openPolicy(page) {
  await page.getByRole("link", { name: /изменение положения/ }).first().click();
  await page.locator("#f-order-number").waitFor({ timeout: 30000 });
  return /\/documents\/([^/]+)$/.exec(page.url())[1];
}

/** As the school's editor: sets the order's field `key` to `value` and submits. */
async function editAndSubmit(key, value) {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  await openPolicy(page);
  const input = page.locator(`#f-order-${key}`);
  await eventually(async () => !(await input.getAttribute("readonly")) , 20000, "the document to become editable");
  await input.fill(value);
  await eventually(async () => (await indicator(page)).includes("в сети") && !(await indicator(page)).includes("ждут"), 20000, "the edit to reach the server");
  await page.getByRole("button", { name: "Подать на рассмотрение" }).click();
  await page.getByText(/Документ подан/).waitFor({ timeout: 30000 });
  return { context, page };
}

/** Selects `words` inside the element at `selector` by dragging the mouse over them, as a
 * reviewer would: from the left edge of their first character to the right edge of their last. */
async function dragOver(page, selector, words) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  // Let a smooth scroll settle: the characters are hit where they are drawn.
  await eventually(async () => {
    const y = await page.evaluate(() => window.scrollY);
    await new Promise((r) => setTimeout(r, 200));
    return y === (await page.evaluate(() => window.scrollY));
  }, 5000, "the page to stop scrolling");
  const box = await page.evaluate(
    ({ selector, words }) => {
      const root = document.querySelector(selector);
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(words);
        if (at < 0) continue;
        const rect = (from, to) => {
          const range = document.createRange();
          range.setStart(node, from);
          range.setEnd(node, to);
          const r = range.getClientRects()[0];
          return { left: r.left, right: r.right, y: r.top + r.height / 2 };
        };
        return { first: rect(at, at + 1), last: rect(at + words.length - 1, at + words.length) };
      }
      return null;
    },
    { selector, words },
  );
  assert.ok(box, `no «${words}» in ${selector}`);
  await page.mouse.move(box.first.left + 1, box.first.y);
  await page.mouse.down();
  await page.mouse.move((box.first.left + box.last.right) / 2, (box.first.y + box.last.y) / 2, { steps: 5 });
  await page.mouse.move(box.last.right - 1, box.last.y, { steps: 5 });
  await page.mouse.up();
}

/** The rows of the changes table: [field, kind, old, new]. */
async function changes(page) {
  const panel = page.locator("section.changes");
  await panel.locator("table.diff, p").first().waitFor({ timeout: 20000 });
  return panel.locator("table.diff tbody tr").evaluateAll((rows) =>
    rows.map((r) => [...r.querySelectorAll("th, td")].map((c) => c.textContent.trim())),
  );
}

test("reviewer returns with comments at fields, the school fixes one, the reviewer sees that change and approves; the coordinator collects and downloads", async () => {
  // Round 2: the school changes the order's number after the demo's return.
  let school = await editAndSubmit("number", "113-о");
  await school.context.close();

  // The reviewer's queue has it; the changes since round 1 (which the reviewer returned) are that edit.
  const { context, page } = await newPage(browser);
  await login(page, server.url, "reviewer");
  await page.getByRole("link", { name: "На рассмотрении" }).click();
  await page.getByRole("heading", { name: /Ждут рассмотрения/ }).waitFor();
  await screenshot(page, "20-review-queue");
  await page.getByRole("heading", { name: /Ждут рассмотрения: 2/ }).waitFor();
  await screenshot(page, "20-review-queue");
  await page.locator("section.queue").getByRole("link", { name: /изменение положения/ }).click();
  await page.getByRole("heading", { name: /Что изменилось с раунда 1/ }).waitFor({ timeout: 30000 });
  let rows = await changes(page);
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.match(rows[0][0], /Номер приказа/);
  assert.deepEqual(rows[0].slice(2), ["112-о", "113-о"]);
  assert.equal(await page.locator("#f-order-number").getAttribute("readonly"), "");
  // The submission's findings, judged as at submission, are shown to the reviewer too.
  await page.locator("section.findings h2").waitFor({ timeout: 20000 });
  assert.match(await page.locator("section.findings h2").innerText(), /^Ошибок нет/);

  // Comments at two fields by clicking them, then the return.
  await page.locator("#f-order-number-block").getByRole("button", { name: /Замечание к полю/ }).click();
  await page.getByLabel("Номер приказа", { exact: true }).last().waitFor();
  await page.locator("#draft-0").fill("Номер приказа не совпадает с журналом приказов");
  await page.locator("#f-order-date-block").getByRole("button", { name: /Замечание к полю/ }).click();
  await page.locator("#draft-1").fill("Дата приказа должна быть не раньше согласования");
  // A comment on a passage of a narrative: the reviewer selects words of the new wording
  // (shown read-only) and comments on them; the school will see exactly those words quoted.
  const wording = "#f-changes-0-new_text";
  const words = "индивидуальную работу с обучающимися";
  await eventually(async () => (await page.locator(wording).innerText()).includes(words), 20000, "the new wording to show");
  await dragOver(page, wording, words);
  const selectedButton = page.locator("#f-changes-0-new_text-block").getByRole("button", { name: "Комментарий к выделенному" });
  await eventually(async () => await selectedButton.isEnabled(), 10000, "the button to take the selection");
  assert.equal(await page.locator("#f-changes-0-new_text-block .passage-preview").innerText(), `«${words}»`);
  await screenshot(page, "21a-review-passage-selected");
  await selectedButton.click();
  const passageDraft = page.locator("#draft-2");
  await passageDraft.waitFor();
  assert.match(await page.locator("ol.drafts li").nth(2).locator(".quote").innerText(), new RegExp(`«${words}»`));
  assert.equal(await page.evaluate(() => document.activeElement?.id), "draft-2", "the new draft has the focus");
  await passageDraft.fill("Каких обучающихся: укажите критерии трудностей в обучении");
  await page.locator("section.decision").scrollIntoViewIfNeeded();
  await screenshot(page, "21-review-comments");
  await page.getByRole("button", { name: "Вернуть на доработку" }).click();
  await page.getByText(/Решение принято: возвращён/).waitFor({ timeout: 20000 });
  await context.close();

  // The school sees both comments at their fields, fixes the date, resubmits (round 3).
  const seen = await newPage(browser);
  await login(seen.page, server.url, "editor");
  await openPolicy(seen.page);
  await seen.page.locator("#f-order-number-block .note.comment").waitFor({ timeout: 20000 });
  assert.match(await seen.page.locator("#f-order-date-block .note.comment").innerText(), /не раньше согласования/);
  // The passage comment: quoted at its field and in the list of the return's comments.
  assert.match(
    await seen.page.locator("#f-changes-0-new_text-block .note.comment").innerText(),
    new RegExp(`«${words}» — Каких обучающихся`),
  );
  const passageComment = seen.page.locator("ul.comments li").filter({ hasText: "Каких обучающихся" });
  assert.equal(await passageComment.locator(".quote").innerText(), `к отрывку: «${words}»`);
  await passageComment.scrollIntoViewIfNeeded();
  await screenshot(seen.page, "21b-school-sees-passage");
  await seen.context.close();
  school = await editAndSubmit("date", "2025-08-29");
  await school.context.close();

  // The reviewer sees exactly that change since round 2 and approves; the rounds are listed.
  const again = await newPage(browser);
  await login(again.page, server.url, "reviewer");
  await again.page.locator("section.queue").getByRole("link", { name: /изменение положения/ }).click();
  await again.page.getByRole("heading", { name: /Что изменилось с раунда 2/ }).waitFor({ timeout: 30000 });
  rows = await changes(again.page);
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.deepEqual(rows[0].slice(2), ["2025-08-28", "2025-08-29"]);
  await screenshot(again.page, "22-review-changes");
  await again.page.getByRole("button", { name: "Одобрить" }).click();
  await again.page.getByText(/Решение принято: одобрен/).waitFor({ timeout: 20000 });
  await again.page.getByText(/История раундов: 3/).click();
  const history = await again.page.locator(".rounds tbody tr").allInnerTexts();
  assert.equal(history.length, 3);
  assert.match(history[0], /^3\s.*одобрен/s);
  assert.match(history[1], /возвращён на доработку.*Номер приказа не совпадает/s);
  // Round 2's passage comment keeps its quote in the history, though round 3 is another version.
  assert.match(history[1], new RegExp(`Каких обучающихся.*к отрывку: «${words}»`, "s"));
  await screenshot(again.page, "23-review-approved");
  await again.context.close();

  // The coordinator filters by the municipality, collects the row and downloads the XLSX.
  const coordinator = await newPage(browser);
  await login(coordinator.page, server.url, "coordinator");
  await coordinator.page.getByRole("link", { name: "Реестр" }).click();
  await coordinator.page.getByText(/Строк: 3/).waitFor({ timeout: 20000 });
  await coordinator.page.getByLabel("Муниципалитет").selectOption({ label: "Краснинский муниципальный район" });
  await coordinator.page.getByText(/Строк: 3/).waitFor({ timeout: 20000 });
  await coordinator.page.getByLabel("Школа").selectOption({ label: "МБОУ СОШ с. Красное" });
  await coordinator.page.getByText(/Строк: 2/).waitFor({ timeout: 20000 });
  await coordinator.page.getByLabel("Состояние").selectOption("approved");
  await coordinator.page.getByText(/Строк: 1/).waitFor({ timeout: 20000 });
  await coordinator.page.getByRole("checkbox", { name: /Выбрать: .*изменение положения/ }).check();
  await coordinator.page.getByRole("button", { name: /Принять в реестр выбранные \(1\)/ }).click();
  await coordinator.page.getByText("Принято в реестр: 1.").waitFor({ timeout: 20000 });
  await coordinator.page.getByText(/Строк: 0/).waitFor({ timeout: 20000 });
  await coordinator.page.getByLabel("Состояние").selectOption("collected");
  await coordinator.page.getByText(/Строк: 2/).waitFor({ timeout: 20000 });
  // Each row's exact version: its round, requirement set and full SHA-256.
  await coordinator.page.locator("details.pinned summary").last().click();
  assert.match(await coordinator.page.locator("details.pinned[open] code.sha").innerText(), /^[0-9a-f]{64}$/);
  await screenshot(coordinator.page, "24-registry");
  const [download] = await Promise.all([
    coordinator.page.waitForEvent("download"),
    coordinator.page.getByRole("button", { name: "Скачать XLSX" }).click(),
  ]);
  const file = join(SCREENSHOTS, "..", "registry.xlsx");
  await download.saveAs(file);
  // Row by row: the header, then exactly the registry's rows under the same filters.
  const sheet = readXlsx(file);
  assert.deepEqual(sheet[0].slice(0, 5), ["Школа", "Муниципалитет", "Форма", "Статус", "Раунд"]);
  assert.equal(sheet[0][13], "SHA-256 содержания");
  const expected = await registryRows({ municipality: "krasninsky", school: "krasnoe", status: "collected" });
  assert.equal(expected.length, 2);
  assert.equal(sheet.length, 1 + expected.length, JSON.stringify(sheet));
  const byHash = new Map(sheet.slice(1).map((r) => [r[13], r]));
  for (const row of expected) {
    const cells = byHash.get(row.content_sha256);
    assert.ok(cells, `the export has the row of ${row.content_sha256}`);
    assert.deepEqual(cells.slice(0, 5), [row.school_name, row.municipality_name, row.form_ru, row.status_ru, String(row.round)]);
    assert.equal(cells[6], row.decided_at);
    assert.equal(cells[7], row.collected_at ?? "");
    assert.equal(cells[11], row.indicators);
    assert.equal(cells[12], row.requirements);
  }
  assert.ok(sheet.every((r) => !r[0].includes("Суходол")), "the filter applies to the export");

  // With the server out of reach, the registry shows the rows last received and when.
  await coordinator.context.setOffline(true);
  await coordinator.page.getByRole("link", { name: "Сводка" }).click();
  await coordinator.page.getByRole("link", { name: "Реестр" }).click();
  await coordinator.page.getByText(/Сервер недоступен: показаны данные, полученные \d\d\.\d\d\.\d{4}/).waitFor({ timeout: 20000 });
  await coordinator.page.getByText(/Строк: 2/).waitFor();
  assert.equal(await coordinator.page.getByLabel("Состояние").inputValue(), "collected", "the filters of the rows shown");
  await screenshot(coordinator.page, "24b-registry-offline");
  await coordinator.context.setOffline(false);

  // The dashboard's counts match the registry; a bar leads to the documents behind it.
  await coordinator.page.getByLabel("Школа").selectOption("");
  await coordinator.page.getByText(/Строк: 2/).waitFor({ timeout: 20000 });
  await coordinator.page.getByRole("link", { name: "Сводка" }).click();
  const bar = coordinator.page.getByRole("button", { name: "Краснинский муниципальный район: принят в реестр — 2" });
  await bar.waitFor({ timeout: 20000 });
  await coordinator.page.getByRole("button", { name: "Краснинский муниципальный район: на рассмотрении — 1" }).waitFor();
  await screenshot(coordinator.page, "28-dashboard");
  // Every bar of a state the registry holds opens the registry with its filters in the
  // address, showing as many rows as the bar counts.
  const bars = await coordinator.page
    .locator("svg.chart a[role=button]")
    .evaluateAll((links) => links.map((a) => ({ label: a.getAttribute("aria-label"), href: a.getAttribute("href") })));
  const registryBars = bars.filter((b) => b.href.startsWith("/registry?"));
  assert.ok(registryBars.length >= 2, JSON.stringify(bars));
  for (const { label, href } of registryBars) {
    const count = Number(/— (\d+)$/.exec(label)[1]);
    await coordinator.page.getByRole("button", { name: label, exact: true }).click();
    await coordinator.page.getByRole("heading", { name: "Реестр региона" }).waitFor();
    await coordinator.page.getByText(`Строк: ${count}`, { exact: true }).waitFor({ timeout: 20000 });
    const params = new URL(coordinator.page.url()).searchParams;
    const wanted = new URL(href, server.url).searchParams;
    assert.equal(params.get("municipality"), wanted.get("municipality"));
    assert.equal(params.get("status"), wanted.get("status"));
    assert.equal((await registryRows({ municipality: wanted.get("municipality"), status: wanted.get("status") })).length, count, label);
    if (label === "Краснинский муниципальный район: принят в реестр — 2") await screenshot(coordinator.page, "29-dashboard-to-registry");
    await coordinator.page.goBack();
    await coordinator.page.getByRole("heading", { name: "Сводка по региону" }).waitFor();
  }
  // The registry sorts by each column, and the order survives a reload through the address.
  await coordinator.page.goto(`${server.url}/registry?status=collected&sort=school_name&desc=1`);
  await coordinator.page.getByText(/Строк: \d+/).waitFor({ timeout: 20000 });
  assert.equal(await coordinator.page.locator("th[aria-sort=descending]").innerText(), "Школа ▼");
  for (const title of ["Муниципалитет", "Школа", "Форма", "Раунд", "Состояние", "Одобрен", "Принят", "Версия (SHA-256)"]) {
    const escaped = title.replace(/[()]/g, (c) => `\\${c}`);
    await coordinator.page.getByRole("button", { name: new RegExp(`^${escaped}( [▲▼])?$`) }).click();
    await eventually(async () => (await coordinator.page.locator("th[aria-sort=ascending]").innerText()).startsWith(title), 5000, `sorting by ${title}`);
    assert.match(coordinator.page.url(), /sort=/);
  }
  // The other states' bars list their documents on the dashboard itself.
  await coordinator.page.getByRole("link", { name: "Сводка" }).click();
  await coordinator.page.getByRole("button", { name: "Краснинский муниципальный район: на рассмотрении — 1" }).click();
  await coordinator.page.getByRole("heading", { name: "Краснинский муниципальный район: на рассмотрении" }).waitFor();
  assert.match(coordinator.page.url(), /\/dashboard\?municipality=krasninsky&status=submitted/);
  const listed = await coordinator.page.locator("#list tbody tr").allInnerTexts();
  assert.equal(listed.length, 1, listed.join("\n"));
  await screenshot(coordinator.page, "29b-dashboard-list");
  await coordinator.context.close();
});

test("a curator reads without deciding; a school user gets «Нет доступа» and «Не найдено»", async () => {
  const curator = await newPage(browser);
  await login(curator.page, server.url, "curator");
  await curator.page.getByRole("link", { name: /договор/i }).first().click();
  await curator.page.locator(".readonly").waitFor({ timeout: 30000 });
  assert.equal(await curator.page.getByRole("button", { name: "Одобрить" }).count(), 0);
  assert.equal(await curator.page.getByRole("button", { name: /Замечание/ }).count(), 0);
  await screenshot(curator.page, "25-curator");
  // «Мои школы»: the assigned school, its documents and their findings, read-only.
  await curator.page.getByRole("link", { name: "Мои школы" }).click();
  await curator.page.getByRole("heading", { name: "МБОУ СОШ с. Красное" }).waitFor({ timeout: 20000 });
  const rows = await curator.page.locator("section.curated-school tbody tr").allInnerTexts();
  assert.equal(rows.length, 3, rows.join("\n"));
  assert.ok(rows.some((r) => /изменение положения/i.test(r) && /раунд \d/.test(r)), rows.join("\n"));
  assert.ok(rows.every((r) => !r.includes("Суходол")), "only the curator's school");
  assert.equal(await curator.page.getByRole("button", { name: "Одобрить" }).count(), 0);
  await screenshot(curator.page, "25b-curator-schools", true);
  await curator.context.close();
  // Nobody else has the curator's page.
  const reviewer = await newPage(browser);
  await login(reviewer.page, server.url, "reviewer");
  assert.equal(await reviewer.page.getByRole("link", { name: "Мои школы" }).count(), 0);
  await reviewer.page.goto(`${server.url}/curator`);
  await reviewer.page.getByRole("heading", { name: "Нет доступа" }).waitFor({ timeout: 20000 });
  await reviewer.context.close();

  const { context, page } = await newPage(browser);
  await login(page, server.url, "editor");
  await page.goto(`${server.url}/review`);
  await page.getByRole("heading", { name: "Нет доступа" }).waitFor({ timeout: 20000 });
  await screenshot(page, "26-no-access");
  await page.goto(`${server.url}/registry`);
  await page.getByRole("heading", { name: "Нет доступа" }).waitFor({ timeout: 20000 });
  await page.goto(`${server.url}/nothing/here`);
  await page.getByRole("heading", { name: "Не найдено" }).waitFor({ timeout: 20000 });
  await screenshot(page, "27-not-found");
  await context.close();
});

test("an administrator resets a password, sees it in the audit log and verifies the chain", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "admin");
  await page.getByRole("link", { name: "Администрирование" }).click();
  await page.getByRole("button", { name: "Сбросить пароль: sukhodol-editor" }).click();
  await page.getByLabel("Новый пароль для sukhodol-editor").fill("новый-пароль-суходола");
  await page.getByRole("button", { name: "Задать" }).click();
  await page.getByText(/Пароль пользователя sukhodol-editor задан/).waitFor({ timeout: 20000 });
  await page.getByLabel("Действие").fill("set-password");
  await page.getByLabel("Действие").press("Tab");
  const rows = page.locator("table.audit tbody tr");
  await eventually(async () => (await rows.count()) === 1, 20000, "the filtered audit log");
  assert.match(await rows.first().innerText(), /admin\s+set-password\s+.*sukhodol-editor/s);
  await page.getByRole("button", { name: "Проверить цепочку журнала" }).click();
  await page.getByText(/Цепочка цела: проверено записей — \d+/).waitFor({ timeout: 20000 });
  await screenshot(page, "30-admin");
  await context.close();

  // The new password logs in; the school user has no administration page.
  const school = await newPage(browser);
  await school.page.goto(server.url);
  await school.page.getByLabel("Логин").fill("sukhodol-editor");
  await school.page.getByLabel("Пароль").fill("новый-пароль-суходола");
  await school.page.getByRole("button", { name: "Войти" }).click();
  await school.page.getByRole("heading", { name: "Мои документы" }).waitFor();
  assert.equal(await school.page.getByRole("link", { name: "Администрирование" }).count(), 0);
  await school.page.goto(`${server.url}/admin`);
  await school.page.getByRole("heading", { name: "Нет доступа" }).waitFor({ timeout: 20000 });
  await school.context.close();
});

test("an administrator adds a school, moves it, adds a reviewer of another municipality who sees none of Красное's documents, and deactivates them", async () => {
  const { context, page } = await newPage(browser);
  await login(page, server.url, "admin");
  await page.getByRole("link", { name: "Администрирование" }).click();
  await page.getByRole("heading", { name: "Организации" }).waitFor({ timeout: 20000 });

  // A school of the Krasninsky district, renamed, then moved to the city.
  const orgs = page.locator("section", { has: page.getByRole("heading", { name: "Организации" }) });
  await orgs.getByLabel("Вид").selectOption("school");
  await orgs.getByLabel("Входит в").selectOption({ label: "Краснинский муниципальный район" });
  await orgs.getByLabel("Идентификатор (латиницей)").fill("sotnikovo");
  await orgs.getByLabel("Название").fill("МБОУ СОШ с. Сотниково");
  await orgs.getByRole("button", { name: "Добавить" }).click();
  await page.getByText("Организация sotnikovo добавлена.").waitFor({ timeout: 20000 });
  await orgs.getByRole("button", { name: "Переименовать: МБОУ СОШ с. Сотниково" }).click();
  await orgs.getByLabel("Новое название").fill("МБОУ ООШ с. Сотниково");
  await orgs.getByRole("button", { name: "Сохранить" }).click();
  await orgs.getByText("МБОУ ООШ с. Сотниково").waitFor({ timeout: 20000 });
  await orgs.getByRole("button", { name: "Перенести: МБОУ ООШ с. Сотниково" }).click();
  await orgs.getByLabel("В муниципалитет").selectOption({ label: "Городской округ город Липецк" });
  await orgs.getByRole("button", { name: "Перенести", exact: true }).click();
  await page.getByText("Школа sotnikovo перенесена.").waitFor({ timeout: 20000 });
  const tree = await orgs.locator(".org-tree li").allInnerTexts();
  const city = tree.findIndex((t) => t.startsWith("Городской округ город Липецк"));
  const school = tree.findIndex((t) => t.startsWith("МБОУ ООШ с. Сотниково"));
  assert.ok(city >= 0 && school > city, tree.join("\n"));
  await screenshot(page, "31-admin-organisations");

  // A reviewer of the city's municipality.
  const users = page.locator("section", { has: page.getByRole("heading", { name: "Пользователи" }) });
  await users.getByLabel("Логин", { exact: true }).fill("city-reviewer");
  await users.getByLabel("Имя", { exact: true }).fill("Морозова Анна Викторовна");
  await users.getByLabel("Пароль", { exact: true }).fill("пароль-морозовой");
  await users.getByRole("button", { name: "Добавить пользователя" }).click();
  await page.getByText(/Пользователь city-reviewer добавлен/).waitFor({ timeout: 20000 });
  await users.getByRole("combobox", { name: /^Роль/ }).selectOption("municipal-reviewer");
  await users.getByLabel("В организации").selectOption({ label: "Городской округ город Липецк" });
  await users.getByRole("button", { name: "Выдать роль" }).click();
  await users.getByText("специалист муниципалитета — Городской округ город Липецк").waitFor({ timeout: 20000 });
  await screenshot(page, "32-admin-user-roles");

  // They see none of Красное's documents and nothing to review.
  const other = await newPage(browser);
  await other.page.goto(server.url);
  await other.page.getByLabel("Логин").fill("city-reviewer");
  await other.page.getByLabel("Пароль").fill("пароль-морозовой");
  await other.page.getByRole("button", { name: "Войти" }).click();
  await other.page.getByRole("heading", { name: "Мои документы" }).waitFor();
  await other.page.getByText("Документов пока нет.").waitFor({ timeout: 20000 });
  await other.page.getByRole("link", { name: "На рассмотрении" }).click();
  await other.page.getByRole("heading", { name: "Ждут рассмотрения: 0" }).waitFor({ timeout: 20000 });
  await screenshot(other.page, "33-other-reviewer-sees-nothing");

  // Deactivated, their session ends and they cannot log in again.
  await users.getByRole("button", { name: "Отключить: city-reviewer" }).click();
  await page.getByText(/Учётная запись city-reviewer отключена/).waitFor({ timeout: 20000 });
  await users.getByText("отключён").waitFor();
  await other.page.reload();
  await other.page.getByRole("button", { name: "Войти" }).waitFor({ timeout: 20000 });
  await other.page.getByLabel("Логин").fill("city-reviewer");
  await other.page.getByLabel("Пароль").fill("пароль-морозовой");
  await other.page.getByRole("button", { name: "Войти" }).click();
  await other.page.getByRole("alert").waitFor({ timeout: 20000 });
  assert.equal(await other.page.getByRole("heading", { name: "Мои документы" }).count(), 0);
  await other.context.close();

  // Every act is in the audit log, filtered by day.
  const today = new Date().toISOString().slice(0, 10);
  const audit = page.locator("section", { has: page.getByRole("heading", { name: "Журнал действий" }) });
  await audit.getByRole("textbox", { name: "Кто" }).fill("admin");
  await audit.getByRole("textbox", { name: "Кто" }).press("Tab");
  await audit.getByLabel("С", { exact: true }).fill(today);
  await audit.getByLabel("С", { exact: true }).press("Tab");
  const actions = page.locator("table.audit tbody tr td:nth-child(4)");
  await eventually(async () => (await actions.allInnerTexts()).includes("deactivate-user"), 20000, "the audit log of today");
  const done = await actions.allInnerTexts();
  for (const action of ["add-organisation", "rename-organisation", "move-school", "add-user", "grant", "deactivate-user"]) {
    assert.ok(done.includes(action), `${action} in ${done.join(", ")}`);
  }
  await audit.locator("table.audit").scrollIntoViewIfNeeded();
  await screenshot(page, "34-admin-audit");
  await context.close();
});
