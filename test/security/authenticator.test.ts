/**
 * The authenticator, without HTTP: which credentials identify whom, and the constant-time shape
 * of the token check (asserted structurally by counting hashes and comparisons, not by timing).
 */
import assert from 'node:assert/strict';
import { createHash, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import { Authenticator, type PeerCertificate } from '../../src/security/authenticator.ts';
import { SCOPES } from '../../src/security/identity.ts';
import { AUTH_OFF, type SecuritySettings } from '../../src/security/security-settings.ts';

const hash = (token: string) => createHash('sha256').update(token).digest();
const TOKENS = {
  ci: 'tok-ci-0123456789abcdef',
  ops: 'tok-ops-0123456789abcdef',
  scrape: 'tok-scrape-0123456789abcdef',
};
const settings: SecuritySettings = {
  tokens: [
    { id: 'ci-bot', hash: hash(TOKENS.ci), scopes: ['decide'] },
    { id: 'ops', hash: hash(TOKENS.ops), scopes: ['admin'] },
    { id: 'prometheus', hash: hash(TOKENS.scrape), scopes: ['metrics'] },
  ],
  clients: [{ cn: 'agent-gateway', scopes: ['decide'] }],
  tls: { certPath: 'server.crt', keyPath: 'server.key', clientCaPath: 'ca.crt' },
};
const verified = (cn: string | null): PeerCertificate => ({ authorized: true, cn });
const unverified: PeerCertificate = { authorized: false, cn: null };

describe('Authenticator.identify', () => {
  const auth = new Authenticator(settings);
  const cases: { note: string; authorization?: string; peer?: PeerCertificate; want: string }[] = [
    {
      note: 'a decide token names its id and scopes',
      authorization: `Bearer ${TOKENS.ci}`,
      want: 'ci-bot/bearer/decide',
    },
    {
      note: 'the scheme is case-insensitive (RFC 7235)',
      authorization: `bearer ${TOKENS.ops}`,
      want: 'ops/bearer/admin',
    },
    { note: 'a metrics token', authorization: `Bearer ${TOKENS.scrape}`, want: 'prometheus/bearer/metrics' },
    { note: 'no header and no certificate', want: 'missing' },
    { note: 'a connection without a verified certificate counts as none', peer: unverified, want: 'missing' },
    { note: 'an unknown token', authorization: 'Bearer not-a-configured-token', want: 'invalid' },
    { note: 'a token with one character changed', authorization: `Bearer ${TOKENS.ci.slice(0, -1)}x`, want: 'invalid' },
    { note: 'Basic credentials', authorization: 'Basic dXNlcjpwYXNz', want: 'invalid' },
    { note: 'Bearer without a token', authorization: 'Bearer ', want: 'invalid' },
    {
      note: 'a token with characters RFC 6750 does not allow',
      authorization: `Bearer ${TOKENS.ci} extra`,
      want: 'invalid',
    },
    { note: 'an empty header', authorization: '', want: 'invalid' },
    {
      note: 'a verified certificate with a mapped CN',
      peer: verified('agent-gateway'),
      want: 'agent-gateway/mtls/decide',
    },
    {
      note: 'a verified certificate the map does not name gets no scopes',
      peer: verified('stranger'),
      want: 'stranger/mtls/',
    },
    { note: 'a verified certificate without a single CN', peer: verified(null), want: 'invalid' },
    {
      note: 'a bad token is refused even over a good certificate',
      authorization: 'Bearer wrong',
      peer: verified('agent-gateway'),
      want: 'invalid',
    },
    {
      note: 'a good token wins over a certificate',
      authorization: `Bearer ${TOKENS.ops}`,
      peer: verified('agent-gateway'),
      want: 'ops/bearer/admin',
    },
  ];
  for (const c of cases) {
    it(c.note, () => {
      const outcome = auth.identify(c.authorization, c.peer ?? null);
      const got =
        outcome.kind === 'identified'
          ? `${outcome.identity.id}/${outcome.identity.auth}/${[...outcome.identity.scopes].join(',')}`
          : outcome.kind;
      assert.equal(got, c.want);
    });
  }

  it('lets every caller do everything when no tokens and no client CA are configured (OPA default)', () => {
    const off = new Authenticator(AUTH_OFF);
    assert.equal(off.enabled, false);
    for (const header of [undefined, 'Bearer whatever', 'garbage']) {
      const outcome = off.identify(header, null);
      assert.equal(outcome.kind, 'identified');
      assert.deepEqual(outcome.kind === 'identified' ? [...outcome.identity.scopes].sort() : [], [...SCOPES].sort());
    }
  });

  it('turns on with TLS client certificates alone', () => {
    assert.equal(new Authenticator({ tokens: [], clients: settings.clients, tls: settings.tls }).enabled, true);
    assert.equal(
      new Authenticator({ tokens: [], clients: [], tls: { certPath: 'a', keyPath: 'b', clientCaPath: null } }).enabled,
      false,
    );
  });
});

describe('the bearer token check', () => {
  const presented = [
    { note: 'the first configured token', token: TOKENS.ci, want: 'ci-bot' },
    { note: 'the last configured token', token: TOKENS.scrape, want: 'prometheus' },
    { note: 'a token matching none', token: 'no-such-token', want: null },
    { note: 'a very long token', token: 'x'.repeat(4000), want: null },
  ];
  for (const c of presented) {
    it(`hashes once and compares against every configured hash, with ${c.note}`, () => {
      const compared: Buffer[] = [];
      let digests = 0;
      const auth = new Authenticator(settings, {
        digest: (token) => {
          digests++;
          return hash(token);
        },
        compare: (a, b) => {
          assert.equal(a.length, b.length, 'digests of equal length');
          compared.push(Buffer.from(b));
          return timingSafeEqual(a, b);
        },
      });
      assert.equal(auth.verifyToken(c.token)?.id ?? null, c.want);
      assert.equal(digests, 1);
      assert.deepEqual(
        compared.map((b) => b.toString('hex')),
        settings.tokens.map((t) => t.hash.toString('hex')),
        'each configured hash compared once, in order, with no early exit',
      );
    });
  }

  it('never compares the plaintext token itself', () => {
    const seen: string[] = [];
    const auth = new Authenticator(settings, {
      compare: (a, b) => {
        seen.push(Buffer.from(a).toString('utf8'), Buffer.from(b).toString('utf8'));
        return timingSafeEqual(a, b);
      },
    });
    auth.identify(`Bearer ${TOKENS.ops}`, null);
    assert.ok(seen.every((s) => !s.includes(TOKENS.ops)));
  });
});

describe('identities', () => {
  it('cannot gain a scope at run time: one identity serves every request with its credential', () => {
    const outcome = new Authenticator(settings).identify(`Bearer ${TOKENS.ci}`, null);
    assert.equal(outcome.kind, 'identified');
    if (outcome.kind !== 'identified') return;
    const scopes = outcome.identity.scopes as Set<string>;
    assert.throws(() => scopes.add('admin'), TypeError);
    assert.throws(() => scopes.clear(), TypeError);
    assert.deepEqual([...outcome.identity.scopes], ['decide']);
  });
});

describe('Authenticator.reload', () => {
  it('revokes a removed token and admits a new one, keeping the other tables in step', () => {
    const auth = new Authenticator(settings);
    const bearer = (token: string) => auth.identify(`Bearer ${token}`, null);
    assert.equal(bearer(TOKENS.ci).kind, 'identified');
    const fresh = 'tok-fresh-0123456789abcdef';
    auth.reload({
      ...settings,
      tokens: [
        { id: 'ops', hash: hash(TOKENS.ops), scopes: ['admin'] },
        { id: 'ci-bot-2', hash: hash(fresh), scopes: ['decide', 'metrics'] },
      ],
      clients: [{ cn: 'agent-gateway', scopes: ['metrics'] }],
    });
    assert.deepEqual(bearer(TOKENS.ci), { kind: 'invalid', reason: 'unknown bearer token' });
    const added = bearer(fresh);
    assert.equal(added.kind === 'identified' && added.identity.id, 'ci-bot-2');
    assert.equal(added.kind === 'identified' && added.identity.scopes.has('metrics'), true);
    const gateway = auth.identify(undefined, verified('agent-gateway'));
    assert.equal(gateway.kind === 'identified' && [...gateway.identity.scopes].join(), 'metrics');
  });

  it('refuses a reload that would turn authentication off or on, and keeps the current credentials', () => {
    const on = new Authenticator(settings);
    assert.throws(() => on.reload(AUTH_OFF), /turn authentication off/);
    assert.equal(on.identify(`Bearer ${TOKENS.ci}`, null).kind, 'identified');
    const off = new Authenticator(AUTH_OFF);
    assert.throws(() => off.reload(settings), /authentication is off/);
    assert.equal(off.identify(undefined, null).kind, 'identified');
  });
});
