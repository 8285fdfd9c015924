import {
  HEADER_LENGTH,
  MAX_CONTENT_LENGTH,
  ProtocolStatus,
  RecordType,
  streamEncodedLength,
  writeEndRequest,
  writeHeader,
  writeStream,
} from '../protocol/index.js';

/** Below this many payload bytes, records are packed into one buffer; above, payload is not copied. */
const PACK_LIMIT = 16 * 1024;
const END_REQUEST_LENGTH = HEADER_LENGTH + 8;

/**
 * Encodes output for one request as the chunks of a single transport write: `bytes` as stream
 * records of `type`, then (when `finish`) the empty STDOUT record and END_REQUEST. Small output
 * is packed into one buffer; large payloads go out as views between small header buffers.
 */
export function encodeOutput(
  type: number,
  requestId: number,
  bytes: readonly Uint8Array[],
  finish: { appStatus: number } | undefined,
): Uint8Array[] {
  let payload = 0;
  for (const chunk of bytes) payload += chunk.length;
  const tail = finish ? HEADER_LENGTH + END_REQUEST_LENGTH : 0;
  if (payload <= PACK_LIMIT) {
    let size = tail;
    for (const chunk of bytes) size += streamEncodedLength(chunk.length, false);
    const out = new Uint8Array(size);
    let offset = 0;
    for (const chunk of bytes) offset = writeStream(out, offset, type, requestId, chunk, false);
    if (finish) writeFinish(out, offset, requestId, finish.appStatus);
    return [out];
  }
  const out: Uint8Array[] = [];
  for (const chunk of bytes) {
    for (let start = 0; start < chunk.length; start += MAX_CONTENT_LENGTH) {
      const part = chunk.subarray(start, start + MAX_CONTENT_LENGTH);
      const header = new Uint8Array(HEADER_LENGTH);
      writeHeader(header, 0, type, requestId, part.length);
      out.push(header, part);
    }
  }
  if (finish) {
    const end = new Uint8Array(tail);
    writeFinish(end, 0, requestId, finish.appStatus);
    out.push(end);
  }
  return out;
}

function writeFinish(target: Uint8Array, offset: number, requestId: number, appStatus: number): void {
  writeHeader(target, offset, RecordType.STDOUT, requestId, 0);
  writeEndRequest(target, offset + HEADER_LENGTH, requestId, appStatus, ProtocolStatus.REQUEST_COMPLETE);
}
