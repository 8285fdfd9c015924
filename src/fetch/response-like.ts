/**
 * A handler's result as a Response the writer can send. Apps built on another Fetch
 * implementation (@whatwg-node/fetch's ponyfill, as GraphQL Yoga uses on Node; node-fetch) return
 * responses that are not `instanceof Response` but have its shape: status, statusText, headers
 * and a body stream. Those are rebuilt as platform responses; anything else is not a response.
 */
import { isNullBodyStatus } from '../http/null-body-status.js';
import { NativeResponse } from './light-response.js';

interface HeadersLike {
  get(name: string): string | null;
  forEach?(callback: (value: string, name: string) => void): void;
  getSetCookie?(): string[];
  [Symbol.iterator]?(): Iterator<[string, string]>;
}

interface ResponseLike {
  status: number;
  statusText?: unknown;
  headers: HeadersLike;
  body: unknown;
}

const utf8 = new TextEncoder();

function isHeadersLike(value: unknown): value is HeadersLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as HeadersLike).get === 'function' &&
    (typeof (value as HeadersLike).forEach === 'function' || typeof (value as HeadersLike)[Symbol.iterator] === 'function')
  );
}

function isResponseLike(value: unknown): value is ResponseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ResponseLike).status === 'number' &&
    isHeadersLike((value as ResponseLike).headers) &&
    'body' in value
  );
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return utf8.encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError(`a response body chunk is ${typeof chunk}, not bytes`);
}

/** A platform stream reading a foreign body: a stream-like with getReader(), or any async iterable. */
function toStream(body: unknown): ReadableStream<Uint8Array> | null {
  if (body === null || body === undefined) return null;
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  if (typeof body === 'string' || body instanceof Uint8Array) return new NativeResponse(body as BodyInit).body;
  const getReader = (body as { getReader?: unknown }).getReader;
  if (typeof getReader === 'function') {
    const reader = getReader.call(body) as ReadableStreamDefaultReader<unknown>;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(toBytes(value));
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }
  const iterate = (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (typeof iterate === 'function') {
    const iterator = iterate.call(body) as AsyncIterator<unknown>;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(toBytes(value));
        },
        async cancel(reason) {
          await iterator.return?.(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }
  throw new TypeError(`the response body is ${typeof body}, not a stream`);
}

function copyHeaders(from: HeadersLike): Headers {
  const headers = new Headers();
  if (typeof from.forEach === 'function') from.forEach((value, name) => void headers.append(name, value));
  else for (const [name, value] of from as Iterable<[string, string]>) headers.append(name, value);
  // Joined Set-Cookie values cannot be split again: take them one by one where offered.
  if (typeof from.getSetCookie === 'function') {
    const cookies = from.getSetCookie();
    if (cookies.length > 0) {
      headers.delete('set-cookie');
      for (const cookie of cookies) headers.append('set-cookie', cookie);
    }
  }
  return headers;
}

/**
 * `value` as a Response: itself when it is one (the platform's or a light one), a platform copy
 * when it only has a Response's shape, undefined when it is not a response at all. Throws the
 * platform's TypeError or RangeError for a response-shaped value no Response could have (a
 * status out of range, an invalid header).
 */
export function asResponse(value: unknown): Response | undefined {
  if (value instanceof NativeResponse) return value;
  if (!isResponseLike(value)) return undefined;
  const headers = copyHeaders(value.headers);
  const statusText = typeof value.statusText === 'string' ? value.statusText : '';
  if (isNullBodyStatus(value.status)) {
    const body = value.body as { cancel?: () => Promise<unknown> } | null;
    if (body !== null && typeof body === 'object' && typeof body.cancel === 'function') body.cancel().catch(() => {});
    return new NativeResponse(null, { status: value.status, statusText, headers });
  }
  return new NativeResponse(toStream(value.body), { status: value.status, statusText, headers });
}
