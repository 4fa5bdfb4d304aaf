/**
 * Several regent processes on one host behind one port (REGENT_REUSE_PORT, record 021): two real
 * processes on one real redis-server share the port, the kernel spreads connections over both,
 * each is scraped on its own metrics port and the counts add up to what was sent, and a session
 * is one session whichever process takes each step. Settings that would split state are refused.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { checkListenKeys, type ListenKeys } from '../../src/config/listen-keys.ts';
import { regoBundle } from '../support/bundles.ts';
import { start as startRedis, type TestRedis } from '../support/redis-server.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { freePort } from '../support/free-port.ts';

/** One request on a connection of its own (so the kernel chooses a process for each). */
function send(port: number, method: string, p: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        method,
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The metrics port a process logged. */
function metricsPortOf(p: RegentProcess): number {
  const m =
    /"message":"regent metrics listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"message":"regent metrics listening"/.exec(
      p.output(),
    );
  assert.ok(m !== null, p.output());
  return Number(m[1] ?? m[2]);
}

/** Sum of regent_decisions_total over its labels, from one process's metrics port. */
async function decisionsCounted(p: RegentProcess): Promise<number> {
  const res = await send(metricsPortOf(p), 'GET', '/metrics');
  assert.equal(res.status, 200, res.text);
  return res.text
    .split('\n')
    .filter((l) => l.startsWith('regent_decisions_total{'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const alice = { id: 'alice', groups: ['hr'], clearance: 'restricted' };

describe('two regent processes sharing one port', () => {
  let redis: TestRedis;
  let port: number;
  let processes: RegentProcess[] = [];
  before(async () => {
    redis = await startRedis();
    port = await freePort();
    const bundle = await regoBundle();
    const env = {
      REGENT_BUNDLE: bundle.file,
      REGENT_PORT: String(port),
      REGENT_REUSE_PORT: 'true',
      REGENT_METRICS_PORT: '0',
      REGENT_REDIS_URL: redis.url,
      REGENT_AUDIT_PATH: '',
      REGENT_DECISION_LOG: 'false',
      REGENT_EVAL_WORKERS: '1',
    };
    processes = await Promise.all([startRegentProcess(env), startRegentProcess(env)]);
  });
  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await redis?.stop();
  });

  it('spreads connections over both, and each process counts only what it decided', async () => {
    const before = await Promise.all(processes.map(decisionsCounted));
    const sent = 60;
    for (let i = 0; i < sent; i++) {
      const res = await send(port, 'POST', '/v1/decisions', EXAMPLES.allowInternal);
      assert.equal(res.status, 200, res.text);
    }
    const counted = (await Promise.all(processes.map(decisionsCounted))).map((n, i) => n - (before[i] ?? 0));
    assert.equal(
      counted.reduce((a, b) => a + b, 0),
      sent,
      `per process ${counted.join(', ')}`,
    );
    for (const n of counted) assert.ok(n > 0, `every process took some of ${sent} connections: ${counted.join(', ')}`);
  });

  it('keeps one session whichever process takes each step', async () => {
    const session = { id: 'shared-port-session' };
    const read = {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
      session,
    };
    const post = {
      agent: { id: 'hr-assistant', on_behalf_of: alice },
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { text: 'Summary of compensation across the team' },
      session,
    };
    assert.match((await send(port, 'POST', '/v1/decisions', read)).text, /"decision":"allow"/);
    // Ten posts on ten connections: both processes take some, and every one knows the read.
    for (let i = 0; i < 10; i++) {
      const res = await send(port, 'POST', '/v1/decisions', post);
      assert.match(res.text, /"decision":"deny"/);
      assert.match(res.text, /flow\.audience_not_cleared/);
    }
  });

  it('answers only metrics and health on the metrics port', async () => {
    const own = metricsPortOf(processes[0] as RegentProcess);
    assert.equal((await send(own, 'GET', '/health/ready')).status, 200);
    const refused = await send(own, 'POST', '/v1/decisions', EXAMPLES.allowInternal);
    assert.equal(refused.status, 404, refused.text);
    assert.match(refused.text, /"code":"not_found"/);
  });
});

describe('REGENT_REUSE_PORT settings', () => {
  const base: ListenKeys = {
    reusePort: true,
    port: 8181,
    metricsPort: 9181,
    redisUrl: 'redis://127.0.0.1:6379',
    auditPath: 'var/audit/trail.jsonl',
    auditDatabaseUrl: 'postgres://regent@db/regent',
  };
  const cases: { note: string; keys: Partial<ListenKeys>; problem?: RegExp }[] = [
    { note: 'shared session state and audit trail', keys: {} },
    { note: 'the audit trail off', keys: { auditPath: '', auditDatabaseUrl: '' } },
    { note: 'no Redis', keys: { redisUrl: '' }, problem: /REGENT_REUSE_PORT needs REGENT_REDIS_URL/ },
    { note: 'a file audit trail', keys: { auditDatabaseUrl: '' }, problem: /a file trail has one writer/ },
    { note: 'port 0', keys: { port: 0 }, problem: /needs a fixed REGENT_PORT/ },
    { note: 'the metrics port on the main port', keys: { metricsPort: 8181 }, problem: /must differ/ },
  ];
  for (const c of cases)
    it(`${c.problem === undefined ? 'accepts' : 'refuses'} ${c.note}`, () => {
      const problems = checkListenKeys({ ...base, ...c.keys });
      if (c.problem === undefined) assert.deepEqual(problems, []);
      else
        assert.ok(
          problems.some((p) => c.problem?.test(p) === true),
          problems.join('; '),
        );
    });
  it('leaves a process on a port of its own alone, whatever it stores where', () => {
    assert.deepEqual(checkListenKeys({ ...base, reusePort: false, redisUrl: '', auditDatabaseUrl: '', port: 0 }), []);
  });
});
