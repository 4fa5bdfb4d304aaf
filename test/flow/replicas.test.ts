/**
 * Session state shared by replicas: two real regent processes on one real redis-server see each
 * other's session state at once (the incident replayed across them), and while Redis is down
 * session-dependent actions are denied with session.store_unavailable, recovering by themselves
 * when it returns.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { start as startRedis, type TestRedis } from '../support/redis-server.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';

async function decide(
  url: string,
  body: unknown,
): Promise<{ decision: string; reasons: { code: string; message: string }[] }> {
  const res = await fetch(`${url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { decision: string; reasons: { code: string; message: string }[] };
}

const alice = { id: 'alice', groups: ['hr'], clearance: 'restricted' };
const read = (session: string) => ({
  agent: { id: 'hr-assistant', on_behalf_of: alice },
  action: {
    tool: 'workday.read_employee',
    kind: 'read',
    resource: { system: 'workday', id: 'emp-42', labels: ['compensation', 'pii'], classification: 'restricted' },
  },
  session: { id: session },
});
const broadcast = (session: string) => ({
  agent: { id: 'hr-assistant', on_behalf_of: alice },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
  payload: { text: 'Summary of compensation across the team' },
  session: { id: session },
});
const direct = (session: string) => ({
  agent: { id: 'hr-assistant', on_behalf_of: alice },
  action: { tool: 'email.send', kind: 'send', resource: { system: 'email', id: 'alice' } },
  data_flow: { destination: { system: 'email', recipients: [{ id: 'alice', clearance: 'restricted' }] } },
  payload: { text: 'Summary' },
  session: { id: session },
});

describe('two regent replicas sharing one Redis', () => {
  let redis: TestRedis;
  let dir: string;
  let a: RegentProcess;
  let b: RegentProcess;
  before(async () => {
    redis = await startRedis();
    dir = await mkdtemp(path.join(tmpdir(), 'regent-replicas-'));
    const bundle = await regoBundle();
    const env = (name: string) => ({
      REGENT_BUNDLE: bundle.file,
      REGENT_REDIS_URL: redis.url,
      REGENT_AUDIT_PATH: path.join(dir, `${name}.jsonl`),
      REGENT_DECISION_LOG: 'false',
      REGENT_EVAL_WORKERS: '1',
    });
    [a, b] = await Promise.all([startRegentProcess(env('a')), startRegentProcess(env('b'))]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('replays the incident with the read on one replica and the posts on the other', async () => {
    assert.equal((await decide(a.url, read('sess-shared'))).decision, 'allow');
    const denied = await decide(b.url, broadcast('sess-shared'));
    assert.equal(denied.decision, 'deny');
    const flow = denied.reasons.find((r) => r.code === 'flow.audience_not_cleared');
    assert.ok(flow, JSON.stringify(denied));
    assert.match(flow.message, /workday|compensation/);
    assert.equal((await decide(b.url, direct('sess-shared'))).decision, 'allow');
    assert.equal(
      (await decide(b.url, broadcast('sess-fresh'))).decision,
      'allow',
      'a session that read nothing may post',
    );
  });

  it('denies session-dependent actions with session.store_unavailable while Redis is down, and recovers without a restart', async () => {
    await redis.stop();
    for (const url of [a.url, b.url]) {
      const res = await decide(url, read('sess-outage'));
      assert.equal(res.decision, 'deny');
      assert.deepEqual(
        res.reasons.map((r) => r.code),
        ['session.store_unavailable'],
      );
    }
    await redis.restart();
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      recovered = (await decide(a.url, read('sess-after'))).decision === 'allow';
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(recovered, 'decisions resume once Redis is back');
    assert.equal(
      (await decide(b.url, broadcast('sess-after'))).decision,
      'deny',
      'state written after recovery is shared again',
    );
  });
});
