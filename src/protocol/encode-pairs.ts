import { latin1Bytes } from './bytes.js';

/** A name-value pair. Names are ASCII in practice; values are bytes (a string is sent as UTF-8). */
export type Pair = readonly [name: string, value: string | Uint8Array];

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
