import type { EngineRequest } from '../engine/engine-request.js';
import type { ExecutionContext, FastCGIContext } from '../types.js';
import { isHttps, paramText } from './cgi-request.js';

const utf8 = new TextDecoder();

function toPort(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  return Number.isInteger(port) ? port : undefined;
}

/** Every param as UTF-8 text; repeated names joined with ", ". */
function decodeParams(request: EngineRequest): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of request.params) {
    const text = utf8.decode(value);
    params[name] = name in params ? `${params[name]}, ${text}` : text;
  }
  return params;
}

/**
 * The request behind a context. A symbol, enumerable: a framework that copies the context's own
 * properties onto a new object (@whatwg-node/server) copies it too.
 */
const REQUEST = Symbol('fastcgi-fetch.request');
/** The context itself: lazily made members are cached there even when read through a copy. */
const HOME = Symbol('fastcgi-fetch.context');
const PARAMS = Symbol('fastcgi-fetch.params');
const DATA = Symbol('fastcgi-fetch.data');
const PROPS = Symbol('fastcgi-fetch.props');

/**
 * Gives `context` an own `name` that hides the prototype getter: a framework that writes into
 * the context it was handed (GraphQL Yoga assigns `params` and `request`) works as it does on a
 * plain object.
 */
function shadow(context: object, name: string, value: unknown): void {
  Object.defineProperty(context, name, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * The handler's second (and third) argument. Members read from params are prototype getters:
 * an object literal with getters would cost more than the rest of the request's setup (V8
 * makes new closures and defines each accessor at run time). Plain members are own properties.
 * No private fields: a framework may call the getters on an object derived from this one.
 */
class RequestContext implements FastCGIContext, ExecutionContext {
  readonly role: FastCGIContext['role'];
  readonly requestId: number;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly [REQUEST]: EngineRequest;
  readonly [HOME]: RequestContext;
  [PARAMS]: Record<string, string> | undefined;
  [DATA]: ReadableStream<Uint8Array> | null | undefined;
  [PROPS]: Record<string, unknown> | undefined;

  constructor(request: EngineRequest, waitUntil: (promise: Promise<unknown>) => void) {
    this.role = request.role;
    this.requestId = request.id;
    this.waitUntil = waitUntil;
    this[REQUEST] = request;
    this[HOME] = this;
    this[PARAMS] = undefined;
    this[DATA] = undefined;
    this[PROPS] = undefined;
  }

  get params(): Record<string, string> {
    const home = this[HOME];
    return (home[PARAMS] ??= decodeParams(home[REQUEST]));
  }

  set params(value: Record<string, string>) {
    shadow(this, 'params', value);
  }

  get remoteAddress(): string | undefined {
    return paramText(this[REQUEST].params, 'REMOTE_ADDR');
  }

  set remoteAddress(value: string | undefined) {
    shadow(this, 'remoteAddress', value);
  }

  get remotePort(): number | undefined {
    return toPort(paramText(this[REQUEST].params, 'REMOTE_PORT'));
  }

  set remotePort(value: number | undefined) {
    shadow(this, 'remotePort', value);
  }

  get serverName(): string | undefined {
    return paramText(this[REQUEST].params, 'SERVER_NAME');
  }

  set serverName(value: string | undefined) {
    shadow(this, 'serverName', value);
  }

  get serverPort(): number | undefined {
    return toPort(paramText(this[REQUEST].params, 'SERVER_PORT'));
  }

  set serverPort(value: number | undefined) {
    shadow(this, 'serverPort', value);
  }

  get https(): boolean {
    return isHttps(this[REQUEST].params);
  }

  set https(value: boolean) {
    shadow(this, 'https', value);
  }

  get data(): ReadableStream<Uint8Array> | null {
    const home = this[HOME];
    if (home[DATA] === undefined) home[DATA] = home[REQUEST].data?.open() ?? null;
    return home[DATA];
  }

  set data(value: ReadableStream<Uint8Array> | null) {
    shadow(this, 'data', value);
  }

  get props(): Record<string, unknown> {
    const home = this[HOME];
    return (home[PROPS] ??= {});
  }

  set props(value: Record<string, unknown>) {
    shadow(this, 'props', value);
  }

  log(message: string): void {
    this[REQUEST].log(message);
  }

  passThroughOnException(): void {}
}

/** The context for one request (see {@link RequestContext}). */
export function createContext(request: EngineRequest, waitUntil: (promise: Promise<unknown>) => void): FastCGIContext & ExecutionContext {
  return new RequestContext(request, waitUntil);
}
