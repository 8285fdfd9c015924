/** Promises still running: request handlers and `waitUntil` work, awaited on close. */
export class WorkTracker {
  readonly #pending = new Set<Promise<unknown>>();

  get size(): number {
    return this.#pending.size;
  }

  track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => {},
      () => {},
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
  }

  /** Resolves when everything tracked so far, and anything tracked meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
