/**
 * Spans for one decision and its stages, under the request's server span. The decision service
 * calls these through {@link DecisionTracing}; with tracing off it holds none, so the hot path
 * pays one optional-chaining check per stage.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { DecisionResponse } from '../../decision/decision-service.ts';
import type { Logger } from '../logger.ts';
import { scopeOf } from '../request-scope.ts';

/** The stages of a decision that get a span each (`regent.<stage>`). */
export type DecisionStage = 'input' | 'session.load' | 'evaluate' | 'session.commit' | 'audit';

/** The open spans of one decision. Stages run one after another, so one is open at a time. */
export interface DecisionSpan {
  /** Starts a stage, ending the one still open (a retried decision loads and evaluates again). */
  stage(name: DecisionStage): void;
  /** Ends the open stage, as failed with `failureCode` when given. */
  leave(failureCode?: string): void;
  /** Ends the decision's span with its answer (and any open stage). */
  end(response: DecisionResponse, failureCode: string | undefined): void;
}

/** Opens decision spans; the port src/decision/decision-service.ts calls. */
export interface DecisionTracing {
  /** The decision span under the request of `log` (a new trace outside HTTP); undefined when not sampled. */
  begin(log: Logger): DecisionSpan | undefined;
}

/** Decision spans on `tracer`. */
export function decisionTracing(tracer: Tracer): DecisionTracing {
  return {
    begin(log) {
      const parent = scopeOf(log)?.context ?? ROOT_CONTEXT;
      const span = tracer.startSpan('regent.decision', undefined, parent);
      // Not sampled: no stage spans either (they would not be recorded).
      if (!span.isRecording()) return undefined;
      return new RecordedDecision(tracer, span, trace.setSpan(parent, span));
    },
  };
}

class RecordedDecision implements DecisionSpan {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #context: Context;
  #stage: Span | undefined;

  constructor(tracer: Tracer, span: Span, context: Context) {
    this.#tracer = tracer;
    this.#span = span;
    this.#context = context;
  }

  stage(name: DecisionStage): void {
    this.#stage?.end();
    this.#stage = this.#tracer.startSpan(`regent.${name}`, undefined, this.#context);
  }

  leave(failureCode?: string): void {
    const open = this.#stage;
    if (open === undefined) return;
    if (failureCode !== undefined) open.setStatus({ code: SpanStatusCode.ERROR, message: failureCode });
    open.end();
    this.#stage = undefined;
  }

  end(response: DecisionResponse, failureCode: string | undefined): void {
    this.leave(failureCode);
    const span = this.#span;
    // Ids, outcome and codes only: never payload values, agent or principal names.
    span.setAttribute('regent.decision_id', response.decision_id);
    span.setAttribute('regent.decision', response.decision);
    span.setAttribute('regent.policy.revision', response.policy.revision ?? '');
    span.setAttribute(
      'regent.reason_codes',
      response.reasons.map((r) => r.code),
    );
    if (failureCode !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failureCode });
    span.end();
  }
}
