/**
 * One JSON exchange with regent (a POST with a body, or a GET) over node:http(s) with a keep-alive
 * agent, bounded by an AbortSignal. Resolves with the status and parsed body, or rejects with a
 * {@link TransportError} saying whether the request can have reached regent (only then is a retry
 * unsafe).
 */
import http from 'node:http';
import https from 'node:https';

/** Why no usable HTTP response came back. */
export class TransportError extends Error {
  /** `unreachable`, `timeout` or `aborted`. */
  readonly kind: 'unreachable' | 'timeout' | 'aborted';
  /** True when the request provably never reached regent (the connection was never made). */
  readonly beforeRequest: boolean;
  /** The system error code (ECONNREFUSED, ...) when there is one. */
  readonly errno: string | undefined;

  constructor(kind: TransportError['kind'], message: string, beforeRequest: boolean, errno?: string) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
    this.beforeRequest = beforeRequest;
    this.errno = errno;
  }
}

/** Connect-phase failures: the request was never sent, so sending it again cannot repeat it. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** What one exchange gave back. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  requestId: string | undefined;
}

/** A keep-alive agent for each protocol, shared by every request of one client. */
export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

/** Makes the agents a client keeps for its lifetime. */
export function makeAgents(maxSockets: number): Agents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets }),
    https: new https.Agent({ keepAlive: true, maxSockets }),
  };
}

/**
 * Sends `body` (already JSON text; null for a GET) to `url`. `timeoutSignal` is the deadline,
 * `callerSignal` the caller's own; they are told apart so the deny names the right cause.
 */
export function sendJson(
  url: URL,
  body: string | null,
  headers: Record<string, string>,
  agents: Agents,
  signals: { timeout: AbortSignal; caller: AbortSignal | undefined },
  maxAnswerBytes: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const abortedError = () =>
      signals.caller?.aborted === true
        ? new TransportError('aborted', 'the caller aborted the request', false)
        : new TransportError('timeout', 'regent did not answer before the deadline', false);
    if (signals.timeout.aborted || signals.caller?.aborted === true) {
      reject(abortedError());
      return;
    }
    const secure = url.protocol === 'https:';
    const lib = secure ? https : http;
    let connected = false;
    const req = lib.request(url, {
      method: body === null ? 'GET' : 'POST',
      agent: secure ? agents.https : agents.http,
      headers:
        body === null
          ? headers
          : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    const onAbort = () => req.destroy(abortedError());
    signals.timeout.addEventListener('abort', onAbort, { once: true });
    signals.caller?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      signals.timeout.removeEventListener('abort', onAbort);
      signals.caller?.removeEventListener('abort', onAbort);
    };
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected; a new one reports when it is.
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err instanceof TransportError) reject(err);
      else {
        const before = !connected && err.code !== undefined && CONNECT_ERRORS.has(err.code);
        reject(
          new TransportError('unreachable', `regent is unreachable: ${err.code ?? err.message}`, before, err.code),
        );
      }
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxAnswerBytes) {
          req.destroy(new TransportError('unreachable', `regent's answer exceeded ${maxAnswerBytes} bytes`, false));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', () => undefined); // reported through req's 'error'
      res.on('end', () => {
        cleanup();
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        const rid = res.headers['x-request-id'];
        resolve({ status: res.statusCode ?? 0, body: parsed, requestId: typeof rid === 'string' ? rid : undefined });
      });
    });
    req.end(body ?? undefined);
  });
}
