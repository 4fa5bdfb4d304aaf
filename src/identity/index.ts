/**
 * Verified principals: who an agent acts for, taken from a token the caller's identity provider
 * signed rather than from what the agent says. This folder owns the principal-verification
 * configuration checks, the JWKS key sources (file or HTTPS URL), token verification with jose,
 * and applying a verified principal to decision requests (`applyPrincipal`,
 * `applyPrincipalToBatch`), which every way into the decision path calls before deciding.
 *
 * It may import jose, src/errors/ and the decision request type; nothing here imports the HTTP
 * layer, the policy engine or the stores. Principal clearance is never read from a token: the
 * policy caps it from its directory (docs/decisions/011-verified-principals.md).
 */
export {
  applyPrincipal,
  applyPrincipalToBatch,
  type AppliedPrincipal,
  type AppliedPrincipalBatch,
} from './apply-principal.ts';
export type { KeySourceOptions } from './key-source.ts';
export {
  ASYMMETRIC_ALGORITHMS,
  checkPrincipalKeys,
  principalVerificationEnabled,
  type PrincipalKeys,
} from './principal-settings.ts';
export {
  createPrincipalVerifier,
  PrincipalVerifier,
  type PrincipalVerifierOptions,
  type VerifiedPrincipal,
} from './principal-verifier.ts';
