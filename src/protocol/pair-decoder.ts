import { concatBytes, latin1Bytes } from './bytes.js';
import { FastCGIProtocolError } from './protocol-error.js';
import { pairLengthEnd, readPairLength } from './pair-length.js';
import { ParamList } from './param-list.js';

/** A name-value pair. Names are ASCII in practice; values are bytes (a string is sent as UTF-8). */
export type Pair = readonly [name: string, value: string | Uint8Array];
/** A decoded pair: the value stays bytes until someone needs it as text. */
export type DecodedPair = readonly [name: string, value: Uint8Array];

const utf8 = new TextEncoder();

function lengthSize(length: number): number {
  return length < 128 ? 1 : 4;
}

function writeLength(target: Uint8Array, offset: number, length: number): number {
  if (length < 128) {
    target[offset] = length;
    return offset + 1;
  }
  if (length > 0x7fffffff) throw new RangeError(`name-value length ${length} exceeds 2^31-1`);
  target[offset] = (length >>> 24) | 0x80;
  target[offset + 1] = (length >>> 16) & 0xff;
  target[offset + 2] = (length >>> 8) & 0xff;
  target[offset + 3] = length & 0xff;
  return offset + 4;
}

/** The body of a name-value pair stream (spec §3.4). */
export function encodePairs(pairs: Iterable<Pair>): Uint8Array {
  const encoded: Array<[Uint8Array, Uint8Array]> = [];
  let size = 0;
  for (const [name, value] of pairs) {
    const n = latin1Bytes(name);
    const v = typeof value === 'string' ? utf8.encode(value) : value;
    encoded.push([n, v]);
    size += lengthSize(n.length) + lengthSize(v.length) + n.length + v.length;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const [n, v] of encoded) {
    offset = writeLength(out, offset, n.length);
    offset = writeLength(out, offset, v.length);
    out.set(n, offset);
    offset += n.length;
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}

/**
 * Decodes a name-value stream fed in arbitrary pieces: a pair may straddle records and chunks.
 * Complete pairs found inside one piece are views into it; only a straddling pair is copied.
 */
export class PairDecoder {
  /** The pieces of a pair that straddles pieces (rare: made only then). */
  #pending: Uint8Array[] | undefined;
  #pendingBytes = 0;
  #total = 0;

  /** @param maxBytes the most stream bytes accepted before it is treated as an attack. */
  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  /** Feeds the next piece; adds the pairs it completes to `into` (returned). */
  push(piece: Uint8Array, into: ParamList = new ParamList()): ParamList {
    this.#total += piece.length;
    if (this.#total > this.maxBytes) {
      throw new FastCGIProtocolError(`name-value stream exceeds the limit of ${this.maxBytes} bytes`);
    }
    const out = into;
    let buffer = piece;
    if (this.#pending !== undefined) {
      this.#pending.push(piece);
      this.#pendingBytes += piece.length;
      const needed = neededBytes(this.#pending);
      if (needed === undefined || this.#pendingBytes < needed) return out;
      buffer = concatBytes(this.#pending, this.#pendingBytes);
      this.#pending = undefined;
      this.#pendingBytes = 0;
    }
    // Only checks where whole pairs end: the list keeps them encoded and reads them on demand.
    let offset = 0;
    let count = 0;
    const length = buffer.length;
    while (offset < length) {
      const nameLength = readPairLength(buffer, offset, length);
      if (nameLength < 0) break;
      const valueLength = readPairLength(buffer, pairLengthEnd, length);
      if (valueLength < 0) break;
      const end = pairLengthEnd + nameLength + valueLength;
      if (end > length) break;
      offset = end;
      count++;
    }
    if (count > 0) out.addRun(buffer, 0, offset, count);
    if (offset < buffer.length) {
      const rest = buffer.subarray(offset);
      this.#pending = [rest];
      this.#pendingBytes = rest.length;
    }
    return out;
  }

  /** Ends the stream; a half pair left over is a protocol error. */
  end(): void {
    if (this.#pendingBytes > 0) {
      throw new FastCGIProtocolError(`name-value stream ends inside a pair (${this.#pendingBytes} bytes left)`);
    }
  }
}

/** Decodes a whole name-value body at once (GET_VALUES and friends). */
export function decodePairs(body: Uint8Array): DecodedPair[] {
  const decoder = new PairDecoder();
  const pairs = decoder.push(body);
  decoder.end();
  return [...pairs];
}

/** How many bytes the pending pair needs in all, once its two lengths are readable. */
function neededBytes(pieces: Uint8Array[]): number | undefined {
  const head = new Uint8Array(8);
  let filled = 0;
  for (const piece of pieces) {
    const take = Math.min(piece.length, 8 - filled);
    head.set(piece.subarray(0, take), filled);
    filled += take;
    if (filled === 8) break;
  }
  const nameLength = readPairLength(head, 0, filled);
  if (nameLength < 0) return undefined;
  const valueLength = readPairLength(head, pairLengthEnd, filled);
  if (valueLength < 0) return undefined;
  return pairLengthEnd + nameLength + valueLength;
}
