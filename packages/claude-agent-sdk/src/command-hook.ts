#!/usr/bin/env node
/**
 * The Claude Code command hook: `regent-claude-hook --config hook.json` reads one hook event as
 * JSON on stdin (PreToolUse or PostToolUse) and writes the hook's JSON answer on stdout, through
 * the same callbacks as the SDK hooks. Fail closed: an event it cannot read or any error answers
 * a PreToolUse with deny; a configuration it cannot load exits 2, which Claude Code treats as a
 * blocking error.
 *
 * regent's `escalate` is never answered `ask` here: Claude Code would then show its own terminal
 * prompt, and a local "yes" there runs the tool without regent's approval (nothing after it can
 * undo a run; PostToolUse only sees the output). So the hook denies at once naming the approval
 * URL, or, with `approval_wait_ms`, waits for a person itself and answers allow only on regent's
 * allow or redact for the identical request asked again. Claude Code lets a hook that outlives
 * its `timeout` go ahead unless the hook's `onFailure` is `"block"`: set both (README).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PostToolUseHookInput, PreToolUseHookInput } from '@anthropic-ai/claude-agent-sdk';
import { RegentClient, type AgentIdentity, type ToolMapping } from '@regent/client';
import { regentHookCallbacks } from './hooks.ts';

/** The hook's configuration file. */
export interface CommandHookConfig {
  regent: { url: string; token_file?: string; deadline_ms?: number };
  agent: AgentIdentity & { principal_token_file?: string };
  tools: Record<string, ToolMapping>;
  unmapped?: 'deny' | 'ask' | 'defer';
  /** How long an escalated call waits for a person, in ms (0, the default: denied at once). */
  approval_wait_ms?: number;
}

function loadConfig(file: string): { config: CommandHookConfig; token?: string; principal?: string } {
  const config = JSON.parse(readFileSync(file, 'utf8')) as CommandHookConfig;
  const problems: string[] = [];
  if (typeof config.regent?.url !== 'string') problems.push('regent.url is required');
  if (typeof config.agent?.id !== 'string') problems.push('agent.id is required');
  if (typeof config.tools !== 'object' || config.tools === null) problems.push('tools is required');
  const wait = config.approval_wait_ms;
  if (wait !== undefined && !(Number.isInteger(wait) && wait >= 0 && wait <= 3_600_000))
    problems.push('approval_wait_ms must be an integer from 0 to 3600000');
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  const dir = path.dirname(path.resolve(file));
  const read = (p: string | undefined) =>
    p === undefined ? undefined : readFileSync(path.resolve(dir, p), 'utf8').trim();
  const token = read(config.regent.token_file);
  const principal = read(config.agent.principal_token_file);
  return { config, ...(token === undefined ? {} : { token }), ...(principal === undefined ? {} : { principal }) };
}

const denyAll = (reason: string) => ({
  hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason },
});

/** Answers one hook event (the text Claude Code writes on stdin). */
export async function runCommandHook(
  eventText: string,
  config: CommandHookConfig,
  secrets: { token?: string; principal?: string } = {},
): Promise<unknown> {
  let event: { hook_event_name?: unknown };
  try {
    event = JSON.parse(eventText) as { hook_event_name?: unknown };
  } catch {
    return denyAll('regent-claude-hook could not read the hook event');
  }
  if (typeof event !== 'object' || event === null)
    return denyAll('regent-claude-hook got a hook event that is not an object');
  const client = new RegentClient({
    url: config.regent.url,
    timeoutMs: config.regent.deadline_ms ?? 1000,
    ...(secrets.token === undefined ? {} : { token: secrets.token }),
  });
  try {
    const agent: AgentIdentity = { ...config.agent };
    if (secrets.principal !== undefined) agent.principal_token = secrets.principal;
    const hooks = regentHookCallbacks({
      client,
      agent,
      tools: config.tools,
      ...(config.unmapped === undefined ? {} : { unmapped: config.unmapped }),
      // Wait here, never 'ask': see the header.
      approvalWaitMs: config.approval_wait_ms ?? 0,
      onEscalate: 'wait',
    });
    if (event.hook_event_name === 'PreToolUse') {
      const input = event as PreToolUseHookInput;
      return await hooks.preToolUse(input, input.tool_use_id);
    }
    if (event.hook_event_name === 'PostToolUse') {
      const input = event as PostToolUseHookInput;
      return await hooks.postToolUse(input, input.tool_use_id);
    }
    return {};
  } catch (err) {
    return event.hook_event_name === 'PostToolUse'
      ? { decision: 'block', reason: `regent-claude-hook failed: ${(err as Error).message}` }
      : denyAll(`regent-claude-hook failed: ${(err as Error).message}`);
  } finally {
    client.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? process.env['REGENT_HOOK_CONFIG'];
  let loaded;
  try {
    if (file === undefined) throw new Error('usage: regent-claude-hook --config hook.json');
    loaded = loadConfig(file);
  } catch (err) {
    process.stderr.write(`regent-claude-hook: ${(err as Error).message}\n`);
    return 2;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const out = await runCommandHook(Buffer.concat(chunks).toString('utf8'), loaded.config, loaded);
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

if (import.meta.main) {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`regent-claude-hook: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
