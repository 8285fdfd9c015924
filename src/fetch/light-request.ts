/**
 * A `Request` for a FastCGI request that answers method, url, headers and signal itself and
 * builds the platform Request (with its body stream) only when something needs more. Most
 * routers read only those four. Used when `installFastGlobals()` has made the global `Request`
 * and `fetch` accept it; `instanceof Request` holds.
 */

const NATIVE = Symbol.for('fastcgi-fetch.native-request');

export const NativeRequest: typeof Request =
  (globalThis.Request as unknown as Record<symbol, typeof Request | undefined>)[NATIVE] ?? globalThis.Request;

const STATE = Symbol.for('fastcgi-fetch.light-request');

/** What a light request is made from; everything but `method` and `url` is built on demand. */
export interface LightRequestSource {
  method: string;
  url: string;
  headers(): Headers;
  /** The body stream (opened on first use), or null. */
  body(): ReadableStream<Uint8Array> | null;
  signal(): AbortSignal;
}

interface LightState {
  readonly source: LightRequestSource;
  headers?: Headers;
  real?: Request;
}

export function isLightRequest(value: unknown): value is LightRequest {
  return typeof value === 'object' && value !== null && STATE in value;
}

/** The platform Request behind a light one (built once). */
export function realRequest(request: LightRequest): Request {
  const state = request[STATE];
  if (state.real === undefined) {
    const { source } = state;
    const real = new NativeRequest(source.url, {
      method: source.method,
      headers: request.headers,
      body: source.body(),
      duplex: 'half',
    } as RequestInit);
    // The engine's signal, made only if read; handing one to the constructor costs more than the Request.
    Object.defineProperty(real, 'signal', { get: () => source.signal(), configurable: true, enumerable: true });
    state.real = real;
  }
  return state.real;
}

export class LightRequest {
  declare [STATE]: LightState;

  constructor(source: LightRequestSource) {
    this[STATE] = { source };
  }

  get method(): string {
    return this[STATE].source.method;
  }

  get url(): string {
    return this[STATE].source.url;
  }

  get headers(): Headers {
    const state = this[STATE];
    return state.real?.headers ?? (state.headers ??= state.source.headers());
  }

  get signal(): AbortSignal {
    return this[STATE].source.signal();
  }

  static readonly [NATIVE] = NativeRequest;
}

// Everything else a Request has (body, text(), json(), clone(), cache, mode...) is the platform
// Request's, built on first use.
for (const name of Object.getOwnPropertyNames(NativeRequest.prototype)) {
  if (name === 'constructor' || Object.prototype.hasOwnProperty.call(LightRequest.prototype, name)) continue;
  const descriptor = Object.getOwnPropertyDescriptor(NativeRequest.prototype, name)!;
  if (typeof descriptor.value === 'function') {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    Object.defineProperty(LightRequest.prototype, name, {
      value(this: LightRequest, ...args: unknown[]) {
        return method.apply(realRequest(this), args);
      },
      configurable: true,
      writable: true,
    });
  } else if (descriptor.get) {
    const get = descriptor.get;
    Object.defineProperty(LightRequest.prototype, name, {
      get(this: LightRequest) {
        return get.call(realRequest(this));
      },
      configurable: true,
    });
  }
}
Object.setPrototypeOf(LightRequest.prototype, NativeRequest.prototype);
