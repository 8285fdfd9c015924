/** FastCGIEnv with Hono's generics: what `c.env` is in a handler, checked by the compiler (never run). */
import { Hono, type Context } from 'hono';
import type { ConnInfo, GetConnInfo } from 'hono/conninfo';
import { describe, expectTypeOf, it } from 'vitest';
import type { App, FastCGIContext, FastCGIRole } from 'fastcgi-fetch';
import { getConnInfo, type FastCGIEnv } from 'fastcgi-fetch/adapters/hono';

describe('FastCGIEnv as a Hono Env', () => {
  it('is the Bindings form: Hono<FastCGIEnv> means Hono<{ Bindings: FastCGIContext }>', () => {
    expectTypeOf<FastCGIEnv>().toEqualTypeOf<{ Bindings: FastCGIContext }>();
  });

  it('types c.env as the FastCGI context in a handler', () => {
    const app = new Hono<FastCGIEnv>();
    app.get('/', (c) => {
      expectTypeOf(c.env).toEqualTypeOf<FastCGIContext>();
      expectTypeOf(c.env.params).toEqualTypeOf<Readonly<Record<string, string>>>();
      expectTypeOf(c.env.role).toEqualTypeOf<FastCGIRole>();
      expectTypeOf(c.env.remoteAddress).toEqualTypeOf<string | undefined>();
      expectTypeOf(c.env.remotePort).toEqualTypeOf<number | undefined>();
      expectTypeOf(c.env.https).toEqualTypeOf<boolean>();
      expectTypeOf(c.env.data).toEqualTypeOf<ReadableStream<Uint8Array> | null>();
      expectTypeOf(c.env.log).toBeCallableWith('a line for the error log');
      expectTypeOf(c.env.waitUntil).toBeCallableWith(Promise.resolve());
      // @ts-expect-error the params are the web server's: read-only
      c.env.params.REMOTE_ADDR = '127.0.0.1';
      // @ts-expect-error no such field on the context
      void c.env.remoteAddr;
      return c.text('ok');
    });
  });

  it('keeps the FastCGI bindings next to the app own Variables', () => {
    const app = new Hono<FastCGIEnv & { Variables: { user: string } }>();
    app.get('/', (c) => {
      expectTypeOf(c.env).toEqualTypeOf<FastCGIContext>();
      expectTypeOf(c.get('user')).toEqualTypeOf<string>();
      return c.text(c.get('user'));
    });
    expectTypeOf(app).toExtend<App>();
  });

  it('makes a typed Hono app something serve() accepts', () => {
    expectTypeOf(new Hono<FastCGIEnv>()).toExtend<App>();
  });
});

describe('getConnInfo for Hono', () => {
  it("has the shape of Hono's own getConnInfo helpers", () => {
    expectTypeOf(getConnInfo).toExtend<GetConnInfo>();
    expectTypeOf(getConnInfo).parameter(0).toEqualTypeOf<Context>();
    expectTypeOf(getConnInfo).returns.toEqualTypeOf<ConnInfo>();
  });

  it('takes the context of a typed or an untyped app', () => {
    new Hono<FastCGIEnv>().get('/', (c) => c.json(getConnInfo(c).remote));
    new Hono().get('/', (c) => c.json(getConnInfo(c).remote));
  });
});
