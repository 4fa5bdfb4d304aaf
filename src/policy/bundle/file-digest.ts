/**
 * Digests of bundle files as OPA computes them for signatures (bundle/hash.go, verify.go):
 * structured files (`data.json`, `.manifest`) are hashed in canonical JSON form, every other
 * file as raw bytes. The algorithm names are OPA's.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { canonicalJson, CanonicalJsonError } from './canonical-json.ts';
import { BundleVerificationError } from './verification-error.ts';

/**
 * OPA's hash names -> node's. MD5 and SHA-1, which OPA also accepts, are left out on purpose:
 * OPA's own signer only writes SHA-256, and a collision-prone digest would let a signer's file
 * be swapped for a colliding one.
 */
const HASHES: Readonly<Record<string, string>> = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

/** The hash OPA's signer uses, and so does regent's. */
export const DEFAULT_FILE_HASH = 'SHA-256';

/** Whether OPA hashes this file as parsed JSON rather than bytes (OPA's IsStructuredDoc). */
function isStructured(filePath: string): boolean {
  const base = path.posix.basename(filePath);
  return base === 'data.json' || base === 'data.yaml' || base === 'signatures.json' || base === '.manifest';
}

/** Hex digest of one bundle file the way OPA's signer and verifier compute it; throws BundleVerificationError. */
export function fileDigest(filePath: string, bytes: Uint8Array, algorithm: string): string {
  const nodeHash = HASHES[algorithm];
  if (nodeHash === undefined) {
    throw new BundleVerificationError(
      'unsupported_hash',
      `${filePath} is signed with hash algorithm "${algorithm}"; accepted: ${Object.keys(HASHES).join(', ')}`,
    );
  }
  const hash = createHash(nodeHash);
  if (!isStructured(filePath)) return hash.update(bytes).digest('hex');
  if (path.posix.basename(filePath) === 'data.yaml') {
    // OPA hashes YAML after converting it to JSON with its Go YAML library; reproducing that
    // conversion byte for byte is not possible here, and regent does not load YAML data anyway.
    throw new BundleVerificationError(
      'unhashable_file',
      `${filePath}: YAML data files cannot be verified by regent; ship data as data.json`,
    );
  }
  try {
    return hash.update(canonicalJson(bytes), 'utf8').digest('hex');
  } catch (err) {
    if (!(err instanceof CanonicalJsonError)) throw err;
    throw new BundleVerificationError('unhashable_file', `${filePath} cannot be hashed as JSON: ${err.message}`, err);
  }
}
