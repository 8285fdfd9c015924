/** A connection as {@link ConnectionGate} sees it: links of an intrusive list, no node per entry. */
export interface IdleLink {
  idlePrev: IdleLink | undefined;
  idleNext: IdleLink | undefined;
  /** In the idle list now. */
  idleLinked: boolean;
  /** Closes the connection to make room for a new one; must report back through `closed()`. */
  evict(): void;
}

/**
 * FCGI_MAX_CONNS over every connection of one application, with the connections that have no
 * request in flight kept in the order they became idle. At the limit a newcomer takes the place
 * of the one idle longest, as nginx reuses its idle keepalive connections when it runs out: a
 * flood of connections that never send a request cannot lock the web server out. Only when every
 * connection has a request in flight is a newcomer refused.
 */
export class ConnectionGate {
  #open = 0;
  /** Idle longest: evicted first. */
  #oldest: IdleLink | undefined;
  #newest: IdleLink | undefined;

  constructor(readonly max: number) {}

  /** Connections open now (counted until the engine closes them). */
  get open(): number {
    return this.#open;
  }

  /** Makes room for one more connection; false when every open connection is busy. */
  admit(): boolean {
    // Bounded: each round unlinks one connection, whether or not its evict() reports back.
    for (let excess = this.#open - this.max + 1; excess > 0; excess--) {
      const oldest = this.#oldest;
      if (oldest === undefined) return false;
      this.busy(oldest);
      oldest.evict();
    }
    return true;
  }

  /** A new connection: idle until its first request. */
  opened(link: IdleLink): void {
    this.#open++;
    this.idle(link);
  }

  closed(link: IdleLink): void {
    this.#open--;
    this.busy(link);
  }

  /** The connection has no request in flight (any more): it becomes the newest idle one. */
  idle(link: IdleLink): void {
    if (link.idleLinked) return;
    link.idleLinked = true;
    link.idlePrev = this.#newest;
    link.idleNext = undefined;
    if (this.#newest === undefined) this.#oldest = link;
    else this.#newest.idleNext = link;
    this.#newest = link;
  }

  /** The connection has a request in flight: it cannot be evicted. */
  busy(link: IdleLink): void {
    if (!link.idleLinked) return;
    const { idlePrev, idleNext } = link;
    if (idlePrev === undefined) this.#oldest = idleNext;
    else idlePrev.idleNext = idleNext;
    if (idleNext === undefined) this.#newest = idlePrev;
    else idleNext.idlePrev = idlePrev;
    link.idlePrev = link.idleNext = undefined;
    link.idleLinked = false;
  }
}
