import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import app from './app.js';

describe('the upload example', () => {
  it('receives a 3 MiB file from a multipart form, byte for byte', async () => {
    const client = createTestClient(app, { recordSize: 16 * 1024 });
    const bytes = randomBytes(3 * 1024 * 1024);
    const form = new FormData();
    form.set('file', new File([bytes], 'photo.bin', { type: 'application/octet-stream' }));
    form.set('note', 'holiday');
    const { response, completed } = await client.request('/upload', { method: 'POST', body: form });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      name: 'photo.bin',
      type: 'application/octet-stream',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect((await completed).stderr).toEqual([`upload: photo.bin (${bytes.length} bytes) from 127.0.0.1`]);
    await client.close();
  });

  it('refuses a body that is not a form, and a file over the limit', async () => {
    const client = createTestClient(app);
    expect((await client.fetch('/upload', { method: 'POST', body: 'plain' })).status).toBe(400);
    const big = new FormData();
    big.set('file', new File([new Uint8Array(11 * 1024 * 1024)], 'big.bin'));
    expect((await client.fetch('/upload', { method: 'POST', body: big })).status).toBe(413);
    await client.close();
  });
});
