/**
 * The active requests of one connection by id. Web servers reuse a handful of small ids; an
 * array indexed by id serves them without the rehashing a Map does as it grows and shrinks by
 * one entry per request. Ids past the array (any id is legal) go to a Map.
 */
export class RequestTable<T> {
  /** Ids below this live in the array. */
  static readonly SMALL_IDS = 64;
  /** Grows to the highest small id used: one or two entries with most web servers. */
  readonly #byId: Array<T | undefined> = [];
  #overflow: Map<number, T> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    if (id >= RequestTable.SMALL_IDS) return this.#overflow?.get(id);
    const byId = this.#byId;
    return id < byId.length ? byId[id] : undefined;
  }

  set(id: number, value: T): void {
    if (this.get(id) === undefined) this.#size++;
    if (id < RequestTable.SMALL_IDS) {
      const byId = this.#byId;
      while (byId.length < id) byId.push(undefined);
      byId[id] = value;
    } else (this.#overflow ??= new Map()).set(id, value);
  }

  delete(id: number): void {
    if (this.get(id) === undefined) return;
    this.#size--;
    if (id < RequestTable.SMALL_IDS) this.#byId[id] = undefined;
    else this.#overflow!.delete(id);
  }

  /** A snapshot: the table may change while the caller goes through it. */
  values(): T[] {
    const values: T[] = [];
    if (this.#size === 0) return values;
    for (const value of this.#byId) if (value !== undefined) values.push(value);
    if (this.#overflow !== undefined) values.push(...this.#overflow.values());
    return values;
  }
}
