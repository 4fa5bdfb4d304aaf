/**
 * Graceful shutdown of the real process (`node src/main.ts`) under load from keep-alive clients:
 * every decision written to the socket before SIGTERM gets its policy's answer (no deny caused by
 * shutdown, no reset), readiness turns 503 at once while decisions are still served during the
 * drain delay, the process exits by itself within the drain bound, a second signal forces it out,
 * and the audit trail left behind verifies with `regent audit verify`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../fixtures/examples.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';

const BUNDLE = path.join(REPO_ROOT, 'bundles/regent.tar.gz');
const CASES = [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact].map((b) => JSON.stringify(b));

/**
 * Reason codes of a deny regent gives when it cannot ask the policy (src/errors, src/decision):
 * what a decision caught by a shutdown that closes stores under it gets.
 */
function failClosed(reasons: readonly string[]): string[] {
  return reasons.filter((r) => r.startsWith('policy.') || r === 'audit.unavailable' || r.startsWith('session.'));
}

interface Outcome {
  /** The request was fully written to its socket before SIGTERM was sent. */
  sentBeforeSignal: boolean;
  /** Its answer had arrived before SIGTERM was sent (so it was not in flight). */
  answeredBeforeSignal?: boolean;
  status?: number | undefined;
  decision?: string | undefined;
  decisionId?: string | undefined;
  reasons?: string[];
  connection?: string | undefined;
  error?: string;
}

/** Sends one decision over `agent`, noting whether it left before `signalled()` turned true. */
function decide(url: string, agent: Agent, n: number, signalled: () => boolean): Promise<Outcome> {
  const body = CASES[n % CASES.length] as string;
  const outcome: Outcome = { sentBeforeSignal: false };
  return new Promise((resolve) => {
    const req = request(
      `${url}/v1/decisions`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          outcome.answeredBeforeSignal = !signalled();
          outcome.status = res.statusCode;
          outcome.connection = res.headers.connection;
          try {
            const body = JSON.parse(text) as { decision?: string; decision_id?: string; reasons?: { code: string }[] };
            outcome.decision = body.decision;
            outcome.decisionId = body.decision_id;
            outcome.reasons = (body.reasons ?? []).map((r) => r.code);
          } catch {
            outcome.error = `unparseable body: ${text.slice(0, 200)}`;
          }
          resolve(outcome);
        });
        res.on('error', (err) => {
          outcome.error = err.message;
          resolve(outcome);
        });
      },
    );
    req.on('finish', () => (outcome.sentBeforeSignal = !signalled()));
    req.on('error', (err: NodeJS.ErrnoException) => {
      outcome.error = err.code ?? err.message;
      resolve(outcome);
    });
    req.end(body);
  });
}

/** The process's exit, once its output has been read to the end too ('close', not 'exit'). */
function exited(regent: RegentProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = regent.child;
  return new Promise((resolve) => {
    const done = () => resolve({ code: child.exitCode, signal: child.signalCode });
    if (child.stdout?.readableEnded === true && child.exitCode !== null) done();
    else child.once('close', done);
  });
}

/** Resolves with `promise`, or rejects after `ms` (a generous bound, not a speed check). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms))),
  ]);
}

describe('SIGTERM on the real process', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-drain-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const env = (name: string, extra: Record<string, string> = {}) => ({
    REGENT_BUNDLE: BUNDLE,
    REGENT_AUDIT_PATH: path.join(dir, `${name}.jsonl`),
    REGENT_DECISION_LOG: 'false',
    REGENT_EVAL_WORKERS: '1',
    REGENT_DRAIN_TIMEOUT_SECONDS: '20',
    ...extra,
  });

  it('answers every decision sent before it with the policy, exits by itself, and leaves a trail that verifies', async (t) => {
    const trail = path.join(dir, 'load.jsonl');
    const regent = await startRegentProcess(env('load', { REGENT_DRAIN_DELAY_SECONDS: '0' }));
    const agent = new Agent({ keepAlive: true, maxSockets: 128 });
    let signalled = false;
    const isSignalled = () => signalled;
    const outcomes: Promise<Outcome>[] = [];
    let n = 0;
    // Warm the keep-alive pool, so SIGTERM finds both busy and idle sockets.
    await Promise.all(Array.from({ length: 32 }, () => decide(regent.url, agent, n++, isSignalled)));
    // Eight clients in a loop, and a burst of 100 more in the last turns before the signal.
    let stop = false;
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const o = decide(regent.url, agent, n++, isSignalled);
        outcomes.push(o);
        const done = await o;
        if (done.error !== undefined || done.status !== 200) return;
      }
    });
    for (let i = 0; i < 40; i++)
      await decide(regent.url, agent, n++, isSignalled).then((o) => outcomes.push(Promise.resolve(o)));
    for (let i = 0; i < 100; i++) {
      outcomes.push(decide(regent.url, agent, n++, isSignalled));
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    signalled = true;
    regent.child.kill('SIGTERM');
    const exit = await within(exited(regent), 30_000, 'regent did not exit');
    stop = true;
    await Promise.all(loops);
    const all = await Promise.all(outcomes);
    agent.destroy();

    const late = all.filter((o) => !o.sentBeforeSignal);
    t.diagnostic(
      `sent before SIGTERM: ${all.length - late.length}; after: ${late.length} ` +
        `(${late.filter((o) => o.status === 200).length} answered, ${late.filter((o) => o.error !== undefined).length} refused)`,
    );
    assert.deepEqual(exit, { code: 0, signal: null }, regent.output().slice(-2000));
    const before = all.filter((o) => o.sentBeforeSignal);
    assert.ok(before.length >= 100, `only ${before.length} decisions were sent before SIGTERM`);
    const inFlight = before.filter((o) => !o.answeredBeforeSignal).length;
    t.diagnostic(`in flight at SIGTERM (written, not yet answered): ${inFlight}`);
    const wrong = before.filter(
      (o) =>
        o.status !== 200 ||
        !['allow', 'deny', 'redact'].includes(o.decision ?? '') ||
        failClosed(o.reasons ?? []).length > 0,
    );
    assert.deepEqual(
      wrong.slice(0, 5),
      [],
      `${wrong.length} of ${before.length} decisions sent before SIGTERM were not answered by the policy`,
    );
    assert.match(regent.output(), /"message":"shut down"/);
    assert.doesNotMatch(regent.output(), /handles still open/);

    const verify = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'src/cli/main.ts'), 'audit', 'verify', '--file', trail],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const recorded = await readFile(trail, 'utf8');
    const missing = before.filter((o) => o.decisionId === undefined || !recorded.includes(o.decisionId));
    assert.equal(missing.length, 0, `${missing.length} answered decisions have no audit record`);
  });

  it('reports not-ready at once and keeps serving, asking clients to close, during the drain delay', async () => {
    const regent = await startRegentProcess(env('delay', { REGENT_DRAIN_DELAY_SECONDS: '2' }));
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const ready = await fetch(`${regent.url}/health/ready`);
    assert.equal(ready.status, 200);
    regent.child.kill('SIGTERM');
    // The signal is handled in regent's next turn: poll until readiness says so.
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) {
      status = (await fetch(`${regent.url}/health/ready`)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(status, 503);
    const o = await decide(regent.url, agent, 0, () => false);
    assert.equal(o.status, 200);
    assert.equal(o.decision, 'allow');
    assert.deepEqual(failClosed(o.reasons ?? []), []);
    assert.equal(o.connection, 'close');
    assert.deepEqual(await within(exited(regent), 30_000, 'regent did not exit'), { code: 0, signal: null });
    agent.destroy();
    const verify = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'src/cli/main.ts'), 'audit', 'verify', '--file', path.join(dir, 'delay.jsonl')],
      { encoding: 'utf8' },
    );
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });

  it('exits at once on a second signal', async () => {
    const regent = await startRegentProcess(env('forced', { REGENT_DRAIN_DELAY_SECONDS: '600' }));
    regent.child.kill('SIGTERM');
    let status = 200;
    for (let i = 0; i < 200 && status === 200; i++) {
      status = (await fetch(`${regent.url}/health/ready`)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(status, 503, 'draining');
    regent.child.kill('SIGTERM');
    // A drain delay of ten minutes: only the second signal can end it within the bound.
    assert.deepEqual(await within(exited(regent), 30_000, 'regent did not exit'), { code: 1, signal: null });
    assert.match(regent.output(), /second signal: exiting without draining/);
  });
});
