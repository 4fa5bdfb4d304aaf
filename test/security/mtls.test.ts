/**
 * Mutual TLS over real TLS on 127.0.0.1: a client certificate signed by the configured CA is an
 * identity with the scopes its CN maps to; a certificate from another CA is refused at the TLS
 * layer, before any HTTP; a client without a certificate reaches HTTP and needs a token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXAMPLES } from '../fixtures/examples.ts';
import { regoBundle } from '../support/bundles.ts';
import { makeToken, startSecureRegent, type SecureServer } from '../support/secure-regent.ts';
import { createTestPki, type CertFiles, type TestPki } from '../support/test-pki.ts';

describe('mutual TLS', () => {
  let pki: TestPki;
  let gateway: CertFiles;
  let operator: CertFiles;
  let stranger: CertFiles;
  let intruder: CertFiles;
  before(() => {
    pki = createTestPki();
    gateway = pki.client('agent-gateway');
    operator = pki.client('Ops Console');
    stranger = pki.client('stranger');
    intruder = pki.client('agent-gateway', pki.otherCa);
  });
  after(() => pki.dispose());

  describe('with client certificates only', () => {
    let server: SecureServer;
    before(async () => {
      server = await startSecureRegent({
        tls: { server: pki.server, clientCa: pki.ca, trust: pki.ca.certPem },
        clients: [
          { cn: 'agent-gateway', scopes: ['decide'] },
          { cn: 'Ops Console', scopes: ['admin', 'metrics'] },
        ],
        config: { bundlePath: (await regoBundle()).file },
      });
    });
    after(async () => server.close());

    const cases: {
      note: string;
      method: string;
      path: string;
      client?: () => CertFiles;
      body?: unknown;
      status: number;
    }[] = [
      {
        note: "the gateway's certificate decides",
        method: 'POST',
        path: '/v1/decisions',
        client: () => gateway,
        body: EXAMPLES.allowInternal,
        status: 200,
      },
      {
        note: "the gateway's certificate cannot read the audit trail",
        method: 'GET',
        path: '/v1/audit',
        client: () => gateway,
        status: 403,
      },
      {
        note: "the operator's certificate reads the audit trail",
        method: 'GET',
        path: '/v1/audit',
        client: () => operator,
        status: 200,
      },
      {
        note: "the operator's certificate scrapes metrics",
        method: 'GET',
        path: '/metrics',
        client: () => operator,
        status: 200,
      },
      {
        note: "the operator's certificate cannot decide",
        method: 'POST',
        path: '/v1/decisions',
        client: () => operator,
        body: EXAMPLES.allowInternal,
        status: 403,
      },
      {
        note: 'a trusted certificate whose CN the map does not name is granted nothing',
        method: 'POST',
        path: '/v1/decisions',
        client: () => stranger,
        body: EXAMPLES.allowInternal,
        status: 403,
      },
      {
        note: 'no certificate and no token is 401',
        method: 'POST',
        path: '/v1/decisions',
        body: EXAMPLES.allowInternal,
        status: 401,
      },
      { note: 'health needs no certificate', method: 'GET', path: '/health/ready', status: 200 },
    ];
    for (const c of cases) {
      it(c.note, async () => {
        const res = await server.request(c.method, c.path, {
          ...(c.client === undefined ? {} : { client: c.client() }),
          ...(c.body === undefined ? {} : { body: c.body }),
        });
        assert.equal(res.status, c.status, res.text);
        if (c.status === 401) assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      });
    }

    it('refuses a certificate from another CA at the TLS layer, even with a mapped CN', async () => {
      const trail = server.regent.audit();
      assert.ok(trail !== null);
      const before = (await trail.head()).seq;
      await assert.rejects(
        server.request('POST', '/v1/decisions', { client: intruder, body: EXAMPLES.allowInternal }),
        (err: NodeJS.ErrnoException) =>
          ['ECONNRESET', 'EPIPE'].includes(err.code ?? '') || /socket hang up|alert/i.test(err.message),
      );
      assert.equal((await trail.head()).seq, before, 'no decision was made or recorded for the intruder');
    });

    it('records a session delete under the certificate CN', async () => {
      await server.regent.flow().sessions.commit('sess-mtls', 0, { add_labels: ['pii'] });
      const res = await server.request('DELETE', '/v1/sessions/sess-mtls', { client: operator });
      assert.equal(res.status, 204, res.text);
      const page = await server.request('GET', '/v1/audit?type=admin', { client: operator });
      const record = page.body.records.find((r: { action: string }) => r.action === 'session.delete');
      assert.deepEqual(record?.actor, { id: 'Ops Console', auth: 'mtls' });
    });
  });

  describe('with client certificates and tokens', () => {
    const ops = makeToken('ops', ['admin']);
    let server: SecureServer;
    before(async () => {
      server = await startSecureRegent({
        tls: { server: pki.server, clientCa: pki.ca, trust: pki.ca.certPem },
        clients: [{ cn: 'agent-gateway', scopes: ['decide'] }],
        tokens: [ops],
        config: { bundlePath: (await regoBundle()).file },
      });
    });
    after(async () => server.close());

    it('lets a client without a certificate in with a token', async () => {
      assert.equal((await server.request('GET', '/v1/audit', { token: ops.token })).status, 200);
    });

    it('lets a certificate holder in without a token', async () => {
      assert.equal(
        (await server.request('POST', '/v1/decisions', { client: gateway, body: EXAMPLES.allowInternal })).status,
        200,
      );
    });

    it('refuses a bad token even from a trusted certificate holder', async () => {
      assert.equal(
        (
          await server.request('POST', '/v1/decisions', {
            client: gateway,
            token: 'forged',
            body: EXAMPLES.allowInternal,
          })
        ).status,
        401,
      );
    });
  });
});
