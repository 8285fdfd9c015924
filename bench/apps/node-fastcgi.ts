/**
 * node-fastcgi (an http-module look-alike) on the Unix socket given as argv[2]. Written with
 * its own req/res API, as its users would: no Request/Response conversion to pay for.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';

const require = createRequire(import.meta.url);
const fcgi = require('node-fastcgi') as {
  createServer(listener: (req: IncomingMessage, res: ServerResponse) => void): Server;
};

const path = process.argv[2];
if (!path) throw new Error('usage: node-fastcgi.ts <socket path>');

const HELLO = Buffer.from('Hello, world!');
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

function sendBytes(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let left = total;
  const pump = () => {
    while (left > 0) {
      const size = Math.min(left, CHUNK.length);
      left -= size;
      if (!res.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

const server = fcgi.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/hello') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': String(HELLO.length) });
    res.end(HELLO);
  } else if (url.pathname === '/bytes') {
    sendBytes(res, Number(url.searchParams.get('n') ?? 1024 * 1024));
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.listen(path);
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
