import { describe, expect, it } from 'vitest';
import type { FastCGIContext } from 'fastcgi-fetch';
import { createTestClient, FastCGIRejectedError, FastCGIResponseAbortedError } from 'fastcgi-fetch/testing';

const echoParams = (request: Request, context: FastCGIContext) =>
  Response.json({
    url: request.url,
    method: request.method,
    remote: context.remoteAddress,
    https: context.https,
    role: context.role,
    requestId: context.requestId,
    custom: context.params.APP_ENV ?? null,
    header: request.headers.get('x-trace'),
  });

describe('createTestClient', () => {
  it('answers a GET through the whole protocol with a relative URL', async () => {
    const client = createTestClient(() => new Response('hello', { headers: { 'x-kind': 'greeting' } }));
    const response = await client.fetch('/hello');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-kind')).toBe('greeting');
    expect(response.headers.get('content-length')).toBe('5');
    expect(await response.text()).toBe('hello');
    await client.close();
  });

  it('maps params the way the app sees them, with overrides for REMOTE_ADDR and HTTPS', async () => {
    const client = createTestClient(echoParams, { params: { APP_ENV: 'test' } });
    const response = await client.fetch('http://example.test/p?q=1', {
      headers: { 'x-trace': 't1' },
      params: { REMOTE_ADDR: '198.51.100.7', HTTPS: 'on', SERVER_PORT: '443', REQUEST_SCHEME: undefined },
    });
    expect(await response.json()).toEqual({
      url: 'https://example.test/p?q=1',
      method: 'GET',
      remote: '198.51.100.7',
      https: true,
      role: 'responder',
      requestId: 1,
      custom: 'test',
      header: 't1',
    });
    await client.close();
  });

  it('sends a request body and streams a large response back with backpressure', async () => {
    const size = 3 * 1024 * 1024;
    const client = createTestClient(async (request) => {
      const received = (await request.arrayBuffer()).byteLength;
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= size) return controller.close();
          const chunk = new Uint8Array(Math.min(100_000, size - sent)).fill(sent % 251);
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      return new Response(body, { headers: { 'x-received': String(received) } });
    });
    const response = await client.fetch('/upload', { method: 'POST', body: new Uint8Array(1_000_000) });
    expect(response.headers.get('x-received')).toBe('1000000');
    expect((await response.arrayBuffer()).byteLength).toBe(size);
    await client.close();
  });

  it('decodes params that straddle records and bytes split one at a time', async () => {
    const long = 'x'.repeat(300);
    const client = createTestClient(echoParams, { recordSize: 7, chunkSize: 1, params: { APP_ENV: long } });
    const response = await client.fetch('/straddle', { headers: { 'x-trace': 'split' } });
    expect(await response.json()).toMatchObject({ custom: long, header: 'split' });
    await client.close();
  });

  it('multiplexes many concurrent requests over one connection when asked', async () => {
    const client = createTestClient(
      async (request, context) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return new Response(`${new URL(request.url).pathname} ${context.requestId}`);
      },
      { multiplex: true },
    );
    const texts = await Promise.all(Array.from({ length: 50 }, async (_, i) => (await client.fetch(`/r${i}`)).text()));
    for (const [i, text] of texts.entries()) expect(text.startsWith(`/r${i} `)).toBe(true);
    expect(new Set(texts.map((text) => text.split(' ')[1])).size).toBe(50);
    expect(client.stats.opened).toBe(1);
    await client.close();
  });

  it('uses request id 1 and one connection per request at a time by default, like nginx', async () => {
    const client = createTestClient((_request, context) => new Response(String(context.requestId)));
    const ids = await Promise.all([1, 2, 3].map(async () => (await client.fetch('/')).text()));
    expect(ids).toEqual(['1', '1', '1']);
    expect(client.stats.opened).toBe(3);
    for (let i = 0; i < 3; i++) await (await client.fetch('/')).text();
    expect(client.stats.opened).toBe(3);
    await client.close();
  });

  it('opens a new connection for every request with keep-conn off', async () => {
    const client = createTestClient(() => new Response('x'), { keepConn: false });
    for (let i = 0; i < 4; i++) expect(await (await client.fetch('/')).text()).toBe('x');
    expect(client.stats.opened).toBe(4);
    await client.close();
  });

  it.each([
    ['multiplexed (ABORT_REQUEST)', true],
    ['not multiplexed (connection closed)', false],
  ])('aborts the handler mid-way when the request signal fires, %s', async (_name, multiplex) => {
    let seen: unknown;
    let onAborted!: () => void;
    const handlerAborted = new Promise<void>((resolve) => (onAborted = resolve));
    const client = createTestClient(
      (request) => {
        request.signal.addEventListener('abort', () => {
          seen = request.signal.reason;
          onAborted();
        });
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('first'));
          },
        });
        return new Response(body);
      },
      { multiplex },
    );
    const controller = new AbortController();
    const response = await client.fetch('/stream', { signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first');
    controller.abort(new Error('client left'));
    await expect(reader.read()).rejects.toThrow('client left');
    await handlerAborted;
    expect((seen as DOMException).name).toBe('AbortError');
    await client.close({ force: true });
  });

  it.each([
    ['multiplexed', true],
    ['not multiplexed', false],
  ])("fails the response body when the handler's body breaks mid-way, and serves on, %s", async (_name, multiplex) => {
    const encoder = new TextEncoder();
    const reported: unknown[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const client = createTestClient(
      async (request) => {
        const path = new URL(request.url).pathname;
        if (path === '/ok') return new Response('ok');
        if (path === '/beside') {
          await released;
          return new Response('beside');
        }
        return new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(encoder.encode('chunk1\n'));
              await new Promise((resolve) => setTimeout(resolve, 20));
              controller.error(new Error('disk gone'));
            },
          }),
        );
      },
      { multiplex, onError: (error) => void reported.push(error) },
    );
    // On a multiplexed connection this one shares the connection with the broken one.
    const beside = client.fetch('/beside');
    const { response, completed } = await client.request('/broken');
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('chunk1\n');
    const error = await reader.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FastCGIResponseAbortedError);
    await expect(completed).rejects.toBeInstanceOf(FastCGIResponseAbortedError);
    release();
    expect(await (await beside).text()).toBe('beside');
    expect(await (await client.fetch('/ok')).text()).toBe('ok');
    expect((reported[0] as Error).message).toMatch(/after the head was sent: Error: disk gone/);
    await client.close();
  });

  it('exposes FCGI_STDERR lines the app writes with context.log', async () => {
    const client = createTestClient((_request, context) => {
      context.log('one');
      context.log('two');
      return new Response('ok');
    });
    const { response, completed } = await client.request('/');
    expect(await response.text()).toBe('ok');
    expect(await completed).toEqual({ appStatus: 0, stderr: ['one', 'two'] });
    await client.close();
  });

  it('runs the Authorizer role with no body and Variable- headers', async () => {
    const client = createTestClient(
      (request, context) =>
        request.headers.get('authorization') === 'Bearer ok'
          ? new Response(null, { status: 200, headers: { 'Variable-USER': 'ada', 'x-role': context.role } })
          : new Response('no', { status: 401 }),
      { role: 'authorizer' },
    );
    const allowed = await client.fetch('/private', { headers: { authorization: 'Bearer ok' } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('variable-user')).toBe('ada');
    expect(allowed.headers.get('x-role')).toBe('authorizer');
    expect((await client.fetch('/private')).status).toBe(401);
    await client.close();
  });

  it('sends the Filter role its DATA stream after STDIN', async () => {
    const client = createTestClient(async (_request, context) => {
      const text = await new Response(context.data).text();
      return new Response(`${context.params.FCGI_DATA_LENGTH}:${text.toUpperCase()}`);
    });
    const response = await client.fetch('/doc.txt', { role: 'filter', data: 'filter me' });
    expect(await response.text()).toBe('9:FILTER ME');
    await client.close();
  });

  it('reports an application that refuses the request (overloaded) with a typed error', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const client = createTestClient(
      async () => {
        await gate;
        return new Response('late');
      },
      { maxRequests: 1, multiplex: true },
    );
    const first = client.fetch('/slow');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(client.fetch('/second')).rejects.toBeInstanceOf(FastCGIRejectedError);
    release();
    expect(await (await first).text()).toBe('late');
    await client.close();
  });

  it('waits for waitUntil work on close', async () => {
    let finished = false;
    const client = createTestClient((_request, context) => {
      context.waitUntil(new Promise((resolve) => setTimeout(resolve, 30)).then(() => (finished = true)));
      return new Response('now');
    });
    expect(await (await client.fetch('/')).text()).toBe('now');
    expect(finished).toBe(false);
    await client.close();
    expect(finished).toBe(true);
  });

  it('answers GET_VALUES from the engine', async () => {
    const client = createTestClient(() => new Response(''), { maxRequests: 7 });
    expect(await client.getValues()).toEqual({ FCGI_MAX_CONNS: '1024', FCGI_MAX_REQS: '7', FCGI_MPXS_CONNS: '1' });
    await client.close();
  });
});
