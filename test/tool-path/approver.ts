/**
 * A person with the `approve` scope, for the tool-path tests: finds the pending approval request
 * of an action by a text its payload carries (polling regent's queue, as the console does), and
 * approves or rejects it through regent's real approvals API while an adapter waits.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOKENS, type ApprovalServer } from '../approvals/support.ts';

/** What the tests do as the approver `carol`. */
export interface Approver {
  /** The id of the pending request whose payload holds the string `text` (waits until there is one). */
  pendingFor(text: string): Promise<string>;
  approve(id: string, reason: string): Promise<void>;
  reject(id: string, reason: string): Promise<void>;
  /** Where the request stands, as the approvals API shows it. */
  state(id: string): Promise<string>;
}

/** The approver of `regent` (started by startApprovalRegent). */
export function approverOf(regent: ApprovalServer): Approver {
  const as = (method: string, p: string, body?: unknown) =>
    regent.request(method, p, { token: TOKENS.approver.token, ...(body === undefined ? {} : { body }) });
  return {
    async pendingFor(text) {
      const needle = JSON.stringify(text);
      // Bounded only so a broken adapter fails the test instead of hanging it; never a timing assertion.
      for (let i = 0; i < 6000; i++) {
        const page = await as('GET', '/v1/approvals?state=pending&limit=200');
        assert.equal(page.status, 200, page.text);
        const found = (page.body.approvals as { id: string; action: { payload?: unknown } }[]).find((a) =>
          JSON.stringify(a.action.payload ?? null).includes(needle),
        );
        if (found !== undefined) return found.id;
        await sleep(10);
      }
      throw new Error(`no pending approval request holds ${needle}`);
    },
    async approve(id, reason) {
      const res = await as('POST', `/v1/approvals/${id}/approve`, { reason });
      assert.equal(res.status, 200, res.text);
    },
    async reject(id, reason) {
      const res = await as('POST', `/v1/approvals/${id}/reject`, { reason });
      assert.equal(res.status, 200, res.text);
    },
    async state(id) {
      const res = await as('GET', `/v1/approvals/${id}`);
      assert.equal(res.status, 200, res.text);
      return res.body.approval.state as string;
    },
  };
}
