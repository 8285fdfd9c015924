/**
 * The app every integration suite runs behind a real web server: a Hono router exercising
 * what a web server can get wrong (URLs, headers, cookies, bodies, streaming, aborts).
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import type { FastCGIContext } from 'fastcgi-fetch';

/** Hooks a test uses to watch the handler from outside. */
export interface FixtureProbe {
  /** Resolved by the test once it has seen the first streamed chunk. */
  releaseStream?: () => void;
  streamReleased?: Promise<void>;
  /** Set when a request's signal aborts (client disconnect). */
  aborted?: Promise<unknown>;
  onAbort?: (reason: unknown) => void;
  /** When set, /hang ends its response once this resolves (servers that never abort it). */
  hangReleased?: Promise<void> | undefined;
}

export const FIVE_MIB = 5 * 1024 * 1024;

/** Deterministic bytes: the same on both ends without sending them twice. */
export function pattern(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function createFixtureApp(probe: FixtureProbe = {}) {
  const app = new Hono<{ Bindings: FastCGIContext }>();
  // Mounted under a prefix (/app/), the handler sees the public path: strip it for routing.
  const base = new Hono<{ Bindings: FastCGIContext }>();

  base.get('/echo', (c) => {
    const url = new URL(c.req.url);
    return c.json({
      method: c.req.method,
      url: c.req.url,
      pathname: url.pathname,
      search: url.search,
      headers: Object.fromEntries(c.req.raw.headers),
      https: c.env.https,
      remoteAddress: c.env.remoteAddress,
    });
  });
  base.all('/echo/*', (c) => c.json({ url: c.req.url, method: c.req.method }));

  base.get('/status/:code', (c) => {
    const status = Number(c.req.param('code'));
    // 204 and 304 cannot carry a body; the 304 keeps its validators.
    if (status === 204) return new Response(null, { status });
    if (status === 304) return new Response(null, { status, headers: { etag: '"v1"' } });
    return new Response('status body', { status });
  });

  // Declares its length, so a HEAD answer (Hono answers HEAD with the GET's headers) keeps it.
  base.get('/sized', (c) => c.body('hello!', 200, { 'content-type': 'text/plain', 'content-length': '6' }));

  base.get('/hold', async (c) => {
    await probe.streamReleased;
    return c.json({ requestId: c.env.requestId });
  });

  // What the process and the request look like from inside: CGI vs FastCGI, httpoxy, roles.
  base.all('/env', (c) =>
    c.json({
      role: c.env.role,
      requestId: c.env.requestId,
      pid: process.pid,
      processHttpProxy: process.env.HTTP_PROXY ?? null,
      proxyHeader: c.req.header('proxy') ?? null,
      gatewayInterface: c.env.params.GATEWAY_INTERFACE ?? null,
      // Any case: Headers lowercase names, so Variable-AUTHZ_USER reaches the server as authz_user.
      authorized: Object.fromEntries(Object.entries(c.env.params).filter(([name]) => name.toUpperCase().startsWith('AUTHZ_'))),
      remoteUser: c.env.params.REMOTE_USER ?? null,
    }),
  );

  base.get('/cookies', (c) => {
    const headers = new Headers({ 'content-type': 'text/plain' });
    headers.append('set-cookie', 'first=1; Path=/');
    headers.append('set-cookie', 'second=2; Path=/; HttpOnly');
    return new Response(`cookie header: ${c.req.header('cookie') ?? ''}`, { headers });
  });

  base.get('/redirect', (c) => c.redirect('/echo?from=redirect', 302));

  base.on(
    ['POST', 'PUT', 'PATCH'],
    '/echo-body',
    async (c) => new Response(await c.req.text(), { headers: { 'content-type': c.req.header('content-type') ?? 'text/plain' } }),
  );

  base.post('/upload', async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.json({ length: bytes.length, sha256: sha256(bytes) });
  });

  base.post('/reject-upload', () => new Response('too big for me', { status: 413 }));

  base.get('/download', (c) => {
    const size = Number(c.req.query('size') ?? FIVE_MIB);
    const bytes = pattern(size);
    let offset = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
          offset += 64 * 1024;
        },
      }),
      { headers: { 'content-type': 'application/octet-stream' } },
    );
  });

  base.get('/stream', () => {
    const encoder = new TextEncoder();
    return new Response(
      new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('data: first\n\n'));
          await probe.streamReleased;
          controller.enqueue(encoder.encode('data: second\n\n'));
          controller.close();
        },
      }),
      { headers: { 'content-type': 'text/event-stream', 'x-accel-buffering': 'no', 'cache-control': 'no-cache' } },
    );
  });

  base.get('/hang', (c) => {
    c.req.raw.signal.addEventListener('abort', () => probe.onAbort?.(c.req.raw.signal.reason), { once: true });
    const encoder = new TextEncoder();
    return new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('data: waiting\n\n'));
          void probe.hangReleased?.then(() => {
            if (!c.req.raw.signal.aborted) controller.close();
          });
        },
      }),
      { headers: { 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' } },
    );
  });

  // A body that breaks after its first chunk went out: the browser must see a failed transfer.
  base.get('/fail-midway', () => {
    const encoder = new TextEncoder();
    return new Response(
      new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('chunk1\n'));
          await new Promise((resolve) => setTimeout(resolve, 200));
          controller.error(new Error('fixture body failure'));
        },
      }),
      { headers: { 'content-type': 'text/plain' } },
    );
  });

  base.get('/throw', () => {
    throw new Error('fixture failure');
  });

  app.route('/', base);
  app.route('/app', base);
  return app;
}
