/**
 * Fail-safe binding: a decision point anyone on the network can query or reprogram is itself a
 * breach, so regent refuses to listen beyond loopback while authentication is off, unless the
 * operator says explicitly that something in front of it authenticates callers.
 */
import { BlockList, isIP } from 'node:net';

/** Whether regent may listen on the configured address, and what to warn about if so. */
export type BindingVerdict =
  { readonly ok: true; readonly warnings: readonly string[] } | { readonly ok: false; readonly message: string };

/** What the binding decision looks at. */
export interface BindingFacts {
  /** REGENT_HOST as configured. */
  readonly host: string;
  /** Whether tokens or client certificates are required (src/security/security-settings.ts). */
  readonly authEnabled: boolean;
  /** Whether the server speaks TLS. */
  readonly tls: boolean;
  /** REGENT_ALLOW_UNAUTHENTICATED_NETWORK. */
  readonly allowUnauthenticatedNetwork: boolean;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * True only for addresses that cannot be reached from another machine: 127.0.0.0/8, ::1 (in any
 * spelling, IPv4-mapped included) and `localhost`. Any other name is treated as reachable, since
 * what it resolves to is not known here.
 */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return loopback.check(host, 'ipv4');
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
}

/** Decides whether to listen; the refusal message says what to change. */
export function checkBinding(facts: BindingFacts): BindingVerdict {
  if (isLoopback(facts.host)) return { ok: true, warnings: [] };
  const where = facts.host === '' ? 'every interface' : facts.host;
  if (!facts.authEnabled) {
    if (!facts.allowUnauthenticatedNetwork) {
      return {
        ok: false,
        message:
          `refusing to listen on ${where}: authentication is off, so anyone who can reach it could query regent and change its policies. ` +
          'Configure REGENT_TOKENS_FILE or REGENT_TLS_CLIENT_CA, or listen on 127.0.0.1, ' +
          'or set REGENT_ALLOW_UNAUTHENTICATED_NETWORK=true if a proxy in front of regent authenticates every caller.',
      };
    }
    return {
      ok: true,
      warnings: [
        `listening on ${where} without authentication (REGENT_ALLOW_UNAUTHENTICATED_NETWORK=true): every caller can decide, read the audit trail and change policies`,
      ],
    };
  }
  if (!facts.tls) {
    return {
      ok: true,
      warnings: [
        `listening on ${where} without TLS: bearer tokens cross the network in clear text unless a proxy terminates TLS in front of regent`,
      ],
    };
  }
  return { ok: true, warnings: [] };
}
