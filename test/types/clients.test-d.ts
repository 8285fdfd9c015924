/** The options of createTestClient and createClient, checked by the compiler (never run). */
import { Hono } from 'hono';
import { describe, expectTypeOf, it } from 'vitest';
import type { App } from 'fastcgi-fetch';
import { createClient, type ClientAddress, type ClientOptions, type FastCGIClient, type FastCGIResult } from 'fastcgi-fetch/client';
import { createTestClient, type ApplicationOptions, type PipeOptions, type TestClient, type TestClientOptions } from 'fastcgi-fetch/testing';

const app = new Hono();

describe("createTestClient's options", () => {
  it('are the client, application and pipe options in one bag', () => {
    expectTypeOf<TestClientOptions>().toExtend<ClientOptions>();
    expectTypeOf<TestClientOptions>().toExtend<ApplicationOptions>();
    expectTypeOf<TestClientOptions>().toExtend<PipeOptions>();
    expectTypeOf(createTestClient).parameter(0).toEqualTypeOf<App>();
    expectTypeOf(createTestClient).parameter(1).toEqualTypeOf<TestClientOptions | undefined>();
  });

  it('takes any mix of them, or none', () => {
    expectTypeOf(createTestClient(app)).toEqualTypeOf<TestClient>();
    createTestClient(app, {
      remoteAddress: '203.0.113.5',
      remotePort: 4000,
      documentRoot: '/srv',
      params: { HTTPS: 'on', SERVER_NAME: undefined },
      multiplex: true,
      keepConn: false,
      maxRequests: 2,
      maxBodySize: 1024,
      requestTimeout: 100,
      overrideGlobalObjects: false,
      chunkSize: 1,
      highWaterMark: 16,
      onError: (error) => new Response(String(error), { status: 500 }),
      onStderr: (line, request) => void `${request.url} ${line}`,
    });
  });

  it('refuses unknown options, wrong types and a non-app', () => {
    // @ts-expect-error no such option (the client's is remoteAddress)
    createTestClient(app, { remoteAddr: '203.0.113.5' });
    // @ts-expect-error chunkSize is a number of bytes
    createTestClient(app, { chunkSize: '1' });
    // @ts-expect-error the role is one of the three FastCGI roles
    createTestClient(app, { role: 'proxy' });
    // @ts-expect-error not an app
    createTestClient({ fetch: () => 'hello' });
  });

  it('gives a FastCGI client that also waits for the app', () => {
    expectTypeOf<TestClient>().toExtend<FastCGIClient>();
    expectTypeOf<TestClient['fetch']>().returns.toEqualTypeOf<Promise<Response>>();
    expectTypeOf<TestClient['request']>().returns.toEqualTypeOf<Promise<FastCGIResult>>();
    expectTypeOf<TestClient['settled']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<TestClient['activeRequests']>().toEqualTypeOf<number>();
  });
});

describe("createClient's address and options", () => {
  it('connects to a Unix socket path or a TCP port, with an optional host', () => {
    expectTypeOf(createClient({ path: '/run/php/php-fpm.sock' })).toEqualTypeOf<FastCGIClient>();
    expectTypeOf(createClient({ port: 9000 })).toEqualTypeOf<FastCGIClient>();
    expectTypeOf(createClient({ host: '127.0.0.1', port: 9000 }, { documentRoot: '/var/www' })).toEqualTypeOf<FastCGIClient>();
    expectTypeOf<ClientAddress>().toEqualTypeOf<{ path: string } | { host?: string; port: number }>();
  });

  it('refuses an address with neither path nor port, and unknown options', () => {
    // @ts-expect-error a host alone says no port
    createClient({ host: '127.0.0.1' });
    // @ts-expect-error no such option (a typo of timeout)
    createClient({ port: 9000 }, { timeOut: 10 });
    // @ts-expect-error multiplex is a boolean or 'auto'
    createClient({ port: 9000 }, { multiplex: 'yes' });
  });

  it('fetches like the platform: Request, string or URL in, Response out', () => {
    const client = createClient({ port: 9000 });
    expectTypeOf(client.fetch).toBeCallableWith('http://example.com/index.php');
    expectTypeOf(client.fetch).toBeCallableWith(new URL('http://example.com/'), { method: 'POST', body: 'x=1' });
    expectTypeOf(client.fetch).toBeCallableWith(new Request('http://example.com/'), { params: { SCRIPT_FILENAME: '/srv/a.php' } });
    expectTypeOf(client.fetch).returns.toEqualTypeOf<Promise<Response>>();
  });
});
