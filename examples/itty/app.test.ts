import { afterAll, describe, expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import router from './app.js';

describe('the itty-router example', () => {
  const client = createTestClient(router, { remoteAddress: '203.0.113.44' });
  afterAll(() => client.close());

  it('answers a plain string route as text', async () => {
    expect(await (await client.fetch('/')).text()).toBe('Hello from itty-router behind FastCGI!');
  });

  it('reads route params and the query', async () => {
    expect(await (await client.fetch('/items/7?sort=asc')).json()).toEqual({ id: '7', sort: 'asc' });
  });

  it('gets the client address from the FastCGI context', async () => {
    expect(await (await client.fetch('/ip')).json()).toEqual({ ip: '203.0.113.44' });
  });

  it('creates an item and logs it to FCGI_STDERR', async () => {
    const { response, completed } = await client.request('/items', { method: 'POST', body: '{"name":"pen"}' });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ created: { name: 'pen' } });
    expect((await completed).stderr).toEqual(['created an item: {"name":"pen"}']);
  });

  it('answers 404 for unknown routes', async () => {
    expect((await client.fetch('/nope')).status).toBe(404);
  });
});
