import type { FastCGIRequest } from '../engine/request.js';
import type { ExecutionContext, FastCGIContext } from '../types.js';
import { isHttps, paramText } from './cgi-request.js';

const utf8 = new TextDecoder();

function toPort(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const port = Number(text);
  return Number.isInteger(port) ? port : undefined;
}

/** Every param as UTF-8 text; repeated names joined with ", ". */
function decodeParams(request: FastCGIRequest): Record<string, string> {
  const params: Record<string, string> = Object.create(null);
  for (const [name, value] of request.params) {
    const text = utf8.decode(value);
    params[name] = name in params ? `${params[name]}, ${text}` : text;
  }
  return params;
}

/**
 * The handler's second (and third) argument. Every member is an own property, because
 * frameworks copy the context (@whatwg-node/server merges it property by property, getters
 * included); the members read from params are getters, so they cost nothing until read.
 */
export function createContext(
  request: FastCGIRequest,
  waitUntil: (promise: Promise<unknown>) => void,
): FastCGIContext & ExecutionContext {
  const lookup = request.params;
  let params: Record<string, string> | undefined;
  let data: ReadableStream<Uint8Array> | null | undefined;
  return {
    get params() {
      return (params ??= decodeParams(request));
    },
    role: request.role,
    requestId: request.id,
    get remoteAddress() {
      return paramText(lookup, 'REMOTE_ADDR');
    },
    get remotePort() {
      return toPort(paramText(lookup, 'REMOTE_PORT'));
    },
    get serverName() {
      return paramText(lookup, 'SERVER_NAME');
    },
    get serverPort() {
      return toPort(paramText(lookup, 'SERVER_PORT'));
    },
    get https() {
      return isHttps(lookup);
    },
    get data() {
      if (data === undefined) data = request.data?.open() ?? null;
      return data;
    },
    log: (message: string) => request.log(message),
    waitUntil,
    passThroughOnException() {},
    props: {},
  };
}
