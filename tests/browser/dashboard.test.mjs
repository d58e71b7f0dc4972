// The member's page in real Chromium, with JavaScript on and off, on the
// Insiders profile: join, sign in with "remember me on this device" ticked,
// switch a choice, correct the name, see the remembered address filled in on the
// contact form after signing out, forget the device, close the account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, startMailSink, mailFlags, joinThroughPages,
} from './helpers.mjs';

let server;
let browser;
let sink;

before(async () => {
  sink = await startMailSink();
  server = await startGlovebox(['--profile', 'mini-insiders', ...mailFlags(sink)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

const PASSWORD = 'blue cooper rides at dawn';

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`dashboard: choices, correction, remember me, close (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const email = `dash-${mode}@example.org`;
    await page.goto(server.base + '/signin');
    assert.equal(await page.locator('#remember').isChecked(), false);
    await joinThroughPages(server, sink, page,
      { name: `Dana ${mode}`, email, password: PASSWORD, day: 3, month: 9, year: 1975 },
      { remember: true });
    assert.match(await page.locator('#devices').innerText(), /this device/);

    // A choice switched on the page is in force at once.
    const first = page.locator('#choices li').first();
    const before = await first.innerText();
    await first.locator('button').click();
    await page.waitForURL('**/me?done=choice');
    assert.notEqual(await page.locator('#choices li').first().innerText(), before);

    // Correct the name.
    await page.fill('#name', `Dana Corrected ${mode}`);
    await page.click('#correct button[type=submit]');
    await page.waitForURL('**/me?done=corrected');
    assert.match(await page.locator('#items').innerText(), new RegExp(`Dana Corrected ${mode}`));
    await page.screenshot({ path: join(artifacts, `dashboard-${mode}.png`), fullPage: true });

    // Signed out, the device still fills in the address (INS12).
    await page.click('text=Sign out');
    await page.goto(server.base + '/contact');
    assert.equal(await page.locator('#email').inputValue(), email);

    // Sign in again, forget every device: nothing is filled in any more.
    await page.goto(server.base + '/signin');
    assert.equal(await page.locator('#email').inputValue(), email);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL('**/me');
    await page.click('#forget-all');
    await page.waitForURL('**/me?done=devices');
    await page.goto(server.base + '/contact');
    assert.equal(await page.locator('#email').inputValue(), '');

    // Close the account (ALL02).
    await page.goto(server.base + '/me');
    await page.click('#close-link');
    await page.fill('#confirm', 'close');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#closed').innerText(), /erased/);
    await page.goto(server.base + '/me');
    assert.match(page.url(), /\/signin$/);
    await context.close();
  });
}
