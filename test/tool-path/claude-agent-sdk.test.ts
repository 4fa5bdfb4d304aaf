/**
 * The incident through @regent/claude-agent-sdk against a real regent: the hooks `regentHooks`
 * gives `query()` are driven with the SDK's own hook input types (the SDK's CLI needs a model
 * API, which this machine cannot reach), and the Claude Code command hook is run as Claude Code
 * runs it, with the hook event as JSON on stdin.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type {
  HookCallback,
  HookJSONOutput,
  PostToolUseHookInput,
  PreToolUseHookInput,
} from '@anthropic-ai/claude-agent-sdk';
import { RegentClient } from '@regent/client';
import { regentHooks } from '@regent/claude-agent-sdk';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';
import { HR_AGENT, HR_TOOLS, ROOT } from './gateway-support.ts';

/** Claude names MCP tools mcp__<server>__<tool>. */
const TOOLS = {
  mcp__hr__read_employee: HR_TOOLS.read_employee,
  mcp__hr__post_message: HR_TOOLS.post_message,
  mcp__hr__send_dm: HR_TOOLS.send_dm,
} as const;

const base = (session: string) => ({ session_id: session, transcript_path: '/tmp/t.jsonl', cwd: '/tmp' });
let n = 0;
const preInput = (session: string, tool: string, input: unknown): PreToolUseHookInput => ({
  ...base(session),
  hook_event_name: 'PreToolUse',
  tool_name: tool,
  tool_input: input,
  tool_use_id: `toolu_${++n}`,
});
const postInput = (pre: PreToolUseHookInput, response: unknown): PostToolUseHookInput => ({
  ...base(pre.session_id),
  hook_event_name: 'PostToolUse',
  tool_name: pre.tool_name,
  tool_input: pre.tool_input,
  tool_response: response,
  tool_use_id: pre.tool_use_id,
});
const specific = (out: HookJSONOutput) => (out as { hookSpecificOutput?: Record<string, unknown> }).hookSpecificOutput;

describe('@regent/claude-agent-sdk hooks', () => {
  let regent: TestServer;
  let client: RegentClient;
  let pre: HookCallback;
  let post: HookCallback;
  before(async () => {
    regent = await startRegent({ bundlePath: (await regoBundle()).file });
    client = new RegentClient({ url: regent.url });
    const hooks = regentHooks({ client, agent: HR_AGENT, tools: TOOLS });
    pre = hooks.PreToolUse![0]!.hooks[0]!;
    post = hooks.PostToolUse![0]!.hooks[0]!;
  });
  after(async () => {
    client.close();
    await regent.close();
  });
  const signal = () => ({ signal: new AbortController().signal });

  it('runs the incident: the read allowed and its output checked, #general denied with the reason, the DM allowed', async () => {
    const read = preInput('claude-s1', 'mcp__hr__read_employee', { employee_id: 'emp-42' });
    assert.equal(specific(await pre(read, read.tool_use_id, signal()))?.['permissionDecision'], 'allow');
    const output = [{ type: 'text', text: '{"name":"Bob Martin","salary":180000}' }];
    const after = await post(postInput(read, output), read.tool_use_id, signal());
    assert.ok(specific(after)?.['updatedToolOutput'] === undefined || JSON.stringify(after).includes('REDACTED'));

    const general = preInput('claude-s1', 'mcp__hr__post_message', { channel: '#general', text: 'Bob earns 180000' });
    const denied = specific(await pre(general, general.tool_use_id, signal()));
    assert.equal(denied?.['permissionDecision'], 'deny');
    assert.match(String(denied?.['permissionDecisionReason']), /flow\.audience_not_cleared/);

    const dm = preInput('claude-s1', 'mcp__hr__send_dm', { to: 'alice@example.com', text: 'Bob earns 180000' });
    assert.equal(specific(await pre(dm, dm.tool_use_id, signal()))?.['permissionDecision'], 'allow');
  });

  it('keeps sessions apart: a fresh session may post to #general', async () => {
    const general = preInput('claude-s2', 'mcp__hr__post_message', { channel: '#general', text: 'Lunch at noon' });
    assert.equal(specific(await pre(general, general.tool_use_id, signal()))?.['permissionDecision'], 'allow');
  });

  it('denies a tool it has no mapping for, and anything when regent is unreachable', async () => {
    const bash = preInput('claude-s3', 'Bash', { command: 'ls' });
    assert.equal(specific(await pre(bash, bash.tool_use_id, signal()))?.['permissionDecision'], 'deny');
    const dead = new RegentClient({ url: 'http://127.0.0.1:9', retries: 0 });
    const hooks = regentHooks({ client: dead, agent: HR_AGENT, tools: TOOLS });
    const read = preInput('claude-s3', 'mcp__hr__read_employee', { employee_id: 'emp-42' });
    const out = specific(await hooks.PreToolUse![0]!.hooks[0]!(read, read.tool_use_id, signal()));
    dead.close();
    assert.equal(out?.['permissionDecision'], 'deny');
    assert.match(String(out?.['permissionDecisionReason']), /client\.unreachable/);
  });
});

describe('regent-claude-hook (Claude Code command hook)', () => {
  let regent: TestServer;
  let config: string;
  before(async () => {
    regent = await startRegent({ bundlePath: (await regoBundle()).file });
    const dir = await mkdtemp(path.join(tmpdir(), 'regent-claude-hook-'));
    config = path.join(dir, 'hook.json');
    await writeFile(config, JSON.stringify({ regent: { url: regent.url }, agent: HR_AGENT, tools: TOOLS }));
  });
  after(() => regent.close());

  /** Runs the bin as Claude Code does: the event on stdin, the answer on stdout. */
  const run = (event: unknown): Promise<{ code: number | null; out: any }> =>
    new Promise((resolve, reject) => {
      const child = spawn(path.join(ROOT, 'node_modules/.bin/regent-claude-hook'), ['--config', config], {
        env: { PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out: out === '' ? undefined : JSON.parse(out) }));
      child.stdin.end(typeof event === 'string' ? event : JSON.stringify(event));
    });

  // Claude Code's PreToolUse event for an MCP tool, field for field.
  const event = (tool: string, input: unknown) => ({
    session_id: 'cc-9f2c',
    transcript_path: '/home/u/.claude/projects/p/cc-9f2c.jsonl',
    cwd: '/home/u/p',
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    tool_use_id: 'toolu_01ABC',
  });

  it('allows the read, then denies #general with the reason', async () => {
    const read = await run(event('mcp__hr__read_employee', { employee_id: 'emp-42' }));
    assert.equal(read.code, 0);
    assert.equal(read.out.hookSpecificOutput.permissionDecision, 'allow');
    const general = await run(event('mcp__hr__post_message', { channel: '#general', text: 'Bob earns 180000' }));
    assert.equal(general.out.hookSpecificOutput.hookEventName, 'PreToolUse');
    assert.equal(general.out.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(general.out.hookSpecificOutput.permissionDecisionReason, /flow\.audience_not_cleared/);
  });

  it('passes a PostToolUse through the result phase', async () => {
    const res = await run({
      ...event('mcp__hr__read_employee', { employee_id: 'emp-7' }),
      hook_event_name: 'PostToolUse',
      tool_response: [{ type: 'text', text: '{"name":"Eve Chen"}' }],
    });
    assert.equal(res.code, 0);
    assert.deepEqual(res.out, {});
  });

  it('denies an event it cannot read', async () => {
    const res = await run('not json');
    assert.equal(res.out.hookSpecificOutput.permissionDecision, 'deny');
  });
});
