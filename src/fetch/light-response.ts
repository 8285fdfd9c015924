/**
 * A `Response` that keeps a string or byte body, its status and a checked copy of its headers,
 * and builds the platform Response only when something needs the body as a stream. The writer
 * then sends `new Response('text')` in one write without a ReadableStream ever being made.
 *
 * It behaves as the platform's `Response` does: the same conversions and errors at
 * construction, the same copies (init headers, byte bodies), the same members in the same
 * order. Whatever is not a string, bytes or null body with plainly valid init goes to the
 * platform's constructor at once (the "handover"), so rare cases are the platform's by
 * definition. Installed as the global `Response` by `installFastGlobals()`.
 */
import { isNullBodyStatus } from '../http/null-body-status.js';
import { askPlatform } from './ask-platform.js';
import type { CheckedHeaders } from './encode-cgi-head.js';
import { copyHeaderInit } from './header-init.js';
import { exactPairs, findResponseSlots, followHeaders, markUncloneable } from './platform-slots.js';

/** Where an installed light Response keeps the platform's; a second copy of this module finds it. */
const NATIVE = Symbol.for('fastcgi-fetch.native-response');

export const NativeResponse: typeof Response = (globalThis.Response as unknown as Record<symbol, typeof Response | undefined>)[NATIVE] ?? globalThis.Response;

// Versioned: a copy of this package with another state layout must not read this one's.
const STATE = Symbol.for('fastcgi-fetch.light-response@2');
const slots = findResponseSlots(NativeResponse);

/** Asks the platform's Response: the runtimes differ (Bun lists no type for a string body). */
function platformType(make: () => Response): string | null {
  return askPlatform(() => make().headers.get('content-type'), null);
}
/**
 * Whether `new Headers(headers)` copies as the platform's Response copies its init headers:
 * Deno's Headers copy trims a value combined with an empty one ("x, " to "x,"), its Response
 * keeps it; there the copy goes through the exact pairs.
 */
const copiesHeadersAsResponse = askPlatform(() => {
  const combined = new Headers([
    ['a', 'x'],
    ['a', ''],
  ]);
  return new Headers(combined).get('a') === new NativeResponse(null, { headers: combined }).headers.get('a');
}, true);

/** The content type a string body brings, or null where the platform lists none (Bun). */
const TEXT_TYPE = platformType(() => new NativeResponse(''));
/** The content type `Response.json()` brings (Bun adds a charset). */
const JSON_TYPE = platformType(() => NativeResponse.json(0)) ?? 'application/json';
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const utf8 = new TextEncoder();

type HeaderPairs = Array<[string, string]>;

/** The platform's Response type (inside the class below, `Response` names the class). */
type WebResponse = Response;

class LightState {
  /** The response's Headers (the platform's, once built); null until needed. */
  headers: Headers | null = null;
  /** `headers` was handed out: it stays the response's, whatever is built later. */
  shared = false;
  /** The platform Response: the handover, or built from this state when the body is needed. */
  real: Response | null = null;

  constructor(
    readonly status: number,
    readonly statusText: string,
    /** The init headers, checked and copied; null for none. */
    readonly headerList: CheckedHeaders | null,
    readonly body: string | Uint8Array | null,
    /** The content type the body brings when the headers have none. */
    readonly bodyType: string | null,
  ) {}
}

/** What the writer needs to send a light response without a stream. */
export interface PlainBody {
  status: number;
  statusText: string;
  /** A Headers object, or the headers checked when the response was made. */
  headers: Headers | CheckedHeaders | undefined;
  /** Added when the headers have no content-type. */
  defaultContentType: string | undefined;
  body: string | Uint8Array | null;
}

function isPlainBytes(body: Uint8Array): boolean {
  const buffer = body.buffer;
  return buffer instanceof ArrayBuffer && !(buffer as ArrayBuffer & { resizable?: boolean }).resizable;
}

/** The platform's Response for what the fast path does not take: its errors, its copies. */
function handover(body: unknown, init: unknown, bodyType: string | null): LightState {
  let real: Response;
  if (bodyType === JSON_TYPE) {
    // As Response.json: UTF-8 bytes, and the JSON type unless the init names one.
    real = new NativeResponse(utf8.encode(body as string), init as ResponseInit);
    if (!real.headers.has('content-type')) real.headers.append('content-type', JSON_TYPE);
  } else {
    real = new NativeResponse(body as BodyInit, init as ResponseInit);
  }
  const state = new LightState(real.status, real.statusText, null, null, null);
  // Its headers are read when asked for, as the platform's: Bun lists a body's type only
  // when they are read before the body.
  state.real = real;
  return state;
}

/** The state of `new Response(body, init)` (`bodyType`: the type a string body brings). */
function createState(body: unknown, init: unknown, bodyType: string | null): LightState {
  // The platform converts the body before it reads the init, so the order of errors is kept.
  if (!(body === null || typeof body === 'string' || (body instanceof Uint8Array && isPlainBytes(body)))) {
    return handover(body, init, bodyType);
  }
  let status = 200;
  let statusText = '';
  let headerList: CheckedHeaders | null = null;
  let headers: Headers | null = null;
  if (init !== undefined && init !== null) {
    if (typeof init !== 'object' && typeof init !== 'function') return handover(body, init, bodyType);
    // Each member read once, in the platform's order; a handover gets the values read.
    const given = init as ResponseInit;
    const rawStatus: unknown = given.status;
    const rawText: unknown = given.statusText;
    const rawHeaders: unknown = given.headers;
    if (rawStatus !== undefined) {
      if (typeof rawStatus !== 'number' || !Number.isInteger(rawStatus) || rawStatus < 200 || rawStatus > 599) {
        return handover(body, { status: rawStatus, statusText: rawText, headers: rawHeaders }, bodyType);
      }
      status = rawStatus;
    }
    if (rawText !== undefined) {
      if (typeof rawText !== 'string' || !REASON_PHRASE.test(rawText)) {
        return handover(body, { status: rawStatus, statusText: rawText, headers: rawHeaders }, bodyType);
      }
      statusText = rawText;
    }
    if (body !== null && isNullBodyStatus(status)) {
      return handover(body, { status: rawStatus, statusText: rawText, headers: rawHeaders }, bodyType);
    }
    if (rawHeaders !== undefined) {
      const proto: unknown = typeof rawHeaders === 'object' && rawHeaders !== null ? Object.getPrototypeOf(rawHeaders) : undefined;
      if (proto === Headers.prototype) {
        // Copied as the platform copies it (names keep their case, which util.inspect shows).
        headers = copiesHeadersAsResponse ? new Headers(rawHeaders as Headers) : new Headers(exactPairs(rawHeaders as Headers));
      } else {
        const copied = proto !== undefined ? copyHeaderInit(rawHeaders as object, proto) : undefined;
        if (copied === undefined) return handover(body, { status: rawStatus, statusText: rawText, headers: rawHeaders }, bodyType);
        headerList = copied;
      }
    }
  }
  const type = typeof body === 'string' ? bodyType : null;
  // The platform copies a byte body: later changes to the caller's array do not reach it.
  const kept = body instanceof Uint8Array ? new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) : body;
  const state = new LightState(status, statusText, headerList, kept, type);
  if (headers !== null) {
    if (type !== null && !headers.has('content-type')) headers.append('content-type', type);
    state.headers = headers;
  }
  return state;
}

function headersOf(state: LightState): Headers {
  let headers = state.headers;
  if (headers === null && state.real !== null) headers = state.headers = state.real.headers;
  if (headers === null) {
    headers = new Headers();
    const list = state.headerList?.list;
    if (list !== undefined) for (let i = 0; i < list.length; i += 2) headers.append(list[i]!, list[i + 1]!);
    if (state.bodyType !== null && !headers.has('content-type')) headers.append('content-type', state.bodyType);
    state.headers = headers;
  }
  return headers;
}

/** The headers as the user may see and change them: from now on they stay the response's. */
function sharedHeaders(state: LightState): Headers {
  state.shared = true;
  return headersOf(state);
}

/** A copy of `headers` as the platform's clone() makes it (names keep their case where it can). */
function cloneHeaders(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const [name, value] of headers) {
    if (name !== 'set-cookie' && value.endsWith(', ')) {
      copy.delete(name);
      copy.append(name, value.slice(0, -2));
      copy.append(name, '');
    }
  }
  return copy;
}

/** The init headers with the type the body brings, for the platform's constructor. */
function initHeaders(state: LightState): Headers | HeaderPairs {
  if (state.headers !== null) return state.headers;
  const flat = state.headerList?.list ?? [];
  const pairs: HeaderPairs = [];
  let typed = false;
  for (let i = 0; i < flat.length; i += 2) {
    pairs.push([flat[i]!, flat[i + 1]!]);
    if (flat[i]!.toLowerCase() === 'content-type') typed = true;
  }
  // A string body brings text/plain in the platform's constructor too; Response.json's type does not.
  if (!typed && state.bodyType !== null && state.bodyType !== TEXT_TYPE) pairs.push(['content-type', state.bodyType]);
  return pairs;
}

/** The platform Response behind a light one, built from its state on first need. */
function realOf(state: LightState): Response {
  let real = state.real;
  if (real === null) {
    const init = { status: state.status, statusText: state.statusText };
    if (!state.shared) {
      // Built from what the light response was made of: its Headers can then be the platform's.
      real = new NativeResponse(state.body as BodyInit | null, { ...init, headers: initHeaders(state) });
      state.headers = real.headers;
    } else {
      real = new NativeResponse(state.body as BodyInit | null, { ...init, headers: exactPairs(state.headers!) });
      if (slots !== undefined) followHeaders((real as unknown as Record<symbol, object>)[slots.state]!, state.headers!, slots, NativeResponse);
    }
    state.real = real;
  }
  return real;
}

type Light = { [STATE]?: LightState };

function stateOf(value: unknown): LightState | undefined {
  return typeof value === 'object' && value !== null ? (value as Light)[STATE] : undefined;
}

function fromState(state: LightState): Response {
  const response = Object.create(LightResponse.prototype) as Light;
  response[STATE] = state;
  markUncloneable(response);
  return response as unknown as Response;
}

const nativeMember = (name: string) => Object.getOwnPropertyDescriptor(NativeResponse.prototype, name);
const nativeGetter = (name: string) => nativeMember(name)!.get!;
const nativeStatus = nativeGetter('status');
const nativeOk = nativeGetter('ok');
const nativeStatusText = nativeGetter('statusText');
const nativeHeaders = nativeGetter('headers');
const nativeBodyUsed = nativeGetter('bodyUsed');
const nativeType = nativeGetter('type');
const nativeUrl = nativeGetter('url');
const nativeRedirected = nativeGetter('redirected');
const nativeClone = nativeMember('clone')!.value as (this: Response) => Response;

// Named Response (its `name`); exported as LightResponse.
const LightResponse = class Response {
  declare [STATE]: LightState;

  constructor(body: BodyInit | null = null, init: ResponseInit | undefined = undefined) {
    markUncloneable(this);
    this[STATE] = createState(body, init, TEXT_TYPE);
  }

  // Each member answers a platform Response too (`get.call(await fetch(url))`), as the platform's does.
  get type(): ResponseType {
    const state = stateOf(this);
    if (state === undefined) return nativeType.call(this) as ResponseType;
    return state.real === null ? 'default' : state.real.type;
  }

  get url(): string {
    const state = stateOf(this);
    if (state === undefined) return nativeUrl.call(this) as string;
    return state.real === null ? '' : state.real.url;
  }

  get redirected(): boolean {
    const state = stateOf(this);
    if (state === undefined) return nativeRedirected.call(this) as boolean;
    return state.real === null ? false : state.real.redirected;
  }

  get status(): number {
    const state = stateOf(this);
    return state === undefined ? (nativeStatus.call(this) as number) : state.status;
  }

  get ok(): boolean {
    const state = stateOf(this);
    if (state === undefined) return nativeOk.call(this) as boolean;
    return state.status >= 200 && state.status <= 299;
  }

  get statusText(): string {
    const state = stateOf(this);
    return state === undefined ? (nativeStatusText.call(this) as string) : state.statusText;
  }

  get headers(): Headers {
    const state = stateOf(this);
    return state === undefined ? (nativeHeaders.call(this) as Headers) : sharedHeaders(state);
  }

  get bodyUsed(): boolean {
    const state = stateOf(this);
    if (state === undefined) return nativeBodyUsed.call(this) as boolean;
    return state.real === null ? false : state.real.bodyUsed;
  }

  clone(): WebResponse {
    const state = stateOf(this);
    if (state === undefined) return nativeClone.call(this as unknown as WebResponse);
    const real = state.real;
    if (real === null) {
      // String and byte bodies are never changed in place: the copy shares them.
      const copy = new LightState(state.status, state.statusText, state.headerList, state.body, state.bodyType);
      if (state.headers !== null) copy.headers = cloneHeaders(state.headers);
      return fromState(copy);
    }
    const realCopy = real.clone();
    const copy = new LightState(state.status, state.statusText, null, null, null);
    copy.real = realCopy;
    if (state.headers === real.headers) copy.headers = realCopy.headers;
    else if (state.headers !== null) {
      copy.headers = cloneHeaders(state.headers);
      copy.shared = true;
      if (slots !== undefined) followHeaders((realCopy as unknown as Record<symbol, object>)[slots.state]!, copy.headers, slots, NativeResponse);
    }
    return fromState(copy);
  }

  static error(): WebResponse {
    return NativeResponse.error();
  }

  static json(data: unknown, init: ResponseInit | undefined = undefined): WebResponse {
    // No data, or an init that is not an object: the runtimes differ (Node throws, Bun answers),
    // so the platform answers.
    // biome-ignore lint/complexity/noArguments: the platform tells a missing argument from undefined
    const given = arguments.length;
    if (given === 0) return (NativeResponse.json as () => WebResponse)();
    if (init !== undefined && (init === null || typeof init !== 'object')) return NativeResponse.json(data, init);
    const text = JSON.stringify(data) as string | undefined;
    if (text === undefined) throw new TypeError('Value is not JSON serializable');
    return fromState(createState(text, init, JSON_TYPE));
  }

  static redirect(url: string | URL, status = 302): WebResponse {
    // Forwarded as called, so a missing argument is the platform's error.
    void url;
    void status;
    // biome-ignore lint/complexity/noArguments: forwarded as called (see above)
    return Reflect.apply(NativeResponse.redirect, NativeResponse, arguments) as WebResponse;
  }
};

/** A member the light class leaves to the platform: called on the platform Response behind it. */
function forwarder(name: string, descriptor: PropertyDescriptor): PropertyDescriptor {
  if (typeof descriptor.value === 'function') {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    const value = {
      [name](this: unknown, ...args: unknown[]): unknown {
        const state = stateOf(this);
        return method.apply(state === undefined ? this : realOf(state), args);
      },
    }[name]!;
    return { ...descriptor, value };
  }
  if (descriptor.get === undefined) return descriptor;
  const get = descriptor.get;
  const named = {
    get [name](): unknown {
      const state = stateOf(this);
      return get.call(state === undefined ? this : realOf(state));
    },
  };
  return { ...descriptor, get: Object.getOwnPropertyDescriptor(named, name)!.get };
}

/**
 * Gives `mine` the `length` and `name` of the platform's function: Bun's clone() declares one
 * argument, Deno's getters are all named "get".
 */
function sameShape(mine: unknown, native: unknown): void {
  if (typeof mine !== 'function' || typeof native !== 'function') return;
  if (mine.length !== native.length) Object.defineProperty(mine, 'length', { value: native.length });
  if (mine.name !== native.name) Object.defineProperty(mine, 'name', { value: native.name });
}

// The members in the platform's order and with its attributes: the light ones defined above,
// and everything else (body, text(), json(), arrayBuffer(), blob(), formData(), bytes()...)
// forwarded to the platform's.
const own = Object.getOwnPropertyDescriptors(LightResponse.prototype) as Record<string, PropertyDescriptor>;
for (const name of Object.keys(own)) delete (LightResponse.prototype as unknown as Record<string, unknown>)[name];
for (const name of Object.getOwnPropertyNames(NativeResponse.prototype)) {
  const native = nativeMember(name)!;
  const attributes = { enumerable: native.enumerable, configurable: native.configurable };
  const mine = own[name];
  const descriptor = mine === undefined ? forwarder(name, native) : { ...mine, ...attributes };
  if ('value' in descriptor && 'writable' in native) descriptor.writable = native.writable;
  sameShape(descriptor.value ?? descriptor.get, native.value ?? native.get);
  Object.defineProperty(LightResponse.prototype, name, descriptor);
}

const STATICS: readonly PropertyKey[] = ['error', 'json', 'redirect'];
// In the platform's order (Deno's is error, redirect, json).
for (const name of Reflect.ownKeys(NativeResponse).filter((key) => STATICS.includes(key)) as Array<'error' | 'json' | 'redirect'>) {
  const own = Object.getOwnPropertyDescriptor(LightResponse, name)!;
  const native = Object.getOwnPropertyDescriptor(NativeResponse, name);
  delete (LightResponse as unknown as Record<string, unknown>)[name];
  // With the platform's attributes and length (Bun's are not configurable, its json() has length 0).
  const { enumerable = true, configurable = true, writable = true } = native ?? {};
  sameShape(own.value, native?.value);
  Object.defineProperty(LightResponse, name, { value: own.value, enumerable, configurable, writable });
}

Object.defineProperty(LightResponse, NATIVE, { value: NativeResponse });
Object.defineProperty(LightResponse, Symbol.hasInstance, {
  /**
   * Light and platform responses are `Response`s, also through a Proxy of the class (msw wraps
   * the global one); a subclass (its own `prototype`) has only its own instances.
   */
  value: function hasInstance(this: { prototype?: unknown }, value: unknown): boolean {
    if (this !== LightResponse && this.prototype !== LightResponse.prototype) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(NativeResponse.prototype, value);
  },
});
// A light response passes the platform's brand checks and `instanceof` a captured platform class.
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype);

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
if (!(INSPECT in NativeResponse.prototype)) {
  // Bun and Deno print their own Response natively, and a light one by its own properties
  // (the state): `util.inspect` shows the platform Response it stands for instead.
  Object.defineProperty(LightResponse.prototype, INSPECT, {
    value(this: unknown): unknown {
      const state = stateOf(this);
      if (state === undefined) return this;
      // Returned to the printer, which prints it as the platform's.
      return (
        state.real ??
        new NativeResponse(state.body as BodyInit | null, { status: state.status, statusText: state.statusText, headers: exactPairs(headersOf(state)) })
      );
    },
    configurable: true,
    writable: true,
  });
}

if (slots !== undefined) {
  // undici 6: the platform's own functions, handed a light response, read these.
  Object.defineProperty(LightResponse.prototype, slots.state, {
    get(this: Light) {
      const state = this[STATE];
      return state === undefined ? undefined : (realOf(state) as unknown as Record<symbol, unknown>)[slots.state];
    },
    configurable: true,
  });
  Object.defineProperty(LightResponse.prototype, slots.headers, {
    get(this: Light) {
      const state = this[STATE];
      return state === undefined ? undefined : sharedHeaders(state);
    },
    configurable: true,
  });
}

export { LightResponse };
/** A light response's type (its class is named `Response`, as the global it replaces). */
export type LightResponse = InstanceType<typeof LightResponse>;

/** True for a response made by this module (not a platform one). */
export function isLightResponse(value: unknown): value is Response {
  return stateOf(value) !== undefined;
}

/**
 * What the writer needs to send a response without a stream, or undefined when the response
 * has (or needs) a real body stream.
 */
export function plainBody(response: Response): PlainBody | undefined {
  const state = (response as unknown as Light)[STATE];
  if (state === undefined || state.real !== null) return undefined;
  const headers = state.headers;
  return {
    status: state.status,
    statusText: state.statusText,
    headers: headers ?? state.headerList ?? undefined,
    defaultContentType: headers === null && state.bodyType !== null ? state.bodyType : undefined,
    body: state.body,
  };
}
