// Members in real Chromium, with JavaScript on and off: join (the address
// confirmed from the message, then sign in), see your data on your page,
// sign out and in again; joining with an address in use looks the same; and
// the under-13 path, which ends on a neutral page with nothing kept.
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
  server = await startGlovebox(mailFlags(sink));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

async function join_(page, who, year) {
  await page.goto(server.base + '/signup');
  await page.fill('#name', who.name);
  await page.fill('#email', who.email);
  await page.fill('#password', 'blue cooper rides at dawn');
  await page.fill('#birth_day', '14');
  await page.fill('#birth_month', '6');
  await page.fill('#birth_year', String(year));
  await page.click('button[type=submit]');
}

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`join, see your data, sign out and in (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const who = { name: `Ann ${mode}`, email: `ann-${mode}@example.org` };
    await page.goto(server.base + '/signup');
    assert.match(await page.locator('#purpose-notice').innerText(), /Your membership/);
    // Opt-in boxes start unticked.
    assert.equal(await page.locator('input[name=opt_in][value=member_news]').isChecked(), false);
    await joinThroughPages(server, sink, page,
      { ...who, password: 'blue cooper rides at dawn', year: 1984 });
    const table = await page.locator('#items').innerText();
    assert.match(table, new RegExp(who.email));
    // Issue 12, rule 4: the age screen's fact, not the date of birth.
    assert.doesNotMatch(table, /1984-06-14/);
    assert.match(await page.locator('#age-screen').innerText(), /13 or older/);
    await page.screenshot({ path: join(artifacts, `me-${mode}.png`), fullPage: true });
    await page.click('text=Sign out');
    await page.waitForURL(server.base + '/');
    await page.goto(server.base + '/signin');
    await page.fill('#email', who.email);
    await page.fill('#password', 'not the password');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#error-summary').innerText(), /wrong/);
    await page.fill('#email', who.email);
    await page.fill('#password', 'blue cooper rides at dawn');
    await page.click('button[type=submit]');
    await page.waitForURL('**/me');
    assert.match(await page.locator('#items').innerText(), new RegExp(who.name));
    await context.close();
  });

  test(`joining with an address in use looks the same (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await join_(page, { name: `Someone ${mode}`, email: `ann-${mode}@example.org` }, 1990);
    const taken = await page.locator('main').innerText();
    await join_(page, { name: `New ${mode}`, email: `new-${mode}@example.org` }, 1990);
    assert.equal(await page.locator('main').innerText(), taken);
    assert.match(taken, /Check your mail/);
    const told = await sink.waitFor((m) => m.to === `ann-${mode}@example.org` &&
      /tried to join/.test(m.subject));
    assert.match(told.text, /no\s+new\s+account\s+was\s+made/);
    await page.goto(server.base + '/me');
    assert.match(page.url(), /\/signin$/);
    await context.close();
  });

  test(`under 13: a neutral page, no account (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const year = new Date().getUTCFullYear() - 10;
    await join_(page, { name: `Kid ${mode}`, email: `kid-${mode}@example.org` }, year);
    assert.match(await page.locator('h1').innerText(), /Thank you for your interest/);
    assert.doesNotMatch(await page.content(), /13/);
    await page.screenshot({ path: join(artifacts, `not-eligible-${mode}.png`), fullPage: true });
    // Trying again at once with an older date ends the same way.
    await join_(page, { name: `Kid ${mode}`, email: `kid-${mode}@example.org` }, 1980);
    assert.match(await page.locator('h1').innerText(), /Thank you for your interest/);
    await page.goto(server.base + '/me');
    assert.match(page.url(), /\/signin$/);
    await context.close();
  });
}
