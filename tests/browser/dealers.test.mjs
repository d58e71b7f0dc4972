// Dealers in real Chromium (INS08, INS15): a dealer liaison adds two dealers
// through the staff pages; a member opens "Ask a MINI dealer" from /me, sees
// each dealer's own privacy-policy link and, above the button, what goes and
// that the dealer's policy then applies; chooses one and sends. The lead
// lands in that dealer's own drop directory only, and /me names the dealer
// and its policy under "Given to partners".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync }
  from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, staffSignIn, startMailSink, mailFlags, joinThroughPages,
} from './helpers.mjs';

let server;
let browser;
let sink;
let dir;

const DEALERS = {
  north: { name: 'MINI of North', policy: 'https://north-mini.example/privacy' },
  south: { name: 'MINI of South', policy: 'https://south-mini.example/privacy' },
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gb-dealers-'));
  let ini = '';
  for (const code of Object.keys(DEALERS)) ini += `[mini_dealers.${code}]\ndirectory = ${join(dir, code)}\n`;
  for (const code of Object.keys(DEALERS)) mkdirSync(join(dir, code), { mode: 0o700 });
  const cfg = join(dir, 'channels.ini');
  writeFileSync(cfg, ini);
  chmodSync(cfg, 0o600);
  sink = await startMailSink();
  server = await startGlovebox(['--profile', 'mini-insiders', '--handover-config', cfg,
    '--handover-interval', '1', ...mailFlags(sink)]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function dropped(code) {
  const d = join(dir, code);
  if (!existsSync(d)) return '';
  return readdirSync(d).map((f) => readFileSync(join(d, f), 'utf8')).join('');
}

test('a member chooses a dealer with its own policy in view; the lead goes to it alone', async () => {
  const staffContext = await browser.newContext();
  const s = await staffContext.newPage();
  await staffSignIn(server, s, 'dealer_liaison', 'liaison@example.org');
  await s.click('text=Keep the list of dealers');
  for (const [code, d] of Object.entries(DEALERS)) {
    await s.fill('#code', code);
    await s.fill('#name', d.name);
    await s.fill('#address', `1 ${d.name} Road\nSpringfield`);
    await s.fill('#policy_url', d.policy);
    await s.click('#add-button');
    await s.waitForURL('**/staff/dealers?done=added');
  }
  assert.match(await s.locator('#dealers').innerText(), /MINI of North[\s\S]*MINI of South/);
  await s.screenshot({ path: join(artifacts, 'dealers-staff.png'), fullPage: true });

  const memberContext = await browser.newContext();
  const m = await memberContext.newPage();
  await joinThroughPages(server, sink, m, { name: 'Dee Lead', email: 'dee@example.org',
    password: 'blue cooper rides at dawn' });
  await m.click('#dealer-link');
  await m.waitForURL('**/me/dealer');
  // At the moment of choosing: each dealer's own policy link is on screen,
  // beside it, and the sentence and the fields are above the button.
  for (const [code, d] of Object.entries(DEALERS)) {
    const item = m.locator(`li.dealer[data-code="${code}"]`);
    const link = item.locator('a.policy-link');
    assert.ok(await link.isVisible(), `${code}'s policy link is visible`);
    assert.equal(await link.getAttribute('href'), d.policy);
  }
  const notice = m.locator('#dealer-notice');
  assert.ok(await notice.isVisible());
  assert.match(await notice.innerText(), /its own privacy policy applies/);
  assert.match(await m.locator('#dealer-fields').innerText(), /Name, E-mail address, Phone number/);
  const button = await m.locator('#dealer-submit').boundingBox();
  assert.ok((await notice.boundingBox()).y < button.y, 'the notice is above the button');
  await m.screenshot({ path: join(artifacts, 'dealers-member.png'), fullPage: true });
  await m.check('#dealer-south');
  await m.click('#dealer-submit');
  await m.waitForURL('**/me/dealer?done=sent');
  assert.ok(await m.locator('#done').isVisible());

  // The lead reaches the south dealer's drop only.
  let lines = '';
  for (let i = 0; i < 200 && !lines.includes('dee@example.org'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    lines = dropped('south');
  }
  const lead = JSON.parse(lines.trim().split('\n')[0]).data;
  assert.deepEqual(lead.dealer, { code: 'south', name: 'MINI of South' });
  // The member gave no phone number: name and e-mail go, nothing else.
  assert.deepEqual(lead.fields, { name: 'Dee Lead', email: 'dee@example.org' });
  assert.equal(dropped('north'), '');

  // Afterwards, /me names the dealer and its own policy.
  let given = '';
  for (let i = 0; i < 50 && !given.includes('MINI of South'); i++) {
    await m.goto(server.base + '/me');
    given = await m.locator('#handovers').innerText();
    if (!given.includes('MINI of South')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(given, /MINI of South/);
  assert.equal(await m.locator('#handovers a').first().getAttribute('href'), DEALERS.south.policy);
  await staffContext.close();
  await memberContext.close();
});
