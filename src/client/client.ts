import { MAX_CONNS, MAX_REQS, MPXS_CONNS, Role } from '../protocol/index.js';
import type { FastCGIRole } from '../types.js';
import { FastCGIConnectionError, FastCGITimeoutError } from './client-errors.js';
import type { BodySource, Completion } from './exchange.js';
import { buildParams, type ParamsOptions } from './params.js';
import { ConnectionPool, type PoolStats } from './pool.js';
import type { Connector } from './connector-types.js';

/** Options of a client; the routing ones ({@link ParamsOptions}) shape every request's params. */
export interface ClientOptions extends ParamsOptions {
  /** Resolves relative URLs given to `fetch`; default `http://localhost/`. */
  baseUrl?: string | URL;
  /** CGI params added to (or, with `undefined`, removed from) every request. */
  params?: Readonly<Record<string, string | undefined>>;
  /** Default `'responder'`. */
  role?: FastCGIRole;
  /** Reuse connections (FCGI_KEEP_CONN); default true. */
  keepConn?: boolean;
  /**
   * Several requests per connection: `'auto'` (default) asks the application once with
   * GET_VALUES (FCGI_MPXS_CONNS); `true` assumes it can, `false` never multiplexes.
   */
  multiplex?: boolean | 'auto';
  /** Most connections open at once; further requests wait. Default 8. */
  maxConnections?: number;
  /** Most requests at once on one multiplexed connection; default 100 (or the app's FCGI_MAX_REQS). */
  maxRequestsPerConnection?: number;
  /** Milliseconds to connect (and to answer the GET_VALUES probe); default 10 000. */
  connectTimeout?: number;
  /** Milliseconds from sending a request to its response head; default 60 000. 0 = none. */
  timeout?: number;
  /** Milliseconds an unused keep-conn connection stays open; default 10 000. */
  idleTimeout?: number;
  /**
   * Read a request body of unknown length whole before sending it, to send CONTENT_LENGTH (as
   * nginx does, and as PHP needs). Default true; false streams it with no CONTENT_LENGTH.
   */
  requestBuffering?: boolean;
  /** Most content bytes per record the client writes (1–65535). Small values split pairs across records. */
  recordSize?: number;
  /** Largest CGI response head accepted; default 64 KiB. */
  maxHeadSize?: number;
  /** Unread response-body bytes buffered before the connection stops reading; default 64 KiB. */
  bodyHighWaterMark?: number;
  /** Each line the application writes to FCGI_STDERR. */
  onStderr?(line: string, request: Request): void;
}

/** `RequestInit` plus the FastCGI side of one request. */
export interface ClientRequestInit extends RequestInit {
  /** CGI params for this request; `undefined` removes a default one. */
  params?: Readonly<Record<string, string | undefined>>;
  role?: FastCGIRole;
  /** Filter role: the file to filter, sent as the FCGI_DATA stream. */
  data?: Uint8Array | string | ReadableStream<Uint8Array>;
  timeout?: number;
  requestBuffering?: boolean;
  /** Each FCGI_STDERR line of this request. */
  onStderr?(line: string): void;
}

/** A response and, when the request has ended, its exit status and STDERR lines. */
export interface FastCGIResult {
  /** What the web server would send on: status, headers, and a body streamed from STDOUT. */
  readonly response: Response;
  /**
   * Resolves at END_REQUEST, i.e. once the body has been read (an unread body stops the
   * connection); rejects if the request fails or is aborted first.
   */
  readonly completed: Promise<Completion>;
}

/** A FastCGI client: speaks to an application the way a web server does. */
export interface FastCGIClient {
  /** Sends a request; resolves when the response head has arrived. */
  fetch(input: Request | string | URL, init?: ClientRequestInit): Promise<Response>;
  /** Like `fetch`, also giving the request's completion (appStatus, STDERR lines). */
  request(input: Request | string | URL, init?: ClientRequestInit): Promise<FastCGIResult>;
  /** Asks the application's FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS (or `names`) on a fresh connection. */
  getValues(names?: readonly string[]): Promise<Record<string, string>>;
  /** Takes no new requests and closes each connection once its requests end; `force` closes now. */
  close(options?: { force?: boolean }): Promise<void>;
  /** Connection and request counts, e.g. to check multiplexing. */
  readonly stats: PoolStats;
}

export type { Completion, PoolStats };

const ROLE_CODES: Record<FastCGIRole, number> = {
  responder: Role.RESPONDER,
  authorizer: Role.AUTHORIZER,
  filter: Role.FILTER,
};

const utf8 = new TextEncoder();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toRequest(input: Request | string | URL, init: ClientRequestInit | undefined, baseUrl: string | URL): Request {
  const options: RequestInit & { duplex?: 'half' } = { ...init };
  if (init?.body instanceof ReadableStream) options.duplex = 'half';
  if (input instanceof Request) return init === undefined ? input : new Request(input, options);
  return new Request(new URL(input, baseUrl), options);
}

/** A client over any transport: `createClient` gives it sockets, `createTestClient` an in-memory pipe. */
export function createClientOver(connector: Connector, options: ClientOptions = {}): FastCGIClient {
  const keepConn = options.keepConn ?? true;
  const pool = new ConnectionPool(connector, {
    keepConn,
    multiplex: options.multiplex ?? 'auto',
    maxConnections: options.maxConnections ?? 8,
    maxRequestsPerConnection: options.maxRequestsPerConnection ?? 100,
    connectTimeout: options.connectTimeout ?? 10_000,
    idleTimeout: options.idleTimeout ?? 10_000,
  });
  const recordSize = Math.min(Math.max(1, options.recordSize ?? 0xffff), 0xffff);
  const baseUrl = options.baseUrl ?? 'http://localhost/';

  async function request(input: Request | string | URL, init?: ClientRequestInit): Promise<FastCGIResult> {
    const req = toRequest(input, init, baseUrl);
    const role = init?.role ?? options.role ?? 'responder';
    const buffering = init?.requestBuffering ?? options.requestBuffering ?? true;

    let body: BodySource = null;
    let contentLength: number | undefined;
    const declared = req.headers.get('content-length');
    if (role !== 'authorizer' && req.body !== null) {
      if (declared !== null && /^\d+$/.test(declared)) {
        body = req.body;
        contentLength = Number(declared);
      } else if (buffering) {
        body = await readAll(req.body);
        contentLength = body.length;
      } else body = req.body;
    }

    let data: BodySource = null;
    const dataParams: Record<string, string> = {};
    if (role === 'filter') {
      const given = init?.data ?? new Uint8Array(0);
      data = typeof given === 'string' ? utf8.encode(given) : given instanceof ReadableStream && buffering ? await readAll(given) : given;
      if (data instanceof Uint8Array) dataParams.FCGI_DATA_LENGTH = String(data.length);
      dataParams.FCGI_DATA_LAST_MOD = '0';
    }

    const params = buildParams(req, contentLength, role === 'authorizer', options, {
      ...dataParams,
      ...options.params,
      ...init?.params,
    });
    const onStderr = init?.onStderr ?? (options.onStderr ? (line: string) => options.onStderr?.(line, req) : undefined);
    const replayable = !(body instanceof ReadableStream) && !(data instanceof ReadableStream);

    for (let attempt = 0; ; attempt++) {
      const connection = await pool.acquire(req.signal);
      const exchange = connection.begin({
        role: ROLE_CODES[role],
        keepConn,
        params,
        body,
        data,
        isHead: req.method === 'HEAD',
        signal: req.signal,
        timeout: init?.timeout ?? options.timeout ?? 60_000,
        maxHeadSize: options.maxHeadSize ?? 64 * 1024,
        recordSize,
        bodyHighWaterMark: options.bodyHighWaterMark ?? 64 * 1024,
        onStderr,
      });
      try {
        return { response: await exchange.response, completed: exchange.completed };
      } catch (error) {
        // A kept-alive connection the application closed meanwhile: nothing ran, try a fresh one.
        const stale = error instanceof FastCGIConnectionError && exchange.untouched && connection.served > 1;
        if (attempt === 0 && stale && replayable) continue;
        throw error;
      }
    }
  }

  return {
    request,
    async fetch(input, init) {
      return (await request(input, init)).response;
    },
    async getValues(names = [MAX_CONNS, MAX_REQS, MPXS_CONNS]) {
      const connection = await pool.openDetached();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = options.connectTimeout ?? 10_000;
      try {
        const values = await Promise.race([
          connection.getValues(names),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new FastCGITimeoutError(`no GET_VALUES_RESULT within ${timeout} ms`)), timeout);
          }),
        ]);
        if (values === undefined) throw new FastCGIConnectionError('the connection closed before GET_VALUES_RESULT');
        return values;
      } finally {
        clearTimeout(timer);
        connection.end();
      }
    },
    close(closeOptions) {
      return pool.close(closeOptions?.force ?? false);
    },
    get stats() {
      return pool.stats;
    },
  };
}
