import { setTimeout as later } from 'node:timers';
import type { Transport } from '../engine/transport.js';

/** What the owner of a pipe feeds: the engine's Connection on the server, the client's exchange on the client. */
export interface SocketPeer {
  receive(chunk: Uint8Array): void;
  /** Everything written so far has been taken: writers may go on. */
  drained(): void;
  /** The pipe is gone; `error` when it broke rather than closed. Called once. */
  closed(error?: Error): void;
}

/** How long a peer may keep its side open after the transport ended (ms), as on node:net. */
export const END_GRACE_MS = 1000;

/**
 * A connection over a runtime's own socket API (Bun, Deno) as a Transport, plus what serve()
 * asks of an accepted socket (remote address, `destroy`, a 'close' listener) so that it stands
 * where a node:net Socket would. Subclasses do the I/O and call `gone()` once the socket closed.
 */
export abstract class NativeSocket implements Transport {
  /** Set by `attach`; input that arrives before it is kept (a client's first reads race its connect). */
  protected peer: SocketPeer | undefined;
  #early: Uint8Array[] | undefined;
  #closeListeners: Array<() => void> | undefined;
  #graceTimer: ReturnType<typeof later> | undefined;
  #gone = false;

  constructor(
    /** 'IPv4' or 'IPv6' over TCP; undefined over a Unix socket, as on node:net. */
    readonly remoteFamily: string | undefined,
    readonly remoteAddress: string | undefined,
  ) {}

  abstract write(chunks: readonly Uint8Array[]): boolean;
  abstract pause(): void;
  abstract resume(): void;
  abstract end(): void;
  abstract destroy(): void;

  get isGone(): boolean {
    return this.#gone;
  }

  /** Connects the socket to what reads it. */
  attach(peer: SocketPeer): void {
    this.peer = peer;
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined) for (const chunk of early) peer.receive(chunk);
  }

  /** Listens for the socket closing (the only event serve() asks a socket for). */
  once(event: 'close', listener: () => void): this {
    if (event === 'close') {
      if (this.#gone) queueMicrotask(listener);
      else (this.#closeListeners ??= []).push(listener);
    }
    return this;
  }

  /** Feeds input to the peer, or keeps it until there is one. */
  protected deliver(chunk: Uint8Array): void {
    const peer = this.peer;
    if (peer !== undefined) peer.receive(chunk);
    else if (!this.#gone) (this.#early ??= []).push(chunk);
  }

  /**
   * FastCGI has no half-close: a peer that keeps its side open after our end would hold the
   * socket and its fd for ever (and count against maxConnections), so it gets a grace period.
   */
  protected startGrace(): void {
    if (this.#graceTimer !== undefined || this.#gone) return;
    this.#graceTimer = later(() => this.destroy(), END_GRACE_MS);
    this.#graceTimer.unref?.();
  }

  /** The socket is closed: tells the peer and the 'close' listeners, once. */
  protected gone(error?: Error): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#early = undefined;
    this.peer?.closed(error);
    const listeners = this.#closeListeners;
    this.#closeListeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }
}
