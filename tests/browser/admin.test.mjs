// The admin console in real Chromium, with JavaScript on and off (issue
// 17): an administrator goes from the staff home to the staff accounts,
// adds a staff member with a role, sees the enrolment token and its link
// once (not after opening the page again), and the token enrols; the
// access log shows the chain intact and the addition in it; the consent
// counts page lists the profile's purposes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startGlovebox, launch, artifacts, staffSignIn, totp } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startGlovebox();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const post = (path, body) => fetch(server.base + path, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`an administrator adds a staff member and sees the token once (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await staffSignIn(server, page, 'admin', `console-admin-${mode}@example.org`);
    await page.click('text=Staff accounts, the access log and consent counts');
    await page.waitForURL('**/staff/admin/staff');
    const email = `console-new-${mode}@example.org`;
    await page.fill('#email', email);
    await page.selectOption('#role', 'editor');
    await page.click('#add');
    await page.waitForSelector('#enrol-token');
    const token = (await page.locator('#enrol-token').innerText()).trim();
    assert.match(token, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal((await page.locator('#enrol-link').innerText()).trim(),
      `/staff/enrol?token=${token}`);
    assert.match(await page.locator('#enrolment').innerText(), /shown once/);
    const row = page.locator('#staff tbody tr', { hasText: email });
    assert.match(await row.locator('.role').innerText(), /editor/);
    assert.match(await row.locator('.state').innerText(), /waiting for enrolment/);
    await page.screenshot({ path: join(artifacts, `staff-admin-added-${mode}.png`), fullPage: true });

    // Opened again, the page lists the account but never the token.
    await page.goto(server.base + '/staff/admin/staff');
    assert.ok(!(await page.content()).includes(token));
    assert.equal(await page.locator('#enrol-token').count(), 0);

    // The token enrols.
    const r = await post('/api/v1/staff/enrol', { token, password: 'a long editor passphrase' });
    assert.equal(r.status, 200);
    const { totp_secret: secret } = await r.json();
    assert.equal((await post('/api/v1/staff/enrol/confirm', { token, code: totp(secret) })).status,
      200);
    await page.reload();
    assert.match(await page.locator('#staff tbody tr', { hasText: email }).locator('.state')
      .innerText(), /enrolled/);

    // The access log: intact, and the addition recorded.
    await page.click('#admin-nav >> text=Access log');
    await page.waitForURL('**/staff/admin/log');
    assert.equal(await page.locator('#verification').getAttribute('data-state'), 'intact');
    assert.ok(await page.locator('#log tbody tr', { hasText: 'staff_added' }).count() >= 1);
    await page.screenshot({ path: join(artifacts, `staff-admin-log-${mode}.png`), fullPage: true });

    await page.click('#admin-nav >> text=Consent counts');
    await page.waitForURL('**/staff/admin/consents');
    assert.ok(await page.locator('#consents tbody tr#purpose-member_news').count() === 1);
    await context.close();
  });
}
