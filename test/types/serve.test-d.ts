/**
 * What serve() accepts, pinned at compile time. Type tests (`*.test-d.ts`) are checked by
 * vitest's typecheck mode in `npm test` and by `npm run typecheck`, never run: a wrong
 * `@ts-expect-error` is itself an error.
 */
import { createServerAdapter } from '@whatwg-node/server';
import { Hono } from 'hono';
import { AutoRouter, IttyRouter, Router, type IRequest } from 'itty-router';
import { describe, expectTypeOf, it } from 'vitest';
import { serve, type App, type FastCGIContext, type FastCGIServer, type ServeOptions, type ServerAddress } from 'fastcgi-fetch';
import type { FastCGIArgs } from 'fastcgi-fetch/adapters/itty';

const hono = new Hono();
const honoWithBindings = new Hono<{ Bindings: FastCGIContext }>();
const autoRouter = AutoRouter();
const typedAutoRouter = AutoRouter<IRequest, FastCGIArgs>();
const router = Router();
const ittyRouter = IttyRouter();
const plainObject = { fetch: (request: Request) => new Response(request.url) };
const asyncObject = {
  async fetch(request: Request) {
    return new Response(request.url);
  },
};
const handler = (request: Request, context: FastCGIContext) => new Response(`${request.url} ${context.role}`);
const adapter = createServerAdapter<FastCGIContext>((request) => new Response(request.url));

describe('the apps serve() accepts', () => {
  it('takes Hono apps, with or without FastCGI bindings', () => {
    expectTypeOf(hono).toExtend<App>();
    expectTypeOf(honoWithBindings).toExtend<App>();
  });

  it('takes itty routers: AutoRouter (typed or not), Router and IttyRouter', () => {
    expectTypeOf(autoRouter).toExtend<App>();
    expectTypeOf(typedAutoRouter).toExtend<App>();
    expectTypeOf(router).toExtend<App>();
    expectTypeOf(ittyRouter).toExtend<App>();
  });

  it('takes an `export default { fetch }` object, sync or async, a bare handler and an @whatwg-node/server adapter', () => {
    expectTypeOf(plainObject).toExtend<App>();
    expectTypeOf(asyncObject).toExtend<App>();
    expectTypeOf(handler).toExtend<App>();
    expectTypeOf(adapter).toExtend<App>();
  });

  it('refuses a fetch method or a handler that returns no Response', () => {
    expectTypeOf({ fetch: () => 'hello' }).not.toExtend<App>();
    expectTypeOf({ fetch: async () => ({ status: 200 }) }).not.toExtend<App>();
    expectTypeOf({ fetch: async () => undefined }).not.toExtend<App>();
    expectTypeOf(() => 'hello').not.toExtend<App>();
  });

  it('refuses things that are not apps at all', () => {
    expectTypeOf(42).not.toExtend<App>();
    expectTypeOf({}).not.toExtend<App>();
    expectTypeOf({ fetch: 'https://example.com' }).not.toExtend<App>();
  });
});

describe('the two ways to call serve()', () => {
  it('serve(app, options) and serve(app) return a FastCGIServer', () => {
    expectTypeOf(serve(hono)).toEqualTypeOf<FastCGIServer>();
    expectTypeOf(serve(honoWithBindings, { port: 0 })).toEqualTypeOf<FastCGIServer>();
    expectTypeOf(serve(typedAutoRouter, { path: '/tmp/app.sock', socketMode: 0o660 })).toEqualTypeOf<FastCGIServer>();
    expectTypeOf(serve(handler, { fd: [3, 4] })).toEqualTypeOf<FastCGIServer>();
    expectTypeOf(serve(adapter, { maxRequests: 10, onError: () => new Response('oops', { status: 500 }) })).toEqualTypeOf<FastCGIServer>();
  });

  it('serve({ fetch, ...options }) takes the Bun/Deno/srvx shape', () => {
    expectTypeOf(serve({ fetch: hono.fetch, port: 0 })).toEqualTypeOf<FastCGIServer>();
    expectTypeOf(serve({ fetch: handler, path: '/tmp/app.sock', closeTimeout: 1000 })).toEqualTypeOf<FastCGIServer>();
  });

  it('refuses a non-app, in either shape', () => {
    // @ts-expect-error a number is not an app
    serve(42);
    // @ts-expect-error nor is an object without fetch
    serve({}, { port: 0 });
    // @ts-expect-error a fetch method must return a Response (or a promise of one), not a string
    serve({ fetch: () => 'hello' }, { port: 0 });
    // @ts-expect-error the same in the options shape
    serve({ fetch: () => 'hello', port: 0 });
    // @ts-expect-error the options shape needs fetch
    serve({ port: 0 });
  });

  it('refuses options of the wrong type or unknown ones', () => {
    // @ts-expect-error a port is a number
    serve(hono, { port: '9000' });
    // @ts-expect-error no such option (a typo of maxRequests)
    serve(hono, { maxRequest: 10 });
    // @ts-expect-error fetch belongs in the first argument, not in the options of serve(app, options)
    serve(hono, { fetch: hono.fetch });
  });

  it('gives the listening address as a union to narrow on `type`', () => {
    expectTypeOf<ServeOptions['fd']>().toEqualTypeOf<number | readonly number[] | undefined>();
    expectTypeOf<FastCGIServer['address']>().toEqualTypeOf<ServerAddress | undefined>();
    expectTypeOf<Extract<ServerAddress, { type: 'tcp' }>>().toEqualTypeOf<{ type: 'tcp'; host: string; port: number }>();
    expectTypeOf<FastCGIServer['ready']>().returns.toEqualTypeOf<Promise<FastCGIServer>>();
  });
});
