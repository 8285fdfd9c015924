import { HEADER_LENGTH, MAX_CONTENT_LENGTH, ProtocolStatus, RecordType, writeEndRequest, writeHeader } from '../protocol/index.js';

/** Up to this many payload bytes, the output is packed into one record in one buffer. */
const PACK_LIMIT = 16 * 1024;
const END_REQUEST_LENGTH = HEADER_LENGTH + 8;
const FINISH_LENGTH = HEADER_LENGTH + END_REQUEST_LENGTH;

/**
 * Small, so that a slab is used up well before the next young-generation GC: one still in use
 * at two of them is promoted, and a dead ArrayBuffer in the old generation keeps its memory
 * until a full GC, which may not come for many megabytes.
 */
const SLAB_SIZE = 8 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * A zeroed buffer of `size` bytes, carved from a shared slab: a fresh ArrayBuffer per response
 * costs more than encoding the response. A slice is written once and never reused, so a slow
 * transport may hold on to it; the slab is freed when its last slice is.
 */
function take(size: number): Uint8Array {
  if (size > SLAB_SIZE / 8) return new Uint8Array(size);
  if (slabUsed + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += (size + 7) & ~7;
  return out;
}

const utf8 = new TextEncoder();
const NO_TEXT: readonly string[] = [];

/** Writes ASCII `text` at `offset`; returns the offset after it. */
function writeAscii(out: Uint8Array, offset: number, text: string): number {
  const length = text.length;
  // A short string is copied by hand: encodeInto would need a view (an allocation) to write into.
  if (length > 64) return offset + utf8.encodeInto(text, out.subarray(offset)).written;
  for (let i = 0; i < length; i++) out[offset + i] = text.charCodeAt(i);
  return offset + length;
}

/**
 * Encodes output for one request as the chunks of a single transport write: `texts` (ASCII only:
 * one byte per char) then `bytes`, as stream records of `type`, then (when `finish`) the empty
 * STDOUT record and END_REQUEST. Small output is one record in one buffer; large payloads go
 * out as views between small header buffers.
 */
export function encodeOutput(
  type: number,
  requestId: number,
  bytes: readonly Uint8Array[],
  finish: { appStatus: number } | undefined,
  texts: readonly string[] = NO_TEXT,
): Uint8Array[] {
  let payload = 0;
  for (const text of texts) payload += text.length;
  for (const chunk of bytes) payload += chunk.length;
  const tail = finish ? FINISH_LENGTH : 0;
  if (payload <= PACK_LIMIT) {
    const out = take((payload > 0 ? HEADER_LENGTH + payload : 0) + tail);
    let offset = 0;
    if (payload > 0) {
      writeHeader(out, 0, type, requestId, payload);
      offset = HEADER_LENGTH;
      for (const text of texts) offset = writeAscii(out, offset, text);
      for (const chunk of bytes) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
    }
    if (finish) writeFinish(out, offset, requestId, finish.appStatus);
    return [out];
  }
  const out: Uint8Array[] = [];
  for (const chunk of texts.length > 0 ? [utf8.encode(texts.join('')), ...bytes] : bytes) {
    for (let start = 0; start < chunk.length; start += MAX_CONTENT_LENGTH) {
      const part = chunk.subarray(start, start + MAX_CONTENT_LENGTH);
      const header = take(HEADER_LENGTH);
      writeHeader(header, 0, type, requestId, part.length);
      out.push(header, part);
    }
  }
  if (finish) {
    const end = take(tail);
    writeFinish(end, 0, requestId, finish.appStatus);
    out.push(end);
  }
  return out;
}

function writeFinish(target: Uint8Array, offset: number, requestId: number, appStatus: number): void {
  writeHeader(target, offset, RecordType.STDOUT, requestId, 0);
  writeEndRequest(target, offset + HEADER_LENGTH, requestId, appStatus, ProtocolStatus.REQUEST_COMPLETE);
}
