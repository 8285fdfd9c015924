import type { Transport } from '../engine/transport.js';

/** The byte pipe under one client connection: the engine's Transport, so one in-memory pipe end serves either side. */
export type { Transport };

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
