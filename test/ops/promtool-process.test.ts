/**
 * `GET /metrics` of the real process, Node's default metrics included, passes the real
 * `promtool check metrics` with no problem reported (test/http/metrics.test.ts checks an
 * in-process app built without the default metrics).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';

describe('GET /metrics on the real process', () => {
  let dir: string;
  let regent: RegentProcess;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-promtool-'));
    regent = await startRegentProcess({
      REGENT_BUNDLE: (await regoBundle()).file,
      REGENT_AUDIT_PATH: path.join(dir, 'trail.jsonl'),
      REGENT_DECISION_LOG: 'false',
      REGENT_EVAL_WORKERS: '1',
    });
  });
  after(async () => {
    await regent.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes promtool check metrics with Node default metrics on', async () => {
    const decided = await fetch(`${regent.url}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(EXAMPLES.allow),
    });
    assert.equal(decided.status, 200);
    const res = await fetch(`${regent.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^process_cpu_seconds_total /m, 'default metrics are on');
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool must be installed: ${String(check.error)}`);
    assert.equal(check.stdout + check.stderr, '', 'promtool reports no problem');
    assert.equal(check.status, 0);
  });
});
