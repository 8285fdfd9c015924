import {
  FastCGIProtocolError,
  MAX_CONNS,
  MAX_REQS,
  MPXS_CONNS,
  ProtocolStatus,
  RecordReader,
  RecordType,
  Role,
  decodeBeginRequest,
  decodePairs,
  encodeEndRequest,
  encodeRecord,
  encodeUnknownType,
  encodeValues,
  type RecordHandler,
} from '../protocol/index.js';
import type { FastCGIRole } from '../types.js';
import type { ConnectionGate, IdleLink } from './connection-gate.js';
import { BodyTimeoutError, InputStream, type FlowControl } from './input-stream.js';
import type { EngineLimits } from './limits.js';
import type { RequestGate } from './request-gate.js';
import { EngineRequest, type RequestHost } from './engine-request.js';
import { RequestTable } from './request-table.js';
import { unwatch, watch, type Watched } from './watchdog.js';
import type { Transport } from './transport.js';

export interface ConnectionOptions {
  /** Called once per request, when its PARAMS stream is complete. Must not throw. */
  onRequest(request: EngineRequest): void;
  /** A protocol violation; the connection is closed right after. */
  onError?(error: FastCGIProtocolError): void;
  /** The transport is closed or closing; no more output will be taken. */
  onClose?(): void;
  limits: EngineLimits;
  /** Concurrency shared by every connection of one application (FCGI_MAX_REQS). */
  requestGate: RequestGate;
  /** The application's connections (FCGI_MAX_CONNS), where this one may be evicted while idle. */
  connections?: ConnectionGate;
}

const ROLES: Record<number, FastCGIRole | undefined> = {
  [Role.RESPONDER]: 'responder',
  [Role.AUTHORIZER]: 'authorizer',
  [Role.FILTER]: 'filter',
};

/** Params copied off a lent chunk share slabs of this size (larger runs get their own). */
const PARAMS_SLAB_SIZE = 8 * 1024;

/**
 * The slab being filled, one for the whole process: with a connection per request, a slab per
 * connection would cost 8 KiB per request. A slab is freed with the last params viewing it.
 */
let paramsSlab: Uint8Array | undefined;
let paramsSlabUsed = 0;

/** A copy of `data` that no later read overwrites. */
function keepParams(data: Uint8Array): Uint8Array {
  const size = data.length;
  if (size > PARAMS_SLAB_SIZE >> 2) return data.slice();
  let slab = paramsSlab;
  if (slab === undefined || slab.length - paramsSlabUsed < size) {
    slab = paramsSlab = new Uint8Array(PARAMS_SLAB_SIZE);
    paramsSlabUsed = 0;
  }
  const start = paramsSlabUsed;
  slab.set(data, start);
  paramsSlabUsed = start + size;
  return slab.subarray(start, start + size);
}

/** The peer closed the connection; every request still on it is aborted with this reason. */
function connectionLost(): DOMException {
  return new DOMException('The FastCGI connection was closed by the web server', 'AbortError');
}

/**
 * One FastCGI connection: decodes records, runs the request lifecycle (many requests at once),
 * answers management records and enforces the limits. Fed bytes; writes through a Transport.
 */
export class Connection implements RecordHandler, FlowControl, RequestHost {
  readonly #transport: Transport;
  readonly #options: ConnectionOptions;
  readonly #reader = new RecordReader(this);
  readonly #requests = new RequestTable<EngineRequest>();
  /** The request the last record was for: records come in runs for one request. */
  #current: EngineRequest | undefined;
  /** Input streams over their high-water mark (made when the first one is). */
  #held: Set<InputStream> | undefined;
  #waiters: Array<() => void> | undefined;
  #blocked = false;
  #paused = false;
  /** The chunk being decoded is the transport's to reuse (see receive). */
  #lent = false;
  /** When reading last resumed: input that was not read cannot be late (ms since epoch). */
  #readingSince = Date.now();
  /** No new requests: close once the last one ends. */
  #draining = false;
  /** While draining, the one request a fresh connection was opened for is still admitted. */
  #admitOne = false;
  #served = 0;
  /** Two requests were active at once: the client multiplexes (HAProxy, our own client). */
  #multiplexed = false;
  #closed = false;
  /**
   * The shared watchdog checks idleness, stalled PARAMS and stalled bodies: no timer per request
   * or connection. The same object links the connection into the application's idle list.
   */
  readonly #watched: Watched & IdleLink = {
    inspect: (now) => this.#inspect(now),
    listIndex: -1,
    idlePrev: undefined,
    idleNext: undefined,
    idleLinked: false,
    evict: () => this.#end(),
  };
  #watchTick: number | undefined;
  /** When the last request ended (ms since epoch); undefined while requests are in flight. */
  #idleSince: number | undefined = Date.now();

  constructor(transport: Transport, options: ConnectionOptions) {
    this.#transport = transport;
    this.#options = options;
    options.connections?.opened(this.#watched);
    this.#watch();
  }

  /** Requests begun and not yet ended. */
  get activeRequests(): number {
    return this.#requests.size;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Feeds bytes read from the transport. By default the engine may keep views of `chunk` (the
   * params of a request stay encoded in it); `lent` says the transport reuses that memory once
   * this returns, so whatever is kept is copied first.
   */
  receive(chunk: Uint8Array, lent = false): void {
    if (this.#closed) return;
    this.#lent = lent;
    try {
      this.#reader.push(chunk);
    } catch (error) {
      // Anything else thrown here is a bug of ours; it still costs this connection only.
      this.#violation(error instanceof FastCGIProtocolError ? error : new FastCGIProtocolError(`internal error: ${String(error)}`));
    }
  }

  /** The transport took everything: writers may go on. */
  drained(): void {
    // A body could not be late while the peer was not taking our output.
    if (this.#blocked) this.#readingSince = Date.now();
    this.#blocked = false;
    this.#wakeWriters();
    this.#updateFlow();
  }

  /**
   * The transport is gone (peer closed, reset, or we closed it). Aborts what is still running.
   * A peer that stopped in the middle of a record is reported to `onError`.
   */
  closed(): void {
    if (!this.#closed) {
      if (!this.#reader.idle) {
        this.#options.onError?.(new FastCGIProtocolError('connection closed in the middle of a record'));
      }
      this.#close();
    }
    this.#abortRemaining(connectionLost);
  }

  /**
   * Graceful: take no new requests, close when the active ones have ended. A connection that
   * has not had its first request yet still takes that one: the web server opened it to send
   * a request, which may be on its way.
   */
  drain(): void {
    this.#draining = true;
    if (this.#requests.size > 0) return;
    if (this.#served === 0) this.#admitOne = true;
    else this.#end();
  }

  /** Forced: abort every active request (sending END_REQUEST), then close. */
  abortAll(reason: unknown): void {
    for (const request of this.#requests.values()) request.abort(reason, true);
    this.#end();
  }

  // RecordHandler

  record(type: number, requestId: number, content: Uint8Array): void {
    if (requestId === 0) {
      this.#management(type, content);
      return;
    }
    if (type === RecordType.BEGIN_REQUEST) this.#begin(requestId, content);
    else if (type === RecordType.ABORT_REQUEST) {
      this.#requests.get(requestId)?.abort(new DOMException('The web server aborted the FastCGI request', 'AbortError'), true);
    }
    // Anything else for a request id is either for an inactive id or not ours to receive: ignored.
  }

  streamData(type: number, requestId: number, data: Uint8Array): void {
    const request = this.#request(requestId);
    if (request === undefined) return;
    if (type === RecordType.STDIN) request.stdin.push(data);
    else if (type === RecordType.PARAMS) request.pushParams(this.#lent ? keepParams(data) : data);
    else if (type === RecordType.DATA) request.data?.push(data);
  }

  streamEnd(type: number, requestId: number): void {
    const request = this.#request(requestId);
    if (request === undefined) return;
    if (type === RecordType.STDIN) request.stdin.end();
    else if (type === RecordType.DATA) request.data?.end();
    else if (type === RecordType.PARAMS && request.endParams()) this.#options.onRequest(request);
  }

  // FlowControl

  hold(stream: InputStream): void {
    (this.#held ??= new Set()).add(stream);
    this.#updateFlow();
  }

  release(stream: InputStream): void {
    if (this.#held?.delete(stream)) this.#updateFlow();
  }

  // RequestHost

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#closed) return false;
    if (!this.#transport.write(chunks) && !this.#blocked) {
      this.#blocked = true;
      this.#updateFlow();
    }
    return !this.#blocked;
  }

  writable(): Promise<void> {
    if (!this.#blocked || this.#closed) return Promise.resolve();
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  finish(request: EngineRequest): void {
    if (!this.#forget(request)) return;
    this.#afterRequest(request.keepConn);
  }

  /**
   * Fails a request whose response broke mid-way. The FastCGI protocol has no record for that,
   * and web servers take any END_REQUEST, whatever its statuses, for a complete response. What
   * they do take for a broken upstream, and then cut the browser's transfer for, is a record they
   * cannot accept, or the connection closing before END_REQUEST (measured: nginx needs the
   * former; Apache mod_proxy_fcgi, lighttpd and HAProxy take either; see
   * test/integration/body-failure.test.ts). So the request gets an empty ABORT_REQUEST record
   * (a type only web servers send) and the connection is closed. On a multiplexed connection
   * that would cut every request on it: there an empty END_REQUEST follows instead, which
   * HAProxy rejects for that request only, and which frees the request id.
   */
  fail(request: EngineRequest, first: readonly Uint8Array[]): void {
    if (!this.#forget(request)) return;
    const broken = encodeRecord(RecordType.ABORT_REQUEST, request.id);
    if (!request.keepConn || !this.#multiplexed) {
      this.write([...first, broken]);
      this.#end();
      return;
    }
    this.write([...first, broken, encodeRecord(RecordType.END_REQUEST, request.id)]);
    this.#afterRequest(true);
  }

  // internals

  /** After a request left: the connection closes, or, with nothing in flight, becomes idle (and evictable). */
  #afterRequest(keepConn: boolean): void {
    if (!keepConn || (this.#draining && this.#requests.size === 0)) this.#end();
    else if (this.#requests.size === 0) {
      this.#idleSince = Date.now();
      this.#options.connections?.idle(this.#watched);
    }
  }

  /** Takes an ended request off the connection; false if it was not on it any more. */
  #forget(request: EngineRequest): boolean {
    if (this.#requests.get(request.id) !== request) return false;
    this.#requests.delete(request.id);
    if (this.#current === request) this.#current = undefined;
    this.#options.requestGate.release();
    request.stdin.discard();
    request.data?.discard();
    return true;
  }

  #begin(requestId: number, content: Uint8Array): void {
    if (this.#requests.get(requestId) !== undefined) {
      this.#violation(new FastCGIProtocolError(`BEGIN_REQUEST for request ${requestId}, which is still active`));
      return;
    }
    const { role: roleCode, keepConn } = decodeBeginRequest(content);
    const role = ROLES[roleCode];
    if (role === undefined) {
      this.#reject(requestId, keepConn, ProtocolStatus.UNKNOWN_ROLE);
      return;
    }
    const admitted = !this.#draining || this.#admitOne;
    if (!admitted || !this.#options.requestGate.acquire()) {
      this.#reject(requestId, keepConn, ProtocolStatus.OVERLOADED);
      return;
    }
    const { limits } = this.#options;
    const now = Date.now();
    const stdin = new InputStream(this, limits.bodyHighWaterMark, limits.maxBodySize, now);
    const data = role === 'filter' ? new InputStream(this, limits.bodyHighWaterMark, Number.POSITIVE_INFINITY, now) : null;
    this.#admitOne = false;
    this.#served++;
    const request = new EngineRequest(now, requestId, role, keepConn, stdin, data, limits.maxParamsBytes, this);
    this.#requests.set(requestId, request);
    if (this.#requests.size > 1) this.#multiplexed = true;
    this.#current = request;
    if (this.#idleSince !== undefined) {
      this.#idleSince = undefined;
      this.#options.connections?.busy(this.#watched);
    }
  }

  #request(requestId: number): EngineRequest | undefined {
    const current = this.#current;
    if (current !== undefined && current.id === requestId) return current;
    const request = this.#requests.get(requestId);
    this.#current = request;
    return request;
  }

  /** Joins the shared watchdog, ticking at half the shortest timeout. */
  #watch(): void {
    const { idleTimeout, paramsTimeout, bodyTimeout, requestTimeout } = this.#options.limits;
    const timeouts = [idleTimeout, paramsTimeout, bodyTimeout, requestTimeout].filter((t) => t > 0);
    if (timeouts.length === 0) return;
    this.#watchTick = Math.max(10, Math.min(...timeouts) / 2);
    watch(this.#watched, this.#watchTick);
  }

  #inspect(now: number): void {
    const { idleTimeout, paramsTimeout, bodyTimeout, requestTimeout } = this.#options.limits;
    for (const request of this.#requests.values()) {
      if (requestTimeout > 0 && now - request.beganAt >= requestTimeout) {
        request.abort(new DOMException(`The request ran longer than ${requestTimeout} ms`, 'TimeoutError'), true);
        if (this.#closed) return;
      } else if (!request.started) {
        if (paramsTimeout > 0 && now - request.beganAt >= paramsTimeout) {
          this.#violation(new FastCGIProtocolError(`PARAMS of request ${request.id} incomplete after ${paramsTimeout} ms`));
          return;
        }
      } else if (bodyTimeout > 0 && !this.#paused && !this.#blocked && now - this.#readingSince >= bodyTimeout) {
        // Only while reading and writing freely: a body we stopped reading is not late.
        const since = now - bodyTimeout;
        for (const stream of [request.stdin, request.data]) {
          if (stream?.waitingSince(since)) stream.fail(new BodyTimeoutError(bodyTimeout));
        }
      }
    }
    if (this.#idleSince !== undefined && idleTimeout > 0 && now - this.#idleSince >= idleTimeout) this.#end();
  }

  #reject(requestId: number, keepConn: boolean, status: ProtocolStatus): void {
    this.write([encodeEndRequest(requestId, 0, status)]);
    if (!keepConn) this.#end();
  }

  #management(type: number, content: Uint8Array): void {
    if (type !== RecordType.GET_VALUES) {
      this.write([encodeUnknownType(type)]);
      return;
    }
    const { limits } = this.#options;
    const known: Record<string, string> = {
      [MAX_CONNS]: String(limits.maxConnections),
      [MAX_REQS]: String(this.#options.requestGate.max),
      [MPXS_CONNS]: '1',
    };
    const answer: Array<[string, string]> = [];
    for (const [name] of decodePairs(content)) {
      const value = known[name];
      if (value !== undefined) answer.push([name, value]);
    }
    this.write([encodeValues(RecordType.GET_VALUES_RESULT, answer)]);
  }

  #violation(error: FastCGIProtocolError): void {
    this.#options.onError?.(error);
    this.#close();
    this.#transport.destroy();
    this.#abortRemaining(() => new DOMException(`FastCGI protocol error: ${error.message}`, 'AbortError'));
  }

  /**
   * Flushes and closes: after the last END_REQUEST, or after a request without FCGI_KEEP_CONN,
   * which takes down any request still multiplexed beside it.
   */
  #end(): void {
    if (this.#closed) return;
    this.#close();
    this.#transport.end();
    this.#abortRemaining(() => new DOMException('The FastCGI connection was closed after a request without FCGI_KEEP_CONN', 'AbortError'));
  }

  /** The reason is made only if some request is left: a DOMException costs a stack trace. */
  #abortRemaining(reason: () => DOMException): void {
    if (this.#requests.size === 0) return;
    const error = reason();
    for (const request of this.#requests.values()) request.abort(error, false);
  }

  #close(): void {
    if (!this.#closed) this.#options.connections?.closed(this.#watched);
    this.#closed = true;
    if (this.#watchTick !== undefined) unwatch(this.#watched, this.#watchTick);
    this.#watchTick = undefined;
    this.#wakeWriters();
    this.#options.onClose?.();
  }

  #wakeWriters(): void {
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    this.#waiters = undefined;
    for (const wake of waiters) wake();
  }

  /**
   * Reads are paused while some body has more unread bytes than its high-water mark — unless
   * output is blocked too: a peer that writes all of STDIN before reading STDOUT (Caddy) would
   * otherwise deadlock, so then bodies buffer on, up to `maxBodySize`.
   */
  #updateFlow(): void {
    const pause = (this.#held?.size ?? 0) > 0 && !this.#blocked && !this.#closed;
    if (pause === this.#paused) return;
    this.#paused = pause;
    if (pause) this.#transport.pause();
    else {
      this.#readingSince = Date.now();
      this.#transport.resume();
    }
  }
}
