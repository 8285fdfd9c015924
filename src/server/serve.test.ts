import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeOutput, parseCgiResponse, requestRecords } from '../../test/support/fastcgi-peer.js';
import type { Pair } from '../protocol/index.js';
import type { App } from '../types.js';
import type { ServeOptions } from './options.js';
import { serve, stopAccepting, type FastCGIServer, type ServeOptionsWithFetch } from './serve.js';
import { isListeningSocket, parseListen, resolveTarget } from './listen-target.js';

const GET: Pair[] = [
  ['REQUEST_METHOD', 'GET'],
  ['REQUEST_URI', '/'],
  ['HTTP_HOST', 'h'],
];

function open(server: FastCGIServer): Socket {
  const address = server.address!;
  return address.type === 'unix' ? connect({ path: address.path }) : connect({ port: (address as { port: number }).port, host: '127.0.0.1' });
}

/** Sends one request on a fresh connection and reads until the app closes it. */
async function request(socket: Socket, records: Uint8Array): Promise<{ status: number; body: string } | 'closed' | 'ended with no response'> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  socket.write(records);
  await once(socket, 'close');
  const out = decodeOutput(chunks).get(1);
  if (!out?.end) return 'closed';
  if (out.stdout.length === 0) return 'ended with no response';
  const { status, body } = parseCgiResponse(out.stdout);
  return { status, body: body.toString('latin1') };
}

let dir: string;
let servers: FastCGIServer[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fcgi-serve-'));
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close({ timeout: 100 })));
  servers = [];
  await rm(dir, { recursive: true, force: true });
});
function start(app: App | ServeOptionsWithFetch, options?: ServeOptions): FastCGIServer {
  const server = options === undefined ? serve(app as ServeOptionsWithFetch) : serve(app as App, options);
  servers.push(server);
  return server;
}

describe('serve', () => {
  it('serves a handler over TCP on 127.0.0.1 and reports its address', async () => {
    const server = await start(() => new Response('tcp'), { port: 0 }).ready();
    expect(server.address).toMatchObject({ type: 'tcp', host: '127.0.0.1' });
    expect(await request(open(server), requestRecords(1, GET))).toEqual({ status: 200, body: 'tcp' });
  });

  it('counts connections and requests', async () => {
    const server = await start(() => new Response('x'), { port: 0 }).ready();
    await request(open(server), requestRecords(1, GET));
    await request(open(server), requestRecords(1, GET));
    expect([server.totalConnections, server.totalRequests, server.activeRequests]).toEqual([2, 2, 0]);
    await vi.waitFor(() => expect(server.connections).toBe(0));
  });

  it('aborts a request that outlives requestTimeout: the handler sees a TimeoutError, the web server an END_REQUEST with no response', async () => {
    let reason: unknown;
    const server = await start(
      (request) =>
        new Promise<Response>((_, reject) =>
          request.signal.addEventListener('abort', () => {
            reason = request.signal.reason;
            reject(request.signal.reason);
          }),
        ),
      { port: 0, requestTimeout: 150 },
    ).ready();
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = open(server);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write(requestRecords(1, GET));
    await vi.waitFor(() => expect(decodeOutput(chunks).get(1)?.end).toEqual({ appStatus: 1, protocolStatus: 0 }), { timeout: 2000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(decodeOutput(chunks).get(1)!.stdout.length).toBe(0);
    expect((reason as DOMException).name).toBe('TimeoutError');
    socket.destroy();
  });

  it('accepts serve({ fetch, ...options }) and objects with a fetch method', async () => {
    const a = await start({ fetch: () => new Response('a'), port: 0 }).ready();
    const app = {
      greeting: 'b',
      fetch(this: { greeting: string }) {
        return new Response(this.greeting);
      },
    };
    const b = await start(app, { port: 0 }).ready();
    expect(await request(open(a), requestRecords(1, GET))).toEqual({ status: 200, body: 'a' });
    expect(await request(open(b), requestRecords(1, GET))).toEqual({ status: 200, body: 'b' });
  });

  it('serves on a Unix socket with owner-and-group permissions by default, or the mode asked', async () => {
    const path = join(dir, 'app.sock');
    const server = await start(() => new Response('unix'), { path }).ready();
    expect((await stat(path)).mode & 0o777).toBe(0o660);
    expect(await request(open(server), requestRecords(1, GET))).toEqual({ status: 200, body: 'unix' });
    const strict = join(dir, 'strict.sock');
    await start(() => new Response('x'), { path: strict, socketMode: 0o600 }).ready();
    expect((await stat(strict)).mode & 0o777).toBe(0o600);
  });

  it('refuses a socket group that does not exist before binding anything', async () => {
    const path = join(dir, 'grouped.sock');
    const server = start(() => new Response('x'), { path, socketGroup: 'no-such-group-here' });
    await expect(server.ready()).rejects.toThrow('no such group "no-such-group-here" on this machine');
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('replaces a stale socket file but refuses a live socket and a regular file', async () => {
    const stale = join(dir, 'stale.sock');
    const old = createServer();
    await new Promise<void>((resolve) => old.listen(stale, resolve));
    // A socket file left behind by a crash: the fd closes, the file stays.
    (old as unknown as { _handle: { close(): void } })._handle.close();
    await expect(start(() => new Response('x'), { path: stale }).ready()).resolves.toBeDefined();

    const live = join(dir, 'live.sock');
    await start(() => new Response('x'), { path: live }).ready();
    await expect(start(() => new Response('x'), { path: live }).ready()).rejects.toMatchObject({ code: 'EADDRINUSE' });

    const file = join(dir, 'file');
    await writeFile(file, 'keep me');
    await expect(start(() => new Response('x'), { path: file }).ready()).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('rejects ready() when the port is in use', async () => {
    const first = await start(() => new Response('x'), { port: 0 }).ready();
    const port = (first.address as { port: number }).port;
    await expect(start(() => new Response('x'), { port }).ready()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('closes TCP connections from addresses outside FCGI_WEB_SERVER_ADDRS at once', async () => {
    const closed = await start(() => new Response('x'), { port: 0, webServerAddrs: ['192.0.2.1'] }).ready();
    expect(await request(open(closed), requestRecords(1, GET))).toBe('closed');
    const allowed = await start(() => new Response('ok'), { port: 0, webServerAddrs: ['192.0.2.1', '127.0.0.1'] }).ready();
    expect(await request(open(allowed), requestRecords(1, GET))).toEqual({ status: 200, body: 'ok' });
  });

  it('closes only the connection that breaks the protocol, and keeps serving', async () => {
    const errors: unknown[] = [];
    const server = await start(() => new Response('still here'), { port: 0, onError: (e) => void errors.push(e) }).ready();
    expect(await request(open(server), new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]))).toBe('closed');
    expect(errors).toEqual([expect.objectContaining({ name: 'FastCGIProtocolError' })]);
    expect(await request(open(server), requestRecords(1, GET))).toEqual({ status: 200, body: 'still here' });
  });

  it('closes gracefully: in-flight requests finish and waitUntil work is awaited', async () => {
    let background = false;
    const server = await start(
      async (_request, ctx) => {
        ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, 50)).then(() => (background = true)));
        await new Promise((resolve) => setTimeout(resolve, 50));
        return new Response('finished');
      },
      { port: 0 },
    ).ready();
    const response = request(open(server), requestRecords(1, GET));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await server.close();
    expect(await response).toEqual({ status: 200, body: 'finished' });
    expect(background).toBe(true);
    await expect(request(open(server), requestRecords(1, GET))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stops accepting on stopAccepting() while a connection already open still gets its request served', async () => {
    const server = await start(() => new Response('served'), { port: 0 }).ready();
    const early = open(server);
    await once(early, 'connect');
    stopAccepting(server);
    await vi.waitFor(() => expect(request(open(server), requestRecords(1, GET))).rejects.toMatchObject({ code: 'ECONNREFUSED' }));
    expect(await request(early, requestRecords(1, GET))).toEqual({ status: 200, body: 'served' });
    expect(server.totalRequests).toBe(1);
    await server.close();
  });

  it('aborts requests still running when the close timeout passes', async () => {
    let signal: AbortSignal | undefined;
    const server = await start(
      (request) => {
        signal = request.signal;
        return new Promise<Response>(() => {});
      },
      { port: 0 },
    ).ready();
    const response = request(open(server), requestRecords(1, GET));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close({ timeout: 50 });
    expect(signal?.aborted).toBe(true);
    // END_REQUEST went out (with no STDOUT head) before the connection closed.
    expect(await response).toBe('ended with no response');
  });

  it('takes the listening socket a web server leaves on fd 0 when given no listen option', async () => {
    const path = join(dir, 'spawned.sock');
    const fixture = fileURLToPath(new URL('../../test/support/fixtures/fd0-app.ts', import.meta.url));
    // python3 plays the web server: bind, listen, put the socket on fd 0, exec the app.
    const child = spawn(
      'python3',
      [
        '-c',
        'import os,socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); os.dup2(s.fileno(),0); os.execvp(sys.argv[2], sys.argv[2:])',
        path,
        process.execPath,
        '--import',
        'tsx',
        fixture,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FASTCGI_LISTEN: '' } },
    );
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      expect(JSON.parse(line.toString())).toEqual({ type: 'fd', fd: 0 });
      const result = await request(connect({ path }), requestRecords(1, GET));
      expect(result).toEqual({ status: 200, body: 'from fd 0' });
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});

describe('serve as a CGI program', () => {
  it('answers the one request in its environment and stdin when started as CGI', async () => {
    const fixture = fileURLToPath(new URL('../../test/support/fixtures/cgi-app.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        GATEWAY_INTERFACE: 'CGI/1.1',
        REQUEST_METHOD: 'POST',
        REQUEST_URI: '/cgi/path',
        HTTP_HOST: 'example.com',
        CONTENT_LENGTH: '5',
        SERVER_PROTOCOL: 'HTTP/1.1',
      },
    });
    child.stdin!.end('hello');
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(err).toContain('{"type":"cgi"}');
    expect(out).toMatch(/^Status: 200 OK\r\n/);
    expect(out.endsWith('\r\n\r\nPOST /cgi/path hello')).toBe(true);
  });
});

describe('listen target', () => {
  it('uses fd 0 only when it is a listening socket', () => {
    expect(isListeningSocket(0)).toBe(false);
  });

  it('picks CGI when GATEWAY_INTERFACE is set and fd 0 is no listening socket, before $FASTCGI_LISTEN', () => {
    expect(resolveTarget({}, { GATEWAY_INTERFACE: 'CGI/1.1', FASTCGI_LISTEN: ':9001' })).toEqual({ kind: 'cgi' });
    expect(resolveTarget({ port: 1 }, { GATEWAY_INTERFACE: 'CGI/1.1' })).toMatchObject({ kind: 'tcp' });
  });

  it('falls back to $FASTCGI_LISTEN, then 127.0.0.1:9000', () => {
    expect(resolveTarget({}, { FASTCGI_LISTEN: '/run/app.sock' })).toEqual({ kind: 'unix', path: '/run/app.sock' });
    expect(resolveTarget({}, { FASTCGI_LISTEN: '0.0.0.0:9001' })).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 9001 });
    expect(resolveTarget({}, {})).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(resolveTarget({ fd: 3, path: '/x' }, {})).toEqual({ kind: 'fd', fd: 3 });
  });

  it('parses host:port, [v6]:port, :port, bare ports and socket paths', () => {
    expect(parseListen('[::1]:9000')).toEqual({ kind: 'tcp', host: '::1', port: 9000 });
    expect(parseListen(':9000')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(parseListen('9000')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(parseListen('unix:app.sock')).toEqual({ kind: 'unix', path: 'app.sock' });
    expect(() => parseListen('nonsense:port')).toThrow(/cannot parse/);
  });
});
