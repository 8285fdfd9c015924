import type { Socket } from 'node:net';
import type { Connection } from '../engine/connection.js';
import type { AcceptedSocket } from '../net/listener.js';
import { NativeSocket } from '../net/native-socket.js';
import { readIntoSharedBuffer } from '../net/shared-read-buffer.js';
import { socketTransport } from '../net/socket-transport.js';
import type { Application } from './application.js';

/** Runs the application's FastCGI engine over an accepted socket. */
export function attachSocket(socket: AcceptedSocket, application: Application): Connection {
  if (socket instanceof NativeSocket) {
    // Bun's or Deno's own socket: it is the transport and feeds the connection itself.
    const connection = application.attach(socket);
    socket.attach(connection);
    return connection;
  }
  return attachNodeSocket(socket, application);
}

function attachNodeSocket(socket: Socket, application: Application): Connection {
  const connection = application.attach(socketTransport(socket));
  // Lent: the shared buffer is overwritten by the next read, so the engine copies what it keeps.
  const shared = readIntoSharedBuffer(socket, (bytes) => connection.receive(bytes, true));
  // A plain Uint8Array view: every subarray the decoder takes of a Buffer would go through
  // Buffer's species constructor, a cost paid per record and per param.
  if (!shared) socket.on('data', (chunk: Buffer) => connection.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  socket.on('drain', () => connection.drained());
  // A reset or a broken pipe is how web servers abort: 'close' follows and aborts the requests.
  socket.on('error', () => {});
  // FastCGI has no half-close: a peer that stops sending has gone, and so have its requests.
  socket.on('end', () => connection.closed());
  socket.on('close', () => connection.closed());
  return connection;
}
