/**
 * Bundle signature verification, specified against bundles the real `opa build --signing-key`
 * produced: what OPA signs, regent accepts; every way a bundle can differ from what was signed
 * is rejected with its own reason and a message that says what happened.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { readBundle, unpackTarGz } from '../../src/policy/bundle/read-bundle.ts';
import { BundleVerificationError, type VerificationFailure } from '../../src/policy/bundle/verification-error.ts';
import {
  checkVerificationConfig,
  verifyBundle,
  type VerificationConfig,
} from '../../src/policy/bundle/verify-bundle.ts';
import {
  makeKey,
  opaBuildSigned,
  repack,
  tempDir,
  verificationFor,
  writeSource,
  type TestKey,
} from './bundle-support.ts';

interface Fixtures {
  rsa: TestKey;
  ec: TestKey;
  attacker: TestKey;
  pss: TestKey;
  ed: TestKey;
  hmac: TestKey;
  /** RS256, kid "default" (opa build's default). */
  rs: Uint8Array;
  /** ES256, kid "ec-1". */
  es: Uint8Array;
  /** RS256 with a claims file {scope: "write"}: opa writes no kid then. */
  scoped: Uint8Array;
  /** Signed by the attacker's key, kid "attacker". */
  attackerOwnKid: Uint8Array;
  /** Signed by the attacker's key but claiming kid "prod". */
  attackerAsProd: Uint8Array;
  ps: Uint8Array;
  eddsa: Uint8Array;
  hs: Uint8Array;
}

let f: Fixtures;

before(async () => {
  const dir = await tempDir();
  const src = await writeSource(dir);
  const [rsa, ec, attacker, pss, ed, hmac] = await Promise.all([
    makeKey(dir, 'RS256', 'rsa'),
    makeKey(dir, 'ES256', 'ec'),
    makeKey(dir, 'RS256', 'attacker'),
    makeKey(dir, 'PS256', 'pss'),
    makeKey(dir, 'EdDSA', 'ed'),
    makeKey(dir, 'HS256', 'hmac'),
  ]);
  const build = async (name: string, options: Parameters<typeof opaBuildSigned>[2]): Promise<Uint8Array> =>
    (await opaBuildSigned(src, path.join(dir, `${name}.tar.gz`), options)).bytes;
  f = {
    rsa,
    ec,
    attacker,
    pss,
    ed,
    hmac,
    rs: await build('rs', { key: rsa }),
    es: await build('es', { key: ec, keyid: 'ec-1' }),
    scoped: await build('scoped', { key: rsa, claims: { scope: 'write' } }),
    attackerOwnKid: await build('attacker-own', { key: attacker, keyid: 'attacker' }),
    attackerAsProd: await build('attacker-prod', { key: attacker, keyid: 'prod' }),
    ps: await build('ps', { key: pss, keyid: 'p' }),
    eddsa: await build('eddsa', { key: ed, keyid: 'e' }),
    hs: await build('hs', { key: hmac, keyid: 'h' }),
  };
});

/** Flips one byte in the middle of a file. */
function flipByte(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  const i = Math.floor(copy.length / 2);
  copy[i] = (copy[i] as number) ^ 0x01;
  return copy;
}

/** Replaces the signature token inside .signatures.json. */
function editToken(files: Map<string, Uint8Array>, edit: (parts: string[]) => string[]): void {
  const doc = JSON.parse(Buffer.from(files.get('/.signatures.json') as Uint8Array).toString('utf8')) as {
    signatures: string[];
  };
  doc.signatures = [edit((doc.signatures[0] as string).split('.')).join('.')];
  files.set('/.signatures.json', Buffer.from(JSON.stringify(doc)));
}

function setJson(files: Map<string, Uint8Array>, file: string, value: unknown): void {
  files.set(file, Buffer.from(JSON.stringify(value)));
}

describe('verifyBundle accepts bundles signed by opa build', () => {
  const cases: {
    note: string;
    bundle: () => Uint8Array | Promise<Uint8Array>;
    config: () => VerificationConfig;
    keyid: string;
  }[] = [
    {
      note: 'RS256, key picked by the token kid ("default", what opa build writes)',
      bundle: () => f.rs,
      config: () => verificationFor(f.rsa, 'default'),
      keyid: 'default',
    },
    {
      note: 'ES256 with raw r||s signatures',
      bundle: () => f.es,
      config: () => verificationFor(f.ec, 'ec-1'),
      keyid: 'ec-1',
    },
    {
      note: 'a token whose kid names another id: the configured keyid decides the key',
      bundle: () => f.rs,
      config: () => verificationFor(f.rsa, 'prod', { keyid: 'prod' }),
      keyid: 'prod',
    },
    {
      note: 'a token whose kid picks one of several configured keys (rotation; no keyid configured)',
      bundle: () => f.es,
      config: () => ({
        keys: {
          default: { algorithm: 'RS256', key: f.rsa.publicPem },
          'ec-1': { algorithm: 'ES256', key: f.ec.publicPem },
        },
      }),
      keyid: 'ec-1',
    },
    {
      note: 'a scope claim equal to the configured scope (token without kid, keyid configured)',
      bundle: () => f.scoped,
      config: () => verificationFor(f.rsa, 'ci', { keyid: 'ci', scope: 'write' }),
      keyid: 'ci',
    },
    {
      note: "a scope expected by the key's own entry",
      bundle: () => f.scoped,
      config: () => ({ keys: { ci: { algorithm: 'RS256', key: f.rsa.publicPem, scope: 'write' } }, keyid: 'ci' }),
      keyid: 'ci',
    },
    { note: 'PS256', bundle: () => f.ps, config: () => verificationFor(f.pss, 'p'), keyid: 'p' },
    { note: 'EdDSA (Ed25519)', bundle: () => f.eddsa, config: () => verificationFor(f.ed, 'e'), keyid: 'e' },
    { note: 'HS256 with a shared secret', bundle: () => f.hs, config: () => verificationFor(f.hmac, 'h'), keyid: 'h' },
    {
      note: 'an unsigned file that matches exclude_files',
      bundle: () => repack(f.rs, (files) => files.set('/docs/README.txt', Buffer.from('unsigned notes'))),
      config: () => verificationFor(f.rsa, 'default', { exclude_files: ['docs/*.txt'] }),
      keyid: 'default',
    },
  ];
  for (const c of cases) {
    it(`accepts ${c.note}`, async () => {
      const bytes = await c.bundle();
      const signature = verifyBundle(await unpackTarGz(bytes), c.config());
      assert.equal(signature?.keyid, c.keyid);
      assert.ok(signature.verifiedFiles.includes('/policy.wasm'));
      assert.ok(signature.verifiedFiles.includes('/.manifest'));
      // What was verified is a loadable wasm bundle.
      assert.equal((await readBundle(bytes)).manifest.wasm[0]?.entrypoint, 'x/allow');
    });
  }

  it('accepts an unsigned bundle only when verification is not configured', async () => {
    const unsigned = await unpackTarGz(await repack(f.rs, (files) => files.delete('/.signatures.json')));
    assert.equal(verifyBundle(unsigned, undefined), undefined);
  });
});

describe('verifyBundle rejects bundles that differ from what was signed', () => {
  const cases: {
    note: string;
    bundle: () => Uint8Array | Promise<Uint8Array>;
    config: () => VerificationConfig | undefined;
    reason: VerificationFailure;
    message: RegExp;
  }[] = [
    {
      note: 'stripped: .signatures.json removed, keyid not configured (the 2026 advisory: OPA accepted this)',
      bundle: () => repack(f.rs, (files) => files.delete('/.signatures.json')),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'unsigned',
      message: /no \/\.signatures\.json but its source requires a signature/,
    },
    {
      note: 'stripped: .signatures.json removed, keyid configured',
      bundle: () => repack(f.rs, (files) => files.delete('/.signatures.json')),
      config: () => verificationFor(f.rsa, 'default', { keyid: 'default' }),
      reason: 'unsigned',
      message: /stripped or unsigned/,
    },
    {
      note: 'stripped of its token: an empty signatures list',
      bundle: () =>
        repack(f.rs, (files) => {
          setJson(files, '/.signatures.json', { signatures: [] });
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'unsigned',
      message: /holds no signature/,
    },
    {
      note: 'tampered: one byte of policy.wasm changed after signing',
      bundle: () =>
        repack(f.rs, (files) => files.set('/policy.wasm', flipByte(files.get('/policy.wasm') as Uint8Array))),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'digest_mismatch',
      message: /\/policy\.wasm does not match its signed SHA-256 digest \(file changed after signing\)/,
    },
    {
      note: 'tampered: a data value changed after signing',
      bundle: () =>
        repack(f.rs, (files) => {
          setJson(files, '/data.json', { x: { threshold: 0 } });
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'digest_mismatch',
      message: /\/data\.json does not match/,
    },
    {
      note: 'tampered: the manifest changed after signing',
      bundle: () =>
        repack(f.rs, (files) => {
          setJson(files, '/.manifest', {
            revision: 'evil',
            roots: [''],
            wasm: [{ entrypoint: 'x/allow', module: '/policy.wasm' }],
          });
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'digest_mismatch',
      message: /\/\.manifest does not match/,
    },
    {
      note: 'extra file added after signing',
      bundle: () => repack(f.rs, (files) => files.set('/y/data.json', Buffer.from('{"injected": true}'))),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'unsigned_file',
      message: /\/y\/data\.json is in the bundle but not in its signature/,
    },
    {
      note: 'a signed file removed after signing',
      bundle: () => repack(f.rs, (files) => files.delete('/data.json')),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'missing_file',
      message: /lists \/data\.json but the bundle lacks it/,
    },
    {
      note: 'wrong key: signed by another key while claiming the configured kid',
      bundle: () => f.attackerAsProd,
      config: () => verificationFor(f.rsa, 'prod'),
      reason: 'bad_signature',
      message: /does not verify with key "prod" \(RS256\)/,
    },
    {
      note: 'wrong key: signed by another key, keyid configured',
      bundle: () => f.attackerOwnKid,
      config: () => verificationFor(f.rsa, 'prod', { keyid: 'prod' }),
      reason: 'bad_signature',
      message: /does not verify with key "prod"/,
    },
    {
      note: 'keyid omitted in config, signature present with another key that names its own kid',
      bundle: () => f.attackerOwnKid,
      config: () => verificationFor(f.rsa, 'prod'),
      reason: 'unknown_key',
      message: /names key "attacker", which is not configured \(configured: prod\)/,
    },
    {
      note: 'wrong keyid: the configured keyid is a different key than the one that signed',
      bundle: () => f.rs,
      config: () => ({
        keys: { default: { key: f.rsa.publicPem }, other: { key: f.attacker.publicPem } },
        keyid: 'other',
      }),
      reason: 'bad_signature',
      message: /does not verify with key "other"/,
    },
    {
      note: 'no key named anywhere: token without kid and no configured keyid',
      bundle: () => f.scoped,
      config: () => verificationFor(f.rsa, 'ci', { scope: 'write' }),
      reason: 'no_key_id',
      message: /names no key/,
    },
    {
      note: 'wrong scope',
      bundle: () => f.scoped,
      config: () => verificationFor(f.rsa, 'ci', { keyid: 'ci', scope: 'read' }),
      reason: 'scope_mismatch',
      message: /signed for scope "write", expected "read"/,
    },
    {
      note: 'a scope is required but the token has none',
      bundle: () => f.rs,
      config: () => verificationFor(f.rsa, 'default', { scope: 'write' }),
      reason: 'scope_mismatch',
      message: /signed for scope "", expected "write"/,
    },
    {
      note: 'the token has a scope the configuration does not expect (OPA rejects this too)',
      bundle: () => f.scoped,
      config: () => verificationFor(f.rsa, 'ci', { keyid: 'ci' }),
      reason: 'scope_mismatch',
      message: /signed for scope "write", expected ""/,
    },
    {
      note: 'the token header says alg "none"',
      bundle: () =>
        repack(f.rs, (files) => {
          editToken(files, ([, p, s]) => [
            Buffer.from('{"alg":"none","kid":"default"}').toString('base64url'),
            p as string,
            s as string,
          ]);
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'algorithm_mismatch',
      message: /the token is "none" but key "default" is RS256/,
    },
    {
      note: 'an ES256 key configured for an RS256 token',
      bundle: () => f.rs,
      config: () => verificationFor(f.ec, 'default'),
      reason: 'algorithm_mismatch',
      message: /"RS256" but key "default" is ES256/,
    },
    {
      note: 'signature bytes altered',
      bundle: () =>
        repack(f.es, (files) => {
          editToken(files, ([h, p, s]) => [
            h as string,
            p as string,
            Buffer.from(flipByte(Buffer.from(s as string, 'base64url'))).toString('base64url'),
          ]);
        }),
      config: () => verificationFor(f.ec, 'ec-1'),
      reason: 'bad_signature',
      message: /does not verify with key "ec-1" \(ES256\)/,
    },
    {
      note: 'payload swapped for one listing other digests',
      bundle: () =>
        repack(f.rs, (files) => {
          editToken(files, ([h, , s]) => [
            h as string,
            Buffer.from(JSON.stringify({ files: [], keyid: 'default' })).toString('base64url'),
            s as string,
          ]);
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'bad_signature',
      message: /does not verify/,
    },
    {
      note: 'two JWTs in .signatures.json',
      bundle: () =>
        repack(f.rs, (files) => {
          const doc = JSON.parse(Buffer.from(files.get('/.signatures.json') as Uint8Array).toString('utf8')) as {
            signatures: string[];
          };
          setJson(files, '/.signatures.json', { signatures: [doc.signatures[0], doc.signatures[0]] });
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'malformed_signature',
      message: /holds 2 JWTs; OPA supports exactly one/,
    },
    {
      note: 'a token that is not a compact JWS',
      bundle: () =>
        repack(f.rs, (files) => {
          setJson(files, '/.signatures.json', { signatures: ['not-a-jwt'] });
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'malformed_signature',
      message: /3 dot-separated parts/,
    },
    {
      note: 'a signature plugin regent does not have',
      bundle: () =>
        repack(f.rs, (files) => {
          const doc = JSON.parse(Buffer.from(files.get('/.signatures.json') as Uint8Array).toString('utf8')) as Record<
            string,
            unknown
          >;
          setJson(files, '/.signatures.json', { ...doc, plugin: 'acme-kms' });
        }),
      config: () => verificationFor(f.rsa, 'default'),
      reason: 'unsupported_plugin',
      message: /verifier plugin "acme-kms"/,
    },
    {
      note: 'a signed bundle when no verification keys are configured (as OPA rejects it)',
      bundle: () => f.rs,
      config: () => undefined,
      reason: 'keys_not_configured',
      message: /signed but no verification keys are configured/,
    },
  ];
  for (const c of cases) {
    it(`rejects ${c.note}`, async () => {
      const files = await unpackTarGz(await c.bundle());
      assert.throws(
        () => verifyBundle(files, c.config()),
        (err: unknown) => {
          assert.ok(err instanceof BundleVerificationError, `expected BundleVerificationError, got ${String(err)}`);
          assert.equal(err.reason, c.reason);
          assert.equal(err.code, 'bundle_error');
          assert.match(err.message, /^bundle signature verification failed: /);
          assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }
});

describe('checkVerificationConfig reports every problem at once', () => {
  it('names each bad key, an unknown keyid and a malformed exclude pattern', () => {
    const problems = checkVerificationConfig({
      keys: {
        good: { algorithm: 'RS256', key: f.rsa.publicPem },
        notpem: { algorithm: 'RS256', key: 'hello' },
        curve: { algorithm: 'ES384', key: f.ec.publicPem },
        alg: { algorithm: 'XS999' as 'RS256', key: f.rsa.publicPem },
      },
      keyid: 'missing',
      exclude_files: ['[a-'],
    });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /keys\.notpem\.key: not a PEM/);
    assert.match(problems.join('\n'), /keys\.curve\.key: a ec prime256v1 key cannot be used with ES384/);
    assert.match(problems.join('\n'), /keys\.alg\.algorithm: "XS999"/);
    assert.match(problems.join('\n'), /signing\.keyid: key "missing" is not among the configured keys/);
    assert.match(problems.join('\n'), /exclude_files: pattern "\[a-"/);
  });

  it('refuses verification with no keys at all, so "configured" can never mean "checks nothing"', () => {
    assert.deepEqual(checkVerificationConfig({ keys: {} }), ['signing: no verification keys are configured']);
  });
});
