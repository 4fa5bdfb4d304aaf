/**
 * Starts the servers under test on loopback, pinned to the server CPUs: regent as `node
 * src/main.ts` with its production defaults (audit trail, metrics and decision logging on; its
 * stdout, where decision records go, is /dev/null), and `opa run --server` on the rego bundle
 * built from the same rego/. Each server is stopped by its own pid, never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../../test/support/free-port.ts';
import path from 'node:path';
import { cpuCount, pinned, type BenchSettings } from './settings.ts';

/** A server under test. */
export interface RunningServer {
  name: string;
  pid: number;
  url: string;
  /** URL of one decision, and how a corpus entry becomes its body. */
  decisionUrl: string;
  body(entry: { request: unknown; input: unknown }): string;
  /** Extracts the outcome and reason codes from a decision response. */
  outcome(response: unknown): { decision: string; codes: string[] };
  /** Decisions answered by failing closed so far, or undefined when the server cannot say. */
  failClosed(): Promise<number | undefined>;
  stop(): Promise<void>;
  /** The server's stderr so far (start-up failures). */
  stderr(): string;
}

/** A regent configuration to compare: the production default or one with a feature off. */
export interface RegentVariant {
  name: string;
  decisionLog: boolean;
  audit: boolean;
  /** false replaces prom-client with no-op metrics (bench/lib/no-metrics.ts): regent has no switch. */
  metrics: boolean;
  /** Directory for a V8 CPU profile (`node --cpu-prof`), written when the server exits. */
  cpuProfileDir?: string;
  /** Extra environment (on top of whatever REGENT_* the harness was given). */
  env?: Record<string, string>;
}

/** An OPA configuration to compare. */
export interface OpaVariant {
  name: string;
  /** Console decision logger on (OPA's default is off). */
  decisionLog: boolean;
}

export { freePort };

async function waitReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `server exited before it was ready (${child.exitCode ?? child.signalCode}):\n${stderr().slice(-2000)}`,
      );
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after ${timeoutMs} ms: ${url}\n${stderr().slice(-2000)}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    // A CPU profile is written on a clean exit; give it time, then make sure.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

function launch(s: BenchSettings, name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
  const logs = path.join(s.outDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const errFile = path.join(logs, `${name}.stderr`);
  const [cmd, full] = pinned(s.serverCpus, command, args);
  const child = spawn(cmd, full, {
    cwd: s.root,
    env,
    // stdout carries regent's JSON logs and decision records: /dev/null keeps the disk out of it.
    stdio: ['ignore', 'ignore', openSync(errFile, 'w')],
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { child, pid: child.pid, stderr: () => readFileSync(errFile, 'utf8') };
}

/** Starts regent in `variant` on a free port and waits until a policy revision is active. */
export async function startRegent(s: BenchSettings, variant: RegentVariant): Promise<RunningServer> {
  const port = await freePort();
  const auditDir = path.join(s.outDir, 'audit', variant.name);
  rmSync(auditDir, { recursive: true, force: true });
  mkdirSync(auditDir, { recursive: true });
  const nodeArgs: string[] = [];
  if (!variant.metrics) nodeArgs.push('--import', path.join(s.root, 'bench', 'lib', 'no-metrics.ts'));
  if (variant.cpuProfileDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${variant.cpuProfileDir}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REGENT_HOST: '127.0.0.1',
    REGENT_PORT: String(port),
    REGENT_BUNDLE: s.regentBundle,
    // The audit trail at its defaults (file store, group commit), in a directory of this run's own.
    REGENT_AUDIT_PATH: variant.audit ? path.join(auditDir, 'trail.jsonl') : '',
    REGENT_DECISION_LOG: String(variant.decisionLog),
    ...variant.env,
  };
  const { child, pid, stderr } = launch(
    s,
    `regent-${variant.name}`,
    process.execPath,
    [...nodeArgs, 'src/main.ts'],
    env,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health/ready`, child, stderr);
  return {
    name: `regent (${variant.name})`,
    pid,
    url,
    decisionUrl: `${url}/v1/decisions`,
    body: (e) => JSON.stringify(e.request),
    outcome: (r) => {
      const body = r as { decision?: string; reasons?: { code: string }[] };
      return { decision: body.decision ?? '(none)', codes: (body.reasons ?? []).map((x) => x.code).sort() };
    },
    failClosed: () => failClosedCount(url),
    stop: stopper(child),
    stderr,
  };
}

/** regent_fail_closed_total by reason code, from the text of regent's /metrics. */
export function failClosedByCode(metricsText: string): Map<string, number> {
  const series = [...metricsText.matchAll(/^regent_fail_closed_total\{code="([^"]*)"[^}]*\} (\S+)$/gm)];
  return new Map(series.map((m): [string, number] => [m[1]!, Number(m[2])]));
}

/** Sum of regent_fail_closed_total from /metrics; undefined when metrics are off (the no-metrics variants). */
async function failClosedCount(url: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const byCode = failClosedByCode(text);
    if (byCode.size === 0) return text.includes('regent_decisions_total') ? 0 : undefined;
    return [...byCode.values()].reduce((sum, n) => sum + n, 0);
  } catch {
    return undefined;
  }
}

/** Starts `opa run --server` on the rego bundle, with GOMAXPROCS matching the server CPUs. */
export async function startOpa(s: BenchSettings, variant: OpaVariant, bundle: string): Promise<RunningServer> {
  const port = await freePort();
  const args = ['run', '--server', '--addr', `127.0.0.1:${port}`, '--log-level', 'error', '--bundle', bundle];
  if (variant.decisionLog) args.push('--set', 'decision_logs.console=true');
  // Go reads the affinity mask too; setting it says so in the process environment as well.
  const env = { ...process.env, GOMAXPROCS: String(cpuCount(s.serverCpus)) };
  const { child, pid, stderr } = launch(s, `opa-${variant.name}`, s.opaBin, args, env);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health?bundles`, child, stderr);
  return {
    name: `OPA (${variant.name})`,
    pid,
    url,
    decisionUrl: `${url}/v1/data/regent/decision`,
    body: (e) => JSON.stringify({ input: e.input }),
    outcome: (r) => {
      const result = (r as { result?: { decision?: string; reasons?: { code: string }[] } }).result;
      return { decision: result?.decision ?? '(undefined)', codes: (result?.reasons ?? []).map((x) => x.code).sort() };
    },
    // OPA has no fail-closed answers: its failures are HTTP errors, which vegeta counts.
    failClosed: () => Promise.resolve(0),
    stop: stopper(child),
    stderr,
  };
}
