/**
 * GET /metrics: accepted by the real `promtool check metrics`, and the decision counters (and the
 * audit trail's records committed) move by exactly the number of decisions made (rejected
 * requests are not decisions).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { sampleValue } from '../support/metrics-text.ts';

/** Reads one sample's value (after promtool has validated the text). */
function sample(text: string, name: string, labels: string): number {
  return sampleValue(text, `${name}${labels}`);
}

describe('GET /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
  });
  after(async () => server.close());

  it('passes promtool check metrics', async () => {
    await server.post('/v1/decisions', EXAMPLES.allow);
    const res = await server.get('/metrics');
    assert.equal(res.status, 200);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool must be installed: ${String(check.error)}`);
    assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  });

  it('moves the decision counters by exactly the decisions made, by outcome', async () => {
    const before = (await server.get('/metrics')).text;
    const plan = { allow: 7, deny: 5, redact: 3 } as const;
    for (const [outcome, n] of Object.entries(plan) as [keyof typeof plan, number][]) {
      const body = outcome === 'allow' ? EXAMPLES.allowInternal : EXAMPLES[outcome];
      for (let i = 0; i < n; i++) assert.equal((await server.post('/v1/decisions', body)).body.decision, outcome);
    }
    for (let i = 0; i < 4; i++) assert.equal((await server.post('/v1/decisions', { agent: {} })).status, 400);
    const after = (await server.get('/metrics')).text;
    for (const [outcome, n] of Object.entries(plan)) {
      const delta =
        sample(after, 'regent_decisions_total', `{decision="${outcome}"}`) -
        sample(before, 'regent_decisions_total', `{decision="${outcome}"}`);
      assert.equal(delta, n, outcome);
    }
    const histogramDelta =
      sample(after, 'regent_policy_evaluation_duration_seconds_count', '') -
      sample(before, 'regent_policy_evaluation_duration_seconds_count', '');
    assert.equal(histogramDelta, 15);
    // One audit record per decision, none for the rejected requests; each commit's records counted.
    const audited =
      sample(after, 'regent_audit_commit_records_sum', '') - sample(before, 'regent_audit_commit_records_sum', '');
    assert.equal(audited, 15);
    const commits =
      sample(after, 'regent_audit_commit_duration_seconds_count', '') -
      sample(before, 'regent_audit_commit_duration_seconds_count', '');
    assert.ok(commits >= 1 && commits <= 15, `${commits} commits`);
    assert.equal(
      sample(after, 'regent_policy_revision_info', `{revision="${server.regent.policies.current()!.revision}"}`),
      1,
    );
  });

  it('labels nothing with agent ids, session ids or tool names', async () => {
    await server.post('/v1/decisions', { ...EXAMPLES.allow, session: { id: 'sess-secret-id' } });
    const text = (await server.get('/metrics')).text;
    for (const value of ['hr-assistant', 'sess-secret-id', 'workday.read_employee', 'alice'])
      assert.ok(!text.includes(value), value);
  });
});
