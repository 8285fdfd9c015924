/**
 * The engine's Transport in memory, synchronous: each write goes straight to a callback, with
 * no copy and no event-loop turn, so the in-process bench measures the engine and not the pipe.
 * (src/testing/memory-pipe.ts is the socket-like one: copies, later turns, backpressure.)
 */
import type { Transport } from '../../../src/engine/transport.js';

export class MemoryTransport implements Transport {
  paused = false;
  ended = false;
  destroyed = false;
  /** What the next write returns: false makes the engine wait for `Connection.drained()` (a slow peer). */
  writeReturns: () => boolean = () => true;

  /** `onWrite` gets each write's chunks as the engine passed them (views it may reuse: copy to keep). */
  constructor(private readonly onWrite: (chunks: readonly Uint8Array[]) => void = () => {}) {}

  get closed(): boolean {
    return this.ended || this.destroyed;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    this.onWrite(chunks);
    return this.writeReturns();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }
}
