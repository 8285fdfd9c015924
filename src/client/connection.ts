import {
  FastCGIProtocolError,
  RecordReader,
  RecordType,
  decodeEndRequest,
  decodePairs,
  encodeRecord,
  encodeValues,
  latin1,
  type RecordHandler,
} from '../protocol/index.js';
import { FastCGIConnectionError } from './client-errors.js';
import { Exchange, type ExchangeHost, type ExchangeInit } from './exchange.js';
import type { Transport, TransportPeer } from './connector-types.js';

/** What a connection tells its pool. */
export interface ConnectionEvents {
  /** A request id was freed (END_REQUEST read, or an exchange gave up its reservation). */
  freed(connection: ClientConnection): void;
  closed(connection: ClientConnection): void;
}

/** After ABORT_REQUEST, how long the application gets to answer before the connection is dropped. */
const ABORT_GRACE = 5_000;

/**
 * One client connection: writes requests' records, reads the application's records back and
 * routes them to their exchanges. Knows nothing of sockets: bytes come in through
 * `TransportPeer` and go out through a `Transport`.
 */
export class ClientConnection implements RecordHandler, TransportPeer, ExchangeHost {
  #transport: Transport | undefined;
  readonly #reader = new RecordReader(this);
  readonly #exchanges = new Map<number, Exchange>();
  readonly #held = new Set<Exchange>();
  readonly #events: ConnectionEvents;
  #valueWaiters: Array<(values: Record<string, string> | undefined) => void> = [];
  #writeWaiters: Array<() => void> = [];
  #reserved = 0;
  #nextId = 1;
  #blocked = false;
  #paused = false;
  #closed = false;
  /** Requests begun on this connection, over its life. */
  served = 0;
  /** Several requests at once; otherwise one, always with id 1 (as nginx does). */
  multiplexed = false;
  /** No new request may start here (no keep-conn, or the application is closing it). */
  spent = false;

  constructor(events: ConnectionEvents) {
    this.#events = events;
  }

  /** Hands the connection its transport once the connector has opened it. */
  attach(transport: Transport): void {
    this.#transport = transport;
    if (this.#closed) transport.destroy();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Requests running or about to start here. */
  get load(): number {
    return this.#exchanges.size + this.#reserved;
  }

  /** Keeps a place for a request that is about to begin. */
  reserve(): void {
    this.#reserved++;
  }

  /** Gives back a place reserved by `reserve()` without using it. */
  unreserve(): void {
    this.#reserved--;
    this.#events.freed(this);
  }

  /** Starts a request in a reserved place. */
  begin(init: ExchangeInit): Exchange {
    this.#reserved--;
    const id = this.#takeId();
    const exchange = new Exchange(id, this, init);
    this.#exchanges.set(id, exchange);
    this.served++;
    if (this.#closed) exchange.lost(new FastCGIConnectionError('the FastCGI connection is closed'));
    else void exchange.start();
    return exchange;
  }

  /** Asks GET_VALUES; undefined when the connection closed first. */
  getValues(names: readonly string[]): Promise<Record<string, string> | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#valueWaiters.push(resolve);
      this.write([
        encodeValues(
          RecordType.GET_VALUES,
          names.map((name) => [name, ''] as const),
        ),
      ]);
    });
  }

  /** Closes politely once written data is flushed. */
  end(): void {
    if (this.#closed) return;
    this.spent = true;
    this.#transport?.end();
  }

  destroy(error?: Error): void {
    this.#transport?.destroy();
    this.closed(error);
  }

  // TransportPeer

  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#reader.push(chunk);
    } catch (error) {
      if (!(error instanceof FastCGIProtocolError)) throw error;
      this.destroy(error);
    }
  }

  drained(): void {
    this.#blocked = false;
    this.#wakeWriters();
    this.#updateFlow();
  }

  closed(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.spent = true;
    this.#wakeWriters();
    const reason =
      error instanceof FastCGIProtocolError ? error : new FastCGIConnectionError('the FastCGI connection closed before the request ended', { cause: error });
    for (const exchange of this.#exchanges.values()) exchange.lost(reason);
    this.#exchanges.clear();
    for (const resolve of this.#valueWaiters) resolve(undefined);
    this.#valueWaiters = [];
    this.#events.closed(this);
  }

  // RecordHandler

  record(type: number, requestId: number, content: Uint8Array): void {
    if (requestId === 0) {
      if (type === RecordType.GET_VALUES_RESULT || type === RecordType.UNKNOWN_TYPE) {
        const values: Record<string, string> = {};
        if (type === RecordType.GET_VALUES_RESULT) for (const [name, value] of decodePairs(content)) values[name] = latin1(value);
        this.#valueWaiters.shift()?.(values);
      }
      return;
    }
    if (type === RecordType.ABORT_REQUEST) {
      // fastcgi-fetch's mark of a response that broke mid-way (its EngineRequest.fail).
      this.#exchanges.get(requestId)?.brokenOff();
      return;
    }
    if (type !== RecordType.END_REQUEST) return;
    const exchange = this.#exchanges.get(requestId);
    if (exchange === undefined) return;
    // After that mark, an empty END_REQUEST frees the id of a request on a multiplexed connection.
    const freesBroken = content.length === 0 && exchange.isBrokenOff;
    if (content.length < 8 && !freesBroken) throw new FastCGIProtocolError(`END_REQUEST of ${content.length} bytes (expected 8)`);
    const { appStatus, protocolStatus } = decodeEndRequest(content);
    this.#exchanges.delete(requestId);
    this.#held.delete(exchange);
    this.#updateFlow();
    exchange.end(appStatus, protocolStatus);
    this.#events.freed(this);
  }

  streamData(type: number, requestId: number, data: Uint8Array): void {
    const exchange = this.#exchanges.get(requestId);
    if (exchange === undefined) return;
    if (type === RecordType.STDOUT) exchange.stdout(data);
    else if (type === RecordType.STDERR) exchange.stderr(data);
  }

  streamEnd(type: number, requestId: number): void {
    if (type === RecordType.STDOUT) this.#exchanges.get(requestId)?.stdoutEnd();
  }

  // ExchangeHost

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#closed || this.#transport === undefined) return false;
    if (!this.#transport.write(chunks) && !this.#blocked) this.#blocked = true;
    return !this.#blocked;
  }

  writable(): Promise<void> {
    if (!this.#blocked || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#writeWaiters.push(resolve));
  }

  hold(exchange: Exchange): void {
    this.#held.add(exchange);
    this.#updateFlow();
  }

  release(exchange: Exchange): void {
    if (this.#held.delete(exchange)) this.#updateFlow();
  }

  abort(exchange: Exchange): void {
    if (this.#closed || exchange.ended) return;
    if (!this.multiplexed) {
      // One request per connection: closing it is the abort every web server uses.
      this.destroy();
      return;
    }
    this.write([encodeRecord(RecordType.ABORT_REQUEST, exchange.id)]);
    const timer = setTimeout(() => {
      if (!exchange.ended) this.destroy(new FastCGIConnectionError('no END_REQUEST after ABORT_REQUEST'));
    }, ABORT_GRACE);
    timer.unref?.();
  }

  // internals

  #takeId(): number {
    if (!this.multiplexed) return 1;
    for (;;) {
      const id = this.#nextId;
      this.#nextId = id >= 0xffff ? 1 : id + 1;
      if (!this.#exchanges.has(id)) return id;
    }
  }

  #wakeWriters(): void {
    const waiters = this.#writeWaiters;
    this.#writeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Reading stops while some response body has more unread bytes than its high-water mark. */
  #updateFlow(): void {
    const pause = this.#held.size > 0 && !this.#closed;
    if (pause === this.#paused || this.#transport === undefined) return;
    this.#paused = pause;
    if (pause) this.#transport.pause();
    else this.#transport.resume();
  }
}
