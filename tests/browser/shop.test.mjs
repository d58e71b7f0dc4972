// The shop in real Chromium, with JavaScript on and off (NAM02, ALL03;
// docs/shop.md): a visitor with no account puts an item in the cart, reads
// the purpose on the order form, orders, types the card on the local
// processor's page (tests/stripe_local, webhooks signed by the stripe
// package), comes back to a paid order, and follows it by the mailed link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root, startGlovebox, launch, startMailSink, mailFlags, cli, totp } from './helpers.mjs';

const SECRET = 'sk_test_browser';
const WHSEC = 'whsec_browser';
const dir = join(root, 'tests', 'stripe_local');
let server;
let browser;
let sink;
let processor;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startProcessor() {
  const port = await freePort();
  const proc = spawn('node', [join(dir, 'processor.mjs'), String(port), SECRET,
    'http://127.0.0.1:1/', WHSEC], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => proc.stdout.once('data', resolve));
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    control: (path, body) => fetch(base + path, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    }),
    stop: () => proc.kill('SIGTERM'),
  };
}

// A staff member of the fulfilment role, signed in through the API, adds an item.
async function addItem(name, price) {
  const email = 'shopkeeper@example.org';
  const token = cli(server, 'staff', 'add', email, '--role', 'fulfilment')
    .match(/shown once\): (\S+)/)[1];
  const post = (path, body, headers = {}) => fetch(server.base + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body) });
  const r = await post('/api/v1/staff/enrol', { token, password: 'quiet harbour lamp 42' });
  const { totp_secret: secret } = await r.json();
  await post('/api/v1/staff/enrol/confirm', { token, code: totp(secret) });
  const s = await post('/api/v1/staff/signin', { email, password: 'quiet harbour lamp 42',
    code: totp(secret, Date.now() / 1000 + 30) });
  const cookie = s.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await s.json();
  const item = await post('/api/v1/staff/shop/items', { name, price, stock: 10 },
    { Cookie: cookie, 'X-CSRF-Token': csrf });
  assert.equal(item.status, 201);
  return (await item.json()).item.id;
}

before(async () => {
  if (!existsSync(join(dir, 'node_modules', 'stripe'))) throw new Error('npm ci in tests/stripe_local');
  sink = await startMailSink();
  processor = await startProcessor();
  server = await startGlovebox([...mailFlags(sink), '--shop-processor-url', processor.base,
    '--shop-processor-secret', SECRET, '--shop-webhook-secret', WHSEC]);
  await processor.control('/control/webhook', { url: server.base + '/webhooks/stripe' });
  browser = await launch();
  await addItem('Roadster keyring', 750);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  processor?.stop();
  await sink?.stop();
});

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'js' : 'nojs';

  test(`a visitor orders, pays at the processor and comes back paid (${mode})`, async () => {
    const email = `buyer-${mode}@example.org`;
    const ctx = await browser.newContext({ javaScriptEnabled });
    const page = await ctx.newPage();
    await page.goto(server.base + '/shop');
    await page.click('text=Roadster keyring');
    await page.fill('#quantity', '2');
    await page.click('button:has-text("Put in the cart")');
    await page.waitForURL('**/shop/cart');
    assert.match(await page.locator('#total').innerText(), /15\.00 usd/);
    // The purpose, linked in the notice in force (NAM01); no card field here.
    assert.match(await page.locator('#purpose-notice a').getAttribute('href'),
      /^\/privacy\/v\/\d+#purpose-product_orders$/);
    assert.equal(await page.locator('input[name="card_number"]').count(), 0);
    await page.fill('#name', `Buyer ${mode}`);
    await page.fill('#email', email);
    await page.fill('#postal_address', '1 Harbour Road, Halifax');
    await page.click('button:has-text("Order and pay")');
    // A form leads only to this site (CSP form-action 'self'): the next
    // page links the processor's.
    await page.waitForURL('**/shop/pay/**');
    await page.click('#pay-link');
    await page.waitForURL(processor.base + '/pay/**');
    // At the processor: the card is typed there.
    await page.fill('#card_number', '4242 4242 4242 4242');
    await page.click('#pay');
    await page.waitForURL('**/shop/return/**');
    assert.equal(await page.locator('#status').getAttribute('data-status'), 'paid');

    const mail = await sink.waitFor((m) => m.to === email);
    assert.equal(mail.subject, 'We received your order');
    const link = mail.text.match(/https?:\/\/\S+\/shop\/orders\/[A-Za-z0-9_-]{43}/)[0];
    const follow = await (await browser.newContext({ javaScriptEnabled })).newPage();
    await follow.goto(link.replace(/^https?:\/\/[^/]+/, server.base));
    assert.equal(await follow.locator('#status').getAttribute('data-status'), 'paid');
    assert.doesNotMatch(await follow.content(), new RegExp(`Buyer ${mode}|${email}|4242`));
    await ctx.close();
  });
}
