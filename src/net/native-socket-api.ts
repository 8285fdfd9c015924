/**
 * What a runtime's own socket API offers under the engine, as the Bun and Deno modules
 * implement it and runtime-sockets.ts picks it: a module of its own so that neither side imports
 * the other.
 */
import type { NativeSocket, SocketPeer } from './native-socket.js';

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
