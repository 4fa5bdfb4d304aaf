/**
 * A real regent for the tool-path approval tests: a copy of the real rego/ plus a company rule
 * that sends every post to Slack to a person before it runs, compiled by the real OPA toolchain,
 * with the tokens of test/approvals/support.ts (the gateway's `decide`, carol's `approve`).
 *
 * The rule does not look at `phase`: the core reads a rule's escalation for the action only, so
 * the result of a post a person approved goes back to the agent (these tests check it does).
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegentClient } from '@regent/client';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import { TOKENS, type ApprovalServer } from '../approvals/support.ts';
import { startSecureRegent } from '../support/secure-regent.ts';
import { approverOf, type Approver } from './approver.ts';

/** The README's review rule. */
export const ACTION_REVIEW_RULE = `package regent.rules.review

import data.regent.request

_req := request.view(input)

escalate contains {"code": "rules.review.slack_post", "message": "A person reviews what agents post to Slack."} if {
	_req.kind == "send"
	_req.destination.system == "slack"
}
`;

/** Starts regent on a copy of rego/ with {@link ACTION_REVIEW_RULE}; `close()` removes its files. */
export async function startReviewRegent(): Promise<ApprovalServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-tool-approvals-'));
  const policies = path.join(dir, 'policies');
  await cp(path.join(REPO_ROOT, 'rego'), policies, { recursive: true });
  await mkdir(path.join(policies, 'regent/rules/review'), { recursive: true });
  await writeFile(path.join(policies, 'regent/rules/review/review.rego'), ACTION_REVIEW_RULE);
  const server = await startSecureRegent({
    tokens: Object.values(TOKENS),
    config: {
      policyDir: policies,
      policyOverlayDir: path.join(dir, 'overlay'),
      watchPolicies: false,
      approvalsPath: path.join(dir, 'approvals.jsonl'),
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

/** What an adapter's approval tests share: the review regent, the agent's client, its approver. */
export interface ReviewSuite {
  readonly regent: ApprovalServer;
  /** The gateway's `decide` client (token of the agent). */
  readonly client: RegentClient;
  readonly approver: () => Approver;
}

/** Starts a review regent and the agent's client before the describe block's tests, closes both after. */
export function reviewSuite(): ReviewSuite {
  let regent: ApprovalServer | undefined;
  let client: RegentClient | undefined;
  before(async () => {
    regent = await startReviewRegent();
    client = new RegentClient({ url: regent.url, token: TOKENS.agent.token, timeoutMs: 5000 });
  });
  after(async () => {
    client?.close();
    await regent?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the review regent is not started');
    return value;
  };
  return {
    get regent() {
      return started(regent);
    },
    get client() {
      return started(client);
    },
    approver: () => approverOf(started(regent)),
  };
}
