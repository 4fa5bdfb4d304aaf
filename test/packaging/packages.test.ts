/**
 * What an agent builder does with the packages of packages/: `npm pack` each one, install the
 * client, the MCP gateway and adapters from the tarballs into a fresh project outside the
 * repository (an adapter with its framework at the version this repository pins), then run them
 * with plain `node`, no flags: a real decision from a real regent through the client and through
 * an adapter, both bins, and the declarations type-checked as a consumer's TypeScript sees them.
 * The installed tree holds compiled JavaScript only (Node refuses to strip types under
 * node_modules) and nothing of the server.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PACKAGES = ['client', 'mcp-gateway', 'claude-agent-sdk', 'ai-sdk', 'openai-agents', 'langchain'];
/** The frameworks each adapter needs, as peers. */
const FRAMEWORKS: Record<string, string[]> = {
  'claude-agent-sdk': ['@anthropic-ai/claude-agent-sdk'],
  'ai-sdk': ['ai'],
  'openai-agents': ['@openai/agents'],
  langchain: ['langchain', '@langchain/core'],
};
const HR_AGENT = { id: 'hr-assistant', on_behalf_of: { id: 'alice' } };
const HR_TOOLS = {
  read_employee: {
    regent_tool: 'workday.read_employee',
    kind: 'read',
    resource: { system: 'workday', id: '/employee_id' },
  },
  post_message: { regent_tool: 'slack.post_message', kind: 'send', destination: { system: 'slack', id: '/channel' } },
};

const run = promisify(execFile);
/**
 * The environment of every child: this one without what would make it differ from a builder's
 * shell (a NODE_OPTIONS with this repository's source condition, npm's script variables naming
 * this repository as the project), with this test's Node first on the PATH.
 */
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(NODE_OPTIONS|npm_(package|lifecycle)_.*|npm_command|npm_config_(local_prefix|call|workspaces?))$/i.test(k))
      env[k] = v;
  env['PATH'] = `${path.dirname(process.execPath)}${path.delimiter}${process.env['PATH'] ?? ''}`;
  return env;
};
const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund'], { cwd, env: childEnv(), maxBuffer: 64 << 20 });

/** Runs `file` with `args` and `stdin`, as a shell would: no flags, the builder's environment. */
function exec(
  file: string,
  args: string[],
  cwd: string,
  stdin = '',
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...childEnv(), ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

/** The versions this repository pins (package-lock.json), by package name. */
async function pinned(): Promise<(name: string) => string> {
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8'));
  return (name) => {
    const version = lock.packages[`node_modules/${name}`]?.version;
    assert.ok(typeof version === 'string', `package-lock.json pins ${name}`);
    return version;
  };
}

/** Every file under `dir`, relative to it (symlinks not followed). */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [path.relative(base, p)];
  });
}

/** The agent builder's program: plain JavaScript importing the installed packages by name. */
const AGENT_JS = `
import { registerHooks } from 'node:module';

// Every module Node loads from here on, to show that no TypeScript runs.
const loaded = [];
registerHooks({ load: (url, context, nextLoad) => (loaded.push(url), nextLoad(url, context)) });

const { RegentClient } = await import('@regent/client');
const { withRegent, RegentDenied } = await import('@regent/ai-sdk');
const { tool, jsonSchema } = await import('ai');
const gateway = await import('@regent/mcp-gateway');
const claude = await import('@regent/claude-agent-sdk');

const [agent, mapping] = [${JSON.stringify(HR_AGENT)}, ${JSON.stringify(HR_TOOLS)}];
const client = new RegentClient({ url: process.env.REGENT_URL, timeoutMs: 5000 });

// The client: the incident's read, then the post to #general in the same session.
const session = { id: 'packaging-client' };
const read = await client.decide({
  agent,
  action: { tool: 'workday.read_employee', kind: 'read', resource: { system: 'workday', id: 'emp-42' } },
  session,
});
const post = await client.decide({
  agent,
  action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
  data_flow: { destination: { system: 'slack', audience: 'all_employees' } },
  payload: { text: 'Bob earns 180000' },
  session,
});

// The AI SDK adapter around the framework's own tool(): the read runs, #general is refused.
const ran = [];
const schema = (...keys) => jsonSchema({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, { type: 'string' }])) });
const tools = withRegent(
  {
    read_employee: tool({ description: 'read', inputSchema: schema('employee_id'), execute: async () => (ran.push('read_employee'), { name: 'Bob Martin', title: 'Engineer' }) }),
    post_message: tool({ description: 'post', inputSchema: schema('channel', 'text'), execute: async () => (ran.push('post_message'), { ok: true }) }),
  },
  { client, agent, sessionId: 'packaging-ai-sdk', tools: mapping },
);
const output = await tools.read_employee.execute({ employee_id: 'emp-42' }, { toolCallId: 'c1', messages: [] });
let refused;
try {
  await tools.post_message.execute({ channel: '#general', text: 'Bob earns 180000' }, { toolCallId: 'c2', messages: [] });
} catch (err) {
  refused = { regentDenied: err instanceof RegentDenied, codes: err.answer.reasons.map((r) => r.code) };
}
client.close();

process.stdout.write(JSON.stringify({
  read: read.decision,
  post: { decision: post.decision, codes: post.reasons.map((r) => r.code) },
  output,
  refused,
  ran,
  gateway: typeof gateway.Gateway,
  claude: typeof claude.regentHooks,
  loaded,
}));
`;

/** A consumer's TypeScript: it compiles only if the packages' declarations are there and right. */
const CONSUMER_TS = `
import { RegentClient, type Decision } from '@regent/client';
import { withRegent } from '@regent/ai-sdk';
import { parseGatewayConfig, type GatewayConfig } from '@regent/mcp-gateway';

const client = new RegentClient({ url: 'http://127.0.0.1:8181' });
export const decision: Promise<Decision> = client.decide({ agent: { id: 'a' }, action: { tool: 't', kind: 'read' } });
// @ts-expect-error kind is one of the five action kinds
export const wrong = client.decide({ agent: { id: 'a' }, action: { tool: 't', kind: 'steal' } });
export const tools = withRegent({}, { client, agent: { id: 'a' }, sessionId: 's', tools: {} });
export const config: GatewayConfig = parseGatewayConfig({}, '.');
`;

describe('the packages as an agent builder installs them', () => {
  let regent: TestServer;
  let work: string;
  let tarballs: Map<string, { filename: string; files: string[] }>;
  let project: string;
  let version: (name: string) => string;
  const seconds: Record<string, string> = {};
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const out = await f();
    seconds[what] = ((performance.now() - start) / 1000).toFixed(1);
    return out;
  };

  before(async () => {
    version = await pinned();
    regent = await startRegent({ bundlePath: (await regoBundle()).file });
    work = await mkdtemp(path.join(tmpdir(), 'regent-packaging-'));
    assert.ok(!work.startsWith(ROOT + path.sep), 'the project is outside the repository (TMPDIR)');
    // npm pack runs each package's prepack (the build) and postpack (which removes dist again).
    const packed = JSON.parse(
      (await timed('npm pack', () => npm(['pack', '--workspaces', '--json', '--pack-destination', work], ROOT))).stdout,
    ) as { name: string; filename: string; files: { path: string }[] }[];
    tarballs = new Map(
      packed.map((p) => [p.name, { filename: path.join(work, p.filename), files: p.files.map((f) => f.path) }]),
    );
    project = path.join(work, 'agent');
    await mkdir(project);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'agent', private: true, type: 'module' }),
    );
    const tgz = (name: string) => tarballs.get(name)?.filename ?? assert.fail(`${name} was not packed`);
    await timed('npm install', () =>
      npm(
        [
          'install',
          '--prefer-offline',
          tgz('@regent/client'),
          tgz('@regent/mcp-gateway'),
          tgz('@regent/ai-sdk'),
          tgz('@regent/claude-agent-sdk'),
          `ai@${version('ai')}`,
        ],
        project,
      ),
    );
  });
  after(async () => {
    await regent?.close();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('packs every package as compiled JavaScript with declarations, leaving no build behind', (t) => {
    t.diagnostic(`npm pack ${seconds['npm pack']} s, npm install ${seconds['npm install']} s`);
    assert.deepEqual([...tarballs.keys()].sort(), PACKAGES.map((p) => `@regent/${p}`).sort());
    for (const [name, { files }] of tarballs) {
      for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/index.js.map'])
        assert.ok(files.includes(f), `${name} ships ${f}`);
      const stray = files.filter(
        (f) => !/^(dist\/[\w.-]+\.(js|d\.ts|js\.map)|bin\/[\w-]+|examples\/[\w.-]+|README\.md|package\.json)$/.test(f),
      );
      assert.deepEqual(stray, [], `${name} ships only dist, bin, examples, README.md and package.json`);
    }
    assert.ok(tarballs.get('@regent/mcp-gateway')?.files.includes('examples/gateway.json'));
    for (const p of PACKAGES)
      assert.ok(!existsSync(path.join(ROOT, 'packages', p, 'dist')), `packages/${p}/dist is removed after packing`);
  });

  it('declares @regent/client at its real version, each framework as a peer at the pinned version, never the server', async () => {
    const client = JSON.parse(await readFile(path.join(ROOT, 'packages/client/package.json'), 'utf8'));
    for (const p of PACKAGES) {
      const pkg = JSON.parse(await readFile(path.join(ROOT, 'packages', p, 'package.json'), 'utf8'));
      const all = { ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies, ...pkg.devDependencies };
      assert.equal(all['regent'], undefined, `${p} does not depend on the server`);
      if (p !== 'client')
        assert.equal(
          pkg.dependencies['@regent/client'],
          client.version,
          `${p} depends on @regent/client ${client.version}`,
        );
      for (const framework of FRAMEWORKS[p] ?? []) {
        assert.equal(pkg.dependencies?.[framework], undefined, `${p} does not bundle ${framework}`);
        const range = String(pkg.peerDependencies?.[framework]);
        assert.equal(
          /^>=(\S+) </.exec(range)?.[1],
          version(framework),
          `${p}'s peer range ${range} starts at the pinned ${framework}`,
        );
      }
    }
  });

  it('installs without the server, with one @regent/client from its tarball and no TypeScript source', async () => {
    const lock = JSON.parse(await readFile(path.join(project, 'package-lock.json'), 'utf8'));
    const names = Object.entries(lock.packages as Record<string, { name?: string }>).map(
      ([k, v]) => v.name ?? k.split('node_modules/').pop(),
    );
    assert.ok(!names.includes('regent'), 'no package named regent is installed');
    assert.ok(!existsSync(path.join(project, 'node_modules/regent')));
    const clients = Object.keys(lock.packages).filter((k) => k.endsWith('node_modules/@regent/client'));
    assert.deepEqual(clients, ['node_modules/@regent/client'], 'one @regent/client, shared by the adapters');
    assert.match(
      lock.packages['node_modules/@regent/client'].resolved,
      /^file:/,
      '@regent/client comes from the tarball, not a registry',
    );
    const installed = walk(path.join(project, 'node_modules/@regent'));
    const typescript = installed.filter(
      (f) => /\.[cm]?tsx?$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('mcp-gateway/examples/'),
    );
    assert.deepEqual(typescript, [], 'no TypeScript source is installed');
  });

  it('decides through the client and an adapter with plain node, loading no TypeScript', async () => {
    await writeFile(path.join(project, 'agent.js'), AGENT_JS);
    const { code, out, err } = await exec(process.execPath, ['agent.js'], project, '', { REGENT_URL: regent.url });
    assert.equal(code, 0, err);
    const seen = JSON.parse(out);
    assert.equal(seen.read, 'allow');
    assert.equal(seen.post.decision, 'deny');
    assert.ok(seen.post.codes.includes('flow.audience_not_cleared'), seen.post.codes.join());
    assert.deepEqual(seen.output, { name: 'Bob Martin', title: 'Engineer' });
    assert.ok(seen.refused?.regentDenied, 'the adapter refuses #general with RegentDenied');
    assert.ok(seen.refused.codes.includes('flow.audience_not_cleared'));
    assert.deepEqual(seen.ran, ['read_employee'], 'the refused tool never ran');
    assert.equal(seen.gateway, 'function');
    assert.equal(seen.claude, 'function');
    const packages = (seen.loaded as string[]).filter((u) => u.includes('/node_modules/@regent/'));
    assert.ok(
      packages.some((u) => u.endsWith('/node_modules/@regent/client/dist/index.js')),
      'the client ran from dist',
    );
    assert.deepEqual(
      (seen.loaded as string[]).filter((u) => /\.[cm]?ts$/.test(u)),
      [],
      'no TypeScript was loaded',
    );
  });

  it('runs the bins: the gateway starts and asks for its configuration, the Claude Code hook decides', async () => {
    const bin = (name: string) => path.join(project, 'node_modules/.bin', name);
    const gateway = await exec(bin('regent-mcp-gateway'), [], project);
    assert.equal(gateway.code, 2, gateway.err);
    assert.match(gateway.err, /^usage: regent-mcp-gateway --config gateway\.json/);

    const tools = { mcp__hr__read_employee: HR_TOOLS.read_employee, mcp__hr__post_message: HR_TOOLS.post_message };
    await writeFile(
      path.join(project, 'hook.json'),
      JSON.stringify({ regent: { url: regent.url }, agent: HR_AGENT, tools }),
    );
    const event = (tool: string, input: unknown) =>
      JSON.stringify({
        session_id: 'packaging-hook',
        transcript_path: '/tmp/t.jsonl',
        cwd: project,
        permission_mode: 'default',
        hook_event_name: 'PreToolUse',
        tool_name: tool,
        tool_input: input,
        tool_use_id: `toolu_${tool}`,
      });
    const hook = (tool: string, input: unknown) =>
      exec(bin('regent-claude-hook'), ['--config', 'hook.json'], project, event(tool, input));
    const read = await hook('mcp__hr__read_employee', { employee_id: 'emp-42' });
    assert.equal(read.code, 0, read.err);
    assert.equal(JSON.parse(read.out).hookSpecificOutput.permissionDecision, 'allow');
    const post = await hook('mcp__hr__post_message', { channel: '#general', text: 'Bob earns 180000' });
    assert.equal(post.code, 0, post.err);
    assert.equal(JSON.parse(post.out).hookSpecificOutput.permissionDecision, 'deny');
    assert.match(JSON.parse(post.out).hookSpecificOutput.permissionDecisionReason, /flow\.audience_not_cleared/);
  });

  it("gives TypeScript consumers the packages' declarations", async () => {
    await writeFile(path.join(project, 'consumer.ts'), CONSUMER_TS);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2024',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const { code, out, err } = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    assert.equal(code, 0, out + err);
  });
});
