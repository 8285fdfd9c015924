import { BodyIncompleteError, BodyTimeoutError, BodyTooLargeError } from '../engine/input-stream.js';
import type { EngineRequest } from '../engine/engine-request.js';
import { isToken } from '../http/is-token.js';
import type { ErrorHandler, FetchHandler } from '../types.js';
import { BadRequestError, paramText, requestHeaderPairs, requestHeaders, requestUrl, type ParamLookup } from './cgi-request.js';
import { createContext } from './context.js';
import { fastGlobalsInstalled, lightRequests } from './fast-globals.js';
import { LightRequest, NativeRequest, type LightRequestSource } from './light-request.js';
import { isLightResponse } from './light-response.js';
import { asResponse } from './response-like.js';
import { BodyStreamError, writePlainResponse, writeResponse } from './response-writer.js';

export interface RequestHandlerOptions {
  fetch: FetchHandler;
  onError?: ErrorHandler | undefined;
  /** Tracks work that outlives the response (`close()` waits for it). */
  waitUntil(promise: Promise<unknown>): void;
  /** Requests whose CONTENT_LENGTH says more are answered 413 without calling the handler. */
  maxBodySize: number;
  /** One line to the application's own stderr. */
  log(line: string): void;
  /**
   * Hand handlers light requests (where the platform accepts them, see `lightRequests()`)
   * rather than the platform's. Default: whether the fast globals are installed.
   */
  lightRequests?: boolean;
}

const NO_BODY_METHODS = new Set(['GET', 'HEAD']);
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** A CONTENT_LENGTH that is a length (Caddy sends -1 for a chunked body: unknown). */
const LENGTH = /^\d+$/;

/** The method as `new Request()` would make it, or a BadRequestError where it would throw. */
function requestMethod(params: ParamLookup): string {
  if (params.equals('REQUEST_METHOD', 'GET')) return 'GET';
  const method = params.text('REQUEST_METHOD');
  if (method === undefined || method === '') return 'GET';
  if (!isToken(method)) throw new BadRequestError(`invalid method ${JSON.stringify(method)}`);
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) throw new BadRequestError(`forbidden method ${method}`);
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** `error` is, or wraps (as a platform body read does), an error of class `type`. */
function isOrWraps(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  return error instanceof type || (error instanceof Error && error.cause instanceof type);
}

/** What a light Request reads from the FastCGI request: the rest is made when first asked for. */
class EngineRequestSource implements LightRequestSource {
  #body: ReadableStream<Uint8Array> | null | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    private readonly fcgi: EngineRequest,
    private readonly hasBody: boolean,
  ) {}

  headers(): Headers {
    return requestHeaders(this.fcgi.params);
  }

  headerPairs(): Array<[string, string]> {
    return requestHeaderPairs(this.fcgi.params);
  }

  body(): ReadableStream<Uint8Array> | null {
    return (this.#body ??= this.hasBody ? this.fcgi.stdin.open() : null);
  }

  signal(): AbortSignal {
    return this.fcgi.signal;
  }

  retain(value: object): void {
    this.fcgi.whenAborted(() => void value);
  }

  /** Cancels the body stream if it was opened. */
  cancelBody(): void {
    this.#body?.cancel().catch(() => {});
  }
}

/**
 * Builds the `Request` for a FastCGI request: a light one when `light`, else the platform's
 * at once, with the engine's signal (so its copies follow an abort too). Throws
 * BadRequestError for what cannot be a Request, BodyTooLargeError when CONTENT_LENGTH is over
 * the limit.
 */
function toRequest(fcgi: EngineRequest, get: ParamLookup, maxBodySize: number, light: boolean): Request {
  const method = requestMethod(get);
  const url = requestUrl(get);
  const contentLength = paramText(get, 'CONTENT_LENGTH');
  if (Number(contentLength || 0) > maxBodySize) throw new BodyTooLargeError(maxBodySize);
  const hasBody = fcgi.role !== 'authorizer' && !NO_BODY_METHODS.has(method) && contentLength !== '0';
  if (!hasBody) fcgi.stdin.discard();
  // The body is CONTENT_LENGTH bytes (RFC 3875 §4.2): none past it, and less is an error.
  else if (contentLength !== undefined && LENGTH.test(contentLength)) fcgi.stdin.setLength(Number(contentLength));
  const source = new EngineRequestSource(method, url, fcgi, hasBody);
  if (light) return new LightRequest(source) as unknown as Request;
  try {
    const request = new NativeRequest(url, {
      method,
      headers: source.headerPairs(),
      body: source.body(),
      duplex: 'half',
      signal: source.signal(),
    } as RequestInit);
    // undici follows the engine's signal through a weak reference: keep the Request (and its
    // controller) alive while the engine may still abort, or a handler holding only
    // request.signal would never see the abort.
    source.retain(request);
    return request;
  } catch (error) {
    source.cancelBody();
    throw new BadRequestError(`cannot build a Request: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Runs one FastCGI request through a fetch handler, start to END_REQUEST. Never rejects: every
 * failure ends as a response (400, 413, 500 or `onError`'s) or, once the head is out, a broken
 * response (EngineRequest.fail).
 * Returns undefined when it finished synchronously (a handler that returned a plain response at
 * once), which spares a promise per request on the hot path.
 */
export function handleRequest(fcgi: EngineRequest, options: RequestHandlerOptions): Promise<void> | undefined {
  const context = createContext(fcgi, options.waitUntil);
  let request: Request | undefined;
  let result: unknown;
  try {
    request = toRequest(fcgi, fcgi.params, options.maxBodySize, options.lightRequests ?? (fastGlobalsInstalled() && lightRequests()));
    result = options.fetch(request, context, context);
  } catch (error) {
    return answer(Promise.reject(error), request, fcgi, options);
  }
  if (isLightResponse(result) && !fcgi.done) {
    try {
      if (writePlainResponse(fcgi, result, request.method === 'HEAD')) return undefined;
    } catch (error) {
      // A head that cannot be written: a 500 (the light response checked its init already).
      return answer(Promise.reject(error), request, fcgi, options);
    }
  }
  return answer(result, request, fcgi, options);
}

/** The general path: awaits the handler's result, then streams it or the error's response. */
async function answer(result: unknown, request: Request | undefined, fcgi: EngineRequest, options: RequestHandlerOptions): Promise<void> {
  let response: Response;
  try {
    const resolved: unknown = await result;
    const asked = asResponse(resolved);
    if (asked === undefined) {
      throw new TypeError(`the handler returned ${resolved === null ? 'null' : typeof resolved}, not a Response (itty-router: add a catch-all route)`);
    }
    // Response.error() is a network error: there is nothing to send, so the request failed.
    if (asked.type === 'error') throw new TypeError('the handler returned Response.error(), a network error');
    response = asked;
  } catch (error) {
    if (fcgi.done) return;
    response = await errorResponse(error, request, fcgi, options);
  }
  if (fcgi.done) {
    response.body?.cancel().catch(() => {});
    return;
  }
  try {
    await writeResponse(fcgi, response, request?.method === 'HEAD');
  } catch (error) {
    if (fcgi.done) return;
    if (error instanceof BodyStreamError) {
      await failMidway(error, request, fcgi, options);
      return;
    }
    // The body failed before anything was sent: the client still gets a clean 500.
    const fallback = await errorResponse(error, request, fcgi, options);
    try {
      await writeResponse(fcgi, fallback, request?.method === 'HEAD');
    } catch (secondary) {
      if (secondary instanceof BodyStreamError) fcgi.fail();
      else fcgi.end([], 1);
    }
  }
}

/**
 * A body that broke after the head went out: the request fails as a broken response, the reason
 * going to the web server's log with it (EngineRequest.fail: the browser's transfer is cut
 * short rather than ended as complete); then `onError` hears of it.
 */
async function failMidway(error: BodyStreamError, request: Request | undefined, fcgi: EngineRequest, options: RequestHandlerOptions): Promise<void> {
  const message = describe(error);
  fcgi.fail(`fastcgi-fetch: request failed: ${message}`);
  await notify(error, message, request, options);
}

async function errorResponse(error: unknown, request: Request | undefined, fcgi: EngineRequest, options: RequestHandlerOptions): Promise<Response> {
  if (error instanceof BadRequestError) {
    fcgi.log(`fastcgi-fetch: 400 Bad Request: ${error.message}`);
    return plain(400, 'Bad Request\n');
  }
  if (isOrWraps(error, BodyTooLargeError)) return plain(413, 'Content Too Large\n');
  const incomplete = error instanceof BodyIncompleteError ? error : (error as Error | undefined)?.cause;
  if (incomplete instanceof BodyIncompleteError) {
    fcgi.log(`fastcgi-fetch: 400 Bad Request: ${incomplete.message}`);
    return plain(400, 'Bad Request\n');
  }
  if (isOrWraps(error, BodyTimeoutError)) {
    fcgi.log(`fastcgi-fetch: 408 Request Timeout: ${(error as Error).message}`);
    return plain(408, 'Request Timeout\n');
  }
  const custom = await report(error, request, fcgi, options);
  return custom ?? plain(500, 'Internal Server Error\n');
}

/** Sends a failure to FCGI_STDERR and `onError` (or the app's stderr when there is none). */
async function report(error: unknown, request: Request | undefined, fcgi: EngineRequest, options: RequestHandlerOptions): Promise<Response | undefined> {
  return notify(error, logToServer(error, fcgi), request, options);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Writes the failure to FCGI_STDERR (the web server's error log); returns its one-line message. */
function logToServer(error: unknown, fcgi: EngineRequest): string {
  const message = describe(error);
  fcgi.log(`fastcgi-fetch: request failed: ${message}`);
  return message;
}

/** Tells `onError`, or the app's stderr when there is none; returns `onError`'s response. */
async function notify(error: unknown, message: string, request: Request | undefined, options: RequestHandlerOptions): Promise<Response | undefined> {
  if (options.onError === undefined) {
    options.log(`fastcgi-fetch: ${request?.method ?? ''} ${request?.url ?? ''} failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
    return undefined;
  }
  try {
    const custom = await options.onError(error, request);
    const response = asResponse(custom);
    return response?.type === 'error' ? undefined : response;
  } catch (secondary) {
    options.log(`fastcgi-fetch: onError threw: ${String(secondary)}`);
    return undefined;
  }
}
