/** Something kept in a {@link UnorderedList}: the list records the item's index here (-1: not in one). */
export interface ListMember {
  listIndex: number;
}

/**
 * An unordered list with constant-time add and remove that allocates nothing per entry. For
 * the long-lived registries of short-lived things (open connections, watched connections): a
 * long-lived Map or Set keyed by each new connection made the garbage collector promote and
 * copy about twice as much per connection, measured with a connection per request.
 */
export class UnorderedList<T extends ListMember> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    if (item.listIndex >= 0) return;
    item.listIndex = this.#items.length;
    this.#items.push(item);
  }

  remove(item: T): void {
    const index = item.listIndex;
    if (index < 0 || this.#items[index] !== item) return;
    // Swap-remove: the last item takes the leaving one's place.
    const last = this.#items.pop()!;
    item.listIndex = -1;
    if (last !== item) {
      this.#items[index] = last;
      last.listIndex = index;
    }
  }

  /** A copy: the list may change while the caller goes through it. */
  snapshot(): T[] {
    return [...this.#items];
  }
}
