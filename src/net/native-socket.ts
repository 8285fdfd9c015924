import { setInterval as every } from 'node:timers';
import type { Transport } from '../engine/transport.js';

/** What the owner of a pipe feeds: the engine's Connection on the server, the client's exchange on the client. */
export interface SocketPeer {
  /** `lent`: the memory behind `chunk` is read into again once this returns; copy what is kept. */
  receive(chunk: Uint8Array, lent?: boolean): void;
  /** Everything written so far has been taken: writers may go on. */
  drained(): void;
  /** The pipe is gone; `error` when it broke rather than closed. Called once. */
  closed(error?: Error): void;
}

/** How long a peer may keep its side open after the transport ended (ms), as on node:net. */
const END_GRACE_MS = 1000;

/**
 * Sockets that ended and wait for the peer to close, in the order they ended (so by deadline):
 * one timer sweeps them all. A timer per connection cost about 2 µs per connection on Deno,
 * whose timers are ops, with a connection per request.
 */
const ending = new Set<NativeSocket>();
let sweeper: ReturnType<typeof every> | undefined;

function sweep(): void {
  const now = Date.now();
  for (const socket of ending) {
    if (socket.graceDeadline > now) break;
    ending.delete(socket);
    socket.destroy();
  }
  if (ending.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

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
  /** When an ended socket is destroyed if its peer has not closed (ms since epoch). */
  graceDeadline = 0;
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

  /** Feeds input to the peer, or keeps it (a copy, when `lent`) until there is one. */
  protected deliver(chunk: Uint8Array, lent = false): void {
    const peer = this.peer;
    if (peer !== undefined) peer.receive(chunk, lent);
    else if (!this.#gone) (this.#early ??= []).push(lent ? chunk.slice() : chunk);
  }

  /**
   * FastCGI has no half-close: a peer that keeps its side open after our end would hold the
   * socket and its fd for ever (and count against maxConnections), so it gets a grace period.
   */
  protected startGrace(): void {
    if (this.graceDeadline !== 0 || this.#gone) return;
    this.graceDeadline = Date.now() + END_GRACE_MS;
    ending.add(this);
    if (sweeper === undefined) {
      sweeper = every(sweep, END_GRACE_MS / 4);
      sweeper.unref?.();
    }
  }

  /** The socket is closed: tells the peer and the 'close' listeners, once. */
  protected gone(error?: Error): void {
    if (this.#gone) return;
    this.#gone = true;
    if (this.graceDeadline !== 0) ending.delete(this);
    this.#early = undefined;
    this.peer?.closed(error);
    const listeners = this.#closeListeners;
    this.#closeListeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }
}
