/**
 * @regent/client keeps the server's contract: its request types have exactly the fields, the
 * optionality and the enums of the server's JSON schemas (read with the TypeScript compiler from
 * the package's source, which may not import the server), its answer types are the server's, and
 * it talks to a real regent.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';
import {
  ACTION_KINDS as CLIENT_KINDS,
  RegentClient,
  type ApprovalStatus,
  type Decision,
  type DecisionRequest as ClientRequest,
  type ResultDecision,
  type ResultRequest as ClientResultRequest,
} from '@regent/client';
import {
  ACTION_KINDS,
  DECISION_REQUEST_SCHEMA,
  RESULT_REQUEST_SCHEMA,
  type DecisionRequest,
  type ResultRequest,
} from '../../src/decision/decision-request.ts';
import type { DecisionResponse, ResultResponse } from '../../src/decision/decision-service.ts';
import type { ApprovalStatusView } from '../../src/http/routes/approvals.ts';
import { TOKENS, startApprovalRegent, staffPost, type ApprovalServer } from '../approvals/support.ts';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

// Compile-time half: the request types are the server's, both ways; a server answer is a client answer.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameRequest: Same<ClientRequest, DecisionRequest> = true;
const sameResultRequest: Same<ClientResultRequest, ResultRequest> = true;
const answerFits: [DecisionResponse] extends [Decision] ? true : false = true;
const resultFits: [ResultResponse] extends [ResultDecision] ? true : false = true;
const sameStatus: Same<ApprovalStatus, ApprovalStatusView> = true;

/** `path?` lines for every property a JSON schema allows, `path=a|b` for enums. */
function schemaShape(schema: any, at = ''): string[] {
  if (schema.enum !== undefined) return [`${at}=${[...schema.enum].sort().join('|')}`];
  if (schema.type === 'array') return schemaShape(schema.items, `${at}[]`);
  if (schema.type !== 'object' || schema.properties === undefined) return [];
  const required = new Set<string>(schema.required ?? []);
  return Object.entries(schema.properties).flatMap(([k, v]) => [
    `${at}/${k}${required.has(k) ? '' : '?'}`,
    ...schemaShape(v, `${at}/${k}`),
  ]);
}

/** The same lines for a TypeScript interface of the client package. */
function typeShape(name: string): string[] {
  const file = path.resolve(import.meta.dirname, '../../packages/client/src/types.ts');
  const program = ts.createProgram([file], { strict: true, exactOptionalPropertyTypes: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const symbol = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((s) => s.name === name)!;
  const walk = (type: ts.Type, at: string, depth: number): string[] => {
    const t = checker.getNonNullableType(type);
    if (depth > 6 || t.flags & ts.TypeFlags.Unknown) return [];
    if (t.isUnion() && t.types.every((u) => u.isStringLiteral()))
      return [
        `${at}=${t.types
          .map((u) => u.value)
          .sort()
          .join('|')}`,
      ];
    if (checker.isArrayType(t)) return walk(checker.getTypeArguments(t as ts.TypeReference)[0]!, `${at}[]`, depth + 1);
    if (!(t.flags & ts.TypeFlags.Object) || checker.getIndexInfosOfType(t).length > 0) return [];
    return checker
      .getPropertiesOfType(t)
      .flatMap((p) => [
        `${at}/${p.name}${p.flags & ts.SymbolFlags.Optional ? '?' : ''}`,
        ...walk(checker.getTypeOfSymbol(p), `${at}/${p.name}`, depth + 1),
      ]);
  };
  return walk(checker.getDeclaredTypeOfSymbol(symbol), '', 0);
}

describe('@regent/client and the server contract', () => {
  it('has the same action kinds', () => {
    assert.deepEqual([...CLIENT_KINDS], [...ACTION_KINDS]);
    assert.ok(sameRequest && sameResultRequest && answerFits && resultFits && sameStatus);
  });

  it('types a decision request with the fields of the server schema', () => {
    assert.deepEqual(typeShape('DecisionRequest').sort(), schemaShape(DECISION_REQUEST_SCHEMA).sort());
  });

  it('types a result request with the fields of the server schema', () => {
    assert.deepEqual(typeShape('ResultRequest').sort(), schemaShape(RESULT_REQUEST_SCHEMA).sort());
  });
});

describe('@regent/client against a real regent', () => {
  let server: TestServer;
  let client: RegentClient;
  before(async () => {
    server = await startRegent({ bundlePath: (await regoBundle()).file });
    client = new RegentClient({ url: server.url });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  const agent = { id: 'hr-assistant' };

  it('gets allow, deny and redact, each with its decision id and request id', async () => {
    const read = await client.decide(
      {
        agent,
        action: { tool: 'workday.read_employee', kind: 'read', resource: { id: 'emp-42' } },
        session: { id: 'c-1' },
      },
      { requestId: 'client-test-1' },
    );
    assert.equal(read.decision, 'allow');
    assert.equal(read.request_id, 'client-test-1');
    assert.match(read.decision_id ?? '', /^[0-9a-f-]{36}$/);
    const post = await client.decide({
      agent,
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      payload: { text: 'Bob earns 180000' },
      session: { id: 'c-1' },
    });
    assert.equal(post.decision, 'deny');
    assert.equal(post.reasons[0]?.code, 'flow.audience_not_cleared');
    const redact = await client.decide({
      agent,
      action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
      data_flow: { sources: [{ system: 'workday', labels: ['compensation'], classification: 'internal' }] },
      payload: { employees: [{ name: 'Bob', salary: 1 }] },
    });
    assert.equal(redact.decision, 'redact');
    assert.deepEqual(redact.payload, { employees: [{ name: 'Bob', salary: '[REDACTED]' }] });
  });

  it('decides a batch in order', async () => {
    const [a, b] = await client.decideBatch([
      { agent, action: { tool: 'workday.read_employee', kind: 'read' } },
      { agent: { id: 'nobody' }, action: { tool: 'workday.read_employee', kind: 'read' } },
    ]);
    assert.equal(a?.decision, 'allow');
    assert.equal(b?.decision, 'deny');
  });

  it('passes a tool result through the result phase, linked to its decision', async () => {
    const action = { tool: 'workday.read_employee', kind: 'read' as const, resource: { id: 'emp-7' } };
    const pre = await client.decide({ agent, action, session: { id: 'c-2' } });
    const res = await client.checkResult({
      agent,
      action,
      session: { id: 'c-2' },
      decision_id: pre.decision_id!,
      result: { name: 'Bob', title: 'Engineer' },
    });
    assert.notEqual(res.fail_closed, true, JSON.stringify(res));
    assert.ok(res.decision === 'allow' || res.decision === 'redact');
  });

  it('denies with client.http_error on a request regent refuses (400)', async () => {
    const d = await client.decide({ agent, action: { tool: 'bad tool name', kind: 'read' } });
    assert.equal(d.decision, 'deny');
    assert.deepEqual(d.reasons[0]?.details, { status: 400, regent_code: 'invalid_parameter' });
  });
});

describe('@regent/client waiting for a person, against a real regent', () => {
  let server: ApprovalServer;
  let client: RegentClient;
  before(async () => {
    server = await startApprovalRegent();
    client = new RegentClient({ url: server.url, token: TOKENS.agent.token });
  });
  after(async () => {
    client.close();
    await server.close();
  });
  const approve = (id: string, reason: string) =>
    server.request('POST', `/v1/approvals/${id}/approve`, { token: TOKENS.approver.token, body: { reason } });

  it('reads the status with the agent credential, waits for the approval, and the re-ask uses it once', async () => {
    const request = staffPost('client contract') as ClientRequest;
    const escalated = await client.decide(request);
    assert.equal(escalated.decision, 'escalate', JSON.stringify(escalated));
    const id = escalated.approval!.id;
    const read = await client.approvalStatus(id);
    assert.deepEqual(read, { ok: true, status: { id, state: 'pending', expires_at: escalated.approval!.expires_at } });

    const controller = new AbortController();
    const waiting = client.decideAfterApproval(request, escalated, {
      deadlineMs: 120_000,
      intervalMs: 20,
      signal: controller.signal,
    });
    // The approver decides while the client waits; only the re-ask's answer counts.
    const ok = await approve(id, 'staff list without pay');
    assert.equal(ok.status, 200, ok.text);
    const after = await waiting;
    assert.equal(after.decision, 'redact', JSON.stringify(after));
    assert.equal(after.reasons[0]?.code, 'escalate.approved');
    assert.deepEqual([after.approval?.id, after.approval?.state], [id, 'used']);
    assert.equal((await client.decide(request)).decision, 'escalate', 'used once: the next ask is a new request');
  });

  it('ends the wait as unknown, never approved, for a request regent does not know', async () => {
    const escalated = await client.decide(staffPost('unknown id') as ClientRequest);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const forged = { ...escalated, approval: { ...escalated.approval!, id: unknown } };
    const wait = await client.waitForApproval(forged, { deadlineMs: 60_000 });
    assert.deepEqual([wait.state, wait.ended], ['unknown', 'error']);
    assert.match(wait.error ?? '', /404/);
  });
});
