import { describe, expect, it } from 'vitest';
import { createTestClient } from '../testing.js';

describe('responses without headers of their own', () => {
  it('keep their own default content type when another kind was sent before with the same status', async () => {
    const client = createTestClient((request: Request) => (new URL(request.url).pathname === '/text' ? new Response('hello') : Response.json({ ok: true })));
    for (const [path, type] of [
      ['/text', 'text/plain;charset=UTF-8'],
      ['/json', 'application/json'],
      ['/text', 'text/plain;charset=UTF-8'],
    ] as const) {
      const response = await client.fetch(`http://localhost${path}`);
      expect(response.headers.get('content-type'), path).toBe(type);
      await response.arrayBuffer();
    }
  });
});
