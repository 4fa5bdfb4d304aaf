/**
 * Observe mode per agent, the way AppArmor's complain mode and AgentCore's LOG_ONLY let a new
 * agent run while its policy is learned: the catalogue puts an agent in observe mode with
 * `agents.<id>.mode: "observe"`, and `observe.enforce` names the reason codes still enforced for
 * it (a floor: `flow.audience_not_cleared`, or a family as `detect.*`). An observed decision is
 * computed, recorded and answered as allow, carrying what the policy would have answered
 * (`observed: {decision, reasons}`); one with a floor reason is answered as decided.
 *
 * Only the policy's answer is observed: a fail-closed deny (store down, evaluation error, audit
 * unavailable, an inactive principal) stays a deny, since nobody decided it.
 *
 * Wiring (src/decision/decision-service.ts): apply {@link applyObserveMode} to the policy's
 * result right after evaluation, before session effects (the action happens, so the session is
 * tainted as for an allow); copy `observed` to the response, the audit record, the decision log
 * line and `regent_observed_decisions_total{decision}` ({@link createObserveMetrics}).
 */
import { Counter, type Registry } from 'prom-client';
import type { PolicyDecision, Reason } from './policy-result.ts';

/** What the policy would have answered for an observed agent. */
export interface Observed {
  decision: Exclude<PolicyDecision['decision'], 'allow'>;
  reasons: Reason[];
}

/** Observe-mode settings of one revision's catalogue. */
export interface ObserveSettings {
  /** Agents in observe mode. */
  readonly agents: ReadonlySet<string>;
  /** Reason codes enforced even for them (exact codes). */
  readonly enforce: ReadonlySet<string>;
  /** Reason-code families enforced even for them (`detect.*` -> `detect.`). */
  readonly enforcePrefixes: readonly string[];
}

const byData = new WeakMap<object, ObserveSettings>();

/** The observe-mode settings of a revision's data (`data.regent.config`), parsed once per data object. */
export function observeSettingsOf(data: Record<string, unknown>): ObserveSettings {
  let settings = byData.get(data);
  if (settings === undefined) {
    const config = record(record(data['regent'])['config']);
    const agents = new Set<string>();
    for (const [id, spec] of Object.entries(record(config['agents'])))
      if (record(spec)['mode'] === 'observe') agents.add(id);
    const floor = record(config['observe'])['enforce'];
    const codes = Array.isArray(floor) ? floor.filter((c): c is string => typeof c === 'string') : [];
    settings = {
      agents,
      enforce: new Set(codes.filter((c) => !c.endsWith('.*'))),
      enforcePrefixes: codes.filter((c) => c.endsWith('.*')).map((c) => c.slice(0, -1)),
    };
    byData.set(data, settings);
  }
  return settings;
}

/**
 * The result to answer for `agentId`: unchanged for an enforced agent, an allow, or a decision
 * with a floor reason; otherwise an allow (with the policy's session effects) and what was observed.
 */
export function applyObserveMode(
  result: PolicyDecision,
  agentId: string,
  settings: ObserveSettings,
): { result: PolicyDecision; observed?: Observed } {
  if (!settings.agents.has(agentId) || result.decision === 'allow') return { result };
  const floor = result.reasons.some(
    (r) => settings.enforce.has(r.code) || settings.enforcePrefixes.some((p) => r.code.startsWith(p)),
  );
  if (floor) return { result };
  const allowed: PolicyDecision = { decision: 'allow', reasons: [], redactions: [] };
  if (result.session !== undefined) allowed.session = result.session;
  return { result: allowed, observed: { decision: result.decision, reasons: result.reasons } };
}

/** The decisions observe mode answered as allow, by what the policy would have answered (closed set). */
export function createObserveMetrics(registry: Registry): Counter<'decision'> {
  return new Counter({
    name: 'regent_observed_decisions_total',
    help: 'Decisions of agents in observe mode answered as allow, by what the policy would have answered.',
    labelNames: ['decision'],
    registers: [registry],
  });
}

function record(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}
