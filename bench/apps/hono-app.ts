/**
 * The application every Node contender serves: the same routes with the same bytes.
 * `/hello` is the per-request cost; `/bytes?n=` a streamed body in 64 KiB chunks.
 * `/stream`, `/upload` and `/hold` are used by the memory measurements only.
 */
import { Hono } from 'hono';
import { setTimeout as sleep } from 'node:timers/promises';

export const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

/** A body of `total` bytes made on demand, 64 KiB at a time, never more than one chunk ahead. */
export function byteStream(total: number): ReadableStream<Uint8Array> {
  let left = total;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (left <= 0) {
          controller.close();
          return;
        }
        const size = Math.min(left, CHUNK.length);
        left -= size;
        controller.enqueue(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
      },
    },
    { highWaterMark: 0 },
  );
}

function count(text: string | undefined, fallback: number): number {
  const n = Number(text ?? fallback);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export const app = new Hono();

app.get('/hello', (c) => c.text('Hello, world!'));

app.get('/bytes', (c) => {
  const n = count(c.req.query('n'), 1024 * 1024);
  return c.body(byteStream(n), 200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
});

// A long body for a slow reader: only what the client takes may be produced.
app.get('/stream', (c) => c.body(byteStream(count(c.req.query('n'), 0)), 200, { 'content-type': 'application/octet-stream' }));

// Reads the upload slowly: never faster than `rate` bytes per second. Answers the byte count.
app.post('/upload', async (c) => {
  const rate = count(c.req.query('rate'), 10 * 1024 * 1024);
  const reader = c.req.raw.body?.getReader();
  const started = performance.now();
  let total = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      const ahead = (total / rate) * 1000 - (performance.now() - started);
      if (ahead > 1) await sleep(ahead);
    }
  }
  return c.text(String(total));
});

// Keeps the request in flight for a while: many of them at once measure the cost of one.
app.get('/hold', async (c) => {
  await sleep(count(c.req.query('ms'), 1000));
  return c.text('held');
});
