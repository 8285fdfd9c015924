/** Work still running (request handlers and `waitUntil` promises), awaited on close. */
export class WorkTracker {
  #count = 0;
  #idle: { promise: Promise<void>; resolve(): void } | undefined;
  // One bound callback for every promise: tracking costs a counter and a `then`, per request.
  readonly #done = () => {
    if (--this.#count === 0 && this.#idle !== undefined) {
      this.#idle.resolve();
      this.#idle = undefined;
    }
  };

  get size(): number {
    return this.#count;
  }

  track(promise: Promise<unknown>): void {
    this.#count++;
    promise.then(this.#done, this.#done);
  }

  /** Resolves when everything tracked so far, and anything tracked meanwhile, has settled. */
  settled(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }
}
