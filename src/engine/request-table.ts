/**
 * The active requests of one connection by id. Web servers reuse a handful of small ids; a
 * slot array serves them without the rehashing a Map does as it grows and shrinks by one entry
 * per request. Ids past the array (any id is legal) go to a Map.
 */
export class RequestTable<T> {
  static readonly SLOTS = 64;
  /** Grows to the highest small id used: one or two entries with most web servers. */
  readonly #slots: Array<T | undefined> = [];
  #overflow: Map<number, T> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    if (id >= RequestTable.SLOTS) return this.#overflow?.get(id);
    const slots = this.#slots;
    return id < slots.length ? slots[id] : undefined;
  }

  set(id: number, value: T): void {
    if (this.get(id) === undefined) this.#size++;
    if (id < RequestTable.SLOTS) {
      const slots = this.#slots;
      while (slots.length < id) slots.push(undefined);
      slots[id] = value;
    } else (this.#overflow ??= new Map()).set(id, value);
  }

  delete(id: number): void {
    if (this.get(id) === undefined) return;
    this.#size--;
    if (id < RequestTable.SLOTS) this.#slots[id] = undefined;
    else this.#overflow!.delete(id);
  }

  /** A snapshot: the table may change while the caller goes through it. */
  values(): T[] {
    const values: T[] = [];
    if (this.#size === 0) return values;
    for (const value of this.#slots) if (value !== undefined) values.push(value);
    if (this.#overflow !== undefined) values.push(...this.#overflow.values());
    return values;
  }
}
