// Members' content in real Chromium, with JavaScript on and off (issue 16):
// under north-american-motoring a member shows a car and another member sees
// it on the community garage, without its VIN, until it is hidden; under
// mini-insiders a member publishes a story (ticking the INS13 notice), a
// moderator approves it from the staff pages, and another member reads it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, staffSignIn, startMailSink, mailFlags, joinThroughPages,
} from './helpers.mjs';

let nam;
let mini;
let browser;
let sink;

before(async () => {
  sink = await startMailSink();
  nam = await startGlovebox(mailFlags(sink));
  mini = await startGlovebox(['--profile', 'mini-insiders', ...mailFlags(sink)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await nam?.stop();
  await mini?.stop();
  await sink?.stop();
});

const PASSWORD = 'blue cooper rides at dawn';
const VINS = { js: 'WMWRE33536TJ12345', nojs: 'WMWRE33516TJ54321' };

async function member(server, javaScriptEnabled, name, email) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await joinThroughPages(server, sink, page,
    { name, email, password: PASSWORD, day: 1, month: 2, year: 1970 });
  return page;
}

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`a member shows a car to the community garage, then hides it (${mode})`, async () => {
    const vin = VINS[mode];
    const a = await member(nam, javaScriptEnabled, `Sharer ${mode}`, `sharer-${mode}@example.org`);
    await a.click('#display-name-link');
    await a.fill('#display_name', `Sam ${mode}`);
    await a.click('form[action="/me/display-name"] button[type=submit]');
    await a.goto(nam.base + '/me/garage');
    await a.fill('#vin', vin);
    await a.fill('#nickname', `Bluebell ${mode}`);
    await a.fill('#model', 'Cooper');
    await a.check('#public');
    await a.click('form[action="/me/garage"] button[type=submit]');
    await a.waitForURL('**/me/garage?done=added');

    const b = await member(nam, javaScriptEnabled, `Viewer ${mode}`, `viewer-${mode}@example.org`);
    await b.click('#community-link');
    const cars = await b.locator('#community').innerText();
    assert.match(cars, new RegExp(`Bluebell ${mode}[\\s\\S]*Verified owner[\\s\\S]*Sam ${mode}`));
    assert.ok(!(await b.content()).includes(vin), 'the VIN is on the community page');
    await b.screenshot({ path: join(artifacts, `community-${mode}.png`), fullPage: true });

    await a.goto(nam.base + '/community');
    await a.locator('#mine button[id^="hide-"]').first().click();
    await a.waitForURL('**/community?done=hidden');
    await b.reload();
    assert.ok(!(await b.locator('#community').innerText()).includes(`Bluebell ${mode}`));
  });

  test(`a member publishes a story, a moderator approves it, another reads it (${mode})`, async () => {
    const a = await member(mini, javaScriptEnabled, `Writer ${mode}`, `writer-${mode}@example.org`);
    await a.click('#stories-link');
    await a.fill('#title', `Coast run ${mode}`);
    await a.fill('#submitted_content', 'We drove *all* the way. <script>alert(1)</script> [x](javascript:alert(2))');
    // Without the tick: not published, the reason next to the box.
    await a.click('#publish');
    assert.match(await a.locator('#error-summary').innerText(), /accept/);
    await a.fill('#title', `Coast run ${mode}`);
    await a.fill('#submitted_content', 'We drove *all* the way. <script>alert(1)</script> [x](javascript:alert(2))');
    await a.check('#accept');
    await a.click('#publish');
    await a.waitForURL(/\/stories\/\d+$/);
    assert.equal(await a.locator('#status').innerText(), 'pending');

    const staff = await browser.newContext({ javaScriptEnabled });
    const m = await staff.newPage();
    await staffSignIn(mini, m, 'moderator', `moderator-${mode}@example.org`);
    await m.click('text=Moderate stories and questions');
    await m.locator('#pending a', { hasText: `Coast run ${mode}` }).click();
    assert.match(await m.locator('#author').innerText(), new RegExp(`Writer ${mode}`));
    await m.click('#approve');
    await m.waitForURL('**/staff/stories');

    const b = await member(mini, javaScriptEnabled, `Reader ${mode}`, `reader-${mode}@example.org`);
    await b.click('#stories-link');
    await b.locator('#stories a', { hasText: `Coast run ${mode}` }).click();
    assert.equal(await b.locator('#story-text em').innerText(), 'all');
    assert.equal(await b.locator('#story-text script').count(), 0);
    assert.equal(await b.locator('#story-text a').getAttribute('href'), '');
    await b.screenshot({ path: join(artifacts, `story-${mode}.png`), fullPage: true });
  });
}
