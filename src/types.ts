/** The FastCGI role of a request (spec §6). */
export type FastCGIRole = 'responder' | 'authorizer' | 'filter';

/**
 * What the handler gets as its second argument (Hono exposes it as `c.env`, itty-router as an
 * extra argument). Describes the FastCGI request behind the `Request`.
 */
export interface FastCGIContext {
  /** Every CGI parameter the web server sent, decoded as UTF-8; repeated names joined with ", ". */
  readonly params: Readonly<Record<string, string>>;
  readonly role: FastCGIRole;
  /** The FastCGI request id (1 with every mainstream web server but HAProxy). */
  readonly requestId: number;
  /** REMOTE_ADDR: the browser's address as the web server saw it. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly serverName: string | undefined;
  readonly serverPort: number | undefined;
  /** True when the browser used HTTPS (REQUEST_SCHEME=https or HTTPS=on/1). */
  readonly https: boolean;
  /** Filter role only: the file to filter (the FCGI_DATA stream); `null` otherwise. */
  readonly data: ReadableStream<Uint8Array> | null;
  /** Writes one line to this request's FCGI_STDERR: the web server's error log. */
  log(message: string): void;
  /** Keeps work going after the response; `close()` waits for it. */
  waitUntil(promise: Promise<unknown>): void;
}

/** The third handler argument, shaped like a Workers `ExecutionContext` (Hono's `c.executionCtx`). */
export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  /** Does nothing: there is no origin to fall back to. Present so Workers-style code runs. */
  passThroughOnException(): void;
  readonly props: Record<string, unknown>;
}

/** A fetch handler, as Workers, Bun, Deno and @whatwg-node/server write them. */
export interface FetchHandler<TContext = FastCGIContext> {
  (request: Request, context: TContext, executionContext: ExecutionContext): Response | Promise<Response>;
}

/** Anything with a `fetch` method: a Hono app, an itty router, `export default { fetch }`. */
export interface FetchApp<TContext = FastCGIContext> {
  fetch(request: Request, context: TContext, executionContext: ExecutionContext): Response | Promise<Response>;
}

/** Either shape `serve()` accepts. */
export type App = FetchHandler | FetchApp;

/**
 * Turns a failure into a response. `request` is undefined for connection-level errors (a
 * protocol violation), where the return value is ignored.
 */
export interface ErrorHandler {
  (error: unknown, request: Request | undefined): Response | void | Promise<Response | void>;
}

/**
 * The @whatwg-node/server handler shape: the server context (here the FastCGI context) merged
 * with `waitUntil`. Apps built with `createServerAdapter` have a `fetch(request, context)` and
 * run unchanged.
 */
export interface ServerAdapterRequestHandler<TContext = FastCGIContext> {
  (request: Request, context: TContext & { waitUntil(promise: Promise<unknown>): void }): Response | Promise<Response>;
}
