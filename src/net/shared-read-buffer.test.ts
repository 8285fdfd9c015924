import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readIntoSharedBuffer } from './shared-read-buffer.js';
import { patternBytes } from '../../test/support/bytes.js';
import { eventually } from '../../test/support/wait.js';

let servers: Server[] = [];
let clients: Socket[] = [];
afterEach(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
  clients = [];
});

interface Accepted {
  socket: Socket;
  /** Copies of what each read delivered. */
  reads: Uint8Array[];
  /** The buffers the reads were views of. */
  buffers: Set<ArrayBufferLike>;
  installed: boolean;
}

/** A server whose accepted sockets read into the shared buffer, and a client connected to it. */
async function connectedPair(): Promise<{ accepted: Accepted; client: Socket }> {
  let accept!: (accepted: Accepted) => void;
  const acceptedOne = new Promise<Accepted>((resolve) => (accept = resolve));
  const server = createServer((socket) => {
    const accepted: Accepted = { socket, reads: [], buffers: new Set(), installed: false };
    accepted.installed = readIntoSharedBuffer(socket, (bytes) => {
      accepted.buffers.add(bytes.buffer);
      accepted.reads.push(bytes.slice());
    });
    accept(accepted);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  clients.push(client);
  await once(client, 'connect');
  return { accepted: await acceptedOne, client };
}

function joined(reads: readonly Uint8Array[]): Buffer {
  return Buffer.concat(reads);
}

describe('readIntoSharedBuffer', () => {
  it('delivers two connections’ bytes exactly, every read a view of the one buffer they share', async () => {
    const one = await connectedPair();
    const two = await connectedPair();
    expect([one.accepted.installed, two.accepted.installed]).toEqual([true, true]);
    const first = patternBytes(300_000, 1);
    const second = patternBytes(200_000, 2);
    // Odd-sized writes, interleaved, so the reads of both sockets alternate and cut anywhere.
    for (let at = 0; at < first.length; at += 7919) {
      one.client.write(first.subarray(at, at + 7919));
      two.client.write(second.subarray(at, at + 7919));
      if (at % (7919 * 8) === 0) await sleep(1);
    }
    await eventually(() => joined(one.accepted.reads).length === first.length && joined(two.accepted.reads).length === second.length);
    expect(joined(one.accepted.reads).equals(first)).toBe(true);
    expect(joined(two.accepted.reads).equals(second)).toBe(true);
    expect(one.accepted.reads.length).toBeGreaterThan(1);
    const buffers = new Set([...one.accepted.buffers, ...two.accepted.buffers]);
    expect(buffers.size).toBe(1);
  });

  it('reads nothing while paused and everything after resume; end and close still come', async () => {
    const { accepted, client } = await connectedPair();
    accepted.socket.pause();
    const bytes = patternBytes(100_000, 3);
    client.write(bytes);
    await sleep(100);
    expect(accepted.reads).toEqual([]);
    const ended = once(accepted.socket, 'end');
    const closed = once(accepted.socket, 'close');
    accepted.socket.resume();
    client.end();
    await ended;
    await closed;
    expect(joined(accepted.reads).equals(bytes)).toBe(true);
  });
});
