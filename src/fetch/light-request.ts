/**
 * A `Request` for a FastCGI request that answers method, url, headers and signal itself and
 * builds the platform Request (with its body stream) only when something needs more. Most
 * routers read only those four.
 *
 * Only where the platform's internals can be reached (undici 6: Node 20 and 22; Deno): the light
 * request answers the internal slots too, so every platform function handed one — `fetch`,
 * `new Request()`, `clone()` and the other prototype members, a `fetch` captured before
 * anything was installed — treats it as its own. Elsewhere handlers get the platform's Request.
 */
import { NativeResponse } from './light-response.js';
import {
  type DenoRequestSlots,
  exactPairs,
  findDenoRequestSlots,
  findRequestSlots,
  findResponseSlots,
  followHeaders,
  markUncloneable,
} from './platform-slots.js';

const NATIVE = Symbol.for('fastcgi-fetch.native-request');

export const NativeRequest: typeof Request = (globalThis.Request as unknown as Record<symbol, typeof Request | undefined>)[NATIVE] ?? globalThis.Request;

const STATE = Symbol.for('fastcgi-fetch.light-request@2');
const slots = findRequestSlots(NativeRequest);
const responseSlots = findResponseSlots(NativeResponse);
const denoSlots = slots === undefined ? findDenoRequestSlots(NativeRequest, globalThis.Headers) : undefined;

/** What a light request is made from; everything but `method` and `url` is built on demand. */
export interface LightRequestSource {
  readonly method: string;
  readonly url: string;
  headers(): Headers;
  /** The body stream (opened on first use), or null. */
  body(): ReadableStream<Uint8Array> | null;
  signal(): AbortSignal;
  /** Keeps `value` alive for as long as the request can still be aborted. */
  retain(value: object): void;
}

class LightState {
  headers: Headers | null = null;
  signal: AbortSignal | null = null;
  real: Request | null = null;
  constructor(readonly source: LightRequestSource) {}
}

type Light = { [STATE]?: LightState };

function headersOf(state: LightState): Headers {
  return (state.headers ??= state.source.headers());
}

/**
 * The request's own signal, made by the platform from the engine's as `new Request(url, {
 * signal })` makes it: the platform's `clone()` links copies only to a signal of its own making.
 */
function signalOf(state: LightState): AbortSignal {
  let signal = state.signal;
  if (signal === null) {
    const carrier = new NativeRequest(state.source.url, { signal: state.source.signal() });
    // undici follows the engine's signal through a weak reference to the carrier's controller:
    // a handler holding only the signal would otherwise never see the abort.
    state.source.retain(carrier);
    signal = state.signal = carrier.signal;
  }
  return signal;
}

/** The platform Request behind a light one (built once): the holder of its body and state. */
function realOf(state: LightState): Request {
  return (state.real ??= denoSlots !== undefined ? denoRealOf(state, denoSlots) : undiciRealOf(state));
}

/**
 * On undici the platform Request gets the headers as pairs; a Headers already handed out is
 * then followed by the platform request's state, so later changes reach its copies.
 */
function undiciRealOf(state: LightState): Request {
  const { source } = state;
  const handedOut = state.headers !== null;
  const real = new NativeRequest(source.url, {
    method: source.method,
    headers: exactPairs(headersOf(state)),
    body: source.body(),
    duplex: 'half',
  } as RequestInit);
  if (!handedOut) state.headers = real.headers;
  else followHeaders((real as unknown as Record<symbol, object>)[slots!.state]!, state.headers!, responseSlots!, NativeResponse);
  return real;
}

/**
 * On Deno the platform Request's inner request is given the light Headers' own list: a Deno
 * Request and its Headers share one list, changed in place, which `clone()`, `new Request()` and
 * `fetch()` copy from the inner request. No headers are passed to the constructor, so none are
 * converted twice.
 */
function denoRealOf(state: LightState, deno: DenoRequestSlots): Request {
  const { source } = state;
  const headers = headersOf(state);
  const real = new NativeRequest(source.url, { method: source.method, body: source.body(), duplex: 'half' } as RequestInit);
  const inner = (real as unknown as Record<symbol, { headerList: unknown }>)[deno.request]!;
  inner.headerList = (headers as unknown as Record<symbol, unknown>)[deno.headerList];
  return real;
}

export class LightRequest {
  declare [STATE]: LightState;

  constructor(source: LightRequestSource) {
    markUncloneable(this);
    this[STATE] = new LightState(source);
  }
}

const nativeMember = (name: string) => Object.getOwnPropertyDescriptor(NativeRequest.prototype, name)!;

/** Own fast members; each still answers a platform Request as the platform's member does. */
const fast: Record<string, (this: Light) => unknown> = {
  method(this: Light) {
    const state = this?.[STATE];
    return state === undefined ? nativeMember('method').get!.call(this) : state.source.method;
  },
  url(this: Light) {
    const state = this?.[STATE];
    return state === undefined ? nativeMember('url').get!.call(this) : state.source.url;
  },
  headers(this: Light) {
    const state = this?.[STATE];
    return state === undefined ? nativeMember('headers').get!.call(this) : headersOf(state);
  },
  signal(this: Light) {
    const state = this?.[STATE];
    return state === undefined ? nativeMember('signal').get!.call(this) : signalOf(state);
  },
};

// The members in the platform's order and with its attributes: the four above are light, the
// rest are the platform's own, which read the slots defined below.
for (const name of Object.getOwnPropertyNames(NativeRequest.prototype)) {
  const descriptor = nativeMember(name);
  const get = fast[name];
  if (name === 'constructor') Object.defineProperty(LightRequest.prototype, name, { ...descriptor, value: NativeRequest });
  else if (get !== undefined) {
    const named = {
      get [name](): unknown {
        return get.call(this as Light);
      },
    };
    Object.defineProperty(LightRequest.prototype, name, { ...descriptor, get: Object.getOwnPropertyDescriptor(named, name)!.get });
  } else Object.defineProperty(LightRequest.prototype, name, descriptor);
}
Object.setPrototypeOf(LightRequest.prototype, NativeRequest.prototype);

/** Answers the platform's internal slot `key` from a light request's state. */
function defineSlot(key: symbol, get: (state: LightState) => unknown): void {
  Object.defineProperty(LightRequest.prototype, key, {
    get(this: Light) {
      const state = this[STATE];
      return state === undefined ? undefined : get(state);
    },
    configurable: true,
  });
}

if (slots !== undefined && responseSlots !== undefined) {
  defineSlot(slots.state, (state) => (realOf(state) as unknown as Record<symbol, unknown>)[slots.state]);
  defineSlot(slots.headers, headersOf);
  // Copies made by clone(), new Request() and fetch() follow the engine's abort through it.
  defineSlot(slots.signal, signalOf);
  defineSlot(slots.dispatcher, () => undefined);
} else if (denoSlots !== undefined) {
  // Deno's members check the brand, then read the rest through the prototype's getters, which
  // read these. The inner request is the platform Request's (its body, URL list and modes); the
  // getters for a URL and method cache write own properties, as on Deno's own instances.
  const deno = denoSlots;
  defineSlot(deno.request, (state) => (realOf(state) as unknown as Record<symbol, unknown>)[deno.request]);
  defineSlot(deno.headersCache, headersOf);
  defineSlot(deno.signalCache, signalOf);
  Object.defineProperty(LightRequest.prototype, deno.brand, { value: deno.brand, configurable: true });
}

let supported: boolean | undefined;

/**
 * True where light requests are complete: the platform's slots were found, and its functions
 * handed a light request (`new Request()`, `clone()`, getters, an abort) behave as with their own.
 */
export function lightRequestsSupported(): boolean {
  if (supported === undefined) supported = selfTest();
  return supported;
}

function selfTest(): boolean {
  if ((slots === undefined || responseSlots === undefined) && denoSlots === undefined) return false;
  try {
    const controller = new AbortController();
    const light = new LightRequest({
      method: 'POST',
      url: 'http://localhost/probe',
      headers: () => new Headers({ 'x-probe': '1' }),
      body: () => new ReadableStream({ start: (c) => c.close() }),
      signal: () => controller.signal,
      retain: () => {},
    }) as unknown as Request;
    light.headers.set('x-later', '2');
    const clone = NativeRequest.prototype.clone.call(light);
    // A change after the platform Request behind it was built must reach the copies too.
    light.headers.set('x-after', '3');
    const copy = new NativeRequest(light);
    const method = nativeMember('method').get!.call(light) as string;
    controller.abort();
    return (
      copy.url === light.url &&
      method === 'POST' &&
      clone.headers.get('x-probe') === '1' &&
      copy.headers.get('x-later') === '2' &&
      copy.headers.get('x-after') === '3' &&
      copy.body !== null &&
      copy.signal.aborted &&
      clone.signal.aborted &&
      light instanceof NativeRequest
    );
  } catch {
    return false;
  }
}
