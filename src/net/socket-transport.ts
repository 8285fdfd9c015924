import { connect, type Socket } from 'node:net';
import type { Transport } from '../engine/transport.js';

/** How long a peer may keep its side open after the transport ended (ms). */
const END_GRACE_MS = 1000;

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
    end: () => {
      socket.end();
      // FastCGI has no half-close: a peer that keeps its side open after our FIN would hold the
      // socket and its fd for ever (and count against maxConnections), so it gets a grace period.
      const timer = setTimeout(() => socket.destroy(), END_GRACE_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    },
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
