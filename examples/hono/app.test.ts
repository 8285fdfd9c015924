import { afterAll, describe, expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import app from './app.js';

describe('the Hono example', () => {
  const client = createTestClient(app, { remoteAddress: '198.51.100.20', remotePort: 40000 });
  afterAll(() => client.close());

  it('routes with params', async () => {
    expect(await (await client.fetch('/hello/ada')).json()).toEqual({ hello: 'ada' });
  });

  it('knows the client address and scheme from the CGI params', async () => {
    const response = await client.fetch('https://shop.example/whoami');
    expect(await response.json()).toEqual({ address: '198.51.100.20', https: true, server: 'shop.example' });
  });

  it('parses a JSON body', async () => {
    const response = await client.fetch('/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    expect(await response.json()).toEqual({ received: { a: [1, 2] } });
  });

  it("writes to the web server's error log through FCGI_STDERR", async () => {
    const { response, completed } = await client.request('/log');
    expect(await response.text()).toBe('logged\n');
    expect((await completed).stderr).toEqual(['visited /log from 198.51.100.20']);
  });

  it('answers unknown paths with its JSON 404', async () => {
    const response = await client.fetch('/missing');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found', path: '/missing' });
  });
});
