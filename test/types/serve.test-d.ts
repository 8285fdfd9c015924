/**
 * What serve() accepts, pinned at compile time: `npm run typecheck` checks this file (a wrong
 * `@ts-expect-error` is itself an error); the expectTypeOf calls also run as tests.
 */
import { createServerAdapter } from '@whatwg-node/server';
import { Hono } from 'hono';
import { AutoRouter, IttyRouter, Router, type IRequest } from 'itty-router';
import { describe, expectTypeOf, it } from 'vitest';
import type { FastCGIArgs } from '../../adapters/itty.js';
import type { App, FastCGIContext } from '../types.js';
import { serve } from './serve.js';

const hono = new Hono();
const honoWithBindings = new Hono<{ Bindings: FastCGIContext }>();
const autoRouter = AutoRouter();
const typedAutoRouter = AutoRouter<IRequest, FastCGIArgs>();
const router = Router();
const ittyRouter = IttyRouter();
const plainObject = { fetch: (request: Request) => new Response(request.url) };
const asyncObject = { async fetch(request: Request) { return new Response(request.url); } };
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

  it('takes an `export default { fetch }` object, sync or async, and an @whatwg-node/server adapter', () => {
    expectTypeOf(plainObject).toExtend<App>();
    expectTypeOf(asyncObject).toExtend<App>();
    expectTypeOf(adapter).toExtend<App>();
  });

  it('refuses a fetch method or a handler that returns no Response', () => {
    expectTypeOf({ fetch: () => 'hello' }).not.toExtend<App>();
    expectTypeOf({ fetch: async () => ({ status: 200 }) }).not.toExtend<App>();
    expectTypeOf({ fetch: async () => undefined }).not.toExtend<App>();
    expectTypeOf(() => 'hello').not.toExtend<App>();
  });
});

/** Never called (serve() would listen): how users write it, checked by the compiler. */
export function servesEveryShape(): void {
  serve(hono);
  serve(honoWithBindings, { port: 0 });
  serve(autoRouter);
  serve(typedAutoRouter, { path: '/tmp/app.sock' });
  serve(router);
  serve(plainObject);
  serve(adapter);
  serve({ fetch: hono.fetch, port: 0 });
  // @ts-expect-error a fetch method must return a Response (or a promise of one), not a string
  serve({ fetch: () => 'hello' }, { port: 0 });
  // @ts-expect-error the same in the options shape
  serve({ fetch: () => 'hello', port: 0 });
}
