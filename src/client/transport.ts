/**
 * The byte pipe under one client connection. Same shape as the engine's `Transport`
 * (src/engine/transport.ts), so one in-memory pipe end serves either side.
 */
export interface Transport {
  /** Queues the chunks as one unit; false asks the writer to wait for `TransportPeer.drained()`. */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Stops delivering input until `resume()`. */
  pause(): void;
  resume(): void;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Closes at once, dropping anything unsent. */
  destroy(): void;
}

/** What the owner of a pipe feeds with what it reads. */
export interface TransportPeer {
  receive(chunk: Uint8Array): void;
  /** Everything written so far has been taken: writers may go on. */
  drained(): void;
  /** The pipe is gone; `error` when it broke rather than closed. Called once. */
  closed(error?: Error): void;
}

/** Opens one connection to the application, wired to `peer`. Rejects when it cannot connect. */
export type Connector = (peer: TransportPeer) => Promise<Transport>;
