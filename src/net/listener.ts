/**
 * serve()'s listening socket over Bun's or Deno's own API. Accepted connections go to the
 * node:net Server's 'connection' listeners, as those of node:net's own listeners do, so serve()
 * handles every connection in one place whichever API accepted it.
 */
import cluster from 'node:cluster';
import { existsSync, unlinkSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import type { NativeSocket } from './native-socket.js';
import { nativeSocketApi } from './runtime-sockets.js';

/** What serve() is handed for each connection: a node:net Socket or a Bun/Deno socket. */
export type AcceptedSocket = Socket | NativeSocket;

/** A listener over Bun's or Deno's sockets. */
export interface NativeListener {
  /** The bound TCP address (port 0 resolved); undefined for a Unix socket. */
  readonly address: { host: string; port: number } | undefined;
  /** Stops accepting; resolves once every connection it accepted has closed too (as node:net's close does). */
  close(): Promise<void>;
}

/**
 * Listens on a TCP address or a Unix socket path with the runtime's own sockets, emitting each
 * connection on `server` as 'connection'. Undefined where node:net is to listen: on Node, in a
 * node:cluster worker (the primary owns the socket), or with FASTCGI_FETCH_TRANSPORT=node:net.
 * Binds at once; throws when it cannot.
 */
export function listenNatively(server: Server, target: { port: number; host: string } | { path: string }): NativeListener | undefined {
  const api = cluster.isWorker ? undefined : nativeSocketApi();
  if (api === undefined) return undefined;
  let open = 0;
  let accepting = true;
  let whenIdle: (() => void) | undefined;
  const accept = (socket: NativeSocket) => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    open++;
    socket.once('close', () => {
      open--;
      if (open === 0) whenIdle?.();
    });
    server.emit('connection', socket);
  };
  const path = 'path' in target ? target.path : undefined;
  const handle =
    path !== undefined ? api.listenUnix(path, accept) : api.listenTcp((target as { host: string }).host, (target as { port: number }).port, accept);
  let closed: Promise<void> | undefined;
  return {
    address: handle.address,
    close() {
      closed ??= new Promise<void>((resolve) => {
        accepting = false;
        handle.stop();
        // As node:net does, the socket file goes with the listener (Deno removes it itself).
        if (path !== undefined && existsSync(path)) {
          try {
            unlinkSync(path);
          } catch {
            // Not ours to remove after all.
          }
        }
        if (open === 0) resolve();
        else whenIdle = resolve;
      });
      return closed;
    },
  };
}
