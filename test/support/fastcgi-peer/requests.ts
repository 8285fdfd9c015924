/**
 * A raw FastCGI client side, enough to drive the engine without a web server: encodes whole
 * requests and collects responses by request id. Uses the repo's codec.
 */
import {
  RecordReader,
  concatBytes,
  RecordType,
  Role,
  decodeEndRequest,
  encodeBeginRequest,
  encodeParams,
  encodeStream,
  type Pair,
} from '../../src/protocol/index.js';

/** The CGI params nginx sends for `GET <uri>` (the shape of /etc/nginx/fastcgi_params). */
export function cgiParams(method: string, uri: string, extra: readonly Pair[] = []): Pair[] {
  const query = uri.indexOf('?');
  return [
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
    ...extra,
  ];
}

/** BEGIN_REQUEST, PARAMS, empty PARAMS, STDIN (body then empty): one buffer. */
export function encodeRequest(id: number, params: readonly Pair[], body: Uint8Array = new Uint8Array(0), keepConn = true): Uint8Array {
  // encodeParams already ends the PARAMS stream with its empty record.
  return concatBytes([
    encodeBeginRequest(id, Role.RESPONDER, keepConn),
    encodeParams(id, params),
    encodeStream(RecordType.STDIN, id, body, true),
  ]);
}

/** One finished response: the STDOUT bytes (CGI head and body) and END_REQUEST's fields. */
export interface CollectedResponse {
  id: number;
  stdout: Uint8Array;
  appStatus: number;
  protocolStatus: number;
}

/** Decodes responses as bytes arrive and reports each when its END_REQUEST comes. */
export class ResponseCollector {
  readonly #stdout = new Map<number, Uint8Array[]>();
  readonly #reader: RecordReader;

  constructor(onResponse: (response: CollectedResponse) => void, keepBodies = true) {
    const stdout = this.#stdout;
    this.#reader = new RecordReader({
      record(type, id, content) {
        if (type !== RecordType.END_REQUEST) return;
        const chunks = stdout.get(id) ?? [];
        stdout.delete(id);
        const { appStatus, protocolStatus } = decodeEndRequest(content);
        onResponse({ id, stdout: keepBodies ? Buffer.concat(chunks) : new Uint8Array(0), appStatus, protocolStatus });
      },
      streamData(type, id, data) {
        if (type !== RecordType.STDOUT || !keepBodies) return;
        let chunks = stdout.get(id);
        if (chunks === undefined) stdout.set(id, (chunks = []));
        chunks.push(data.slice());
      },
      streamEnd() {},
    });
  }

  push(bytes: Uint8Array): void {
    this.#reader.push(bytes);
  }
}

/** The status code of a CGI response head (200 when there is no Status line). */
export function cgiStatus(stdout: Uint8Array): number {
  const head = Buffer.from(stdout.subarray(0, Math.min(stdout.length, 64))).toString('latin1');
  const match = /^Status: (\d{3})/i.exec(head);
  return match ? Number(match[1]) : 200;
}

/** The body of a CGI response (after the blank line). */
export function cgiBody(stdout: Uint8Array): Buffer {
  const bytes = Buffer.from(stdout);
  const end = bytes.indexOf('\r\n\r\n');
  return end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4);
}
