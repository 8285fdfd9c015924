/**
 * A `Request` for a FastCGI request that answers method, url, headers and signal itself and
 * builds the platform Request (with its body stream) only when something needs more. Most
 * routers read only those four.
 *
 * Where the platform's internals can be reached (undici 6: Node 20 and 22; Deno), the light
 * request answers the internal slots too, so every platform function handed one — `fetch`,
 * `new Request()`, `clone()` and the other prototype members, a `fetch` captured before
 * anything was installed — treats it as its own. Bun's Request is native, with no slots to
 * answer, but its `fetch` and `new Request()` read a request that is not its own through the
 * public members: there every member of the light request is its own, answered by the platform
 * Request behind it. Elsewhere (undici 7: Node 24) handlers get the platform's Request.
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
/**
 * Bun: the platform's functions take a light request through its public members, which must
 * then all be the light request's own. Only on Bun, where `fetch` is known to read them too
 * (the self-test below cannot call `fetch`).
 */
const byMembers = slots === undefined && denoSlots === undefined && 'Bun' in globalThis;

/** What a light request is made from; everything but `method` and `url` is built on demand. */
export interface LightRequestSource {
  readonly method: string;
  readonly url: string;
  headers(): Headers;
  /** The same headers as pairs: for a platform Request built before `headers()` was needed. */
  headerPairs(): Array<[string, string]>;
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
  return (state.real ??= denoSlots !== undefined ? denoRealOf(state, denoSlots) : byMembers ? memberRealOf(state) : undiciRealOf(state));
}

/**
 * On Bun the platform Request gets the headers as pairs and the engine's signal. Its Headers is
 * the request's from then on, unless one was handed out before: see {@link syncedRealOf}.
 */
function memberRealOf(state: LightState): Request {
  const { source } = state;
  const real = new NativeRequest(source.url, {
    method: source.method,
    headers: state.headers === null ? source.headerPairs() : exactPairs(state.headers),
    body: source.body(),
    duplex: 'half',
    signal: source.signal(),
  } as RequestInit);
  if (state.headers === null) state.headers = real.headers;
  return real;
}

/**
 * The platform Request behind a light one on Bun, its header list made equal to the light
 * request's Headers first when that is another object (handed out before the platform Request
 * was built): its `clone()` copies them and its body readers take the content type from them.
 */
function syncedRealOf(state: LightState): Request {
  // A platform request built now took the headers as they are: nothing to bring level yet.
  const built = state.real !== null;
  const real = realOf(state);
  const headers = state.headers!;
  if (built && headers !== real.headers) {
    for (const name of [...real.headers.keys()]) real.headers.delete(name);
    for (const [name, value] of exactPairs(headers)) real.headers.append(name, value);
  }
  return real;
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
    headers: handedOut ? exactPairs(state.headers!) : source.headerPairs(),
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
    Object.defineProperty(LightRequest.prototype, name, { ...descriptor, get: namedGetter(name, get) });
  } else Object.defineProperty(LightRequest.prototype, name, byMembers ? answeredByReal(name, descriptor) : descriptor);
}
Object.setPrototypeOf(LightRequest.prototype, NativeRequest.prototype);

/** A getter that calls `get`, named `name` as the platform's getter is. */
function namedGetter<T>(name: string, get: (this: T) => unknown): (this: T) => unknown {
  const named = {
    get [name](): unknown {
      return get.call(this as T);
    },
  };
  return Object.getOwnPropertyDescriptor(named, name)!.get!;
}

/**
 * The platform member `name` as the light request's own (Bun): it runs on the platform Request
 * behind the light one, and on a platform Request as it is.
 */
function answeredByReal(name: string, descriptor: PropertyDescriptor): PropertyDescriptor {
  const target = (self: Light): unknown => {
    const state = self?.[STATE];
    return state === undefined ? self : syncedRealOf(state);
  };
  if (descriptor.get !== undefined) {
    const get = descriptor.get;
    return {
      ...descriptor,
      get: namedGetter(name, function (this: unknown) {
        return get.call(target(this as Light));
      }),
    };
  }
  const method = descriptor.value as (...args: unknown[]) => unknown;
  const named = {
    [name](this: Light, ...args: unknown[]): unknown {
      return method.apply(target(this), args);
    },
  };
  const value = named[name]!;
  Object.defineProperty(value, 'length', { value: method.length });
  return { ...descriptor, value };
}

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
  if ((slots === undefined || responseSlots === undefined) && denoSlots === undefined && !byMembers) return false;
  try {
    const controller = new AbortController();
    const light = new LightRequest({
      method: 'POST',
      url: 'http://localhost/probe',
      headers: () => new Headers({ 'x-probe': '1' }),
      headerPairs: () => [['x-probe', '1']],
      body: () => new ReadableStream({ start: (c) => c.close() }),
      signal: () => controller.signal,
      retain: () => {},
    }) as unknown as Request;
    light.headers.set('x-later', '2');
    // On Bun the platform's members take only its own requests; the light request's are its own.
    const clone = byMembers ? light.clone() : NativeRequest.prototype.clone.call(light);
    // A change after the platform Request behind it was built must reach the copies too.
    light.headers.set('x-after', '3');
    const copy = new NativeRequest(light);
    const method = byMembers ? light.method : (nativeMember('method').get!.call(light) as string);
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
