/**
 * Builds the socket server for the app: plain HTTP, or HTTPS when a certificate is configured,
 * optionally asking clients for certificates signed by the client CA.
 *
 * Node's `rejectUnauthorized: true` also refuses clients that send no certificate at all, which
 * would cut off health probes and bearer-token callers. So regent asks for a certificate
 * (`requestCert`), lets a client without one through to HTTP (where it needs a token, or gets
 * 401), and drops a connection whose certificate does not verify as soon as the handshake ends,
 * before any request is read: the same place Node itself rejects unauthorized peers.
 */
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type RequestListener,
  type Server as HttpServer,
  type ServerOptions as HttpServerOptions,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { PeerCertificate } from './authenticator.ts';
import type { SecuritySettings } from './security-settings.ts';

/** The server regent listens with. */
export type RegentServer = HttpServer | HttpsServer;

/**
 * Creates an HTTP or HTTPS server for `app` according to `settings.tls`; `options` are Node's
 * HTTP server options (limits and timeouts, src/http/server/http-server.ts).
 */
export function createRegentServer(
  app: RequestListener,
  settings: SecuritySettings,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
  options: HttpServerOptions = {},
): RegentServer {
  const tls = settings.tls;
  if (tls === null) return createHttpServer(options, app);
  const requestCert = tls.clientCaPath !== null;
  const server = createHttpsServer(
    {
      ...options,
      cert: readFile(tls.certPath),
      key: readFile(tls.keyPath),
      minVersion: 'TLSv1.2',
      ...(tls.clientCaPath === null ? {} : { ca: readFile(tls.clientCaPath) }),
      requestCert,
      rejectUnauthorized: false,
    },
    app,
  );
  if (requestCert) {
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      if (!socket.authorized && presentedCertificate(socket)) socket.destroy();
    });
  }
  return server;
}

/** What a request's socket says about its client certificate; null on plain HTTP or without a client CA. */
export function peerCertificate(socket: unknown): PeerCertificate | null {
  const tlsSocket = socket as Partial<TLSSocket> | null;
  if (tlsSocket === null || typeof tlsSocket.getPeerCertificate !== 'function') return null;
  if (tlsSocket.authorized !== true) return { authorized: false, cn: null };
  const cn: unknown = tlsSocket.getPeerCertificate().subject?.CN;
  return { authorized: true, cn: typeof cn === 'string' && cn !== '' ? cn : null };
}

function presentedCertificate(socket: TLSSocket): boolean {
  const cert = socket.getPeerCertificate();
  return cert !== null && Object.keys(cert).length > 0;
}
