/**
 * SCIM leaver benchmark (issue 21): how long after an identity provider's deactivation is
 * answered (its 2xx) does each replica deny the leaver? Goal: under 1 s on loopback.
 *
 * Two real regents (`node src/main.ts`, one process each) share the SCIM directory through a
 * throwaway PostgreSQL; each replica has a client deciding, in a closed loop, a read of an
 * internal document on the leaver's behalf. Per round a user cleared for restricted data is provisioned on replica
 * A, both replicas are seen to allow, then replica A is sent `PATCH active=false`; for each replica
 * the time from the PATCH's 2xx to the first `principal.inactive` answer is recorded.
 *
 *   node bench/scim-leaver.ts [--rounds 20]
 *
 * Prints each round and the median, p90 and max per replica.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { regoBundle } from '../test/support/bundles.ts';
import { startPostgres } from '../test/support/postgres-server.ts';
import { startRegentProcess, type RegentProcess } from '../test/support/regent-process.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const ROUNDS = Number(values.rounds);
const EXTENSION = 'urn:ietf:params:scim:schemas:extension:regent:2.0:User';

const readFor = (who: string) =>
  JSON.stringify({
    agent: { id: 'hr-assistant', on_behalf_of: { id: who } },
    action: { tool: 'gdrive.read_file', kind: 'read', resource: { system: 'gdrive', id: 'handbook' } },
  });

async function decide(url: string, who: string): Promise<string> {
  const res = await fetch(`${url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFor(who),
  });
  const body = (await res.json()) as { decision: string; reasons: { code: string }[] };
  return body.reasons[0]?.code ?? body.decision;
}

async function scim(url: string, method: string, p: string, body: unknown): Promise<{ status: number; id?: string }> {
  const res = await fetch(`${url}/scim/v2${p}`, {
    method,
    headers: { 'content-type': 'application/scim+json' },
    body: JSON.stringify(body),
  });
  const parsed = (await res.json()) as { id?: string };
  return { status: res.status, ...(parsed.id === undefined ? {} : { id: parsed.id }) };
}

/** Decides in a loop on `url` until the leaver is denied; resolves with when that answer came. */
async function firstDenial(url: string, who: string, stop: { at: number }): Promise<number> {
  for (;;) {
    const code = await decide(url, who);
    const now = performance.now();
    if (code === 'principal.inactive') return now;
    if (now - stop.at > 30_000 && stop.at > 0) throw new Error(`${url} never denied ${who}`);
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return `median ${q(0.5).toFixed(1)} ms, p90 ${q(0.9).toFixed(1)} ms, max ${(s.at(-1) ?? NaN).toFixed(1)} ms`;
};

const pg = await startPostgres();
const dir = mkdtempSync(path.join(tmpdir(), 'regent-scim-bench-'));
const bundle = (await regoBundle()).file;
const replicas: RegentProcess[] = [];
try {
  for (const name of ['a', 'b'])
    replicas.push(
      await startRegentProcess({
        REGENT_BUNDLE: bundle,
        REGENT_DIRECTORY_DATABASE_URL: pg.url,
        REGENT_AUDIT_PATH: path.join(dir, `trail-${name}.jsonl`),
        REGENT_DECISION_LOG: 'false',
        // The leaver's one denial per round must not add up to a denial streak across rounds.
        REGENT_ACTIVITY_WINDOW_SECONDS: '1',
      }),
    );
  const [a, b] = replicas as [RegentProcess, RegentProcess];
  const onA: number[] = [];
  const onB: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const who = `leaver-${round}`;
    const created = await scim(a.url, 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', EXTENSION],
      userName: who,
      [EXTENSION]: { clearance: 'restricted' },
    });
    for (const r of [a, b]) {
      const code = await decide(r.url, who);
      if (code !== 'allow') throw new Error(`round ${round}: ${r.url} answered ${code} before the deactivation`);
    }
    const stop = { at: 0 };
    const denials = Promise.all([firstDenial(a.url, who, stop), firstDenial(b.url, who, stop)]);
    const patched = await scim(a.url, 'PATCH', `/Users/${created.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    stop.at = performance.now();
    if (patched.status !== 200) throw new Error(`deactivation answered ${patched.status}`);
    const [atA, atB] = await denials;
    // A denial answered before the 2xx arrived counts as 0: the replica was already denying.
    onA.push(Math.max(0, atA - stop.at));
    onB.push(Math.max(0, atB - stop.at));
    console.log(`round ${round}: replica A ${onA.at(-1)?.toFixed(1)} ms, replica B ${onB.at(-1)?.toFixed(1)} ms`);
  }
  console.log(`replica A (received the PATCH): ${stats(onA)}`);
  console.log(`replica B (other replica):      ${stats(onB)}`);
} finally {
  for (const r of replicas) await r.stop();
  await pg.destroy();
}
