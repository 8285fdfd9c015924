/** The itty-router types: what handlers receive, checked by the compiler (never run). */
import { AutoRouter, Router, type IRequest } from 'itty-router';
import { describe, expectTypeOf, it } from 'vitest';
import type { App, ExecutionContext, FastCGIContext } from 'fastcgi-fetch';
import { getConnInfo, withConnInfo, type FastCGIArgs, type FastCGIRequest, type RemoteInfo } from 'fastcgi-fetch/adapters/itty';

declare const context: FastCGIContext;
declare const request: IRequest;

describe('FastCGIArgs', () => {
  it('is the context then the execution context, as fastcgi-fetch passes them after the request', () => {
    expectTypeOf<FastCGIArgs>().toEqualTypeOf<[context: FastCGIContext, executionContext: ExecutionContext]>();
  });

  it('types the extra handler arguments of AutoRouter<IRequest, FastCGIArgs>', () => {
    const router = AutoRouter<IRequest, FastCGIArgs>();
    router.get('/', (req, ctx, executionContext) => {
      expectTypeOf(req).toEqualTypeOf<IRequest>();
      expectTypeOf(ctx).toEqualTypeOf<FastCGIContext>();
      expectTypeOf(executionContext).toEqualTypeOf<ExecutionContext>();
      expectTypeOf(ctx.params).toEqualTypeOf<Readonly<Record<string, string>>>();
      executionContext.waitUntil(Promise.resolve());
      return ctx.role;
    });
    expectTypeOf(router).toExtend<App>();
  });

  it('types the plain Router the same way', () => {
    const router = Router<IRequest, FastCGIArgs>();
    router.post('/', (_req, ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<FastCGIContext>();
      return new Response(ctx.remoteAddress ?? '');
    });
    expectTypeOf(router).toExtend<App>();
  });
});

describe('FastCGIRequest and withConnInfo', () => {
  it('types request.remote as RemoteInfo after the withConnInfo middleware', () => {
    const router = AutoRouter<FastCGIRequest, FastCGIArgs>({ before: [withConnInfo] });
    router.get('/ip', (req) => {
      expectTypeOf(req.remote).toEqualTypeOf<RemoteInfo>();
      expectTypeOf(req.remote.address).toEqualTypeOf<string | undefined>();
      expectTypeOf(req.remote.port).toEqualTypeOf<number | undefined>();
      expectTypeOf(req.remote.addressType).toEqualTypeOf<'IPv4' | 'IPv6' | undefined>();
      return req.remote;
    });
    expectTypeOf(router).toExtend<App>();
  });

  it('keeps the IRequest fields on a FastCGIRequest', () => {
    expectTypeOf<FastCGIRequest>().toExtend<IRequest>();
    expectTypeOf<FastCGIRequest['params']>().toEqualTypeOf<IRequest['params']>();
  });

  it('withConnInfo takes the request and the FastCGI context, and returns nothing', () => {
    expectTypeOf(withConnInfo).toBeCallableWith(request, context);
    expectTypeOf(withConnInfo).returns.toEqualTypeOf<void>();
    // @ts-expect-error the context is required: it holds REMOTE_ADDR
    withConnInfo(request);
  });

  it('getConnInfo reads the address out of the context', () => {
    expectTypeOf(getConnInfo(context)).toEqualTypeOf<{ remote: RemoteInfo }>();
    // @ts-expect-error it takes the FastCGI context, not the request
    getConnInfo(request);
  });
});
