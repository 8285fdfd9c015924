/**
 * The records a web server writes, built with the repo's codec: whole requests, their parts
 * (so a test can send half a request, or cut one anywhere), ABORT_REQUEST and GET_VALUES.
 */
import {
  RecordType,
  Role,
  concatBytes,
  encodeBeginRequest,
  encodeParams,
  encodeRecord,
  encodeStream,
  encodeValues,
  type Pair,
} from '../../../src/protocol/index.js';

/** How a request begins: FCGI_KEEP_CONN (default off, as the protocol and nginx default) and the role. */
export interface BeginOptions {
  keepConn?: boolean;
  /** Default responder (1). */
  role?: number;
}

/**
 * The CGI params nginx sends for `method uri` (the shape of /etc/nginx/fastcgi_params); an
 * `extra` param replaces the one of the same name, or is added at the end.
 */
export function cgiParams(method: string, uri: string, extra: readonly Pair[] = []): Pair[] {
  const query = uri.indexOf('?');
  const params: Pair[] = [
    ['QUERY_STRING', query < 0 ? '' : uri.slice(query + 1)],
    ['REQUEST_METHOD', method],
    ['CONTENT_TYPE', ''],
    ['CONTENT_LENGTH', ''],
    ['SCRIPT_NAME', query < 0 ? uri : uri.slice(0, query)],
    ['REQUEST_URI', uri],
    ['DOCUMENT_URI', query < 0 ? uri : uri.slice(0, query)],
    ['DOCUMENT_ROOT', '/var/www'],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_SCHEME', 'http'],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'nginx/1.22.1'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REMOTE_PORT', '40000'],
    ['SERVER_ADDR', '127.0.0.1'],
    ['SERVER_PORT', '8080'],
    ['SERVER_NAME', 'localhost'],
    ['HTTP_HOST', 'localhost:8080'],
    ['HTTP_USER_AGENT', 'bench'],
    ['HTTP_ACCEPT', '*/*'],
  ];
  for (const pair of extra) {
    const at = params.findIndex(([name]) => name === pair[0]);
    if (at < 0) params.push(pair);
    else params[at] = pair;
  }
  return params;
}

/** BEGIN_REQUEST and the whole PARAMS stream (ended by its empty record). */
export function beginRecords(id: number, params: Iterable<Pair>, { keepConn = false, role = Role.RESPONDER }: BeginOptions = {}): Uint8Array {
  return concatBytes([encodeBeginRequest(id, role, keepConn), encodeParams(id, params)]);
}

/** STDIN records for `body` (split at 65535 bytes), then the empty one unless `end` is false. */
export function stdinRecords(id: number, body: Uint8Array | string = new Uint8Array(0), end = true): Uint8Array {
  return encodeStream(RecordType.STDIN, id, typeof body === 'string' ? new TextEncoder().encode(body) : body, end);
}

/** Every record a web server sends for one request: BEGIN_REQUEST, PARAMS, STDIN; one buffer. */
export function requestRecords(id: number, params: Iterable<Pair>, body?: Uint8Array | string, options?: BeginOptions): Uint8Array {
  return concatBytes([beginRecords(id, params, options), stdinRecords(id, body)]);
}

/** The web server gives up on request `id`. */
export function abortRecord(id: number): Uint8Array {
  return encodeRecord(RecordType.ABORT_REQUEST, id);
}

/** A GET_VALUES management record asking for `names`. */
export function getValuesRecord(names: readonly string[]): Uint8Array {
  return encodeValues(
    RecordType.GET_VALUES,
    names.map((name): Pair => [name, '']),
  );
}
