/**
 * The security configuration: tokens only as sha256 hashes, a CN -> scopes map for client
 * certificates, TLS files that must fit together; every problem reported at start-up at once,
 * and no file content (possibly a secret) repeated in a message.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';
import { authEnabled } from '../../src/security/security-settings.ts';
import { createTestPki } from '../support/test-pki.ts';

const HASH = createHash('sha256').update('a-good-token').digest('hex');

/** loadConfig with `files` as the only readable files. */
function load(env: Record<string, string>, files: Record<string, string>) {
  return loadConfig(env, (p) => {
    if (!Object.hasOwn(files, p)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return files[p] as string;
  });
}

function problems(env: Record<string, string>, files: Record<string, string>): string[] {
  try {
    load(env, files);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('REGENT_TOKENS_FILE', () => {
  it('reads hashed tokens with their scopes and turns authentication on', () => {
    const config = load(
      { REGENT_TOKENS_FILE: '/t.json' },
      {
        '/t.json': JSON.stringify({
          tokens: [{ id: 'ci-bot', sha256: HASH.toUpperCase(), scopes: ['decide', 'metrics', 'decide'] }],
        }),
      },
    );
    assert.equal(config.security.tokens.length, 1);
    assert.equal(config.security.tokens[0]?.hash.toString('hex'), HASH);
    assert.deepEqual(config.security.tokens[0]?.scopes, ['decide', 'metrics']);
    assert.equal(authEnabled(config.security), true);
  });

  it('leaves authentication off when unset (OPA default)', () => {
    assert.equal(authEnabled(load({}, {}).security), false);
  });

  const bad: { note: string; file: unknown; want: RegExp[]; secret?: string }[] = [
    {
      note: 'a plaintext token',
      file: { tokens: [{ id: 'a', token: 's3cr3t-plaintext', scopes: ['decide'] }] },
      want: [/plaintext tokens are not accepted/, /sha256: must be 64 hex digits/],
      secret: 's3cr3t-plaintext',
    },
    {
      note: 'a hash of the wrong length',
      file: { tokens: [{ id: 'a', sha256: 'abc123', scopes: ['decide'] }] },
      want: [/sha256: must be 64 hex digits/],
    },
    {
      note: 'an unknown scope',
      file: { tokens: [{ id: 'a', sha256: HASH, scopes: ['root'] }] },
      want: [/scopes: must be a non-empty list of decide, admin, metrics/],
    },
    {
      note: 'no scopes',
      file: { tokens: [{ id: 'a', sha256: HASH, scopes: [] }] },
      want: [/scopes: must be a non-empty list/],
    },
    {
      note: 'an id with spaces',
      file: { tokens: [{ id: 'a b', sha256: HASH, scopes: ['admin'] }] },
      want: [/\.id: must be 1-128 characters/],
    },
    {
      note: 'the same id or hash twice',
      file: {
        tokens: [
          { id: 'a', sha256: HASH, scopes: ['admin'] },
          { id: 'a', sha256: HASH, scopes: ['decide'] },
        ],
      },
      want: [/tokens\[1\]\.sha256: the same token is configured twice/, /tokens\[1\]\.id: "a" is used twice/],
    },
    {
      note: 'an unknown field',
      file: { tokens: [{ id: 'a', sha256: HASH, scopes: ['admin'], expires: 'never' }] },
      want: [/unknown field "expires"/],
    },
    { note: 'an empty list', file: { tokens: [] }, want: [/holds no tokens/] },
    { note: 'a bare array', file: [{ id: 'a', sha256: HASH, scopes: ['admin'] }], want: [/must be a JSON object/] },
    { note: 'text that is not JSON', file: 'tokens: yes', want: [/is not valid JSON/] },
  ];
  for (const c of bad) {
    it(`refuses ${c.note}`, () => {
      const text = typeof c.file === 'string' ? c.file : JSON.stringify(c.file);
      const found = problems({ REGENT_TOKENS_FILE: '/t.json' }, { '/t.json': text });
      for (const want of c.want)
        assert.ok(
          found.some((p) => want.test(p)),
          `${want} in ${JSON.stringify(found)}`,
        );
      if (c.secret !== undefined) assert.ok(!found.join('\n').includes(c.secret));
    });
  }

  it('reports a missing file with the other bad keys, all at once', () => {
    const found = problems(
      { REGENT_TOKENS_FILE: '/nope.json', REGENT_PORT: '99999', REGENT_ALLOW_UNAUTHENTICATED_NETWORK: 'maybe' },
      {},
    );
    assert.ok(
      found.some((p) => /REGENT_TOKENS_FILE \(\/nope\.json\): cannot read: ENOENT/.test(p)),
      JSON.stringify(found),
    );
    assert.ok(found.some((p) => /REGENT_PORT/.test(p)));
    assert.ok(found.some((p) => /REGENT_ALLOW_UNAUTHENTICATED_NETWORK: "maybe" is not a boolean/.test(p)));
  });
});

describe('TLS settings', () => {
  const pki = createTestPki();
  after(() => pki.dispose());
  const other = pki.client('other');
  const files = {
    [pki.server.cert]: pki.server.certPem.toString(),
    [pki.server.key]: pki.server.keyPem.toString(),
    [pki.ca.cert]: pki.ca.certPem.toString(),
    [other.key]: other.keyPem.toString(),
    '/clients.json': JSON.stringify({ clients: [{ cn: 'Agent Gateway', scopes: ['decide'] }] }),
  };
  const tls = { REGENT_TLS_CERT: pki.server.cert, REGENT_TLS_KEY: pki.server.key };

  it('accepts a certificate, its key, a client CA and a client map', () => {
    const config = load({ ...tls, REGENT_TLS_CLIENT_CA: pki.ca.cert, REGENT_TLS_CLIENTS_FILE: '/clients.json' }, files);
    assert.deepEqual(config.security.clients, [{ cn: 'Agent Gateway', scopes: ['decide'] }]);
    assert.equal(config.security.tls?.clientCaPath, pki.ca.cert);
    assert.equal(authEnabled(config.security), true);
  });

  it('treats TLS without a client CA as encryption only (authentication stays off)', () => {
    assert.equal(authEnabled(load(tls, files).security), false);
  });

  const bad = [
    { note: 'a certificate without its key', env: { REGENT_TLS_CERT: pki.server.cert }, want: /give both, or neither/ },
    {
      note: 'a key that belongs to another certificate',
      env: { REGENT_TLS_CERT: pki.server.cert, REGENT_TLS_KEY: other.key },
      want: /not usable together/,
    },
    {
      note: 'a client CA without a client map',
      env: { ...tls, REGENT_TLS_CLIENT_CA: pki.ca.cert },
      want: /needs REGENT_TLS_CLIENTS_FILE/,
    },
    {
      note: 'a client map without a client CA',
      env: { ...tls, REGENT_TLS_CLIENTS_FILE: '/clients.json' },
      want: /needs REGENT_TLS_CLIENT_CA/,
    },
    {
      note: 'an unreadable client CA',
      env: { ...tls, REGENT_TLS_CLIENT_CA: '/missing-ca.crt', REGENT_TLS_CLIENTS_FILE: '/clients.json' },
      want: /REGENT_TLS_CLIENT_CA \(\/missing-ca\.crt\): cannot read/,
    },
  ];
  for (const c of bad) {
    it(`refuses ${c.note}`, () => {
      const found = problems(c.env, files);
      assert.ok(
        found.some((p) => c.want.test(p)),
        JSON.stringify(found),
      );
      assert.ok(!found.join('\n').includes('PRIVATE KEY'), 'no key material in messages');
    });
  }
});
