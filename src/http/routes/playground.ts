/**
 * `POST /v1/playground/decisions` (admin): the console's policy playground. A decision request
 * plus a session state and activity the operator chose is turned into the policy input the way
 * the decision service does (src/catalogue/resolve.ts with the active catalogue, the same
 * detectors, src/decision/build-input.ts) and evaluated on the active revision, and on the shadow
 * candidate when one is loaded. A DRY RUN: no session is loaded or committed, no activity is
 * reserved, nothing is audited, no approval is requested, no metric of decisions moves. What it
 * cannot reproduce is said in `differences`: the stored session and activity (replaced by the
 * chosen ones), resource taint, the SCIM directory, principal verification and integrity
 * provenance of stored values, and observe mode (the policy's own verdict is shown).
 */
import { Router } from 'express';
import { catalogueOf } from '../../catalogue/catalogue.ts';
import { resolveRequest } from '../../catalogue/resolve.ts';
import { buildInput } from '../../decision/build-input.ts';
import { DECISION_REQUEST_SCHEMA, type DecisionRequest } from '../../decision/decision-request.ts';
import { DECISION_ENTRYPOINT } from '../../decision/decision-service.ts';
import { toPolicyDecision, type PolicyDecision } from '../../decision/policy-result.ts';
import type { SessionView } from '../../decision/ports.ts';
import { createRedactionPort } from '../../decision/redaction-port.ts';
import { NotReadyError } from '../../errors/regent-error.ts';
import type { Evaluator } from '../../policy/evaluator/evaluator.ts';
import type { PolicyStore } from '../../policy/policy-store.ts';
import type { ShadowRunner } from '../../policy/shadow.ts';
import { describeThrown } from '../../errors/policy-errors.ts';
import { jsonBody } from '../middleware/json-body.ts';
import { compileValidator } from '../validation.ts';

const labels = { type: 'array', maxItems: 256, items: { type: 'string', maxLength: 256 } } as const;

/** The session state the operator may choose (the stored SessionView's fields). */
export const PLAYGROUND_SESSION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    labels,
    systems: labels,
    classification: { type: ['string', 'null'], maxLength: 64 },
    steps: { type: 'integer', minimum: 0 },
    first_seen: { type: ['string', 'null'], maxLength: 40 },
    last_seen: { type: ['string', 'null'], maxLength: 40 },
    untrusted_sources: labels,
  },
} as const;

/** The body of a playground run; `request` is a decision request as POST /v1/decisions takes it. */
export function playgroundSchema() {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['request'],
    properties: {
      request: { $ref: DECISION_REQUEST_SCHEMA.$id },
      session: PLAYGROUND_SESSION_SCHEMA,
      activity: { type: 'object', description: 'The activity windows the policy sees as input.activity.' },
    },
  } as const;
}

/** What the playground cannot reproduce, said in every answer. */
export const PLAYGROUND_DIFFERENCES = [
  'session: the chosen state, not the stored one; nothing is committed',
  'activity: the chosen windows, not counters; nothing is reserved',
  'resource taint, the SCIM directory and principal tokens are not consulted',
  'integrity provenance of stored session values is not computed',
  'observe mode is not applied: the policy verdict is shown as it is',
  'no audit record, no approval request, no session effect',
] as const;

/** What the playground needs. */
export interface PlaygroundDeps {
  policies: PolicyStore;
  shadow: ShadowRunner;
  maxBodyBytes: number;
  /** Detector match bound, as the decision service's (default 10000). */
  maxRedactionPaths?: number;
}

/**
 * The candidate's evaluator and revision. ShadowRunner keeps its candidate to itself; it is read
 * by name here, read-only, until ShadowRunner exposes a dry-run evaluation of its own.
 */
function shadowCandidate(shadow: ShadowRunner): { revision: string; evaluator: Evaluator } | undefined {
  const c = Reflect.get(shadow, 'candidate') as
    { revision: string; evaluator: Evaluator; retired?: boolean } | undefined;
  return c === undefined || c.retired === true ? undefined : c;
}

async function run(
  evaluator: Evaluator,
  json: string,
): Promise<{ result: PolicyDecision } | { error: string; fail_closed: 'deny' }> {
  try {
    return { result: toPolicyDecision(await evaluator.evaluate(DECISION_ENTRYPOINT, json)) };
  } catch (err) {
    // The live path denies here; the playground says why.
    return { error: describeThrown(err).slice(0, 512), fail_closed: 'deny' };
  }
}

/** Routes for the playground. */
export function playgroundRoutes(deps: PlaygroundDeps): Router {
  const router = Router();
  const detector = createRedactionPort({ maxPaths: deps.maxRedactionPaths ?? 10_000 });
  // Compiled on first use: the decision request schema is registered (by $id) by the decision routes.
  let validate: ((v: unknown) => PlaygroundBody) | undefined;
  router.post('/v1/playground/decisions', ...jsonBody(deps.maxBodyBytes), async (req, res) => {
    validate ??= compileValidator<PlaygroundBody>(playgroundSchema(), 'playground request');
    const body = validate(req.body);
    const lease = deps.policies.acquire();
    if (lease === undefined) throw new NotReadyError('no policy revision is loaded yet');
    try {
      const active = lease.policy;
      const catalogue = catalogueOf(active.bundle.data);
      const { request, trust } = resolveRequest(body.request, catalogue, {});
      const detection =
        body.request.payload === undefined ? { detected: [], complete: true } : detector.detect(body.request.payload);
      const session = body.session === undefined ? undefined : sessionView(body.session, body.request);
      const input = buildInput(request, session, detection, body.activity, trust);
      const json = JSON.stringify(input);
      const candidate = shadowCandidate(deps.shadow);
      res.json({
        dry_run: true,
        revision: active.revision,
        input,
        active: await run(active.evaluator, json),
        shadow:
          candidate === undefined ? null : { revision: candidate.revision, ...(await run(candidate.evaluator, json)) },
        differences: PLAYGROUND_DIFFERENCES,
      });
    } finally {
      lease.release();
    }
  });
  return router;
}

interface PlaygroundBody {
  request: DecisionRequest;
  session?: Partial<SessionView>;
  activity?: Record<string, unknown>;
}

/** A full SessionView from the chosen fields (the id defaults to the request's session). */
function sessionView(s: Partial<SessionView>, request: DecisionRequest): SessionView {
  const view: SessionView = {
    id: s.id ?? request.session?.id ?? 'playground',
    labels: s.labels ?? [],
    systems: s.systems ?? [],
    classification: s.classification ?? null,
    steps: s.steps ?? 0,
    first_seen: s.first_seen ?? null,
    last_seen: s.last_seen ?? null,
  };
  if (s.untrusted_sources !== undefined) view.untrusted_sources = s.untrusted_sources;
  return view;
}
