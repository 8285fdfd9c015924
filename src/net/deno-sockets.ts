/**
 * Deno's own socket API (`Deno.listen`, `Deno.connect`, TCP and Unix) under the engine: reads
 * and writes are Deno's async ops on the connection, with no node:net emulation between.
 */
import { NativeSocket, type SocketPeer } from './native-socket.js';
import type { NativeListenerHandle, NativeSocketApi } from './native-socket-api.js';

/** The part of a Deno connection used here. */
interface DenoConn {
  readonly remoteAddr: { transport: string; hostname?: string; port?: number };
  /** Resolves with the bytes read into `buffer`, or null at end of stream. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Resolves with the bytes written: possibly fewer than given. */
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}

interface DenoListener extends AsyncIterable<DenoConn> {
  readonly addr: { hostname?: string; port?: number; path?: string };
  accept(): Promise<DenoConn>;
  close(): void;
}

export interface DenoGlobal {
  listen(options: { transport: 'unix'; path: string } | { hostname: string; port: number; transport?: 'tcp' }): DenoListener;
  connect(options: { transport: 'unix'; path: string } | { hostname: string; port: number; transport?: 'tcp' }): Promise<DenoConn>;
}

/**
 * A server connection reads into one buffer, over and over: the engine copies what it keeps
 * (params, body chunks: Connection.receive's `lent`). A fresh slab per few reads made as
 * much garbage as the upload: RSS grew by 34 MiB under a 256 MiB slow upload although V8
 * collected several times a second (its external memory peaked at 24 MiB; the freed pages
 * stayed with the process). The buffer starts small (an idle connection holds it) and
 * doubles, up to the largest read, while reads fill it (an upload).
 */
const FIRST_READ_SIZE = 16 * 1024;
/** The most one read asks for. */
const READ_SIZE = 64 * 1024;
/**
 * A client connection's reads land in a slab that is handed on in views and never written
 * twice (the client keeps views of the response); reads that fill their room double it.
 */
const LARGEST_SLAB_SIZE = 256 * 1024;
/** Unsent bytes past which `write` returns false until they drain (node:net's default is 16 KiB). */
const HIGH_WATER_MARK = 256 * 1024;
/** Pending chunks up to this total are joined into one write op. */
const JOIN_LIMIT = 256 * 1024;
/**
 * Join buffers, reused once their write completed: a fresh one per write of a streamed body was
 * most of the garbage (and of the RSS growth) under a slow reader.
 */
const spareJoins: Uint8Array[] = [];
const MAX_SPARE_JOINS = 8;

/** A Deno connection as a Transport: one read loop and one write loop, each one op at a time. */
class DenoTransport extends NativeSocket {
  readonly #conn: DenoConn;
  /** A server connection reads into #slab again and again; see FIRST_READ_SIZE. */
  readonly #reuseReadBuffer: boolean;
  #slab = new Uint8Array(FIRST_READ_SIZE);
  #slabUsed = 0;
  /** The last read filled all the room it had: more is coming than fits. */
  #filled = false;
  #paused = false;
  #resume: (() => void) | undefined;
  /** Written and not yet taken by the kernel, in order. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #writing = false;
  #blocked = false;
  #ending = false;
  #closedConn = false;

  constructor(conn: DenoConn, family: string | undefined, reuseReadBuffer: boolean) {
    super(family, family === undefined ? undefined : conn.remoteAddr.hostname);
    this.#conn = conn;
    this.#reuseReadBuffer = reuseReadBuffer;
  }

  /** Starts reading; `peer` (a client's) is attached first. */
  start(peer?: SocketPeer): this {
    if (peer !== undefined) this.attach(peer);
    void this.#readLoop();
    return this;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.isGone || this.#ending) return false;
    for (const chunk of chunks) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
    }
    if (!this.#writing) void this.#writeLoop();
    if (this.#pendingBytes <= HIGH_WATER_MARK) return true;
    this.#blocked = true;
    return false;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  }

  end(): void {
    if (this.isGone || this.#ending) return;
    this.#ending = true;
    if (!this.#writing) this.#shutdown();
    this.startGrace();
  }

  destroy(): void {
    this.#close();
    this.gone();
  }

  async #readLoop(): Promise<void> {
    let error: Error | undefined;
    try {
      for (;;) {
        if (this.#paused) await new Promise<void>((resolve) => (this.#resume = resolve));
        if (this.isGone) return;
        if (this.#reuseReadBuffer) {
          const buffer = this.#slab;
          const count = await this.#conn.read(buffer);
          if (count === null) break;
          this.deliver(buffer.subarray(0, count), true);
          if (count === buffer.length && count < READ_SIZE) this.#slab = new Uint8Array(count * 2);
          continue;
        }
        let slab = this.#slab;
        // Less than a quarter left: a new slab, twice as big when reads keep filling the room.
        if (slab.length - this.#slabUsed < slab.length >> 2) {
          const size = this.#filled ? Math.min(slab.length * 2, LARGEST_SLAB_SIZE) : slab.length;
          slab = this.#slab = new Uint8Array(size);
          this.#slabUsed = 0;
        }
        const start = this.#slabUsed;
        const room = Math.min(slab.length - start, READ_SIZE);
        const count = await this.#conn.read(slab.subarray(start, start + room));
        if (count === null) break;
        this.#filled = count === room;
        // Aligned, so the next read starts on a fresh word.
        this.#slabUsed = start + ((count + 7) & ~7);
        this.deliver(slab.subarray(start, start + count));
      }
    } catch (caught) {
      if (!this.#closedConn) error = caught instanceof Error ? caught : new Error(String(caught));
    }
    // End of stream: FastCGI has no half-close, so the connection is over.
    this.#close();
    this.gone(error);
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.length > 0 && !this.#closedConn) {
        const [chunk, join] = this.#next();
        let written = 0;
        while (written < chunk.length) written += await this.#conn.write(written === 0 ? chunk : chunk.subarray(written));
        if (join !== undefined && spareJoins.length < MAX_SPARE_JOINS) spareJoins.push(join);
        this.#pendingBytes -= chunk.length;
        if (this.#blocked && this.#pendingBytes <= HIGH_WATER_MARK) {
          this.#blocked = false;
          this.peer?.drained();
        }
      }
    } catch (caught) {
      this.#writing = false;
      this.#close();
      this.gone(caught instanceof Error ? caught : new Error(String(caught)));
      return;
    }
    this.#writing = false;
    if (this.#ending) this.#shutdown();
  }

  /** The next write: the first pending chunk, or several joined into one op (with the join buffer to give back). */
  #next(): [chunk: Uint8Array, join: Uint8Array | undefined] {
    const pending = this.#pending;
    const first = pending[0]!;
    let count = 1;
    let size = first.length;
    while (count < pending.length && size + pending[count]!.length <= JOIN_LIMIT) size += pending[count++]!.length;
    if (count === 1) {
      pending.shift();
      return [first, undefined];
    }
    const join = spareJoins.pop() ?? new Uint8Array(JOIN_LIMIT);
    let at = 0;
    for (const chunk of pending.splice(0, count)) {
      join.set(chunk, at);
      at += chunk.length;
    }
    return [join.subarray(0, size), join];
  }

  /** Everything is sent: our FIN, then the read loop waits for the peer's (or the grace timer). */
  #shutdown(): void {
    if (this.#closedConn) return;
    this.#conn.closeWrite().catch(() => this.destroy());
  }

  #close(): void {
    if (this.#closedConn) return;
    this.#closedConn = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#resume?.();
  }
}

function familyOf(conn: DenoConn): string | undefined {
  if (conn.remoteAddr.transport !== 'tcp') return undefined;
  return conn.remoteAddr.hostname?.includes(':') ? 'IPv6' : 'IPv4';
}

/** `reuseReadBuffer` on the server side only: the client keeps views of what it reads. */
function accepted(conn: DenoConn, reuseReadBuffer: boolean): DenoTransport {
  const family = familyOf(conn);
  if (family !== undefined) conn.setNoDelay?.(true);
  return new DenoTransport(conn, family, reuseReadBuffer);
}

function listenOn(listener: DenoListener, tcp: boolean, onSocket: (socket: NativeSocket) => void): NativeListenerHandle {
  let stopped = false;
  void (async () => {
    try {
      for await (const conn of listener) {
        const socket = accepted(conn, true);
        onSocket(socket);
        socket.start();
      }
    } catch (error) {
      // Closing the listener ends the loop; anything else is an accept failure worth a line.
      if (!stopped) console.error(`fastcgi-fetch: accept failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  })();
  return {
    address: tcp ? { host: listener.addr.hostname ?? '', port: listener.addr.port ?? 0 } : undefined,
    stop() {
      stopped = true;
      listener.close();
    },
  };
}

/** The server and client sides over Deno's sockets. */
export function denoSockets(deno: DenoGlobal): NativeSocketApi {
  return {
    name: 'deno',
    listenUnix(path, onSocket) {
      return listenOn(deno.listen({ transport: 'unix', path }), false, onSocket);
    },
    listenTcp(host, port, onSocket) {
      return listenOn(deno.listen({ hostname: host, port }), true, onSocket);
    },
    async connect(address, peer) {
      const conn = await deno.connect('path' in address ? { transport: 'unix', path: address.path } : { hostname: address.host, port: address.port });
      return accepted(conn, false).start(peer);
    },
  };
}
