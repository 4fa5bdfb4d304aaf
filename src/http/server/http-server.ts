/**
 * The socket server regent listens with (HTTP or HTTPS, src/security/tls-server.ts) and its
 * connection limits: header and whole-request deadlines, a cap on open connections, a header
 * size bound answered with 431, and JSON answers for requests Node refuses before express sees
 * them. It also keeps the in-flight responses and the connections, so a drain can ask clients
 * to close and close each connection once it has gone quiet (graceful-shutdown.ts).
 */
import type { RequestListener, ServerOptions, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRegentServer, type RegentServer } from '../../security/tls-server.ts';
import type { SecuritySettings } from '../../security/security-settings.ts';
import type { DrainState } from './drain-state.ts';
import { QuietConnections } from './quiet-connections.ts';

/** Connection limits (REGENT_HEADERS_TIMEOUT_MS and friends). */
export interface ConnectionLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
  maxHeaderBytes: number;
}

/** The server and what a drain needs from it. */
export interface RegentHttpServer {
  readonly server: RegentServer;
  /** Responses not yet finished. */
  inFlight(): number;
  /**
   * Stops accepting after a settle time, closes each connection once it has been quiet that
   * long; resolves when the last connection has closed.
   */
  stopAccepting(): Promise<void>;
  /** Cuts every remaining connection (the drain timeout passed). */
  cutOff(): void;
}

/** Idle keep-alive connections live this long, longer than the 60 s idle timeout of common load balancers. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/**
 * How long the listener stays open after the drain delay, and how long a connection must be quiet
 * before a drain closes it: far above how long a request already sent takes to reach the process.
 */
const SETTLE_MS = 500;
/** How long a refused connection may keep sending before it is cut, so the client can read the answer. */
const LINGER_MS = 2_000;

/** Creates the server for `app` with `limits`; during a drain every response carries `Connection: close`. */
export function createHttpServer(
  app: RequestListener,
  security: SecuritySettings,
  limits: ConnectionLimits,
  drain: DrainState,
): RegentHttpServer {
  const responses = new Set<ServerResponse>();
  // Node requires headersTimeout <= requestTimeout; the header deadline is part of the request's.
  const requestTimeout = limits.requestTimeoutMs;
  const headersTimeout = Math.min(limits.headersTimeoutMs, requestTimeout);
  const options: ServerOptions = {
    maxHeaderSize: limits.maxHeaderBytes,
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node checks the two deadlines every 30 s by default, which would let a slow client stay
    // up to 30 s past them.
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 2))),
  };
  const connections = new QuietConnections();
  const listener: RequestListener = (req, res) => {
    responses.add(res);
    res.once('close', () => responses.delete(res));
    connections.busy(req.socket, res);
    if (drain.draining) res.shouldKeepAlive = false;
    app(req, res);
  };
  const server: RegentServer = createRegentServer(listener, security, undefined, options);
  server.maxConnections = limits.maxConnections;
  server.on(security.tls === null ? 'connection' : 'secureConnection', (socket: Socket) => connections.add(socket));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket));
  drain.onBegin(() => {
    for (const res of responses) if (!res.headersSent) res.shouldKeepAlive = false;
  });

  return {
    server,
    inFlight: () => responses.size,
    async stopAccepting() {
      // A request sent just before the signal may still be crossing the machine's loopback or
      // sit in the listen backlog: the listener stays open for a settle time, and a connection
      // is closed only once it has been quiet that long (quiet-connections.ts). During a drain
      // every response also asks its client to close, so busy connections end by themselves.
      const sweep = setInterval(() => connections.closeQuiet(SETTLE_MS), SETTLE_MS / 5);
      try {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        // net.Server's close: http.Server's would also destroy every connection Node deems idle.
        await new Promise<void>((resolve) => netClose(server, resolve));
      } finally {
        clearInterval(sweep);
      }
    },
    cutOff() {
      server.closeAllConnections();
      connections.closeAll();
    },
  };
}

/** Closes the listener without http.Server's immediate close of idle connections. */
function netClose(server: RegentServer, callback: () => void): void {
  NetServer.prototype.close.call(server, callback);
}

const answered = new WeakSet<Duplex>();

/** What regent answers a request Node could not parse or that broke a limit. */
export function clientErrorStatus(code: string | undefined): { status: number; reason: string; code: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: 'Request Header Fields Too Large',
        code: 'request_header_fields_too_large',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return { status: 408, reason: 'Request Timeout', code: 'request_timeout' };
    default:
      return { status: 400, reason: 'Bad Request', code: 'invalid_parameter' };
  }
}

const MESSAGES: Record<number, string> = {
  400: 'the request is not valid HTTP',
  408: 'the request did not arrive in time',
  431: 'the request headers are too large',
};

/**
 * Node's own answer to a client error is written and the socket destroyed at once: bytes the
 * client is still sending then turn the close into a reset, and the client may never read the
 * answer. Here the JSON answer is sent, the write side closed, and the rest read and dropped for
 * a short while before the socket is cut.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const net = socket as Duplex & { bytesWritten?: number; _httpMessage?: ServerResponse | null };
  if (err.code === 'ECONNRESET' || !socket.writable || (net.bytesWritten ?? 0) > 0 || net._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, reason, code } = clientErrorStatus(err.code);
  const body = JSON.stringify({ code, message: MESSAGES[status] ?? reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.on('error', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
