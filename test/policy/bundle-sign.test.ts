/**
 * Bundle signing, specified by what the real `opa` binary accepts: a bundle regent signs must
 * verify in OPA (and in regent) with the matching public key, keep every file byte for byte, and
 * fail OPA's check with any other key. Covers the library function and the script.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BundleError } from '../../src/errors/policy-errors.ts';
import type { SigningAlgorithm } from '../../src/policy/bundle/jws.ts';
import { readBundle, unpackTarGz } from '../../src/policy/bundle/read-bundle.ts';
import { signBundle } from '../../src/policy/bundle/sign-bundle.ts';
import { verifyBundle } from '../../src/policy/bundle/verify-bundle.ts';
import { REPO_ROOT } from '../../src/policy/toolchain/opa-cli.ts';
import {
  makeKey,
  opaBuild,
  opaBuildSigned,
  opaVerify,
  signatureClaims,
  tempDir,
  verificationFor,
  writeSource,
  type TestKey,
} from './bundle-support.ts';

const execFileAsync = promisify(execFile);

let dir: string;
let src: string;
let unsigned: Buffer;
const keys = new Map<SigningAlgorithm, TestKey>();
let stranger: TestKey;

before(async () => {
  dir = await tempDir();
  src = await writeSource(dir);
  unsigned = await opaBuild(src, path.join(dir, 'unsigned.tar.gz'));
  const algs: SigningAlgorithm[] = ['RS256', 'ES256', 'PS256', 'EdDSA', 'HS256'];
  for (const key of await Promise.all(algs.map((alg) => makeKey(dir, alg, alg.toLowerCase())))) keys.set(key.alg, key);
  stranger = await makeKey(dir, 'RS256', 'stranger');
});

function key(alg: SigningAlgorithm): TestKey {
  return keys.get(alg) as TestKey;
}

describe('signBundle writes signatures opa accepts', () => {
  // `verifyAs` is the key id OPA is told to use; opa's CLI default is "default".
  const cases: { note: string; alg: SigningAlgorithm; keyid?: string; scope?: string; verifyAs: string }[] = [
    { note: 'RS256 with a key id', alg: 'RS256', keyid: 'regent-ci', verifyAs: 'regent-ci' },
    { note: 'ES256 with a key id (raw r||s signature)', alg: 'ES256', keyid: 'ec-1', verifyAs: 'ec-1' },
    { note: 'RS256 without a key id (the verifier must configure one)', alg: 'RS256', verifyAs: 'default' },
    { note: 'RS256 with a scope', alg: 'RS256', keyid: 'k', scope: 'prod', verifyAs: 'k' },
    { note: 'PS256', alg: 'PS256', keyid: 'p', verifyAs: 'p' },
    { note: 'EdDSA', alg: 'EdDSA', keyid: 'e', verifyAs: 'e' },
    { note: 'HS256', alg: 'HS256', keyid: 'h', verifyAs: 'h' },
  ];
  for (const [i, c] of cases.entries()) {
    it(`signs with ${c.note}`, async () => {
      const k = key(c.alg);
      const signed = await signBundle(unsigned, {
        key: k.privatePem,
        alg: c.alg,
        ...(c.keyid === undefined ? {} : { keyid: c.keyid }),
        ...(c.scope === undefined ? {} : { scope: c.scope }),
      });
      const file = path.join(dir, `signed-${i}.tar.gz`);
      await writeFile(file, signed);

      const opa = await opaVerify(file, {
        key: k,
        keyid: c.verifyAs,
        ...(c.scope === undefined ? {} : { scope: c.scope }),
      });
      assert.ok(opa.ok, `opa rejected it: ${opa.output}`);
      const regent = verifyBundle(
        await unpackTarGz(signed),
        verificationFor(k, c.verifyAs, { keyid: c.verifyAs, ...(c.scope === undefined ? {} : { scope: c.scope }) }),
      );
      assert.equal(regent?.algorithm, c.alg);

      // The token carries what OPA's signer writes: kid header and the deprecated keyid claim.
      const { header, payload } = await signatureClaims(signed);
      assert.equal(header['alg'], c.alg);
      assert.equal(header['kid'], c.keyid);
      assert.equal(payload['keyid'], c.keyid);
      assert.equal(payload['scope'], c.scope);
    });
  }

  it('is checked for real: opa rejects the signed bundle with any other key', async () => {
    const file = path.join(dir, 'signed-stranger.tar.gz');
    await writeFile(file, await signBundle(unsigned, { key: key('RS256').privatePem, keyid: 'k' }));
    const opa = await opaVerify(file, { key: stranger, keyid: 'k' });
    assert.equal(opa.ok, false);
    assert.match(opa.output, /failed to verify JWT signature/);
  });

  it('keeps every file byte for byte and the bundle loadable', async () => {
    const signed = await signBundle(unsigned, { key: key('ES256').privatePem, alg: 'ES256', keyid: 'ec-1' });
    const before = await unpackTarGz(unsigned);
    const after = await unpackTarGz(signed);
    assert.deepEqual([...after.keys()].filter((p) => p !== '/.signatures.json').sort(), [...before.keys()].sort());
    for (const [p, bytes] of before)
      assert.ok(Buffer.from(bytes).equals(Buffer.from(after.get(p) as Uint8Array)), `${p} changed`);
    assert.equal((await readBundle(signed)).manifest.wasm[0]?.module, '/policy.wasm');
  });

  it('replaces an existing signature: re-signing an OPA-signed bundle moves it to the new key', async () => {
    const opaSigned = (await opaBuildSigned(src, path.join(dir, 'opa-signed.tar.gz'), { key: stranger, keyid: 'old' }))
      .bytes;
    const file = path.join(dir, 'resigned.tar.gz');
    await writeFile(file, await signBundle(opaSigned, { key: key('RS256').privatePem, keyid: 'new' }));
    assert.ok((await opaVerify(file, { key: key('RS256'), keyid: 'new' })).ok);
    assert.equal((await opaVerify(file, { key: stranger, keyid: 'old' })).ok, false);
  });

  it('is reproducible: the same input and key give the same bytes', async () => {
    const options = { key: key('RS256').privatePem, keyid: 'k' };
    assert.ok(
      Buffer.from(await signBundle(unsigned, options)).equals(Buffer.from(await signBundle(unsigned, options))),
    );
  });

  it('refuses a key that does not fit the algorithm', async () => {
    await assert.rejects(signBundle(unsigned, { key: key('RS256').privatePem, alg: 'ES256' }), (err: unknown) => {
      assert.ok(err instanceof BundleError);
      assert.match(err.message, /cannot sign with this key: a rsa key cannot be used with ES256/);
      return true;
    });
  });
});

describe('regent bundle sign', () => {
  const cli = path.join(REPO_ROOT, 'src/cli/main.ts');

  it('signs a bundle file that opa then verifies', async () => {
    const input = path.join(dir, 'script-in.tar.gz');
    const out = path.join(dir, 'script-out.tar.gz');
    await writeFile(input, unsigned);
    const run = await execFileAsync(process.execPath, [
      cli,
      'bundle',
      'sign',
      '--bundle',
      input,
      '--key',
      key('ES256').privateFile,
      '--alg',
      'ES256',
      '--keyid',
      'ci',
      '--out',
      out,
    ]);
    assert.match(run.stdout, /signed .*script-out\.tar\.gz with ES256 key ci/);
    assert.ok((await opaVerify(out, { key: key('ES256'), keyid: 'ci' })).ok);
    assert.ok(Buffer.from(await readFile(input)).equals(unsigned), 'input left alone when --out is given');
  });

  it('fails with a usage message and exit code 2 when --key is missing', async () => {
    const input = path.join(dir, 'script-in.tar.gz');
    await assert.rejects(
      execFileAsync(process.execPath, [cli, 'bundle', 'sign', '--bundle', input]),
      (err: unknown) => {
        const e = err as { code: number; stderr: string };
        assert.equal(e.code, 2);
        assert.match(e.stderr, /--bundle and --key are required\nusage: regent bundle sign/);
        return true;
      },
    );
  });
});
