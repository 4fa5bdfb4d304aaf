/**
 * `node bench/probe.ts`: regent alone at fixed open-loop rates, several configurations
 * interleaved round by round, to see what sets the latency tail. Not part of `make bench`.
 * PROBE_RATES (default 458), PROBE_SECONDS (10), PROBE_ROUNDS (3),
 * PROBE_VARIANTS: `name:K=V,K=V;name2:...` extra environment per variant ("default:" = none),
 * PROBE_WARMUP_SECONDS (3; at 300/s per variant: V8 sizes its heap over the first tens of
 * thousands of decisions, so a tail measured after 3 s may still hold that).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readCorpus } from './corpus/corpus.ts';
import { startRegent, type RunningServer } from './lib/servers.ts';
import { readSettings } from './lib/settings.ts';
import { cpuSeconds } from './lib/proc.ts';
import { attack, writeTargets } from './lib/vegeta.ts';

const s = readSettings();
const rates = (process.env['PROBE_RATES'] ?? '458').split(',').map(Number);
const seconds = Number(process.env['PROBE_SECONDS'] ?? 10);
const rounds = Number(process.env['PROBE_ROUNDS'] ?? 3);
const warmupSeconds = Number(process.env['PROBE_WARMUP_SECONDS'] ?? 3);
const variants = (process.env['PROBE_VARIANTS'] ?? 'default:').split(';').map((spec) => {
  const [name, envText = ''] = spec.split(':');
  const env: Record<string, string> = {};
  for (const kv of envText.split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { name: name!, env };
});
const dir = path.join(s.outDir, 'probe');
mkdirSync(dir, { recursive: true });
const corpus = readCorpus();
const servers: RunningServer[] = [];
for (const v of variants) {
  const server = await startRegent(s, {
    name: `probe-${v.name}`,
    decisionLog: v.env['REGENT_DECISION_LOG'] !== 'false',
    audit: v.env['REGENT_AUDIT_PATH'] !== '',
    metrics: v.env['NO_METRICS'] !== '1',
    env: v.env,
  });
  servers.push(server);
  const targets = path.join(dir, `${v.name}.targets`);
  writeTargets(
    targets,
    corpus.map((e) => ({ url: server.decisionUrl, body: server.body(e) })),
  );
  await attack({
    vegeta: s.vegetaBin,
    cpus: s.loadgenCpus,
    targetsFile: targets,
    resultsFile: path.join(dir, 'warm.bin'),
    pace: { kind: 'open', rate: 300 },
    seconds: warmupSeconds,
  });
}
const rows: string[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const rate of rates) {
      for (const [i, v] of variants.entries()) {
        const server = servers[i]!;
        const before = cpuSeconds(server.pid);
        const r = await attack({
          vegeta: s.vegetaBin,
          cpus: s.loadgenCpus,
          targetsFile: path.join(dir, `${v.name}.targets`),
          resultsFile: path.join(dir, `${v.name}-${rate}-${round}.bin`),
          pace: { kind: 'open', rate },
          seconds,
        });
        const cpu = ((cpuSeconds(server.pid) - before) / r.requests) * 1000;
        const row = `${round} ${v.name.padEnd(14)} ${String(rate).padStart(5)}/s p50 ${r.p50.toFixed(2)} p90 ${r.p90.toFixed(2)} p99 ${r.p99.toFixed(2)} p99.9 ${r.p999.toFixed(2)} max ${r.max.toFixed(1)} err ${(r.errorRate * 100).toFixed(2)}% cpu/1k ${cpu.toFixed(2)}`;
        console.log(row);
        rows.push(row);
      }
    }
  }
} finally {
  for (const server of servers) await server.stop();
  writeFileSync(path.join(dir, 'summary.txt'), rows.join('\n') + '\n');
}
