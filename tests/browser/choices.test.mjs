// "Your Privacy Choices" (INS11, docs/profiles.md "Advertising tags") in
// real Chromium, with JavaScript on and off, under mini-insiders, whose
// profile declares one third-party ad tag on a fictional origin. Every
// request to that origin is intercepted (nothing is served from it but an
// empty script) and counted: with JavaScript on, the home page loads the
// tag until the visitor opts out through the footer link and the page's
// form, and after that no request goes to the origin on any page. With
// JavaScript off the same form works, and the tag is never fetched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startGlovebox, launch, artifacts } from './helpers.mjs';

const ORIGIN = 'https://ads.example-network.test';
let server;
let browser;

before(async () => {
  server = await startGlovebox(['--profile', 'mini-insiders']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`a visitor opts out of advertising tags, after which nothing goes to the tag's origin (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const hits = [];
    await context.route(`${ORIGIN}/**`, (route) => {
      hits.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'text/javascript', body: '' });
    });
    const page = await context.newPage();
    await page.goto(server.base + '/');
    assert.equal(await page.locator(`script[src^="${ORIGIN}/"]`).count(), 1);
    if (javaScriptEnabled) {
      // The interception sees the tag load: what it sees later counts.
      await page.waitForLoadState('load');
      assert.ok(hits.length >= 1, 'the tag is fetched before the opt-out');
    } else {
      assert.equal(hits.length, 0, 'without JavaScript no script is fetched');
    }
    await page.click('footer a#privacy-choices');
    await page.waitForURL('**/privacy/choices');
    assert.equal(await page.locator('#ads-state').getAttribute('data-state'), 'on');
    assert.equal(await page.locator('a.opt-out-link').getAttribute('href'), `${ORIGIN}/opt-out`);
    assert.equal(await page.locator('script').count(), 0);
    await page.click('#opt-out');
    await page.waitForURL('**/privacy/choices');
    assert.equal(await page.locator('#ads-state').getAttribute('data-state'), 'off');
    assert.match(await page.locator('#ads-state').innerText(), /you opted out on this browser/);
    await page.screenshot({ path: join(artifacts, `privacy-choices-${mode}.png`), fullPage: true });
    hits.length = 0;
    for (const path of ['/', '/privacy', '/privacy/v/1', '/contact']) {
      await page.goto(server.base + path);
      await page.waitForLoadState('load');
      assert.equal(await page.locator('script').count(), 0, `no tag on ${path}`);
      assert.equal(await page.locator('footer a#privacy-choices').count(), 1);
    }
    assert.deepEqual(hits, [], 'no request went to the tag\'s origin after the opt-out');
    // Changing one's mind brings the tag back.
    await page.goto(server.base + '/privacy/choices');
    await page.click('#opt-in');
    await page.waitForURL('**/privacy/choices');
    assert.equal(await page.locator('#ads-state').getAttribute('data-state'), 'on');
    await page.goto(server.base + '/');
    assert.equal(await page.locator(`script[src^="${ORIGIN}/"]`).count(), 1);
    await context.close();
  });
}
