import { describe, expect, it, vi } from 'vitest';
import { RecordType, encodeBeginRequest, encodeParams, encodeStream, type Pair } from '../../../src/protocol/index.js';
import { abortRecord, createWire, parseCgiResponse, requestRecords, type WireOptions } from '../fastcgi-peer.js';
import type { ErrorHandler, FastCGIContext, FetchHandler } from '../../../src/types.js';
import { BodyIncompleteError } from '../../../src/engine/input-stream.js';
import { handleRequest } from '../../../src/fetch/handle-request.js';

const GET: Pair[] = [
  ['REQUEST_METHOD', 'GET'],
  ['REQUEST_URI', '/path?q=1'],
  ['HTTP_HOST', 'example.com'],
];
const POST = (length: number): Pair[] => [
  ['REQUEST_METHOD', 'POST'],
  ['REQUEST_URI', '/upload'],
  ['HTTP_HOST', 'example.com'],
  ['CONTENT_LENGTH', String(length)],
];

interface Setup {
  onError?: ErrorHandler;
  maxBodySize?: number;
  wire?: WireOptions;
}

function setup(fetch: FetchHandler, { onError, maxBodySize = 1 << 20, wire: wireOptions }: Setup = {}) {
  const logs: string[] = [];
  const waited: Promise<unknown>[] = [];
  const wire = createWire({
    ...wireOptions,
    limits: { maxBodySize, ...wireOptions?.limits },
    onRequest: (request) => {
      void handleRequest(request, { fetch, onError, maxBodySize, waitUntil: (p) => waited.push(p), log: (l) => logs.push(l) });
    },
  });
  const done = async (id = 1) => {
    await vi.waitFor(() => {
      if (!wire.output().get(id)?.end) throw new Error(`request ${id} has not ended`);
    });
    const out = wire.output().get(id)!;
    return { ...cgi(out.stdout), stderr: out.stderr, end: out.end! };
  };
  return { wire, logs, waited, done };
}

/** The CGI response as these expectations read it: the status line, header pairs, the body as latin1. */
function cgi(stdout: Uint8Array): { status: string; headers: Array<[string, string]>; body: string } {
  const { status, statusText, headers, body } = parseCgiResponse(stdout);
  return { status: statusText === '' ? String(status) : `${status} ${statusText}`, headers: [...headers], body: body.toString('latin1') };
}

const header = (headers: Array<[string, string]>, name: string) => headers.filter(([n]) => n === name).map(([, v]) => v);

/**
 * The handleRequest behaviours, run once with platform Request/Response objects and once with
 * the light ones the fast globals install: both must be indistinguishable to a handler.
 */
export function describeHandleRequest(mode: string): void {
  describe(`handleRequest (${mode})`, () => {
    it('gives the handler a Request with method, URL, headers and a streamed body', async () => {
      let seen: { method: string; url: string; type: string | null; body: string } | undefined;
      const { wire, done } = setup(async (request) => {
        seen = { method: request.method, url: request.url, type: request.headers.get('content-type'), body: await request.text() };
        return new Response('ok');
      });
      wire.send(requestRecords(1, [...POST(5), ['CONTENT_TYPE', 'text/plain']], 'hello'));
      const res = await done();
      expect(seen).toEqual({ method: 'POST', url: 'http://example.com/upload', type: 'text/plain', body: 'hello' });
      expect(res.status).toBe('200 OK');
      expect(res.body).toBe('ok');
    });

    it('gives GET and HEAD requests a null body', async () => {
      let body: unknown = 'unset';
      const { wire, done } = setup((request) => {
        body = request.body;
        return new Response('x');
      });
      wire.send(requestRecords(1, GET, 'ignored'));
      await done();
      expect(body).toBeNull();
    });

    it('passes a typed context with the CGI params, and an ExecutionContext whose waitUntil is tracked', async () => {
      let context: FastCGIContext | undefined;
      const { wire, done, waited } = setup((_request, ctx, exec) => {
        context = ctx;
        exec.waitUntil(Promise.resolve('later'));
        exec.passThroughOnException();
        return new Response('x');
      });
      wire.send(
        requestRecords(1, [
          ...GET,
          ['REMOTE_ADDR', '10.0.0.1'],
          ['REMOTE_PORT', '5555'],
          ['SERVER_NAME', 'srv'],
          ['SERVER_PORT', '443'],
          ['HTTPS', 'on'],
          ['SCRIPT_FILENAME', '/srv/caf\u00e9'],
        ]),
      );
      await done();
      expect(context).toMatchObject({
        role: 'responder',
        requestId: 1,
        remoteAddress: '10.0.0.1',
        remotePort: 5555,
        serverName: 'srv',
        serverPort: 443,
        https: true,
        data: null,
      });
      expect(context!.params.SCRIPT_FILENAME).toBe('/srv/caf\u00e9');
      expect(waited).toHaveLength(1);
    });

    it('runs a Hono app whose handlers use c.env and c.executionCtx.waitUntil', async () => {
      const { Hono } = await import('hono');
      const app = new Hono<{ Bindings: FastCGIContext }>();
      app.get('/path', (c) => {
        c.executionCtx.waitUntil(Promise.resolve());
        return c.text(`${c.env.role} ${c.req.query('q')}`);
      });
      const { wire, done, waited } = setup((request, context, exec) => app.fetch(request, context, exec));
      wire.send(requestRecords(1, GET));
      expect((await done()).body).toBe('responder 1');
      expect(waited).toHaveLength(1);
    });

    it('writes context.log lines to FCGI_STDERR', async () => {
      const { wire, done } = setup((_r, ctx) => {
        ctx.log('something happened');
        return new Response('x');
      });
      wire.send(requestRecords(1, GET));
      expect((await done()).stderr).toBe('something happened\n');
    });

    it('sends the Status line, every Set-Cookie on its own line, and no Transfer-Encoding', async () => {
      const { wire, done } = setup(() => {
        const headers = new Headers({ 'x-one': '1', 'transfer-encoding': 'chunked', location: '/next' });
        headers.append('set-cookie', 'a=1; Path=/');
        headers.append('set-cookie', 'b=2, with comma');
        return new Response('moved', { status: 302, headers });
      });
      wire.send(requestRecords(1, GET));
      const res = await done();
      expect(res.status).toBe('302 Found');
      expect(header(res.headers, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2, with comma']);
      expect(header(res.headers, 'transfer-encoding')).toEqual([]);
      expect(header(res.headers, 'location')).toEqual(['/next']);
    });

    it("writes an Authorizer's Variable-NAME headers with NAME upper-cased, and leaves a Responder's alone", async () => {
      const { wire, done } = setup(() => new Response(null, { headers: { 'Variable-Auth_User': 'alice' } }));
      const raw = (id: number) => new TextDecoder().decode(wire.output().get(id)!.stdout);
      wire.send(requestRecords(1, [['HTTP_HOST', 'h']], undefined, { role: 2, keepConn: true }));
      await done(1);
      expect(raw(1)).toContain('Variable-AUTH_USER: alice\r\n');
      wire.send(requestRecords(2, [['HTTP_HOST', 'h']]));
      await done(2);
      expect(raw(2)).toContain('variable-auth_user: alice\r\n');
    });

    it('writes header values byte for byte (ISO-8859-1), as they arrived', async () => {
      const { wire } = setup((request) => new Response('x', { headers: { 'x-echo': request.headers.get('x-name')! } }));
      wire.send(
        requestRecords(1, [
          ['HTTP_HOST', 'h'],
          ['HTTP_X_NAME', new Uint8Array([0x63, 0xe9])],
        ]),
      );
      await vi.waitFor(() => expect(wire.output().get(1)?.end).toBeDefined());
      const stdout = wire.output().get(1)!.stdout;
      const at = new TextDecoder('latin1').decode(stdout).indexOf('x-echo: ');
      expect([...stdout.subarray(at + 8, at + 10)]).toEqual([0x63, 0xe9]);
    });

    it('counts a string body in UTF-8 bytes, and sends only the length for HEAD', async () => {
      const { wire, done } = setup(() => new Response('h\u00e9llo \u2603'));
      wire.send(requestRecords(1, [['HTTP_HOST', 'h']], undefined, { keepConn: true }));
      const get = await done(1);
      expect(header(get.headers, 'content-length')).toEqual(['10']);
      expect(new TextDecoder().decode(wire.output().get(1)!.stdout).endsWith('\r\n\r\nh\u00e9llo \u2603')).toBe(true);
      wire.send(
        requestRecords(2, [
          ['REQUEST_METHOD', 'HEAD'],
          ['HTTP_HOST', 'h'],
        ]),
      );
      const head = await done(2);
      // A light response knows its length without reading; a platform one's body is not read for HEAD.
      expect(['10', undefined]).toContain(header(head.headers, 'content-length')[0]);
      expect(head.body).toBe('');
    });

    it('answers HEAD with the Content-Length the response declares, never 0 for the body it does not send', async () => {
      const { wire, done } = setup((request) => {
        const path = new URL(request.url).pathname;
        if (path === '/declared') return new Response(null, { headers: { 'content-length': '1234' } });
        // A handler that answers HEAD itself, with an empty body and the size of what GET sends.
        if (path === '/declared-empty') return new Response('', { headers: { 'content-length': '1234' } });
        return new Response(null, { headers: { 'content-type': 'text/plain' } });
      });
      const head = (id: number, path: string) =>
        requestRecords(
          id,
          [
            ['REQUEST_METHOD', 'HEAD'],
            ['REQUEST_URI', path],
            ['HTTP_HOST', 'h'],
          ],
          undefined,
          { keepConn: true },
        );
      wire.send(head(1, '/declared'));
      const declared = await done(1);
      expect([header(declared.headers, 'content-length'), declared.body]).toEqual([['1234'], '']);
      wire.send(head(2, '/declared-empty'));
      expect(header((await done(2)).headers, 'content-length')).toEqual(['1234']);
      wire.send(head(3, '/unknown'));
      const unknown = await done(3);
      // The length of a body nobody made is unknown: no Content-Length, as node:http sends it.
      expect([header(unknown.headers, 'content-length'), unknown.body]).toEqual([[], '']);
      wire.send(
        requestRecords(4, [
          ['REQUEST_URI', '/unknown'],
          ['HTTP_HOST', 'h'],
        ]),
      );
      expect(header((await done(4)).headers, 'content-length')).toEqual(['0']);
    });

    it("answers HEAD to a Hono route with the GET route's headers and no made-up length", async () => {
      const { Hono } = await import('hono');
      const app = new Hono();
      app.get('/text', (c) => c.text('hello!'));
      app.get('/sized', (c) => c.body('hello!', 200, { 'content-length': '6' }));
      const { wire, done } = setup((request) => app.fetch(request));
      const head = (id: number, path: string) =>
        requestRecords(
          id,
          [
            ['REQUEST_METHOD', 'HEAD'],
            ['REQUEST_URI', path],
            ['HTTP_HOST', 'h'],
          ],
          undefined,
          { keepConn: true },
        );
      wire.send(head(1, '/sized'));
      const sized = await done(1);
      expect([sized.status, header(sized.headers, 'content-length'), sized.body]).toEqual(['200 OK', ['6'], '']);
      wire.send(head(2, '/text'));
      const text = await done(2);
      expect(header(text.headers, 'content-type')[0]).toMatch(/^text\/plain/);
      expect([header(text.headers, 'content-length'), text.body]).toEqual([[], '']);
    });

    it('sanitises a status text with CR/LF', async () => {
      const { wire, done } = setup(() => new Response('x', { status: 418, statusText: 'I am\ta teapot' }));
      wire.send(requestRecords(1, GET));
      expect((await done()).status).toBe('418 I am\ta teapot');
    });

    it('sends a small response in one write: head, STDOUT, empty STDOUT and END_REQUEST, with its length', async () => {
      const { wire, done } = setup(() => new Response('Hello, world!'));
      wire.send(requestRecords(1, GET));
      const res = await done();
      expect(wire.writes).toHaveLength(1);
      expect(header(res.headers, 'content-length')).toEqual(['13']);
    });

    it('drops a declared Content-Length on a streamed body, which may not meet it', async () => {
      const { wire, done } = setup(() => {
        let step = 0;
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (step++ > 0) await new Promise((resolve) => setTimeout(resolve, 5));
            controller.enqueue(new TextEncoder().encode('part'));
            if (step === 2) controller.close();
          },
        });
        return new Response(stream, { headers: { 'content-length': '999' } });
      });
      wire.send(requestRecords(1, GET));
      const res = await done();
      expect(header(res.headers, 'content-length')).toEqual([]);
      expect(res.body).toBe('partpart');
    });

    it('answers HEAD without pumping the body, keeping the declared length', async () => {
      let cancelled = false;
      const { wire, done } = setup(
        () =>
          new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(10)), cancel: () => void (cancelled = true) }), {
            headers: { 'content-length': '123' },
          }),
      );
      wire.send(
        requestRecords(1, [
          ['REQUEST_METHOD', 'HEAD'],
          ['REQUEST_URI', '/'],
          ['HTTP_HOST', 'h'],
        ]),
      );
      const res = await done();
      expect(res.body).toBe('');
      expect(header(res.headers, 'content-length')).toEqual(['123']);
      expect(cancelled).toBe(true);
    });

    it('sends 204 and 304 without a body', async () => {
      const { wire, done } = setup((request) => new Response(null, { status: request.url.endsWith('204') ? 204 : 304 }));
      wire.send(
        requestRecords(
          1,
          [
            ['REQUEST_URI', '/204'],
            ['HTTP_HOST', 'h'],
          ],
          undefined,
          { keepConn: true },
        ),
      );
      const a = await done(1);
      wire.send(
        requestRecords(2, [
          ['REQUEST_URI', '/304'],
          ['HTTP_HOST', 'h'],
        ]),
      );
      const b = await done(2);
      expect([a.status, a.body, b.status, b.body]).toEqual(['204 No Content', '', '304 Not Modified', '']);
      expect(header(a.headers, 'content-length')).toEqual([]);
    });

    describe('contains a failing handler to its own request', () => {
      const failures: Array<[string, FetchHandler]> = [
        [
          'throws',
          () => {
            throw new Error('secret detail');
          },
        ],
        [
          'rejects',
          async () => {
            throw new Error('secret detail');
          },
        ],
        ['returns a non-Response', () => undefined as unknown as Response],
        ['returns Response.error() (a network error, which has no status to send)', () => Response.error()],
        [
          'returns a body stream of strings (the platform errors reading it)',
          () =>
            new Response(
              new ReadableStream({
                start: (c) => {
                  c.enqueue('secret detail');
                  c.close();
                },
              }),
            ),
        ],
      ];
      for (const [name, handler] of failures) {
        it(`answers a handler that ${name} with a detail-free 500, and the next request works`, async () => {
          const errors: unknown[] = [];
          const { wire, done } = setup((request, ctx, exec) => (request.url.endsWith('/ok') ? new Response('fine') : handler(request, ctx, exec)), {
            onError: (error) => void errors.push(error),
          });
          wire.send(
            requestRecords(
              1,
              [
                ['REQUEST_URI', '/bad'],
                ['HTTP_HOST', 'h'],
              ],
              undefined,
              { keepConn: true },
            ),
          );
          const bad = await done(1);
          expect(bad.status).toBe('500 Internal Server Error');
          expect(bad.body).not.toContain('secret');
          expect(bad.stderr).toMatch(/request failed/);
          expect(errors).toHaveLength(1);
          wire.send(
            requestRecords(
              2,
              [
                ['REQUEST_URI', '/ok'],
                ['HTTP_HOST', 'h'],
              ],
              undefined,
              { keepConn: true },
            ),
          );
          expect((await done(2)).body).toBe('fine');
        });
      }
    });

    it('answers 500 for a response whose headers cannot be sent, and keeps serving', async () => {
      const { wire, done } = setup((request) => (request.url.endsWith('/ok') ? new Response('fine') : new Response('x', { headers: [['bad name', 'v']] })));
      wire.send(
        requestRecords(
          1,
          [
            ['REQUEST_URI', '/bad'],
            ['HTTP_HOST', 'h'],
          ],
          undefined,
          { keepConn: true },
        ),
      );
      expect((await done(1)).status).toBe('500 Internal Server Error');
      wire.send(
        requestRecords(2, [
          ['REQUEST_URI', '/ok'],
          ['HTTP_HOST', 'h'],
        ]),
      );
      expect((await done(2)).body).toBe('fine');
    });

    it('uses the Response that onError returns', async () => {
      const { wire, done } = setup(
        () => {
          throw new Error('boom');
        },
        { onError: () => new Response('custom', { status: 503 }) },
      );
      wire.send(requestRecords(1, GET));
      const res = await done();
      expect([res.status, res.body]).toEqual(['503 Service Unavailable', 'custom']);
    });

    it('logs to the app stderr when no onError is set', async () => {
      const { wire, done, logs } = setup(() => {
        throw new Error('boom');
      });
      wire.send(requestRecords(1, GET));
      await done();
      expect(logs.join('\n')).toMatch(/GET http:\/\/example.com\/path\?q=1 failed: Error: boom/);
    });

    it('fails the request as a broken response, never a complete one, when the body stream errors after the head went out', async () => {
      const errors: unknown[] = [];
      const { wire } = setup(
        () => {
          let step = 0;
          return new Response(
            new ReadableStream({
              async pull(controller) {
                await new Promise((resolve) => setTimeout(resolve, 2));
                if (step++ === 0) controller.enqueue(new TextEncoder().encode('first'));
                else controller.error(new Error('disk gone'));
              },
            }),
          );
        },
        { onError: (error) => void errors.push(error) },
      );
      wire.send(requestRecords(1, GET));
      await vi.waitFor(() => {
        if (!wire.output().get(1)?.failed) throw new Error('request 1 has not failed');
      });
      const out = wire.output().get(1)!;
      expect(cgi(out.stdout)).toMatchObject({ status: '200 OK', body: 'first' });
      // No empty STDOUT record and no END_REQUEST: the web server must not take it for complete.
      expect([out.stdoutClosed, out.end]).toEqual([false, undefined]);
      expect(out.failed).toBe('abort-record');
      expect(wire.ended).toBe(true);
      // The reason reached the web server's log before the request failed (the decoder rejects STDERR after it).
      expect(out.stderr).toMatch(/request failed: BodyStreamError: .*disk gone/);
      await vi.waitFor(() => expect(errors).toHaveLength(1));
    });

    it('answers 413 without calling the handler when CONTENT_LENGTH is over maxBodySize', async () => {
      const handler = vi.fn(() => new Response('x'));
      const { wire, done } = setup(handler, { maxBodySize: 10 });
      wire.send(requestRecords(1, POST(11), 'x'.repeat(11)));
      expect((await done()).status).toBe('413 Content Too Large');
      expect(handler).not.toHaveBeenCalled();
    });

    it('answers 413 when a body without a trustworthy length grows past maxBodySize', async () => {
      const { wire, done } = setup(async (request) => new Response(await request.text()), { maxBodySize: 10 });
      wire.send(
        requestRecords(
          1,
          [
            ['REQUEST_METHOD', 'POST'],
            ['REQUEST_URI', '/'],
            ['HTTP_HOST', 'h'],
          ],
          'y'.repeat(50),
        ),
      );
      expect((await done()).status).toBe('413 Content Too Large');
    });

    it("answers 400 when STDIN ends short of CONTENT_LENGTH: the handler's read rejects with BodyIncompleteError", async () => {
      let failure: unknown;
      const { wire, done, logs } = setup(async (request) => {
        try {
          return new Response(await request.text());
        } catch (error) {
          failure = error;
          throw error;
        }
      });
      wire.send(requestRecords(1, POST(100), 'x'.repeat(50), { keepConn: true }));
      const cut = await done(1);
      expect(cut.status).toBe('400 Bad Request');
      expect(cut.stderr).toMatch(/request body ended after 50 of the 100 bytes announced/);
      expect(failure).toBeInstanceOf(BodyIncompleteError);
      expect(logs).toEqual([]);
      wire.send(requestRecords(2, POST(2), 'ok'));
      expect((await done(2)).body).toBe('ok');
    });

    it('never gives the handler bytes past CONTENT_LENGTH', async () => {
      const { wire, done } = setup(async (request) => new Response(`${request.headers.get('content-length')} ${await request.text()}`));
      wire.send(requestRecords(1, POST(10), `0123456789${'x'.repeat(40)}`));
      expect((await done(1)).body).toBe('10 0123456789');
    });

    it("reads STDIN to its end without a CONTENT_LENGTH, or with Caddy's -1 for a chunked body", async () => {
      const { wire, done } = setup(async (request) => new Response(String((await request.text()).length)));
      const post: Pair[] = [
        ['REQUEST_METHOD', 'POST'],
        ['REQUEST_URI', '/'],
        ['HTTP_HOST', 'h'],
      ];
      wire.send(requestRecords(1, post, 'y'.repeat(50), { keepConn: true }));
      expect((await done(1)).body).toBe('50');
      wire.send(requestRecords(2, [...post, ['CONTENT_LENGTH', '-1']], 'y'.repeat(50)));
      expect((await done(2)).body).toBe('50');
    });

    it('answers 408 when the request body stops arriving for bodyTimeout, and the connection serves on', async () => {
      const { wire, done, logs } = setup(async (request) => new Response(await request.text()), {
        wire: { limits: { bodyTimeout: 100 } },
      });
      wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, POST(10)), encodeStream(RecordType.STDIN, 1, new TextEncoder().encode('half')));
      const stalled = await done(1);
      expect(stalled.status).toBe('408 Request Timeout');
      expect(stalled.stderr).toMatch(/no request body received for 100 ms/);
      expect(logs).toEqual([]);
      expect(wire.destroyed || wire.ended).toBe(false);
      wire.send(requestRecords(2, POST(2), 'ok'));
      expect((await done(2)).body).toBe('ok');
    });

    it('answers 400 for an invalid Host without calling the handler', async () => {
      const handler = vi.fn(() => new Response('x'));
      const { wire, done } = setup(handler);
      wire.send(
        requestRecords(1, [
          ['REQUEST_URI', '/'],
          ['HTTP_HOST', 'bad/host'],
        ]),
      );
      expect((await done()).status).toBe('400 Bad Request');
      expect(handler).not.toHaveBeenCalled();
    });

    it("takes an absolute-form target's scheme and authority over the Host, and answers 400 for one with userinfo", async () => {
      const { wire, done } = setup((request) => new Response(request.url));
      wire.send(
        requestRecords(
          1,
          [
            ['REQUEST_URI', 'https://target.example/p?q=1'],
            ['HTTP_HOST', 'host.example'],
          ],
          undefined,
          { keepConn: true },
        ),
      );
      expect((await done(1)).body).toBe('https://target.example/p?q=1');
      wire.send(
        requestRecords(2, [
          ['REQUEST_URI', 'http://user:pw@target.example/p'],
          ['HTTP_HOST', 'host.example'],
        ]),
      );
      expect((await done(2)).status).toBe('400 Bad Request');
    });

    it('answers 400 for a method a Request cannot carry', async () => {
      const { wire, done } = setup(() => new Response('x'));
      wire.send(
        requestRecords(1, [
          ['REQUEST_METHOD', 'BAD METHOD'],
          ['REQUEST_URI', '/'],
          ['HTTP_HOST', 'h'],
        ]),
      );
      expect((await done()).status).toBe('400 Bad Request');
    });

    it('aborts request.signal with a reason and cancels the response body on ABORT_REQUEST', async () => {
      let signal: AbortSignal | undefined;
      let cancelled: unknown;
      const { wire } = setup((request) => {
        signal = request.signal;
        return new Response(new ReadableStream({ pull() {}, cancel: (reason) => void (cancelled = reason ?? 'no reason') }));
      });
      wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, GET), encodeStream(RecordType.STDIN, 1, new Uint8Array(0), true));
      await vi.waitFor(() => expect(signal).toBeDefined());
      await new Promise((resolve) => setTimeout(resolve, 5));
      wire.send(abortRecord(1));
      expect(signal!.aborted).toBe(true);
      expect(signal!.reason).toBeInstanceOf(DOMException);
      await vi.waitFor(() => expect(cancelled).toBeDefined());
      expect(wire.output().get(1)!.end).toBeDefined();
    });

    it("aborts the signals of the request's clones and copies on ABORT_REQUEST, whether or not its own was read first", async () => {
      const seen: Request[] = [];
      const { wire } = setup((request) => {
        const early = request.clone();
        void request.signal;
        seen.push(early, request.clone(), new Request(request), new Request(request, { headers: { 'x-copy': '1' } }), request);
        return new Response(new ReadableStream({ pull() {} }));
      });
      wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, GET), encodeStream(RecordType.STDIN, 1, new Uint8Array(0), true));
      await vi.waitFor(() => expect(seen).toHaveLength(5));
      expect(seen.map((request) => request.signal.aborted)).toEqual([false, false, false, false, false]);
      wire.send(abortRecord(1));
      expect(seen.map((request) => request.signal.aborted)).toEqual([true, true, true, true, true]);
      expect(seen.map((request) => (request.signal.reason as Error).name)).toEqual(Array(5).fill('AbortError'));
    });

    it('streams a large response only as fast as the transport drains', async () => {
      let pulled = 0;
      const chunk = new Uint8Array(64 * 1024);
      const { wire } = setup(
        () =>
          new Response(
            new ReadableStream(
              {
                pull(controller) {
                  pulled++;
                  if (pulled > 1000) controller.close();
                  else controller.enqueue(chunk);
                },
              },
              { highWaterMark: 0 },
            ),
          ),
      );
      wire.writable = false;
      wire.send(requestRecords(1, GET));
      await new Promise((resolve) => setTimeout(resolve, 30));
      const whileBlocked = pulled;
      expect(whileBlocked).toBeLessThan(5);
      for (let i = 0; i < 10; i++) {
        wire.connection.drained();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(pulled).toBeGreaterThan(whileBlocked);
      expect(pulled).toBeLessThan(whileBlocked + 15);
    });

    it('shares a blocked connection fairly between concurrent responses', async () => {
      const sent = new Map<string, number>();
      const { wire } = setup(
        (request) =>
          new Response(
            new ReadableStream(
              {
                pull(controller) {
                  const path = new URL(request.url).pathname;
                  sent.set(path, (sent.get(path) ?? 0) + 1);
                  controller.enqueue(new Uint8Array(32 * 1024));
                },
              },
              { highWaterMark: 0 },
            ),
          ),
      );
      wire.writable = false;
      wire.send(
        requestRecords(
          1,
          [
            ['REQUEST_URI', '/a'],
            ['HTTP_HOST', 'h'],
          ],
          undefined,
          { keepConn: true },
        ),
        requestRecords(
          2,
          [
            ['REQUEST_URI', '/b'],
            ['HTTP_HOST', 'h'],
          ],
          undefined,
          { keepConn: true },
        ),
      );
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        wire.connection.drained();
      }
      const a = sent.get('/a') ?? 0;
      const b = sent.get('/b') ?? 0;
      expect(a).toBeGreaterThan(5);
      expect(Math.abs(a - b)).toBeLessThanOrEqual(2);
      wire.connection.closed();
    });
  });
}
