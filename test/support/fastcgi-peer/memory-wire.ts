/**
 * One engine Connection over a recording in-memory transport, for the engine's and the fetch
 * layer's unit tests: the test writes records into it and reads back, per request id, what the
 * application wrote.
 */
import { Connection, type ConnectionOptions } from '../../../src/engine/connection.js';
import type { EngineRequest } from '../../../src/engine/engine-request.js';
import { DEFAULT_LIMITS, type EngineLimits } from '../../../src/engine/limits.js';
import { RequestGate } from '../../../src/engine/request-gate.js';
import { MemoryTransport } from './memory-transport.js';
import { AnswerReader, decodeOutput, type Answer, type ManagementRecord } from './responses.js';

export interface Wire {
  connection: Connection;
  transport: MemoryTransport;
  /** Every transport.write call, its chunks copied. */
  writes: Uint8Array[][];
  /** What write() answers; set false to simulate a slow peer. */
  writable: boolean;
  readonly paused: boolean;
  readonly ended: boolean;
  readonly destroyed: boolean;
  /** What the connection reported to its `onError`. */
  errors: Error[];
  send(...chunks: Uint8Array[]): void;
  /** Everything written so far, decoded per request id. */
  output(): Map<number, Answer>;
  /** The management records (request id 0) written so far. */
  management(): ManagementRecord[];
}

export interface WireOptions extends Partial<Omit<ConnectionOptions, 'limits' | 'requestGate'>> {
  limits?: Partial<EngineLimits>;
  requestGate?: RequestGate;
}

export function createWire(options: WireOptions = {}): Wire {
  const writes: Uint8Array[][] = [];
  const errors: Error[] = [];
  const transport = new MemoryTransport((chunks) => writes.push(chunks.map((chunk) => chunk.slice())));
  transport.writeReturns = () => wire.writable;
  const connection = new Connection(transport, {
    onRequest: options.onRequest ?? (() => {}),
    onError: (error) => {
      errors.push(error);
      options.onError?.(error);
    },
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    requestGate: options.requestGate ?? new RequestGate(100),
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
  const wire: Wire = {
    connection,
    transport,
    writes,
    writable: true,
    get paused() {
      return transport.paused;
    },
    get ended() {
      return transport.ended;
    },
    get destroyed() {
      return transport.destroyed;
    },
    errors,
    send(...chunks) {
      for (const chunk of chunks) connection.receive(chunk);
    },
    output: () => decodeOutput(writes.flat()),
    management() {
      const reader = new AnswerReader();
      for (const chunk of writes.flat()) reader.push(chunk);
      return reader.management;
    },
  };
  return wire;
}

/** Collects the requests a connection starts. */
export function collectRequests(): { requests: EngineRequest[]; onRequest(request: EngineRequest): void } {
  const requests: EngineRequest[] = [];
  return { requests, onRequest: (request) => requests.push(request) };
}
