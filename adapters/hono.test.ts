import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { FastCGIContext } from 'fastcgi-fetch';
import { createTestClient } from 'fastcgi-fetch/testing';
import { getConnInfo, type FastCGIEnv } from './hono.js';

describe('the Hono adapter', () => {
  it('reads the client address for getConnInfo from REMOTE_ADDR and REMOTE_PORT', async () => {
    const app = new Hono<FastCGIEnv>();
    app.get('/who', (c) => c.json(getConnInfo(c)));
    const client = createTestClient(app, { remoteAddress: '192.0.2.10', remotePort: 51234 });
    expect(await (await client.fetch('/who')).json()).toEqual({
      remote: { address: '192.0.2.10', port: 51234, addressType: 'IPv4', transport: 'tcp' },
    });
    const v6 = await client.fetch('/who', { params: { REMOTE_ADDR: '2001:db8::1', REMOTE_PORT: undefined } });
    expect(await v6.json()).toEqual({ remote: { address: '2001:db8::1', addressType: 'IPv6', transport: 'tcp' } });
    await client.close();
  });

  it('types c.env as the FastCGI context with the plain Bindings form too', async () => {
    const app = new Hono<{ Bindings: FastCGIContext }>();
    app.get('/env', (c) => c.text(`${c.env.role} ${c.env.https} ${c.env.params.SERVER_SOFTWARE}`));
    const client = createTestClient(app);
    expect(await (await client.fetch('https://example.test/env')).text()).toBe('responder true fastcgi-fetch');
    await client.close();
  });

  it('lets c.executionCtx.waitUntil run work after the response, which close() awaits', async () => {
    const events: string[] = [];
    const app = new Hono<FastCGIEnv>();
    app.get('/later', (c) => {
      c.executionCtx.waitUntil(new Promise((resolve) => setTimeout(resolve, 30)).then(() => events.push('background done')));
      events.push('responded');
      return c.text('ok');
    });
    const client = createTestClient(app);
    expect(await (await client.fetch('/later')).text()).toBe('ok');
    expect(events).toEqual(['responded']);
    await client.close();
    expect(events).toEqual(['responded', 'background done']);
  });
});
