/**
 * Which socket API carries FastCGI connections in this runtime: Bun's and Deno's own where
 * they exist, node:net otherwise (and wherever the native API cannot serve: an inherited fd, a
 * node:cluster worker). `FASTCGI_FETCH_TRANSPORT=node:net` forces node:net everywhere.
 */
import { bunSockets, type BunGlobal } from './bun-sockets.js';
import { denoSockets, type DenoGlobal } from './deno-sockets.js';
import type { NativeSocket, SocketPeer } from './native-socket.js';

/** The environment variable that picks the transport: `node:net`, or `native` (the default). */
export const TRANSPORT_ENV = 'FASTCGI_FETCH_TRANSPORT';

/** A listening native socket. */
export interface NativeListenerHandle {
  /** The bound address of a TCP listener (port 0 resolved); undefined for a Unix socket. */
  readonly address: { host: string; port: number } | undefined;
  /** Stops accepting; open connections stay. */
  stop(): void;
}

/** A runtime's own sockets, server and client side. */
export interface NativeSocketApi {
  readonly name: 'bun' | 'deno';
  /** Binds at once (throws when it cannot); `onSocket` gets each accepted connection. */
  listenUnix(path: string, onSocket: (socket: NativeSocket) => void): NativeListenerHandle;
  listenTcp(host: string, port: number, onSocket: (socket: NativeSocket) => void): NativeListenerHandle;
  /** Connects and wires the socket to `peer`; rejects when it cannot connect. */
  connect(address: { path: string } | { host: string; port: number }, peer: SocketPeer): Promise<NativeSocket>;
}

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
