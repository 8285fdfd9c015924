/**
 * A raw FastCGI peer for the hardening tests: plays the web server over a real socket with the
 * repo's codec, so tests can send exactly the records (or half-records) a hostile or broken
 * peer would, and see what the application answers per request id.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import {
  RecordReader,
  RecordType,
  Role,
  decodeEndRequest,
  encodeBeginRequest,
  encodeParams,
  encodeRecord,
  encodeStream,
  type Pair,
} from '../../src/protocol/index.js';
import type { ServerAddress } from 'fastcgi-fetch';

/** What came back for one request id. */
export interface Answer {
  stdout: Buffer;
  stderr: string;
  end: { appStatus: number; protocolStatus: number } | undefined;
  /** The application failed the request (FastCGIRequest.fail): an ABORT_REQUEST record, then maybe an empty END_REQUEST. */
  failed?: 'abort-record' | 'abort-record+empty-end';
}

/** A response decoded from STDOUT: the CGI head and body. */
export interface CgiResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  appStatus: number;
}

/** nginx-like CGI params for `method uri`. */
export function params(method: string, uri: string, extra: readonly Pair[] = []): Pair[] {
  const query = uri.indexOf('?');
  return [
    ['REQUEST_METHOD', method],
    ['REQUEST_URI', uri],
    ['SCRIPT_NAME', query < 0 ? uri : uri.slice(0, query)],
    ['QUERY_STRING', query < 0 ? '' : uri.slice(query + 1)],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['SERVER_NAME', 'localhost'],
    ['SERVER_PORT', '80'],
    ['HTTP_HOST', 'localhost'],
    ...extra,
  ];
}

/** BEGIN_REQUEST and the whole PARAMS stream. */
export function head(id: number, pairs: readonly Pair[], keepConn = true): Buffer {
  return Buffer.concat([
    encodeBeginRequest(id, Role.RESPONDER, keepConn),
    encodeParams(id, pairs),
    encodeStream(RecordType.PARAMS, id, new Uint8Array(0), true),
  ]);
}

/** STDIN records for `body` (split into records of at most 64 KiB - 1), optionally ended. */
export function stdin(id: number, body: Uint8Array, end = true): Buffer {
  const parts: Uint8Array[] = [];
  for (let start = 0; start < body.length; start += 0xffff) {
    parts.push(encodeStream(RecordType.STDIN, id, body.subarray(start, start + 0xffff)));
  }
  if (end) parts.push(encodeStream(RecordType.STDIN, id, new Uint8Array(0), true));
  return Buffer.concat(parts);
}

/** A whole request: BEGIN_REQUEST, PARAMS, STDIN. */
export function whole(id: number, pairs: readonly Pair[], body: Uint8Array = new Uint8Array(0), keepConn = true): Buffer {
  return Buffer.concat([head(id, pairs, keepConn), stdin(id, body)]);
}

export function abortRecord(id: number): Uint8Array {
  return encodeRecord(RecordType.ABORT_REQUEST, id);
}

/** Splits a CGI response (head, blank line, body). */
export function parseCgi(stdout: Buffer, appStatus = 0): CgiResponse {
  const split = stdout.indexOf('\r\n\r\n');
  const headText = split < 0 ? stdout.toString('latin1') : stdout.subarray(0, split).toString('latin1');
  const headers: Record<string, string> = {};
  for (const line of headText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^(\d{3})/.exec(headers.status ?? '200')?.[1] ?? 0),
    headers,
    body: split < 0 ? Buffer.alloc(0) : stdout.subarray(split + 4),
    appStatus,
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** One connection to the application, decoding whatever it sends back. */
export class Peer {
  readonly socket: Socket;
  readonly answers = new Map<number, Answer>();
  readonly #waiters = new Set<() => void>();
  readonly #reader: RecordReader;
  #closed = false;
  readonly #whenClosed: Promise<void>;
  readonly #connected: Promise<void>;

  constructor(address: ServerAddress, options: { allowHalfOpen?: boolean } = {}) {
    const allowHalfOpen = options.allowHalfOpen ?? false;
    if (address.type === 'unix') this.socket = connect({ path: address.path, allowHalfOpen });
    else if (address.type === 'tcp') this.socket = connect({ port: address.port, host: address.host, allowHalfOpen });
    else throw new Error(`a peer cannot connect to a ${address.type} address`);
    this.socket.on('error', () => {});
    this.#connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.#whenClosed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.#closed = true;
        this.#notify();
        resolve();
      }),
    );
    const answer = (id: number): Answer => {
      let found = this.answers.get(id);
      if (found === undefined) this.answers.set(id, (found = { stdout: Buffer.alloc(0), stderr: '', end: undefined }));
      return found;
    };
    this.#reader = new RecordReader({
      record: (type, id, content) => {
        if (type === RecordType.ABORT_REQUEST) answer(id).failed = 'abort-record';
        else if (type === RecordType.END_REQUEST && content.length === 0) answer(id).failed = 'abort-record+empty-end';
        else if (type === RecordType.END_REQUEST) answer(id).end = decodeEndRequest(content);
      },
      streamData: (type, id, data) => {
        const a = answer(id);
        if (type === RecordType.STDOUT) a.stdout = Buffer.concat([a.stdout, data]);
        else if (type === RecordType.STDERR) a.stderr += Buffer.from(data).toString('utf8');
      },
      streamEnd: () => {},
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      this.#notify();
    });
  }

  /** Connects to `address`; resolves once connected. */
  static async open(address: ServerAddress | undefined, options?: { allowHalfOpen?: boolean }): Promise<Peer> {
    if (address === undefined) throw new Error('server not listening');
    const peer = new Peer(address, options);
    await within(peer.#connected, 5000, 'connect');
    return peer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves when `test()` holds (checked on every incoming chunk and on close). */
  until(test: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    if (test()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        const check = () => {
          if (!test()) return;
          this.#waiters.delete(check);
          resolve();
        };
        this.#waiters.add(check);
      }),
      ms,
      what,
    );
  }

  /** The END_REQUEST of request `id` and what came before it. */
  async answer(id: number, ms = 5000): Promise<Answer> {
    await this.until(() => this.answers.get(id)?.end !== undefined, ms, `END_REQUEST for request ${id}`);
    return this.answers.get(id)!;
  }

  /** The decoded response of request `id`, once its END_REQUEST came. */
  async response(id: number, ms = 5000): Promise<CgiResponse> {
    const answer = await this.answer(id, ms);
    return parseCgi(answer.stdout, answer.end!.appStatus);
  }

  /** Sends a whole request and waits for its response. */
  async fetch(id: number, method: string, uri: string, body?: Uint8Array): Promise<CgiResponse> {
    this.answers.delete(id);
    this.send(whole(id, params(method, uri), body));
    return this.response(id);
  }

  /** Resolves true once the application closed the connection, false if not within `ms`. */
  async waitClosed(ms: number): Promise<boolean> {
    return Promise.race([this.#whenClosed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Polls `test` until it holds or `ms` pass; for counters the server exposes. */
export async function eventually(test: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolve function outside: a gate a handler waits behind. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Connections that open and never send a byte, as a flood would; `closed` holds the indexes the application closed. */
export interface SilentFlood {
  readonly sockets: Socket[];
  readonly closed: Set<number>;
  destroy(): void;
}

/**
 * Opens `count` silent connections to the Unix socket at `path`, a batch at a time, each batch
 * accepted by the server (`accepted()` counts what it took in) before the next: the listen
 * backlog holds 511 at most.
 */
export async function silentFlood(path: string, count: number, accepted: () => number): Promise<SilentFlood> {
  const sockets: Socket[] = [];
  const closed = new Set<number>();
  const flood = { sockets, closed, destroy: () => sockets.forEach((socket) => socket.destroy()) };
  const base = accepted();
  try {
    for (let start = 0; start < count; start += 100) {
      const batch = Array.from({ length: Math.min(100, count - start) }, (_, i) => {
        const socket = connect({ path });
        socket.on('error', () => {});
        socket.once('close', () => closed.add(start + i));
        sockets.push(socket);
        return new Promise((resolve) => socket.once('connect', resolve));
      });
      await Promise.all(batch);
      // None refused: while idle connections can make room, every newcomer gets in. (Waiting
      // for all to be taken in also keeps the backlog from filling: connect() would fail EAGAIN.)
      await eventually(() => accepted() === base + sockets.length, 5000, 'every new connection accepted');
    }
  } catch (error) {
    flood.destroy();
    throw error;
  }
  return flood;
}

/**
 * The most connections a test may flood an application with in this process (both ends count
 * against the open-files limit): `wanted`, or less where the limit is low.
 */
export function floodableConnections(wanted: number): number {
  const files = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 1024);
  return Math.min(wanted, Math.floor((files - 200) / 4));
}
