// The home page, the contact form and the privacy page in real Chromium,
// with JavaScript on and off. Screenshots go to tests/browser/artifacts/
// (home.png is the home page with JavaScript on). GLOVEBOX_URL=http://...
// runs them against a server already running instead of starting one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startGlovebox, launch, artifacts } from './helpers.mjs';

let server;
let browser;

before(async () => {
  const given = process.env.GLOVEBOX_URL;
  server = given ? { base: given.replace(/\/+$/, ''), async stop() {} } : await startGlovebox();
  const health = await fetch(server.base + '/healthz');
  assert.equal(health.status, 200, 'glovebox did not start');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`home page renders and is styled (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('requestfailed', (r) => problems.push('failed: ' + r.url()));
    const resp = await page.goto(server.base + '/');
    assert.equal(resp.status(), 200);
    assert.equal(await page.title(), 'Home · North American Motoring');
    const links = await page.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, ['/', '/contact', '/privacy', '/me']);
    assert.equal(await page.locator('main').count(), 1);
    // No script at all: the page works without JavaScript.
    assert.equal(await page.locator('script').count(), 0);
    // The stylesheet applied: the header has the accent background, and the
    // body is not in the browser's default font.
    const bg = await page.locator('header.site').evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(11, 92, 138)');
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    assert.match(font, /sans-serif/);
    const sheets = await page.evaluate(() => [...document.styleSheets].map((s) => new URL(s.href).pathname));
    assert.deepEqual(sheets, ['/static/style.css']);
    // Every request stayed on this origin.
    assert.deepEqual(problems, []);
    await page.screenshot({ path: join(artifacts, javaScriptEnabled ? 'home.png' : 'home-nojs.png'), fullPage: true });
    await context.close();
  });

  test(`every claim on the home page leads to a page that answers (${mode})`, async () => {
    // Issue 12, rule 7: the home page claims only what the site does.
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(server.base + '/');
    const claims = await page.locator('[data-claim]').evaluateAll((ls) => ls.map((l) =>
      ({ id: l.dataset.claim, href: l.querySelector('a').getAttribute('href') })));
    assert.deepEqual(claims.map((c) => c.id),
      ['join', 'garage', 'community', 'contact', 'postcards', 'requests', 'shop', 'account',
        'privacy']);
    for (const c of claims) {
      const resp = await page.goto(server.base + c.href);
      assert.equal(resp.status(), 200, `${c.id}: ${c.href}`);
    }
    const text = (await (await page.goto(server.base + '/')).text()).toLowerCase();
    // E-postcards exist under this profile since issue 14 (docs/postcards.md),
    // and the community garage since issue 16 (docs/content.md); stories are
    // mini-insiders' only.
    for (const word of ['stories', 'photos']) assert.ok(!text.includes(word), word);
    await context.close();
  });

  test(`contact form shows errors next to fields, then sends (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(server.base + '/contact');
    assert.match(await page.locator('#purpose-notice').innerText(), /Answering your message/);
    await page.fill('#email', 'not-an-address');
    await page.fill('#topic', 'A question');
    await page.fill('#message', 'Does the club meet in winter?');
    await page.click('button[type=submit]');
    assert.match(await page.locator('#email-error').innerText(), /not a valid e-mail address/);
    assert.equal(await page.locator('#message').inputValue(), 'Does the club meet in winter?');
    await page.screenshot({ path: join(artifacts, `contact-error-${mode}.png`), fullPage: true });
    await page.fill('#email', 'member@example.org');
    await page.click('button[type=submit]');
    await page.waitForURL('**/contact/thanks');
    assert.match(await page.locator('h1').innerText(), /Thank you/);
    await context.close();
  });

  test(`privacy page lists purposes and the contact block (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(server.base + '/privacy');
    assert.match(await page.locator('h1').innerText(), /Privacy at North American Motoring/);
    assert.ok(await page.locator('#purpose-ownership_verification').isVisible());
    assert.match(await page.locator('address').innerText(), /info@northamericanmotoring\.com/);
    await page.screenshot({ path: join(artifacts, `privacy-${mode}.png`), fullPage: true });
    await context.close();
  });
}
