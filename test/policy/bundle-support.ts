/**
 * Shared fixtures for the bundle signing tests: key pairs, a tiny Rego source, bundles built and
 * signed by the real `opa` binary, OPA's own verification as the reference, and re-packing to
 * tamper with a signed bundle.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SigningAlgorithm } from '../../src/policy/bundle/jws.ts';
import { unpackTarGz } from '../../src/policy/bundle/read-bundle.ts';
import { packTarGz } from '../../src/policy/bundle/sign-bundle.ts';
import type { VerificationConfig } from '../../src/policy/bundle/verify-bundle.ts';
import { runOpa } from '../../src/policy/toolchain/opa-cli.ts';

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-bundle-test-'));
  created.push(dir);
  return dir;
}

/** A signing key and its verification counterpart, as PEM text and as files. */
export interface TestKey {
  alg: SigningAlgorithm;
  privatePem: string;
  publicPem: string;
  privateFile: string;
  publicFile: string;
}

/** Generates a key for `alg` and writes it to `dir` (for HS*, both sides are the same secret). */
export async function makeKey(dir: string, alg: SigningAlgorithm, name: string): Promise<TestKey> {
  let privatePem: string;
  let publicPem: string;
  if (alg.startsWith('HS')) {
    privatePem = publicPem = randomBytes(32).toString('hex');
  } else {
    const pair =
      alg.startsWith('RS') || alg.startsWith('PS')
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : alg === 'EdDSA'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('ec', {
              namedCurve: alg === 'ES256' ? 'prime256v1' : alg === 'ES384' ? 'secp384r1' : 'secp521r1',
            });
    privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  }
  const privateFile = path.join(dir, `${name}.key`);
  const publicFile = path.join(dir, `${name}.pub`);
  await writeFile(privateFile, privatePem);
  await writeFile(publicFile, publicPem);
  return { alg, privatePem, publicPem, privateFile, publicFile };
}

/** A verification config with one key. */
export function verificationFor(key: TestKey, id: string, extra: Partial<VerificationConfig> = {}): VerificationConfig {
  return { keys: { [id]: { algorithm: key.alg, key: key.publicPem } }, ...extra };
}

/** Writes a tiny policy (package x, rule allow) and its data.json under `dir/src`; returns the source dir. */
export async function writeSource(dir: string, dataJson = '{"threshold": 1}'): Promise<string> {
  const src = path.join(dir, 'src');
  await mkdir(path.join(src, 'x'), { recursive: true });
  await writeFile(path.join(src, 'x', 'p.rego'), 'package x\n\nallow if input.n >= data.x.threshold\n');
  await writeFile(path.join(src, 'x', 'data.json'), dataJson);
  return src;
}

/** Builds `src` into an unsigned bundle with the real opa binary (wasm target unless `rego`); returns its bytes. */
export async function opaBuild(
  src: string,
  out: string,
  options: { revision?: string; target?: 'wasm' | 'rego' } = {},
): Promise<Buffer> {
  const args = ['build', '-b', '-o', out];
  if ((options.target ?? 'wasm') === 'wasm') args.push('-t', 'wasm', '-e', 'x/allow');
  if (options.revision !== undefined) args.push('--revision', options.revision);
  const run = await runOpa([...args, src], { timeoutMs: 60_000 });
  if (run.code !== 0) throw new Error(`opa build failed: ${run.stdout}${run.stderr}`);
  return readFile(out);
}

/** How `opa build` should sign. */
export interface OpaSignOptions {
  key: TestKey;
  /** Written as the token's kid (opa build takes it from --verification-key-id; its default is "default"). */
  keyid?: string;
  /** Claims file contents (e.g. a scope); with claims, opa writes no kid. */
  claims?: Record<string, unknown>;
}

/** Builds `src` into a wasm bundle signed by the real opa binary; returns its path and bytes. */
export async function opaBuildSigned(
  src: string,
  out: string,
  options: OpaSignOptions,
): Promise<{ file: string; bytes: Buffer }> {
  const args = [
    'build',
    '-b',
    '-t',
    'wasm',
    '-e',
    'x/allow',
    '--signing-key',
    options.key.privateFile,
    '--signing-alg',
    options.key.alg,
    '-o',
    out,
  ];
  if (options.keyid !== undefined) args.push('--verification-key-id', options.keyid);
  if (options.claims !== undefined) {
    const claimsFile = `${out}.claims.json`;
    await writeFile(claimsFile, JSON.stringify(options.claims));
    args.push('--claims-file', claimsFile);
  }
  args.push(src);
  const run = await runOpa(args, { timeoutMs: 60_000 });
  if (run.code !== 0) throw new Error(`opa build failed: ${run.stdout}${run.stderr}`);
  return { file: out, bytes: await readFile(out) };
}

/** How OPA should verify a bundle. */
export interface OpaVerifyOptions {
  key: TestKey;
  keyid?: string;
  scope?: string;
}

/** Asks the real opa binary to verify a bundle file (`opa build -b <file> --verification-key ...`); `output` is what it printed (errors go to stdout). */
export async function opaVerify(file: string, options: OpaVerifyOptions): Promise<{ ok: boolean; output: string }> {
  const args = [
    'build',
    '-b',
    file,
    '-o',
    `${file}.opa-check.tar.gz`,
    '--verification-key',
    options.key.publicFile,
    '--signing-alg',
    options.key.alg,
  ];
  if (options.keyid !== undefined) args.push('--verification-key-id', options.keyid);
  if (options.scope !== undefined) args.push('--scope', options.scope);
  const run = await runOpa(args, { timeoutMs: 60_000 });
  return { ok: run.code === 0, output: (run.stdout + run.stderr).trim() };
}

/** Re-packs a bundle after `edit` changes its files (paths with leading `/`). */
export async function repack(bytes: Uint8Array, edit: (files: Map<string, Uint8Array>) => void): Promise<Uint8Array> {
  const files = await unpackTarGz(bytes);
  edit(files);
  return packTarGz(files);
}

/** The decoded header and payload of a bundle's signature token. */
export async function signatureClaims(
  bytes: Uint8Array,
): Promise<{ header: Record<string, unknown>; payload: Record<string, unknown> }> {
  const files = await unpackTarGz(bytes);
  const doc = JSON.parse(Buffer.from(files.get('/.signatures.json') ?? '').toString('utf8')) as {
    signatures: string[];
  };
  const [h, p] = (doc.signatures[0] ?? '').split('.');
  const decode = (s: string | undefined): Record<string, unknown> =>
    JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(h), payload: decode(p) };
}
