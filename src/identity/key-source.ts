/**
 * Where a principal token's verification key comes from: a JWKS file (re-read when it changes,
 * so a key rotation needs no restart) or an HTTPS JWKS URL (jose's createRemoteJWKSet, which
 * caches the set and refetches, after a cooldown, when a token names a key it does not hold).
 */
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose';
import { parseJwks } from './principal-settings.ts';

/** Tuning of the key sources; the defaults suit production, tests shorten them. */
export interface KeySourceOptions {
  /** Reads the JWKS file (default: fs). */
  readFile?: (path: string) => string;
  /** Least time between two checks of the JWKS file for a change (default 1000 ms). */
  fileCheckIntervalMs?: number;
  /** Called when a changed JWKS file cannot be used; the previous keys stay in force. */
  onFileReloadError?: (err: Error) => void;
  /** Fetch used for the JWKS URL (default: the global fetch); tests pass one that trusts their CA. */
  fetch?: FetchImplementation;
  /** jose's cooldownDuration: least time between refetches caused by an unknown kid (default 30 s). */
  cooldownMs?: number;
  /** jose's cacheMaxAge: a fetched set is refetched once older than this (default 10 min). */
  cacheMaxAgeMs?: number;
  /** jose's timeoutDuration for one JWKS fetch (default 5 s). */
  timeoutMs?: number;
}

/** A JWKS file as a jose key resolver that notices when the file is replaced. */
export function fileKeySource(
  path: string,
  readFile: (path: string) => string,
  options: KeySourceOptions,
): JWTVerifyGetKey {
  const interval = options.fileCheckIntervalMs ?? 1000;
  // The file's identity is taken before it is read: a change in between is seen at the next check.
  let signature = identity(statSync(path));
  let keys = createLocalJWKSet(parseJwks(readFile(path)));
  let checkedAt = Date.now();
  let checking: Promise<void> | undefined;

  async function check(): Promise<void> {
    checkedAt = Date.now();
    let now: string;
    try {
      now = identity(await stat(path));
    } catch (err) {
      options.onFileReloadError?.(err as Error);
      return;
    }
    if (now === signature) return;
    signature = now;
    try {
      keys = createLocalJWKSet(parseJwks(readFile(path)));
    } catch (err) {
      options.onFileReloadError?.(err as Error);
    }
  }

  return async (header, token) => {
    if (Date.now() - checkedAt >= interval) {
      checking ??= check().finally(() => (checking = undefined));
      await checking;
    }
    return keys(header, token);
  };
}

/** What changes when a file is rewritten or replaced by a rename. */
function identity(s: Stats): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}

/** A JWKS URL as a jose remote key set (fetched on first use, cached, refetched on rotation). */
export function urlKeySource(url: string, options: KeySourceOptions): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
    ...(options.fetch === undefined ? {} : { [customFetch]: options.fetch }),
  });
}
