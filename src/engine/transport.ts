/**
 * The byte pipe under one FastCGI connection: a `node:net` socket, an in-memory pair in tests,
 * or a Bun/Deno socket. The engine calls these; the owner of the pipe feeds the engine through
 * `Connection.receive`, `Connection.drained` and `Connection.closed`.
 */
export interface Transport {
  /**
   * Queues the chunks, in order, as one unit (never interleaved with another write). Returns
   * false when the peer is not keeping up: the engine then waits for `Connection.drained()`.
   */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Stops delivering input until `resume()`. */
  pause(): void;
  resume(): void;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes at once, dropping anything unsent. */
  destroy(): void;
  /**
   * The chunks fed to `Connection.receive` are overwritten by later reads: the engine copies
   * what it keeps past the call (body chunks always are; params then too).
   */
  readonly reusesReadBuffer?: boolean;
}
