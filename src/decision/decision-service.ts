/**
 * Decides one agent action: session state and activity in, policy evaluation on one revision,
 * redaction, session effects committed with optimistic concurrency, a durable audit record, then
 * the answer. Every failure on the way is a deny with a reason code (fail closed), counted in
 * metrics and logged; none is ever an allow.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PolicyEvaluationError, describeThrown } from '../errors/policy-errors.ts';
import { NotReadyError } from '../errors/regent-error.ts';
import type { DecisionLogSink } from '../observability/decision-logs/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { DecisionSpan, DecisionTracing } from '../observability/tracing/index.ts';
import { reasonClass, type Metrics } from '../observability/metrics.ts';
import type { ActivePolicy, PolicyStore } from '../policy/policy-store.ts';
import { buildInput, highestClassification, isRestrictedRead, type DetectedItem } from './build-input.ts';
import type { DecisionRequest, ResultRequest } from './decision-request.ts';
import { toPolicyDecision, type PolicyDecision, type Reason, type Redaction } from './policy-result.ts';
import type {
  ActivityPort,
  ActivityReservation,
  ApprovalPort,
  ApprovalRefView,
  AuditPort,
  EscalationOutcome,
  DecisionAuditRecord,
  ResourceTaintPort,
  SessionPort,
  SessionUpdate,
  SessionView,
} from './ports.ts';
import { catalogueOf, rank, type Catalogue } from '../catalogue/catalogue.ts';
import { readTarget, resolveRequest, writeTarget, type PrincipalDirectory } from '../catalogue/resolve.ts';
import { applyObserveMode, createObserveMetrics, observeSettingsOf, type Observed } from './observe-mode.ts';
import { integrityCatalogueOf, type IntegrityCatalogue } from '../integrity/catalogue.ts';
import { argumentProvenance, outputTaint, type OutputTaint } from '../integrity/provenance.ts';

/** Facts about a request that only regent's own HTTP layer can supply (never the request body). */
export interface RequestFacts {
  /** `agent.on_behalf_of` was replaced from a verified token (src/identity). */
  principalVerified?: boolean;
  /** `result`: deciding what a tool returned before the agent sees it (POST /v1/results). */
  phase?: 'action' | 'result';
  /** The pre-call decision a result belongs to, for the audit trail. */
  parentDecisionId?: string;
  /** The authenticated caller (token id or certificate CN); an approval request names it as the asker. */
  caller?: { id: string; auth: 'bearer' | 'mtls' | null };
}

/** The entrypoint that answers decisions. */
export const DECISION_ENTRYPOINT = 'regent/decision';

/** Finds secrets and personal data in a payload and applies redactions (src/decision/redaction). */
export interface RedactionPort {
  /** Findings, and whether the scan covered the whole payload (false when its limits cut it short). */
  detect(payload: unknown): { detected: DetectedItem[]; complete: boolean };
  redact(payload: unknown, redactions: readonly Redaction[]): { payload: unknown; applied: string[] };
}

/** An answered decision, offered to shadow mode (src/policy/shadow.ts) after the response. */
export interface ShadowOffer {
  decisionId: string;
  revision: string;
  /** The exact policy input the active revision evaluated (held in memory only, never logged). */
  inputJson: string;
  /** What the active revision answered (an escalation stays `escalate`, whatever its approval). */
  decision: 'allow' | 'deny' | 'redact' | 'escalate';
  reasonCodes: string[];
  redactedPaths: string[];
}

/** Receives answered decisions for a candidate revision; `offer` must not block or throw. */
export interface ShadowPort {
  offer(event: ShadowOffer): void;
}

/** What a decision answers over HTTP. */
export interface DecisionResponse {
  decision_id: string;
  decision: 'allow' | 'deny' | 'redact' | 'escalate';
  reasons: Reason[];
  redactions: { path: string; reason: string }[];
  payload?: unknown;
  /** The approval request of an escalated action: on `escalate`, and on the answer its approval (or rejection or expiry) gave. */
  approval?: ApprovalRefView;
  /** An agent in observe mode: what the policy would have answered (this answer is an allow). */
  observed?: { decision: 'deny' | 'redact' | 'escalate'; reasons: Reason[] };
  policy: { revision: string | null };
}

/** What the result phase answers: the output to pass on (when redacted), or why it is withheld. */
export interface ResultResponse {
  decision_id: string;
  decision: 'allow' | 'deny' | 'redact';
  reasons: Reason[];
  redactions: { path: string; reason: string }[];
  /** The redacted output, on `redact`; on `allow` the original passes, on `deny` nothing does. */
  result?: unknown;
  policy: { revision: string | null };
}

/** Everything a decision depends on. */
export interface DecisionDeps {
  policies: PolicyStore;
  sessions: SessionPort;
  activity?: ActivityPort;
  /** Resource taint (what writes left on a doc or channel); without it, reads carry only the catalogue's labels. */
  taint?: ResourceTaintPort;
  audit?: AuditPort;
  redaction: RedactionPort;
  metrics: Metrics;
  logger: Logger;
  logPayloads: boolean;
  decisionLog: boolean;
  /** Re-evaluations allowed when the session changed under a decision. */
  maxSessionRetries?: number;
  /** Shadow mode: told about every decision the policy answered, after the answer is final. */
  shadow?: ShadowPort;
  /** Put the policy input, minus `payload`, in decision records (for regent replay). */
  logInputs?: boolean;
  /** Spans for each decision and its stages (src/observability/tracing); absent: tracing is off. */
  tracing?: DecisionTracing;
  /** OPA-format decision events (src/observability/decision-logs); absent: off. Never blocks or throws. */
  decisionEvents?: DecisionLogSink;
  /** The SCIM principal directory (src/directory), consulted before the catalogue's; absent: off. */
  directory?: { current(request: DecisionRequest): Promise<PrincipalDirectory> };
  /** Human approval of escalated actions (src/approvals); absent: an escalation is denied. */
  approvals?: ApprovalPort;
}

/** A deny caused by a failure, not by policy. */
class FailClosed extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

const SESSION_UNAVAILABLE = 'session.store_unavailable';
// Resource taint and activity live in the same flow store as sessions (memory or Redis), so their
// outage has the session store's reason code: one dependency down, one code to alert on.
const TAINT_UNAVAILABLE = SESSION_UNAVAILABLE;
const ACTIVITY_UNAVAILABLE = SESSION_UNAVAILABLE;

/** What a decision has resolved and reserved so far. */
interface DecisionContext {
  /** The request with the trust rule applied (the request itself until then). */
  resolved: DecisionRequest;
  reservation: ActivityReservation | undefined;
  /** The decision's span, when tracing is on and the trace is sampled. */
  span: DecisionSpan | undefined;
  decisionId: string;
  /** What the policy would have answered an agent in observe mode, when it was not an allow. */
  observed?: Observed | undefined;
  /** Where an escalation stands, once asked (a session-conflict retry must not ask again: it may have used the approval). */
  escalation?: EscalationOutcome;
}

/** Decides agent actions. */
export class DecisionService {
  private readonly deps: DecisionDeps;
  private readonly observedDecisions: ReturnType<typeof createObserveMetrics>;

  constructor(deps: DecisionDeps) {
    this.deps = deps;
    this.observedDecisions = createObserveMetrics(deps.metrics.registry);
  }

  /** Decides one request; throws only {@link NotReadyError} (no policy loaded yet). */
  async decide(request: DecisionRequest, log: Logger, facts: RequestFacts = {}): Promise<DecisionResponse> {
    const started = process.hrtime.bigint();
    const lease = this.deps.policies.acquire();
    if (lease === undefined) throw new NotReadyError('no policy revision is loaded yet');
    try {
      return await this.decideOn(lease.policy, request, log, started, facts);
    } finally {
      lease.release();
    }
  }

  /**
   * The result phase: decides what a tool returned before the agent sees it. The output is the
   * payload of a read by the same agent, tool and session: detectors scan it, the catalogue
   * labels it, the policy may redact what the principal may not see or withhold it, and the
   * session is tainted by what came back. Audited as a step of its own, linked to the pre-call
   * decision. Redaction paths point into `/result`.
   */
  async decideResult(request: ResultRequest, log: Logger, facts: RequestFacts = {}): Promise<ResultResponse> {
    const asAction: DecisionRequest = { agent: request.agent, action: request.action, payload: request.result };
    if (request.session !== undefined) asAction.session = request.session;
    if (request.context !== undefined) asAction.context = request.context;
    const answer = await this.decide(asAction, log, {
      ...facts,
      phase: 'result',
      ...(request.decision_id === undefined ? {} : { parentDecisionId: request.decision_id }),
    });
    const toResult = (path: string) => (path.startsWith('/payload') ? `/result${path.slice('/payload'.length)}` : path);
    const response: ResultResponse = {
      decision_id: answer.decision_id,
      // The result phase never escalates (escalate() denies there); the narrowing keeps it so.
      decision: answer.decision === 'escalate' ? 'deny' : answer.decision,
      reasons: answer.reasons,
      redactions: answer.redactions.map((r) => ({ path: toResult(r.path), reason: r.reason })),
      policy: answer.policy,
    };
    if (answer.decision === 'redact') response.result = answer.payload;
    return response;
  }

  /**
   * Decides a batch on one revision. Requests of one session are decided in order, so each sees
   * the effects of the ones before it; different sessions (and session-less requests) run
   * concurrently. Answers come back in request order.
   */
  async decideBatch(
    requests: readonly DecisionRequest[],
    log: Logger,
    facts: RequestFacts = {},
  ): Promise<DecisionResponse[]> {
    const lease = this.deps.policies.acquire();
    if (lease === undefined) throw new NotReadyError('no policy revision is loaded yet');
    try {
      const results: DecisionResponse[] = new Array<DecisionResponse>(requests.length);
      const lanes = new Map<string, number[]>();
      requests.forEach((request, index) => {
        const lane = request.session === undefined ? `#${index}` : `s:${request.session.id}`;
        const list = lanes.get(lane);
        if (list === undefined) lanes.set(lane, [index]);
        else list.push(index);
      });
      await Promise.all(
        [...lanes.values()].map(async (indexes) => {
          for (const i of indexes)
            results[i] = await this.decideOn(
              lease.policy,
              requests[i] as DecisionRequest,
              log,
              process.hrtime.bigint(),
              facts,
            );
        }),
      );
      return results;
    } finally {
      lease.release();
    }
  }

  /** Decides on one revision, held for the whole decision. */
  private async decideOn(
    active: ActivePolicy,
    request: DecisionRequest,
    log: Logger,
    started: bigint,
    facts: RequestFacts,
  ): Promise<DecisionResponse> {
    const decisionId = randomUUID();
    const sessionId = request.session?.id ?? null;
    // Filled in as the decision goes, so a failure part-way still settles what was reserved.
    const ctx: DecisionContext = {
      resolved: request,
      reservation: undefined,
      span: this.deps.tracing?.begin(log),
      decisionId,
    };

    let outcome: {
      result: PolicyDecision;
      digest: string;
      session: SessionView | undefined;
      detected: DetectedItem[];
      json?: string;
    };
    let failure: FailClosed | undefined;
    let payload: unknown;
    try {
      outcome = await this.evaluateWithSession(request, active, sessionId, facts, ctx);
      ctx.span?.leave();
      if (outcome.result.decision === 'redact') {
        try {
          ({ payload } = this.deps.redaction.redact(request.payload, outcome.result.redactions));
        } catch (err) {
          throw new FailClosed('redaction.failed', 'the requested redactions could not be applied', err);
        }
      }
    } catch (err) {
      failure =
        err instanceof FailClosed
          ? err
          : new FailClosed('policy.evaluation_error', 'unexpected failure while deciding', err);
      ctx.span?.leave(failure.code);
      outcome = {
        result: { decision: 'deny', reasons: [], redactions: [] },
        digest: digestOf(request),
        session: undefined,
        detected: [],
      };
    }

    let response = this.respond(decisionId, active, outcome.result, failure, payload);
    if (failure === undefined && ctx.escalation !== undefined) response.approval = ctx.escalation.approval;
    if (failure === undefined && ctx.observed !== undefined) {
      response.observed = { decision: ctx.observed.decision, reasons: ctx.observed.reasons };
      this.observedDecisions.labels(ctx.observed.decision).inc();
    }
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (this.deps.audit !== undefined) {
      ctx.span?.stage('audit');
      try {
        await this.deps.audit.appendDecision(
          this.auditRecord(decisionId, ctx.resolved, response, outcome, latencyMs, facts),
        );
        ctx.span?.leave();
      } catch (err) {
        failure = new FailClosed(
          'audit.unavailable',
          'the audit trail cannot be written; no decision is answered unrecorded',
          err,
        );
        ctx.span?.leave(failure.code);
        response = this.respond(
          decisionId,
          active,
          { decision: 'deny', reasons: [], redactions: [] },
          failure,
          undefined,
        );
      }
    }
    await this.settleActivity(ctx, request, response, failure !== undefined, log);
    this.observe(response, failure, started, log, request, outcome, latencyMs, facts);
    ctx.span?.end(response, failure?.code);
    if (this.deps.shadow !== undefined && failure === undefined && outcome.json !== undefined) {
      this.deps.shadow.offer({
        decisionId,
        revision: active.revision,
        inputJson: outcome.json,
        decision: ctx.escalation === undefined ? response.decision : 'escalate',
        reasonCodes: response.reasons.map((r) => r.code),
        redactedPaths: response.redactions.map((r) => r.path),
      });
    }
    return response;
  }

  /**
   * Applies the trust rule (src/catalogue/resolve.ts), reserves activity, loads session state,
   * evaluates, commits session effects (retrying on a concurrent change) and records what a write
   * leaves on its resource.
   */
  private async evaluateWithSession(
    request: DecisionRequest,
    active: ActivePolicy,
    sessionId: string | null,
    facts: RequestFacts,
    ctx: DecisionContext,
  ) {
    ctx.span?.stage('input');
    const catalogue = catalogueOf(active.bundle.data);
    // Which agent is asking is the caller's word; the registry may name the authenticated callers
    // (token ids, certificate CNs) that may say it. Without authentication nobody is one of them.
    const callers = catalogue.agentCallers.get(request.agent.id);
    const caller = facts.caller === undefined || facts.caller.auth === null ? undefined : facts.caller.id;
    if (callers !== undefined && (caller === undefined || !callers.has(caller)))
      throw new FailClosed(
        'agent.caller_not_bound',
        caller === undefined
          ? `agent ${request.agent.id} is decided only for the authenticated callers its registry entry names, and this caller is not authenticated`
          : `caller ${caller} may not decide for agent ${request.agent.id}: its registry entry names the callers that may`,
      );
    const target = readTarget(request, catalogue);
    let taint;
    try {
      if (target !== null && this.deps.taint !== undefined) taint = await this.deps.taint.get(target.system, target.id);
    } catch (err) {
      throw new FailClosed(TAINT_UNAVAILABLE, 'what earlier writes left on this resource cannot be read', err);
    }
    let directory: PrincipalDirectory | undefined;
    try {
      directory = await this.deps.directory?.current(request);
    } catch (err) {
      throw new FailClosed('directory.unavailable', 'the principal directory cannot be read', err);
    }
    const { request: resolved, trust } = resolveRequest(request, catalogue, {
      ...(facts.principalVerified === undefined ? {} : { principalVerified: facts.principalVerified }),
      ...(facts.phase === undefined ? {} : { phase: facts.phase }),
      taint,
      directory,
    });
    ctx.resolved = resolved;
    // A deactivated or deleted user is nobody's principal, whatever token or word names them.
    if (trust.principal?.active === false)
      throw new FailClosed(
        'principal.inactive',
        'the principal this agent acts for is deactivated or deleted in the directory',
      );
    let activity: Record<string, unknown> | undefined;
    // A result is the second half of an action already counted, not another action.
    if (this.deps.activity !== undefined && facts.phase !== 'result') {
      try {
        ctx.reservation = await this.deps.activity.reserve(
          { agent: request.agent.id, session: sessionId, principal: resolved.agent.on_behalf_of?.id ?? null },
          {
            restrictedRead: isRestrictedRead(resolved, active.bundle.data),
            system: resolved.action.resource?.system ?? resolved.data_flow?.destination?.system ?? null,
          },
        );
        activity = ctx.reservation.activity;
      } catch (err) {
        throw new FailClosed(
          ACTIVITY_UNAVAILABLE,
          'activity counters cannot be updated; actions they limit are denied',
          err,
        );
      }
    }
    let detected: DetectedItem[] = [];
    let complete = true;
    try {
      if (request.payload !== undefined) ({ detected, complete } = this.deps.redaction.detect(request.payload));
    } catch (err) {
      throw new FailClosed('detect.failed', 'the payload could not be scanned for secrets and personal data', err);
    }
    for (const d of detected) this.deps.metrics.detections.labels(d.type).inc();
    const retries = this.deps.maxSessionRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let loaded: Awaited<ReturnType<SessionPort['load']>> | undefined;
      ctx.span?.stage('session.load');
      try {
        if (sessionId !== null) loaded = await this.deps.sessions.load(sessionId);
      } catch (err) {
        throw new FailClosed(
          SESSION_UNAVAILABLE,
          'session state is unavailable; actions that depend on it are denied',
          err,
        );
      }
      ctx.span?.stage('evaluate');
      const input = buildInput(resolved, loaded?.view, { detected, complete }, activity, trust, facts.phase);
      // Integrity taint (src/integrity): where a consequential action's decisive arguments came from.
      const integrity =
        facts.phase === 'result'
          ? undefined
          : argumentProvenance(request.action.tool, request.payload, loaded?.values, integrityOf(active));
      if (integrity !== undefined) input['integrity'] = integrity;
      const json = JSON.stringify(input);
      let result = await this.evaluate(active, json, request.agent.id);
      // Observe mode (src/decision/observe-mode.ts): an observed agent's deny, redact or escalate is
      // answered as allow, with what the policy said, except the reasons its floor still enforces.
      const watched = applyObserveMode(result, request.agent.id, observeSettingsOf(active.bundle.data));
      result = watched.result;
      ctx.observed = watched.observed;
      if (result.decision === 'escalate') result = await this.escalate(request, result, active, facts, ctx);
      const digest = createHash('sha256').update(json).digest('hex');
      if (result.decision === 'deny' || result.decision === 'escalate')
        return { result, digest, session: loaded?.view, detected, json };
      ctx.span?.stage('session.commit');
      const update =
        facts.phase === 'result'
          ? withOutputTaint(
              withSeenLabels(sessionUpdate(resolved, result, catalogue), detected, result, catalogue),
              outputTaint(request.action.tool, request.payload, integrityOf(active)),
            )
          : sessionUpdate(resolved, result, catalogue);
      if (loaded === undefined || sessionId === null) {
        if (facts.phase !== 'result') await this.leaveTaint(resolved, catalogue, update, undefined, detected);
        return { result, digest, session: loaded?.view, detected, json };
      }
      let committed: boolean;
      try {
        committed = await this.deps.sessions.commit(sessionId, loaded.version, update);
      } catch (err) {
        throw new FailClosed(
          SESSION_UNAVAILABLE,
          'session state is unavailable; actions that depend on it are denied',
          err,
        );
      }
      if (committed) {
        if (facts.phase !== 'result') await this.leaveTaint(resolved, catalogue, update, loaded.view, detected);
        return { result, digest, session: loaded.view, detected, json };
      }
      this.deps.metrics.sessionConflicts.inc();
      if (attempt >= retries)
        throw new FailClosed('session.conflict', 'the session kept changing during the decision; try again');
    }
  }

  /**
   * The policy escalated: asks the approvals where this exact action stands (once per decision).
   * Waiting stays `escalate`; an approval just used becomes the allow or redact it stood for; a
   * rejection or expiry is a deny the agent can read. A result (what a tool returned) cannot wait
   * for a person, so there an escalation is a deny.
   */
  private async escalate(
    request: DecisionRequest,
    result: PolicyDecision,
    active: ActivePolicy,
    facts: RequestFacts,
    ctx: DecisionContext,
  ): Promise<PolicyDecision> {
    if (facts.phase === 'result') return { decision: 'deny', reasons: result.reasons, redactions: [] };
    if (this.deps.approvals === undefined)
      throw new FailClosed(
        'approval.store_unavailable',
        'no approval store is configured; escalated actions are denied',
      );
    try {
      ctx.escalation ??= await this.deps.approvals.escalate({
        request,
        decisionId: ctx.decisionId,
        reasons: result.reasons,
        revision: active.revision,
        requestedBy: facts.caller === undefined || facts.caller.auth === null ? null : facts.caller,
      });
    } catch (err) {
      const code =
        (err as { code?: unknown }).code === 'audit.unavailable' ? 'audit.unavailable' : 'approval.store_unavailable';
      throw new FailClosed(code, 'the approval of this escalated action cannot be recorded or read', err);
    }
    return escalationResult(result, ctx.escalation);
  }

  /** Runs the policy on one revision; every failure becomes a FailClosed with the engine's reason code. */
  private async evaluate(active: ActivePolicy, json: string, agentId: string): Promise<PolicyDecision> {
    const end = this.deps.metrics.evaluationDuration.startTimer();
    try {
      return toPolicyDecision(await active.evaluator.evaluate(DECISION_ENTRYPOINT, json, undefined, agentId));
    } catch (err) {
      const code = err instanceof PolicyEvaluationError ? err.reasonCode : 'policy.evaluation_error';
      this.deps.metrics.evaluationErrors.labels(code).inc();
      throw new FailClosed(code, 'the policy could not decide this action, so it is denied', err);
    } finally {
      end();
    }
  }

  private respond(
    decisionId: string,
    active: ActivePolicy,
    result: PolicyDecision,
    failure: FailClosed | undefined,
    payload: unknown,
  ): DecisionResponse {
    if (failure !== undefined) {
      return {
        decision_id: decisionId,
        decision: 'deny',
        reasons: [{ code: failure.code, message: failure.message }],
        redactions: [],
        policy: { revision: active.revision },
      };
    }
    const response: DecisionResponse = {
      decision_id: decisionId,
      decision: result.decision,
      reasons: result.reasons,
      redactions:
        result.decision === 'redact' ? result.redactions.map((r) => ({ path: r.path, reason: r.reason })) : [],
      policy: { revision: active.revision },
    };
    if (result.decision === 'redact') response.payload = payload;
    return response;
  }

  /**
   * A write or send leaves on its resource everything the session held and the flow declared, so
   * a later read of that resource, in any session, carries it again. Failing to record it denies.
   */
  private async leaveTaint(
    resolved: DecisionRequest,
    catalogue: Catalogue,
    update: SessionUpdate,
    held: SessionView | undefined,
    detected: readonly DetectedItem[],
  ): Promise<void> {
    const target = writeTarget(resolved, catalogue);
    if (target === null || this.deps.taint === undefined) return;
    const removed = new Set(update.declassify);
    const flow = resolved.data_flow;
    const labels = [
      ...(held?.labels ?? []),
      ...update.add_labels,
      ...(flow?.sources ?? []).flatMap((s) => s.labels ?? []),
      ...(flow?.fields ?? []).flatMap((f) => f.labels),
      // Personal data the detectors found in what was written (e-mail, phone...) carries its label.
      ...detected.flatMap((d) => {
        const label = catalogue.detectorLabels.get(d.type);
        return label === undefined ? [] : [label];
      }),
    ].filter((l) => !removed.has(l));
    let classification = update.classification;
    for (const c of [held?.classification, ...(flow?.sources ?? []).map((s) => s.classification)]) {
      if (c !== null && c !== undefined && rank(catalogue.ranks, c) > rank(catalogue.ranks, classification))
        classification = c;
    }
    try {
      await this.deps.taint.add(target.system, target.id, { labels: [...new Set(labels)].sort(), classification });
    } catch (err) {
      throw new FailClosed(TAINT_UNAVAILABLE, 'what this write leaves on its resource cannot be recorded', err);
    }
  }

  /** Settles the activity reservation: a policy deny counts as a denial, regent's own failure as a fault. */
  private async settleActivity(
    ctx: DecisionContext,
    request: DecisionRequest,
    response: DecisionResponse,
    fault: boolean,
    log: Logger,
  ): Promise<void> {
    if (this.deps.activity === undefined || ctx.reservation === undefined) return;
    const kind = request.action.kind;
    // An escalation read and sent nothing yet (its restricted read is given back, as for a deny),
    // and is no policy denial: a waiting agent's repeated asks must not look like a denial streak.
    const escalated = response.decision === 'escalate';
    try {
      await this.deps.activity.settle(ctx.reservation, {
        decision: response.decision === 'escalate' ? 'deny' : response.decision,
        fault: fault || escalated,
        bytesOut:
          (kind === 'send' || kind === 'write') && response.decision !== 'deny' && !escalated
            ? Buffer.byteLength(JSON.stringify(response.payload ?? request.payload ?? null))
            : 0,
      });
    } catch (err) {
      // The action is answered; its reservation already counted it, so the limit still holds.
      log.warn('activity window not settled', { error: describeThrown(err) });
    }
  }

  private auditRecord(
    decisionId: string,
    request: DecisionRequest,
    response: DecisionResponse,
    outcome: { digest: string; session: SessionView | undefined; detected: DetectedItem[] },
    latencyMs: number,
    facts: RequestFacts,
  ): DecisionAuditRecord {
    const dest = request.data_flow?.destination;
    const resource = request.action.resource;
    const record: DecisionAuditRecord = {
      decision_id: decisionId,
      time: new Date().toISOString(),
      agent: request.agent.id,
      on_behalf_of: request.agent.on_behalf_of?.id ?? null,
      session_id: request.session?.id ?? null,
      step: outcome.session === undefined ? null : outcome.session.steps + 1,
      tool: request.action.tool,
      kind: request.action.kind,
      flow: {
        ...(resource === undefined
          ? {}
          : {
              resource: {
                system: resource.system ?? null,
                id: resource.id ?? null,
                labels: resource.labels ?? [],
                classification: resource.classification ?? null,
              },
            }),
        sources: (request.data_flow?.sources ?? []).map((s) => ({
          system: s.system,
          labels: s.labels ?? [],
          classification: s.classification ?? null,
        })),
        destination: {
          system: dest?.system ?? null,
          ...(dest?.id === undefined ? {} : { id: dest.id }),
          audience: dest?.audience ?? null,
          recipients: dest?.recipients?.length ?? 0,
        },
      },
      detections: [...new Set(outcome.detected.map((d) => d.type))].sort(),
      decision: response.decision,
      reason_codes: response.reasons.map((r) => r.code),
      redacted_paths: response.redactions.map((r) => r.path),
      revision: response.policy.revision,
      input_digest: outcome.digest,
      latency_ms: latencyMs,
    };
    if (response.observed !== undefined)
      record.observed = {
        decision: response.observed.decision,
        reason_codes: response.observed.reasons.map((r) => r.code),
      };
    if (facts.phase === 'result') {
      record.phase = 'result';
      if (facts.parentDecisionId !== undefined) record.parent_decision_id = facts.parentDecisionId;
    }
    return record;
  }

  private observe(
    response: DecisionResponse,
    failure: FailClosed | undefined,
    started: bigint,
    log: Logger,
    request: DecisionRequest,
    outcome: { digest: string; json?: string },
    latencyMs: number,
    facts: { phase?: 'action' | 'result'; parentDecisionId?: string },
  ): void {
    const m = this.deps.metrics;
    m.decisions.labels(response.decision).inc();
    m.decisionDuration.labels(response.decision).observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (response.redactions.length > 0) m.redactedValues.inc(response.redactions.length);
    if (response.decision === 'deny')
      for (const cls of new Set(response.reasons.map((r) => reasonClass(r.code)))) m.denials.labels(cls).inc();
    if (failure !== undefined) {
      m.failClosed.labels(failure.code).inc();
      log.error('decision failed closed', {
        decision_id: response.decision_id,
        code: failure.code,
        error: describeThrown(failure.cause ?? failure),
      });
    }
    this.deps.decisionEvents?.record({ response, inputJson: outcome.json, latencyMs, failureCode: failure?.code }, log);
    if (!this.deps.decisionLog) return;
    const record: Record<string, unknown> = {
      decision_id: response.decision_id,
      agent_id: request.agent.id,
      on_behalf_of: request.agent.on_behalf_of?.id ?? null,
      session_id: request.session?.id ?? null,
      tool: request.action.tool,
      kind: request.action.kind,
      decision: response.decision,
      reason_codes: response.reasons.map((r) => r.code),
      redacted_paths: response.redactions.map((r) => r.path),
      revision: response.policy.revision,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
      input_digest: outcome.digest,
    };
    if (response.observed !== undefined)
      record['observed'] = {
        decision: response.observed.decision,
        reason_codes: response.observed.reasons.map((r) => r.code),
      };
    // As in the audit record: a result-phase step says so, so a reader of the log (regent draft
    // without inputs) does not count the check of a read's output as another use of the tool.
    if (facts.phase === 'result') {
      record['phase'] = 'result';
      if (facts.parentDecisionId !== undefined) record['parent_decision_id'] = facts.parentDecisionId;
    }
    if (this.deps.logInputs === true && outcome.json !== undefined) record['input'] = inputWithoutPayload(outcome.json);
    if (this.deps.logPayloads && response.decision !== 'deny')
      record['payload'] = response.decision === 'redact' ? response.payload : request.payload;
    log.info('decision', record);
  }
}

/**
 * The session effects of an allowed or redacted action (policy output, else the default rule).
 * The stored classification is the part of what entered that its labels do not explain: a read
 * classified restricted because it carries `compensation` adds the label, and the label carries
 * the classification, so an approved declassifier that removes the label lowers the session too.
 * Data classified above its labels (or with none) raises the stored classification itself, which
 * no declassifier lowers.
 */
function sessionUpdate(request: DecisionRequest, result: PolicyDecision, catalogue: Catalogue): SessionUpdate {
  const sources = request.data_flow?.sources ?? [];
  const resource = request.action.resource;
  const isRead = request.action.kind === 'read';
  const parts = [...(isRead && resource !== undefined ? [resource] : []), ...sources];
  const defaultLabels = parts.flatMap((p) => p.labels ?? []);
  const systems = [
    ...(isRead && resource?.system !== undefined ? [resource.system] : []),
    ...sources.map((s) => s.system),
  ];
  const unexplained = parts.map((p) => {
    const labelRank = Math.max(
      -Infinity,
      ...(p.labels ?? []).map((l) => rank(catalogue.ranks, catalogue.labelClassification.get(l) ?? l)),
    );
    return p.classification !== undefined && rank(catalogue.ranks, p.classification) > labelRank
      ? p.classification
      : undefined;
  });
  return {
    add_labels: [...new Set(result.session?.add_labels ?? defaultLabels)].sort(),
    add_systems: [...new Set(systems)].sort(),
    classification: highestClassification(unexplained, catalogue.ranks),
    declassify: [...new Set(result.session?.declassify ?? [])].sort(),
  };
}

/**
 * The result phase taints the session with what actually came back: besides the catalogue's
 * labels for the tool, the labels of personal data the detectors found in the output, except
 * where the policy redacted it (the agent never sees those values).
 */
function withSeenLabels(
  update: SessionUpdate,
  detected: readonly DetectedItem[],
  result: PolicyDecision,
  catalogue: Catalogue,
): SessionUpdate {
  const redacted = result.decision === 'redact' ? result.redactions.map((r) => r.path) : [];
  const covered = (path: string) =>
    redacted.some((r) => {
      const pattern = new RegExp(
        `^${r
          .split('/')
          .map((seg) => (seg === '*' ? '[^/]+' : escapeRegExp(seg)))
          .join('/')}(/|$)`,
      );
      return pattern.test(path);
    });
  const seen = detected.flatMap((d) => {
    const label = catalogue.detectorLabels.get(d.type);
    return label === undefined || covered(d.path) ? [] : [label];
  });
  const removed = new Set(update.declassify);
  return {
    ...update,
    add_labels: [...new Set([...update.add_labels, ...seen.filter((l) => !removed.has(l))])].sort(),
  };
}

/** The result phase also records integrity taint: whether untrusted content came back, and the values it carried. */
function withOutputTaint(update: SessionUpdate, taint: OutputTaint): SessionUpdate {
  return {
    ...update,
    add_untrusted_sources: taint.untrustedSource === null ? [] : [taint.untrustedSource],
    add_untrusted_values: taint.untrustedValues,
    add_trusted_values: taint.trustedValues,
  };
}

function integrityOf(active: ActivePolicy): IntegrityCatalogue {
  return integrityCatalogueOf(active.bundle.data);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What an escalation answers once the approvals have said where it stands. */
function escalationResult(result: PolicyDecision, outcome: EscalationOutcome): PolicyDecision {
  const approval_id = outcome.approval.id;
  switch (outcome.kind) {
    case 'pending':
      return { decision: 'escalate', reasons: result.reasons, redactions: [] };
    case 'approved': {
      const reason: Reason = {
        code: 'escalate.approved',
        message: `${outcome.approvedBy} approved this exact action${outcome.reason === null ? '' : `: ${outcome.reason}`}. The approval is now used; the same action again needs a new one.`,
        details: { approval_id, approved_by: outcome.approvedBy, reason: outcome.reason },
      };
      const redact = result.redactions.length > 0;
      const approved: PolicyDecision = {
        decision: redact ? 'redact' : 'allow',
        reasons: [reason],
        redactions: result.redactions,
      };
      if (result.session !== undefined) approved.session = result.session;
      return approved;
    }
    case 'rejected':
      return {
        decision: 'deny',
        reasons: [
          {
            code: 'escalate.rejected',
            message: `${outcome.rejectedBy} rejected this action: ${outcome.reason}`,
            details: { approval_id, rejected_by: outcome.rejectedBy, reason: outcome.reason },
            alternative: 'change the action, or ask after the rejected request expires for a new review',
          },
        ],
        redactions: [],
      };
    case 'expired':
      return {
        decision: 'deny',
        reasons: [
          {
            code: 'escalate.expired',
            message: `Nobody approved this action before its approval request expired at ${outcome.approval.expires_at}, so it is denied.`,
            details: { approval_id, expires_at: outcome.approval.expires_at },
            alternative: 'ask again: the identical action makes a new approval request',
          },
        ],
        redactions: [],
      };
  }
}

/** The policy input for a decision record: everything but `payload` (detector findings carry no values). */
function inputWithoutPayload(json: string): Record<string, unknown> {
  const { payload: _payload, ...rest } = JSON.parse(json) as Record<string, unknown>;
  // A finding in an object key has the key in its path, and the key may be the secret itself.
  if (Array.isArray(rest['detected'])) {
    rest['detected'] = (rest['detected'] as { path?: unknown; in?: unknown }[]).map((d) =>
      d.in === 'key' && typeof d.path === 'string'
        ? { ...d, path: `${d.path.slice(0, d.path.lastIndexOf('/'))}/*` }
        : d,
    );
  }
  return rest;
}

function digestOf(request: DecisionRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}
