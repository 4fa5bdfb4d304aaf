/**
 * Isolation benchmark (issue 17, item 7): do other agents keep their latency while one agent, or
 * four, send inputs that loop until the deadline?
 *
 * A real regent (`node src/main.ts`, evaluation workers as configured, audit trail and decision
 * log off so only evaluation is measured) serves the slow fixture policy
 * (test/fixtures/policies/slow: `context.slow` loops until cut off, anything else is decided at
 * once). Victims: eight agents sending ordinary requests over HTTP at a fixed total rate
 * (open loop: latency counts from when a request was due, so a stall is not hidden by the client
 * waiting). Attackers: N clients, each its own agent id, each sending a looping request as soon
 * as its previous one is answered (closed loop). Each scenario (0, 1, 4 attackers) runs on a
 * fresh regent; attackers get a warm-up first, since an agent's first loop cannot be told apart
 * before it runs. Rounds interleave the scenarios, so background load falls on all alike.
 *
 *   node bench/isolation.ts [--rounds 3] [--seconds 8] [--rate 200]
 *
 * Prints each run and the median over rounds of the victims' p99 and of its ratio to the unloaded
 * p99. Goal: with four attackers, within 2x of unloaded.
 */
import { parseArgs } from 'node:util';
import { faultBundle } from '../test/support/bundles.ts';
import { startRegentProcess, type RegentProcess } from '../test/support/regent-process.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '200' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const RATE = Number(values.rate);
const SCENARIOS = [0, 1, 4];
const VICTIMS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  attackers: number;
  sent: number;
  p50: number;
  p99: number;
  /** Victim decisions denied by a fault (timeout, queue full) or failed at the HTTP level. */
  failed: number;
  attacks: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function decide(url: string, agent: string, slow: boolean): Promise<{ ok: boolean; decision: string }> {
  const body = {
    agent: { id: agent },
    action: { tool: 't', kind: 'read' },
    ...(slow ? { context: { slow: true } } : {}),
  };
  try {
    const res = await fetch(`${url}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { decision?: string };
    return { ok: res.ok, decision: json.decision ?? 'none' };
  } catch {
    return { ok: false, decision: 'error' };
  }
}

async function runOnce(bundle: string, attackers: number): Promise<Run> {
  const regent: RegentProcess = await startRegentProcess(
    {
      REGENT_BUNDLE: bundle,
      REGENT_AUDIT_PATH: '',
      REGENT_DECISION_LOG: 'false',
    },
    120_000,
  );
  try {
    let stop = false;
    let attacks = 0;
    const loops = Array.from({ length: attackers }, async (_, i) => {
      while (!stop) {
        await decide(regent.url, `attacker-${i}`, true);
        attacks++;
      }
    });
    // Warm-up: regent's code paths, and each attacker's first loop (which no admission can foresee).
    const warmEnd = performance.now() + WARMUP * 1000;
    while (performance.now() < warmEnd) await decide(regent.url, 'warmup', false);
    const latencies: number[] = [];
    let failed = 0;
    const total = Math.round(RATE * SECONDS);
    const start = performance.now() + 10;
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(
        decide(regent.url, `victim-${i % VICTIMS}`, false).then((r) => {
          latencies.push(performance.now() - due);
          if (!r.ok || r.decision !== 'allow') failed++;
        }),
      );
    }
    await Promise.all(pending);
    stop = true;
    await Promise.all(loops);
    latencies.sort((a, b) => a - b);
    return { attackers, sent: total, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), failed, attacks };
  } finally {
    await regent.stop();
  }
}

const bundle = (await faultBundle('slow')).file;
const runs: Run[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const attackers of SCENARIOS) {
    const run = await runOnce(bundle, attackers);
    runs.push(run);
    console.log(
      `round ${round} attackers ${attackers}: victims p50 ${run.p50.toFixed(2)} ms p99 ${run.p99.toFixed(2)} ms, ` +
        `${run.failed}/${run.sent} failed; ${run.attacks} looping requests answered`,
    );
  }
}
const unloaded = median(runs.filter((r) => r.attackers === 0).map((r) => r.p99));
console.log(`\nmedian over ${ROUNDS} rounds (victims: ${VICTIMS} agents, ${RATE}/s open loop, ${SECONDS} s):`);
for (const attackers of SCENARIOS) {
  const mine = runs.filter((r) => r.attackers === attackers);
  const p99 = median(mine.map((r) => r.p99));
  const ratios = mine.map((r, i) => r.p99 / (runs.filter((u) => u.attackers === 0)[i]?.p99 ?? unloaded));
  console.log(
    `  ${attackers} attackers: p99 ${p99.toFixed(2)} ms, ratio to unloaded ${median(ratios).toFixed(2)} ` +
      `(per round ${ratios.map((x) => x.toFixed(2)).join(', ')}), failed ${mine.map((r) => r.failed).join('/')}`,
  );
}
