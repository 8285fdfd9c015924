import { latin1 } from './bytes.js';
import { pairLengthEnd, readPairLength } from './pair-length.js';
import { encodePairs } from './encode-pairs.js';

/** A decoded pair: the value stays bytes until someone needs it as text. */
export type DecodedPair = readonly [name: string, value: Uint8Array];

const NAME_CACHE_SIZE = 512;
const nameCache: Array<string | undefined> = new Array(NAME_CACHE_SIZE);

/**
 * The name at bytes[start, end) as a string, reusing the string made last time the same bytes
 * came: a web server sends the same twenty names with every request.
 */
function internName(bytes: Uint8Array, start: number, end: number): string {
  let hash = 2166136261;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 16777619);
  const index = (hash >>> 0) % NAME_CACHE_SIZE;
  const cached = nameCache[index];
  if (cached !== undefined && sameText(bytes, start, end, cached)) return cached;
  const name = latin1(bytes, start, end);
  if (name.length <= 64) nameCache[index] = name;
  return name;
}

/** bytes[start, end) holds `text`, one byte per char. */
function sameText(bytes: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A run of whole encoded pairs inside one piece of bytes. */
interface Run {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
}

/**
 * Name-value pairs left encoded, as the web server sent them: a lookup walks the encoded pairs
 * and compares bytes, so nothing is allocated per pair, and a name or value becomes a string or
 * a view only when asked for. A web server sends ~20 params per request and an app reads a
 * handful; they usually arrive as one run of bytes.
 */
export class ParamList implements Iterable<DecodedPair> {
  #first: Run | undefined;
  #more: Run[] | undefined;
  #length = 0;
  /** Where the last successful #find found its value. */
  #valueBytes: Uint8Array | undefined;
  #valueStart = 0;
  #valueEnd = 0;

  /** A list of the given pairs (tests and callers that already hold decoded pairs). */
  static of(pairs: Iterable<DecodedPair>): ParamList {
    const list = new ParamList();
    const all = [...pairs];
    const bytes = encodePairs(all);
    list.addRun(bytes, 0, bytes.length, all.length);
    return list;
  }

  get length(): number {
    return this.#length;
  }

  /** Appends `count` whole, well-formed encoded pairs found at bytes[start, end). */
  addRun(bytes: Uint8Array, start: number, end: number, count: number): void {
    const run = { bytes, start, end };
    if (this.#first === undefined) this.#first = run;
    else (this.#more ??= []).push(run);
    this.#length += count;
  }

  /** The bytes of the first param called `name`. */
  get(name: string): Uint8Array | undefined {
    return this.#find(name) ? this.#valueBytes!.subarray(this.#valueStart, this.#valueEnd) : undefined;
  }

  /** The first param called `name` as ISO-8859-1 text (one char per byte). */
  text(name: string): string | undefined {
    return this.#find(name) ? latin1(this.#valueBytes!, this.#valueStart, this.#valueEnd) : undefined;
  }

  /** True when the first param called `name` is `text` (one byte per char); no string is made. */
  equals(name: string, text: string): boolean {
    return this.#find(name) && sameText(this.#valueBytes!, this.#valueStart, this.#valueEnd, text);
  }

  [Symbol.iterator](): Iterator<DecodedPair> {
    const pairs: DecodedPair[] = [];
    this.forEachPair((name, bytes, start, end) => pairs.push([name, bytes.subarray(start, end)]));
    return pairs[Symbol.iterator]();
  }

  /**
   * Calls `visit` with each pair's name and where its value lies, in order, skipping names whose
   * first byte `only` turns down (before any string is made): a walk that reads a few values
   * makes no view or tuple per pair, as iterating does.
   */
  forEachPair(visit: (name: string, bytes: Uint8Array, start: number, end: number) => void, only?: (firstByte: number) => boolean): void {
    for (const run of this.#runs()) {
      const { bytes, end } = run;
      let at = run.start;
      while (at < end) {
        const nameLength = readPairLength(bytes, at, end);
        const valueLength = readPairLength(bytes, pairLengthEnd, end);
        const nameStart = pairLengthEnd;
        const valueStart = nameStart + nameLength;
        at = valueStart + valueLength;
        if (only !== undefined && (nameLength === 0 || !only(bytes[nameStart]!))) continue;
        visit(internName(bytes, nameStart, valueStart), bytes, valueStart, at);
      }
    }
  }

  #runs(): Run[] {
    if (this.#first === undefined) return [];
    return this.#more === undefined ? [this.#first] : [this.#first, ...this.#more];
  }

  /** Finds the first pair called `name`, leaving its value's place in #value*. */
  #find(name: string): boolean {
    const first = this.#first;
    if (first === undefined) return false;
    if (this.#findIn(first, name)) return true;
    if (this.#more !== undefined) for (const run of this.#more) if (this.#findIn(run, name)) return true;
    return false;
  }

  #findIn(run: Run, name: string): boolean {
    const { bytes, end } = run;
    const wanted = name.length;
    let at = run.start;
    while (at < end) {
      // Runs hold whole, checked pairs: no length here can be -1.
      const nameLength = readPairLength(bytes, at, end);
      const valueLength = readPairLength(bytes, pairLengthEnd, end);
      const valueStart = pairLengthEnd + nameLength;
      if (nameLength === wanted && sameText(bytes, pairLengthEnd, valueStart, name)) {
        this.#valueBytes = bytes;
        this.#valueStart = valueStart;
        this.#valueEnd = valueStart + valueLength;
        return true;
      }
      at = valueStart + valueLength;
    }
    return false;
  }
}
