/**
 * The Bun floor: the least work a FastCGI responder can do on Bun's own sockets (`Bun.listen`,
 * one send per response). What is left is Bun's cost.
 */
import { FloorConnection } from './floor-records.js';

interface BunSocket {
  data: { floor: FloorConnection; queue: Uint8Array[]; ending: boolean };
  write(data: Uint8Array): number;
  /** Our FIN only: the socket closes when the peer's comes. */
  shutdown(): void;
  end(): void;
}
declare const Bun: {
  listen(options: {
    unix: string;
    binaryType: 'uint8array';
    socket: {
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      drain(socket: BunSocket): void;
      end(socket: BunSocket): void;
    };
  }): unknown;
};

const path = process.argv[2];
if (!path) throw new Error('usage: floor-bun.ts <socket path>');

/** Bun keeps nothing of a write the kernel did not take: the rest waits for 'drain'. */
function send(socket: BunSocket, bytes: Uint8Array): void {
  const { queue } = socket.data;
  if (queue.length > 0) {
    queue.push(bytes);
    return;
  }
  const sent = socket.write(bytes);
  if (sent < bytes.length) queue.push(bytes.subarray(Math.max(sent, 0)));
}

/** Our FIN once everything queued went out. */
function finish(socket: BunSocket): void {
  socket.data.ending = true;
  if (socket.data.queue.length === 0) socket.shutdown();
}

Bun.listen({
  unix: path,
  binaryType: 'uint8array',
  socket: {
    open(socket) {
      // Without keep-conn: a FIN, not Bun's end(), which closes at once and, with input unread,
      // can reset the connection before the web server read the answer (as src/net does).
      socket.data = {
        floor: new FloorConnection(
          (bytes) => send(socket, bytes),
          () => finish(socket),
        ),
        queue: [],
        ending: false,
      };
    },
    data(socket, chunk) {
      socket.data.floor.receive(chunk);
    },
    end(socket) {
      socket.end();
    },
    drain(socket) {
      const { queue } = socket.data;
      while (queue.length > 0) {
        const bytes = queue[0]!;
        const sent = socket.write(bytes);
        if (sent < bytes.length) {
          queue[0] = bytes.subarray(Math.max(sent, 0));
          return;
        }
        queue.shift();
      }
      if (socket.data.ending) socket.shutdown();
    },
  },
});
process.once('SIGTERM', () => process.exit(0));
