/**
 * Verifies a principal token (an OIDC ID token, or an RFC 8693 token-exchange token) with jose:
 * signature against the configured JWKS, allowed asymmetric algorithms only, issuer, audience,
 * expiry and not-before within the configured clock skew. What it yields is the principal id
 * (`sub`), its groups (from the configured claim) and the actor the token was minted for
 * (`act.sub`). Clearance never comes from a token. Every jose failure becomes a typed regent
 * error: the caller's fault is a 401, an unreachable key source a 503.
 */
import { readFileSync } from 'node:fs';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { PrincipalKeysUnavailableError, PrincipalUnverifiedError } from '../errors/regent-error.ts';
import { fileKeySource, urlKeySource, type KeySourceOptions } from './key-source.ts';
import {
  checkPrincipalKeys,
  parseAlgorithms,
  principalVerificationEnabled,
  type PrincipalKeys,
} from './principal-settings.ts';

/** A principal regent has verified from a token. */
export interface VerifiedPrincipal {
  /** The token's `sub`. */
  readonly id: string;
  /** The groups claim, or [] when the token has none. */
  readonly groups: readonly string[];
  /** `act.sub` of a token-exchange token: the agent the token was minted for. */
  readonly actor?: string;
  readonly verified: true;
}

/** Bounds of the claims regent copies into a request (the decision request schema's bounds). */
const MAX_ID = 256;
const MAX_GROUPS = 64;
const MAX_GROUP = 128;
/** A compact JWS longer than this is not a principal token anyone meant to send. */
const MAX_TOKEN = 16 * 1024;

/** Verifies principal tokens against one issuer, audience and key source. */
export class PrincipalVerifier {
  /** The request header a gateway forwards the token in (lower case). */
  readonly header: string;
  readonly #keys: JWTVerifyGetKey;
  readonly #issuer: string;
  readonly #audience: string;
  readonly #algorithms: string[];
  readonly #clockTolerance: number;
  readonly #groupsClaim: string;

  constructor(keys: PrincipalKeys, source: JWTVerifyGetKey) {
    this.header = keys.principalHeader;
    this.#keys = source;
    this.#issuer = keys.principalIssuer;
    this.#audience = keys.principalAudience;
    this.#algorithms = parseAlgorithms(keys.principalAlgorithms);
    this.#clockTolerance = keys.principalClockSkewSeconds;
    this.#groupsClaim = keys.principalGroupsClaim;
  }

  /** Verifies a compact JWS; throws PrincipalUnverifiedError or PrincipalKeysUnavailableError. */
  async verify(token: string): Promise<VerifiedPrincipal> {
    if (token.length === 0 || token.length > MAX_TOKEN) {
      throw new PrincipalUnverifiedError(`the principal token is empty or longer than ${MAX_TOKEN} characters`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#issuer,
        audience: this.#audience,
        algorithms: this.#algorithms,
        clockTolerance: this.#clockTolerance,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw convert(err);
    }
    return this.#principal(payload);
  }

  #principal(payload: JWTPayload): VerifiedPrincipal {
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_ID) {
      throw new PrincipalUnverifiedError(`the principal token's sub must be a string of 1 to ${MAX_ID} characters`);
    }
    const raw = payload[this.#groupsClaim];
    let groups: string[] = [];
    if (raw !== undefined) {
      if (!isGroupList(raw)) {
        throw new PrincipalUnverifiedError(
          `the principal token's "${this.#groupsClaim}" claim must be an array of strings of 1 to ${MAX_GROUP} characters`,
        );
      }
      // Refused rather than cut: dropping groups could drop one a policy denies on.
      if (raw.length > MAX_GROUPS) {
        throw new PrincipalUnverifiedError(`the principal token names more than ${MAX_GROUPS} groups`);
      }
      groups = [...new Set(raw)];
    }
    const act: unknown = payload['act'];
    if (act === undefined) return { id: sub, groups, verified: true };
    const actor = act !== null && typeof act === 'object' ? (act as { sub?: unknown }).sub : undefined;
    if (typeof actor !== 'string' || actor.length === 0 || actor.length > MAX_ID) {
      throw new PrincipalUnverifiedError("the principal token's act claim must be an object with a sub");
    }
    return { id: sub, groups, actor, verified: true };
  }
}

/** Options for {@link createPrincipalVerifier}. */
export type PrincipalVerifierOptions = KeySourceOptions;

/**
 * Builds the verifier the configuration describes, or null when verification is off (no issuer
 * and no key source). Throws when the keys are invalid (loadConfig reports the same problems).
 */
export function createPrincipalVerifier(
  keys: PrincipalKeys,
  options: PrincipalVerifierOptions = {},
): PrincipalVerifier | null {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const problems = checkPrincipalKeys(keys, readFile);
  if (problems.length > 0) throw new Error(`invalid principal verification settings: ${problems.join('; ')}`);
  if (!principalVerificationEnabled(keys)) return null;
  const source =
    keys.principalJwksFile !== ''
      ? fileKeySource(keys.principalJwksFile, readFile, options)
      : urlKeySource(keys.principalJwksUrl, options);
  return new PrincipalVerifier(keys, source);
}

/** Whether a claim value is a list of group names within the schema's bounds. */
function isGroupList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((g) => typeof g === 'string' && g.length > 0 && g.length <= MAX_GROUP);
}

/** Maps what jose throws to regent's errors; messages name the failed check, never the token. */
function convert(err: unknown): Error {
  const refuse = (message: string) => new PrincipalUnverifiedError(message, err);
  if (err instanceof errors.JWTExpired) return refuse('the principal token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return refuse('the principal token is not valid yet');
      case 'iat':
        return refuse('the principal token was issued in the future');
      case 'iss':
        return refuse('the principal token was not issued by the configured issuer');
      case 'aud':
        return refuse('the principal token is not meant for this audience');
      default:
        return refuse(
          `the principal token's ${err.claim.slice(0, 64)} claim is ${err.reason === 'missing' ? 'missing' : 'invalid'}`,
        );
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse("the principal token's algorithm is not allowed");
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse("no configured key matches the principal token's key id");
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return refuse("the principal token's signature is invalid");
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return refuse('the principal token is malformed');
  }
  // A JWKS that cannot be fetched or parsed is regent's problem, not the caller's: fail closed, 503.
  return new PrincipalKeysUnavailableError(err);
}
