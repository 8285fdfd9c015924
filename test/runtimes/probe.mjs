// The conformance probe: plain JavaScript so Node 20/22/24, Bun and Deno run the very same file
// against the built package (dist/), with no loader and no import map.
//
//   <runtime> probe.mjs <dist dir> serve <socket> [tcp]  serve the conformance app until stdin
//                                                       ends (on 127.0.0.1:<any port> too with tcp)
//   <runtime> probe.mjs <dist dir> drive <address> [raw] run the client checks against a server at
//                                                       a socket path or host:port; with raw also
//                                                       the server's backpressure, over a raw socket
//   <runtime> probe.mjs <dist dir> testing          run the createTestClient checks in memory
//
// serve prints one `{"ready":...}` line once listening and `{"closed":true}` after a graceful
// close, then must exit by itself (a handle left open shows up as a hang). drive and testing
// print one `{"results":{check: "pass" | "fail: why"}}` line.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [distDir, mode, socket] = process.argv.slice(2);
const load = (entry) => import(pathToFileURL(join(distDir, 'src', entry)).href);
const encoder = new TextEncoder();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the app has seen of aborted requests and produced of /produce bodies, for the checks to read back. */
const seen = { aborted: 0, cancelled: 0, produced: 0 };
const MiB = 1024 * 1024;

/** The app every runtime serves; `server` (when serving) lends its connection counts to /stats. */
function createApp(getServer) {
  return {
    async fetch(request, context) {
      const url = new URL(request.url);
      switch (url.pathname) {
        case '/':
          return new Response(`hello ${context.requestId}`, { headers: { 'x-runtime': runtimeName() } });
        case '/echo':
          return new Response(await request.arrayBuffer(), { headers: { 'content-type': request.headers.get('content-type') ?? '' } });
        case '/stream': {
          // First chunk now, the rest only after a pause: a buffered response would arrive whole.
          const pause = Number(url.searchParams.get('pause') ?? 1000);
          const body = new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode('first\n'));
              await sleep(pause);
              controller.enqueue(encoder.encode('second\n'));
              controller.close();
            },
          });
          return new Response(body, { headers: { 'content-type': 'text/plain' } });
        }
        case '/endless': {
          let timer;
          request.signal.addEventListener('abort', () => seen.aborted++);
          const body = new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode('tick\n'));
              timer = setInterval(() => controller.enqueue(encoder.encode('tick\n')), 20);
            },
            cancel() {
              clearInterval(timer);
              seen.cancelled++;
            },
          });
          return new Response(body);
        }
        case '/produce': {
          // Made on demand only: what has been made is what the connection took (plus buffers).
          // Byte i of the body is i % 251: a byte lost, repeated or moved shows at the client.
          let left = Number(url.searchParams.get('n') ?? 0);
          let at = 0;
          const body = new ReadableStream(
            {
              pull(controller) {
                if (left <= 0) return controller.close();
                const piece = new Uint8Array(Math.min(left, 64 * 1024));
                for (let i = 0; i < piece.length; i++) piece[i] = (at + i) % 251;
                at += piece.length;
                left -= piece.length;
                seen.produced += piece.length;
                controller.enqueue(piece);
              },
            },
            { highWaterMark: 0 },
          );
          return new Response(body);
        }
        case '/sink': {
          // Reads the body only after a pause: meanwhile the server must stop reading the socket.
          await sleep(Number(url.searchParams.get('wait') ?? 0));
          let total = 0;
          const reader = request.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            total += value.length;
          }
          return new Response(String(total));
        }
        case '/params-after-body': {
          // Reads the body only after it has been read off the socket (by later reads into the
          // server's buffers), and the params only after the body: neither may have been overwritten.
          await sleep(300);
          const body = new Uint8Array(await request.arrayBuffer());
          const wrong = body.findIndex((byte, i) => byte !== ((i * 13) & 0xff));
          return new Response(`${body.length} ${wrong} ${context.params.HTTP_X_PROBE}`);
        }
        case '/early':
          // Answers without reading the body: what is left of it is still on its way.
          return new Response('early');
        case '/slow':
          await sleep(Number(url.searchParams.get('ms') ?? 300));
          return new Response(String(context.requestId));
        case '/stats': {
          const server = getServer();
          return Response.json({ ...seen, totalConnections: server?.totalConnections ?? null });
        }
        default:
          return new Response('not found', { status: 404 });
      }
    },
  };
}

/** The socket API serve() and createClient() pick here: 'bun', 'deno' or 'node:net'. */
async function transportName() {
  const { nativeSocketApi } = await load('net/runtime-sockets.js');
  return nativeSocketApi()?.name ?? 'node:net';
}

function runtimeName() {
  if (typeof globalThis.Bun !== 'undefined') return `bun ${globalThis.Bun.version}`;
  if (typeof globalThis.Deno !== 'undefined') return `deno ${globalThis.Deno.version.deno}`;
  return `node ${process.versions.node}`;
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs each check with a deadline; a failure is recorded with its message, never thrown. */
async function runChecks(checks) {
  const results = {};
  for (const [name, check] of Object.entries(checks)) {
    try {
      await withDeadline(check(), 10_000, name);
      results[name] = 'pass';
    } catch (error) {
      results[name] = `fail: ${error instanceof Error ? error.message : String(error)}`.replace(/\s+/g, ' ');
    }
  }
  return results;
}

/** The checks any client (socket or in-memory) must pass against the conformance app. */
function clientChecks(client, { stats, multiplexClient } = {}) {
  const checks = {
    get: async () => {
      const response = await client.fetch('/');
      assert(response.status === 200, `status ${response.status}`);
      const text = await response.text();
      assert(/^hello \d+$/.test(text), `body ${JSON.stringify(text)}`);
    },
    'post echo': async () => {
      // 200 KiB: several STDIN and STDOUT records each way.
      const body = new Uint8Array(200 * 1024).map((_, i) => (i * 7) & 0xff);
      const response = await client.fetch('/echo', { method: 'POST', body, headers: { 'content-type': 'application/x-probe' } });
      const echoed = new Uint8Array(await response.arrayBuffer());
      assert(response.status === 200, `status ${response.status}`);
      assert(response.headers.get('content-type') === 'application/x-probe', 'content-type lost');
      assert(echoed.length === body.length && echoed.every((b, i) => b === body[i]), `echo of ${echoed.length} bytes differs`);
    },
    'params after body': async () => {
      const probe = 'p'.repeat(3000);
      const body = new Uint8Array(MiB).map((_, i) => (i * 13) & 0xff);
      const response = await client.fetch('/params-after-body', { method: 'POST', body, headers: { 'x-probe': probe } });
      const text = await response.text();
      assert(text === `${MiB} -1 ${probe}`, `answer ${JSON.stringify(text.slice(0, 120))}`);
    },
    streaming: async () => {
      const started = Date.now();
      const response = await client.fetch('/stream?pause=1000');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('first\n')) {
        const { value, done } = await reader.read();
        assert(!done, 'ended before the first chunk');
        text += value;
      }
      const firstAt = Date.now() - started;
      assert(!text.includes('second'), 'both chunks arrived together');
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      assert(text === 'first\nsecond\n', `body ${JSON.stringify(text)}`);
      // Generous: CI runs this beside other test files on two cores.
      assert(firstAt < 700, `first chunk after ${firstAt} ms (the handler pauses 1000 ms before the second)`);
    },
  };
  if (stats) {
    checks.abort = async () => {
      const before = await stats();
      const controller = new AbortController();
      const response = await client.fetch('/endless', { signal: controller.signal });
      const reader = response.body.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => {});
      // The app must hear of it: its request signal aborts and its body stream is cancelled.
      for (let i = 0; i < 100; i++) {
        const now = await stats();
        if (now.aborted > before.aborted && now.cancelled > before.cancelled) return;
        await sleep(30);
      }
      const now = await stats();
      throw new Error(`app not told: aborted ${before.aborted}→${now.aborted}, cancelled ${before.cancelled}→${now.cancelled}`);
    };
  }
  if (multiplexClient) {
    checks.multiplex = async () => {
      const before = multiplexClient.stats.opened;
      const started = Date.now();
      const bodies = await Promise.all(Array.from({ length: 8 }, () => multiplexClient.fetch('/slow?ms=500').then((r) => r.text())));
      const elapsed = Date.now() - started;
      const opened = multiplexClient.stats.opened - before;
      assert(new Set(bodies).size === 8, `request ids ${bodies.join(',')} are not 8 distinct ones`);
      assert(elapsed < 2500, `8 requests of 500 ms took ${elapsed} ms: not concurrent (one by one: 4000 ms)`);
      assert(opened <= 1, `${opened} connections for 8 requests`);
    };
  }
  return checks;
}

/**
 * One request over a raw socket that the check reads (and writes) only when it wants: what
 * node:net leaves queued on our side, and what the app produced meanwhile, show whether the
 * server held back.
 */
async function rawRequest(address, uri, body, { allowHalfOpen = false, patterned = false } = {}) {
  const { RecordReader, RecordType, Role, encodeBeginRequest, encodeParams, encodeStream } = await load('protocol/index.js');
  const socket = net.connect('path' in address ? { path: address.path, allowHalfOpen } : { port: address.port, host: address.host, allowHalfOpen });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.pause();
  const query = uri.indexOf('?');
  const params = [
    ['REQUEST_METHOD', body ? 'POST' : 'GET'],
    ['REQUEST_URI', uri],
    ['SCRIPT_NAME', query < 0 ? uri : uri.slice(0, query)],
    ['QUERY_STRING', query < 0 ? '' : uri.slice(query + 1)],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['HTTP_HOST', 'probe'],
    ['CONTENT_LENGTH', body ? String(body.total) : ''],
    ['CONTENT_TYPE', body ? 'application/octet-stream' : ''],
  ];
  socket.write(encodeBeginRequest(1, Role.RESPONDER, false));
  socket.write(encodeParams(1, params));
  if (body) {
    for (let sent = 0; sent < body.total; sent += body.chunk.length)
      socket.write(encodeStream(RecordType.STDIN, 1, body.chunk.subarray(0, Math.min(body.chunk.length, body.total - sent))));
  }
  socket.write(encodeStream(RecordType.STDIN, 1, new Uint8Array(0), true));
  let stdout = 0;
  let text = '';
  /** With `patterned`: the body bytes seen (-1 in the head), the head's last four bytes, and the first body byte that is not its offset % 251. */
  let bodyAt = -1;
  let headEnd = 0;
  let wrongByte;
  const ended = new Promise((resolve, reject) => {
    const reader = new RecordReader({
      record(type) {
        if (type === RecordType.END_REQUEST) resolve({ stdout, text, body: bodyAt, wrongByte });
      },
      streamData(type, _id, data) {
        if (type !== RecordType.STDOUT) return;
        if (patterned) {
          for (let i = 0; i < data.length && wrongByte === undefined; i++) {
            // The CGI head comes first; the body starts after its blank line.
            if (bodyAt < 0) {
              headEnd = ((headEnd << 8) | data[i]) >>> 0;
              if (headEnd === 0x0d0a0d0a) bodyAt = 0;
            } else if (data[i] !== bodyAt++ % 251) wrongByte = bodyAt - 1;
          }
        }
        stdout += data.length;
        if (text.length < 200) text += new TextDecoder().decode(data.subarray(0, 200));
      },
      streamEnd() {},
    });
    socket.on('data', (chunk) => reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before END_REQUEST, ${stdout} bytes of STDOUT`)));
  });
  ended.catch(() => {});
  return {
    socket,
    /** Reads on, to the end of the response. */
    finish() {
      socket.resume();
      return ended.finally(() => socket.destroy());
    },
  };
}

/** The server's flow control, both ways, checked over a raw socket. */
function backpressureChecks(address, stats) {
  return {
    'backpressure out': async () => {
      const before = (await stats()).produced;
      const total = 32 * MiB;
      const exchange = await rawRequest(address, `/produce?n=${total}`, undefined, { patterned: true });
      await sleep(700);
      const produced = (await stats()).produced - before;
      // Socket buffers on both sides hold a few hundred KiB; an unbounded server makes all 32 MiB.
      assert(produced < 8 * MiB, `the app made ${(produced / MiB).toFixed(1)} MiB of a response nobody read`);
      // Read on after the stall: the server resumes from writes the kernel took only in part.
      const { body, wrongByte } = await exchange.finish();
      assert(wrongByte === undefined, `body byte ${wrongByte} is not the one sent`);
      assert(body === total, `${body} body bytes for a ${total}-byte body`);
    },
    'backpressure in': async () => {
      const total = 32 * MiB;
      const exchange = await rawRequest(address, '/sink?wait=1500', { total, chunk: new Uint8Array(65535).fill(0x62) });
      await sleep(700);
      // The handler has not read yet: a server that stops reading leaves most of the body with us.
      const queued = exchange.socket.writableLength;
      assert(queued > total / 2, `the server took ${((total - queued) / MiB).toFixed(1)} MiB of a body its handler had not read`);
      const { text } = await exchange.finish();
      assert(text.endsWith(`\r\n\r\n${total}`), `answer ${JSON.stringify(text.slice(-80))}`);
    },
  };
}

/** How the server ends a connection after a request without FCGI_KEEP_CONN. */
function connectionEndChecks(address) {
  return {
    'early answer': async () => {
      // The app answers before reading an 8 MiB body: closing with unread input must not reset
      // the connection before the web server has the answer (over TCP a close would send RST).
      const exchange = await rawRequest(address, '/early', { total: 8 * MiB, chunk: new Uint8Array(65535).fill(0x63) });
      const { text } = await exchange.finish();
      assert(text.endsWith('\r\n\r\nearly'), `answer ${JSON.stringify(text.slice(-80))}`);
    },
    'half-open peer': async () => {
      // A peer that never closes its side is closed for it after a grace period (about 1 s).
      const { socket } = await rawRequest(address, '/slow?ms=0', undefined, { allowHalfOpen: true });
      // Read to the server's FIN and keep our side open.
      const ended = new Promise((resolve) => socket.once('end', resolve));
      socket.resume();
      await ended;
      await sleep(2500);
      const failed = new Promise((resolve) => {
        socket.once('error', () => resolve(true));
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 1000);
      });
      // A write to a socket the server closed fails: EPIPE, or over TCP a reset that the next write meets.
      socket.write('x');
      setTimeout(() => socket.writable && socket.write('y'), 200);
      const closed = await failed;
      socket.destroy();
      assert(closed, 'the server still holds the connection 2.5 s after ending it');
    },
  };
}

async function serveMode() {
  const { serve } = await load('index.js');
  // The stats of the server a request came in on: the Unix one, or the TCP one with `tcp`.
  const servers = [];
  servers.push(
    serve(
      createApp(() => servers[0]),
      { path: socket, closeTimeout: 2000 },
    ),
  );
  if (process.argv[5] === 'tcp') {
    servers.push(
      serve(
        createApp(() => servers[1]),
        { hostname: '127.0.0.1', port: 0, closeTimeout: 2000 },
      ),
    );
    // Only a web server at a documentation address may connect: every connection from here is refused.
    servers.push(
      serve(
        createApp(() => servers[2]),
        { hostname: '127.0.0.1', port: 0, closeTimeout: 2000, webServerAddrs: ['192.0.2.1'] },
      ),
    );
  }
  await Promise.all(servers.map((server) => server.ready()));
  const [unix, tcp, refusing] = servers.map((server) => server.address);
  console.log(JSON.stringify({ ready: { unix, tcp, refusing }, runtime: runtimeName(), transport: await transportName() }));
  // stdin ending is the stop signal: portable where signal handling differs between runtimes.
  process.stdin.on('data', () => {});
  await new Promise((resolve) => process.stdin.once('end', resolve));
  process.stdin.pause();
  await Promise.all(servers.map((server) => server.close({ timeout: 2000 })));
  console.log(JSON.stringify({ closed: true }));
}

/** `/path/to.sock` or `host:port`. */
function addressOf(text) {
  if (text.startsWith('/')) return { path: text };
  const colon = text.lastIndexOf(':');
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

async function driveMode() {
  const { createClient } = await load('client.js');
  const address = addressOf(socket);
  const client = createClient(address, { connectTimeout: 5000, timeout: 10_000 });
  const multiplexClient = createClient(address, { multiplex: true, maxConnections: 1, connectTimeout: 5000 });
  const stats = async () => (await client.fetch('/stats')).json();
  const checks = clientChecks(client, { stats, multiplexClient });
  if (process.argv[5] === 'raw') Object.assign(checks, backpressureChecks(address, stats), connectionEndChecks(address));
  const results = await runChecks(checks);
  await Promise.all([client.close({ force: true }), multiplexClient.close({ force: true })]);
  console.log(JSON.stringify({ results, runtime: runtimeName(), transport: await transportName() }));
}

async function testingMode() {
  const { createTestClient } = await load('testing.js');
  const client = createTestClient(createApp(() => undefined));
  const multiplexClient = createTestClient(
    createApp(() => undefined),
    { multiplex: true, maxConnections: 1 },
  );
  const stats = async () => (await client.fetch('/stats')).json();
  const results = await runChecks(clientChecks(client, { stats, multiplexClient }));
  await Promise.all([client.close({ force: true }), multiplexClient.close({ force: true })]);
  console.log(JSON.stringify({ results, runtime: runtimeName() }));
}

const modes = { serve: serveMode, drive: driveMode, testing: testingMode };
if (!(mode in modes)) {
  console.error(`usage: probe.mjs <dist dir> ${Object.keys(modes).join('|')} [socket]`);
  process.exit(2);
}
await modes[mode]();
