// Forms people find easy (issue 17), in real Chromium (every page's axe and
// 320 px checks are in a11y-<profile>.test.mjs): a failed form shows every
// error at once in a summary that comes first and takes focus;
// the date of birth is a row of three short boxes with their tokens; focus
// ring and input borders reach 3:1 (WCAG 1.4.11); sign-up, /me and the
// staff console work from the keyboard alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGlovebox, launch, startMailSink, mailFlags, cli, totp } from './helpers.mjs';
import { PASSWORD, signUpForm } from './a11y.mjs';

let browser;
let sink;
const servers = {};

before(async () => {
  sink = await startMailSink();
  browser = await launch();
  servers['north-american-motoring'] = await startGlovebox(mailFlags(sink));
});

after(async () => {
  await browser?.close();
  for (const s of Object.values(servers)) await s.stop();
  await sink?.stop();
});

const base = () => servers['north-american-motoring'].base;

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';
  test(`a sign-up with three wrong fields shows three errors, summary first (${mode})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await signUpForm(page, base(), {
      '#name': '', '#email': 'not-an-address', '#password': 'short',
      '#birth_day': '14', '#birth_month': '6', '#birth_year': '1984',
    });
    const links = await page.locator('#error-summary a').evaluateAll((as) =>
      as.map((a) => [a.getAttribute('href'), a.textContent]));
    assert.deepEqual(links.map(([h]) => h), ['#name', '#email', '#password']);
    for (const [href, text] of links) {
      // In words: the label, never the parameter's name.
      assert.doesNotMatch(text, /\b(email|birth_\w+)\b/);
      const field = page.locator(href);
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      const described = await field.getAttribute('aria-describedby');
      assert.ok((await page.locator('#' + described).innerText()).length > 0);
    }
    // The summary is the first thing in the main content.
    assert.equal(await page.evaluate(() => document.querySelector('main').firstElementChild.id), 'error-summary');
    assert.match(await page.title(), /^Error: /);
    if (javaScriptEnabled) {
      // Focus on the summary; a link in it takes focus to its field.
      assert.equal(await page.evaluate(() => document.activeElement.id), 'error-summary');
      await page.locator('#error-summary a[href="#email"]').click();
      assert.equal(await page.evaluate(() => document.activeElement.id), 'email');
    }
    await context.close();
  });
}

test('the date of birth: three short boxes in a row, labels above, with their tokens', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (const width of [1280, 320]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(base() + '/signup');
    const boxes = [];
    for (const [id, token] of [['birth_day', 'bday-day'], ['birth_month', 'bday-month'], ['birth_year', 'bday-year']]) {
      const box = page.locator('#' + id);
      assert.equal(await box.getAttribute('autocomplete'), token);
      assert.equal(await box.getAttribute('inputmode'), 'numeric');
      const b = await box.boundingBox();
      const l = await page.locator(`label[for="${id}"]`).boundingBox();
      assert.ok(l.y + l.height <= b.y + 1, `${id}'s label is above its box`);
      assert.ok(b.width < 120, `${id} is a short box (${b.width} px)`);
      boxes.push(b);
    }
    // One row: the same top, left to right.
    assert.ok(Math.abs(boxes[0].y - boxes[1].y) < 2 && Math.abs(boxes[1].y - boxes[2].y) < 2,
      JSON.stringify(boxes));
    assert.ok(boxes[0].x < boxes[1].x && boxes[1].x < boxes[2].x);
    const legend = await page.locator('fieldset.date legend').innerText();
    assert.equal(legend, 'Date of birth');
  }
  await context.close();
});

// WCAG 2 contrast from computed colours "rgb(r, g, b)".
function luminance(css) {
  const [r, g, b] = css.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function ratio(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

test('focus ring and input borders reach 3:1 against the page (WCAG 1.4.11)', async () => {
  // The stylesheet's colours: focus #9e5200 on the page #fbfaf7 5.50:1,
  // white on the header #0b5c8a 7.21:1, borders #6e7781 4.36:1.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base() + '/signup');
  const pageBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const border = await page.locator('#email').evaluate((e) => getComputedStyle(e).borderTopColor);
  assert.ok(ratio(border, pageBg) >= 3, `border ${border} on ${pageBg}: ${ratio(border, pageBg)}`);
  for (const sel of ['#email', 'button[type=submit]', 'main a']) {
    await page.locator(sel).first().focus();
    const ring = await page.locator(sel).first().evaluate((e) => {
      const s = getComputedStyle(e);
      return { color: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert.equal(ring.style, 'solid', sel);
    assert.ok(ring.width >= 2, sel);
    assert.ok(ratio(ring.color, pageBg) >= 3, `${sel} ring ${ring.color}: ${ratio(ring.color, pageBg)}`);
  }
  // In the header, against its own background.
  const headerBg = await page.locator('header.site').evaluate((e) => getComputedStyle(e).backgroundColor);
  await page.locator('nav a').first().focus();
  const navRing = await page.locator('nav a').first().evaluate((e) => getComputedStyle(e).outlineColor);
  assert.ok(ratio(navRing, headerBg) >= 3, `nav ring ${navRing} on ${headerBg}`);
  await context.close();
});

// Presses Tab until the focused element matches selector (keyboard only).
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only: sign up, switch a choice on /me, the staff console', async () => {
  const server = servers['north-american-motoring'];
  const context = await browser.newContext();
  const page = await context.newPage();
  const email = 'keys@example.org';
  await page.goto(server.base + '/signup');
  for (const [sel, text] of [['#name', 'Kay Board'], ['#email', email], ['#password', PASSWORD],
    ['#birth_day', '3'], ['#birth_month', '11'], ['#birth_year', '1979']]) {
    await tabTo(page, sel);
    await page.keyboard.type(text);
  }
  await tabTo(page, 'button[type=submit]');
  await page.keyboard.press('Enter');
  await page.locator('#check-mail').waitFor();
  const m = await sink.waitFor((x) => x.to === email && /confirm/.test(x.subject));
  await page.goto(m.text.match(/https?:\/\/\S+\/confirm\?token=[A-Za-z0-9_-]+/)[0]);
  await tabTo(page, '#confirm');
  await page.keyboard.press('Enter');
  await page.locator('#confirmed').waitFor();
  await page.goto(server.base + '/signin');
  await tabTo(page, '#email');
  await page.keyboard.type(email);
  await tabTo(page, '#password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/me');
  // A choice switched from the keyboard.
  const button = page.locator('#choices button').first();
  const id = await button.getAttribute('id');
  const before = await button.innerText();
  await tabTo(page, '#' + id);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/me?done=choice');
  assert.notEqual(await page.locator('#' + id).innerText(), before);
  await context.close();

  // The staff console: sign in, open a tool.
  const token = cli(server, 'staff', 'add', 'keys-admin@example.org', '--role', 'admin')
    .match(/shown once\): (\S+)/)[1];
  const post = (path, body) => fetch(server.base + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const { totp_secret: secret } = await (await post('/api/v1/staff/enrol', { token, password: PASSWORD })).json();
  await post('/api/v1/staff/enrol/confirm', { token, code: totp(secret) });
  const sc = await browser.newContext();
  const sp = await sc.newPage();
  await sp.goto(server.base + '/staff/signin');
  await tabTo(sp, '#email');
  await sp.keyboard.type('keys-admin@example.org');
  await tabTo(sp, '#password');
  await sp.keyboard.type(PASSWORD);
  await tabTo(sp, '#code');
  await sp.keyboard.type(totp(secret, Date.now() / 1000 + 30));
  await sp.keyboard.press('Enter');
  await sp.waitForURL(server.base + '/staff');
  await tabTo(sp, 'main a[href^="/staff/"]');
  const tool = await sp.evaluate(() => document.activeElement.getAttribute('href'));
  await sp.keyboard.press('Enter');
  await sp.waitForURL(server.base + tool);
  assert.equal((await sp.goto(server.base + tool)).status(), 200);
  await sc.close();
});
