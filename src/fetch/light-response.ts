/**
 * A `Response` that keeps `(body, init)` as given and builds the platform Response only when
 * something needs more than status and headers. A string or byte body then goes out in one
 * write without a ReadableStream ever being made. Installed as the global `Response` by
 * `installFastGlobals()`; `instanceof Response` holds for it and for platform responses.
 */

/** Where an installed light Response keeps the platform's; a second copy of this module finds it. */
const NATIVE = Symbol.for('fastcgi-fetch.native-response');

export const NativeResponse: typeof Response =
  (globalThis.Response as unknown as Record<symbol, typeof Response | undefined>)[NATIVE] ?? globalThis.Response;

const STATE = Symbol.for('fastcgi-fetch.light-response');
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

interface LightState {
  readonly body: string | Uint8Array | null;
  readonly init: ResponseInit | undefined;
  headers?: Headers;
  real?: Response;
}

/** The body, when a light response still holds it as a string or bytes (or none). */
export interface PlainBody {
  status: number;
  statusText: string;
  /** Header pairs as given (names not yet lower-cased), plus the default content type. */
  headers: Headers | HeadersInit | undefined;
  defaultContentType: string | undefined;
  body: string | Uint8Array | null;
}

function isPlainBody(body: unknown): body is string | Uint8Array | null | undefined {
  return body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array;
}

function validate(body: unknown, init: ResponseInit | undefined): void {
  const status = init?.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
  }
  if (init?.statusText !== undefined && !REASON_PHRASE.test(init.statusText)) {
    throw new TypeError('Invalid statusText');
  }
  if (body !== null && body !== undefined && NULL_BODY_STATUS.has(status)) {
    throw new TypeError('Response constructor: Invalid response status code ' + status);
  }
}

function materialize(response: LightResponse): Response {
  const state = response[STATE];
  if (state.real === undefined) {
    const init = state.init;
    state.real = new NativeResponse(state.body as BodyInit | null, {
      status: init?.status,
      statusText: init?.statusText,
      headers: state.headers ?? init?.headers,
    } as ResponseInit);
  }
  return state.real;
}

export class LightResponse {
  declare [STATE]: LightState;

  constructor(body?: BodyInit | null, init?: ResponseInit) {
    if (!isPlainBody(body)) {
      // Streams, Blobs, FormData, URLSearchParams...: the platform's rules, at once.
      const real = new NativeResponse(body, init);
      this[STATE] = { body: null, init, real };
      return;
    }
    validate(body, init);
    this[STATE] = { body: body ?? null, init };
  }

  get status(): number {
    const state = this[STATE];
    return state.real?.status ?? state.init?.status ?? 200;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status < 300;
  }

  get statusText(): string {
    const state = this[STATE];
    return state.real?.statusText ?? state.init?.statusText ?? '';
  }

  get headers(): Headers {
    const state = this[STATE];
    if (state.real !== undefined) return state.real.headers;
    if (state.headers === undefined) {
      const headers = new Headers(state.init?.headers);
      if (typeof state.body === 'string' && !headers.has('content-type')) {
        headers.set('content-type', 'text/plain;charset=UTF-8');
      }
      state.headers = headers;
    }
    return state.headers;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return materialize(this).body;
  }

  get bodyUsed(): boolean {
    return this[STATE].real?.bodyUsed ?? false;
  }

  get type(): ResponseType {
    return materialize(this).type;
  }

  get url(): string {
    return this[STATE].real?.url ?? '';
  }

  get redirected(): boolean {
    return this[STATE].real?.redirected ?? false;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return materialize(this).arrayBuffer();
  }

  blob(): Promise<Blob> {
    return materialize(this).blob();
  }

  bytes(): Promise<Uint8Array> {
    const real = materialize(this) as Response & { bytes?: () => Promise<Uint8Array> };
    return real.bytes ? real.bytes() : real.arrayBuffer().then((buffer) => new Uint8Array(buffer));
  }

  formData(): Promise<FormData> {
    return materialize(this).formData();
  }

  json(): Promise<unknown> {
    return materialize(this).json();
  }

  text(): Promise<string> {
    return materialize(this).text();
  }

  clone(): Response {
    return materialize(this).clone();
  }

  static json(data: unknown, init?: ResponseInit): Response {
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LightResponse(JSON.stringify(data), { ...init, headers }) as unknown as Response;
  }

  static error(): Response {
    return NativeResponse.error();
  }

  static redirect(url: string | URL, status?: number): Response {
    return NativeResponse.redirect(url, status);
  }

  static readonly [NATIVE] = NativeResponse;

  /** Light and platform responses alike are `Response`s. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(NativeResponse.prototype, value);
  }
}
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype);
Object.setPrototypeOf(LightResponse, NativeResponse);

/**
 * What the writer needs to send a response without a stream, or undefined when the response
 * has (or needs) a real body stream.
 */
export function plainBody(response: Response): PlainBody | undefined {
  const state = (response as unknown as LightResponse)[STATE];
  if (state === undefined || state.real !== undefined) return undefined;
  return {
    status: state.init?.status ?? 200,
    statusText: state.init?.statusText ?? '',
    headers: state.headers ?? state.init?.headers,
    defaultContentType: state.headers === undefined && typeof state.body === 'string' ? 'text/plain;charset=UTF-8' : undefined,
    body: state.body,
  };
}
