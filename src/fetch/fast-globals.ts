import { lightRequestsSupported } from './light-request.js';
import { LightResponse, NativeResponse } from './light-response.js';

const INSTALLED = Symbol.for('fastcgi-fetch.fast-globals');

/** True once {@link installFastGlobals} has run in this realm. */
export function fastGlobalsInstalled(): boolean {
  return (globalThis as Record<symbol, unknown>)[INSTALLED] === true;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && process.release?.name === 'node' && !('Bun' in globalThis) && !('Deno' in globalThis);
}

function isDeno(): boolean {
  return 'Deno' in globalThis && !('Bun' in globalThis);
}

/**
 * Replaces the global `Response` (and nothing else) with the light one, on Node, Bun and Deno:
 * `new Response('text')` then costs no stream, where the platform's body is read through one
 * (undici, Bun, Deno alike). Platform responses still pass `instanceof Response`. `Request` and
 * `fetch` stay the platform's: light requests (see {@link lightRequests}) are accepted by them as
 * they are.
 */
export function installFastGlobals(): boolean {
  if (fastGlobalsInstalled()) return true;
  if (globalThis.Response !== NativeResponse) return false;
  Object.defineProperty(globalThis, 'Response', { value: LightResponse, writable: true, enumerable: false, configurable: true });
  (globalThis as Record<symbol, unknown>)[INSTALLED] = true;
  return true;
}

/**
 * Whether handlers get light requests: where the platform's functions accept them (undici 6:
 * Node 20 and 22; Deno's JavaScript Request; Bun, through their members), else the platform's
 * Request.
 */
export function lightRequests(): boolean {
  return (light ??= (isNode() || isDeno() || 'Bun' in globalThis) && lightRequestsSupported());
}
let light: boolean | undefined;
