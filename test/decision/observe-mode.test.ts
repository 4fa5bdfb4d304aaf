/**
 * Observe mode per agent: what an observed agent's decisions are answered as, and which reason
 * codes the floor still enforces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { applyObserveMode, createObserveMetrics, observeSettingsOf } from '../../src/decision/observe-mode.ts';
import type { PolicyDecision } from '../../src/decision/policy-result.ts';

const data = {
  regent: {
    config: {
      agents: { 'new-agent': { roles: [], mode: 'observe' }, 'hr-assistant': { roles: [] } },
      observe: { enforce: ['flow.audience_not_cleared', 'detect.*'] },
    },
  },
};
const deny = (code: string): PolicyDecision => ({
  decision: 'deny',
  reasons: [{ code, message: code }],
  redactions: [],
});

describe('observe mode', () => {
  const settings = observeSettingsOf(data);
  const cases: { note: string; agent: string; result: PolicyDecision; want: string; observed: string | null }[] = [
    {
      note: 'an enforced agent is decided as the policy says',
      agent: 'hr-assistant',
      result: deny('role.tool_not_allowed'),
      want: 'deny',
      observed: null,
    },
    {
      note: 'an observed agent is allowed, and the deny is observed',
      agent: 'new-agent',
      result: deny('role.tool_not_allowed'),
      want: 'allow',
      observed: 'deny',
    },
    {
      note: 'a floor code is enforced even in observe mode',
      agent: 'new-agent',
      result: deny('flow.audience_not_cleared'),
      want: 'deny',
      observed: null,
    },
    {
      note: 'a floor family (detect.*) is enforced too',
      agent: 'new-agent',
      result: deny('detect.secret_to_public'),
      want: 'deny',
      observed: null,
    },
    {
      note: 'a redaction is observed, not applied',
      agent: 'new-agent',
      result: {
        decision: 'redact',
        reasons: [{ code: 'flow.redacted_label', message: 'x' }],
        redactions: [{ path: '/payload/a', reason: 'x' }],
      },
      want: 'allow',
      observed: 'redact',
    },
    {
      note: 'an allow is an allow with nothing observed',
      agent: 'new-agent',
      result: { decision: 'allow', reasons: [], redactions: [] },
      want: 'allow',
      observed: null,
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      const out = applyObserveMode(c.result, c.agent, settings);
      assert.equal(out.result.decision, c.want);
      assert.equal(out.observed?.decision ?? null, c.observed);
      if (out.observed !== undefined) {
        assert.deepEqual(out.observed.reasons, c.result.reasons);
        assert.deepEqual(out.result.redactions, []);
      }
    });
  }

  it('keeps the policy session effects of an observed decision', () => {
    const result: PolicyDecision = { ...deny('x.y'), session: { add_labels: ['pii'], declassify: [] } };
    assert.deepEqual(applyObserveMode(result, 'new-agent', settings).result.session, result.session);
  });

  it('counts observed decisions under a closed label', async () => {
    const registry = new Registry();
    createObserveMetrics(registry).labels('deny').inc();
    assert.match(await registry.metrics(), /regent_observed_decisions_total\{decision="deny"\} 1/);
  });
});
