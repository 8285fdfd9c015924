/**
 * The Deno floor: the least work a FastCGI responder can do on Deno's own sockets
 * (`Deno.listen`, one read op and one write op per request). What is left is Deno's cost.
 */
import { FloorConnection } from './floor-records.js';

interface Conn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}
declare const Deno: { listen(options: { transport: 'unix'; path: string }): AsyncIterable<Conn> };

const path = process.argv[2];
if (!path) throw new Error('usage: floor-deno.ts <socket path>');

async function writeAll(conn: Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += await conn.write(bytes.subarray(at));
}

async function serveConnection(conn: Conn): Promise<void> {
  // One write at a time, in order: a response waits for the one before it.
  let writing = Promise.resolve();
  let closing = false;
  // A reset (nginx ends wrk's connections) fails the write: the read loop then ends too.
  const floor = new FloorConnection(
    (bytes) => (writing = writing.then(() => writeAll(conn, bytes)).catch(() => {})),
    () => (closing = true),
  );
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const count = await conn.read(buffer);
      if (count === null) break;
      // The floor copies what it keeps, so one read buffer serves every read.
      floor.receive(buffer.subarray(0, count));
      if (closing) {
        await writing;
        break;
      }
    }
  } catch {
    // A reset is how web servers abort.
  }
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

for await (const conn of Deno.listen({ transport: 'unix', path })) void serveConnection(conn);
