/**
 * Signs a bundle the way `opa build --signing-key` does, so any OPA (or regent) configured with
 * the matching key accepts it: every file except `/.signatures.json` is listed with its SHA-256
 * digest (JSON files in OPA's canonical form), the list goes into a JWT signed with the key, and
 * the token is written to `/.signatures.json` in OPA's layout. File contents are kept byte for
 * byte; only the archive is re-packed.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import tar from 'tar-stream';
import { BundleError } from '../../errors/policy-errors.ts';
import { DEFAULT_FILE_HASH, fileDigest } from './file-digest.ts';
import { isSigningAlgorithm, parseSigningKey, signCompact, verificationKeyFor, type SigningAlgorithm } from './jws.ts';
import { unpackTarGz, type BundleLimits } from './read-bundle.ts';
import { verifyBundle } from './verify-bundle.ts';

const gzipAsync = promisify(gzip);

/** How to sign a bundle. */
export interface SignBundleOptions {
  /** PEM private key (PKCS#8, PKCS#1 or SEC1), or the shared secret for HS algorithms. */
  key: string;
  /** JWA algorithm; OPA's default is RS256. */
  alg?: SigningAlgorithm;
  /** Key id written as the `kid` header (and OPA's deprecated `keyid` claim) so verifiers can pick the key. */
  keyid?: string;
  /** Scope claim; verifiers configured with a scope accept only bundles signed for it. */
  scope?: string;
  /** Limits for unpacking the input bundle. */
  limits?: BundleLimits;
}

/** Packs files (paths with leading `/`) into a gzipped tar the way OPA writes bundles: mode 0600, epoch mtimes. */
export async function packTarGz(files: Iterable<[string, Uint8Array]>): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    if (Buffer.isBuffer(c)) chunks.push(c);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const [name, bytes] of files) {
    // Fixed metadata keeps the output a function of the contents (reproducible signing).
    pack.entry(
      { name, mode: 0o600, mtime: new Date(0), uid: 0, gid: 0, type: 'file', size: bytes.length },
      Buffer.from(bytes),
    );
  }
  pack.finalize();
  await done;
  return new Uint8Array(await gzipAsync(Buffer.concat(chunks)));
}

/** Returns `bytes` re-packed with a fresh `/.signatures.json` (any old one is replaced); throws BundleError. */
export async function signBundle(bytes: Uint8Array, options: SignBundleOptions): Promise<Uint8Array> {
  const alg = options.alg ?? 'RS256';
  if (!isSigningAlgorithm(alg)) throw new BundleError(`cannot sign: unknown algorithm ${JSON.stringify(alg)}`);
  let key;
  try {
    key = parseSigningKey(alg, options.key);
  } catch (err) {
    throw new BundleError(`cannot sign with this key: ${(err as Error).message}`, err);
  }
  const files = await unpackTarGz(bytes, options.limits);
  files.delete('/.signatures.json');

  const listed = [...files].map(([path, content]) => ({
    name: path.slice(1),
    hash: fileDigest(path, content, DEFAULT_FILE_HASH),
    algorithm: DEFAULT_FILE_HASH,
  }));
  const keyid = options.keyid === '' ? undefined : options.keyid;
  const claims = {
    files: listed,
    // OPA still writes the deprecated keyid claim; older verifiers read it when there is no kid.
    ...(keyid === undefined ? {} : { keyid }),
    ...(options.scope === undefined || options.scope === '' ? {} : { scope: options.scope }),
  };
  const token = signCompact(
    alg,
    key,
    { ...(keyid === undefined ? {} : { kid: keyid }), typ: 'JWT' },
    JSON.stringify(claims),
  );
  // OPA writes this file with json.MarshalIndent(..., "", " "): one-space indentation.
  const signatures = Buffer.from(JSON.stringify({ signatures: [token], plugin: '_default' }, null, 1));

  const out = new Map(files);
  out.set('/.signatures.json', signatures);
  // Check the result the way a consumer will, so a signing bug cannot ship a bundle nobody can load.
  verifyBundle(out, {
    keys: {
      [keyid ?? 'default']: { algorithm: alg, key: exportForVerification(verificationKeyFor(key), options.key) },
    },
    keyid: keyid ?? 'default',
    ...(options.scope === undefined ? {} : { scope: options.scope }),
  });
  return packTarGz(out);
}

/** The verification key as config text: PEM for key pairs, the secret itself for HMAC. */
function exportForVerification(key: ReturnType<typeof verificationKeyFor>, secret: string): string {
  return key.type === 'secret' ? secret : (key.export({ type: 'spki', format: 'pem' }) as string);
}
