/**
 * Record streams for the fuzzer: plausible web-server traffic (several requests, multiplexed
 * or not, params and bodies split across records, aborts, management records), then mutated
 * (bytes flipped, truncated, duplicated, reordered, records dropped or invented) and cut into
 * arbitrary chunks.
 */
import { HEADER_LENGTH, RecordType, Role, concatBytes, encodePairs, writeHeader, type Pair } from '../../src/protocol/index.js';
import type { Random } from './random.js';

/** One record before encoding. */
interface RawRecord {
  type: number;
  id: number;
  content: Uint8Array;
  padding: number;
}

/** The paths the fuzz app answers (see app.ts). */
const FUZZ_PATHS = ['/hello', '/echo', '/stream', '/throw', '/reject', '/wait-abort', '/body-error', '/big', '/nothing'] as const;

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'get', ''];

function encodeRecord(record: RawRecord): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH + record.content.length + record.padding);
  writeHeader(out, 0, record.type, record.id, record.content.length, record.padding);
  out.set(record.content, HEADER_LENGTH);
  return out;
}

function split(random: Random, bytes: Uint8Array, maxPieces: number): Uint8Array[] {
  if (bytes.length === 0) return [];
  const pieces: Uint8Array[] = [];
  let at = 0;
  const count = random.int(1, maxPieces);
  for (let i = 1; i < count && at < bytes.length; i++) {
    const next = Math.min(bytes.length, at + random.int(1, Math.max(1, Math.ceil((bytes.length - at) / 2))));
    pieces.push(bytes.subarray(at, next));
    at = next;
  }
  if (at < bytes.length) pieces.push(bytes.subarray(at));
  return pieces;
}

function params(random: Random, bodyLength: number): Pair[] {
  const path = random.pick(FUZZ_PATHS);
  const query = random.chance(0.3) ? `?q=${random.int(0, 999)}&x=%zz` : '';
  const pairs: Pair[] = [
    ['REQUEST_METHOD', random.pick(METHODS)],
    ['REQUEST_URI', random.chance(0.95) ? `${path}${query}` : random.pick(['', 'not a uri', '//x', '/%', '\u00ff'])],
    ['DOCUMENT_URI', path],
    ['QUERY_STRING', query.slice(1)],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_SCHEME', random.chance(0.8) ? 'http' : 'https'],
    ['SERVER_NAME', 'localhost'],
    ['SERVER_PORT', random.pick(['80', '8080', '', 'x'])],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['HTTP_HOST', random.pick(['localhost', 'example.com:8080', '', 'bad host'])],
  ];
  if (random.chance(0.7)) pairs.push(['CONTENT_LENGTH', random.chance(0.9) ? String(bodyLength) : random.pick(['-1', 'abc', '99999999999'])]);
  if (random.chance(0.3)) pairs.push(['HTTP_COOKIE', 'a=1; b=2'], ['HTTP_COOKIE', 'c=3']);
  if (random.chance(0.2)) pairs.push(['HTTP_X_BAD', '\u0000\r\n'], ['HTTP_', 'empty name']);
  if (random.chance(0.1)) pairs.push(['HTTP_X_LONG', 'v'.repeat(random.int(100, 3000))]);
  return pairs;
}

/** The records of one request: BEGIN, PARAMS (split), STDIN (split), maybe DATA or an ABORT. */
function requestRecords(random: Random, id: number): RawRecord[] {
  const role = random.chance(0.9) ? Role.RESPONDER : random.pick([Role.AUTHORIZER, Role.FILTER, 7]);
  const keepConn = random.chance(0.7);
  const body = random.chance(0.5) ? random.bytes(random.int(0, random.chance(0.03) ? 70_000 : 600)) : new Uint8Array(0);
  const padding = () => (random.chance(0.2) ? random.int(0, 7) : 0);
  const records: RawRecord[] = [
    { type: RecordType.BEGIN_REQUEST, id, content: new Uint8Array([0, role, keepConn ? 1 : 0, 0, 0, 0, 0, 0]), padding: padding() },
  ];
  for (const piece of split(random, encodePairs(params(random, body.length)), 4)) {
    records.push({ type: RecordType.PARAMS, id, content: piece, padding: padding() });
  }
  records.push({ type: RecordType.PARAMS, id, content: new Uint8Array(0), padding: 0 });
  for (let at = 0; at < body.length; at += 0xffff) {
    for (const piece of split(random, body.subarray(at, at + 0xffff), 3)) records.push({ type: RecordType.STDIN, id, content: piece, padding: padding() });
  }
  if (random.chance(0.9)) records.push({ type: RecordType.STDIN, id, content: new Uint8Array(0), padding: 0 });
  if (role === Role.FILTER) {
    records.push({ type: RecordType.DATA, id, content: random.bytes(random.int(1, 100)), padding: 0 });
    records.push({ type: RecordType.DATA, id, content: new Uint8Array(0), padding: 0 });
  }
  if (random.chance(0.1)) records.splice(random.int(1, records.length), 0, { type: RecordType.ABORT_REQUEST, id, content: new Uint8Array(0), padding: 0 });
  return records;
}

/** Interleaves the requests' records, keeping each request's own order (multiplexing). */
function interleave(random: Random, lists: RawRecord[][]): RawRecord[] {
  const out: RawRecord[] = [];
  const queues = lists.map((list) => [...list]);
  while (queues.some((queue) => queue.length > 0)) {
    const live = queues.filter((queue) => queue.length > 0);
    out.push(random.pick(live).shift()!);
  }
  return out;
}

function managementRecord(random: Random): RawRecord {
  if (random.chance(0.7)) {
    return {
      type: RecordType.GET_VALUES,
      id: 0,
      content: encodePairs([
        ['FCGI_MAX_CONNS', ''],
        ['FCGI_MPXS_CONNS', ''],
        ['OTHER', ''],
      ]),
      padding: 0,
    };
  }
  return { type: random.int(12, 255), id: 0, content: random.bytes(random.int(0, 16)), padding: 0 };
}

/** Valid traffic: 1–4 requests, one after another or multiplexed, with a few management records. */
function validRecords(random: Random): RawRecord[] {
  const count = random.int(1, 4);
  const multiplexed = random.chance(0.4);
  const lists: RawRecord[][] = [];
  for (let i = 0; i < count; i++) lists.push(requestRecords(random, multiplexed ? i + 1 : random.chance(0.9) ? 1 : random.int(1, 65535)));
  const records = multiplexed ? interleave(random, lists) : lists.flat();
  if (random.chance(0.2)) records.splice(random.int(0, records.length), 0, managementRecord(random));
  return records;
}

/** How one stream was made, for the report of a failing one. */
export interface Stream {
  chunks: Uint8Array[];
  mutations: string[];
}

/** A whole stream: valid records, maybe mutated at record level and at byte level, in chunks. */
export function makeStream(random: Random): Stream {
  const records = validRecords(random);
  const mutations: string[] = [];
  if (random.chance(0.15) && records.length > 1) {
    const a = random.int(0, records.length - 1);
    const b = random.int(0, records.length - 1);
    [records[a], records[b]] = [records[b]!, records[a]!];
    mutations.push(`swap records ${a} and ${b}`);
  }
  if (random.chance(0.1)) {
    const at = random.int(0, records.length - 1);
    records.splice(at, 0, records[at]!);
    mutations.push(`duplicate record ${at}`);
  }
  if (random.chance(0.08)) {
    const at = random.int(0, records.length - 1);
    records.splice(at, 1);
    mutations.push(`drop record ${at}`);
  }
  if (random.chance(0.08)) {
    const at = random.int(0, records.length);
    records.splice(at, 0, { type: random.int(0, 20), id: random.int(0, 3), content: random.bytes(random.int(0, 40)), padding: random.int(0, 255) });
    mutations.push(`invent record at ${at}`);
  }
  let bytes = concatBytes(records.map(encodeRecord));
  if (random.chance(0.2)) {
    const flips = random.int(1, 4);
    bytes = bytes.slice();
    for (let i = 0; i < flips; i++) bytes[random.int(0, bytes.length - 1)] = random.int(0, 255);
    mutations.push(`flip ${flips} bytes`);
  }
  if (random.chance(0.1)) {
    const start = random.int(0, bytes.length - 1);
    const end = Math.min(bytes.length, start + random.int(1, 64));
    bytes = concatBytes([bytes.subarray(0, end), bytes.subarray(start, end), bytes.subarray(end)]);
    mutations.push(`duplicate bytes ${start}..${end}`);
  }
  if (random.chance(0.15)) {
    const length = random.int(0, bytes.length - 1);
    bytes = bytes.subarray(0, length);
    mutations.push(`truncate to ${length}`);
  }
  const chunks = random.chance(0.3) ? [bytes] : split(random, bytes, random.chance(0.1) ? 64 : 6);
  return { chunks, mutations };
}
