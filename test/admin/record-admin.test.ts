/**
 * recordAdmin, the helper any admin route calls after changing something (policy, shadow,
 * bundle routes alike): the record names the caller as authenticated, the serving revision,
 * and the route fails with 503 rather than succeeding quietly when the trail cannot record.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { AuditUnavailableError } from '../../src/audit/errors.ts';
import type { AdminEntry } from '../../src/audit/record.ts';
import { recordAdmin, registerAdminTrail, type AdminTrail } from '../../src/http/admin-audit.ts';
import { authorize } from '../../src/http/middleware/authorize.ts';
import { errorHandler } from '../../src/http/middleware/errors.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Authenticator } from '../../src/security/authenticator.ts';
import { AUTH_OFF } from '../../src/security/security-settings.ts';

const TOKEN = 'policy-author-token-0123456789';

/** An app with one admin route that records a policy change, over a trail held in memory. */
async function serve(auth: Authenticator, trail: AdminTrail) {
  const app = express();
  const logger = createLogger({ level: 'error', silent: true });
  app.use(authorize(auth));
  registerAdminTrail(app, trail, logger);
  app.put('/v1/policies/:id', async (req, res) => {
    await recordAdmin(req, 'policy.change', { kind: 'policy', id: req.params['id'] ?? '' }, 'success', {
      new_revision: 'r2',
    });
    res.json({});
  });
  app.use(errorHandler(logger));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('recordAdmin', () => {
  const entries: AdminEntry[] = [];
  let broken = false;
  const trail: AdminTrail = {
    append(entry) {
      if (broken) return Promise.reject(new AuditUnavailableError('disk full'));
      entries.push(entry);
      return Promise.resolve();
    },
    ready: () => Promise.resolve(),
    revision: () => 'rev-1',
  };
  const tokens = new Authenticator({
    tokens: [{ id: 'policy-author', hash: createHash('sha256').update(TOKEN).digest(), scopes: ['admin'] }],
    clients: [],
    tls: null,
  });
  let withTokens: Awaited<ReturnType<typeof serve>>;
  let open: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    withTokens = await serve(tokens, trail);
    open = await serve(new Authenticator(AUTH_OFF), trail);
  });
  after(async () => {
    await withTokens.close();
    await open.close();
  });

  it('names the token id as actor, with the action, target, outcome, details and serving revision', async () => {
    const res = await fetch(`${withTokens.url}/v1/policies/authz`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 200);
    const entry = entries.at(-1);
    assert.deepEqual(
      { ...entry, time: undefined },
      {
        type: 'admin',
        time: undefined,
        action: 'policy.change',
        actor: { id: 'policy-author', auth: 'bearer' },
        target: { kind: 'policy', id: 'authz' },
        outcome: 'success',
        policy_revision: 'rev-1',
        details: { new_revision: 'r2' },
      },
    );
  });

  it('names the anonymous caller when authentication is off', async () => {
    await fetch(`${open.url}/v1/policies/authz`, { method: 'PUT' });
    assert.deepEqual(entries.at(-1)?.actor, { id: 'anonymous', auth: null });
  });

  it('fails the route with 503 audit.unavailable when the trail cannot record', async () => {
    broken = true;
    const res = await fetch(`${withTokens.url}/v1/policies/authz`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    broken = false;
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { code: string }).code, 'audit.unavailable');
  });
});
