// The garage in real Chromium, with JavaScript on and off (NAM06): a member
// adds a car and gets the "verified owner" badge at once; a second member
// claiming the same VIN waits, a verifier checks the claim in the staff
// pages and verifies it, and the badge appears on the second member's page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, staffSignIn, startMailSink, mailFlags, joinThroughPages,
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

const PASSWORD = 'blue cooper rides at dawn';
const VINS = { js: 'WMWRE33536TJ12345', nojs: 'WMWRE33516TJ54321' };

async function join_(page, name, email) {
  await joinThroughPages(server, sink, page,
    { name, email, password: PASSWORD, day: 1, month: 2, year: 1970 });
}

async function addCar(page, vin, nickname) {
  await page.click('#garage-link');
  await page.fill('#vin', vin.toLowerCase());
  await page.fill('#nickname', nickname);
  await page.fill('#model', 'Cooper S');
  await page.click('form[action="/me/garage"] button[type=submit]');
}

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`add a car, see the badge; a duplicate is verified by staff (${mode})`, async () => {
    const vin = VINS[mode];
    const first = await browser.newContext({ javaScriptEnabled });
    const a = await first.newPage();
    await join_(a, `Owner ${mode}`, `owner-${mode}@example.org`);
    // A mistyped VIN comes back with the reason next to the field.
    await a.click('#garage-link');
    await a.fill('#vin', vin.slice(0, 8) + '9' + vin.slice(9));
    await a.click('form[action="/me/garage"] button[type=submit]');
    assert.match(await a.locator('#error-summary').innerText(), /check digit/);
    await a.goto(server.base + '/me');
    await addCar(a, vin, 'Rosie');
    await a.waitForURL('**/me/garage?done=added');
    assert.equal(await a.locator('#badge').innerText(), 'Verified owner');
    assert.match(await a.locator('#cars').innerText(), new RegExp(`Rosie[\\s\\S]*${vin}[\\s\\S]*Verified`));
    await a.screenshot({ path: join(artifacts, `garage-${mode}.png`), fullPage: true });

    const second = await browser.newContext({ javaScriptEnabled });
    const b = await second.newPage();
    await join_(b, `Claimant ${mode}`, `claimant-${mode}@example.org`);
    await addCar(b, vin, 'Also mine');
    await b.waitForURL('**/me/garage?done=review');
    assert.match(await b.locator('#cars').innerText(), /Waiting for a check/);
    assert.equal(await b.locator('#badge').count(), 0);

    const staff = await browser.newContext({ javaScriptEnabled });
    const v = await staff.newPage();
    await staffSignIn(server, v, 'verifier', `verifier-${mode}@example.org`);
    await v.click('text=Check ownership claims');
    await v.locator('#reviews a').first().click();
    assert.equal(await v.locator('#vin').innerText(), vin);
    assert.match(await v.locator('#reason').innerText(), /duplicate/);
    await v.click('#verify');
    await v.waitForURL('**/staff/reviews');

    await b.goto(server.base + '/me/garage');
    assert.equal(await b.locator('#badge').innerText(), 'Verified owner');
    await b.goto(server.base + '/me');
    assert.equal(await b.locator('#badge').innerText(), 'Verified owner');
    assert.match(await b.locator('#accesses').innerText(), /verifier/);
    for (const c of [first, second, staff]) await c.close();
  });
}
