/** Test payloads. */

/** `length` bytes that repeat no short run (a linear congruential sequence from `seed`), so a misplaced chunk shows. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}
