/**
 * Bun's own socket API (`Bun.listen`, `Bun.connect`) under the engine: no node:net layer, one
 * set of handlers shared by every socket, writes straight to the kernel.
 */
import { NativeSocket, type SocketPeer } from './native-socket.js';
import type { NativeListenerHandle, NativeSocketApi } from './native-socket-api.js';

/** The part of a Bun socket used here. */
interface BunSocket {
  data: BunTransport | SocketPeer | undefined;
  /** Unbuffered: returns the bytes the kernel took (-1 once closed); the rest is the caller's. */
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  /** Shuts our side only (half-close): unlike end(), which closes the socket at once. */
  shutdown(halfClose?: boolean): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): boolean;
  readonly remoteFamily?: string;
  readonly remoteAddress?: string;
}

interface BunHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

type Where = { unix: string } | { hostname: string; port: number };

interface BunListener {
  readonly port?: number;
  readonly hostname?: string;
  stop(closeActiveConnections?: boolean): void;
}

export interface BunGlobal {
  listen(options: Where & { binaryType: 'uint8array'; socket: BunHandlers }): BunListener;
  connect(options: Where & { binaryType: 'uint8array'; socket: BunHandlers; data?: SocketPeer }): Promise<BunSocket>;
}

/** Runs of small chunks are copied into this and leave in one send(2); bigger ones go as they are. */
const SCRATCH_SIZE = 256 * 1024;
let scratch: Uint8Array | undefined;

/** A Bun socket as a Transport. Bun keeps nothing we write: what the kernel did not take waits here. */
class BunTransport extends NativeSocket {
  readonly #socket: BunSocket;
  /** Bytes the kernel did not take yet, in order; undefined while everything went out. */
  #queue: Uint8Array[] | undefined;
  #blocked = false;
  #ending = false;

  constructor(socket: BunSocket, family: string | undefined) {
    super(family, family === undefined ? undefined : socket.remoteAddress);
    this.#socket = socket;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.isGone || this.#ending) return false;
    if (this.#queue !== undefined) {
      for (const chunk of chunks) this.#queue.push(chunk);
      this.#blocked = true;
      return false;
    }
    if (chunks.length === 1) {
      const chunk = chunks[0]!;
      const sent = this.#socket.write(chunk);
      if (sent === chunk.length) return true;
      this.#queue = [sent > 0 ? chunk.subarray(sent) : chunk];
    } else if (this.#send(chunks)) {
      return true;
    }
    this.#blocked = true;
    return false;
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  end(): void {
    if (this.isGone || this.#ending) return;
    this.#ending = true;
    if (this.#queue === undefined) this.#shutdown();
    this.startGrace();
  }

  destroy(): void {
    if (!this.isGone) this.#socket.terminate();
  }

  /** Bun's 'drain': the kernel takes more. */
  flush(): void {
    const queue = this.#queue;
    if (queue === undefined) return;
    this.#queue = undefined;
    if (!this.#send(queue)) return;
    if (this.#ending) this.#shutdown();
    else if (this.#blocked) {
      this.#blocked = false;
      this.peer?.drained();
    }
  }

  /** The peer shut its side: with FastCGI that is the end of the connection. */
  peerEnded(): void {
    this.destroy();
  }

  receive(chunk: Uint8Array): void {
    this.deliver(chunk);
  }

  closed(error?: Error): void {
    this.gone(error);
  }

  /** A reset or a broken pipe: the socket is of no more use. */
  failed(error: Error): void {
    this.destroy();
    this.gone(error);
  }

  /**
   * Our FIN; the socket closes when the peer's comes (or the grace period ends). Bun's end()
   * would close at once: with input still unread, over TCP that is a reset, which can reach the
   * web server before it read our answer.
   */
  #shutdown(): void {
    this.#socket.shutdown();
  }

  /** Sends `chunks`; whatever the kernel does not take is queued. True when all of it went. */
  #send(chunks: readonly Uint8Array[]): boolean {
    const socket = this.#socket;
    let index = 0;
    while (index < chunks.length) {
      const first = chunks[index]!;
      let end = index + 1;
      let size = first.length;
      while (end < chunks.length && size + chunks[end]!.length <= SCRATCH_SIZE) size += chunks[end++]!.length;
      let sent: number;
      if (end - index === 1) {
        sent = socket.write(first);
        if (sent === size) {
          index = end;
          continue;
        }
        this.#queue = [sent > 0 ? first.subarray(sent) : first, ...chunks.slice(end)];
        return false;
      }
      // A FastCGI write is header, payload, header...: one send(2) instead of one per piece.
      const buffer = (scratch ??= new Uint8Array(SCRATCH_SIZE));
      let at = 0;
      for (let i = index; i < end; i++) {
        buffer.set(chunks[i]!, at);
        at += chunks[i]!.length;
      }
      sent = socket.write(buffer, 0, size);
      if (sent === size) {
        index = end;
        continue;
      }
      // What is left waits as views of the caller's chunks, not as a copy out of the scratch
      // buffer (which the next write reuses): a copy of up to 256 KiB per short write was a
      // fifth of Bun's busy time under a streamed download.
      let skip = Math.max(sent, 0);
      let unsent = index;
      while (skip >= chunks[unsent]!.length) skip -= chunks[unsent++]!.length;
      const partial = chunks[unsent]!;
      this.#queue = [skip > 0 ? partial.subarray(skip) : partial, ...chunks.slice(unsent + 1)];
      return false;
    }
    return true;
  }
}

function transportOf(socket: BunSocket): BunTransport | undefined {
  return socket.data instanceof BunTransport ? socket.data : undefined;
}

/** One set of handlers for every socket; `socket.data` is its transport. */
function handlers(onOpen: (transport: BunTransport, socket: BunSocket) => void, tcp: boolean): BunHandlers {
  return {
    open(socket) {
      // A client's socket carries its peer in `data` until it becomes the transport.
      const peer = socket.data as SocketPeer | undefined;
      if (tcp) socket.setNoDelay(true);
      const transport = new BunTransport(socket, tcp ? (socket.remoteFamily ?? 'IPv4') : undefined);
      socket.data = transport;
      if (peer !== undefined) transport.attach(peer);
      onOpen(transport, socket);
    },
    data(socket, chunk) {
      (socket.data as BunTransport).receive(chunk);
    },
    drain(socket) {
      transportOf(socket)?.flush();
    },
    end(socket) {
      transportOf(socket)?.peerEnded();
    },
    close(socket, error) {
      transportOf(socket)?.closed(error);
    },
    error(socket, error) {
      transportOf(socket)?.failed(error);
    },
  };
}

const clientSets: { unix?: BunHandlers; tcp?: BunHandlers } = {};

/** The client's handler sets, made once: Bun keeps a socket context per set. */
function clientHandlers(tcp: boolean): BunHandlers {
  return tcp ? (clientSets.tcp ??= handlers(() => {}, true)) : (clientSets.unix ??= handlers(() => {}, false));
}

function listenerHandle(listener: BunListener, path: string | undefined): NativeListenerHandle {
  return {
    address: path === undefined ? { host: listener.hostname ?? '', port: listener.port ?? 0 } : undefined,
    stop: () => listener.stop(false),
  };
}

/** The server and client sides over Bun's sockets. */
export function bunSockets(bun: BunGlobal): NativeSocketApi {
  return {
    name: 'bun',
    listenUnix(path, onSocket) {
      return listenerHandle(bun.listen({ unix: path, binaryType: 'uint8array', socket: handlers(onSocket, false) }), path);
    },
    listenTcp(host, port, onSocket) {
      return listenerHandle(bun.listen({ hostname: host, port, binaryType: 'uint8array', socket: handlers(onSocket, true) }), undefined);
    },
    async connect(address, peer) {
      const tcp = !('path' in address);
      const where: Where = 'path' in address ? { unix: address.path } : { hostname: address.host, port: address.port };
      const socket = await bun.connect({ ...where, binaryType: 'uint8array', data: peer, socket: clientHandlers(tcp) });
      return socket.data as BunTransport;
    },
  };
}
