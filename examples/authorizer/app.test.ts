import { afterAll, describe, expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import app from './app.js';

describe('the authorizer example', () => {
  const client = createTestClient(app, { role: 'authorizer' });
  afterAll(() => client.close());

  it('lets a known token through with Variable- headers for the web server', async () => {
    const response = await client.fetch('/admin/stats', { headers: { authorization: 'Bearer secret-ada' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('variable-remote_user')).toBe('ada');
    expect(response.headers.get('variable-user_role')).toBe('admin');
  });

  it('answers 401 with a challenge when there is no token', async () => {
    const response = await client.fetch('/docs');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="example"');
  });

  it('answers 403 to a reader on an admin path', async () => {
    expect((await client.fetch('/admin/stats', { headers: { authorization: 'Bearer secret-bob' } })).status).toBe(403);
  });

  it('authorizes a POST without sending its body along', async () => {
    const response = await client.fetch('/docs', { method: 'POST', body: 'ignored', headers: { authorization: 'Bearer secret-bob' } });
    expect(response.status).toBe(200);
  });
});
