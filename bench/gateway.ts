/**
 * The MCP gateway's overhead, side by side in one run: the same tool calls from an MCP client
 * (the SDK's Client over Streamable HTTP) straight to the example HR MCP server, through a
 * pass-through proxy on the same SDK parts that asks no one (bench/lib/null-proxy.ts: the floor
 * under any gateway built on the official SDK), and through `regent-mcp-gateway` (which asks
 * regent before the call and passes the result through the result phase). regent runs as its
 * own process with production defaults (bundle, audit trail, decision log, metrics, evaluation
 * workers). Calls alternate between the three paths in blocks so all see the same machine noise.
 * Reports p50, p99 and CPU per call of every process, and writes bench/GATEWAY-RESULTS.md.
 *
 *   node bench/gateway.ts [--calls 2000] [--block 100] [--warmup 200] [--profile DIR]
 *
 * With --profile, regent and the gateway run under `node --cpu-prof` and leave one profile per
 * thread in DIR (open them in Chrome's DevTools or summarise them with bench/profile-summary.ts);
 * the figures of such a run include the profiler's own cost and are not written to the results.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startRegentProcess } from '../test/support/regent-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    block: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '200' },
    profile: { type: 'string' },
  },
});
const CALLS = Number(values.calls);
const BLOCK = Number(values.block);
const WARMUP = Number(values.warmup);
const TOKEN = 'bench-agent-token';
/** NODE_OPTIONS for the processes profiled with --profile (regent and the gateway). */
const PROFILED: Record<string, string> =
  values.profile === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(values.profile)}` };
const CLK_TCK = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Spawns `args` and resolves once a stderr line matches `ready` (its first group is the URL). */
function startChild(
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (c: Buffer) => {
      text += c.toString();
      const m = ready.exec(text);
      if (m?.[1] === undefined) return;
      // From here on the log is only drained: matched against a growing text on every chunk, the
      // gateway's line per call had cost this client more CPU than its MCP calls (--cpu-prof).
      child.stderr.off('data', onData);
      child.stderr.resume();
      resolve({ child, url: m[1] });
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${text}`)));
  });
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const dir = mkdtempSync(path.join(tmpdir(), 'regent-gateway-bench-'));
const regent = await startRegentProcess({
  REGENT_BUNDLE: path.join(ROOT, 'bundles/regent.tar.gz'),
  REGENT_AUDIT_PATH: path.join(dir, 'trail.jsonl'),
  ...PROFILED,
});
const hr = await startChild(['packages/mcp-gateway/examples/hr-server.ts', '--http', '0'], /MCP server on (\S+)/);
const config = path.join(dir, 'gateway.json');
const tools = JSON.parse(readFileSync(path.join(ROOT, 'packages/mcp-gateway/examples/gateway.json'), 'utf8')).upstreams
  .hr.tools;
writeFileSync(
  config,
  JSON.stringify({
    regent: { url: regent.url, deadline_ms: 1000 },
    http: {
      port: 0,
      clients: [
        {
          token_sha256: createHash('sha256').update(TOKEN).digest('hex'),
          agent: { id: 'hr-assistant', on_behalf_of: { id: 'alice' } },
        },
      ],
    },
    upstreams: { hr: { http: { url: hr.url }, tools } },
  }),
);
const gateway = await startChild(
  // The package's own launcher, which runs its source in a checkout (docs/decisions/018).
  ['packages/mcp-gateway/bin/regent-mcp-gateway', '--config', config, '--transport', 'http'],
  /"url":"([^"]+)"/,
  PROFILED,
);

const proxy = await startChild(['bench/lib/null-proxy.ts', '--upstream', hr.url], /"url":"([^"]+)"/);

const clients = {
  direct: await connect(hr.url),
  proxy: await connect(proxy.url),
  gateway: await connect(gateway.url, TOKEN),
};
const PATHS = ['direct', 'proxy', 'gateway'] as const;
type Path = (typeof PATHS)[number];
// An allowed call on both paths: a send to a team channel in a session that read nothing, so
// regent decides it, the server runs it, and the result phase checks what came back.
const args = { name: 'post_message', arguments: { channel: '#hr-team', text: 'Stand-up moves to 10:00.' } };

async function once(client: Client): Promise<number> {
  const t = process.hrtime.bigint();
  const r = await client.callTool(args);
  const ns = Number(process.hrtime.bigint() - t);
  if (r.isError === true) throw new Error(`the call failed: ${JSON.stringify(r.content)}`);
  return ns / 1e6;
}

for (let i = 0; i < WARMUP; i++) for (const which of PATHS) await once(clients[which]);

const pids = { regent: regent.child.pid!, gateway: gateway.child.pid!, proxy: proxy.child.pid!, server: hr.child.pid! };
const samples: Record<Path, number[]> = { direct: [], proxy: [], gateway: [] };
/** CPU seconds per path; `middle` is the process between client and server: the proxy or the gateway. */
const cpu: Record<Path, { client: number; server: number; middle: number; regent: number }> = {
  direct: { client: 0, server: 0, middle: 0, regent: 0 },
  proxy: { client: 0, server: 0, middle: 0, regent: 0 },
  gateway: { client: 0, server: 0, middle: 0, regent: 0 },
};
for (let done = 0; done < CALLS; done += BLOCK) {
  for (const which of PATHS) {
    const middlePid = which === 'proxy' ? pids.proxy : pids.gateway;
    const before = {
      client: process.cpuUsage(),
      server: cpuSeconds(pids.server),
      middle: cpuSeconds(middlePid),
      regent: cpuSeconds(pids.regent),
    };
    for (let i = 0; i < BLOCK; i++) samples[which].push(await once(clients[which]));
    const c = process.cpuUsage(before.client);
    cpu[which].client += (c.user + c.system) / 1e6;
    cpu[which].server += cpuSeconds(pids.server) - before.server;
    if (which !== 'direct') cpu[which].middle += cpuSeconds(middlePid) - before.middle;
    if (which === 'gateway') cpu[which].regent += cpuSeconds(pids.regent) - before.regent;
  }
}

for (const c of Object.values(clients)) await c.close();
proxy.child.kill('SIGTERM');
const gatewayExited = new Promise((resolve) => gateway.child.once('exit', resolve));
gateway.child.kill('SIGTERM');
await gatewayExited; // its --cpu-prof profiles are written on exit
hr.child.kill('SIGTERM');
await regent.stop();

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), n: s.length };
};
const d = stats(samples.direct);
const x = stats(samples.proxy);
const g = stats(samples.gateway);
const perCall = (which: Path, part: keyof typeof cpu.direct) => (cpu[which][part] / samples[which].length) * 1000;
const ms = (x: number) => x.toFixed(3);
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
})();
const added99 = g.p99 - d.p99;
const row = (label: string, which: Path, st: { p50: number; p99: number }) =>
  `| ${label} | ${ms(st.p50)} | ${ms(st.p99)} | ${ms(perCall(which, 'client'))} | ${ms(perCall(which, 'server'))} | ${
    which === 'direct' ? '–' : ms(perCall(which, 'middle'))
  } | ${which === 'gateway' ? ms(perCall(which, 'regent')) : '–'} |`;
const report = `# Gateway overhead (bench/gateway.ts)

Run ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version},
load average before the run ${loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')}, HEAD ${commit}.
Nothing pinned; the load average above says how busy the machine was.

${CALLS} \`tools/call\` of \`post_message\` per path (allowed: regent decides it and checks the
result), sequential, alternating blocks of ${BLOCK}, after ${WARMUP} warm-up calls on each.
Client → Streamable HTTP → example HR MCP server: directly; through a pass-through proxy built
from the gateway's SDK parts that asks no one (\`bench/lib/null-proxy.ts\`, the floor under any
gateway on the official SDK); or through \`regent-mcp-gateway\` (Streamable HTTP both sides) with
regent as its own process on production defaults. The middle column is the proxy's or the gateway's CPU.

| Path | p50 ms | p99 ms | CPU ms per call: client | server | proxy or gateway | regent |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${row('direct', 'direct', d)}
${row('through the pass-through proxy', 'proxy', x)}
${row('through the gateway', 'gateway', g)}

Added by the gateway: **p50 ${ms(g.p50 - d.p50)} ms, p99 ${ms(added99)} ms** (goal: at most 1 ms at
p99: ${added99 <= 1 ? 'met' : 'missed'}). Added by the pass-through proxy alone, one more MCP hop and
nothing else: p50 ${ms(x.p50 - d.p50)} ms, p99 ${ms(x.p99 - d.p99)} ms. regent's part (the gateway
over the proxy: two regent requests, the decision and the result phase): p50 ${ms(g.p50 - x.p50)} ms,
p99 ${ms(g.p99 - x.p99)} ms.
`;
if (values.profile === undefined) writeFileSync(path.join(ROOT, 'bench/GATEWAY-RESULTS.md'), report);
process.stdout.write(report);
