/**
 * Races across replicas: two real regent processes on one real redis-server, asked at the same
 * instant. A Chinese wall holds when its two sides are read at once on different replicas (one
 * allowed at most, and afterwards both replicas agree which side the session is on), and a post to
 * all employees after a restricted read on the other replica is denied every time. Invariants, not
 * timings; `node bench/replicas.ts` checks the same under load.
 *
 * The policy is the shipped rego/ with its activity limits lifted (data.regent.config.activity):
 * with them, the agent's tenth denial in a window would start the denial streak, and from then on
 * the streak, not the wall, would decide every pair. The streak is tested on its own in
 * rego/regent/activity.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { liftActivityLimits, shippedBundleWith } from '../support/bundles.ts';
import { sampleValue } from '../support/metrics-text.ts';
import { start as startRedis, type TestRedis } from '../support/redis-server.ts';
import { startRegentProcess, type RegentProcess } from '../support/regent-process.ts';

/** Concurrent sessions per scenario: enough that some commits really race, small enough for a few seconds. */
const SESSIONS = 36;
/** Wall rounds at most, until one commit has really lost a race. */
const MAX_WALL_ROUNDS = 10;

interface Answer {
  decision: string;
  codes: string[];
}

async function decide(url: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { decision: string; reasons: { code: string }[] };
  assert.equal(res.status, 200, JSON.stringify(json));
  return { decision: json.decision, codes: json.reasons.map((r) => r.code) };
}

const readAccount = (session: string, customer: 'acme' | 'globex') => ({
  agent: { id: 'sales-assistant' },
  action: {
    tool: 'salesforce.read_account',
    kind: 'read',
    resource: { system: 'salesforce', id: customer, labels: [`customer:${customer}`], classification: 'confidential' },
  },
  session: { id: session },
});
const restrictedRead = (session: string) => ({
  agent: { id: 'eng-assistant' },
  action: {
    tool: 'github.read_file',
    kind: 'read',
    resource: { system: 'github', id: 'infra/prod-keys.md', classification: 'restricted' },
  },
  session: { id: session },
});
const broadcast = (session: string) => ({
  agent: { id: 'eng-assistant' },
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
  payload: { text: 'Summary of what I just read' },
  session: { id: session },
});

/** The shipped policy with the activity limits raised out of reach, built with the real toolchain. */
function bundleWithoutActivityLimits(dir: string): Promise<string> {
  return shippedBundleWith(dir, liftActivityLimits);
}

async function conflicts(replicas: RegentProcess[]): Promise<number> {
  let sum = 0;
  for (const r of replicas) {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    sum += sampleValue(text, 'regent_session_conflicts_total');
  }
  return sum;
}

describe('two regent replicas racing on one Redis', () => {
  let redis: TestRedis;
  let dir: string;
  let replicas: RegentProcess[];
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'regent-replicas-race-'));
    const [bundle, started] = await Promise.all([bundleWithoutActivityLimits(dir), startRedis()]);
    redis = started;
    const env = (name: string) => ({
      REGENT_BUNDLE: bundle,
      REGENT_REDIS_URL: redis.url,
      REGENT_AUDIT_PATH: path.join(dir, `${name}.jsonl`),
      REGENT_DECISION_LOG: 'false',
      REGENT_EVAL_WORKERS: '1',
    });
    replicas = await Promise.all([startRegentProcess(env('a')), startRegentProcess(env('b'))]);
  });
  after(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('allows one side of a Chinese wall when both are read at once on different replicas, and both replicas then agree on it', async (t) => {
    // Whether two reads at once really meet in Redis depends on scheduling: rounds of fresh
    // sessions run until one commit has lost a race (every round's invariants checked).
    let raced = 0;
    for (let round = 0; round < MAX_WALL_ROUNDS && raced === 0; round++) raced += await wallRound(t, round);
    assert.ok(
      raced > 0,
      'at least one pair was read by both replicas before either committed (the race the versions close)',
    );
  });

  /** One round of SESSIONS wall pairs, invariants asserted; returns the commits that lost a race. */
  async function wallRound(t: TestContext, round: number): Promise<number> {
    const before = await conflicts(replicas);
    const sides = await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        const session = `wall-${round}-${i}`;
        // Which replica gets which side alternates, so neither replica is always first to hear Acme.
        const [onA, onB] = i % 2 === 0 ? (['acme', 'globex'] as const) : (['globex', 'acme'] as const);
        const [a, b] = await Promise.all([
          decide(replicas[0]!.url, readAccount(session, onA)),
          decide(replicas[1]!.url, readAccount(session, onB)),
        ]);
        assert.notDeepEqual(
          [a.decision, b.decision],
          ['allow', 'allow'],
          `${session}: both sides of the wall were allowed`,
        );
        const winner = a.decision === 'allow' ? onA : b.decision === 'allow' ? onB : undefined;
        assert.ok(winner !== undefined, `${session}: neither side was allowed: ${JSON.stringify([a, b])}`);
        const loser = a.decision === 'allow' ? b : a;
        assert.ok(loser.codes.includes('flow.chinese_wall'), `${session}: ${JSON.stringify(loser)}`);
        return { session, winner, other: winner === 'acme' ? ('globex' as const) : ('acme' as const) };
      }),
    );
    const raced = (await conflicts(replicas)) - before;
    t.diagnostic(
      `round ${round}: ${raced} commits lost a race over ${SESSIONS} pairs (decided again on the newer session)`,
    );
    await Promise.all(
      sides.map(async ({ session, winner, other }) => {
        for (const replica of replicas) {
          const same = await decide(replica.url, readAccount(session, winner));
          assert.equal(
            same.decision,
            'allow',
            `${session} on ${winner}, asked ${replica.url} again: ${JSON.stringify(same)}`,
          );
          const cross = await decide(replica.url, readAccount(session, other));
          assert.equal(cross.decision, 'deny', `${session} on ${winner}, asked ${replica.url} for ${other}`);
          assert.ok(cross.codes.includes('flow.chinese_wall'), JSON.stringify(cross));
        }
      }),
    );
    return raced;
  }

  it('denies a post to all employees on one replica after a restricted read on the other, every time', async () => {
    await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        const session = `taint-${i}`;
        const [reader, poster] = i % 2 === 0 ? [replicas[0]!, replicas[1]!] : [replicas[1]!, replicas[0]!];
        const read = await decide(reader.url, restrictedRead(session));
        assert.equal(read.decision, 'allow', `${session}: ${JSON.stringify(read)}`);
        const post = await decide(poster.url, broadcast(session));
        assert.equal(post.decision, 'deny', `${session}: the post after a restricted read was allowed`);
        assert.ok(post.codes.includes('flow.audience_not_cleared'), `${session}: ${JSON.stringify(post)}`);
      }),
    );
    assert.equal(
      (await decide(replicas[1]!.url, broadcast('taint-fresh'))).decision,
      'allow',
      'a session that read nothing may post: the denials came from the reads',
    );
  });
});
