import { expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import app from './app.js';

it('greets with the path and the client address the web server reported', async () => {
  const client = createTestClient(app, { remoteAddress: '192.0.2.1' });
  const response = await client.fetch('/world');
  expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(await response.text()).toBe('Hello, world! You asked for /world from 192.0.2.1.\n');
  await client.close();
});
