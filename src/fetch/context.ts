import type { FastCGIRequest } from '../engine/request.js';
import type { ExecutionContext, FastCGIContext, FastCGIRole } from '../types.js';
import { isHttps, paramLookup, paramText, type ParamLookup } from './cgi-request.js';

const utf8 = new TextDecoder();

function toPort(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  return Number.isInteger(port) ? port : undefined;
}

/** The handler's second argument; params are decoded only when first read. */
export class RequestContext implements FastCGIContext, ExecutionContext {
  readonly #request: FastCGIRequest;
  readonly #lookup: ParamLookup;
  readonly #waitUntil: (promise: Promise<unknown>) => void;
  #params: Record<string, string> | undefined;
  #data: ReadableStream<Uint8Array> | null | undefined;
  readonly props: Record<string, unknown> = {};

  constructor(request: FastCGIRequest, waitUntil: (promise: Promise<unknown>) => void) {
    this.#request = request;
    this.#lookup = paramLookup(request.params);
    this.#waitUntil = waitUntil;
    this.waitUntil = this.waitUntil.bind(this);
    this.log = this.log.bind(this);
  }

  get params(): Readonly<Record<string, string>> {
    if (this.#params === undefined) {
      const params: Record<string, string> = Object.create(null);
      for (const [name, value] of this.#request.params) {
        const text = utf8.decode(value);
        params[name] = name in params ? `${params[name]}, ${text}` : text;
      }
      this.#params = params;
    }
    return this.#params;
  }

  get role(): FastCGIRole {
    return this.#request.role;
  }

  get requestId(): number {
    return this.#request.id;
  }

  get remoteAddress(): string | undefined {
    return paramText(this.#lookup, 'REMOTE_ADDR');
  }

  get remotePort(): number | undefined {
    return toPort(paramText(this.#lookup, 'REMOTE_PORT'));
  }

  get serverName(): string | undefined {
    return paramText(this.#lookup, 'SERVER_NAME');
  }

  get serverPort(): number | undefined {
    return toPort(paramText(this.#lookup, 'SERVER_PORT'));
  }

  get https(): boolean {
    return isHttps(this.#lookup);
  }

  get data(): ReadableStream<Uint8Array> | null {
    if (this.#data === undefined) this.#data = this.#request.data?.open() ?? null;
    return this.#data;
  }

  log(message: string): void {
    this.#request.log(message);
  }

  waitUntil(promise: Promise<unknown>): void {
    this.#waitUntil(promise);
  }

  passThroughOnException(): void {}
}
