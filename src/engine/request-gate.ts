/**
 * FCGI_MAX_REQS: admits requests while fewer than `max` are in flight over every connection of
 * an application, and counts those it refused.
 */
export class RequestGate {
  #active = 0;
  #refused = 0;

  constructor(readonly max: number) {}

  /** Requests refused because `max` were in flight. */
  get refused(): number {
    return this.#refused;
  }

  get active(): number {
    return this.#active;
  }

  acquire(): boolean {
    if (this.#active >= this.max) {
      this.#refused++;
      return false;
    }
    this.#active++;
    return true;
  }

  release(): void {
    this.#active--;
  }
}
