/**
 * The Bun floor: the least work a FastCGI responder can do on Bun's own sockets (`Bun.listen`,
 * one send per response). What is left is Bun's cost.
 */
import { FloorConnection } from './floor-records.js';

interface BunSocket {
  data: { floor: FloorConnection; queue: Uint8Array[] };
  write(data: Uint8Array): number;
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

Bun.listen({
  unix: path,
  binaryType: 'uint8array',
  socket: {
    open(socket) {
      socket.data = { floor: new FloorConnection((bytes) => send(socket, bytes), () => socket.end()), queue: [] };
    },
    data(socket, chunk) {
      socket.data.floor.receive(chunk);
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
    },
  },
});
process.once('SIGTERM', () => process.exit(0));
