// The visit report (NAM09, docs/visits.md) in real Chromium, with
// JavaScript on and off: counts of ended days are in the database (rolled
// up as the writer would), an analyst goes from the staff home to the
// report, and sees the table and the server-drawn chart, where a group of
// fewer than ten shows as "fewer than 10" and its number appears nowhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startGlovebox, launch, artifacts, staffSignIn } from './helpers.mjs';

let server;
let browser;
const DAY = 86400;
const day = (d) => new Date(d * DAY * 1000).toISOString().slice(0, 10);

before(async () => {
  server = await startGlovebox();
  browser = await launch();
  const yesterday = Math.floor(Date.now() / 1000 / DAY) - 1;
  // Two days that have ended: /privacy seen by 12 and 15, / by 3 (a small
  // group) and by 11.
  const rows = [[yesterday - 1, '/privacy', 40, 12], [yesterday - 1, '/', 7, 3],
    [yesterday, '/privacy', 51, 15], [yesterday, '/', 30, 11]];
  const sql = rows.map(([d, a, v, n]) =>
    `INSERT INTO visit_area_days (day, area, views, visitors) VALUES (${d}, '${a}', ${v}, ${n});`)
    .join('\n');
  execFileSync('/usr/bin/python3', ['-c',
    'import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=30); '
    + 'c.executescript(sys.argv[2]); c.commit()',
    join(server.data, 'glovebox.db'), sql]);
  server.days = [day(yesterday - 1), day(yesterday)];
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`an analyst reads the visit report, small groups hidden (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await staffSignIn(server, page, 'analyst', `analyst-${mode}@example.org`);
    await page.click('text=Visits per area and day');
    await page.waitForURL('**/staff/statistics');
    const [first, last] = server.days;
    await page.fill('#from', first);
    await page.fill('#to', last);
    await page.click('form[action="/staff/statistics"] button');
    await page.waitForURL(`**/staff/statistics?from=${first}&to=${last}`);
    const table = await page.locator('#report').innerText();
    assert.match(table, /12 \(40\)/);
    assert.match(table, /11 \(30\)/);
    assert.match(table, /fewer than 10/);
    assert.ok(!/\b3 \(7\)/.test(table), 'the small group is not shown');
    // The total of / adds in the small group: hidden too; /privacy's is shown.
    assert.match(table, /27 \(91\)/);
    const chart = page.locator('svg#chart');
    assert.equal(await chart.count(), 1);
    assert.equal(await chart.locator('rect.hidden').count(), 1);
    assert.equal(await chart.locator('rect.shown').count(), 3);
    assert.match(await chart.locator('rect.hidden title').innerHTML(), /fewer than 10/);
    assert.equal(await page.locator('script').count(), 0);
    assert.match(await page.locator('#profile-version').innerText(), /^\d+$/);
    await page.screenshot({ path: join(artifacts, `staff-statistics-${mode}.png`), fullPage: true });
    await context.close();
  });
}
