import type { Transport, TransportPeer } from '../client/connector-types.js';

/** How the in-memory pipe behaves like a socket. */
export interface PipeOptions {
  /** Deliver bytes in pieces of at most this size (1 exercises every split); default whole writes. */
  chunkSize?: number;
  /** Queued bytes past which `write` returns false until the reader catches up; default 64 KiB. */
  highWaterMark?: number;
}

const later: (callback: () => void) => void = typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate : (callback) => setTimeout(callback, 0);

/**
 * One end of an in-memory socket pair. Bytes are copied and delivered on a later turn of the
 * event loop, in order, with pause/resume and write backpressure — what a socket does.
 */
class PipeEnd implements Transport {
  other!: PipeEnd;
  #peer: TransportPeer | undefined;
  readonly #inbox: Uint8Array[] = [];
  #inboxBytes = 0;
  #paused = false;
  #closed = false;
  #ending = false;
  #scheduled = false;
  /** This end was told to wait: it gets `drained()` once the other end has read its inbox. */
  #blocked = false;

  constructor(private readonly options: Required<PipeOptions>) {}

  connect(peer: TransportPeer): void {
    this.#peer = peer;
    this.#schedule();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#closed || this.#ending) return false;
    const size = this.options.chunkSize;
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length; at += size) {
        const piece = chunk.slice(at, at + size);
        this.other.#inbox.push(piece);
        this.other.#inboxBytes += piece.length;
      }
    }
    this.other.#schedule();
    if (this.other.#inboxBytes >= this.options.highWaterMark) this.#blocked = true;
    return !this.#blocked;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#schedule();
  }

  end(): void {
    if (this.#closed) return;
    this.#ending = true;
    this.other.#schedule();
  }

  destroy(): void {
    this.#closeBoth();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    later(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const peer = this.#peer;
    if (peer === undefined) return;
    while (!this.#paused && !this.#closed && this.#inbox.length > 0) {
      const chunk = this.#inbox.shift()!;
      this.#inboxBytes -= chunk.length;
      peer.receive(chunk);
    }
    if (this.#inbox.length > 0 || this.#closed) return;
    if (this.other.#blocked) {
      this.other.#blocked = false;
      this.other.#peer?.drained();
    }
    if (this.other.#ending) this.#closeBoth();
  }

  #closeBoth(): void {
    for (const end of [this, this.other]) {
      if (end.#closed) continue;
      end.#closed = true;
      end.#inbox.length = 0;
      end.#inboxBytes = 0;
      later(() => end.#peer?.closed());
    }
  }
}

/** Two connected transports: what one writes, the other's peer receives. */
export function createMemoryPipe(options: PipeOptions = {}): [PipeEnd, PipeEnd] {
  const resolved: Required<PipeOptions> = {
    chunkSize: Math.max(1, options.chunkSize ?? Number.POSITIVE_INFINITY),
    highWaterMark: options.highWaterMark ?? 64 * 1024,
  };
  const a = new PipeEnd(resolved);
  const b = new PipeEnd(resolved);
  a.other = b;
  b.other = a;
  return [a, b];
}

export type { PipeEnd };
