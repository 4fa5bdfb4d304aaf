/**
 * Shadow mode over HTTP: `GET /v1/shadow` (state and disagreement counts), `PUT /v1/shadow`
 * (bundle bytes become the candidate), `POST /v1/shadow/rebuild` (recompile the configured
 * shadow directory; requests never name a server path) and `DELETE /v1/shadow` (stop).
 * Changes are admin records naming the caller.
 */
import express, { Router, type RequestHandler } from 'express';
import { InvalidParameterError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors/regent-error.ts';
import { DEFAULT_MAX_BUNDLE_BYTES } from '../../policy/bundle/load-bundle.ts';
import type { ShadowRunner } from '../../policy/shadow.ts';
import { recordAdmin, type AdminTrail } from '../admin-audit.ts';
import { sendJson } from '../opa-params.ts';

/** What the shadow routes drive. */
export interface ShadowRouteDeps {
  shadow: ShadowRunner;
  /** The configured candidate directory (REGENT_SHADOW_POLICY_DIR), or '' when none. */
  shadowPolicyDir: string;
  trail: AdminTrail;
}

const BUNDLE_TYPES = /^application\/(gzip|x-gzip|octet-stream|vnd\.openpolicyagent\.bundle)\b/i;

/** Reads a bundle upload (gzip bytes) up to the bundle size bound. */
function bundleBody(limitBytes: number): RequestHandler {
  const raw = express.raw({ type: () => true, limit: limitBytes });
  return (req, res, next) => {
    if (!BUNDLE_TYPES.test(req.headers['content-type'] ?? '')) {
      next(new UnsupportedMediaTypeError('a shadow candidate is an OPA bundle: send it as application/gzip'));
      return;
    }
    raw(req, res, (err?: unknown) => {
      if (err === undefined || err === null) next();
      else
        next(
          (err as { type?: string }).type === 'entity.too.large'
            ? new PayloadTooLargeError(limitBytes)
            : new InvalidParameterError('bundle body cannot be read'),
        );
    });
  };
}

/** Routes for shadow mode. */
export function shadowRoutes(deps: ShadowRouteDeps): Router {
  const router = Router();

  router.get('/v1/shadow', (req, res) => {
    sendJson(req, res, { result: deps.shadow.state() });
  });

  router.put('/v1/shadow', bundleBody(DEFAULT_MAX_BUNDLE_BYTES), async (req, res) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    await deps.trail.ready();
    try {
      const { revision } = await deps.shadow.loadBytes(bytes, 'upload');
      await recordAdmin(req, 'shadow.load', { kind: 'bundle', id: revision }, 'success', { source: 'upload' });
    } catch (err) {
      await recordAdmin(req, 'shadow.load', null, 'failure', { source: 'upload' });
      throw err;
    }
    sendJson(req, res, { result: deps.shadow.state() });
  });

  router.post('/v1/shadow/rebuild', async (req, res) => {
    if (deps.shadowPolicyDir === '')
      throw new InvalidParameterError('no shadow policy directory is configured (REGENT_SHADOW_POLICY_DIR)');
    await deps.trail.ready();
    try {
      const { revision } = await deps.shadow.loadDirectory(deps.shadowPolicyDir);
      await recordAdmin(req, 'shadow.load', { kind: 'bundle', id: revision }, 'success', { source: 'directory' });
    } catch (err) {
      await recordAdmin(req, 'shadow.load', null, 'failure', { source: 'directory' });
      throw err;
    }
    sendJson(req, res, { result: deps.shadow.state() });
  });

  router.delete('/v1/shadow', async (req, res) => {
    await deps.trail.ready();
    deps.shadow.stop();
    await recordAdmin(req, 'shadow.stop', null, 'success');
    sendJson(req, res, { result: deps.shadow.state() });
  });

  return router;
}
