import { connect, type Socket } from 'node:net';
import type { Connector, Transport } from './transport.js';

/** Where a FastCGI application listens. */
export type ClientAddress = { path: string } | { host?: string; port: number };

/** A `node:net` socket as a client transport: a record group leaves in one corked write. */
function socketTransport(socket: Socket): Transport {
  return {
    write(chunks) {
      if (socket.destroyed) return false;
      if (chunks.length === 1) return socket.write(chunks[0]!);
      socket.cork();
      let ok = true;
      for (const chunk of chunks) ok = socket.write(chunk);
      socket.uncork();
      return ok;
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}

/** Connects over TCP or a Unix socket. */
export function socketConnector(address: ClientAddress): Connector {
  return (peer) =>
    new Promise((resolve, reject) => {
      const socket =
        'path' in address
          ? connect({ path: address.path })
          : connect({ host: address.host ?? '127.0.0.1', port: address.port, noDelay: true });
      let lastError: Error | undefined;
      const onConnectError = (error: Error) => reject(error);
      socket.once('error', onConnectError);
      socket.once('connect', () => {
        socket.off('error', onConnectError);
        socket.on('error', (error) => (lastError = error));
        socket.on('data', (chunk: Buffer) => peer.receive(chunk));
        socket.on('drain', () => peer.drained());
        // FastCGI has no half-close: when the application stops sending, the connection is over.
        socket.on('end', () => {
          peer.closed();
          socket.destroy();
        });
        socket.on('close', () => peer.closed(lastError));
        resolve(socketTransport(socket));
      });
    });
}
