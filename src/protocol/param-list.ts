import { latin1, latin1Bytes } from './bytes.js';
import type { DecodedPair } from './pairs.js';

const NAME_CACHE_SIZE = 512;
const nameCache: Array<string | undefined> = new Array(NAME_CACHE_SIZE);

/**
 * The name at bytes[start, end) as a string, reusing the string made last time the same bytes
 * came: a web server sends the same twenty names with every request.
 */
function internName(bytes: Uint8Array, start: number, end: number): string {
  let hash = 2166136261;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 16777619);
  const slot = (hash >>> 0) % NAME_CACHE_SIZE;
  const cached = nameCache[slot];
  if (cached !== undefined && sameName(bytes, start, end, cached)) return cached;
  const name = latin1(bytes, start, end);
  if (name.length <= 64) nameCache[slot] = name;
  return name;
}

function sameName(bytes: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (bytes[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Decoded name-value pairs kept as offsets into the bytes they arrived in: a name or value
 * becomes a string, or a view, only when someone asks for it. A web server sends ~20 params
 * per request and an app reads a handful; lookups compare bytes, so most names are never
 * decoded at all.
 */
export class ParamList implements Iterable<DecodedPair> {
  /** The pieces of bytes the pairs point into (usually one). */
  readonly #pieces: Uint8Array[] = [];
  /** Per pair: piece index, name start, value start (= name end), value end. */
  readonly #offsets: number[] = [];

  /** A list of the given pairs (tests and callers that already hold decoded pairs). */
  static of(pairs: Iterable<DecodedPair>): ParamList {
    const list = new ParamList();
    for (const [name, value] of pairs) {
      const bytes = new Uint8Array(name.length + value.length);
      bytes.set(latin1Bytes(name), 0);
      bytes.set(value, name.length);
      list.add(list.addPiece(bytes), 0, name.length, bytes.length);
    }
    return list;
  }

  get length(): number {
    return this.#offsets.length >> 2;
  }

  /** Registers bytes that pairs will point into; returns the index to give `add`. */
  addPiece(bytes: Uint8Array): number {
    this.#pieces.push(bytes);
    return this.#pieces.length - 1;
  }

  /** Appends the pair whose name is piece[nameStart, valueStart) and value piece[valueStart, end). */
  add(piece: number, nameStart: number, valueStart: number, end: number): void {
    this.#offsets.push(piece, nameStart, valueStart, end);
  }

  /** The bytes of the first param called `name`. */
  get(name: string): Uint8Array | undefined {
    const at = this.#find(name);
    if (at < 0) return undefined;
    const offsets = this.#offsets;
    return this.#pieces[offsets[at]!]!.subarray(offsets[at + 2], offsets[at + 3]);
  }

  /** The first param called `name` as ISO-8859-1 text (one char per byte). */
  text(name: string): string | undefined {
    const at = this.#find(name);
    if (at < 0) return undefined;
    const offsets = this.#offsets;
    return latin1(this.#pieces[offsets[at]!]!, offsets[at + 2], offsets[at + 3]);
  }

  *[Symbol.iterator](): Iterator<DecodedPair> {
    const offsets = this.#offsets;
    for (let at = 0; at < offsets.length; at += 4) {
      const piece = this.#pieces[offsets[at]!]!;
      const valueStart = offsets[at + 2]!;
      yield [internName(piece, offsets[at + 1]!, valueStart), piece.subarray(valueStart, offsets[at + 3])];
    }
  }

  /** The offset (into #offsets) of the first pair called `name`, or -1. */
  #find(name: string): number {
    const offsets = this.#offsets;
    const length = name.length;
    for (let at = 0; at < offsets.length; at += 4) {
      const start = offsets[at + 1]!;
      if (offsets[at + 2]! - start === length && sameName(this.#pieces[offsets[at]!]!, start, start + length, name)) return at;
    }
    return -1;
  }
}
