import { MAX_CONTENT_LENGTH, encodeStream } from '../protocol/index.js';

const EMPTY = new Uint8Array(0);

/**
 * Stream records carrying `bytes`, each at most `recordSize` content bytes, plus the empty
 * closing record when `end`. A small `recordSize` makes pairs and chunks straddle records.
 */
export function streamRecords(type: number, requestId: number, bytes: Uint8Array, recordSize: number, end: boolean): Uint8Array[] {
  if (recordSize >= MAX_CONTENT_LENGTH) return bytes.length > 0 || end ? [encodeStream(type, requestId, bytes, end)] : [];
  const out: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += recordSize) {
    out.push(encodeStream(type, requestId, bytes.subarray(start, start + recordSize), false));
  }
  if (end) out.push(encodeStream(type, requestId, EMPTY, true));
  return out;
}
