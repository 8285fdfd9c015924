import { connect } from 'node:net';
import { socketTransport } from '../net/socket-transport.js';
import type { Connector } from './connector-types.js';

/** Where a FastCGI application listens. */
export type ClientAddress = { path: string } | { host?: string; port: number };

/** Connects over TCP or a Unix socket with node:net. */
export function nodeConnector(address: ClientAddress): Connector {
  return (peer) =>
    new Promise((resolve, reject) => {
      const socket = 'path' in address ? connect({ path: address.path }) : connect({ host: address.host ?? '127.0.0.1', port: address.port, noDelay: true });
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
