import type { FastCGIRequest } from '../engine/request.js';

const encoder = new TextEncoder();

/** Headers that describe the hop to the web server, not the response: never forwarded. */
const HOP_HEADERS = new Set(['transfer-encoding', 'connection', 'keep-alive', 'status', 'set-cookie', 'content-length']);

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content',
  301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error',
  501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** Bodies this small that are ready at once leave in the same write as the head. */
const COALESCE_LIMIT = 64 * 1024;

const nextTurn: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate : (callback) => setTimeout(callback, 0);

function hasNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * The CGI response head: `Status:`, then each header on its own line (one line per Set-Cookie).
 * `contentLength` is written when known exactly; a handler's own Content-Length is kept only
 * where no body follows (HEAD, 304), because a streamed body may not meet it.
 */
export function encodeHead(response: Response, contentLength: number | undefined, keepDeclaredLength: boolean): Uint8Array {
  const reason = (response.statusText || REASONS[response.status] || '').replace(/[\r\n]/g, ' ');
  let head = `Status: ${response.status}${reason ? ` ${reason}` : ''}\r\n`;
  for (const [name, value] of response.headers) {
    if (!HOP_HEADERS.has(name)) head += `${name}: ${value}\r\n`;
  }
  for (const cookie of response.headers.getSetCookie()) head += `set-cookie: ${cookie}\r\n`;
  if (contentLength !== undefined) head += `content-length: ${contentLength}\r\n`;
  else if (keepDeclaredLength) {
    const declared = response.headers.get('content-length');
    if (declared !== null) head += `content-length: ${declared}\r\n`;
  }
  return encoder.encode(`${head}\r\n`);
}

type Read = ReadableStreamReadResult<Uint8Array>;

/** Waits for `read` but no longer than the current turn of the event loop. */
function readSoon(read: Promise<Read>): Promise<Read | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    read.then(
      (result) => {
        settled = true;
        resolve(result);
      },
      (error: unknown) => {
        settled = true;
        reject(error);
      },
    );
    nextTurn(() => {
      if (!settled) resolve(undefined);
    });
  });
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`response body chunk is ${typeof chunk}, not bytes`);
}

/** The response body failed after the head went out; the request ended with a cut body. */
export class BodyStreamError extends Error {
  override readonly name = 'BodyStreamError';
}

/**
 * Streams `response` to the request's STDOUT: reads the body only while the connection takes
 * more, stops and cancels the body when the request is aborted, and sends a small body that is
 * ready at once in a single write with the head and END_REQUEST. Rejects with BodyStreamError
 * (after ending the request) when the body fails mid-way.
 */
export async function writeResponse(request: FastCGIRequest, response: Response, isHead: boolean): Promise<void> {
  const body = response.body;
  if (body === null || isHead || hasNoBody(response.status)) {
    if (body !== null) body.cancel().catch(() => {});
    const length = body === null && !isHead && !hasNoBody(response.status) ? 0 : undefined;
    request.end([encodeHead(response, length, isHead || response.status === 304)]);
    return;
  }

  const reader = body.getReader();
  const stopWatching = request.whenAborted((reason) => {
    reader.cancel(reason).catch(() => {});
  });
  let headSent = false;
  try {
    // Gather what the body has ready now: a whole small body makes one write with a length.
    const ready: Uint8Array[] = [];
    let readyBytes = 0;
    let pending: Promise<Read> | undefined = reader.read();
    let first = await pending;
    pending = undefined;
    while (!first.done) {
      const bytes = toBytes(first.value);
      ready.push(bytes);
      readyBytes += bytes.length;
      if (readyBytes > COALESCE_LIMIT) break;
      pending = reader.read();
      const next = await readSoon(pending);
      if (next === undefined) break;
      pending = undefined;
      first = next;
    }
    if (request.done) return;
    if (first.done) {
      request.end([encodeHead(response, readyBytes, false), ...ready]);
      return;
    }
    headSent = true;
    let writable = request.write([encodeHead(response, undefined, false), ...ready]);
    for (;;) {
      if (!writable) await request.writable();
      if (request.done) return;
      const result = await (pending ?? reader.read());
      pending = undefined;
      if (request.done) return;
      if (result.done) break;
      writable = request.write([toBytes(result.value)]);
    }
    request.end();
  } catch (error) {
    reader.cancel(error).catch(() => {});
    if (request.done) return;
    if (!headSent) throw error;
    request.end([], 1);
    throw new BodyStreamError('the response body failed after the head was sent', { cause: error });
  } finally {
    stopWatching();
  }
}
