/**
 * OPA's Policy API over the policy library: `GET /v1/policies`, `GET|PUT|DELETE
 * /v1/policies/{id}`. PUT takes the module's Rego text (any content type, as OPA does), bounded
 * in size; a module that does not compile is a 400 with OPA's errors located by id, row and
 * column, and the previous revision keeps serving. When regent serves a bundle file instead of
 * a policy directory, every path is owned by that bundle and changes are refused, as in OPA.
 */
import express, { Router, type Request, type RequestHandler } from 'express';
import { InvalidParameterError, NotFoundError, PayloadTooLargeError, RegentError } from '../../errors/regent-error.ts';
import { parsePolicyId } from '../../policy/policy-ids.ts';
import type { ChangeResult, PolicyLibrary, PolicyModule } from '../../policy/policy-library.ts';
import { recordAdmin, type AdminTrail } from '../admin-audit.ts';
import { malformedPathErrors, sendJson } from '../opa-params.ts';

const PREFIX = '/v1/policies/';

/** Reads the body as bytes up to `limitBytes` and decodes it as strict UTF-8 into `req.body`. */
function regoBody(limitBytes: number): RequestHandler {
  const raw = express.raw({ type: () => true, limit: limitBytes });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return (req, res, next) => {
    raw(req, res, (err?: unknown) => {
      if (err !== undefined && err !== null) {
        const type = (err as { type?: string }).type;
        next(
          type === 'entity.too.large'
            ? new PayloadTooLargeError(limitBytes)
            : new InvalidParameterError('policy body cannot be read'),
        );
        return;
      }
      try {
        req.body = Buffer.isBuffer(req.body) ? decoder.decode(req.body) : '';
        next();
      } catch {
        next(new InvalidParameterError('policy body is not valid UTF-8'));
      }
    });
  };
}

const view = (m: PolicyModule) => ({ id: m.id, raw: m.raw, origin: m.origin });

/** Runs a change as an admin record naming the caller; nothing changes when it could not be recorded. */
async function audited(
  req: Request,
  action: string,
  id: string,
  change: () => Promise<ChangeResult>,
): Promise<ChangeResult> {
  let result: ChangeResult;
  try {
    result = await change();
  } catch (err) {
    await recordAdmin(req, action, { kind: 'policy', id }, 'failure', {
      reason: err instanceof RegentError ? err.code : 'internal_error',
    });
    throw err;
  }
  await recordAdmin(req, action, { kind: 'policy', id }, 'success', { revision: result.revision });
  return result;
}

/** Routes for the Policy API; `library` is undefined when regent serves a bundle file. */
export function policyRoutes(library: PolicyLibrary | undefined, maxPolicyBytes: number, trail: AdminTrail): Router {
  const router = Router();
  // The id is checked before a body is read, so a bad id costs nothing.
  const checkId: RequestHandler = (req, res, next) => {
    res.locals['policyId'] = parsePolicyId(req.path.slice(PREFIX.length));
    next();
  };
  const idOf = (res: { locals: Record<string, unknown> }) => res.locals['policyId'] as string;
  const owned = () =>
    new InvalidParameterError(
      'all paths are owned by the bundle regent serves; configure a policy directory (REGENT_POLICY_DIR) to change policies through this API',
    );

  router.get('/v1/policies', async (req, res) => {
    sendJson(req, res, { result: library === undefined ? [] : (await library.list()).map(view) });
  });

  router.get(`${PREFIX}*id`, checkId, async (req, res) => {
    const id = idOf(res);
    if (library === undefined) throw new NotFoundError(`policy id ${JSON.stringify(id)} not found`);
    sendJson(req, res, { result: view(await library.get(id)) });
  });

  router.put(`${PREFIX}*id`, checkId, regoBody(maxPolicyBytes), async (req, res) => {
    const id = idOf(res);
    if (library === undefined) throw owned();
    await trail.ready();
    const change = await audited(req, 'policy.put', id, () => library.put(id, req.body as string));
    sendJson(req, res, { result: { id, revision: change.revision, activated: change.activated } });
  });

  router.delete(`${PREFIX}*id`, checkId, async (req, res) => {
    const id = idOf(res);
    if (library === undefined) throw owned();
    await trail.ready();
    const change = await audited(req, 'policy.delete', id, () => library.remove(id));
    sendJson(req, res, { result: { id, revision: change.revision, activated: change.activated } });
  });

  router.use(malformedPathErrors);
  return router;
}
