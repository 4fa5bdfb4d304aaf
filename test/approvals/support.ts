/**
 * A real regent for the approval tests: a copy of the real rego/ plus a company rule that
 * escalates every send to Slack, compiled by the real OPA toolchain, with tokens for an agent, an
 * approver, an operator and a credential named like the agent that also holds `approve`.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../src/config/load-config.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { makeToken, startSecureRegent, type SecureServer, type TestToken } from '../support/secure-regent.ts';

/** A rule that asks a person before anything is sent to Slack. */
export const REVIEW_RULE = `package regent.rules.review

import data.regent.request

_req := request.view(input)

escalate contains {
	"code": "rules.review.slack_post",
	"message": "A person reviews what agents post to Slack.",
	"details": {"channel": object.get(_req.resource, "id", "")},
} if {
	_req.kind == "send"
	_req.destination.system == "slack"
}
`;

/** The credentials the tests use. */
export const TOKENS = {
  agent: makeToken('agent-gateway', ['decide']),
  approver: makeToken('carol', ['approve']),
  operator: makeToken('ops', ['admin', 'approve', 'metrics']),
  /** A credential named as the agent: may approve in general, never its own requests. */
  agentApprover: makeToken('hr-assistant', ['decide', 'approve']),
};

/** A running regent with the review rule; `close()` removes its files. */
export interface ApprovalServer extends SecureServer {
  dir: string;
}

/** Starts regent on a copy of rego/ with the review rule. */
export async function startApprovalRegent(
  config: Partial<Config> = {},
  tokens: readonly TestToken[] = Object.values(TOKENS),
): Promise<ApprovalServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-approvals-'));
  const policies = path.join(dir, 'policies');
  await cp(path.join(REPO_ROOT, 'rego'), policies, { recursive: true });
  await mkdir(path.join(policies, 'regent/rules/review'), { recursive: true });
  await writeFile(path.join(policies, 'regent/rules/review/review.rego'), REVIEW_RULE);
  const server = await startSecureRegent({
    tokens,
    config: {
      policyDir: policies,
      policyOverlayDir: path.join(dir, 'overlay'),
      watchPolicies: false,
      approvalsPath: path.join(dir, 'approvals.jsonl'),
      ...config,
    },
  });
  return {
    ...server,
    dir,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The README's redact example: a staff list with salaries posted to #general. */
export function staffPost(text = 'staff list') {
  return {
    agent: { id: 'hr-assistant' },
    action: { tool: 'slack.post_message', kind: 'send', resource: { system: 'slack', id: '#general' } },
    data_flow: {
      sources: [{ system: 'workday', labels: ['pii', 'compensation'], classification: 'internal' }],
      destination: { system: 'slack', audience: 'all_employees' },
    },
    payload: {
      note: text,
      employees: [
        { name: 'Bob', title: 'Engineer', salary: 180000 },
        { name: 'Eve', title: 'Designer', salary: 170000, home_address: '1 Main St' },
      ],
    },
  };
}
