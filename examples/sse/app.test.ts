import { expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import { createSseApp, openStreams } from './app.js';

it('streams events as they happen and stops when the client goes away', async () => {
  const client = createTestClient(createSseApp(10));
  const response = await client.fetch('/events');
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  expect(response.headers.get('x-accel-buffering')).toBe('no');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (let reads = 0; reads < 100 && !text.includes('id: 3\n'); reads++) text += (await reader.read()).value ?? '';
  expect(text).toMatch(/^: connected\n\nevent: tick\nid: 1\ndata: \{"n":1\}\n\n/);
  expect(openStreams.count).toBe(1);
  await reader.cancel();
  // The browser leaving reaches the app: its stream is cancelled and the timer stops.
  for (let i = 0; i < 50 && openStreams.count > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(openStreams.count).toBe(0);
  await client.close({ force: true });
});
