import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestClient, type TestClient } from '../../../src/testing.js';
import type { App } from '../../../src/types.js';

/** What the test file took from the globals before anything could replace them. */
export interface Captured {
  fetch: typeof fetch;
  Request: typeof Request;
  Response: typeof Response;
}

interface Upstream {
  /** The origin, e.g. http://127.0.0.1:40000 */
  origin: string;
  /** Resolves when `/hold` has been asked for. */
  held: Promise<void>;
  /** Resolves when the upstream sees its client go away before the response ended. */
  abandoned: Promise<void>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback standing for the API a proxy forwards to. `/hold` sends one
 * line and then holds the response open; `/echo` answers the method, a header and the body.
 */
async function startUpstream(): Promise<Upstream> {
  let abandon!: () => void;
  const abandoned = new Promise<void>((resolve) => (abandon = resolve));
  let hold!: () => void;
  const held = new Promise<void>((resolve) => (hold = resolve));
  const server = http.createServer((req, res) => {
    if (req.url === '/hold') {
      hold();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first line\n');
      res.on('close', () => {
        if (!res.writableFinished) abandon();
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.end(`${req.method} x-forwarded=${req.headers['x-forwarded'] ?? ''} body=${Buffer.concat(chunks).toString()}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    held,
    abandoned,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

setFlagsFromString('--expose-gc');
/** A full garbage collection (the flag set above exposes `gc` to new contexts). */
const collectGarbage = runInNewContext('gc') as () => void;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * What must hold for an existing fetch app to run unchanged, run in both global modes:
 * `light` (the default: light Response global, light requests where supported) and
 * `platform` (`overrideGlobalObjects: false`).
 */
export function describeDropIn(mode: 'light' | 'platform', captured: Captured): void {
  const overrideGlobalObjects = mode === 'light';
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  function client(app: App): TestClient {
    const created = createTestClient(app, { overrideGlobalObjects, log: () => {} });
    cleanups.push(() => created.close({ force: true }));
    return created;
  }
  async function upstream(): Promise<Upstream> {
    const started = await startUpstream();
    cleanups.push(started.close);
    return started;
  }

  describe(`a fetch app runs unchanged (${mode} globals)`, () => {
    it('answers a GraphQL Yoga server, whose responses come from its own Fetch implementation', async () => {
      const { createSchema, createYoga } = await import('graphql-yoga');
      const yoga = createYoga({
        schema: createSchema({
          typeDefs: 'type Query { hello(name: String!): String! }',
          resolvers: { Query: { hello: (_: unknown, { name }: { name: string }) => `Hello, ${name}!` } },
        }),
        logging: false,
      });
      // The point of the test: Yoga's Response class is not the global one.
      expect(new yoga.fetchAPI.Response('x') instanceof Response).toBe(false);
      const app = client(yoga);
      const post = await app.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: 'query ($n: String!) { hello(name: $n) }', variables: { n: 'FastCGI' } }),
      });
      expect(post.status).toBe(200);
      expect(post.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await post.json()).toEqual({ data: { hello: 'Hello, FastCGI!' } });
      const get = await app.fetch('/graphql?query=%7B%20hello(name%3A%20%22GET%22)%20%7D', { headers: { accept: 'application/json' } });
      expect(await get.json()).toEqual({ data: { hello: 'Hello, GET!' } });
      const invalid = await app.fetch('/graphql?query=%7B%20nope%20%7D', { headers: { accept: 'application/json' } });
      expect(invalid.status).toBe(200);
      expect(((await invalid.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    });

    it("sends @whatwg-node/fetch's Response with its status, every Set-Cookie and a streamed body", async () => {
      const { Headers: PonyHeaders, ReadableStream: PonyStream, Response: PonyResponse } = await import('@whatwg-node/fetch');
      const app = client(() => {
        const headers = new PonyHeaders({ 'x-impl': 'whatwg-node' });
        headers.append('set-cookie', 'a=1; Path=/');
        headers.append('set-cookie', 'b=2, with comma');
        const chunks = ['one,', 'two,', 'three'];
        const body = new PonyStream({
          pull(controller) {
            const next = chunks.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(new TextEncoder().encode(next));
          },
        });
        return new PonyResponse(body, { status: 202, statusText: 'Accepted Later', headers }) as unknown as Response;
      });
      const res = await app.fetch('/');
      expect([res.status, res.statusText, res.headers.get('x-impl')]).toEqual([202, 'Accepted Later', 'whatwg-node']);
      expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2, with comma']);
      expect(await res.text()).toBe('one,two,three');
    });

    it('sends a node-fetch-style response: a Node stream as its body', async () => {
      const { Readable } = await import('node:stream');
      const app = client(
        () =>
          ({
            status: 201,
            statusText: 'Created',
            headers: new Headers({ 'content-type': 'text/plain', 'x-style': 'node-fetch' }),
            body: Readable.from([Buffer.from('node '), Buffer.from('stream')]),
          }) as unknown as Response,
      );
      const res = await app.fetch('/');
      expect([res.status, res.headers.get('x-style'), await res.text()]).toEqual([201, 'node-fetch', 'node stream']);
    });

    it('answers 500 for values that only look a little like a Response, and Response.error()', async () => {
      const results: unknown[] = [{ status: 200 }, { status: 200, headers: {}, body: null }, 'text', Response.error()];
      const app = client((request) => results[Number(new URL(request.url).searchParams.get('i'))] as Response);
      for (let i = 0; i < results.length; i++) {
        const res = await app.fetch(`/?i=${i}`);
        expect([i, res.status]).toEqual([i, 500]);
        await res.arrayBuffer();
      }
    });

    it('makes instanceof true for the global classes only, never for a subclass', async () => {
      let seen: boolean[] = [];
      const app = client(async (request) => {
        const platform = await captured.fetch('data:text/plain,x');
        seen = [
          request instanceof Request,
          new Response('x') instanceof Response,
          platform instanceof Response,
          request instanceof class extends Request {},
          new Response('x') instanceof class extends Response {},
          platform instanceof class extends Response {},
        ];
        class Mine extends Response {}
        seen.push(new Mine('x') instanceof Mine, new Mine('x') instanceof Response);
        return new Response('ok');
      });
      await (await app.fetch('/')).text();
      expect(seen).toEqual([true, true, true, false, false, false, true, true]);
    });

    for (const [copy, forward] of [
      ['request.clone()', (request: Request) => fetch(request.clone())],
      ['new Request(request)', (request: Request) => fetch(new Request(request))],
      ['fetch(request)', (request: Request) => fetch(request)],
      ['a fetch captured before the app started', (request: Request) => captured.fetch(request)],
    ] as const) {
      it(`aborts the upstream call of ${copy} when the client goes away`, async () => {
        const api = await upstream();
        // The handler reads the whole upstream body before answering, so only the abort of the
        // copy's signal can stop that read: nothing of the upstream response reaches the writer.
        const app = client(async (request) => new Response(await (await forward(request)).text()));
        const controller = new AbortController();
        // The request's URL is the upstream's: the proxy forwards it as it is.
        const answer = app.fetch(`${api.origin}/hold`, { signal: controller.signal });
        answer.catch(() => {});
        await within(api.held, 5000, 'the upstream being asked');
        controller.abort();
        await within(api.abandoned, 5000, 'the upstream seeing the abort');
        await expect(answer).rejects.toThrow();
      });
    }

    it('fires request.signal for a handler that keeps only the signal, after garbage collection', async () => {
      let resolveWaiting!: () => void;
      const waiting = new Promise<void>((resolve) => (resolveWaiting = resolve));
      let aborted = false;
      const app = client((request) => {
        // Only the signal is kept: the Request itself can be collected.
        const signal = request.signal;
        resolveWaiting();
        return new Promise<Response>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(new Response('aborted'));
          });
        });
      });
      const controller = new AbortController();
      const answer = app.fetch('/wait', { signal: controller.signal });
      answer.catch(() => {});
      await waiting;
      for (let i = 0; i < 3; i++) {
        collectGarbage();
        await new Promise((resolve) => setImmediate(resolve));
      }
      controller.abort();
      await vi.waitFor(() => expect(aborted).toBe(true), { timeout: 2000 });
    });

    it('lets a fetch and a Request class captured before the app started take the request, body and changed headers', async () => {
      const api = await upstream();
      const app = client(async (request) => {
        const headers = request.headers;
        // The body stream made first (as a body check does): the header set after it must still go.
        expect(request.body).not.toBeNull();
        headers.set('x-forwarded', 'yes');
        const viaFetch = await (await captured.fetch(new captured.Request(request).clone())).text();
        return new captured.Response(viaFetch);
      });
      const res = await app.fetch(`${api.origin}/echo`, { method: 'POST', body: 'payload' });
      expect(await res.text()).toBe('POST x-forwarded=yes body=payload');
    });

    it('keeps request.headers the same object, with its changes, after the body was read', async () => {
      let same: unknown[] = [];
      const app = client(async (request) => {
        const headers = request.headers;
        headers.set('x-before', '1');
        const body = await request.text();
        headers.set('x-after', '2');
        same = [body, request.headers === headers, request.headers.get('x-before'), request.headers.get('x-after')];
        return new Response('ok');
      });
      await (await app.fetch('/', { method: 'POST', body: 'hello' })).text();
      expect(same).toEqual(['hello', true, '1', '2']);
    });

    it('sends what the response held when the handler made it, not later changes to its inputs', async () => {
      const app = client(() => {
        const record: Record<string, string> = { 'x-record': 'kept' };
        const headers = new Headers({ 'x-headers': 'kept' });
        const bytes = new TextEncoder().encode('kept bytes');
        const responses = [new Response(bytes, { headers: record }), new Response('text', { headers })];
        record['x-record'] = 'changed';
        record['x-added'] = 'added';
        headers.set('x-headers', 'changed');
        bytes.fill(0x21);
        return Promise.all(responses.map(async (r) => `${[...r.headers].join(';')}|${await r.text()}`)).then((parts) => new Response(parts.join('\n')));
      });
      expect(await (await app.fetch('/')).text()).toBe('x-record,kept|kept bytes\ncontent-type,text/plain;charset=UTF-8;x-headers,kept|text');
    });

    it('throws the TypeError the platform throws for a bad init, so itty corsify-style code can catch it', async () => {
      const app = client(() => {
        const errors: string[] = [];
        for (const make of [
          () => new Response(null, 'text' as unknown as ResponseInit),
          () => new Response('x', { headers: { 'bad name': 'v' } }),
          () => Response.json(undefined),
          () => new Response(new Uint8Array(1), { status: 204 }),
        ]) {
          try {
            make();
            errors.push('none');
          } catch (error) {
            errors.push((error as Error).constructor.name);
          }
        }
        return new Response(`${errors.join(',')} ${new Response('x', { status: '201' as unknown as number }).status}`);
      });
      expect(await (await app.fetch('/')).text()).toBe('TypeError,TypeError,TypeError,TypeError 201');
    });
  });
}
