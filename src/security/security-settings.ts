/**
 * Reads and checks the security files the configuration points at: bearer tokens (as sha256
 * hashes, never plaintext), the client-certificate CN -> scopes map, and the TLS certificate,
 * key and client CA. Every problem is reported, not the first, so an operator fixes a broken
 * deployment in one round; file contents never appear in a message (they may be secrets).
 */
import { createSecureContext } from 'node:tls';
import { isScope, type Scope } from './identity.ts';

/** A configured bearer token: only the sha256 of the token is known to regent. */
export interface TokenEntry {
  readonly id: string;
  /** sha256 of the token's UTF-8 bytes (32 bytes). */
  readonly hash: Buffer;
  readonly scopes: readonly Scope[];
}

/** A client certificate subject CN and the scopes it is granted. */
export interface ClientEntry {
  readonly cn: string;
  readonly scopes: readonly Scope[];
}

/** Paths of the TLS material; the files are read again when the server is built. */
export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
  /** CA that signs client certificates; null: TLS without client certificates. */
  readonly clientCaPath: string | null;
}

/** What authentication and transport security are configured. */
export interface SecuritySettings {
  readonly tokens: readonly TokenEntry[];
  readonly clients: readonly ClientEntry[];
  readonly tls: TlsFiles | null;
}

/** The configuration keys this module reads (names as in src/config/config-keys.ts). */
export interface SecurityKeys {
  readonly tokensFile: string;
  readonly tlsCertPath: string;
  readonly tlsKeyPath: string;
  readonly tlsClientCaPath: string;
  readonly tlsClientsFile: string;
}

/** No tokens, no TLS: authentication is off (OPA's default; see src/security/binding.ts). */
export const AUTH_OFF: SecuritySettings = Object.freeze({
  tokens: Object.freeze([]),
  clients: Object.freeze([]),
  tls: null,
});

/** Whether callers must authenticate: some token or a client CA is configured. */
export function authEnabled(settings: SecuritySettings): boolean {
  return settings.tokens.length > 0 || settings.tls?.clientCaPath != null;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
/** Certificate CNs are free text ("Agent Gateway"), but never control characters. */
const CN = /^[^\p{Cc}]{1,128}$/u;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const MAX_ENTRIES = 10_000;

type ReadFile = (path: string) => string;

/** Reads the files named by `keys`; returns the settings and every problem found. */
export function loadSecuritySettings(
  keys: SecurityKeys,
  readFile: ReadFile,
): { settings: SecuritySettings; problems: string[] } {
  const problems: string[] = [];
  const tokens = keys.tokensFile === '' ? [] : readTokens(keys.tokensFile, readFile, problems);
  const clients = keys.tlsClientsFile === '' ? [] : readClients(keys.tlsClientsFile, readFile, problems);
  const tls = readTls(keys, readFile, problems);
  if (keys.tlsClientsFile !== '' && keys.tlsClientCaPath === '') {
    problems.push('REGENT_TLS_CLIENTS_FILE: needs REGENT_TLS_CLIENT_CA, which signs the certificates it names');
  }
  if (keys.tlsClientCaPath !== '' && keys.tlsClientsFile === '') {
    // A CA alone would authenticate callers without granting anything: almost surely a mistake.
    problems.push('REGENT_TLS_CLIENT_CA: needs REGENT_TLS_CLIENTS_FILE to map certificate CNs to scopes');
  }
  const settings: SecuritySettings = Object.freeze({
    tokens: Object.freeze(tokens),
    clients: Object.freeze(clients),
    tls,
  });
  return { settings, problems };
}

function readTokens(file: string, readFile: ReadFile, problems: string[]): TokenEntry[] {
  const where = `REGENT_TOKENS_FILE (${file})`;
  const before = problems.length;
  const list = readList(file, 'tokens', where, readFile, problems);
  const tokens: TokenEntry[] = [];
  const ids = new Set<string>();
  const hashes = new Set<string>();
  list.forEach((raw, i) => {
    const at = `${where}: tokens[${i}]`;
    const entry = asRecord(raw, at, problems);
    if (entry === null) return;
    if ('token' in entry || 'secret' in entry) {
      problems.push(`${at}: plaintext tokens are not accepted; give "sha256" (printf %s "$TOKEN" | sha256sum)`);
    }
    unknownFields(entry, ['id', 'sha256', 'scopes', 'token', 'secret'], at, problems);
    const id = readId(entry['id'], `${at}.id`, problems);
    const hash = entry['sha256'];
    let digest: Buffer | null = null;
    if (typeof hash !== 'string' || !HEX64.test(hash))
      problems.push(`${at}.sha256: must be 64 hex digits (the sha256 of the token)`);
    else if (hashes.has(hash.toLowerCase())) problems.push(`${at}.sha256: the same token is configured twice`);
    else {
      hashes.add(hash.toLowerCase());
      digest = Buffer.from(hash, 'hex');
    }
    const scopes = readScopes(entry['scopes'], `${at}.scopes`, problems);
    if (id !== null && ids.has(id)) problems.push(`${at}.id: "${id}" is used twice`);
    if (id !== null) ids.add(id);
    if (id !== null && digest !== null && scopes !== null) tokens.push(Object.freeze({ id, hash: digest, scopes }));
  });
  if (list.length === 0 && problems.length === before) {
    problems.push(`${where}: holds no tokens; unset REGENT_TOKENS_FILE to turn token authentication off`);
  }
  return tokens;
}

function readClients(file: string, readFile: ReadFile, problems: string[]): ClientEntry[] {
  const where = `REGENT_TLS_CLIENTS_FILE (${file})`;
  const list = readList(file, 'clients', where, readFile, problems);
  const clients: ClientEntry[] = [];
  const cns = new Set<string>();
  list.forEach((raw, i) => {
    const at = `${where}: clients[${i}]`;
    const entry = asRecord(raw, at, problems);
    if (entry === null) return;
    unknownFields(entry, ['cn', 'scopes'], at, problems);
    const cn = typeof entry['cn'] === 'string' && CN.test(entry['cn']) ? entry['cn'] : null;
    if (cn === null) problems.push(`${at}.cn: must be 1-128 characters without control characters`);
    const scopes = readScopes(entry['scopes'], `${at}.scopes`, problems);
    if (cn !== null && cns.has(cn)) problems.push(`${at}.cn: "${cn}" is listed twice`);
    if (cn !== null) cns.add(cn);
    if (cn !== null && scopes !== null) clients.push(Object.freeze({ cn, scopes }));
  });
  return clients;
}

function readTls(keys: SecurityKeys, readFile: ReadFile, problems: string[]): TlsFiles | null {
  const { tlsCertPath: cert, tlsKeyPath: key, tlsClientCaPath: ca } = keys;
  if (cert === '' && key === '' && ca === '') return null;
  if (cert === '' || key === '') {
    problems.push('REGENT_TLS_CERT and REGENT_TLS_KEY: give both, or neither');
    return null;
  }
  const read = (path: string, env: string): string | null => {
    try {
      return readFile(path);
    } catch (err) {
      problems.push(`${env} (${path}): cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return null;
    }
  };
  const certPem = read(cert, 'REGENT_TLS_CERT');
  const keyPem = read(key, 'REGENT_TLS_KEY');
  const caPem = ca === '' ? null : read(ca, 'REGENT_TLS_CLIENT_CA');
  if (certPem !== null && keyPem !== null) {
    try {
      // Fails on unparseable PEM and on a key that does not belong to the certificate.
      createSecureContext({ cert: certPem, key: keyPem, ...(caPem === null ? {} : { ca: caPem }) });
    } catch (err) {
      problems.push(
        `REGENT_TLS_CERT / REGENT_TLS_KEY${caPem === null ? '' : ' / REGENT_TLS_CLIENT_CA'}: not usable together: ${(err as Error).message}`,
      );
    }
  }
  return Object.freeze({ certPath: cert, keyPath: key, clientCaPath: ca === '' ? null : ca });
}

function readList(file: string, field: string, where: string, readFile: ReadFile, problems: string[]): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`${where}: ${code === undefined ? 'is not valid JSON' : `cannot read: ${code}`}`);
    return [];
  }
  const root = asRecord(parsed, where, problems);
  if (root === null) return [];
  unknownFields(root, [field], where, problems);
  const list = root[field];
  if (!Array.isArray(list)) {
    problems.push(`${where}: must hold {"${field}": [...]}`);
    return [];
  }
  if (list.length > MAX_ENTRIES) {
    problems.push(`${where}: more than ${MAX_ENTRIES} entries`);
    return [];
  }
  return list;
}

function asRecord(value: unknown, at: string, problems: string[]): Record<string, unknown> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${at}: must be a JSON object`);
    return null;
  }
  return value as Record<string, unknown>;
}

function unknownFields(entry: Record<string, unknown>, known: readonly string[], at: string, problems: string[]): void {
  for (const name of Object.keys(entry)) {
    if (!known.includes(name)) problems.push(`${at}: unknown field "${name.slice(0, 64)}"`);
  }
}

function readId(value: unknown, at: string, problems: string[]): string | null {
  if (typeof value === 'string' && ID.test(value)) return value;
  problems.push(`${at}: must be 1-128 characters of letters, digits and . _ : @ -, starting with a letter or digit`);
  return null;
}

function readScopes(value: unknown, at: string, problems: string[]): Scope[] | null {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isScope)) {
    problems.push(`${at}: must be a non-empty list of decide, admin, metrics, approve, scim`);
    return null;
  }
  return [...new Set(value)];
}
