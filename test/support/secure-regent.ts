/**
 * Starts a real regent on 127.0.0.1 through the same server factory src/main.ts uses
 * (plain HTTP, or HTTPS with optional client certificates), with configuration read from real
 * token and client files, and sends requests with optional bearer tokens and client certificates.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { defaultConfig, type Config } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createRegent, type Regent } from '../../src/regent.ts';
import type { Scope } from '../../src/security/identity.ts';
import { createRegentServer } from '../../src/security/tls-server.ts';
import { scratchState } from './scratch-state.ts';
import type { CertFiles } from './test-pki.ts';

/** A token a test presents, and what regent is told about it. */
export interface TestToken {
  id: string;
  token: string;
  scopes: Scope[];
}

/** Makes a random token with `scopes`. */
export function makeToken(id: string, scopes: Scope[]): TestToken {
  return { id, token: randomBytes(32).toString('base64url'), scopes };
}

/** The tokens file regent reads: hashes only. */
export function tokensFileText(tokens: readonly TestToken[]): string {
  return JSON.stringify({
    tokens: tokens.map((t) => ({
      id: t.id,
      sha256: createHash('sha256').update(t.token).digest('hex'),
      scopes: t.scopes,
    })),
  });
}

/** Options of one request. */
export interface RequestOptions {
  token?: string;
  /** Raw Authorization header (overrides `token`). */
  authorization?: string;
  client?: CertFiles;
  body?: unknown;
}

/** A response. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/** A running regent. */
export interface SecureServer {
  url: string;
  regent: Regent;
  logs(): string;
  request(method: string, p: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

/** What to start: token list and client map are written to files and named in the config. */
export interface SecureOptions {
  tokens?: readonly TestToken[];
  clients?: readonly { cn: string; scopes: Scope[] }[];
  tls?: { server: CertFiles; clientCa?: CertFiles; trust: Buffer };
  config?: Partial<Config>;
}

/** Starts regent as configured and returns a client for it. */
export async function startSecureRegent(options: SecureOptions = {}): Promise<SecureServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'regent-secure-'));
  const keys: Partial<Config> = {};
  if (options.tokens !== undefined) {
    const file = path.join(dir, 'tokens.json');
    await writeFile(file, tokensFileText(options.tokens));
    Object.assign(keys, { tokensFile: file });
  }
  if (options.clients !== undefined) {
    const file = path.join(dir, 'clients.json');
    await writeFile(file, JSON.stringify({ clients: options.clients }));
    Object.assign(keys, { tlsClientsFile: file });
  }
  if (options.tls !== undefined) {
    Object.assign(keys, { tlsCertPath: options.tls.server.cert, tlsKeyPath: options.tls.server.key });
    if (options.tls.clientCa !== undefined) Object.assign(keys, { tlsClientCaPath: options.tls.clientCa.cert });
  }
  const config = defaultConfig({
    port: 0,
    ...scratchState(dir),
    logLevel: 'debug',
    evalWorkers: 0,
    ...keys,
    ...options.config,
  });
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const regent = createRegent(config, {
    logger: createLogger({ level: config.logLevel, stream }),
    defaultMetrics: false,
  });
  await regent.start();
  const server = createRegentServer(regent.app, config.security);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const secure = options.tls !== undefined;
  const trust = options.tls?.trust;

  const request = (method: string, p: string, o: RequestOptions = {}): Promise<TestResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      const authorization = o.authorization ?? (o.token === undefined ? undefined : `Bearer ${o.token}`);
      if (authorization !== undefined) headers['authorization'] = authorization;
      const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const base = { host: '127.0.0.1', port, path: p, method, headers, agent: false as const };
      const done = (res: import('node:http').IncomingMessage) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (raw += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(raw);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: raw, body });
        });
        res.on('error', reject);
      };
      // agent: false gives every request its own connection, so one test's client certificate
      // never rides on another's TLS session.
      const req = secure
        ? httpsRequest(
            {
              ...base,
              ...(trust === undefined ? {} : { ca: trust }),
              ...(o.client === undefined ? {} : { cert: o.client.certPem, key: o.client.keyPem }),
            },
            done,
          )
        : httpRequest(base, done);
      req.on('error', reject);
      req.end(payload);
    });

  return {
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
    regent,
    logs: () => text,
    request,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await regent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
