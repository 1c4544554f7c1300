// The web console in headless Chromium (Debian's, driven by puppeteer-core) against a real
// `wf serve` started here on 127.0.0.1: sign in; the executions list shows a started instance and
// turns it `completed` live, without a reload; a status filter survives a reload of its URL; an
// approval approved with a note in the detail page is recorded with `via = web`; a change without
// the CSRF token is refused. Each page is screenshotted under the build directory (and checked not
// blank) and checked by axe-core (no serious or critical violation).
// Usage: node console.test.mjs WF_BINARY OUT_DIR. Every wait is bounded.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, statSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(join(dirname(require.resolve('axe-core')), 'axe.min.js'), 'utf8');
const [wf, outDir] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(outDir, { recursive: true });

const work = mkdtempSync(join(tmpdir(), 'wf-console-'));
const children = [];
let browser = null;
let currentPage = null;
let passed = 0;
let failed = 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// Polls `check` until it returns something truthy, at most `ms`.
async function until(what, check, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { last = await check(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serveLog = openSync(join(work, 'serve.log'), 'w');
const serve = spawn(wf, ['serve', '--data', join(work, 'data'), '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', serveLog, serveLog] });
children.push(serve);
const token = await until('wf serve to be ready', async () => {
  const r = await fetch(`${base}/api/v1/ready`);
  return r.ok && readFileSync(join(work, 'data', 'admin.token'), 'utf8').trim();
}, 60000);

async function call(method, path, body) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

const pushed = await call('POST', '/definitions', { file: 'console.wf', source: `
workflow slow() -> int {
  sleep 3s
  return 1
}

workflow hello(targets: hosts) -> string {
  let r = run command ["sh", "-c", "echo hello-from-the-console; echo warned >&2"] on targets timeout 30s
  return r.results[0].stdout
}

workflow gate() -> list<string> {
  let a = approve "Ship it?" timeout 1h
  return a.responded_by
}
` });
assert.equal(pushed.status, 201, JSON.stringify(pushed.json));

// An agent for host web1, whose job's output the detail page shows.
const enroll = readFileSync(join(work, 'data', 'enroll.secret'), 'utf8').trim();
const agentLog = openSync(join(work, 'agent.log'), 'w');
children.push(spawn(wf, ['agent', '--server', base, '--enroll', enroll, '--hostname', 'web1', '--state', join(work, 'agent')],
  { stdio: ['ignore', agentLog, agentLog] }));
await until('the agent to register', async () => (await call('GET', '/hosts')).json.items.some((h) => h.hostname === 'web1'), 30000);

async function test(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${e.stack || e}`);
    if (currentPage) await currentPage.screenshot({ path: join(outDir, `failed-${name.replace(/[^a-z]+/gi, '-')}.png`) }).catch(() => {});
  }
}

// A screenshot of the page under OUT_DIR, checked not blank (not a single colour), and axe-core's
// verdict: no serious or critical violation.
async function checkPage(page, name) {
  const file = join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(statSync(file).size > 2000, `${file} is too small to show anything`);
  const colours = await page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 10; i += 4 * 97) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  }, `data:image/png;base64,${readFileSync(file).toString('base64')}`);
  assert.ok(colours > 2, `${name}: the screenshot is blank (${colours} colours)`);
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`), [], `${name}: axe-core`);
}

try {
  browser = await puppeteer.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const page = await browser.newPage();
  currentPage = page;
  await page.setViewport({ width: 1280, height: 800 });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`console error: ${m.text()}`); });

  await test('sign in', async () => {
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#token', { timeout: 10000 });
    await checkPage(page, 'sign-in');
    await page.type('#token', 'wft_1_wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('#sign-in-error:not([hidden])', { timeout: 10000 });
    await page.$eval('#token', (el) => { el.value = ''; });
    await page.type('#token', token);
    await page.click('button[type=submit]');
    await page.waitForFunction(() => location.pathname === '/executions', { timeout: 10000 });
    const cookies = await page.cookies();
    const session = cookies.find((c) => c.name === 'wf_session');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie.includes('wf_session')), false, 'the page cannot read the cookie');
  });

  await test('the list shows a started instance and turns it completed live', async () => {
    await page.waitForSelector('#summary', { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('#summary').textContent !== 'Loading…', { timeout: 10000 });
    const started = await call('POST', '/definitions/slow/run', {});
    assert.equal(started.status, 201, JSON.stringify(started.json));
    const id = started.json.id;
    const row = `tr[data-id="${id}"]`;
    await page.waitForSelector(row, { timeout: 15000 });
    await checkPage(page, 'executions');
    // No reload: the same document sees it complete.
    await page.evaluate(() => { window.sameDocument = true; });
    await page.waitForSelector(`${row}[data-status="completed"]`, { timeout: 20000 });
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was not reloaded');
    assert.match(await page.$eval(`${row} .badge`, (el) => el.textContent), /completed/);
    // Times in the browser's zone, the UTC instant on hover.
    assert.match(await page.$eval(`${row} time`, (el) => el.getAttribute('title')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z UTC$/);
  });

  await test('dark theme and a narrow screen', async () => {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await page.setViewport({ width: 390, height: 800 });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `a dark background under prefers-color-scheme: dark (${background})`);
    await checkPage(page, 'executions-dark-narrow');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.setViewport({ width: 1280, height: 800 });
  });

  await test('a status filter is in the URL and survives a reload', async () => {
    await page.select('#status', 'completed');
    await page.waitForFunction(() => location.search.includes('status=completed'), { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll('#executions-rows tr').length > 0, { timeout: 10000 });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => document.querySelector('#status') && document.querySelector('#status').value === 'completed'
      && document.querySelectorAll('#executions-rows tr').length > 0, { timeout: 10000 });
    const statuses = await page.$$eval('#executions-rows tr', (rows) => rows.map((r) => r.dataset.status));
    assert.ok(statuses.every((s) => s === 'completed'), statuses.join(','));
  });

  await test('a list that cannot be loaded shows an error banner with Retry', async () => {
    // A status the API does not know is its 400; the page says so and offers to try again.
    await page.goto(`${base}/executions?status=bogus`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#load-error .banner.error button', { timeout: 10000 });
    assert.match(await page.$eval('#load-error', (el) => el.textContent), /could not be loaded.*status/);
    await checkPage(page, 'executions-error');
    await page.click('#load-error button');
    await page.waitForSelector('#load-error .banner.error', { timeout: 10000 });
  });

  await test('approve an approval with a note: responded_by, note and via = web', async () => {
    const started = await call('POST', '/definitions/gate/run', {});
    assert.equal(started.status, 201);
    const id = started.json.id;
    const approval = await until('the approval request', async () => {
      const list = await call('GET', `/approvals?status=pending&instance=${id}`);
      return list.json.items[0];
    });
    await page.goto(`${base}/executions/${id}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(`[data-approval="${approval.id}"] textarea`, { timeout: 10000 });
    await page.waitForSelector('#actions button[data-action="cancel"]', { timeout: 10000 });
    await checkPage(page, 'execution');
    await page.type(`[data-approval="${approval.id}"] textarea`, 'looks good from the browser');
    await page.click(`[data-approval="${approval.id}"] button[data-decision="approve"]`);
    const decided = await until('the approval to be decided', async () => {
      const a = await call('GET', `/approvals/${approval.id}`);
      return a.json.status === 'approved' && a.json;
    });
    assert.equal(decided.responses.length, 1);
    assert.equal(decided.responses[0].who, 'admin');
    assert.equal(decided.responses[0].note, 'looks good from the browser');
    assert.equal(decided.responses[0].via, 'web');
    // The detail page follows the instance to its end live.
    await page.waitForSelector('#status-banner [data-status="completed"]', { timeout: 20000 });
    const done = await call('GET', `/instances/${id}`);
    assert.deepEqual(done.json.result, ['admin']);
  });

  await test("the detail page follows a job to its end and shows its stdout and stderr", async () => {
    const started = await call('POST', '/definitions/hello/run', { hosts: ['web1'] });
    assert.equal(started.status, 201, JSON.stringify(started.json));
    const id = started.json.id;
    await page.goto(`${base}/executions/${id}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#status-banner [data-status="completed"]', { timeout: 30000 });
    await page.waitForSelector('#timeline button[data-job]', { timeout: 10000 });
    await page.click('#timeline button[data-job]');
    await page.waitForFunction(() => (document.querySelector('#job pre[aria-label="stdout"]') || {}).textContent === 'hello-from-the-console\n',
      { timeout: 10000 });
    assert.equal(await page.$eval('#job pre[aria-label="stderr"]', (el) => el.textContent), 'warned\n');
    assert.match(await page.$eval('#job', (el) => el.textContent), /web1/);
    await checkPage(page, 'execution-job');
  });

  await test('a viewer sees no action buttons and a crafted change is 403; the administrator cancels after a confirmation', async () => {
    assert.equal((await call('POST', '/users', { name: 'vera', roles: ['viewer'] })).status, 201);
    const made = await call('POST', '/tokens', { user: 'vera' });
    assert.equal(made.status, 201);
    const started = await call('POST', '/definitions/gate/run', {});
    const id = started.json.id;
    await until('the approval request', async () => (await call('GET', `/approvals?status=pending&instance=${id}`)).json.items[0]);
    const context = await browser.createBrowserContext();
    const viewer = await context.newPage();
    try {
      await viewer.goto(`${base}/executions/${id}`, { waitUntil: 'domcontentloaded' });
      await viewer.waitForSelector('#token', { timeout: 10000 });
      await viewer.type('#token', made.json.token);
      await viewer.click('button[type=submit]');
      await viewer.waitForSelector('[data-approval]', { timeout: 10000 });
      await viewer.waitForSelector('#status-banner [data-status="paused"]', { timeout: 10000 });
      assert.equal(await viewer.$$eval('#actions button', (b) => b.length), 0, 'no cancel, pause, resume or retry');
      assert.equal(await viewer.$$eval('[data-approval] button, [data-approval] textarea', (b) => b.length), 0, 'no approve or reject');
      const crafted = await viewer.evaluate(async (instance) => {
        const session = await (await fetch('/api/v1/session')).json();
        const r = await fetch(`/api/v1/instances/${instance}/cancel`, { method: 'POST', headers: { 'X-CSRF-Token': session.csrf_token } });
        return { status: r.status, body: await r.json() };
      }, id);
      assert.equal(crafted.status, 403);
      assert.match(crafted.body.error.message, /workflows\.execute/);
      assert.equal((await call('GET', `/instances/${id}`)).json.status, 'paused');
    } finally {
      await context.close();
    }
    // The administrator cancels it from the page: nothing happens until the confirmation says so.
    await page.goto(`${base}/executions/${id}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#actions button[data-action="cancel"]', { timeout: 10000 });
    await page.click('#actions button[data-action="cancel"]');
    await page.waitForSelector('dialog#confirm[open]', { timeout: 10000 });
    await page.click('dialog#confirm button[value="no"]');
    await page.waitForFunction(() => !document.querySelector('dialog#confirm'), { timeout: 10000 });
    assert.equal((await call('GET', `/instances/${id}`)).json.status, 'paused');
    await page.click('#actions button[data-action="cancel"]');
    await page.waitForSelector('dialog#confirm[open]', { timeout: 10000 });
    await checkPage(page, 'execution-confirm');
    await page.click('dialog#confirm button[value="yes"]');
    await page.waitForSelector('#status-banner [data-status="cancelled"]', { timeout: 15000 });
    assert.equal((await call('GET', `/instances/${id}`)).json.status, 'cancelled');
  });

  await test('a change without the CSRF token is refused', async () => {
    const answer = await page.evaluate(async () => {
      const r = await fetch('/api/v1/instances/1/cancel', { method: 'POST', credentials: 'same-origin' });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'forbidden');
    assert.match(answer.body.error.message, /X-CSRF-Token/);
  });

  await test('sign out', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#token', { timeout: 10000 });
    const answer = await page.evaluate(async () => (await fetch('/api/v1/instances')).status);
    assert.equal(answer, 401);
  });
} catch (e) {
  failed += 1;
  console.log(`not ok - setup\n  ${e.stack || e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  if (failed === 0) rmSync(work, { recursive: true, force: true });
  else console.log(`wf serve's data kept in ${work}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
