import { createServerAdapter } from '@whatwg-node/server';
import { describe, expect, it } from 'vitest';
import type { FastCGIContext } from '../types.js';
import { createTestClient } from '../testing.js';

describe.each([true, false])('the handler context (overrideGlobalObjects %s)', (overrideGlobalObjects) => {
  it('takes members a framework writes onto it, as a plain object would (GraphQL Yoga assigns params)', async () => {
    const client = createTestClient(
      (request: Request, context: FastCGIContext) => {
        const fastcgiAddress = context.remoteAddress;
        Object.assign(context, { params: { query: '{ hello }' }, request, remoteAddress: 'rewritten' });
        return Response.json({
          params: context.params,
          sameRequest: (context as unknown as { request: Request }).request === request,
          fastcgiAddress,
          remoteAddress: context.remoteAddress,
        });
      },
      { overrideGlobalObjects, params: { REMOTE_ADDR: '198.51.100.7' } },
    );
    const response = await client.fetch('/graphql');
    expect(await response.json()).toEqual({ params: { query: '{ hello }' }, sameRequest: true, fastcgiAddress: '198.51.100.7', remoteAddress: 'rewritten' });
    await client.close();
  });

  it('keeps its own members for the next request after one handler wrote over them', async () => {
    let first = true;
    const client = createTestClient(
      (_request: Request, context: FastCGIContext) => {
        if (first) Object.assign(context, { params: {} });
        first = false;
        return new Response(context.params.APP_ENV ?? '(none)');
      },
      { overrideGlobalObjects, params: { APP_ENV: 'test' } },
    );
    expect(await (await client.fetch('/')).text()).toBe('(none)');
    expect(await (await client.fetch('/')).text()).toBe('test');
    await client.close();
  });

  it('is the server context an @whatwg-node/server adapter hands its handler, writable as one', async () => {
    const adapter = createServerAdapter<FastCGIContext>((_request, context) => {
      Object.assign(context, { params: { from: 'the adapter' } });
      return Response.json({ params: context.params, role: context.role });
    });
    const client = createTestClient(adapter, { overrideGlobalObjects });
    expect(await (await client.fetch('/')).json()).toEqual({ params: { from: 'the adapter' }, role: 'responder' });
    await client.close();
  });
});
