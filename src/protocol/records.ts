import { FLAG_KEEP_CONN, HEADER_LENGTH, MAX_CONTENT_LENGTH, RecordType, VERSION, type ProtocolStatus } from './constants.js';
import { encodePairs, type Pair } from './encode-pairs.js';

/** Writes a record header at `offset` of `target`. */
export function writeHeader(target: Uint8Array, offset: number, type: number, requestId: number, contentLength: number, paddingLength = 0): void {
  target[offset] = VERSION;
  target[offset + 1] = type;
  target[offset + 2] = requestId >>> 8;
  target[offset + 3] = requestId & 0xff;
  target[offset + 4] = contentLength >>> 8;
  target[offset + 5] = contentLength & 0xff;
  target[offset + 6] = paddingLength;
  target[offset + 7] = 0;
}

/** One record, header and content copied into a fresh buffer. Content must fit one record. */
export function encodeRecord(type: number, requestId: number, content: Uint8Array = EMPTY): Uint8Array {
  if (content.length > MAX_CONTENT_LENGTH) {
    throw new RangeError(`record content of ${content.length} bytes exceeds ${MAX_CONTENT_LENGTH}`);
  }
  const out = new Uint8Array(HEADER_LENGTH + content.length);
  writeHeader(out, 0, type, requestId, content.length);
  out.set(content, HEADER_LENGTH);
  return out;
}

/** The size of `encodeStream(..., bytes, end)` without building it. */
function streamEncodedLength(byteLength: number, end: boolean): number {
  const records = Math.ceil(byteLength / MAX_CONTENT_LENGTH);
  return byteLength + HEADER_LENGTH * (records + (end ? 1 : 0));
}

/**
 * Writes `bytes` as stream records of `type` into `target` at `offset` (one copy, no padding),
 * followed by the empty end-of-stream record when `end`. Returns the offset after the last byte.
 */
function writeStream(target: Uint8Array, offset: number, type: number, requestId: number, bytes: Uint8Array, end: boolean): number {
  for (let start = 0; start < bytes.length; start += MAX_CONTENT_LENGTH) {
    const part = bytes.subarray(start, start + MAX_CONTENT_LENGTH);
    writeHeader(target, offset, type, requestId, part.length);
    target.set(part, offset + HEADER_LENGTH);
    offset += HEADER_LENGTH + part.length;
  }
  if (end) {
    writeHeader(target, offset, type, requestId, 0);
    offset += HEADER_LENGTH;
  }
  return offset;
}

/** Stream records for `bytes` (split at 65535), plus the empty closing record when `end`. */
export function encodeStream(type: number, requestId: number, bytes: Uint8Array, end = false): Uint8Array {
  const out = new Uint8Array(streamEncodedLength(bytes.length, end));
  writeStream(out, 0, type, requestId, bytes, end);
  return out;
}

export function encodeBeginRequest(requestId: number, role: number, keepConn: boolean): Uint8Array {
  const body = new Uint8Array(8);
  body[0] = role >>> 8;
  body[1] = role & 0xff;
  body[2] = keepConn ? FLAG_KEEP_CONN : 0;
  return encodeRecord(RecordType.BEGIN_REQUEST, requestId, body);
}

export function encodeEndRequest(requestId: number, appStatus: number, protocolStatus: ProtocolStatus): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH + 8);
  writeEndRequest(out, 0, requestId, appStatus, protocolStatus);
  return out;
}

/** Writes a 16-byte END_REQUEST record at `offset`. */
export function writeEndRequest(target: Uint8Array, offset: number, requestId: number, appStatus: number, protocolStatus: ProtocolStatus): void {
  writeHeader(target, offset, RecordType.END_REQUEST, requestId, 8);
  const body = offset + HEADER_LENGTH;
  target[body] = appStatus >>> 24;
  target[body + 1] = (appStatus >>> 16) & 0xff;
  target[body + 2] = (appStatus >>> 8) & 0xff;
  target[body + 3] = appStatus & 0xff;
  target[body + 4] = protocolStatus;
  target.fill(0, body + 5, body + 8);
}

export function encodeUnknownType(type: number): Uint8Array {
  const body = new Uint8Array(8);
  body[0] = type;
  return encodeRecord(RecordType.UNKNOWN_TYPE, 0, body);
}

/** A PARAMS stream (pairs split over as many records as needed, then the empty record). */
export function encodeParams(requestId: number, pairs: Iterable<Pair>): Uint8Array {
  return encodeStream(RecordType.PARAMS, requestId, encodePairs(pairs), true);
}

/** A management record of name-value pairs (GET_VALUES or GET_VALUES_RESULT): one record. */
export function encodeValues(type: number, pairs: Iterable<Pair>): Uint8Array {
  return encodeRecord(type, 0, encodePairs(pairs));
}

export interface BeginRequestBody {
  role: number;
  keepConn: boolean;
}

export function decodeBeginRequest(content: Uint8Array): BeginRequestBody {
  return { role: ((content[0] ?? 0) << 8) | (content[1] ?? 0), keepConn: ((content[2] ?? 0) & FLAG_KEEP_CONN) !== 0 };
}

export interface EndRequestBody {
  appStatus: number;
  protocolStatus: number;
}

export function decodeEndRequest(content: Uint8Array): EndRequestBody {
  const appStatus = (((content[0] ?? 0) << 24) | ((content[1] ?? 0) << 16) | ((content[2] ?? 0) << 8) | (content[3] ?? 0)) >>> 0;
  return { appStatus, protocolStatus: content[4] ?? 0 };
}

const EMPTY = new Uint8Array(0);
