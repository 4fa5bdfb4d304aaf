/**
 * The operator console in a real browser: Debian's chromium, headless, driven over the DevTools
 * protocol by puppeteer-core (which downloads no browser). An agent's post escalates; an operator
 * signs in with a token, sees the decision, opens the approval, sees exactly what would run and
 * approves it; the agent's identical retry is then allowed and a changed one is not. Screenshots
 * of each page go to a temp folder (their paths are printed), and the page must raise no CSP
 * violation or script error.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CONSOLE_CSP } from '../../src/console/index.ts';
import { TOKENS, startApprovalRegent, staffPost, type ApprovalServer } from '../approvals/support.ts';

const CHROMIUM = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';

let server: ApprovalServer;
let browser: Browser;
let page: Page;
let shots: string;
const pageErrors: string[] = [];
/** Every state-changing request the page sent to the API, with whether it carried the token header. */
const changes: { method: string; url: string; authorized: boolean }[] = [];

async function decide(body: unknown) {
  const res = await server.request('POST', '/v1/decisions', { token: TOKENS.agent.token, body });
  assert.equal(res.status, 200, res.text);
  return res.body as { decision: string; approval?: { id: string } };
}

/** The text of the elements `selector` matches (the test's TypeScript has no DOM types: nodes are read as plain objects). */
function texts(selector: string): Promise<string[]> {
  return page.$$eval(selector, (nodes: unknown[]) =>
    nodes.map((n) => (n as { textContent: string | null }).textContent ?? ''),
  );
}

async function shot(name: string): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(existsSync(file));
  process.stdout.write(`# screenshot ${file}\n`);
}

describe('the operator console in headless chromium', () => {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium not found at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    server = await startApprovalRegent();
    shots = await mkdtemp(path.join(tmpdir(), 'regent-console-shots-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('request', (req) => {
      if (req.method() !== 'GET' && req.method() !== 'HEAD' && new URL(req.url()).pathname.startsWith('/v1/'))
        changes.push({
          method: req.method(),
          url: req.url(),
          authorized: req.headers()['authorization'] === `Bearer ${TOKENS.operator.token}`,
        });
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const res = await server.request('GET', '/console/');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-security-policy'], CONSOLE_CSP);
    assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.doesNotMatch(res.text, /<script>|<script [^>]*>[^<]/);
    assert.doesNotMatch(res.text, / on[a-z]+=/);
    assert.equal((await server.request('GET', '/console')).status, 301);
    assert.equal((await server.request('GET', '/console/nope.js')).status, 401);
  });

  it('asks for a token, refuses a wrong one, and shows decisions after a good one', async () => {
    const escalated = await decide(staffPost('console'));
    assert.equal(escalated.decision, 'escalate');
    await page.goto(`${server.url}/console/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#login:not([hidden])');
    await shot('1-login');
    await page.type('#token', 'not-a-real-token');
    await page.click('#login-form button[type=submit]');
    await page.waitForFunction("document.getElementById('login-error').textContent.includes('not valid')");
    await page.type('#token', TOKENS.operator.token);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#decisions tbody tr');
    const rows = await texts('#decisions tbody tr');
    assert.ok(
      rows.some((r) => r.includes('hr-assistant') && r.includes('escalate') && r.includes('rules.review.slack_post')),
      rows.join('\n'),
    );
    await shot('2-decisions');
  });

  it('streams new decisions onto the page as they are recorded, without a reload', async () => {
    await page.waitForFunction("document.getElementById('live').textContent.startsWith('Live')");
    // An unknown agent: denied, so no approval request joins the queue the next tests read.
    const fresh = await decide({ ...staffPost('streamed into the page'), agent: { id: 'no-such-agent' } });
    assert.equal(fresh.decision, 'deny');
    await page.waitForSelector(`tr[data-decision-id="${(fresh as unknown as { decision_id: string }).decision_id}"]`);
  });

  it("shows a decision's detail: reasons, revision", async () => {
    await page.click('#decisions tbody tr a.detail');
    await page.waitForSelector('dl');
    const [text = ''] = await texts('#view');
    assert.match(text, /(allow|deny|redact|escalate)/);
    assert.match(text, /Policy revision[0-9a-f]{16}/);
    await shot('3-decision');
  });

  it('approves the pending request in the browser, after showing exactly what would run', async () => {
    await page.goto(`${server.url}/console/#/approvals`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('tr[data-approval-id] a.detail');
    await shot('4-approvals');
    await page.click('tr[data-approval-id] a.detail');
    await page.waitForSelector('pre.json');
    const [action = ''] = await texts('pre.json');
    assert.deepEqual((JSON.parse(action) as { payload: unknown }).payload, staffPost('console').payload);
    await page.type('#reason', 'ok for the staff channel');
    await shot('5-approval');
    await page.click('#approve');
    await page.waitForFunction("document.querySelector('#view .pill')?.textContent === 'approved'");
    await shot('6-approved');
    const retry = await decide(staffPost('console'));
    assert.equal(retry.decision, 'redact');
    const changed = staffPost('console');
    changed.payload.note = 'console, changed';
    assert.equal((await decide(changed)).decision, 'escalate');
  });

  it("shows a session's timeline and the status page", async () => {
    await decide({ ...staffPost('timeline'), session: { id: 'sess-console' } });
    await page.goto(`${server.url}/console/#/sessions/sess-console`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('table');
    assert.match((await texts('#view')).join(''), /escalate/);
    await shot('7-session');
    await page.goto(`${server.url}/console/#/status`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('pre.json');
    // Replicas' health: with no Redis shared, the page says it shows this instance only.
    assert.match((await texts('#replica-note')).join(''), /this instance only/);
    await shot('8-status');
  });

  it('approves with the keyboard alone: Tab reaches every control, Enter presses Approve', async () => {
    await decide(staffPost('keyboard'));
    const pending = await server.request('GET', '/v1/approvals?state=pending', { token: TOKENS.operator.token });
    const id = (pending.body as { approvals: { id: string; action: { payload: { note: string } } }[] }).approvals.find(
      (a) => a.action.payload.note === 'keyboard',
    )?.id;
    assert.ok(id);
    await page.goto(`${server.url}/console/#/approvals/${id}`, { waitUntil: 'networkidle0' });
    // A fresh load, so the Tab order starts at the top of the document.
    await page.reload({ waitUntil: 'networkidle0' });
    await page.waitForSelector('#approve');
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const here = (await page.evaluate(
        "(() => { const a = document.activeElement; return a.id || a.getAttribute('href') || a.tagName; })()",
      )) as string;
      reached.push(here);
      if (here === 'approve') break;
    }
    for (const stop of ['#/decisions', '#/approvals', '#/playground', '#/status', 'logout', 'reason', 'approve'])
      assert.ok(reached.includes(stop), `Tab never reached ${stop}: ${reached.join(' ')}`);
    await page.keyboard.press('Enter');
    await page.waitForFunction("document.querySelector('#view .pill')?.textContent === 'approved'");
    await shot('9-approved-by-keyboard');
  });

  it('runs a request in the policy playground: the answer, the exact input, marked as a dry run', async () => {
    const before = (await server.request('GET', '/v1/audit?limit=1000', { token: TOKENS.operator.token })).body as {
      records: unknown[];
    };
    await page.goto(`${server.url}/console/#/playground`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#run');
    await page.click('#run');
    await page.waitForSelector('.dry-run');
    const [text = ''] = await texts('#playground-result');
    assert.match(text, /Dry run/);
    assert.match(text, /Active revision \([0-9a-f]{16}\)/);
    assert.match(text, /(allow|deny|redact|escalate)/);
    assert.match(text, /No shadow candidate is loaded/);
    const input = JSON.parse((await texts('#playground-result pre.json')).at(-1) ?? '{}') as Record<string, unknown>;
    assert.deepEqual((input['action'] as { tool?: string } | undefined)?.tool, 'slack.post_message');
    assert.deepEqual(input['session'], {
      id: 'playground',
      labels: [],
      systems: [],
      classification: null,
      steps: 0,
      first_seen: null,
      last_seen: null,
    });
    await shot('10-playground');
    const afterRun = (await server.request('GET', '/v1/audit?limit=1000', { token: TOKENS.operator.token })).body as {
      records: unknown[];
    };
    assert.equal(afterRun.records.length, before.records.length, 'a dry run leaves no audit record');
  });

  it('sent every state-changing request with the token header', () => {
    assert.ok(changes.length >= 3, JSON.stringify(changes));
    assert.deepEqual(
      changes.filter((c) => !c.authorized),
      [],
    );
  });

  it('never rendered data as markup and raised no script error or CSP violation', async () => {
    const evil = staffPost('<img src=x onerror=alert(1)>');
    await decide(evil);
    await page.goto(`${server.url}/console/#/approvals`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('tr[data-approval-id]');
    await page.click('tr[data-approval-id] a.detail');
    await page.waitForSelector('pre.json');
    assert.equal((await texts('#view img')).length, 0);
    assert.match((await texts('pre.json')).join(''), /<img src=x onerror=alert\(1\)>/);
    // HTTP error answers (the wrong token's 401, a session with no state's 404, the favicon) are
    // logged by the browser as failed loads; anything else (a CSP refusal, a script error) is not.
    assert.deepEqual(
      pageErrors.filter((e) => !e.startsWith('Failed to load resource: the server responded with a status of 4')),
      [],
    );
    assert.ok(pageErrors.length > 0, 'the wrong token should have been refused');
  });
});
