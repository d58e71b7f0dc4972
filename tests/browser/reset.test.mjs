// A forgotten password in real Chromium, with JavaScript on and off,
// against a real SMTP listener: from the sign-in page to /forgot, the
// message's link opened in the browser, a new password chosen there (the
// old one no longer works, the browser that was signed in is signed out),
// then signing in with it; the link a second time says it no longer works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startGlovebox, launch, startMailSink, mailFlags, joinThroughPages,
} from './helpers.mjs';

let server;
let browser;
let sink;

const OLD = 'blue cooper rides at dawn';
const NEW = 'seven lanterns over the harbour';

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

async function signIn(page, email, password) {
  await page.goto(server.base + '/signin');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
}

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`forgotten password, from the mail's link (${mode})`, async () => {
    const email = `forgetful-${mode}@example.org`;
    // A member, signed in in one browser.
    const ctx = await browser.newContext({ javaScriptEnabled });
    const page = await ctx.newPage();
    await joinThroughPages(server, sink, page,
      { name: `Forgetful ${mode}`, email, password: OLD, day: 3, month: 9, year: 1969 });

    // Someone at another browser forgot the password.
    const other = await browser.newContext({ javaScriptEnabled });
    const p = await other.newPage();
    await p.goto(server.base + '/signin');
    await p.click('#forgot');
    await p.waitForURL('**/forgot');
    await p.fill('#email', email);
    await p.click('#send-link');
    assert.match(await p.locator('#reset-sent').innerText(), /If that address has an account/);

    const mail = await sink.waitFor((m) => m.to === email && m.subject === 'Set a new password');
    const link = mail.text.match(/https?:\/\/\S+\/reset\?token=[A-Za-z0-9_-]+/)[0];
    assert.ok(link.startsWith(server.base + '/reset?token='));
    await p.goto(link);
    // A password the rule refuses: the form again, the link still good.
    await p.fill('#password', 'password');
    await p.click('#reset');
    assert.match(await p.locator('#password-error').innerText(), /common|guess|cannot/i);
    await p.fill('#password', NEW);
    await p.click('#reset');
    assert.match(await p.locator('#reset-done').innerText(), /new password is set/);

    // The browser that was signed in is signed out.
    await page.goto(server.base + '/me');
    await page.waitForURL('**/signin');
    // The notice reaches the address.
    await sink.waitFor((m) => m.to === email && m.subject === 'Your password was reset');

    // The old password no longer works; the new one does.
    await signIn(p, email, OLD);
    assert.match(await p.locator('#error-summary').innerText(), /wrong/);
    await signIn(p, email, NEW);
    await p.waitForURL('**/me');

    // The link works once.
    const again = await (await browser.newContext({ javaScriptEnabled })).newPage();
    const res = await again.goto(link);
    assert.equal(res.status(), 404);
    assert.match(await again.locator('#reset-gone').innerText(), /used already/);
    for (const c of [ctx, other, again.context()]) await c.close();
  });
}
