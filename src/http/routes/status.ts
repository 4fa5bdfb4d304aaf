/**
 * `GET /v1/status`: what regent is serving and how it got there — the active revision, the
 * state of its bundle (source, active revision, last load attempt), the policy library when
 * serving a directory, and shadow mode. Field names follow OPA's status API where it has one.
 */
import { Router } from 'express';
import { ACTIVE_BUNDLE_NAME } from '../../policy/data-api.ts';
import type { PolicyLibrary } from '../../policy/policy-library.ts';
import type { PolicyStore } from '../../policy/policy-store.ts';
import type { ShadowRunner } from '../../policy/shadow.ts';
import type { BundleSourceStatus } from '../../policy/bundle/bundle-poller.ts';
import { sendJson } from '../opa-params.ts';
import type { ReplicasState } from '../../observability/replicas.ts';

/** What the status route reports on. */
export interface StatusDeps {
  policies: PolicyStore;
  /** Undefined when regent serves a bundle file. */
  library: PolicyLibrary | undefined;
  shadow: ShadowRunner;
  /** The bundle server source, when regent polls one (`REGENT_BUNDLE_URL`). */
  remote?: { status(): BundleSourceStatus | undefined };
  /** Replicas' heartbeats (src/observability/replicas.ts); null before start. */
  replicas?: { state(): ReplicasState | null };
}

/** The status document (also used by tests and operators' scripts). */
export function statusDocument(deps: StatusDeps): Record<string, unknown> {
  const active = deps.policies.current();
  const last = deps.policies.lastLoad();
  return {
    revision: active?.revision ?? null,
    mode: deps.library === undefined ? 'bundle' : 'policy_dir',
    bundles: {
      [ACTIVE_BUNDLE_NAME]: {
        name: ACTIVE_BUNDLE_NAME,
        source: active?.source ?? last?.source ?? null,
        active_revision: active?.revision ?? null,
        last_successful_activation: active?.activatedAt.toISOString() ?? null,
        entrypoints: active === undefined ? [] : [...active.engine.entrypoints].sort(),
        remote: deps.remote?.status() ?? null,
        last_load_attempt:
          last === undefined
            ? null
            : {
                at: last.at.toISOString(),
                ok: last.ok,
                source: last.source,
                ...(last.revision === undefined ? {} : { revision: last.revision }),
                ...(last.error === undefined ? {} : { error: last.error }),
              },
      },
    },
    policy_library: deps.library?.state() ?? null,
    shadow: deps.shadow.state(),
    replicas: deps.replicas?.state() ?? null,
  };
}

/** Routes for status. */
export function statusRoutes(deps: StatusDeps): Router {
  const router = Router();
  router.get('/v1/status', (req, res) => {
    sendJson(req, res, { result: statusDocument(deps) });
  });
  return router;
}
