/**
 * The soak application, served by fastcgi-fetch on the Unix socket given as argv[2]:
 * every kind of the mix has a route, successes carry `x-soak: <kind>` so wrk's Lua can tell
 * which request a response belongs to, and `/__stats` reports the server's own counters.
 */
import { serve, type FastCGIServer } from '../../src/index.js';
import { INTENTIONAL_MESSAGE as INTENTIONAL } from './intentional.js';
import { makePayload } from './payload.js';

const socket = process.argv[2];
if (!socket) throw new Error('usage: soak/app.ts <socket path>');

const PAYLOAD = makePayload();
const CHUNK = 64 * 1024;

const logged = { intentional: 0, other: 0, samples: [] as string[] };
/** Downloads whose body the server cancelled: the client hung up while the app was streaming. */
let cancelledDownloads = 0;

/** `n` bytes of the payload, repeated, one 64 KiB chunk per pull: only what nginx takes is made. */
function download(n: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= n) {
          controller.close();
          return;
        }
        const offset = sent % PAYLOAD.length;
        const size = Math.min(CHUNK, n - sent, PAYLOAD.length - offset);
        controller.enqueue(PAYLOAD.subarray(offset, offset + size));
        sent += size;
      },
      cancel() {
        cancelledDownloads++;
      },
    },
    { highWaterMark: 0 },
  );
}

/** Compares the upload with the payload as it streams in, without gathering it. */
async function checkUpload(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (body === null) return 'no body';
  let offset = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value: chunk } = await reader.read();
    if (done) break;
    if (offset + chunk.length > PAYLOAD.length) return `too long: more than ${PAYLOAD.length} bytes`;
    if (!PAYLOAD.subarray(offset, offset + chunk.length).equals(chunk)) return `bytes differ within [${offset}, ${offset + chunk.length})`;
    offset += chunk.length;
  }
  return offset === PAYLOAD.length ? 'ok' : `too short: ${offset} bytes`;
}

const server: FastCGIServer = serve(
  async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/hello':
        return new Response('Hello, world!', { headers: { 'x-soak': 'hello' } });
      case '/download': {
        const n = Number(url.searchParams.get('n') ?? PAYLOAD.length);
        return new Response(download(n), { headers: { 'x-soak': 'download', 'content-type': 'application/octet-stream' } });
      }
      case '/upload': {
        const verdict = await checkUpload(request.body);
        return new Response(verdict, { status: verdict === 'ok' ? 200 : 422, headers: { 'x-soak': 'upload' } });
      }
      case '/throw':
        throw new Error(INTENTIONAL);
      case '/reject':
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error(INTENTIONAL);
      case '/__stats':
        return Response.json({
          activeRequests: server.activeRequests,
          connections: server.connections,
          totalRequests: server.totalRequests,
          totalConnections: server.totalConnections,
          logged,
          cancelledDownloads,
          memory: process.memoryUsage(),
        });
      default:
        return new Response('not found', { status: 404 });
    }
  },
  {
    path: socket,
    log(line) {
      if (line.includes(INTENTIONAL)) logged.intentional++;
      else {
        logged.other++;
        if (logged.samples.length < 20) logged.samples.push(line.slice(0, 300));
      }
    },
  },
);
await server.ready();
const stop = () => void server.close({ timeout: 1000 }).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
