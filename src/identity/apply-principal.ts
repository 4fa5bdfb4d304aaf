/**
 * Puts a verified principal into decision requests. With verification on, `agent.on_behalf_of`
 * is whatever the token says (never what the caller says), or absent when neither a token nor a
 * declared principal is sent; a declared principal without a token is refused. With it off, the
 * request passes unchanged: an unverified principal, which policy must only let make a decision
 * stricter.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { DecisionRequest } from '../decision/decision-request.ts';
import { PrincipalUnverifiedError } from '../errors/regent-error.ts';
import type { PrincipalVerifier, VerifiedPrincipal } from './principal-verifier.ts';

/**
 * A request with its principal applied. `principalVerified` is true only when `on_behalf_of`
 * came from a verified token; it travels beside the request, never in it, so a caller cannot
 * set it (the decision request schema has no `verified` field).
 */
export interface AppliedPrincipal {
  readonly request: DecisionRequest;
  readonly principalVerified: boolean;
  /** The verified principal, when there is one (its `actor` is the token's `act.sub`). */
  readonly principal?: VerifiedPrincipal;
}

/** A batch with the header's principal applied to every item. */
export interface AppliedPrincipalBatch {
  readonly requests: DecisionRequest[];
  readonly principalVerified: boolean;
  readonly principal?: VerifiedPrincipal;
}

/**
 * Applies the principal token in `headers` to one request. `verifier` null means verification is
 * off. Throws PrincipalUnverifiedError (401) or PrincipalKeysUnavailableError (503).
 */
export async function applyPrincipal(
  request: DecisionRequest,
  headers: IncomingHttpHeaders,
  verifier: PrincipalVerifier | null,
): Promise<AppliedPrincipal> {
  const batch = await applyPrincipalToBatch([request], headers, verifier);
  const [only] = batch.requests;
  if (only === undefined) throw new Error('unreachable: a batch of one came back empty');
  return {
    request: only,
    principalVerified: batch.principalVerified,
    ...(batch.principal === undefined ? {} : { principal: batch.principal }),
  };
}

/**
 * Applies the principal token in `headers` to every request of a batch (the token is verified
 * once; its actor must match each item's agent). One item refused refuses the batch.
 */
export async function applyPrincipalToBatch(
  requests: readonly DecisionRequest[],
  headers: IncomingHttpHeaders,
  verifier: PrincipalVerifier | null,
): Promise<AppliedPrincipalBatch> {
  if (verifier === null) return { requests: [...requests], principalVerified: false };
  const token = readToken(headers, verifier.header);
  if (token === undefined) {
    const declared = requests.findIndex((r) => r.agent.on_behalf_of !== undefined);
    if (declared >= 0) {
      throw new PrincipalUnverifiedError(
        `agent.on_behalf_of needs a principal token in the ${verifier.header} header` +
          (requests.length > 1 ? ` (decisions[${declared}])` : ''),
      );
    }
    return { requests: [...requests], principalVerified: false };
  }
  const principal = await verifier.verify(token);
  const applied = requests.map((request, i) => {
    if (principal.actor !== undefined && principal.actor !== request.agent.id) {
      throw new PrincipalUnverifiedError(
        'the principal token was minted for another agent (its act.sub is not agent.id)' +
          (requests.length > 1 ? ` (decisions[${i}])` : ''),
      );
    }
    return withPrincipal(request, principal);
  });
  return { requests: applied, principalVerified: true, principal };
}

/** The request with on_behalf_of replaced; a declared clearance stays only as a hint to be capped. */
function withPrincipal(request: DecisionRequest, principal: VerifiedPrincipal): DecisionRequest {
  const clearance = request.agent.on_behalf_of?.clearance;
  const onBehalfOf: NonNullable<DecisionRequest['agent']['on_behalf_of']> = {
    id: principal.id,
    groups: [...principal.groups],
    ...(clearance === undefined ? {} : { clearance }),
  };
  return { ...request, agent: { ...request.agent, on_behalf_of: onBehalfOf } };
}

/** The token in the configured header; one value only, surrounding spaces ignored. */
function readToken(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new PrincipalUnverifiedError(`send one ${name} header, not several`);
  const token = value.trim();
  if (token === '') throw new PrincipalUnverifiedError(`the ${name} header is empty`);
  return token;
}
