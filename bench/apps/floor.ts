/**
 * The floor: the least work any Node FastCGI responder can do. Parses records by hand, reads
 * one param (DOCUMENT_URI), and answers with bytes encoded once at start-up. No Request, no
 * Response, no streams: what is left is the cost of Node's sockets and the event loop.
 */
import net from 'node:net';

const path = process.argv[2];
if (!path) throw new Error('usage: floor.ts <socket path>');

const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const MAX_CONTENT = 0xffff;

function header(type: number, id: number, length: number): Buffer {
  return Buffer.from([1, type, id >> 8, id & 0xff, length >> 8, length & 0xff, 0, 0]);
}

/** STDOUT records for `body`, the empty STDOUT, END_REQUEST: one buffer. */
function encodeResponse(id: number, body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += MAX_CONTENT) {
    const piece = body.subarray(at, at + MAX_CONTENT);
    parts.push(header(STDOUT, id, piece.length), piece);
  }
  parts.push(header(STDOUT, id, 0), header(END_REQUEST, id, 8), Buffer.alloc(8));
  return Buffer.concat(parts);
}

const HELLO = Buffer.from('Status: 200 OK\r\ncontent-type: text/plain; charset=UTF-8\r\ncontent-length: 13\r\n\r\nHello, world!');
const MIB = Buffer.concat([
  Buffer.from('Status: 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 1048576\r\n\r\n'),
  Buffer.alloc(1024 * 1024, 0x61),
]);
const NOT_FOUND = Buffer.from('Status: 404 Not Found\r\ncontent-length: 0\r\n\r\n');
const cache = new Map<string, Buffer>();

function answer(id: number, uri: string): Buffer {
  const key = `${id} ${uri}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    bytes = encodeResponse(id, uri === '/hello' ? HELLO : uri === '/bytes' ? MIB : NOT_FOUND);
    cache.set(key, bytes);
  }
  return bytes;
}

/** Finds DOCUMENT_URI in a name-value body (only short names and values are expected). */
function documentUri(params: Buffer): string {
  let at = 0;
  while (at < params.length) {
    let nameLength = params[at]!;
    if (nameLength & 0x80) {
      nameLength = params.readUInt32BE(at) & 0x7fffffff;
      at += 4;
    } else at += 1;
    let valueLength = params[at]!;
    if (valueLength & 0x80) {
      valueLength = params.readUInt32BE(at) & 0x7fffffff;
      at += 4;
    } else at += 1;
    if (nameLength === 12 && params.toString('latin1', at, at + 12) === 'DOCUMENT_URI') {
      return params.toString('latin1', at + 12, at + 12 + valueLength);
    }
    at += nameLength + valueLength;
  }
  return '';
}

net
  .createServer({ noDelay: true }, (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    let params: Buffer[] = [];
    let keepConn = false;
    let uri = '';
    socket.on('data', (chunk: Buffer) => {
      const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (data.length - at >= 8) {
        const type = data[at + 1]!;
        const id = (data[at + 2]! << 8) | data[at + 3]!;
        const length = (data[at + 4]! << 8) | data[at + 5]!;
        const end = at + 8 + length + data[at + 6]!;
        if (end > data.length) break;
        if (type === BEGIN_REQUEST) {
          keepConn = (data[at + 10]! & 1) === 1;
          params = [];
        } else if (type === PARAMS) {
          if (length > 0) params.push(data.subarray(at + 8, at + 8 + length));
          else uri = documentUri(Buffer.concat(params));
        } else if (type === STDIN && length === 0) {
          socket.write(answer(id, uri));
          if (!keepConn) socket.end();
        }
        at = end;
      }
      // Copy the tail: views into `chunk` must not outlive it across reads.
      pending = at < data.length ? Buffer.from(data.subarray(at)) : Buffer.alloc(0);
    });
    socket.on('error', () => {});
  })
  .listen(path);
process.once('SIGTERM', () => process.exit(0));
