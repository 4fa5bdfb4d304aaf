/**
 * OPA's Data API over regent's engine, for clients and SDKs written against OPA:
 * `GET|POST /v1/data/{path}` and `POST /` (the default decision, `data.system.main`), with OPA's
 * bodies, error codes and the `pretty`, `metrics`, `provenance` and `strict-builtin-errors`
 * parameters. The path is
 * checked and looked up as a whole in the entrypoint table (src/policy/data-api.ts); it never
 * becomes query text.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import pkg from '../../../package.json' with { type: 'json' };
import { createHash } from 'node:crypto';
import { InvalidParameterError, NotFoundError, RegentError } from '../../errors/regent-error.ts';
import { recordAdmin } from '../admin-audit.ts';
import type { Logger } from '../../observability/logger.ts';
import {
  ACTIVE_BUNDLE_NAME,
  DEFAULT_DECISION_ENTRYPOINT,
  entrypointFromPath,
  type DataApi,
  type DataResult,
} from '../../policy/data-api.ts';
import { callerOf } from '../middleware/authorize.ts';
import { MAX_JSON_DEPTH, jsonBody, unsafeJsonReason } from '../middleware/json-body.ts';
import { DECISION_ENTRYPOINT, type DecisionService } from '../../decision/decision-service.ts';
import { DECISION_REQUEST_SCHEMA, type DecisionRequest } from '../../decision/decision-request.ts';
import { applyPrincipal, type PrincipalVerifier } from '../../identity/index.ts';
import { compileValidator } from '../validation.ts';
import { boolParam, malformedPathErrors, sendJson } from '../opa-params.ts';
import type { EvaluateOptions } from '../../policy/evaluator/evaluator.ts';

const DATA_PREFIX = '/v1/data';

/** The decision entrypoint's Data API path (DECISION_ENTRYPOINT). */
const DECISION_PATH = DECISION_ENTRYPOINT;

/** What the decision entrypoint needs: the decision service and the principal verifier. */
export interface DecisionPath {
  service: DecisionService;
  principals: PrincipalVerifier | null;
}

/** OPA's warning when a POST body has no `input` key. */
const INPUT_KEY_MISSING = { code: 'api_usage_warning', message: "'input' key missing from the request" };

/** A request carries a body when it says so; an empty POST is allowed, as in OPA. */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** jsonBody (same size, depth and key bounds), skipped for a request without a body. */
function optionalJsonBody(limitBytes: number): RequestHandler[] {
  return jsonBody(limitBytes).map(
    (handler): RequestHandler =>
      (req, res, next) =>
        hasBody(req) ? handler(req, res, next) : next(),
  );
}

/**
 * OPA's `strict-builtin-errors` query parameter: present, a failing builtin fails the query
 * (`?strict-builtin-errors` alone means true); absent, the configured default applies.
 */
function builtinErrorMode(req: Request): EvaluateOptions | undefined {
  if (!Object.hasOwn(req.query, 'strict-builtin-errors')) return undefined;
  return { strictBuiltinErrors: boolParam(req, 'strict-builtin-errors') };
}

/** Resolves the entrypoint before any body is read, so a bad path is refused first. */
const resolvePath: RequestHandler = (req, res, next) => {
  res.locals['entrypoint'] = entrypointFromPath(req.path.slice(DATA_PREFIX.length));
  next();
};

/** GET's optional `?input=<JSON>` (OPA accepts it), bounded like a body. */
function queryInput(req: Request): string | undefined {
  const raw: unknown = (req.query as Record<string, unknown>)['input'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new InvalidParameterError('input parameter must be given once');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidParameterError('input parameter is not valid JSON');
  }
  const unsafe = unsafeJsonReason(parsed, MAX_JSON_DEPTH);
  if (unsafe !== null) throw new InvalidParameterError(unsafe.replace('request body', 'input parameter'));
  return JSON.stringify(parsed);
}

/** Builds OPA's response body, with the fields in OPA's order. */
function dataBody(
  req: Request,
  out: DataResult,
  startedNs: bigint,
  parseNs: number,
  warning?: object,
): Record<string, unknown> {
  const body: Record<string, unknown> = { decision_id: out.decisionId };
  if (boolParam(req, 'provenance')) {
    body['provenance'] = {
      version: pkg.version,
      build_commit: '',
      build_timestamp: '',
      build_hostname: '',
      bundles: { [ACTIVE_BUNDLE_NAME]: { revision: out.revision } },
    };
  }
  if (boolParam(req, 'metrics')) {
    body['metrics'] = {
      timer_rego_input_parse_ns: parseNs,
      timer_rego_query_eval_ns: out.evalNs,
      timer_server_handler_ns: Number(process.hrtime.bigint() - startedNs),
    };
  }
  if (out.defined) body['result'] = out.result;
  if (warning !== undefined) body['warning'] = warning;
  return body;
}

/** Measures re-serialising the parsed input for the engine (OPA's `timer_rego_input_parse_ns`). */
function timed<T>(fn: () => T): { value: T; ns: number } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { value, ns: Number(process.hrtime.bigint() - t0) };
}

/**
 * Records one Data API evaluation in the audit trail before it is answered, as decisions are:
 * who asked, which entrypoint, which revision, and a digest of the input (never its values).
 */
async function recordQuery(
  req: Request,
  entrypoint: string,
  inputJson: string | undefined,
  work: () => Promise<DataResult>,
): Promise<DataResult> {
  const digest = createHash('sha256')
    .update(inputJson ?? '')
    .digest('hex');
  let out: DataResult;
  try {
    out = await work();
  } catch (err) {
    const code = err instanceof RegentError ? err.code : 'internal_error';
    await recordAdmin(req, 'data.query', { kind: 'entrypoint', id: entrypoint }, 'failure', {
      input_digest: digest,
      error: code,
    });
    throw err;
  }
  await recordAdmin(req, 'data.query', { kind: 'entrypoint', id: entrypoint }, 'success', {
    decision_id: out.decisionId,
    revision: out.revision,
    defined: String(out.defined),
    input_digest: digest,
  });
  return out;
}

/** Routes for OPA's Data API. */
export function opaDataRoutes(api: DataApi, maxBodyBytes: number, decisions: DecisionPath): Router {
  const router = Router();
  const log = (res: Response) => res.locals['log'] as Logger;
  const validate = compileValidator<DecisionRequest>(DECISION_REQUEST_SCHEMA, 'decision request');

  // One decision path: the decision entrypoint over the Data API is the decision API with OPA's
  // body shape. The input is validated as a decision request, the principal verified, session
  // state, detectors, activity and the trust rule applied, and the decision audited, exactly as
  // on POST /v1/decisions; a caller-supplied input.session is refused by the schema, never used.
  router.get(`${DATA_PREFIX}/${DECISION_PATH}`, () => {
    throw new InvalidParameterError(
      `${DECISION_PATH} is decided only through POST with {"input": <decision request>}, as POST /v1/decisions`,
    );
  });
  router.post(`${DATA_PREFIX}/${DECISION_PATH}`, ...jsonBody(maxBodyBytes), async (req, res) => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'input')) {
      throw new InvalidParameterError(`${DECISION_PATH} needs a body {"input": <decision request>}`);
    }
    const { request, principalVerified } = await applyPrincipal(
      validate((body as { input: unknown }).input),
      req.headers,
      decisions.principals,
    );
    const answer = await decisions.service.decide(request, log(res), { principalVerified, caller: callerOf(req) });
    const { decision_id: decisionId, policy, ...result } = answer;
    const out: Record<string, unknown> = { decision_id: decisionId };
    if (boolParam(req, 'provenance')) {
      out['provenance'] = {
        version: pkg.version,
        build_commit: '',
        build_timestamp: '',
        build_hostname: '',
        bundles: { [ACTIVE_BUNDLE_NAME]: { revision: policy.revision } },
      };
    }
    out['result'] = result;
    sendJson(req, res, out);
  });

  router.get(`${DATA_PREFIX}{/*path}`, resolvePath, async (req, res) => {
    const started = process.hrtime.bigint();
    const input = timed(() => queryInput(req));
    const entrypoint = res.locals['entrypoint'] as string;
    const out = await recordQuery(req, entrypoint, input.value, () =>
      api.evaluate(entrypoint, input.value, log(res), undefined, builtinErrorMode(req)),
    );
    sendJson(req, res, dataBody(req, out, started, input.ns));
  });

  router.post(`${DATA_PREFIX}{/*path}`, resolvePath, ...optionalJsonBody(maxBodyBytes), async (req, res) => {
    const started = process.hrtime.bigint();
    const body: unknown = req.body;
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
      throw new InvalidParameterError('body contains malformed input document: it must be a JSON object');
    }
    const hasInput = body !== undefined && Object.hasOwn(body, 'input');
    const input = timed(() => (hasInput ? JSON.stringify((body as { input: unknown }).input) : undefined));
    const entrypoint = res.locals['entrypoint'] as string;
    const out = await recordQuery(req, entrypoint, input.value, () =>
      api.evaluate(entrypoint, input.value, log(res), undefined, builtinErrorMode(req)),
    );
    sendJson(req, res, dataBody(req, out, started, input.ns, hasInput ? undefined : INPUT_KEY_MISSING));
  });

  // OPA's default decision: the body is the input itself and the answer is the bare document.
  router.post('/', ...optionalJsonBody(maxBodyBytes), async (req, res) => {
    const missing = () => new NotFoundError('document missing: data.system.main', 'undefined_document');
    // OPA evaluates an empty body as a null input.
    const json = req.body === undefined ? 'null' : JSON.stringify(req.body);
    const out = await recordQuery(req, DEFAULT_DECISION_ENTRYPOINT, json, () =>
      api.evaluate(DEFAULT_DECISION_ENTRYPOINT, json, log(res), missing),
    );
    if (!out.defined) throw missing();
    sendJson(req, res, out.result);
  });

  router.use(malformedPathErrors);
  return router;
}
