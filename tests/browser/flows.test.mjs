// The picture of where data goes, in real Chromium, for both bundled
// profiles: /privacy draws exactly the flows that /privacy.json allows
// (computed here from its purposes and recipients, not read from the page's
// own data), names them in the text alternative, and is drawn with what the
// Content-Security-Policy allows; /me draws the member's choices, and a choice
// switched off is drawn off, in the picture and in words. Screenshots of
// each picture go to tests/browser/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  startGlovebox, launch, artifacts, startMailSink, mailFlags, joinThroughPages,
} from './helpers.mjs';

let browser;
let sink;

before(async () => {
  sink = await startMailSink();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await sink?.stop();
});

// Every flow the profile allows: category -> purpose for each category a
// purpose uses; purpose -> recipient for each purpose a recipient takes,
// carrying the recipient's fields that purpose uses (none: no flow).
function expectedFlows(profile) {
  const flows = [];
  const byId = new Map(profile.purposes.map((p) => [p.id, p]));
  const label = new Map(profile.categories.map((c) => [c.id, c.label]));
  for (const p of profile.purposes) {
    for (const c of p.categories) {
      flows.push({ from: `category:${c.id}`, to: `purpose:${p.id}`, basis: p.basis, fields: '',
        purpose: p.id, text: `${label.get(c.id)} → ${p.label}`, link: null, ask: false });
    }
  }
  for (const r of profile.recipients) {
    for (const { id } of r.purposes) {
      const p = byId.get(id);
      const uses = new Set(p.categories.map((c) => c.id));
      const fields = r.fields.filter((f) => uses.has(f.id));
      if (fields.length === 0) continue;
      flows.push({ from: `purpose:${p.id}`, to: `recipient:${r.id}`, basis: p.basis,
        fields: fields.map((f) => f.id).join(','), purpose: p.id,
        text: `${p.label} → ${r.name}, receiving ${fields.map((f) => f.label).join(', ')}`,
        link: r.policy_url ?? null, ask: !r.policy_url });
    }
  }
  return flows;
}

const key = (f) => `${f.from} > ${f.to} [${f.basis}] {${f.fields}}`;

// The edges the page draws, read from the SVG.
async function drawnEdges(page) {
  return page.$$eval('#flows-picture path[data-from]', (paths) => paths.map((p) => ({
    from: p.dataset.from, to: p.dataset.to, basis: p.dataset.basis, state: p.dataset.state,
    fields: p.dataset.fields, stroke: p.getAttribute('stroke'),
    dash: p.getAttribute('stroke-dasharray'),
  })));
}

// The flows in words, each as its text and the link out to a partner's
// policy it carries (INS15: a partner is named with its own policy).
async function wordList(page) {
  return page.$$eval('#flows-list li', (items) => items.map((li) => ({
    text: li.textContent,
    link: li.querySelector('a[rel~=external]')?.getAttribute('href') ?? null,
  })));
}

// A flow as the list says it: " (off for you)" when off, then the
// partner's policy, or how to ask for it.
function said(f, profile, off = false) {
  const policy = f.link ? ' — its own privacy policy (leaves this site)'
    : f.ask ? ` — For its privacy policy, ask us at ${profile.contact.email}.` : '';
  return (off ? `${f.text} (off for you)` : f.text) + policy;
}

// The picture is there, drawn to its viewBox's proportions, named for a
// screen reader by its title and description.
async function checkPicture(page) {
  const svg = page.locator('#flows-picture');
  assert.equal(await svg.getAttribute('role'), 'img');
  assert.equal(await svg.getAttribute('aria-labelledby'), 'flows-title flows-desc');
  const [, , w, h] = (await svg.getAttribute('viewBox')).split(' ').map(Number);
  const box = await svg.boundingBox();
  assert.ok(box.width > 300, `the picture is ${box.width} px wide`);
  assert.ok(Math.abs(box.height / box.width - h / w) < 0.02, 'drawn to its proportions');
  assert.match(await page.locator('#flows-desc').textContent(), /says the same in words/);
  // Drawn with presentation attributes, which the CSP (style-src 'self')
  // leaves alone: no style element or attribute it would refuse.
  assert.equal(await page.locator('#flows style, #flows [style]').count(), 0);
  const applied = await page.$$eval('#flows-picture path[data-from]', (paths) => paths.every((p) =>
    getComputedStyle(p).stroke !== 'none' && getComputedStyle(p).fill === 'none'));
  assert.ok(applied, 'every edge stroked as its attributes say');
}

for (const profileName of ['north-american-motoring', 'mini-insiders']) {
  test(`/privacy and /me draw the flows of ${profileName}`, async () => {
    const server = await startGlovebox(['--profile', profileName, ...mailFlags(sink)]);
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const profile = await (await fetch(server.base + '/privacy.json')).json();
      const expected = expectedFlows(profile);
      assert.ok(expected.length > 0);

      // /privacy: every allowed flow, nothing else, each marked by its basis.
      await page.goto(server.base + '/privacy');
      await checkPicture(page);
      await page.locator('#flows').screenshot({ path: join(artifacts, `flows-privacy-${profileName}.png`) });
      const drawn = await drawnEdges(page);
      assert.deepEqual(drawn.map(key).sort(), expected.map(key).sort());
      assert.ok(drawn.every((e) => e.state === 'allowed'));
      // Opt-in and opt-out are told apart by the stroke's pattern, not colour alone.
      const dashOf = (basis) => new Set(drawn.filter((e) => e.basis === basis).map((e) => e.dash));
      for (const [a, b] of [['opt_in', 'opt_out'], ['opt_in', 'required'], ['opt_out', 'required']]) {
        for (const d of dashOf(a)) assert.ok(!dashOf(b).has(d), `${a} and ${b} share a pattern`);
      }
      for (const kind of ['categories', 'purposes', 'recipients']) {
        for (const { id } of profile[kind]) {
          assert.equal(await page.locator(`#flows-picture [data-node="${kind.replace(/ies$/, 'y')
            .replace(/s$/, '')}:${id}"]`).count(), 1, `${kind} ${id} has a node`);
        }
      }
      // The same flows in words.
      const words = await wordList(page);
      assert.deepEqual(words.map((w) => `${w.text} <${w.link}>`).sort(),
        expected.map((f) => `${said(f, profile)} <${f.link}>`).sort());
      assert.equal(await page.locator('#flows-list > dt').count(), profile.purposes.length);

      // /me: a member who joined with the form's defaults.
      await joinThroughPages(server, sink, page, {
        name: 'Flo Flows', email: `flo-${profileName}@example.org`,
        password: 'blue cooper rides at dawn',
      });
      await checkPicture(page);
      // Each purpose's flows as the member's choices leave them: an opt-in
      // off until they say yes (whether or not /me offers its switch yet),
      // anything else on.
      const state = new Map(profile.purposes.map((p) => [p.id,
        p.basis === 'opt_in' ? 'off' : 'on']));
      const purposeOf = (e) => (e.from.startsWith('purpose:') ? e.from : e.to).slice(8);
      const checkStates = async (when) => {
        const edges = await drawnEdges(page);
        assert.deepEqual(edges.map(key).sort(), expected.map(key).sort());
        for (const e of edges) {
          assert.equal(e.state, state.get(purposeOf(e)), `${when}: ${key(e)} drawn ${e.state}`);
        }
        const words = (await wordList(page)).map((w) => w.text);
        assert.deepEqual(words.sort(), expected.map((f) => said(f, profile, state.get(f.purpose) === 'off'))
          .sort(), `${when}: the words say what is off`);
        return edges;
      };
      await checkStates('joined');
      const choice = profile.purposes.find((p) => p.basis === 'opt_out' || p.basis === 'opt_in');
      const button = page.locator(`#switch-${choice.id}`);
      assert.equal(await button.count(), 1, `/me offers a switch for ${choice.id}`);
      if (choice.basis === 'opt_in') {
        await button.click();
        await page.waitForURL(/\/me\?done=choice$/);
        state.set(choice.id, 'on');
        await checkStates('switched on');
      }
      await page.locator('#flows').screenshot({ path: join(artifacts, `flows-me-${profileName}-on.png`) });

      // Switched off: that purpose's flows are drawn off, grey and in a
      // pattern of their own, and the words say so.
      await page.locator(`#switch-${choice.id}`).click();
      await page.waitForURL(/\/me\?done=choice$/);
      state.set(choice.id, 'off');
      const off = await checkStates('switched off');
      const offEdge = off.find((e) => purposeOf(e) === choice.id);
      assert.ok(offEdge, `${choice.id} has a flow`);
      assert.ok(off.filter((e) => e.state === 'on').every((e) =>
        e.stroke !== offEdge.stroke && e.dash !== offEdge.dash), 'off looks unlike on');
      assert.match(await page.locator('#flows-picture').innerHTML(), /Off for you/);
      await page.locator('#flows').screenshot({ path: join(artifacts, `flows-me-${profileName}-off.png`) });
    } finally {
      await context.close();
      await server.stop();
    }
  });
}
