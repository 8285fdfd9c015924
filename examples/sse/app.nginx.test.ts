import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type FastCGIServer } from 'fastcgi-fetch';
import { startNginx } from '../../test/servers/nginx.js';
import { installed, type WebServer } from '../../test/servers/web-server.js';
import { createSseApp, openStreams } from './app.js';

const hasNginx = installed('nginx');
if (!hasNginx) console.log('skipping the SSE-through-nginx test: nginx is not installed (Debian package nginx)');

const INTERVAL = 300;

describe.skipIf(!hasNginx)('the SSE example behind nginx', () => {
  let dir: string;
  let app: FastCGIServer;
  let nginx: WebServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcgi-sse-nginx-'));
    app = await serve(createSseApp(INTERVAL), { path: path.join(dir, 'app.sock') }).ready();
    // nginx's default: fastcgi_buffering on. Only the app's X-Accel-Buffering: no lets events through.
    nginx = await startNginx({ upstream: { path: path.join(dir, 'app.sock') } });
  });

  afterAll(async () => {
    await nginx?.stop();
    await app?.close({ timeout: 1000 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each event as it happens, while the handler is still streaming', async () => {
    const started = Date.now();
    const controller = new AbortController();
    const response = await fetch(`${nginx.url}/events`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const arrivals: number[] = [];
    let text = '';
    for (let reads = 0; reads < 100 && arrivals.length < 3; reads++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const events = text.match(/event: tick\n/g)?.length ?? 0;
      while (arrivals.length < events) arrivals.push(Date.now() - started);
    }
    expect(text).toMatch(/^: connected\n\nevent: tick\nid: 1\ndata: \{"n":1\}\n\nevent: tick\nid: 2\n/);
    // Buffered, the first event would only come with many others; streamed, events come one
    // interval apart, and the response is still open (the handler never finishes on its own).
    expect(arrivals[0]).toBeLessThan(INTERVAL * 2.5);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThan(INTERVAL / 2);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThan(INTERVAL / 2);
    expect(openStreams.count).toBe(1);

    // The browser leaving: nginx drops its FastCGI connection and the app's stream is cancelled.
    controller.abort();
    await reader.cancel().catch(() => {});
    for (let i = 0; i < 100 && openStreams.count > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openStreams.count).toBe(0);
  });
});
