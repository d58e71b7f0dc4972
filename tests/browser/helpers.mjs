// Shared by the browser tests: start ./glovebox on a free port with a
// temporary data directory, and launch Debian's Chromium through
// playwright-core. Everything started here is stopped by stop().
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifacts = join(root, 'tests', 'browser', 'artifacts');
mkdirSync(artifacts, { recursive: true });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// The binary under test: GLOVEBOX_BIN (relative to the checkout), else ./glovebox.
export const binary = join(root, process.env.GLOVEBOX_BIN || 'glovebox');

export async function startGlovebox(extra = []) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'gb-browser-'));
  const base = `http://127.0.0.1:${port}`;
  // "{base}" in a flag stands for the server's own address (e.g. --site-url).
  extra = extra.map((a) => a.replaceAll('{base}', base));
  // No metrics listener: the test files run side by side, and each would
  // take the default metrics port.
  const proc = spawn(binary,
    ['serve', '--listen', `127.0.0.1:${port}`, '--metrics-listen=', '--data', data,
      '--log-file', join(data, 'log'), ...extra],
    { stdio: 'ignore' });
  let up = false;
  for (let i = 0; i < 400 && !up && proc.exitCode === null; i++) {
    try {
      up = (await fetch(base + '/healthz')).ok;
    } catch { /* not up yet */ }
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    }
    rmSync(data, { recursive: true, force: true });
  };
  if (!up) {
    await stop();
    throw new Error(`glovebox did not answer ${base}/healthz (exit ${proc.exitCode})`);
  }
  return { base, data, extra, stop };
}

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Runs a glovebox command against a started server's data directory; its stdout.
export function cli(server, ...args) {
  const out = spawnSync(binary, [...args, '--data', server.data,
    '--log-file', join(server.data, 'cli.log'), ...(server.extra ?? [])], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`glovebox ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

// RFC 6238 (SHA-1, 30 s, 6 digits), written here independently of the server.
export function totp(secret, at = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1e6).padStart(6, '0');
}

// A staff member of role, enrolled through the API; signs a browser page in.
export async function staffSignIn(server, page, role, email) {
  const token = cli(server, 'staff', 'add', email, '--role', role).match(/shown once\): (\S+)/)[1];
  const post = (path, body) => fetch(server.base + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const r = await post('/api/v1/staff/enrol', { token, password: 'quiet harbour lamp 42' });
  const { totp_secret: secret } = await r.json();
  await post('/api/v1/staff/enrol/confirm', { token, code: totp(secret) });
  await page.goto(server.base + '/staff/signin');
  await page.fill('#email', email);
  await page.fill('#password', 'quiet harbour lamp 42');
  await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
  await page.click('button[type=submit]');
  await page.waitForURL(server.base + '/staff');
}

// A real SMTP listener (Debian's aiosmtpd) writing what it receives to a
// maildir; messages() reads them back as { to, subject, text } (text with
// quoted-printable undone).
export async function startMailSink() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gb-mail-'));
  const proc = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '-c', 'aiosmtpd.handlers.Mailbox', join(dir, 'box')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 800));
  const decode = (qp) => qp.replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages() {
      const box = join(dir, 'box', 'new');
      if (!existsSync(box)) return [];
      return readdirSync(box).map((f) => {
        const raw = readFileSync(join(box, f), 'latin1');
        const [head, ...rest] = raw.split(/\r?\n\r?\n/);
        const to = (head.match(/^To: .*<([^>]+)>/m) || [])[1];
        const subject = (head.match(/^Subject: (.*)$/m) || [])[1];
        return { to, subject, text: Buffer.from(decode(rest.join('\n\n')), 'latin1').toString('utf8') };
      });
    },
    async waitFor(pred, timeout = 30000) {
      const end = Date.now() + timeout;
      while (Date.now() < end) {
        const m = this.messages().find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no such message arrived');
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The flags that send a server's mail to sink at once, links to itself.
export function mailFlags(sink) {
  return ['--smtp-url', sink.url, '--mail-from', 'club@example.org', '--mail-interval', '1',
    '--site-url', '{base}'];
}

// Joins through the pages as a member would: the sign-up form (extra(page)
// ticks what the test wants before it is sent), "check your mail", the
// link in the message caught by sink and its button, then the sign-in form
// (remember: tick "remember me"). Ends on /me. Sign-up answers alike for
// every address and starts no session until the address is confirmed.
export async function joinThroughPages(server, sink, page, who, { extra, remember } = {}) {
  await page.goto(server.base + '/signup');
  await page.fill('#name', who.name);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.fill('#birth_day', String(who.day ?? 14));
  await page.fill('#birth_month', String(who.month ?? 6));
  await page.fill('#birth_year', String(who.year ?? 1984));
  if (extra) await extra(page);
  await page.click('button[type=submit]');
  await page.locator('#check-mail').waitFor();
  const message = await sink.waitFor((m) => m.to === who.email && /confirm/.test(m.subject));
  await page.goto(message.text.match(/https?:\/\/\S+\/confirm\?token=[A-Za-z0-9_-]+/)[0]);
  await page.click('#confirm');
  await page.locator('#confirmed').waitFor();
  await page.click('#signin-link');
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  if (remember) await page.check('#remember');
  await page.click('button[type=submit]');
  await page.waitForURL('**/me');
}
