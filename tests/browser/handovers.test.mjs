// The administrator's hand-over page in real Chromium, with JavaScript on
// and off, on the Insiders profile: a member joins (confirming the address
// queues a hand-over to each affiliate), the one to bmw_bank fails for good
// (its webhook's address answers nothing), and an administrator goes from
// the staff home to the page, sees the failed hand-over without the
// member's details, clicks Retry, and the page comes back with the notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, cli as cliOf, startMailSink, mailFlags, joinThroughPages,
  staffSignIn,
} from './helpers.mjs';

let server;
let browser;
let sink;
let dir;
const cli = (...args) => cliOf(server, ...args);
const PASSWORD = 'blue cooper rides at dawn';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gb-handovers-'));
  const channels = join(dir, 'channels.ini');
  // Nothing listens on port 9: each attempt fails, and one is all it gets.
  const secret = Buffer.from('glovebox-browser-handover-secret').toString('base64');
  writeFileSync(channels, `[bmw_bank]\nwebhook = https://127.0.0.1:9/hooks\nsecret = whsec_${secret}\n`,
    { mode: 0o600 });
  sink = await startMailSink();
  server = await startGlovebox(['--profile', 'mini-insiders', ...mailFlags(sink),
    '--handover-config', channels, '--handover-interval', '0', '--handover-max-attempts', '1']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`an administrator retries a failed hand-over (${mode})`, async () => {
    const who = { name: `Hana Handover ${mode}`, email: `handover-${mode}@example.org`,
      password: PASSWORD };
    const mctx = await browser.newContext({ javaScriptEnabled });
    await joinThroughPages(server, sink, await mctx.newPage(), who);
    await mctx.close();
    cli('handover', 'deliver');

    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await staffSignIn(server, page, 'admin', `handover-admin-${mode}@example.org`);
    await page.click('text=Hand-overs to partners');
    await page.waitForURL('**/staff/handovers');
    const bank = page.locator('#recipient-bmw_bank');
    assert.match(await bank.locator('.channel').innerText(), /webhook: https:\/\/127\.0\.0\.1:9$/);
    const failedBefore = Number(await bank.locator('.failed').innerText());
    assert.ok(failedBefore >= 1);
    const rows = page.locator('#failed tbody tr[id^="failed-"]');
    const n = await rows.count();
    assert.ok(n >= 1);
    const body = await page.locator('body').innerText();
    assert.ok(!body.includes(who.name) && !body.includes(who.email), 'no value of the member');
    await page.screenshot({ path: join(artifacts, `staff-handovers-${mode}.png`), fullPage: true });

    const id = (await rows.first().getAttribute('id')).slice('failed-'.length);
    await page.click(`#retry-${id}`);
    await page.waitForURL('**/staff/handovers?done=retried');
    assert.match(await page.locator('#notice').innerText(), /queued again/);
    assert.equal(await page.locator(`#failed-${id}`).count(), 0);
    assert.equal(await rows.count(), n - 1);
    assert.ok(Number(await bank.locator('.waiting').innerText()) >= 1);
    await page.screenshot({ path: join(artifacts, `staff-handovers-retried-${mode}.png`),
      fullPage: true });
    await context.close();
  });
}
