// E-postcards in real Chromium, with JavaScript on and off, against a real
// SMTP listener (NAM03, NAM05; docs/postcards.md): a visitor picks a card
// and sends it through the form; the recipient's one mail names the sender
// and carries the link; the card's page shows the picture, the greeting
// (escaped) and the sender's name, with nothing loaded from elsewhere;
// reporting it stops the link at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGlovebox, launch, startMailSink, mailFlags } from './helpers.mjs';

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

  test(`send a card, receive it, view it, report it (${mode})`, async () => {
    const to = `friend-${mode}@example.net`;
    const greeting = `Happy motoring <b>${mode}</b>!`;
    const ctx = await browser.newContext({ javaScriptEnabled });
    const page = await ctx.newPage();
    await page.goto(server.base + '/');
    await page.click('a[href="/postcards"]');
    // Each person's part states its purpose and links the notice in force.
    assert.match(await page.locator('#purpose-notice').innerText(), /e-postcard/);
    assert.match(await page.locator('#recipient-notice').innerText(), /someone else/);
    await page.check('#card-classic');
    await page.fill('#postcard_text', greeting);
    await page.fill('#name', `Sender ${mode}`);
    await page.fill('#email', `sender-${mode}@example.org`);
    await page.fill('#recipient_name', `Friend ${mode}`);
    await page.fill('#recipient_email', to);
    await page.click('button[type=submit]');
    await page.waitForURL('**/postcards/sent');
    assert.match(await page.locator('#sent').innerText(), /one e-mail/);

    const mail = await sink.waitFor((m) => m.to === to);
    assert.equal(mail.subject, `An e-postcard from Sender ${mode}`);
    assert.match(mail.text, /Report this card/);
    const link = mail.text.match(/https?:\/\/\S+\/postcards\/view\/[A-Za-z0-9_-]{43}/)[0];

    const friend = await browser.newContext({ javaScriptEnabled });
    const f = await friend.newPage();
    const elsewhere = [];
    f.on('request', (r) => { if (!r.url().startsWith(server.base)) elsewhere.push(r.url()); });
    await f.goto(link);
    assert.equal(await f.locator('#from').innerText(), `Sender ${mode}`);
    assert.equal(await f.locator('#greeting').innerText(), greeting);   // as text, not markup
    assert.equal(await f.locator('#greeting b').count(), 0);
    const img = f.locator('#card img');
    assert.match(await img.getAttribute('src'), /card-classic\.svg$/);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0) ||
      !javaScriptEnabled);
    assert.deepEqual(elsewhere, []);
    assert.deepEqual(await friend.cookies(), []);

    await f.click('#report');
    assert.match(await f.locator('#reported').innerText(), /no longer be seen/);
    const again = await f.goto(link);
    assert.equal(again.status(), 404);
    await ctx.close();
    await friend.close();
  });
}
