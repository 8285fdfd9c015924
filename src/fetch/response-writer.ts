import type { EngineRequest } from '../engine/engine-request.js';
import { encodeCgiHead, headBytes, headText, isAscii } from './encode-cgi-head.js';
import { headersToSend } from './decoded-by-fetch.js';
import { plainBody } from './light-response.js';

const encoder = new TextEncoder();

/** Bodies this small that are ready at once leave in the same write as the head. */
const COALESCE_LIMIT = 64 * 1024;

const nextTurn: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate : (callback) => setTimeout(callback, 0);

function hasNoBody(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * A HEAD answer, or a 304, describes a body it does not carry: the handler's Content-Length
 * stays (RFC 9110 §8.6). A 204 or 1xx has no body to describe.
 */
function keepsDeclaredLength(status: number, isHead: boolean): boolean {
  return status === 304 || (isHead && !hasNoBody(status));
}

function headOf(request: EngineRequest, response: Response, contentLength: number | undefined, keepDeclaredLength: boolean): Uint8Array {
  return encodeCgiHead({
    status: response.status,
    statusText: response.statusText,
    headers: headersToSend(response),
    contentLength,
    keepDeclaredLength,
    authorizer: request.role === 'authorizer',
  });
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

/** A body chunk as the platform takes it: only a Uint8Array (its read errors on anything else). */
function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError(`a response body chunk must be a Uint8Array, not ${chunk === null ? 'null' : typeof chunk}`);
}

/** The response body failed after the head went out: only a broken response can tell the browser now. */
export class BodyStreamError extends Error {
  override readonly name = 'BodyStreamError';
}

/**
 * Heads of responses with no headers of their own, up to Content-Length, by default content type
 * (text for `new Response(text)`, JSON for `Response.json(data)`) and status: a handful, made once.
 */
const bareHeads = new Map<string | undefined, Map<number, string>>();
const NO_CHUNKS: readonly Uint8Array[] = [];

/** The head of `new Response(body, { status })` without its Content-Length line and blank line. */
function bareHead(status: number, defaultContentType: string | undefined): string {
  let byStatus = bareHeads.get(defaultContentType);
  if (byStatus === undefined) {
    byStatus = new Map();
    // Only the light Response's own defaults are passed: this stays a few entries.
    if (bareHeads.size < 8) bareHeads.set(defaultContentType, byStatus);
  }
  let head = byStatus.get(status);
  if (head === undefined) {
    head = headText({ status, statusText: '', headers: undefined, defaultContentType }).slice(0, -2);
    if (byStatus.size < 256) byStatus.set(status, head);
  }
  return head;
}

/**
 * Sends a light response whose body is a string or bytes (or none) at once: no stream, one
 * write with an exact length. Returns false, having done nothing, for any other response.
 */
export function writePlainResponse(request: EngineRequest, response: Response, isHead: boolean): boolean {
  const plain = plainBody(response);
  if (plain === undefined) return false;
  const noBody = hasNoBody(plain.status);
  const sendBody = !noBody && !isHead;
  const body = plain.body;
  // An ASCII string body is as long in bytes as in chars, and is written together with the head.
  const asciiText = typeof body === 'string' && isAscii(body);
  const bytes = typeof body === 'string' ? (asciiText ? null : encoder.encode(body)) : body;
  // For HEAD, a response without a body says nothing of the GET's: no length rather than 0.
  const contentLength = noBody ? undefined : asciiText ? body.length : bytes !== null ? bytes.length : isHead ? undefined : 0;
  const payload = sendBody ? bytes : null;
  const chunks = payload !== null ? [payload] : NO_CHUNKS;
  if (plain.headers === undefined && plain.statusText === '' && request.role !== 'authorizer') {
    // `new Response(text)`, as routers' text helpers make it: the head is a cached string.
    const prefix = bareHead(plain.status, plain.defaultContentType);
    const texts = contentLength === undefined ? [prefix, '\r\n'] : [prefix, 'content-length: ', String(contentLength), '\r\n\r\n'];
    if (asciiText && sendBody) texts.push(body);
    request.endWith(texts, chunks);
    return true;
  }
  const head = headText({
    status: plain.status,
    statusText: plain.statusText,
    headers: plain.headers,
    defaultContentType: plain.defaultContentType,
    contentLength,
    keepDeclaredLength: keepsDeclaredLength(plain.status, isHead),
    authorizer: request.role === 'authorizer',
  });
  if (!isAscii(head)) {
    // A header value with chars above U+007F: the head goes out one byte per char (headBytes).
    const rest = asciiText ? (sendBody ? encoder.encode(body) : null) : payload;
    request.end(rest !== null ? [headBytes(head), rest] : [headBytes(head)]);
    return true;
  }
  request.endWith(asciiText && sendBody ? [head, body] : [head], chunks);
  return true;
}

/**
 * Streams `response` to the request's STDOUT: reads the body only while the connection takes
 * more, stops and cancels the body when the request is aborted, and sends a small body that is
 * ready at once in a single write with the head and END_REQUEST. Rejects with BodyStreamError,
 * leaving the request open, when the body fails after the head went out.
 */
export async function writeResponse(request: EngineRequest, response: Response, isHead: boolean): Promise<void> {
  if (writePlainResponse(request, response, isHead)) return;
  const body = response.body;
  if (body === null || isHead || hasNoBody(response.status)) {
    if (body !== null) body.cancel().catch(() => {});
    const length = body === null && !isHead && !hasNoBody(response.status) ? 0 : undefined;
    request.end([headOf(request, response, length, keepsDeclaredLength(response.status, isHead))]);
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
      request.end([headOf(request, response, readyBytes, false), ...ready]);
      return;
    }
    headSent = true;
    let writable = request.write([headOf(request, response, undefined, false), ...ready]);
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
    // The request stays open: the caller logs to STDERR, then fails it (EngineRequest.fail).
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new BodyStreamError(`the response body failed after the head was sent: ${reason}`, { cause: error });
  } finally {
    stopWatching();
  }
}
