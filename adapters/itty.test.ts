import { AutoRouter, type IRequest } from 'itty-router';
import { describe, expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import { getConnInfo, withConnInfo, type FastCGIArgs, type FastCGIRequest } from './itty.js';

describe('the itty-router adapter', () => {
  const router = AutoRouter<IRequest, FastCGIArgs>({ before: [withConnInfo] });
  router.get('/hello/:name', ({ params }, context) => ({ hello: params.name, role: context.role }));
  router.get('/ip', (request) => (request as FastCGIRequest).remote);
  router.get('/conn', (_request, context) => getConnInfo(context));
  router.post('/later', (_request, _context, executionContext) => {
    executionContext.waitUntil(new Promise((resolve) => setTimeout(resolve, 10)));
    return new Response(null, { status: 202 });
  });

  it('passes the FastCGI context and execution context to handlers as extra arguments', async () => {
    const client = createTestClient(router, { remoteAddress: '203.0.113.5', remotePort: 4000 });
    expect(await (await client.fetch('/hello/ada')).json()).toEqual({ hello: 'ada', role: 'responder' });
    expect(await (await client.fetch('/ip')).json()).toEqual({ address: '203.0.113.5', port: 4000, addressType: 'IPv4', transport: 'tcp' });
    expect(await (await client.fetch('/conn')).json()).toMatchObject({ remote: { address: '203.0.113.5' } });
    expect((await client.fetch('/later', { method: 'POST' })).status).toBe(202);
    await client.close();
  });

  it('answers 404 for a route AutoRouter does not know', async () => {
    const client = createTestClient(router);
    expect((await client.fetch('/nope')).status).toBe(404);
    await client.close();
  });
});
