// Staff in real Chromium, with JavaScript on and off: enrol from the token
// `glovebox staff add` prints (password, then the authenticator by QR code),
// sign in with password and code, look a member up, and sign out. The member
// then sees that access on their own page (NAM11).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, cli as cliOf, totp, startMailSink, mailFlags,
} from './helpers.mjs';

let server;
let browser;
let sink;
const cli = (...args) => cliOf(server, ...args);

before(async () => {
  sink = await startMailSink();
  server = await startGlovebox(mailFlags(sink));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`staff enrol, sign in with a code, look a member up (${mode})`, async () => {
    const member = { name: `Member ${mode}`, email: `member-${mode}@example.org` };
    const r = await fetch(server.base + '/api/v1/signup', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...member, password: 'blue cooper rides at dawn', date_of_birth: '1980-01-02' }),
    });
    assert.equal(r.status, 202);    // "check your mail"
    // The member confirms the address from the message (to sign in later).
    const m = await sink.waitFor((x) => x.to === member.email && /confirm/.test(x.subject));
    const confirmation = m.text.match(/confirm\?token=([A-Za-z0-9_-]+)/)[1];
    const c = await fetch(server.base + '/api/v1/confirm', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: confirmation }),
    });
    assert.equal(c.status, 200);

    const email = `admin-${mode}@example.org`;
    const token = cli('staff', 'add', email, '--role', 'admin').match(/shown once\): (\S+)/)[1];
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(`${server.base}/staff/enrol?token=${token}`);
    assert.equal(await page.locator('#token').inputValue(), token);
    await page.fill('#password', 'short');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#error-summary').innerText(), /Password/);
    await page.fill('#password', 'quiet harbour lamp 42');
    await page.click('button[type=submit]');
    assert.equal(await page.locator('#qr svg').count(), 1);
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await page.screenshot({ path: join(artifacts, `staff-enrol-${mode}.png`), fullPage: true });
    // The QR code, as Chromium drew it, decodes (zbarimg) to the otpauth URI with this secret.
    const qrPng = join(artifacts, `staff-qr-${mode}.png`);
    await page.locator('#qr svg').screenshot({ path: qrPng });
    const decoded = spawnSync('zbarimg', ['--quiet', '--raw', qrPng], { encoding: 'utf8' });
    assert.equal(decoded.status, 0, decoded.stderr);
    assert.match(decoded.stdout.trim(), new RegExp(`^otpauth://totp/.*[?&]secret=${secret}(&|$)`));
    await page.fill('#code', totp(secret));
    await page.click('button[type=submit]');
    await page.waitForURL('**/staff/signin?enrolled=1');
    assert.match(await page.locator('#enrolled').innerText(), /set up/);

    await page.fill('#email', email);
    await page.fill('#password', 'quiet harbour lamp 42');
    await page.fill('#code', '000000' === totp(secret, Date.now() / 1000 + 30) ? '111111' : '000000');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#error-summary').innerText(), /wrong/);
    await page.fill('#email', email);
    await page.fill('#password', 'quiet harbour lamp 42');
    await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
    await page.click('button[type=submit]');
    await page.waitForURL(server.base + '/staff');
    assert.equal(await page.locator('#role').innerText(), 'admin');
    await page.click('text=Look up a member');
    await page.fill('#email', member.email);
    await page.selectOption('#purpose', 'account');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#record').innerText(), new RegExp(member.name));
    await page.screenshot({ path: join(artifacts, `staff-lookup-${mode}.png`), fullPage: true });
    await page.goto(server.base + '/staff');
    await page.click('text=Sign out');
    await page.waitForURL('**/staff/signin');
    await context.close();

    // The member sees the access on their page.
    const mctx = await browser.newContext({ javaScriptEnabled });
    const mpage = await mctx.newPage();
    await mpage.goto(server.base + '/signin');
    await mpage.fill('#email', member.email);
    await mpage.fill('#password', 'blue cooper rides at dawn');
    await mpage.click('button[type=submit]');
    await mpage.waitForURL('**/me');
    assert.match(await mpage.locator('body').innerText(), /admin: account/);
    await mctx.close();
  });
}
