// Members' photos in real Chromium, with JavaScript on and off, on the
// Insiders profile (issue 16): a member adds a photo through the plain
// upload form on /me/photos, sees it on the page, and the image the page
// shows is the server's re-encode (image/jpeg, nosniff). An HTML file
// picked as a photo comes back as the form with its refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, startMailSink, mailFlags, joinThroughPages,
} from './helpers.mjs';

let server;
let browser;
let sink;
let jpeg;

before(async () => {
  // A noise photo made by the vips command (scripts/deps.sh test).
  const dir = mkdtempSync(join(tmpdir(), 'gb-photo-'));
  execFileSync('vips', ['gaussnoise', join(dir, 'car.jpg'), '640', '480']);
  jpeg = readFileSync(join(dir, 'car.jpg'));
  rmSync(dir, { recursive: true, force: true });
  sink = await startMailSink();
  server = await startGlovebox(['--profile', 'mini-insiders', ...mailFlags(sink)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

const PASSWORD = 'blue cooper rides at dawn';

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`photos: upload through the form, see the re-encode (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await joinThroughPages(server, sink, page,
      { name: `Pat ${mode}`, email: `photos-${mode}@example.org`, password: PASSWORD });
    await page.goto(server.base + '/me/photos');
    assert.match(await page.locator('#photos').innerText(), /No photos yet/);

    await page.setInputFiles('#submitted_content', {
      name: 'holiday.jpg', mimeType: 'image/jpeg',
      buffer: Buffer.from('<html><script>alert(1)</script></html>'),
    });
    await page.click('form[action="/me/photos"] button[type=submit]');
    assert.match(await page.locator('#error-summary').innerText(), /JPEG, PNG or WebP/);

    await page.setInputFiles('#submitted_content', { name: 'car.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await page.click('form[action="/me/photos"] button[type=submit]');
    await page.waitForURL('**/me/photos?done=added');
    const img = page.locator('#photos img');
    assert.equal(await img.count(), 1);
    const src = await img.getAttribute('src');
    assert.match(src, /^\/photos\/[A-Za-z0-9_-]{43}$/);
    const served = await context.request.get(server.base + src);
    assert.equal(served.status(), 200);
    assert.equal(served.headers()['content-type'], 'image/jpeg');
    assert.equal(served.headers()['x-content-type-options'], 'nosniff');
    const body = await served.body();
    assert.deepEqual([...body.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.notDeepEqual(body, jpeg);
    await page.screenshot({ path: join(artifacts, `photos-${mode}.png`), fullPage: true });
    await context.close();
  });
}
