/**
 * Test support: an engine Connection over a recording in-memory transport, and a decoder for
 * what the application wrote. Used by the engine's and the fetch layer's own unit tests.
 */
import {
  concatBytes as concat,
  RecordReader,
  RecordType,
  decodeEndRequest,
  decodePairs,
  encodeBeginRequest,
  encodeParams,
  encodeStream,
  latin1,
  type Pair,
} from '../../protocol/index.js';
import { Connection, type ConnectionOptions } from '../connection.js';
import { DEFAULT_LIMITS, RequestSlots, type EngineLimits } from '../limits.js';
import type { FastCGIRequest } from '../request.js';
import type { Transport } from '../transport.js';

export interface RequestOutput {
  stdout: Uint8Array;
  stderr: string;
  end?: { appStatus: number; protocolStatus: number };
  /** Whether STDOUT was closed with its empty record. */
  stdoutClosed: boolean;
  /** How the application failed the request (FastCGIRequest.fail): an ABORT_REQUEST record, then maybe an empty END_REQUEST. */
  failed?: 'abort-record' | 'abort-record+empty-end';
}

export interface Wire {
  connection: Connection;
  /** Every transport.write call, as passed. */
  writes: Uint8Array[][];
  /** What write() answers; set false to simulate a slow peer. */
  writable: boolean;
  paused: boolean;
  ended: boolean;
  destroyed: boolean;
  errors: Error[];
  send(...chunks: Uint8Array[]): void;
  /** Output decoded per request id (id 0: management records as their raw type). */
  output(): Map<number, RequestOutput>;
  management(): Array<{ type: number; pairs: Array<[string, string]>; content: Uint8Array }>;
}

export interface WireOptions extends Partial<Omit<ConnectionOptions, 'limits' | 'slots'>> {
  limits?: Partial<EngineLimits>;
  slots?: RequestSlots;
}

export function createWire(options: WireOptions = {}): Wire {
  const wire: Wire = {
    writes: [],
    writable: true,
    paused: false,
    ended: false,
    destroyed: false,
    errors: [],
    connection: undefined as unknown as Connection,
    send(...chunks) {
      for (const chunk of chunks) wire.connection.receive(chunk);
    },
    output() {
      return decodeOutput(wire.writes.flat());
    },
    management() {
      const out: Array<{ type: number; pairs: Array<[string, string]>; content: Uint8Array }> = [];
      new RecordReader({
        record(type, id, content) {
          if (id !== 0) return;
          const pairs =
            type === RecordType.GET_VALUES_RESULT
              ? decodePairs(content).map(([n, v]): [string, string] => [n, latin1(v)])
              : [];
          out.push({ type, pairs, content: content.slice() });
        },
        streamData() {},
        streamEnd() {},
      }).push(concat(wire.writes.flat()));
      return out;
    },
  };
  const transport: Transport = {
    write(chunks) {
      wire.writes.push(chunks.map((c) => c.slice()));
      return wire.writable;
    },
    pause: () => (wire.paused = true),
    resume: () => (wire.paused = false),
    end: () => (wire.ended = true),
    destroy: () => (wire.destroyed = true),
  };
  wire.connection = new Connection(transport, {
    onRequest: options.onRequest ?? (() => {}),
    onError: (error) => {
      wire.errors.push(error);
      options.onError?.(error);
    },
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    slots: options.slots ?? new RequestSlots(100),
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
  return wire;
}

export { concatBytes as concat } from '../../protocol/index.js';

export function decodeOutput(chunks: readonly Uint8Array[]): Map<number, RequestOutput> {
  const out = new Map<number, RequestOutput>();
  const parts = new Map<number, Uint8Array[]>();
  const get = (id: number) => {
    let entry = out.get(id);
    if (!entry) {
      entry = { stdout: new Uint8Array(0), stderr: '', stdoutClosed: false };
      out.set(id, entry);
      parts.set(id, []);
    }
    return entry;
  };
  new RecordReader({
    record(type, id, content) {
      const entry = get(id);
      if (entry.end) throw new Error(`record of type ${type} for request ${id} after its END_REQUEST`);
      if (type === RecordType.ABORT_REQUEST) {
        if (entry.failed) throw new Error(`second ABORT_REQUEST for request ${id}`);
        entry.failed = 'abort-record';
      } else if (type === RecordType.END_REQUEST) {
        if (entry.failed === 'abort-record' && content.length === 0) entry.failed = 'abort-record+empty-end';
        else if (entry.failed) throw new Error(`output for request ${id} after it failed`);
        else entry.end = decodeEndRequest(content);
      }
    },
    streamData(type, id, data) {
      const entry = get(id);
      if (entry.end || entry.failed) throw new Error(`output for request ${id} after its END_REQUEST or failure`);
      if (type === RecordType.STDOUT) parts.get(id)!.push(data.slice());
      else if (type === RecordType.STDERR) entry.stderr += new TextDecoder().decode(data);
    },
    streamEnd(type, id) {
      const entry = get(id);
      if (entry.end || entry.failed) throw new Error(`output for request ${id} after its END_REQUEST or failure`);
      if (type === RecordType.STDOUT) entry.stdoutClosed = true;
    },
  }).push(concat(chunks));
  for (const [id, entry] of out) entry.stdout = concat(parts.get(id)!);
  return out;
}

/** The records a web server sends for one request. */
export function requestRecords(
  id: number,
  params: Iterable<Pair>,
  body?: Uint8Array | string,
  { keepConn = false, role = 1 }: { keepConn?: boolean; role?: number } = {},
): Uint8Array {
  const parts = [encodeBeginRequest(id, role, keepConn), encodeParams(id, params)];
  if (body !== undefined) {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    if (bytes.length > 0) parts.push(encodeStream(RecordType.STDIN, id, bytes, false));
  }
  parts.push(encodeStream(RecordType.STDIN, id, new Uint8Array(0), true));
  return concat(parts);
}

/** Splits a CGI response into its head (as a lower-cased header list) and body. */
export function parseCgi(stdout: Uint8Array): { status: string; headers: Array<[string, string]>; body: string } {
  const text = latin1(stdout);
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split).split('\r\n');
  const headers = head.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const status = headers.find(([n]) => n === 'status')?.[1] ?? '';
  return { status, headers: headers.filter(([n]) => n !== 'status'), body: text.slice(split + 4) };
}

/** Collects the requests a connection starts. */
export function collectRequests(): { requests: FastCGIRequest[]; onRequest(request: FastCGIRequest): void } {
  const requests: FastCGIRequest[] = [];
  return { requests, onRequest: (request) => requests.push(request) };
}
