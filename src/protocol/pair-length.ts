/** Where the length last read by {@link readPairLength} ends: a second result without an allocation. */
export let pairLengthEnd = 0;

/**
 * The name or value length of a name-value pair encoded at `at` (1 byte, or 4 with the high
 * bit set), or -1 when it does not end before `end`. Sets {@link pairLengthEnd}.
 */
export function readPairLength(bytes: Uint8Array, at: number, end: number): number {
  if (at >= end) return -1;
  const first = bytes[at]!;
  if (first < 128) {
    pairLengthEnd = at + 1;
    return first;
  }
  if (at + 4 > end) return -1;
  pairLengthEnd = at + 4;
  return ((first & 0x7f) << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}
