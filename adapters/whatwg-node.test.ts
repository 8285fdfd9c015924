import { createServerAdapter } from '@whatwg-node/server';
import { describe, expect, it } from 'vitest';
import type { FastCGIContext, ServerAdapterRequestHandler } from 'fastcgi-fetch';
import { createTestClient } from 'fastcgi-fetch/testing';

describe('an @whatwg-node/server adapter', () => {
  it('runs unchanged, with the FastCGI context as its server context', async () => {
    const handler: ServerAdapterRequestHandler = (request, context) =>
      Response.json({ path: new URL(request.url).pathname, role: context.role, from: context.remoteAddress });
    const adapter = createServerAdapter<FastCGIContext>(handler);
    const client = createTestClient(adapter, { remoteAddress: '198.51.100.4' });
    const response = await client.fetch('/adapted');
    expect(await response.json()).toEqual({ path: '/adapted', role: 'responder', from: '198.51.100.4' });
    await client.close();
  });

  it('gets waitUntil work tracked until close()', async () => {
    let finished = false;
    const adapter = createServerAdapter<FastCGIContext>((_request, context) => {
      context.waitUntil(new Promise((resolve) => setTimeout(resolve, 20)).then(() => (finished = true)));
      return new Response('ok');
    });
    const client = createTestClient(adapter);
    expect(await (await client.fetch('/')).text()).toBe('ok');
    await client.close();
    expect(finished).toBe(true);
  });
});
