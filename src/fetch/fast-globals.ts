import { LightRequest, NativeRequest, isLightRequest, realRequest } from './light-request.js';
import { LightResponse, NativeResponse } from './light-response.js';

const INSTALLED = Symbol.for('fastcgi-fetch.fast-globals');

/** A `Request` constructor that also takes a light request as its input. */
class RequestAcceptingLight extends NativeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(isLightRequest(input) ? realRequest(input) : input, init);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(NativeRequest.prototype, value);
  }
}

// A second copy of this package must still find the platform's Request behind this one.
Object.defineProperty(RequestAcceptingLight, Symbol.for('fastcgi-fetch.native-request'), { value: NativeRequest });

/** True once {@link installFastGlobals} has run in this realm. */
export function fastGlobalsInstalled(): boolean {
  return (globalThis as Record<symbol, unknown>)[INSTALLED] === true;
}

/**
 * Replaces the global `Response`, `Request` and `fetch` with versions that know light
 * requests and responses, as @hono/node-server does: `new Response('text')` then costs no
 * stream, and a light request can be passed to `new Request()` and `fetch()`. Platform objects
 * still pass `instanceof`. Only on Node, whose undici objects are costly to build.
 */
export function installFastGlobals(): boolean {
  if (fastGlobalsInstalled()) return true;
  const isNode = typeof process !== 'undefined' && process.release?.name === 'node' && !('Bun' in globalThis) && !('Deno' in globalThis);
  if (!isNode) return false;
  const nativeFetch = globalThis.fetch;
  Object.defineProperty(globalThis, 'Response', { value: LightResponse, writable: true, configurable: true });
  Object.defineProperty(globalThis, 'Request', { value: RequestAcceptingLight, writable: true, configurable: true });
  Object.defineProperty(globalThis, 'fetch', {
    value: function fetch(input: RequestInfo | URL, init?: RequestInit) {
      return nativeFetch(isLightRequest(input) ? realRequest(input) : input, init);
    },
    writable: true,
    configurable: true,
  });
  (globalThis as Record<symbol, unknown>)[INSTALLED] = true;
  return true;
}

export { LightRequest, NativeResponse };
