/**
 * Escalations through @regent/claude-agent-sdk with the real SDK: `query()` runs the SDK's own
 * Claude Code against a scripted model (the model API is not reachable here), with regent's
 * hooks and `canUseTool` in front of a real regent whose company rule sends every Slack post to a
 * person, and an approver (a token with `approve`) deciding through regent's API.
 *
 * What the SDK does with a PreToolUse `ask`: it calls `canUseTool`, and without one it denies the
 * call (the tool never runs; the call is in the result's `permission_denials`). regent's
 * `canUseTool` waits for the person and asks regent again with the identical request: approved,
 * the post runs once with the exact arguments; rejected, refused with the approver's reason;
 * nobody deciding in time, refused; changed arguments, a new request. The command hook for Claude
 * Code waits itself and answers allow or deny, never `ask`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { regentHooks, regentPermissions } from '@regent/claude-agent-sdk';
import { TOKENS, type ApprovalServer } from '../approvals/support.ts';
import { reviewSuite, startReviewRegent } from './approval-regent.ts';
import { approverOf } from './approver.ts';
import { HR_AGENT, HR_TOOLS, ROOT } from './gateway-support.ts';
import { runClaude } from './scripted-claude.ts';

const TOOLS = { mcp__hr__post_message: HR_TOOLS.post_message };
const post = (text: string) => ({ tool: 'mcp__hr__post_message', input: { channel: '#general', text } });

describe('escalated calls through the Claude Agent SDK', () => {
  const suite = reviewSuite();
  const approver = suite.approver;
  // Generous: the approver's answer ends these waits, never the clock.
  const options = (approvalWaitMs: number) => ({ client: suite.client, agent: HR_AGENT, tools: TOOLS, approvalWaitMs });

  it('denies at once without approvalWaitMs, naming the approval URL', async () => {
    const run = await runClaude([post('refused at once')], { hooks: regentHooks(options(0)) });
    assert.deepEqual(run.ran, []);
    assert.match(run.toolResults[0] ?? '', /regent escalated mcp__hr__post_message; it did not run/);
    assert.match(run.toolResults[0] ?? '', /Waiting for a person's approval \(pending\): \/console\/#\/approvals\//);
  });

  const noCallback = [
    { note: 'in the default permission mode', sdk: {} },
    { note: 'with the tool in allowedTools', sdk: { allowedTools: ['mcp__hr__post_message'] } },
    { note: 'in acceptEdits mode', sdk: { permissionMode: 'acceptEdits' as const } },
    { note: 'in dontAsk mode', sdk: { permissionMode: 'dontAsk' as const } },
  ];
  for (const c of noCallback)
    it(`answers ask, which the SDK denies when no canUseTool is given ${c.note}: the tool never runs`, async () => {
      const text = `ask without canUseTool ${c.note}`;
      const run = await runClaude([post(text)], { hooks: regentHooks(options(600_000)), ...c.sdk });
      assert.deepEqual(run.ran, [], 'a PreToolUse ask with no permission callback is a denial');
      assert.deepEqual(
        run.denials.map((d) => d.tool_name),
        ['mcp__hr__post_message'],
      );
      assert.match(run.toolResults[0] ?? '', /a person approves it in regent before it runs/);
      assert.equal(await approver().state(await approver().pendingFor(text)), 'pending');
    });

  it('waits in canUseTool until the approver approves, then runs the post once with the exact arguments', async () => {
    const text = 'Office closed on Friday';
    const { hooks, canUseTool } = regentPermissions(options(600_000));
    const running = runClaude([post(text)], { hooks, canUseTool });
    const id = await approver().pendingFor(text);
    await approver().approve(id, 'office notice');
    const run = await running;
    assert.deepEqual(run.ran, [{ channel: '#general', text }]);
    assert.deepEqual(run.denials, []);
    assert.equal(await approver().state(id), 'used');
  });

  it("refuses with the approver's reason when the approver rejects", async () => {
    const text = 'Salaries attached';
    const { hooks, canUseTool } = regentPermissions(options(600_000));
    const running = runClaude([post(text)], { hooks, canUseTool });
    const id = await approver().pendingFor(text);
    await approver().reject(id, 'not for #general');
    const run = await running;
    assert.deepEqual(run.ran, []);
    assert.match(run.toolResults[0] ?? '', /escalate\.rejected: .*not for #general/);
  });

  it('refuses when nobody decides before the deadline; the request keeps waiting in regent', async () => {
    const text = 'Nobody looks at this';
    const { hooks, canUseTool } = regentPermissions(options(50));
    const run = await runClaude([post(text)], { hooks, canUseTool });
    assert.deepEqual(run.ran, []);
    assert.match(run.toolResults[0] ?? '', /nobody decided within 50 ms; it did not run/);
    assert.equal(await approver().state(await approver().pendingFor(text)), 'pending');
  });

  it('treats changed arguments after an approval as a new request, and runs the approved ones once', async () => {
    const original = 'Team lunch at noon';
    const changed = `${original}, and here are everyone's salaries`;
    let approved = '';
    const { hooks, canUseTool } = regentPermissions(options(50));
    // One query, so one SDK session: the session is part of the action a person approves.
    const run = await runClaude(
      [
        post(original),
        async () => {
          approved = await approver().pendingFor(original);
          await approver().approve(approved, 'lunch is fine');
          return post(changed);
        },
        post(original),
      ],
      { hooks, canUseTool },
    );
    assert.deepEqual(run.ran, [{ channel: '#general', text: original }], 'only the approved arguments ran, once');
    assert.match(run.toolResults[1] ?? '', /Waiting for a person's approval \(pending\)/);
    assert.doesNotMatch(run.toolResults[1] ?? '', new RegExp(approved), 'the changed arguments are a new request');
    assert.equal(await approver().state(approved), 'used');
  });
});

describe('regent-claude-hook waits for a person (Claude Code command hook)', () => {
  let regent: ApprovalServer;
  let dir: string;
  const approver = () => approverOf(regent);
  before(async () => {
    regent = await startReviewRegent();
    dir = await mkdtemp(path.join(tmpdir(), 'regent-claude-hook-approvals-'));
    await writeFile(path.join(dir, 'regent-token'), TOKENS.agent.token);
  });
  after(async () => {
    await regent.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the bin as Claude Code does, with `approval_wait_ms`: the event on stdin, the answer on stdout. */
  const run = async (waitMs: number, text: string): Promise<any> => {
    const config = path.join(dir, `hook-${waitMs}.json`);
    await writeFile(
      config,
      JSON.stringify({
        regent: { url: regent.url, token_file: 'regent-token', deadline_ms: 5000 },
        agent: HR_AGENT,
        tools: TOOLS,
        approval_wait_ms: waitMs,
      }),
    );
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(ROOT, 'node_modules/.bin/regent-claude-hook'), ['--config', config], {
        env: { PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(JSON.parse(out)));
      child.stdin.end(
        JSON.stringify({
          session_id: 'cc-approvals',
          transcript_path: '/home/u/.claude/projects/p/cc-approvals.jsonl',
          cwd: '/home/u/p',
          permission_mode: 'default',
          hook_event_name: 'PreToolUse',
          tool_name: 'mcp__hr__post_message',
          tool_input: { channel: '#general', text },
          tool_use_id: 'toolu_01APPROVAL',
        }),
      );
    });
  };

  it('allows once the approver approves while it waits, never answering ask', async () => {
    const text = 'Command hook: approved';
    const answer = run(600_000, text);
    const id = await approver().pendingFor(text);
    await approver().approve(id, 'fine');
    const out = (await answer).hookSpecificOutput;
    assert.equal(out.permissionDecision, 'allow', JSON.stringify(out));
    assert.equal(await approver().state(id), 'used');
  });

  it("denies with the approver's reason on a rejection", async () => {
    const text = 'Command hook: rejected';
    const answer = run(600_000, text);
    const id = await approver().pendingFor(text);
    await approver().reject(id, 'no posts today');
    const out = (await answer).hookSpecificOutput;
    assert.equal(out.permissionDecision, 'deny');
    assert.match(out.permissionDecisionReason, /escalate\.rejected: .*no posts today/);
  });

  it('denies when nobody decides before the deadline, and denies at once without a wait', async () => {
    const late = (await run(50, 'Command hook: nobody')).hookSpecificOutput;
    assert.equal(late.permissionDecision, 'deny');
    assert.match(late.permissionDecisionReason, /nobody decided within 50 ms/);
    const now = (await run(0, 'Command hook: at once')).hookSpecificOutput;
    assert.equal(now.permissionDecision, 'deny');
    assert.match(now.permissionDecisionReason, /Waiting for a person's approval \(pending\)/);
  });
});
