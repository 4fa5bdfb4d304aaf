/**
 * Replicas add up (issue 18, goal 3): decisions per second of one regent process and of two
 * sharing one Redis and one PostgreSQL, and, under the same load, whether the rules that depend on
 * shared state still hold across the two.
 *
 * Starts one real redis-server and one real PostgreSQL on loopback (test/support), then two regent
 * processes (`node src/main.ts`) configured as replicas: session state, activity windows and
 * approvals in Redis, the audit trail (signed checkpoints) and the SCIM directory in PostgreSQL,
 * decision log on (stdout to /dev/null, as in `make bench`). Each regent is pinned with
 * `taskset -c` to a core of its own, so it runs one evaluation worker. With four or more cores the
 * regents get the last two and this script, redis-server and PostgreSQL the rest; with two or
 * three, regent 1 gets CPU 0 and regent 2 CPU 1, and Redis, PostgreSQL and the load generator
 * share those same cores, so the ratio understates what a bigger machine gets.
 *
 * Load: a closed loop of single `POST /v1/decisions` with the README mix (the internal read, the
 * deny and the redact example, in turn) over kept-alive connections, `--connections` per loaded
 * replica. Both regents are warmed together (10 s, about 10,000 decisions each: a fresh regent
 * needs about 15,000 before V8 has optimised it, bench/README.md), then measured phases
 * alternate: two replicas loaded, one replica loaded (regent 1; regent 2 idles), `--rounds` times.
 * Reported: decisions/s of each, the ratio of the medians, CPU per decision of each regent, Redis,
 * PostgreSQL and the load generator from /proc, what other processes used, errors and fail-closed
 * denials.
 *
 * While two replicas are loaded, paced scenarios run across them (other agents than the load's,
 * so the load's own activity counters cannot decide them):
 * - Chinese wall race (sales-assistant): a fresh session sends a read of Acme to one replica and of
 *   Globex to the other at the same instant. Exactly one may be allowed, the other denied with
 *   flow.chinese_wall; then each replica is asked for both sides again and both must answer
 *   that the session is on the winner's side.
 * - Taint (eng-assistant): a restricted read on one replica, then a post to #general
 *   (all_employees) on the other: denied with flow.audience_not_cleared every time.
 * - Audit trail: afterwards `regent audit export --format raw` of the PostgreSQL table must pass
 *   `regent audit verify` with the public key, and hold exactly one decision record per answered
 *   decision (by decision_id): none lost, none duplicated.
 *
 * The activity window is 1 s here (REGENT_ACTIVITY_WINDOW_SECONDS) and each scenario runs its
 * sessions one after the other at most --wall-rate / --taint-rate a second, so that their own
 * denials stay under the policy's limits per agent and window (10 denials, 5 restricted reads): a
 * wall session costs three denials (the race's loser, then the other side asked of each replica).
 * With the default 300 s window only the first three wall sessions would be decided by the wall,
 * every later one by the denial streak, which would hide a broken wall.
 *
 *   node bench/replicas.ts [--seconds 8] [--warmup 10] [--rounds 2] [--connections 32]
 *                          [--cpus 0,1] [--wall-rate 1.5] [--taint-rate 2] [--keep]
 *
 * Exits 1 when any correctness check fails; the throughput ratio is reported, not enforced.
 */
import { execFile as execFileCb, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { freePort } from '../test/support/free-port.ts';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { REPO_ROOT } from '../src/policy/toolchain/opa-cli.ts';
import { EXAMPLES } from '../test/fixtures/examples.ts';
import { regoBundle } from '../test/support/bundles.ts';
import { startPostgres, type PostgresServer } from '../test/support/postgres-server.ts';
import { start as startRedis, type TestRedis } from '../test/support/redis-server.ts';
import { scratchEnv } from '../test/support/scratch-state.ts';
import pg from 'pg';
import { cpuSeconds, machineBusySeconds, processTree } from './lib/proc.ts';

const execFile = promisify(execFileCb);

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    cpus: { type: 'string' },
    'wall-rate': { type: 'string', default: '1.5' },
    'taint-rate': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const WALL_RATE = Number(values['wall-rate']);
const TAINT_RATE = Number(values['taint-rate']);
const ACTIVITY_WINDOW_SECONDS = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// ---------------------------------------------------------------------------------------------
// Cores

/** Which CPUs the regents run on and what shares them, decided once from the affinity mask. */
function chooseCpus(): { regents: [string, string] | null; rest: string | null; note: string } {
  const n = availableParallelism();
  if (values.cpus !== undefined) {
    const [a, b] = values.cpus.split(',');
    if (a === undefined || b === undefined) throw new Error('--cpus wants two CPUs, e.g. 2,3');
    return { regents: [a, b], rest: null, note: `regents on CPUs ${a} and ${b} (--cpus); everything else unpinned` };
  }
  if (n >= 4) {
    const rest = `0-${n - 3}`;
    return {
      regents: [String(n - 1), String(n - 2)],
      rest,
      note: `regent 1 on CPU ${n - 1}, regent 2 on CPU ${n - 2}; redis-server, PostgreSQL and the load generator on CPUs ${rest}`,
    };
  }
  if (n >= 2)
    return {
      regents: ['0', '1'],
      rest: null,
      note:
        `${n} cores: regent 1 on CPU 0, regent 2 on CPU 1; redis-server, PostgreSQL and the load generator share ` +
        'those same cores, so with two replicas loaded nothing is left for them and the ratio understates what a ' +
        'machine with spare cores gets',
    };
  return { regents: null, rest: null, note: 'one core: nothing pinned, the ratio says nothing about replicas' };
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Regent {
  name: string;
  url: string;
  child: ChildProcess;
  stderrFile: string;
  stop(): Promise<void>;
}

/** Starts `node src/main.ts` (under `taskset -c cpu` when given) and waits until /health/ready answers 200. */
async function startRegent(name: string, cpu: string | undefined, env: Record<string, string>, dir: string) {
  const port = await freePort();
  const argv = [process.execPath, path.join(REPO_ROOT, 'src/main.ts')];
  const [command, ...args] = cpu === undefined ? argv : ['taskset', '-c', cpu, ...argv];
  const stderrFile = path.join(dir, `${name}.stderr`);
  const stderr = openSync(stderrFile, 'w');
  // stdout carries the decision log and request logs: /dev/null, as in `make bench`.
  const child = spawn(command!, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      OPA_BIN: process.env['OPA_BIN'] ?? '',
      REGENT_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'ignore', stderr],
  });
  closeSync(stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}: ${readFileSync(stderrFile, 'utf8')}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 30 s: ${readFileSync(stderrFile, 'utf8')}`);
    }
    await sleep(100);
  }
  return {
    name,
    url,
    child,
    stderrFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  } satisfies Regent;
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  status: number;
  decision: string;
  codes: string[];
  decisionId: string | undefined;
}

/** Every answered decision's id, with how often it was answered (must be once). */
const answered = new Map<string, number>();
let unanswered = 0;

/** One `POST /v1/decisions` on a kept-alive connection of `agent`; never throws (status 0: no answer). */
function decide(agent: http.Agent, url: string, body: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.request(
      `${url}/v1/decisions`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          try {
            const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              decision?: string;
              reasons?: { code: string }[];
              decision_id?: string;
            };
            const id = json.decision_id;
            if (status === 200 && id !== undefined) answered.set(id, (answered.get(id) ?? 0) + 1);
            resolve({
              status,
              decision: json.decision ?? '',
              codes: (json.reasons ?? []).map((r) => r.code),
              decisionId: id,
            });
          } catch {
            resolve({ status, decision: '', codes: [], decisionId: undefined });
          }
        });
        res.on('error', () => {
          unanswered += 1;
          resolve({ status: 0, decision: '', codes: [], decisionId: undefined });
        });
      },
    );
    req.on('error', () => {
      unanswered += 1;
      resolve({ status: 0, decision: '', codes: [], decisionId: undefined });
    });
    req.end(body);
  });
}

/** What else runs for the decisions: redis-server, the PostgreSQL cluster and this script. */
interface Infra {
  redisPid: number;
  postgresPid: number;
}

/** redis-server (a child of this script) and the postmaster (from its postmaster.pid). */
async function findInfra(postgresUrl: string): Promise<Infra> {
  const redisPid = processTree(process.pid).find((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('redis-server');
    } catch {
      return false;
    }
  });
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
  await client.end();
  const postgresPid = Number(readFileSync(path.join(rows[0]!.data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (redisPid === undefined || !(postgresPid > 0)) throw new Error('cannot find redis-server or the postmaster');
  return { redisPid, postgresPid };
}

/** CPU seconds so far of Redis, PostgreSQL (postmaster and every backend), this script and every regent. */
function infraSeconds(infra: Infra): { redis: number; postgres: number; loadgen: number; regents: number } {
  const self = process.cpuUsage();
  return {
    redis: cpuSeconds(infra.redisPid),
    postgres: cpuSeconds(infra.postgresPid),
    loadgen: (self.user + self.system) / 1e6,
    regents: regents.reduce((a, r) => a + cpuSeconds(r.child.pid!), 0),
  };
}

// ---------------------------------------------------------------------------------------------
// Load

const MIX = [EXAMPLES.allowInternal, EXAMPLES.deny, EXAMPLES.redact].map((b) => JSON.stringify(b));

/** Reason codes of denials regent makes when it cannot decide (house style 8): errors, not answers. */
const FAIL_CLOSED =
  /^(policy\.(evaluation_|invalid_result|not_loaded|undefined_result|builtin_error|memory_exceeded)|session\.(store_unavailable|conflict)|audit\.|detect\.failed|redaction\.failed|directory\.unavailable|approval\.store_unavailable)/;

interface ReplicaCount {
  decisions: number;
  errors: number;
  failClosed: number;
  cpuSeconds: number;
}

interface Phase {
  label: 'one' | 'two';
  seconds: number;
  perReplica: ReplicaCount[];
  /** CPU seconds of Redis, PostgreSQL and the load generator during the phase. */
  infra: { redis: number; postgres: number; loadgen: number };
  /** Busy CPU seconds of the whole machine during the phase. */
  busy: number;
  /** Of those, what other processes than the bench's own used (other people's work on a shared machine). */
  other: number;
  outcomes: Map<string, number>;
  firstError: string | undefined;
}

/** Closed loop on `targets` for `seconds`; counts answers that arrive before the end. */
async function drive(
  label: 'one' | 'two',
  targets: Regent[],
  agents: http.Agent[],
  seconds: number,
  infra: Infra,
): Promise<Phase> {
  const perReplica = targets.map(() => ({ decisions: 0, errors: 0, failClosed: 0, cpuSeconds: 0 }));
  const outcomes = new Map<string, number>();
  let firstError: string | undefined;
  const cpu0 = targets.map((t) => cpuSeconds(t.child.pid!));
  const infra0 = infraSeconds(infra);
  const busy0 = machineBusySeconds();
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async (r: number, w: number) => {
    const target = targets[r]!;
    const count = perReplica[r]!;
    for (let i = w; performance.now() < end; i++) {
      const a = await decide(agents[r]!, target.url, MIX[i % MIX.length]!);
      if (performance.now() > end) break;
      if (a.status !== 200) {
        count.errors += 1;
        firstError ??= `${target.name}: HTTP ${a.status}`;
        continue;
      }
      count.decisions += 1;
      const key = `${a.decision} [${a.codes.join(',')}]`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (a.codes.some((c) => FAIL_CLOSED.test(c))) {
        count.failClosed += 1;
        firstError ??= `${target.name}: ${key}`;
      }
    }
  };
  await Promise.all(targets.flatMap((_, r) => Array.from({ length: CONNECTIONS }, (_, w) => worker(r, w))));
  const elapsed = (performance.now() - start) / 1000;
  targets.forEach((t, r) => (perReplica[r]!.cpuSeconds = cpuSeconds(t.child.pid!) - cpu0[r]!));
  const infra1 = infraSeconds(infra);
  return {
    label,
    seconds: elapsed,
    perReplica,
    infra: {
      redis: infra1.redis - infra0.redis,
      postgres: infra1.postgres - infra0.postgres,
      loadgen: infra1.loadgen - infra0.loadgen,
    },
    busy: machineBusySeconds() - busy0,
    other:
      machineBusySeconds() -
      busy0 -
      (infra1.redis - infra0.redis) -
      (infra1.postgres - infra0.postgres) -
      (infra1.loadgen - infra0.loadgen) -
      (infra1.regents - infra0.regents),
    outcomes,
    firstError,
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios across the replicas

interface Check {
  rounds: number;
  held: number;
  /** Safety broken: both sides of a wall, replicas disagreeing, a tainted post allowed. */
  violations: string[];
  /** Not a safety failure but not what the rule says either (a read denied, a deny for another reason). */
  unexpected: string[];
}
const wall: Check = { rounds: 0, held: 0, violations: [], unexpected: [] };
const taint: Check = { rounds: 0, held: 0, violations: [], unexpected: [] };

const wallRead = (session: string, customer: string) =>
  JSON.stringify({
    agent: { id: 'sales-assistant' },
    action: {
      tool: 'salesforce.read_account',
      kind: 'read',
      resource: {
        system: 'salesforce',
        id: customer,
        labels: [`customer:${customer}`],
        classification: 'confidential',
      },
    },
    session: { id: session },
  });
const restrictedRead = (session: string) =>
  JSON.stringify({
    agent: { id: 'eng-assistant' },
    action: {
      tool: 'github.read_file',
      kind: 'read',
      resource: { system: 'github', id: 'infra/prod-keys.md', classification: 'restricted' },
    },
    session: { id: session },
  });
const broadcast = (session: string) =>
  JSON.stringify({
    agent: { id: 'eng-assistant' },
    action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
    data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
    payload: { text: 'Summary of what I just read' },
    session: { id: session },
  });

const show = (a: Answer) => `${a.status} ${a.decision} [${a.codes.join(',')}]`;
const note = (list: string[], line: string) => {
  if (list.length < 20) list.push(line);
};

/** One session: Acme and Globex at once on different replicas, then both sides asked of both. */
async function wallRound(replicas: Regent[], agents: http.Agent[], run: string, i: number): Promise<void> {
  wall.rounds += 1;
  const session = `${run}-wall-${i}`;
  const [first, second] = i % 2 === 0 ? [0, 1] : [1, 0];
  const [acme, globex] = await Promise.all([
    decide(agents[first]!, replicas[first]!.url, wallRead(session, 'acme')),
    decide(agents[second]!, replicas[second]!.url, wallRead(session, 'globex')),
  ]);
  const allowed = [acme, globex].filter((a) => a.decision === 'allow').length;
  if (allowed === 2) {
    note(wall.violations, `${session}: both sides allowed (acme ${show(acme)}, globex ${show(globex)})`);
    return;
  }
  const loser = acme.decision === 'allow' ? globex : acme;
  if (allowed === 0 || !loser.codes.includes('flow.chinese_wall')) {
    note(wall.unexpected, `${session}: acme ${show(acme)}, globex ${show(globex)}`);
    return;
  }
  const [side, other] = acme.decision === 'allow' ? ['acme', 'globex'] : ['globex', 'acme'];
  // The winner's side first on both replicas (allows), then the other side (denials), so the
  // session's own denial streak (3 in a window) is not reached before the last question.
  const same = await Promise.all([0, 1].map((r) => decide(agents[r]!, replicas[r]!.url, wallRead(session, side))));
  const cross = await Promise.all([0, 1].map((r) => decide(agents[r]!, replicas[r]!.url, wallRead(session, other))));
  const agree =
    same.every((a) => a.status === 200 && a.decision === 'allow') &&
    cross.every((a) => a.status === 200 && a.decision === 'deny' && a.codes.includes('flow.chinese_wall'));
  if (!agree) {
    const line = `${session} on ${side}: ${side} ${same.map(show).join(' / ')}; ${other} ${cross.map(show).join(' / ')}`;
    if (cross.some((a) => a.decision === 'allow')) note(wall.violations, line);
    else note(wall.unexpected, line);
    return;
  }
  wall.held += 1;
}

/** One session: a restricted read on one replica, a post to all employees on the other. */
async function taintRound(replicas: Regent[], agents: http.Agent[], run: string, i: number): Promise<void> {
  taint.rounds += 1;
  const session = `${run}-taint-${i}`;
  const [reader, poster] = i % 2 === 0 ? [0, 1] : [1, 0];
  const read = await decide(agents[reader]!, replicas[reader]!.url, restrictedRead(session));
  if (read.status !== 200 || read.decision !== 'allow') {
    note(taint.unexpected, `${session}: read ${show(read)}`);
    return;
  }
  const post = await decide(agents[poster]!, replicas[poster]!.url, broadcast(session));
  if (post.decision !== 'deny') {
    note(taint.violations, `${session}: post after the read ${show(post)}`);
    return;
  }
  if (!post.codes.includes('flow.audience_not_cleared')) {
    note(taint.unexpected, `${session}: post denied without flow.audience_not_cleared ${show(post)}`);
    return;
  }
  taint.held += 1;
}

/**
 * Runs scenario rounds one after the other, at most `rate` a second, until `stop()`. A round starts
 * only once the last one was answered: under load answers slow down, and overlapping rounds would
 * bunch their denials into one activity window and trip the denial streak.
 */
function scenarios(replicas: Regent[], agents: http.Agent[], run: string): { stop(): Promise<void> } {
  let running = true;
  const pace = async (rate: number, round: (i: number) => Promise<void>) => {
    if (!(rate > 0)) return;
    for (let i = 0; running; i++) {
      const due = performance.now() + 1000 / rate;
      await round(i);
      await sleep(Math.max(0, due - performance.now()));
    }
  };
  const loops = [
    pace(WALL_RATE, (i) => wallRound(replicas, agents, run, i)),
    pace(TAINT_RATE, (i) => taintRound(replicas, agents, run, i)),
  ];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** regent_session_conflicts_total summed over the replicas: decisions made again because the session moved. */
async function sessionConflicts(replicas: Regent[]): Promise<number> {
  let sum = 0;
  for (const r of replicas) {
    const text = await (await fetch(`${r.url}/metrics`)).text();
    sum += Number(/^regent_session_conflicts_total (\S+)$/m.exec(text)?.[1] ?? NaN);
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Audit trail

interface AuditCheck {
  verified: boolean;
  verifyOutput: string;
  records: number;
  answered: number;
  lost: number;
  duplicated: number;
  unanswered: number;
}

async function checkAudit(databaseUrl: string, publicKeyFile: string, dir: string): Promise<AuditCheck> {
  const cli = path.join(REPO_ROOT, 'src/cli/main.ts');
  const file = path.join(dir, 'trail-export.jsonl');
  const exported = await execFile(
    process.execPath,
    [cli, 'audit', 'export', '--database-url', databaseUrl, '--format', 'raw'],
    { maxBuffer: 1 << 30 },
  );
  writeFileSync(file, exported.stdout);
  const verify = await execFile(process.execPath, [
    cli,
    'audit',
    'verify',
    '--file',
    file,
    '--public-key',
    publicKeyFile,
  ]).then(
    (r) => ({ ok: true, out: r.stdout.trim() }),
    (e: unknown) => {
      const { stdout, message } = e as { stdout?: string; message: string };
      return { ok: false, out: (stdout ?? message).trim() };
    },
  );
  const inTrail = new Map<string, number>();
  let records = 0;
  for (const line of exported.stdout.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { type: string; decision_id?: string };
    if (r.type !== 'decision' || r.decision_id === undefined) continue;
    records += 1;
    inTrail.set(r.decision_id, (inTrail.get(r.decision_id) ?? 0) + 1);
  }
  let lost = 0;
  let duplicated = 0;
  for (const [id, times] of answered) {
    if (times > 1) duplicated += times - 1; // one decision answered twice
    const stored = inTrail.get(id) ?? 0;
    if (stored === 0) lost += 1;
    if (stored > 1) duplicated += stored - 1;
  }
  // Records of decisions whose answer never arrived (a cut connection) are not losses; count them.
  let extra = 0;
  for (const id of inTrail.keys()) if (!answered.has(id)) extra += 1;
  return {
    verified: verify.ok,
    verifyOutput: verify.out,
    records,
    answered: answered.size,
    lost,
    duplicated,
    unanswered: extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Run

const cpus = chooseCpus();
if (cpus.rest !== null) {
  // Pin this process first: redis-server and PostgreSQL, started below, inherit its mask.
  await execFile('taskset', ['-a', '-p', '-c', cpus.rest, String(process.pid)]);
}
const dir = await mkdtemp(path.join(tmpdir(), 'regent-replicas-bench-'));
let redis: TestRedis | undefined;
let postgres: PostgresServer | undefined;
const regents: Regent[] = [];
try {
  const [bundle, startedRedis, startedPostgres] = await Promise.all([regoBundle(), startRedis(), startPostgres()]);
  redis = startedRedis;
  postgres = startedPostgres;
  const keys = generateKeyPairSync('ed25519');
  const signingKey = path.join(dir, 'audit-signing.pem');
  const publicKey = path.join(dir, 'audit-public.pem');
  writeFileSync(signingKey, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(publicKey, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  const env = (name: string): Record<string, string> => ({
    ...scratchEnv(path.join(dir, name)),
    REGENT_BUNDLE: bundle.file,
    REGENT_REDIS_URL: redis!.url,
    REGENT_APPROVAL_STORE: 'redis',
    REGENT_AUDIT_DATABASE_URL: postgres!.url,
    REGENT_AUDIT_SIGNING_KEY: signingKey,
    REGENT_DIRECTORY_DATABASE_URL: postgres!.url,
    REGENT_ACTIVITY_WINDOW_SECONDS: String(ACTIVITY_WINDOW_SECONDS),
  });
  // One after the other: both would otherwise create the audit and directory schema at once.
  regents.push(await startRegent('regent-1', cpus.regents?.[0], env('regent-1'), dir));
  regents.push(await startRegent('regent-2', cpus.regents?.[1], env('regent-2'), dir));
  const agents = regents.map(() => new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS }));
  const scenarioAgents = regents.map(() => new http.Agent({ keepAlive: true, maxSockets: 16 }));
  const run = randomUUID().slice(0, 8);

  console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; ${cpus.note}`);
  console.log(
    `load: closed loop, README mix, ${CONNECTIONS} kept-alive connections per loaded replica; warm-up ${WARMUP} s (both), ` +
      `then ${ROUNDS} x (two replicas ${SECONDS} s, one replica ${SECONDS} s); scenarios while two are loaded: ` +
      `wall ${WALL_RATE}/s, taint ${TAINT_RATE}/s`,
  );

  const infra = await findInfra(postgres.url);
  const conflicts0 = await sessionConflicts(regents);
  const phases: Phase[] = [];
  let scenarioPhases = 0;
  const twoReplicas = async (seconds: number) => {
    // Every phase's sessions are new: a session id used before would start on a side already.
    const s = scenarios(regents, scenarioAgents, `${run}-${scenarioPhases++}`);
    const phase = await drive('two', regents, agents, seconds, infra);
    await s.stop();
    return phase;
  };
  await twoReplicas(WARMUP);
  const perDecision = (seconds: number, decisions: number) =>
    `${((seconds / Math.max(1, decisions)) * 1e6).toFixed(0)} µs`;
  for (let round = 0; round < ROUNDS; round++) {
    const two = await twoReplicas(SECONDS);
    const one = await drive('one', [regents[0]!], [agents[0]!], SECONDS, infra);
    phases.push(two, one);
    for (const p of [two, one]) {
      const total = p.perReplica.reduce((a, r) => a + r.decisions, 0);
      const cpu = p.perReplica.map((r, i) => `regent ${i + 1} ${perDecision(r.cpuSeconds, r.decisions)}`).join(', ');
      const errors = p.perReplica.reduce((a, r) => a + r.errors, 0);
      const failClosed = p.perReplica.reduce((a, r) => a + r.failClosed, 0);
      console.log(
        `round ${round + 1}, ${p.label === 'two' ? 'two replicas' : 'one replica '}: ${(total / p.seconds).toFixed(0)} decisions/s ` +
          `(${p.perReplica.map((r) => (r.decisions / p.seconds).toFixed(0)).join(' + ')}); CPU per decision ${cpu}; ` +
          `Redis ${perDecision(p.infra.redis, total)}, PostgreSQL ${perDecision(p.infra.postgres, total)}, ` +
          `load generator ${perDecision(p.infra.loadgen, total)}; machine busy ${(p.busy / p.seconds).toFixed(2)} cores, ` +
          `other processes ${(p.other / p.seconds).toFixed(2)}; ` +
          `errors ${errors}, fail-closed ${failClosed}${p.firstError === undefined ? '' : ` (first: ${p.firstError})`}`,
      );
    }
  }
  const rate = (label: 'one' | 'two') =>
    median(
      phases.filter((p) => p.label === label).map((p) => p.perReplica.reduce((a, r) => a + r.decisions, 0) / p.seconds),
    );
  const one = rate('one');
  const two = rate('two');
  const outcomes = new Map<string, number>();
  for (const p of phases) for (const [k, v] of p.outcomes) outcomes.set(k, (outcomes.get(k) ?? 0) + v);
  const totalDecisions = [...outcomes.values()].reduce((a, b) => a + b, 0);
  console.log(
    `\nmedian: one replica ${one.toFixed(0)} decisions/s, two replicas ${two.toFixed(0)} decisions/s, ratio ${(two / one).toFixed(2)}x (goal 1.8x)`,
  );
  // Not a measurement: what the ratio would be if each regent had its core to itself at the CPU per
  // decision measured, i.e. with Redis, PostgreSQL and the load generator elsewhere.
  const cpuPer = (label: 'one' | 'two', r: number) =>
    median(
      phases
        .filter((p) => p.label === label)
        .map((p) => p.perReplica[r]!.cpuSeconds / Math.max(1, p.perReplica[r]!.decisions)),
    );
  const ceiling = (1 / cpuPer('two', 0) + 1 / cpuPer('two', 1)) / (1 / cpuPer('one', 0));
  console.log(
    `estimate, not measured: with a core each to themselves at the CPU per decision measured, two replicas would ` +
      `serve ${ceiling.toFixed(2)}x one (one: ${(1 / cpuPer('one', 0)).toFixed(0)}/s of CPU, two: ` +
      `${(1 / cpuPer('two', 0)).toFixed(0)} + ${(1 / cpuPer('two', 1)).toFixed(0)}/s)`,
  );
  console.log(
    `load outcomes (measured phases): ${[...outcomes]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${((v / totalDecisions) * 100).toFixed(1)}%`)
      .join('; ')}`,
  );
  const raced = (await sessionConflicts(regents)) - conflicts0;
  const errors = phases.reduce((a, p) => a + p.perReplica.reduce((b, r) => b + r.errors + r.failClosed, 0), 0);

  for (const r of regents) await r.stop();
  regents.length = 0;
  const audit = await checkAudit(postgres.url, publicKey, dir);

  const report = (name: string, c: Check, what: string) => {
    console.log(
      `${name}: ${c.rounds} sessions, held ${c.held}, violations ${c.violations.length}, unexpected ${c.unexpected.length} (${what})`,
    );
    for (const v of c.violations) console.log(`  VIOLATION ${v}`);
    for (const u of c.unexpected) console.log(`  unexpected ${u}`);
  };
  console.log('\ncorrectness across the two replicas:');
  report('chinese wall race', wall, 'one side allowed, the other flow.chinese_wall; both replicas then agree');
  console.log(
    `  ${raced} session commits lost a race and were decided again (regent_session_conflicts_total): pairs that really raced`,
  );
  report(
    'taint',
    taint,
    'restricted read on one replica, post to all employees on the other: flow.audience_not_cleared',
  );
  console.log(
    `audit trail: ${audit.verified ? 'verifies' : 'FAILS verification'} (${audit.verifyOutput}); ` +
      `${audit.answered} answered decisions, ${audit.records} decision records, lost ${audit.lost}, duplicated ${audit.duplicated}, ` +
      `records of unanswered requests ${audit.unanswered} (requests without an answer: ${unanswered})`,
  );
  const checksHeld =
    wall.violations.length + wall.unexpected.length + taint.violations.length + taint.unexpected.length === 0 &&
    wall.held > 0 &&
    taint.held > 0 &&
    audit.verified &&
    audit.lost === 0 &&
    audit.duplicated === 0;
  console.log(
    `\n${checksHeld ? 'every correctness check held' : 'A CORRECTNESS CHECK FAILED'}; load errors and fail-closed denials: ${errors}`,
  );
  process.exitCode = checksHeld ? 0 : 1;
} finally {
  for (const r of regents) await r.stop();
  await redis?.stop();
  await postgres?.destroy();
  if (values.keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
