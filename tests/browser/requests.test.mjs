// Information and material requests in real Chromium, with JavaScript on and
// off, against a real SMTP listener (NAM02, NAM04; docs/requests.md): staff
// of the fulfilment role publish a brochure; a visitor with no account finds
// it from the home page, reads the purpose on the form, asks for it and
// follows the request by the link in the mail; staff open the request and
// mark it fulfilled, and the link shows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGlovebox, launch, startMailSink, mailFlags, staffSignIn } from './helpers.mjs';

let server;
let browser;
let sink;
let staff;

before(async () => {
  sink = await startMailSink();
  server = await startGlovebox(mailFlags(sink));
  browser = await launch();
  const ctx = await browser.newContext();
  staff = await ctx.newPage();
  await staffSignIn(server, staff, 'fulfilment', 'fulfil@example.org');
  await staff.click('text=Fulfil information and material requests');
  await staff.selectOption('#kind', 'information_request');
  await staff.fill('#title', 'The 2026 brochure');
  await staff.fill('#description', 'Every model, in print.');
  await staff.click('#add-button');
  await staff.waitForURL('**/staff/requests');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`a visitor requests a brochure and follows the link (${mode})`, async () => {
    const email = `visitor-${mode}@example.org`;
    const ctx = await browser.newContext({ javaScriptEnabled });
    const page = await ctx.newPage();
    await page.goto(server.base + '/');
    await page.click('a[href="/requests"]');
    await page.click('text=The 2026 brochure');
    // The purpose, linked in the notice in force (NAM01).
    assert.match(await page.locator('#purpose-notice').innerText(), /information/i);
    assert.match(await page.locator('#purpose-notice a').getAttribute('href'),
      /^\/privacy\/v\/\d+#purpose-information_requests$/);
    // A required field left out: the form again, the message by the field.
    await page.fill('#name', `Visitor ${mode}`);
    await page.fill('#email', email);
    await page.click('button[type=submit]');
    assert.ok(await page.locator('#order_details-error').isVisible());
    assert.equal(await page.inputValue('#email'), email);
    await page.fill('#order_details', 'One brochure, please.');
    await page.click('button[type=submit]');
    await page.waitForURL('**/requests/sent');

    const mail = await sink.waitFor((m) => m.to === email);
    assert.equal(mail.subject, 'We received your request');
    const link = mail.text.match(/https?:\/\/\S+\/requests\/status\/[A-Za-z0-9_-]{43}/)[0];
    const follow = await browser.newContext({ javaScriptEnabled });
    const f = await follow.newPage();
    await f.goto(link.replace(/^https?:\/\/[^/]+/, server.base));
    assert.equal(await f.locator('#status').getAttribute('data-status'), 'open');
    assert.equal(await f.locator('#title').innerText(), 'The 2026 brochure');
    assert.doesNotMatch(await f.content(), new RegExp(`Visitor ${mode}|${email}`));
    assert.deepEqual(await follow.cookies(), []);

    // Staff open it (logged) and mark it fulfilled.
    await staff.goto(server.base + '/staff/requests');
    await staff.locator('#requests a').first().click();
    assert.equal(await staff.locator('#email').innerText(), email);
    await staff.check('#fulfilled');
    await staff.fill('#note', 'Posted today.');
    await staff.click('button:has-text("Record and tell the requester")');
    assert.equal(await staff.locator('#status').innerText(), 'fulfilled');
    const done = await sink.waitFor((m) => m.to === email && /fulfilled/.test(m.subject));
    assert.match(done.text, /Posted today\./);
    await f.reload();
    assert.equal(await f.locator('#status').getAttribute('data-status'), 'fulfilled');
    await ctx.close();
    await follow.close();
  });
}
