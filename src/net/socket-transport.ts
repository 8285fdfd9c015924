import { connect, type Socket } from 'node:net';
import type { Transport } from '../engine/transport.js';

/**
 * A `node:net` socket as a Transport, for the server and the client alike: a group of chunks
 * (whole records) leaves corked together, in one writev.
 */
export function socketTransport(socket: Socket): Transport {
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

/** Resolves true when something accepts connections on the Unix socket at `path`. */
export function unixSocketAccepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
