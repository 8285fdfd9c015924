/**
 * fastcgi-fetch behind a real nginx (Debian package), over a Unix socket and TCP, with and
 * without kept-alive FastCGI connections.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type FastCGIServer } from 'fastcgi-fetch';
import { floodableConnections, silentFlood } from '../support/fastcgi-peer.js';
import { startNginx } from '../servers/nginx.js';
import { installed, type WebServer } from '../servers/web-server.js';
import { FIVE_MIB, createFixtureApp, pattern, sha256, type FixtureProbe } from './fixture-app.js';

const hasNginx = installed('nginx');
if (!hasNginx) console.warn('skipping nginx integration tests: nginx is not installed (apt-get install nginx)');

const variants = [
  { transport: 'unix', keepConn: false },
  { transport: 'unix', keepConn: true },
  { transport: 'tcp', keepConn: false },
  { transport: 'tcp', keepConn: true },
] as const;

describe.skipIf(!hasNginx).each(variants)('behind nginx over $transport, keep-conn $keepConn', ({ transport, keepConn }) => {
  let dir: string;
  let app: FastCGIServer;
  let nginx: WebServer;
  const probe: FixtureProbe = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fcgi-nginx-'));
    const options = transport === 'unix' ? { path: join(dir, 'app.sock'), socketMode: 0o666 } : { port: 0 };
    app = await serve(createFixtureApp(probe), { ...options, onError: () => {} }).ready();
    const address = app.address!;
    nginx = await startNginx({
      upstream: address.type === 'unix' ? { path: address.path } : { host: '127.0.0.1', port: (address as { port: number }).port },
      keepConn,
    });
  });

  afterAll(async () => {
    await nginx?.stop();
    await app?.close({ timeout: 1000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes the method, the public URL and the request headers, duplicates joined', async () => {
    const response = await fetch(`${nginx.url}/echo?x=1&y=%20z`, {
      headers: [
        ['x-custom', 'a'],
        ['x-custom', 'b'],
        ['x-long', 'v'.repeat(6000)],
      ],
    });
    const echo = await response.json();
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe(`${nginx.url}/echo?x=1&y=%20z`);
    expect(echo.headers['x-custom']).toBe('a, b');
    expect(echo.headers['x-long']).toHaveLength(6000);
    expect(echo.remoteAddress).toBe('127.0.0.1');
  });

  it('keeps %-encoded and UTF-8 path segments byte-exact', async () => {
    const echo = await (await fetch(`${nginx.url}/echo/caf%C3%A9/a%2Fb/%20?q=%C3%A9`)).json();
    expect(echo.url).toBe(`${nginx.url}/echo/caf%C3%A9/a%2Fb/%20?q=%C3%A9`);
  });

  it('forwards status codes, with no body for 204', async () => {
    const notFound = await fetch(`${nginx.url}/nope`);
    expect(notFound.status).toBe(404);
    await notFound.arrayBuffer();
    const created = await fetch(`${nginx.url}/status/201`);
    expect([created.status, await created.text()]).toEqual([201, 'status body']);
    const empty = await fetch(`${nginx.url}/status/204`);
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const failed = await fetch(`${nginx.url}/throw`);
    expect(failed.status).toBe(500);
    await failed.arrayBuffer();
  });

  it('answers HEAD with the Content-Length a GET has, and with none where the app declares none', async () => {
    const get = await fetch(`${nginx.url}/sized`);
    expect([get.headers.get('content-length'), await get.text()]).toEqual(['6', 'hello!']);
    const head = await fetch(`${nginx.url}/sized`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '6', '']);
    // Hono answers HEAD with the GET's headers and no body: the length is unknown, as under @hono/node-server.
    const unknown = await fetch(`${nginx.url}/status/201`, { method: 'HEAD' });
    expect([unknown.status, unknown.headers.get('content-length'), unknown.headers.get('transfer-encoding')]).toEqual([201, null, null]);
  });

  it('delivers two Set-Cookie headers separately and the request cookies', async () => {
    const response = await fetch(`${nginx.url}/cookies`, { headers: { cookie: 'a=1; b=2' } });
    expect(response.headers.getSetCookie()).toEqual(['first=1; Path=/', 'second=2; Path=/; HttpOnly']);
    expect(await response.text()).toBe('cookie header: a=1; b=2');
  });

  it('passes redirects with their Location', async () => {
    const response = await fetch(`${nginx.url}/redirect`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/echo?from=redirect');
  });

  it('receives a 5 MiB upload byte-exact', async () => {
    const body = pattern(FIVE_MIB);
    const response = await fetch(`${nginx.url}/upload`, { method: 'POST', body });
    expect(await response.json()).toEqual({ length: FIVE_MIB, sha256: sha256(body) });
  });

  it('answers an upload it does not read without hanging', async () => {
    const response = await fetch(`${nginx.url}/reject-upload`, { method: 'POST', body: pattern(FIVE_MIB) });
    expect(response.status).toBe(413);
    await response.arrayBuffer();
  });

  it('sends a 5 MiB download byte-exact', async () => {
    const response = await fetch(`${nginx.url}/download`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(FIVE_MIB);
    expect(sha256(bytes)).toBe(sha256(pattern(FIVE_MIB)));
  });

  it('streams: the first event reaches the client before the handler finishes', async () => {
    probe.streamReleased = new Promise((resolve) => (probe.releaseStream = resolve));
    const response = await fetch(`${nginx.url}/stream`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('first')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    // The handler is still waiting for us: this chunk cannot have come from a finished body.
    expect(text).toBe('data: first\n\n');
    probe.releaseStream!();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toBe('data: first\n\ndata: second\n\n');
  });

  it('aborts request.signal in the handler when the client disconnects', async () => {
    const aborted = new Promise<unknown>((resolve) => (probe.onAbort = resolve));
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${nginx.url}/hang`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.setTimeout(10_000, () => reject(new Error('no first event')));
      req.end();
    });
    const reason = await Promise.race([aborted, new Promise((_, reject) => setTimeout(() => reject(new Error('signal never aborted')), 10_000))]);
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('AbortError');
  });
});

describe.skipIf(!hasNginx).each([false, true])('behind nginx (keep-conn %s) while silent connections hold every slot', (keepConn) => {
  let dir: string;
  let app: FastCGIServer;
  let nginx: WebServer;
  const max = floodableConnections(1024);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fcgi-nginx-flood-'));
    const limit = max === 1024 ? {} : { maxConnections: max };
    app = await serve(() => new Response('answered'), { path: join(dir, 'app.sock'), socketMode: 0o666, log: () => {}, ...limit }).ready();
    nginx = await startNginx({ upstream: { path: join(dir, 'app.sock') }, keepConn });
  });

  afterAll(async () => {
    await nginx?.stop();
    await app?.close({ timeout: 1000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the next browser request at once after 2000 connections that send nothing', async () => {
    // Without keep-conn, nginx needs a new connection per request: refused, it answered 502.
    // With keep-conn, its cached connection is the one idle longest: the flood closes it, and
    // nginx must open another rather than fail the request.
    expect(await (await fetch(`${nginx.url}/`)).text()).toBe('answered');
    const flood = await silentFlood(join(dir, 'app.sock'), 2 * max - 48, () => app.totalConnections);
    try {
      const began = Date.now();
      const response = await fetch(`${nginx.url}/`);
      expect([response.status, await response.text()]).toEqual([200, 'answered']);
      expect(Date.now() - began).toBeLessThan(3000); // at once, next to the 120 s idle timeout
    } finally {
      flood.destroy();
    }
  });
});
