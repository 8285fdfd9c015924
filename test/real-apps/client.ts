/**
 * A browser's view of one exchange, taken with node:http so that nothing is decoded, merged or
 * reordered on the way: status line, raw header lines, body bytes.
 */
import { request as httpRequest } from 'node:http';

/** One request as the test sends it to both servers. */
export interface SentRequest {
  method?: string;
  /** Path and query, e.g. '/items?x=1'. */
  path: string;
  /** Header lines in order; a name may repeat. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: string | Uint8Array;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in two parts. */
  chunked?: boolean;
  /** Leave after this many ms without waiting for the answer (the observation is then empty). */
  leaveAfterMs?: number;
}

/** What came back. */
export interface Observation {
  status: number;
  statusText: string;
  /** Header lines as received, names lower-cased. */
  headers: Array<[string, string]>;
  body: Buffer;
}

const TIMEOUT_MS = 20_000;

/** Sends `sent` to `origin` (http://127.0.0.1:PORT) on a fresh connection. */
export function send(origin: string, sent: SentRequest): Promise<Observation> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of sent.headers ?? []) {
    const previous = headers[name];
    headers[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const body = typeof sent.body === 'string' ? Buffer.from(sent.body) : sent.body;
  if (body !== undefined && !sent.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${sent.path}`, { method: sent.method ?? 'GET', headers, agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const lines: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: lines, body: Buffer.concat(chunks) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${sent.method ?? 'GET'} ${sent.path} within ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => (sent.leaveAfterMs === undefined ? reject(error) : undefined));
    if (sent.leaveAfterMs !== undefined) {
      setTimeout(() => {
        req.destroy();
        resolve({ status: 0, statusText: 'left', headers: [], body: Buffer.alloc(0) });
      }, sent.leaveAfterMs);
    }
    if (body !== undefined && sent.chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else {
      req.end(body);
    }
  });
}
