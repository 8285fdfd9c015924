import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient } from '../testing.js';

const TEXT = 'an upstream answer worth compressing, '.repeat(100);
const ENCODE: Record<string, (data: Buffer) => Buffer> = {
  gzip: gzipSync,
  'x-gzip': gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
  'x-unknown': (data) => data,
};

let upstream: Server;
let origin: string;

beforeAll(async () => {
  // A real origin: the body encoded as the path says, with the encoded length.
  upstream = createServer((req, res) => {
    const coding = decodeURIComponent((req.url ?? '/').slice(1));
    const body = ENCODE[coding]!(Buffer.from(TEXT));
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': coding, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(() => {
  upstream.closeAllConnections();
  upstream.close();
});

describe.each([true, false])('a response from fetch() handed back as it is (overrideGlobalObjects %s)', (overrideGlobalObjects) => {
  it.each(['gzip', 'x-gzip', 'deflate', 'br'])('goes out decoded, without the stale %s Content-Encoding and Content-Length', async (coding) => {
    const client = createTestClient(() => fetch(`${origin}/${coding}`), { overrideGlobalObjects });
    const response = await client.fetch('/');
    expect(response.headers.get('content-encoding')).toBeNull();
    const length = response.headers.get('content-length');
    const body = await response.text();
    expect(body).toBe(TEXT);
    expect(length === null || Number(length) === TEXT.length).toBe(true);
    await client.close();
  });

  it('goes out decoded when the handler returns a clone', async () => {
    const client = createTestClient(async () => (await fetch(`${origin}/gzip`)).clone(), { overrideGlobalObjects });
    const response = await client.fetch('/');
    expect([response.headers.get('content-encoding'), await response.text()]).toEqual([null, TEXT]);
    await client.close();
  });

  it('keeps a coding fetch() did not undo, with the bytes as they came', async () => {
    const client = createTestClient(() => fetch(`${origin}/x-unknown`), { overrideGlobalObjects });
    const response = await client.fetch('/');
    expect(response.headers.get('content-encoding')).toBe('x-unknown');
    expect(await response.text()).toBe(TEXT);
    await client.close();
  });

  it('keeps the encoding and length of a forwarded HEAD, which has no body to decode', async () => {
    const client = createTestClient(() => fetch(`${origin}/gzip`, { method: 'HEAD' }), { overrideGlobalObjects });
    const response = await client.fetch('/', { method: 'HEAD' });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('content-length')).toBe(String(gzipSync(Buffer.from(TEXT)).length));
    await client.close();
  });

  it('leaves alone a body the app encoded itself', async () => {
    const encoded = gzipSync(Buffer.from(TEXT));
    const client = createTestClient(() => new Response(encoded, { headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' } }), {
      overrideGlobalObjects,
    });
    const response = await client.fetch('/');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await response.arrayBuffer()).equals(encoded)).toBe(true);
    await client.close();
  });
});
