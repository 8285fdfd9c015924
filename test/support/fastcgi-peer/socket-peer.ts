/**
 * The web server's side of a real socket to an application: sends exactly the records (or
 * half-records) a test gives, as a hostile or broken peer would, and decodes what the
 * application answers per request id. Also floods of silent connections.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { ServerAddress } from 'fastcgi-fetch';
import type { Pair } from '../../../src/protocol/index.js';
import { eventually } from '../wait.js';
import { beginRecords, cgiParams, requestRecords } from './requests.js';
import { AnswerReader, parseCgiResponse, type Answer, type CgiResponse } from './responses.js';

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
  /** What came back, per request id. */
  readonly answers: Map<number, Answer>;
  readonly #waiters = new Set<() => void>();
  readonly #reader: AnswerReader;
  #broken: Error | undefined;
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
    this.#reader = new AnswerReader();
    this.answers = this.#reader.answers;
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.#reader.push(chunk);
      } catch (error) {
        // Output no web server would accept: every wait fails with it.
        this.#broken ??= error as Error;
      }
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

  /** Sends a whole keep-conn request, as nginx with `fastcgi_keep_conn on` does. */
  sendRequest(id: number, params: Iterable<Pair>, body?: Uint8Array): void {
    this.send(requestRecords(id, params, body, { keepConn: true }));
  }

  /** Sends BEGIN_REQUEST (keep-conn) and the PARAMS stream, and no STDIN yet. */
  sendBegin(id: number, params: Iterable<Pair>): void {
    this.send(beginRecords(id, params, { keepConn: true }));
  }

  /** Resolves when `test()` holds (checked on every incoming chunk and on close). */
  until(test: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    if (this.#broken === undefined && test()) return Promise.resolve();
    return within(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (this.#broken !== undefined) {
            this.#waiters.delete(check);
            reject(this.#broken);
            return;
          }
          if (!test()) return;
          this.#waiters.delete(check);
          resolve();
        };
        this.#waiters.add(check);
        check();
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
    return parseCgiResponse((await this.answer(id, ms)).stdout);
  }

  /** Sends a whole request and waits for its response. */
  async fetch(id: number, method: string, uri: string, body?: Uint8Array): Promise<CgiResponse> {
    this.answers.delete(id);
    this.sendRequest(id, cgiParams(method, uri), body);
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
  const flood = { sockets, closed, destroy: () => sockets.forEach((socket) => void socket.destroy()) };
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
