// Shared by the a11y*.test.mjs files (issue 17): every page of a profile
// checked by axe-core and at 320 px. Not a test file itself; each profile
// has its own test file so that each stays within the per-file time limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import { startGlovebox, launch, startMailSink, mailFlags, staffSignIn, joinThroughPages } from './helpers.mjs';

export const PROFILES = {
  'north-american-motoring': ['verifier', 'support', 'fulfilment', 'editor', 'admin', 'analyst'],
  'mini-insiders': ['support', 'marketing', 'dealer_liaison', 'moderator', 'admin', 'analyst'],
};
export const PASSWORD = 'blue cooper rides at dawn';

// axe at the page's width, then the reflow check at 320 px (WCAG 1.4.10).
export async function checkPage(page, path, problems) {
  const axe = await new AxeBuilder({ page }).analyze();
  for (const v of axe.violations)
    problems.push(`${path}: axe ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  await page.setViewportSize({ width: 320, height: 640 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  if (width > 320) problems.push(`${path}: ${width} px wide at 320 px`);
}

// Visits the same-origin pages whose path matches within that a link leads
// to from start, breadth first (no API, no static file, no download,
// nothing that signs out), checking each path not yet in checked. Returns
// the paths visited.
async function crawl(page, base, start, within, checked, problems, limit = 40) {
  const seen = new Set();
  const queue = [...start];
  const pages = [];
  while (queue.length && pages.length < limit) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    await page.setViewportSize({ width: 1280, height: 900 });
    const resp = await page.goto(base + path);
    if (!resp || resp.status() >= 400 || !/text\/html/.test(resp.headers()['content-type'] || ''))
      continue;
    pages.push(path);
    const links = await page.locator('a[href]:not([download])').evaluateAll((as) => as.map((a) => a.href));
    for (const href of links) {
      const u = new URL(href);
      if (u.origin !== new URL(base).origin || !within.test(u.pathname)) continue;
      if (/^\/(api|static)\//.test(u.pathname) || /signout/.test(u.pathname)) continue;
      const p = u.pathname + u.search;
      if (!seen.has(p)) queue.push(p);
    }
    if (checked.has(path)) continue;
    checked.add(path);
    await checkPage(page, path, problems);
  }
  return pages;
}

export async function signUpForm(page, base, fields) {
  await page.goto(base + '/signup');
  for (const [sel, value] of Object.entries(fields)) await page.fill(sel, value);
  await page.click('button[type=submit]');
  await page.locator('#error-summary').waitFor();
}

// The test of every page of profile: anonymous pages (from / and the
// forms), a form shown again with errors, a member's pages (/me and
// below), every staff role's console (/staff and below; a page the roles
// share is checked once).
export function everyPageTest(profile) {
  let browser;
  let sink;
  let server;
  before(async () => {
    sink = await startMailSink();
    // One address signs in a member and every staff role in a minute: the
    // per-address sign-in limit is lifted, as the API tests lift it.
    server = await startGlovebox(['--profile', profile, ...mailFlags(sink),
      '--signin-per-minute', '100000', '--signin-per-hour', '100000']);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await sink?.stop();
  });
  test(`every page of ${profile}: no axe violation, no sideways scroll at 320 px`, async () => {
    const problems = [];
    const context = await browser.newContext();
    const page = await context.newPage();
    const anon = await crawl(page, server.base,
      ['/', '/signup', '/signin', '/forgot', '/contact', '/privacy'], /^\/(?!me\b|staff\b)/, new Set(), problems);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signUpForm(page, server.base, { '#email': 'not-an-address', '#password': 'short' });
    await checkPage(page, '/signup (errors)', problems);
    await page.setViewportSize({ width: 1280, height: 900 });
    const who = { name: `Ally ${profile}`, email: `ally-${profile}@example.org`, password: PASSWORD };
    await joinThroughPages(server, sink, page, who);
    const member = await crawl(page, server.base, ['/me'], /^\/me\b/, new Set(), problems);
    assert.ok(member.includes('/me'), member.join(' '));
    await context.close();
    const staffPages = [];
    const staffChecked = new Set();
    for (const role of PROFILES[profile]) {
      const c = await browser.newContext();
      const p = await c.newPage();
      await staffSignIn(server, p, role, `${role}-a11y@example.org`);
      staffPages.push(...await crawl(p, server.base, ['/staff'], /^\/staff\b/, staffChecked, problems));
      await c.close();
    }
    assert.ok(anon.length >= 5 && staffChecked.size >= PROFILES[profile].length,
      `too few pages found: ${anon} / ${[...staffChecked]}`);
    assert.deepEqual(problems, []);
  });
}
