/**
 * Sends a request with its path exactly as written. fetch() resolves `..` and `.` segments
 * before sending, which would hide exactly the paths a path-handling test must send.
 */
import { request } from 'node:http';

/** A raw response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/** Sends `method rawPath` to `baseUrl` with an optional body, without touching the path. */
export function rawRequest(
  baseUrl: string,
  method: string,
  rawPath: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: rawPath,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
