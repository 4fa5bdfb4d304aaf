/**
 * The typed failure of bundle signature verification. It is a BundleError (same code, same
 * status, same handling everywhere) that also names why, from a closed set, so status pages,
 * logs and metrics can tell a stripped bundle from a tampered one without parsing messages.
 */
import { BundleError } from '../../errors/policy-errors.ts';

/** Why verification rejected a bundle; a closed set (safe as a metric label). */
export const VERIFICATION_FAILURES = [
  /** Verification is configured but the bundle has no /.signatures.json (stripped or never signed). */
  'unsigned',
  /** The bundle is signed but no keys are configured to check it (OPA rejects this too). */
  'keys_not_configured',
  /** /.signatures.json or its JWT is not in the shape OPA writes. */
  'malformed_signature',
  /** The signature asks for a verifier plugin regent does not have. */
  'unsupported_plugin',
  /** Neither the configuration nor the token names a key. */
  'no_key_id',
  /** The key the configuration or token names is not configured. */
  'unknown_key',
  /** The token's `alg` header differs from the configured key's algorithm. */
  'algorithm_mismatch',
  /** The JWT signature does not verify with the chosen key. */
  'bad_signature',
  /** The token's scope differs from the configured one. */
  'scope_mismatch',
  /** A file is signed with a hash algorithm regent does not accept. */
  'unsupported_hash',
  /** A file's content differs from its signed digest. */
  'digest_mismatch',
  /** A file in the bundle is not listed in the signature. */
  'unsigned_file',
  /** A file listed in the signature is not in the bundle. */
  'missing_file',
  /** A structured file (JSON) cannot be parsed, so it cannot be hashed the way OPA hashes it. */
  'unhashable_file',
] as const;

/** One of {@link VERIFICATION_FAILURES}. */
export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

/** A bundle rejected by signature verification; `reason` says which rule it broke. */
export class BundleVerificationError extends BundleError {
  /** The rule the bundle broke. */
  readonly reason: VerificationFailure;

  constructor(reason: VerificationFailure, message: string, cause?: unknown) {
    super(`bundle signature verification failed: ${message}`, cause);
    this.reason = reason;
  }
}
