import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type FastCGIServer } from 'fastcgi-fetch';
import { createClient, FastCGITimeoutError } from 'fastcgi-fetch/client';

describe("the client against fastcgi-fetch's own serve()", () => {
  let dir: string;
  let server: FastCGIServer;
  const inFlight = { now: 0, max: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fastcgi-fetch-client-'));
    server = await serve(
      async (request, context) => {
        const url = new URL(request.url);
        if (url.pathname === '/never') return new Promise<Response>(() => {});
        inFlight.now++;
        inFlight.max = Math.max(inFlight.max, inFlight.now);
        await new Promise((resolve) => setTimeout(resolve, 50));
        inFlight.now--;
        return new Response(`${url.pathname} id=${context.requestId}`);
      },
      { path: join(dir, 'app.sock') },
    ).ready();
  });

  afterAll(async () => {
    await server?.close({ timeout: 100 });
    await rm(dir, { recursive: true, force: true });
  });

  it('learns from GET_VALUES that it may multiplex, and runs 100 requests at once on one connection', async () => {
    const client = createClient({ path: join(dir, 'app.sock') });
    const texts = await Promise.all(Array.from({ length: 100 }, async (_, i) => (await client.fetch(`/n${i}`)).text()));
    for (const [i, text] of texts.entries()) expect(text).toMatch(new RegExp(`^/n${i} id=\\d+$`));
    expect(new Set(texts.map((text) => text.split('=')[1])).size).toBe(100);
    expect(inFlight.max).toBe(100);
    // The probe connection stays open and carries every request.
    expect(client.stats.opened).toBe(1);
    await client.close();
  });

  it('spreads requests over connections when multiplexing is off', async () => {
    const client = createClient({ path: join(dir, 'app.sock') }, { multiplex: false, maxConnections: 4 });
    inFlight.max = 0;
    await Promise.all(Array.from({ length: 12 }, async () => (await client.fetch('/x')).text()));
    expect(client.stats.opened).toBe(4);
    expect(inFlight.max).toBe(4);
    await client.close();
  });

  it('gives up on a response head after the timeout with a typed error, sending ABORT_REQUEST', async () => {
    const client = createClient({ path: join(dir, 'app.sock') }, { multiplex: true, timeout: 100 });
    await expect(client.fetch('/never')).rejects.toBeInstanceOf(FastCGITimeoutError);
    // The server answered the abort: the connection is still good for the next request.
    expect(await (await client.fetch('/after')).text()).toMatch(/^\/after id=/);
    expect(client.stats.opened).toBe(1);
    await client.close();
  });
});
