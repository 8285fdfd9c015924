import { latin1 } from './bytes.js';
import type { DecodedPair } from './pairs.js';

/**
 * Decoded name-value pairs kept as offsets into the bytes they arrived in: a value becomes a
 * view, or a string, only when someone asks for it. A web server sends ~20 params per request
 * and an app reads a handful; this spares a view and a tuple for each of the others.
 */
export class ParamList implements Iterable<DecodedPair> {
  readonly #names: string[] = [];
  readonly #sources: Uint8Array[] = [];
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];

  /** A list of the given pairs (tests and callers that already hold decoded pairs). */
  static of(pairs: Iterable<DecodedPair>): ParamList {
    const list = new ParamList();
    for (const [name, value] of pairs) list.add(name, value, 0, value.length);
    return list;
  }

  get length(): number {
    return this.#names.length;
  }

  /** Appends the pair `name` = source[start, end). */
  add(name: string, source: Uint8Array, start: number, end: number): void {
    this.#names.push(name);
    this.#sources.push(source);
    this.#starts.push(start);
    this.#ends.push(end);
  }

  /** The bytes of the first param called `name`. */
  get(name: string): Uint8Array | undefined {
    const i = this.#names.indexOf(name);
    return i < 0 ? undefined : this.#sources[i]!.subarray(this.#starts[i], this.#ends[i]);
  }

  /** The first param called `name` as ISO-8859-1 text (one char per byte). */
  text(name: string): string | undefined {
    const i = this.#names.indexOf(name);
    return i < 0 ? undefined : latin1(this.#sources[i]!, this.#starts[i], this.#ends[i]);
  }

  *[Symbol.iterator](): Iterator<DecodedPair> {
    for (let i = 0; i < this.#names.length; i++) {
      yield [this.#names[i]!, this.#sources[i]!.subarray(this.#starts[i], this.#ends[i])];
    }
  }
}
