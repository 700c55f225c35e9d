// Browser tests of the page at / and of the form widget, in Debian's headless Chromium driven by
// playwright-core, against a running adresse server on the real data of data/ban.
//
//   ADRESSE_URL=http://127.0.0.1:7821 node --test tests/
//
// (scripts/web-tests.sh starts the server and runs this.) Screenshots go to
// target/browser-artifacts/. Expected answers come from the BAN file itself, never from a list
// written here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const base = process.env.ADRESSE_URL || "http://127.0.0.1:7821";
const artifacts = join(root, "target", "browser-artifacts");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(artifacts, { recursive: true });

/** Rows of a real BAN file as objects keyed by its header. */
function banRows(file) {
  const text = gunzipSync(readFileSync(join(root, "data", "ban", file))).toString("utf8");
  const [head, ...lines] = text.split("\n").filter((l) => l.length > 0);
  const names = head.split(";");
  return lines.map((l) => Object.fromEntries(l.split(";").map((v, i) => [names[i], v])));
}

// Plain housenumbers (no "bis", no lieu-dit pseudo-number 99999) keep the typed text simple.
const plain = (rows) => rows.filter((r) => r.rep === "" && r.numero !== "99999");
const hautesAlpes = plain(banRows("adresses-05.csv.gz"));
const paris = plain(banRows("adresses-75.csv.gz"));
const pick = (rows, i) => rows[i % rows.length];
// The label of a Hautes-Alpes housenumber (in Paris the city is "Paris", not the arrondissement).
const labelOf = (r) => `${r.numero} ${r.nom_voie} ${r.code_postal} ${r.nom_commune}`;

let context;
const offSite = [];

before(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: apt-get install -y chromium`);
  }
  // A fresh profile per run: nothing cached from an earlier one.
  const userDataDir = mkdtempSync(join(tmpdir(), "adresse-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // The page must need nothing but this server (no CDN, no tiles).
  context.on("request", (request) => {
    const url = new URL(request.url());
    if (!["blob:", "data:"].includes(url.protocol) && url.origin !== new URL(base).origin) {
      offSite.push(request.url());
    }
  });
});

after(async () => {
  await context?.close();
  assert.deepEqual(offSite, [], "the pages requested something outside this server");
});

async function typeSlowly(page, selector, text) {
  await page.click(selector);
  // Keystroke by keystroke, as a person types: each one goes through the debounce.
  await page.keyboard.type(text, { delay: 45 });
}

test("search: type a real address, pick it with the keyboard, see its marker", async () => {
  const row = pick(paris, 4321);
  const page = await context.newPage();
  await page.goto(base + "/");
  await typeSlowly(page, "#q", `${row.numero} ${row.nom_voie} ${row.code_postal}`);
  const first = page.locator('[role="listbox"] [role="option"]').first();
  await first.waitFor();
  assert.equal(await page.getAttribute("#q", "aria-expanded"), "true");
  // The matched words are highlighted, the type and score shown.
  assert.ok((await first.locator("mark").count()) > 0, "no highlighted match");
  assert.match(await first.innerText(), /numéro · .* · score 0\.\d\d/);
  assert.equal((await first.innerText()).split("\n")[0], `${row.numero} ${row.nom_voie} ${row.code_postal} Paris`);
  await page.keyboard.press("ArrowDown");
  assert.equal(await first.getAttribute("aria-selected"), "true");
  assert.equal(await page.getAttribute("#q", "aria-activedescendant"), await first.getAttribute("id"));
  await page.screenshot({ path: join(artifacts, "search-suggestions.png") });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#result[data-how=search]");
  assert.equal(await page.getAttribute("#result", "data-id"), row.id);
  assert.equal(await page.inputValue("#q"), `${row.numero} ${row.nom_voie} ${row.code_postal} Paris`);
  assert.equal(await page.getAttribute("#q", "aria-expanded"), "false");
  // The marker is drawn, inside the visible map.
  const marker = await page.locator("path.result-marker").boundingBox();
  const map = await page.locator("#map").boundingBox();
  assert.ok(marker, "no marker on the map");
  assert.ok(marker.x >= map.x && marker.x <= map.x + map.width, "marker outside the map");
  assert.ok(marker.y >= map.y && marker.y <= map.y + map.height, "marker outside the map");
  await page.screenshot({ path: join(artifacts, "search-picked.png") });

  // Escape closes the suggestions without choosing.
  await typeSlowly(page, "#q", " ");
  await page.fill("#q", "");
  await typeSlowly(page, "#q", "rue de rivoli");
  await page.locator('[role="listbox"] [role="option"]').first().waitFor();
  await page.keyboard.press("Escape");
  assert.equal(await page.getAttribute("#q", "aria-expanded"), "false");
  assert.equal(await page.getAttribute("#result", "data-id"), row.id);
  await page.close();
});

test("map: a click reverse-geocodes the point", async () => {
  const row = pick(hautesAlpes, 2024);
  const page = await context.newPage();
  await page.goto(base + "/");
  await typeSlowly(page, "#q", labelOf(row));
  await page.locator('[role="listbox"] [role="option"]').first().click();
  await page.waitForSelector("#result[data-how=search]");
  const map = await page.locator("#map").boundingBox();
  // 40 px right of the centre, where the picked address is: a nearby point in the same commune.
  await page.mouse.click(map.x + map.width / 2 + 40, map.y + map.height / 2);
  await page.waitForSelector("#result[data-how=reverse]");
  const clicked = await page.locator("path.click-marker").count();
  assert.equal(clicked, 1, "the clicked point is not shown");
  const [lat, lon] = await page.evaluate(() => {
    const p = window.adresseMap.lastClick;
    return [p.lat, p.lng];
  });
  const expected = await (await fetch(`${base}/reverse/?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}`)).json();
  assert.equal(await page.getAttribute("#result", "data-id"), expected.features[0].properties.id);
  assert.match(await page.innerText("#result"), /Distance au clic\s+\d+ m/);
  assert.equal(await page.locator("path.result-marker").count(), 1);
  await page.screenshot({ path: join(artifacts, "reverse-click.png") });
  await page.close();
});

test("csv: upload a real file, pick columns, download the geocoded result", async () => {
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push(pick(i % 2 ? paris : hautesAlpes, 997 * i + 13));
  const lines = ["numero;voie;cp;ville;note"];
  for (const r of rows) lines.push(`${r.numero};${r.nom_voie};${r.code_postal};${r.nom_commune};x`);
  lines.push("99999;Xqzw Vbnm Kjhgf;;;x");
  const input = join(artifacts, "upload.csv");
  writeFileSync(input, lines.join("\n") + "\n");

  const page = await context.newPage();
  await page.goto(base + "/");
  await page.click("#tab-csv");
  await page.setInputFiles("#file", input);
  await page.waitForSelector("#csv-setup:not([hidden])");
  // Preview: header plus the first five rows.
  assert.equal(await page.locator("#preview tr").count(), 6);
  assert.equal(await page.locator("#preview th").first().innerText(), "numero");
  // Address columns guessed from their names; "note" is left out.
  const checked = await page.$$eval("#columns input:checked", (boxes) => boxes.map((b) => b.value));
  assert.deepEqual(checked, ["numero", "voie", "cp", "ville"]);
  await page.selectOption("#postcode-column", "cp");
  await page.screenshot({ path: join(artifacts, "csv-preview.png") });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#run").then(() => page.waitForSelector("#download:not([hidden])")).then(() => page.click("#download")),
  ]);
  const output = readFileSync(await download.path(), "utf8");
  assert.match(download.suggestedFilename(), /upload\.geocoded\.csv$/);
  const out = output.trim().split(/\r?\n/).map((l) => l.split(";"));
  const header = out[0];
  const col = (name) => header.indexOf(name);
  assert.equal(out.length, rows.length + 2);
  rows.forEach((r, i) => {
    assert.equal(out[i + 1][col("result_status")], "ok", `row ${i + 2}`);
    assert.equal(out[i + 1][col("result_citycode")], r.code_insee, `row ${i + 2}`);
  });
  assert.equal(out[rows.length + 1][col("result_status")], "not-found");
  // The summary counts what the file holds.
  assert.equal(await page.getAttribute("#summary .ok", "data-count"), String(rows.length));
  assert.equal(await page.getAttribute("#summary .not-found", "data-count"), "1");
  assert.equal(await page.getAttribute("#summary .errors", "data-count"), "0");
  assert.equal(await page.locator("#progress").getAttribute("value"), "100");
  await page.screenshot({ path: join(artifacts, "csv-done.png") });
  await page.close();
});

test("widget: the example form's hidden fields are filled from the chosen address", async () => {
  const row = pick(hautesAlpes, 31337);
  const page = await context.newPage();
  await page.goto(base + "/widget-example.html");
  await typeSlowly(page, "#address", `${row.numero} ${row.nom_voie} ${row.nom_commune}`);
  const option = page.locator('[role="listbox"] [role="option"]').filter({ hasText: labelOf(row) }).first();
  await option.waitFor();
  await page.screenshot({ path: join(artifacts, "widget-suggestions.png") });
  await option.click();
  const field = (name) => page.inputValue(`#order input[name="${name}"]`);
  assert.equal(await page.inputValue("#address"), labelOf(row));
  assert.equal(await field("ban_id"), row.id);
  assert.equal(await field("housenumber"), row.numero);
  assert.equal(await field("street"), row.nom_voie);
  assert.equal(await field("postcode"), row.code_postal);
  assert.equal(await field("city"), row.nom_commune);
  assert.equal(await field("citycode"), row.code_insee);
  assert.ok(Math.abs(Number(await field("lon")) - Number(row.lon)) < 1e-5);
  assert.ok(Math.abs(Number(await field("lat")) - Number(row.lat)) < 1e-5);
  // The pre-existing hidden fields were reused, the others created once.
  assert.equal(await page.locator('#order input[name="postcode"]').count(), 1);
  assert.equal(await page.locator('#order input[type="hidden"]').count(), 8);
  await page.click("#order button[type=submit]");
  assert.match(await page.innerText("#sent"), new RegExp(`ban_id = ${row.id}`));
  await page.screenshot({ path: join(artifacts, "widget-filled.png") });
  await page.close();
});
