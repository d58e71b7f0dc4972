// Mail in real Chromium, with JavaScript on and off, against a real SMTP
// listener: a new member confirms the address from the message (a page with
// a button), staff preview and send news, the member receives it and
// leaves with the unsubscribe link; a visitor writes through the contact
// form and the answer arrives at the return address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGlovebox, launch, startMailSink, staffSignIn, mailFlags } from './helpers.mjs';

let server;
let browser;
let sink;

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

  test(`confirm, receive news, unsubscribe, contact (${mode})`, async () => {
    const email = `reader-${mode}@example.org`;
    const ctx = await browser.newContext({ javaScriptEnabled });
    const page = await ctx.newPage();
    await page.goto(server.base + '/signup');
    await page.fill('#name', `Reader ${mode}`);
    await page.fill('#email', email);
    await page.fill('#password', 'blue cooper rides at dawn');
    await page.fill('#birth_day', '5');
    await page.fill('#birth_month', '5');
    await page.fill('#birth_year', '1977');
    await page.check('input[name=opt_in][value=member_news]');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#check-mail').innerText(), /sent a message/);

    const confirm = await sink.waitFor((m) => m.to === email && /confirm/.test(m.subject));
    const link = confirm.text.match(/https?:\/\/\S+\/confirm\?token=[A-Za-z0-9_-]+/)[0];
    await page.goto(link);
    await page.click('#confirm');
    assert.match(await page.locator('#confirmed').innerText(), /confirmed/);
    await page.click('#signin-link');
    await page.fill('#email', email);
    await page.fill('#password', 'blue cooper rides at dawn');
    await page.click('button[type=submit]');
    await page.waitForURL('**/me');

    const staff = await browser.newContext({ javaScriptEnabled });
    const s = await staff.newPage();
    await staffSignIn(server, s, 'editor', `editor-${mode}@example.org`);
    await s.click('text=Write and send news');
    await s.fill('#subject', `Spring run ${mode}`);
    await s.fill('#body', 'We drive to the coast on Sunday.');
    await s.click('#preview-button');
    assert.match(await s.locator('#preview').innerText(), /To stop it, open/);
    await s.click('#send-button');
    assert.match(await s.locator('#sent').innerText(), /Queued for 1 member/);

    const news = await sink.waitFor((m) => m.to === email && m.subject === `Spring run ${mode}`);
    assert.match(news.text, /coast on Sunday/);
    const out = news.text.match(/https?:\/\/\S+\/unsubscribe\?token=[A-Za-z0-9_-]+/)[0];
    await page.goto(out);
    await page.click('#unsubscribe');
    assert.match(await page.locator('#unsubscribed').innerText(), /no more/);

    // A visitor writes; support answers; the answer reaches the return address.
    const visitor = await browser.newContext({ javaScriptEnabled });
    const v = await visitor.newPage();
    await v.goto(server.base + '/contact');
    await v.fill('#email', `visitor-${mode}@example.org`);
    await v.fill('#topic', `Parking ${mode}`);
    await v.fill('#message', 'Where do we park?');
    await v.click('button[type=submit]');
    await v.waitForURL('**/contact/thanks');
    const desk = await browser.newContext({ javaScriptEnabled });
    const d = await desk.newPage();
    await staffSignIn(server, d, 'support', `support-${mode}@example.org`);
    await d.click('text=Answer messages');
    await d.locator('#messages a').last().click();
    await d.fill('#answer', 'Behind the clubhouse.');
    await d.click('button[type=submit]');
    const answer = await sink.waitFor((m) => m.to === `visitor-${mode}@example.org`);
    assert.equal(answer.subject, `Re: Parking ${mode}`);
    assert.match(answer.text, /Behind the clubhouse/);
    for (const c of [ctx, staff, visitor, desk]) await c.close();
  });
}
