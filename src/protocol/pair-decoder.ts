import { concatBytes } from './bytes.js';
import { FastCGIProtocolError } from './protocol-error.js';
import { pairLengthEnd, readPairLength } from './pair-length.js';
import { ParamList, type DecodedPair } from './param-list.js';

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
