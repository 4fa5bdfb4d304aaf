/**
 * Secrets and personal data in object keys, end to end: regent's detectors report a key finding
 * with `in: "key"`, the shipped policy redacts it, and the member leaves as
 * `"[REDACTED:<type>]": "[REDACTED]"`, with nothing of the key left in the response or the logs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { regoBundle } from '../support/bundles.ts';
import { startRegent, type TestServer } from '../support/regent-server.ts';

const KEY = 'AKIAQ4LMZ8X2B7NWRT5Y';

const toPublic = (payload: unknown) => ({
  agent: { id: 'hr-assistant' },
  action: { tool: 'email.send', kind: 'send' },
  data_flow: { destination: { system: 'email', audience: 'public' } },
  payload,
});

describe('POST /v1/decisions with secrets in object keys', () => {
  let server: TestServer;
  before(async () => {
    const bundle = await regoBundle();
    server = await startRegent({ bundlePath: bundle.file });
  });
  after(async () => server.close());

  it('redacts an AWS key used as an object key on its way to a public destination', async () => {
    const res = await server.post('/v1/decisions', toPublic({ config: { [KEY]: 'prod' } }));
    assert.equal(res.status, 200);
    assert.equal(res.body.decision, 'redact', JSON.stringify(res.body));
    assert.deepEqual(res.body.payload, { config: { '[REDACTED:aws_access_key]': '[REDACTED]' } });
    assert.deepEqual(
      res.body.redactions.map((r: { path: string }) => r.path),
      ['/payload/config/*'],
    );
    assert.deepEqual(
      res.body.reasons.map((r: { code: string }) => r.code),
      ['detect.secret_redacted'],
    );
    assert.ok(!res.text.includes(KEY), `response leaks the key: ${res.text}`);
    assert.ok(!server.logs().includes(KEY), 'logs leak the key');
  });

  it('keeps the rest of the object, and removes the key wherever else it appears', async () => {
    const res = await server.post(
      '/v1/decisions',
      toPublic({ config: { region: 'eu-west-1', [KEY]: 'prod' }, text: `use ${KEY} for now` }),
    );
    assert.equal(res.body.decision, 'redact', JSON.stringify(res.body));
    assert.deepEqual(res.body.payload, {
      config: { region: 'eu-west-1', '[REDACTED:aws_access_key]': '[REDACTED]' },
      text: 'use [REDACTED:aws_access_key] for now',
    });
    assert.ok(!res.text.includes(KEY), `response leaks the key: ${res.text}`);
  });

  it('still allows an object whose keys hold nothing', async () => {
    const res = await server.post('/v1/decisions', toPublic({ config: { region: 'eu-west-1' } }));
    assert.equal(res.body.decision, 'allow', JSON.stringify(res.body));
  });
});
