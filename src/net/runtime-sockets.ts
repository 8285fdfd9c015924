/**
 * Which socket API carries FastCGI connections in this runtime: Bun's and Deno's own where
 * they exist, node:net otherwise (and wherever the native API cannot serve: an inherited fd, a
 * node:cluster worker). `FASTCGI_FETCH_TRANSPORT=node:net` forces node:net everywhere.
 */
import { bunSockets, type BunGlobal } from './bun-sockets.js';
import { denoSockets, type DenoGlobal } from './deno-sockets.js';
import type { NativeSocketApi } from './native-socket-api.js';

/** The environment variable that picks the transport: `node:net`, or `native` (the default). */
const TRANSPORT_ENV = 'FASTCGI_FETCH_TRANSPORT';

function forcedNodeNet(): boolean {
  try {
    return globalThis.process?.env?.[TRANSPORT_ENV] === 'node:net';
  } catch {
    // Deno without --allow-env: nothing was asked for.
    return false;
  }
}

/** The native socket API of this runtime, or undefined to use node:net. */
export function nativeSocketApi(): NativeSocketApi | undefined {
  if (forcedNodeNet()) return undefined;
  const globals = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal };
  if (globals.Bun !== undefined && typeof globals.Bun.listen === 'function') return bunSockets(globals.Bun);
  if (globals.Deno !== undefined && typeof globals.Deno.listen === 'function') return denoSockets(globals.Deno);
  return undefined;
}
