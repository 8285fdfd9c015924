/**
 * The floor's FastCGI side without a socket, for the Bun and Deno floors: parses records by
 * hand, reads one param (DOCUMENT_URI), and answers with bytes encoded once. The Node floor
 * (floor.ts) does the same with Buffers over node:net.
 */
const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const MAX_CONTENT = 0xffff;

const ascii = (text: string) => new TextEncoder().encode(text);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function header(type: number, id: number, length: number): Uint8Array {
  return new Uint8Array([1, type, id >> 8, id & 0xff, length >> 8, length & 0xff, 0, 0]);
}

/** STDOUT records for `body`, the empty STDOUT, END_REQUEST: one buffer. */
function encodeResponse(id: number, body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += MAX_CONTENT) {
    const piece = body.subarray(at, at + MAX_CONTENT);
    parts.push(header(STDOUT, id, piece.length), piece);
  }
  parts.push(header(STDOUT, id, 0), header(END_REQUEST, id, 8), new Uint8Array(8));
  return concat(parts);
}

const HELLO = ascii('Status: 200 OK\r\ncontent-type: text/plain; charset=UTF-8\r\ncontent-length: 13\r\n\r\nHello, world!');
const MIB = concat([
  ascii('Status: 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 1048576\r\n\r\n'),
  new Uint8Array(1024 * 1024).fill(0x61),
]);
const NOT_FOUND = ascii('Status: 404 Not Found\r\ncontent-length: 0\r\n\r\n');
const cache = new Map<string, Uint8Array>();

function answer(id: number, uri: string): Uint8Array {
  const key = `${id} ${uri}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    bytes = encodeResponse(id, uri === '/hello' ? HELLO : uri === '/bytes' ? MIB : NOT_FOUND);
    cache.set(key, bytes);
  }
  return bytes;
}

function length(bytes: Uint8Array, at: number): [value: number, next: number] {
  const first = bytes[at]!;
  if ((first & 0x80) === 0) return [first, at + 1];
  return [((first & 0x7f) << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!, at + 4];
}

const DOCUMENT_URI = ascii('DOCUMENT_URI');

/** Finds DOCUMENT_URI in a name-value body. */
function documentUri(params: Uint8Array): string {
  let at = 0;
  while (at < params.length) {
    const [nameLength, afterName] = length(params, at);
    const [valueLength, start] = length(params, afterName);
    if (nameLength === 12 && DOCUMENT_URI.every((byte, i) => params[start + i] === byte)) {
      return String.fromCharCode(...params.subarray(start + 12, start + 12 + valueLength));
    }
    at = start + nameLength + valueLength;
  }
  return '';
}

/** One connection's parser: fed what the socket reads, it calls `send` with each response. */
export class FloorConnection {
  #pending = new Uint8Array(0);
  #params: Uint8Array[] = [];
  #keepConn = false;
  #uri = '';

  constructor(
    private readonly send: (bytes: Uint8Array) => void,
    private readonly end: () => void,
  ) {}

  receive(chunk: Uint8Array): void {
    const data = this.#pending.length > 0 ? concat([this.#pending, chunk]) : chunk;
    let at = 0;
    while (data.length - at >= 8) {
      const type = data[at + 1]!;
      const id = (data[at + 2]! << 8) | data[at + 3]!;
      const size = (data[at + 4]! << 8) | data[at + 5]!;
      const end = at + 8 + size + data[at + 6]!;
      if (end > data.length) break;
      if (type === BEGIN_REQUEST) {
        this.#keepConn = (data[at + 10]! & 1) === 1;
        this.#params = [];
      } else if (type === PARAMS) {
        if (size > 0) this.#params.push(data.subarray(at + 8, at + 8 + size));
        else this.#uri = documentUri(concat(this.#params));
      } else if (type === STDIN && size === 0) {
        this.send(answer(id, this.#uri));
        if (!this.#keepConn) this.end();
      }
      at = end;
    }
    // Copy the tail: views into `chunk` must not outlive it across reads.
    this.#pending = at < data.length ? data.slice(at) : new Uint8Array(0);
  }
}
